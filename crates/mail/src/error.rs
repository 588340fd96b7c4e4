//! Errors of the mail layer.

use cairn_store::StoreError;

/// Why a mail could not be queued or sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The recipient is not a valid e-mail address.
    #[error("{0:?} is not a valid e-mail address")]
    InvalidAddress(String),
    /// A display name or subject holds line breaks or control characters.
    #[error("{0} may not contain line breaks or control characters")]
    InvalidHeader(&'static str),
    /// A template could not be rendered.
    #[error("mail template: {0}")]
    Template(String),
    /// The transport refused or failed.
    #[error("sending failed: {0}")]
    Transport(String),
    /// The configuration does not describe a usable transport.
    #[error("mail configuration: {0}")]
    Config(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for MailError {
    fn from(e: diesel::result::Error) -> Self {
        MailError::Store(e.into())
    }
}
