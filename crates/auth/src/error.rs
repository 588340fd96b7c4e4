//! Errors of the accounts layer. Messages never carry passwords, codes or tokens.

use cairn_store::StoreError;

/// Why an account operation was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// A field's value is not acceptable; the text says what to do.
    #[error("{field}: {message}")]
    Invalid {
        /// The form field concerned.
        field: &'static str,
        /// A sentence for the person who typed it.
        message: String,
    },
    /// The invitation, reset link or handoff is unknown, used, expired or revoked.
    #[error("the link is no longer valid")]
    LinkInvalid,
    /// E-mail or password wrong, account unknown or disabled: one answer for all.
    #[error("e-mail or password is wrong")]
    BadCredentials,
    /// Too many failures: wait before trying again.
    #[error("too many attempts; try again in {0} seconds")]
    Locked(i64),
    /// The code is wrong or was used already.
    #[error("the code is wrong")]
    BadCode,
    /// The challenge saw too many wrong codes and is over.
    #[error("too many wrong codes; sign in again")]
    ChallengeOver,
    /// A user with the e-mail exists already.
    #[error("a user with this e-mail exists already")]
    EmailTaken,
    /// The record does not exist in this tenant.
    #[error("not found")]
    NotFound,
    /// The image could not be used as an avatar.
    #[error("{0}")]
    Image(String),
    /// Mail could not be queued.
    #[error(transparent)]
    Mail(#[from] cairn_mail::MailError),
    /// Keys could not be used.
    #[error(transparent)]
    Tenancy(#[from] cairn_tenancy::TenancyError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for AuthError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => AuthError::NotFound,
            other => AuthError::Store(other.into()),
        }
    }
}

impl AuthError {
    /// A field error.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        AuthError::Invalid { field, message: message.into() }
    }
}
