//! The one error type of the use cases.
//!
//! Domain crates speak `thiserror` enums of their own; here they become one
//! [`AppError`], which every surface maps to its own answer (a page, a
//! problem+json, a CLI message). This is the one place where a refusal is
//! turned into "not found": callers must not learn that something exists
//! when they may not see it. Internal failures keep their cause for the log
//! and never show it to the caller.

use cairn_assets::AssetError;
use cairn_auth::AuthError;
use cairn_auth::password::PasswordProblem;
use cairn_store::StoreError;
use cairn_tenancy::TenancyError;

/// Why a value was refused, for the surface to word in its language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// A new password is unacceptable.
    Password(PasswordProblem),
    /// The current password is wrong.
    CurrentPassword,
    /// A person's name is empty, too long or has control characters.
    Name,
    /// The e-mail address cannot receive mail.
    Email,
    /// The one-time code is wrong or was used already.
    Code,
    /// The picture cannot be used.
    Image,
    /// The upload is larger than allowed.
    TooLarge,
    /// Anything else, said in English (the surfaces prefix it with their own words).
    Text(String),
}

/// Why a use case did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not there, or not for this caller: the same answer for both.
    #[error("not found")]
    NotFound,
    /// A value is not acceptable; nothing was changed.
    #[error("{field}: {reason:?}")]
    Invalid {
        /// The field (form field or JSON key) concerned.
        field: String,
        /// What is wrong with it.
        reason: Reason,
    },
    /// A value collides with an existing one (an organization's name, a user's e-mail).
    #[error("{field} is taken")]
    Conflict {
        /// The field concerned.
        field: &'static str,
    },
    /// A change would remove fields that hold values; it needs the caller's
    /// confirmation. Each entry names a field and how many records hold a value.
    #[error("confirmation needed: fields with values would be removed")]
    Unconfirmed {
        /// The fields and their counts of values.
        fields: Vec<(String, i64)>,
    },
    /// The thing is not in a state that allows this (approving a workspace
    /// that awaits no approval); the text says which state it is in.
    #[error("{0}")]
    WrongState(String),
    /// Credentials or a code were wrong: the same answer for every cause.
    #[error("rejected")]
    Rejected,
    /// Too many failures: wait this many seconds.
    #[error("locked for {seconds} seconds")]
    Locked {
        /// How long to wait.
        seconds: i64,
    },
    /// The request's session is unknown, ended, or not through its second
    /// factor yet: sign in (again) first.
    #[error("sign-in required")]
    SignInRequired,
    /// An invitation, reset or handoff link is unknown, used, expired or replaced.
    #[error("the link is no longer valid")]
    LinkInvalid,
    /// The database cannot be reached (restarting, failing over, pool
    /// exhausted): nothing was changed; retry in a few seconds.
    #[error("the database is unavailable")]
    Unavailable,
    /// Something failed that the caller cannot fix; the cause is for the log only.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// A field error with an English sentence.
    pub fn invalid(field: impl Into<String>, reason: Reason) -> Self {
        AppError::Invalid { field: field.into(), reason }
    }

    /// An internal failure, logged here with its cause.
    pub(crate) fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "use case failed");
        AppError::Internal(cause.to_string())
    }
}

impl From<AuthError> for AppError {
    fn from(error: AuthError) -> Self {
        match error {
            AuthError::NotFound => AppError::NotFound,
            AuthError::Invalid { field, message } => AppError::invalid(field, Reason::Text(message)),
            AuthError::LinkInvalid => AppError::LinkInvalid,
            AuthError::BadCredentials | AuthError::ChallengeOver => AppError::Rejected,
            AuthError::Locked(seconds) => AppError::Locked { seconds },
            AuthError::BadCode => AppError::invalid("code", Reason::Code),
            AuthError::EmailTaken => AppError::Conflict { field: "email" },
            AuthError::Image(_) => AppError::invalid("avatar", Reason::Image),
            AuthError::Mail(mail) => mail.into(),
            AuthError::Store(store) => store.into(),
            AuthError::Tenancy(tenancy) => tenancy.into(),
        }
    }
}

impl From<AssetError> for AppError {
    fn from(error: AssetError) -> Self {
        match error {
            AssetError::NotFound => AppError::NotFound,
            AssetError::Invalid { field, message } => AppError::Invalid { field, reason: Reason::Text(message) },
            AssetError::NameTaken => AppError::Conflict { field: "name" },
            AssetError::Taken(field) => AppError::Conflict { field },
            AssetError::ValuesWouldBeRemoved(fields) => AppError::Unconfirmed { fields },
            AssetError::Auth(auth) => auth.into(),
            AssetError::Store(store) => store.into(),
            AssetError::Tenancy(tenancy) => tenancy.into(),
            other @ AssetError::Sealed => AppError::internal(other),
        }
    }
}

impl From<TenancyError> for AppError {
    fn from(error: TenancyError) -> Self {
        match error {
            TenancyError::NotFound(_) => AppError::NotFound,
            TenancyError::SlugTaken(_) => AppError::Conflict { field: "slug" },
            TenancyError::DomainTaken(_) => AppError::Conflict { field: "domain" },
            TenancyError::InvalidSlug(reason) => AppError::invalid("slug", Reason::Text(reason)),
            TenancyError::InvalidField { field, reason } => AppError::invalid(field, Reason::Text(reason)),
            TenancyError::Domain(domain, reason) => {
                AppError::invalid("domain", Reason::Text(format!("{domain}: {reason}")))
            }
            TenancyError::Store(store) => store.into(),
            other @ TenancyError::Vault(_) => AppError::internal(other),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Query(query) => query.into(),
            StoreError::Connect(_) | StoreError::Pool(_) => {
                tracing::warn!(%error, "the database is unavailable");
                metrics::counter!("cairn_db_unavailable_total").increment(1);
                AppError::Unavailable
            }
            other => AppError::internal(other),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::NotFound => AppError::NotFound,
            // The server went away under the connection (a restart, a failover).
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _) | Error::BrokenTransactionManager => {
                tracing::warn!(%error, "the database connection was lost");
                metrics::counter!("cairn_db_unavailable_total").increment(1);
                AppError::Unavailable
            }
            // SQLite on a full disk: writes fail until space is freed; reads go on.
            Error::DatabaseError(_, ref info) if info.message().contains("disk is full") => {
                tracing::error!(%error, "the database's disk is full: writes fail until space is freed");
                metrics::counter!("cairn_db_unavailable_total").increment(1);
                AppError::Unavailable
            }
            other => AppError::internal(other),
        }
    }
}

impl From<cairn_mail::MailError> for AppError {
    fn from(error: cairn_mail::MailError) -> Self {
        use cairn_mail::MailError;
        match error {
            MailError::InvalidAddress(_) => AppError::invalid("email", Reason::Email),
            MailError::InvalidHeader(what) => {
                AppError::invalid("name", Reason::Text(format!("{what}: no line breaks")))
            }
            other => AppError::internal(other),
        }
    }
}
