//! Ways of sending a built message.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::{MailError, MailSettings, SmtpTls, TransportKind};

/// Sends messages: SMTP, `.eml` files, or memory (tests).
#[derive(Clone)]
pub enum MailTransport {
    /// An SMTP relay.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// `.eml` files in a folder; each mail's subject and first link are logged.
    File(AsyncFileTransport<Tokio1Executor>, PathBuf),
    /// Keeps the formatted messages in memory, for unit tests.
    Stub(Arc<Mutex<Vec<String>>>),
}

impl std::fmt::Debug for MailTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MailTransport::Smtp(_) => f.write_str("MailTransport::Smtp"),
            MailTransport::File(_, dir) => write!(f, "MailTransport::File({})", dir.display()),
            MailTransport::Stub(_) => f.write_str("MailTransport::Stub"),
        }
    }
}

impl MailTransport {
    /// The transport the settings describe.
    pub fn from_settings(settings: &MailSettings) -> Result<Self, MailError> {
        match settings.transport {
            TransportKind::File => {
                let dir =
                    settings.file.dir.clone().ok_or_else(|| MailError::Config("mail.file.dir is not set".into()))?;
                std::fs::create_dir_all(&dir)
                    .map_err(|e| MailError::Config(format!("mail.file.dir {}: {e}", dir.display())))?;
                Ok(MailTransport::File(AsyncFileTransport::new(&dir), dir))
            }
            TransportKind::Smtp => {
                let smtp = &settings.smtp;
                let builder = match smtp.tls {
                    SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host),
                    SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)
                        .map_err(|e| MailError::Config(format!("mail.smtp.host: {e}")))?,
                    SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host)
                        .map_err(|e| MailError::Config(format!("mail.smtp.host: {e}")))?,
                };
                let mut builder = builder.port(smtp.port).timeout(Some(Duration::from_secs(smtp.timeout_secs)));
                if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
                    builder = builder.credentials(Credentials::new(user.clone(), password.expose_secret().to_owned()));
                }
                Ok(MailTransport::Smtp(builder.build()))
            }
        }
    }

    /// A transport that keeps messages in memory; returns it and its inbox.
    pub fn stub() -> (Self, Arc<Mutex<Vec<String>>>) {
        let inbox = Arc::new(Mutex::new(Vec::new()));
        (MailTransport::Stub(Arc::clone(&inbox)), inbox)
    }

    /// Sends one message. The error text is the transport's own (never the body).
    pub async fn send(&self, message: &Message, subject: &str, text: &str) -> Result<(), MailError> {
        match self {
            MailTransport::Smtp(smtp) => {
                smtp.send(message.clone()).await.map(drop).map_err(|e| MailError::Transport(e.to_string()))
            }
            MailTransport::File(file, dir) => {
                let id = file.send(message.clone()).await.map_err(|e| MailError::Transport(e.to_string()))?;
                // Development aid: follow an invitation without a mail server.
                let link = text.split_whitespace().find(|w| w.starts_with("http://") || w.starts_with("https://"));
                tracing::info!(
                    file = %dir.join(format!("{id}.eml")).display(),
                    subject,
                    link = link.unwrap_or("-"),
                    "mail written"
                );
                Ok(())
            }
            MailTransport::Stub(inbox) => {
                let formatted = String::from_utf8_lossy(&message.formatted()).into_owned();
                inbox.lock().map_err(|_| MailError::Transport("stub inbox poisoned".into()))?.push(formatted);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lettre::message::{Mailbox, MultiPart};

    #[tokio::test]
    async fn stub_keeps_formatted_messages() {
        let (transport, inbox) = MailTransport::stub();
        let from = Mailbox::new(Some("plus+plus AG".into()), "cairn@localhost".parse().expect("address"));
        let message = Message::builder()
            .from(from)
            .to("max@muster.ch".parse().expect("mailbox"))
            .subject("Grüezi")
            .multipart(MultiPart::alternative_plain_html("text".to_owned(), "<p>html</p>".to_owned()))
            .expect("message");
        transport.send(&message, "Hallo", "text").await.expect("sent");
        let inbox = inbox.lock().expect("inbox");
        assert_eq!(inbox.len(), 1);
        // "plus+plus AG", encoded because of the '+'.
        assert!(inbox[0].contains("From: =?utf-8?b?cGx1cytwbHVzIEFH?= <cairn@localhost>"), "{}", inbox[0]);
        assert!(inbox[0].contains("multipart/alternative"));
    }
}
