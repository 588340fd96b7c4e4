//! The `[mail]` settings.

use std::path::PathBuf;

use secrecy::SecretString;
use serde::Deserialize;

/// `[mail]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    /// `file` (development: `.eml` files and the links in the log) or `smtp`.
    pub transport: TransportKind,
    /// The sender address; the tenant's name becomes its display name.
    pub from: String,
    /// `[mail.smtp]`
    pub smtp: SmtpSettings,
    /// `[mail.file]`
    pub file: FileSettings,
    /// `[mail.outbox]`
    pub outbox: OutboxSettings,
}

/// Which transport sends mail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TransportKind {
    /// An SMTP relay.
    Smtp,
    /// `.eml` files in a folder.
    File,
}

/// `[mail.smtp]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettings {
    /// The relay's host name.
    pub host: String,
    /// The relay's port.
    pub port: u16,
    /// `none`, `starttls` or `tls`.
    pub tls: SmtpTls,
    /// User name, if the relay wants authentication.
    pub username: Option<String>,
    /// Password, if the relay wants authentication.
    pub password: Option<SecretString>,
    /// Seconds before a connection or command times out.
    pub timeout_secs: u64,
}

/// How the SMTP connection is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text (local relays only).
    None,
    /// Plain connection upgraded with STARTTLS (required, not opportunistic).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// `[mail.file]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    /// The folder `.eml` files are written to; unset: `<data_dir>/mail`.
    #[serde(default)]
    pub dir: Option<PathBuf>,
}

/// `[mail.outbox]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboxSettings {
    /// Attempts before a mail is marked failed.
    pub max_attempts: i32,
    /// Delay before the first retry, in seconds; doubled after each failure.
    pub retry_base_secs: u64,
    /// The longest delay between two attempts, in seconds.
    pub retry_max_secs: u64,
    /// How often the worker looks for due mail, in milliseconds (new mail
    /// queued by the same process wakes it at once).
    pub poll_interval_ms: u64,
    /// How long a claimed mail stays reserved for its worker, in seconds;
    /// after that another worker may take it over.
    pub lease_secs: u64,
}

impl MailSettings {
    /// Checks what serde cannot; the error names the key.
    pub fn validate(&self) -> Result<(), String> {
        if self.from.parse::<lettre::Address>().is_err() {
            return Err(format!("mail.from: {:?} is not an e-mail address", self.from));
        }
        if self.transport == TransportKind::Smtp && self.smtp.host.trim().is_empty() {
            return Err("mail.smtp.host: must be set when mail.transport = \"smtp\"".into());
        }
        if self.smtp.username.is_some() != self.smtp.password.is_some() {
            return Err("mail.smtp.username: set both mail.smtp.username and mail.smtp.password, or neither".into());
        }
        if self.smtp.timeout_secs == 0 {
            return Err("mail.smtp.timeout_secs: must be at least 1".into());
        }
        if !(1..=100).contains(&self.outbox.max_attempts) {
            return Err("mail.outbox.max_attempts: must be between 1 and 100".into());
        }
        if self.outbox.retry_base_secs == 0 || self.outbox.retry_max_secs < self.outbox.retry_base_secs {
            return Err("mail.outbox.retry_base_secs: must be at least 1 and at most mail.outbox.retry_max_secs".into());
        }
        if self.outbox.poll_interval_ms < 10 {
            return Err("mail.outbox.poll_interval_ms: must be at least 10".into());
        }
        if self.outbox.lease_secs < 5 {
            return Err("mail.outbox.lease_secs: must be at least 5".into());
        }
        Ok(())
    }
}
