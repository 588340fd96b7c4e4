//! Outbound mail for Cairn.
//!
//! A mail is first a row in `mail_outbox`, enqueued with [`outbox::enqueue`]
//! inside the transaction of the change that caused it: an invitation and
//! its mail exist together or not at all. The [`OutboxWorker`] claims due
//! rows (on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so several nodes never
//! send one mail twice), sends them through the configured [`MailTransport`]
//! and retries failures with exponential backoff. A mail server outage delays
//! mail; it loses none.
//!
//! Mails are multipart (text and HTML), in the recipient's language, and
//! carry the MSP's name as sender name and its support address as Reply-To.

mod config;
mod error;
mod message;
pub mod outbox;
mod transport;
mod worker;

pub use config::{FileSettings, MailSettings, OutboxSettings, SmtpSettings, SmtpTls, TransportKind};
pub use error::MailError;
pub use message::{MailContent, Rendered};
pub use transport::MailTransport;
pub use worker::OutboxWorker;
