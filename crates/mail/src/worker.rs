//! The background worker that drains the outbox.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use cairn_store::{Database, StoreError};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{Address, Message};
use tokio::sync::Notify;

use crate::outbox::{self, Claimed, RetryPolicy};
use crate::{MailError, MailSettings, MailTransport};

/// How many mails one pass claims at most.
const BATCH: i64 = 20;

/// Sends due mail from the outbox through a transport, with retries.
#[derive(Clone)]
pub struct OutboxWorker {
    db: Database,
    transport: MailTransport,
    from: Address,
    policy: RetryPolicy,
    lease: Duration,
    poll: Duration,
    id: Arc<str>,
    wake: Arc<Notify>,
}

impl std::fmt::Debug for OutboxWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxWorker").field("id", &self.id).field("transport", &self.transport).finish_non_exhaustive()
    }
}

impl OutboxWorker {
    /// A worker over `db` sending through `transport` as the settings say.
    pub fn new(db: Database, transport: MailTransport, settings: &MailSettings) -> Result<Self, MailError> {
        let from = settings.from.parse::<Address>().map_err(|e| MailError::Config(format!("mail.from: {e}")))?;
        Ok(Self {
            db,
            transport,
            from,
            policy: RetryPolicy {
                max_attempts: settings.outbox.max_attempts,
                base: Duration::from_secs(settings.outbox.retry_base_secs),
                max: Duration::from_secs(settings.outbox.retry_max_secs),
            },
            lease: Duration::from_secs(settings.outbox.lease_secs),
            poll: Duration::from_millis(settings.outbox.poll_interval_ms),
            id: format!("worker-{}", uuid::Uuid::now_v7().simple()).into(),
            wake: Arc::new(Notify::new()),
        })
    }

    /// Wakes the worker at once (call after queuing mail in this process).
    pub fn waker(&self) -> Arc<Notify> {
        Arc::clone(&self.wake)
    }

    /// One pass: claims due mail and tries to send each. Returns how many were sent.
    pub async fn run_once(&self) -> Result<usize, MailError> {
        let (worker, lease) = (self.id.to_string(), self.lease);
        let claimed = self
            .db
            .tx(move |conn| {
                outbox::expire_links(conn).map_err(StoreError::from)?;
                outbox::claim(conn, &worker, lease, BATCH).map_err(StoreError::from)
            })
            .await?;
        let mut sent = 0;
        for mail in claimed {
            let logo = self.logo_of(&mail).await;
            let outcome = match self.build(&mail, logo) {
                Ok(message) => self.transport.send(&message, &mail.subject, &mail.body_text).await,
                Err(e) => Err(e),
            };
            let (worker, policy) = (self.id.to_string(), self.policy);
            match outcome {
                Ok(()) => {
                    sent += 1;
                    metrics::counter!("cairn_mail_sent_total").increment(1);
                    tracing::info!(mail = %mail.id, tenant = %mail.tenant_id, attempt = mail.attempts, "mail sent");
                    self.db.tx(move |conn| outbox::mark_sent(conn, &mail, &worker).map_err(StoreError::from)).await?;
                }
                Err(error) => {
                    let text = error.to_string();
                    let (id, attempts) = (mail.id.clone(), mail.attempts);
                    let gave_up = self
                        .db
                        .tx(move |conn| {
                            outbox::mark_attempt_failed(conn, &mail, &worker, &text, &policy).map_err(StoreError::from)
                        })
                        .await?;
                    metrics::counter!("cairn_mail_failed_attempts_total", "final" => if gave_up { "true" } else { "false" })
                        .increment(1);
                    if gave_up {
                        tracing::error!(mail = %id, attempt = attempts, error = %error, "mail failed for good");
                    } else {
                        tracing::warn!(mail = %id, attempt = attempts, error = %error, "mail not sent, will retry");
                    }
                }
            }
        }
        Ok(sent)
    }

    /// The tenant's logo when the mail shows it; a logo that cannot be read
    /// leaves the mail without it rather than unsent.
    async fn logo_of(&self, mail: &Claimed) -> Option<Vec<u8>> {
        if !mail.body_html.contains(crate::message::LOGO_SRC) {
            return None;
        }
        let tenant = cairn_store::TenantId::new(mail.tenant_id.clone());
        let scope = tenant.clone();
        match self.db.tenant_read_tx(&tenant, move |conn| cairn_tenancy::settings::logo(conn, &scope)).await {
            Ok(logo) => logo,
            Err(error) => {
                tracing::warn!(mail = %mail.id, %error, "the logo could not be read; the mail goes without it");
                None
            }
        }
    }

    /// Builds the MIME message of a claimed mail, with the tenant's logo
    /// inline when the HTML shows it.
    fn build(&self, mail: &Claimed, logo: Option<Vec<u8>>) -> Result<Message, MailError> {
        // Rows are checked at enqueue; a row changed by hand must not crash the worker.
        if outbox::has_control(&mail.from_name) || mail.recipient_name.as_deref().is_some_and(outbox::has_control) {
            return Err(MailError::InvalidHeader("a display name"));
        }
        if outbox::has_control(&mail.subject) {
            return Err(MailError::InvalidHeader("the subject"));
        }
        let to_address =
            mail.recipient.parse::<Address>().map_err(|_| MailError::InvalidAddress(mail.recipient.clone()))?;
        let mut builder = Message::builder()
            .from(Mailbox::new(Some(mail.from_name.clone()), self.from.clone()))
            .to(Mailbox::new(mail.recipient_name.clone(), to_address))
            .subject(mail.subject.clone());
        if let Some(reply_to) = mail.reply_to.as_deref().and_then(|a| a.parse::<Address>().ok()) {
            builder = builder.reply_to(Mailbox::new(Some(mail.from_name.clone()), reply_to));
        }
        let body = match logo {
            Some(png) => MultiPart::alternative().singlepart(SinglePart::plain(mail.body_text.clone())).multipart(
                MultiPart::related().singlepart(SinglePart::html(mail.body_html.clone())).singlepart(
                    Attachment::new_inline("cairn-logo".to_owned())
                        .body(png, ContentType::parse("image/png").map_err(|e| MailError::Template(e.to_string()))?),
                ),
            ),
            // Without the picture, no broken image.
            None => MultiPart::alternative_plain_html(mail.body_text.clone(), strip_logo(&mail.body_html)),
        };
        builder.multipart(body).map_err(|e| MailError::Template(e.to_string()))
    }

    /// Works until `shutdown` completes: a pass, then a pause of the poll
    /// interval (cut short by the waker), over and over. Errors are logged
    /// and the loop goes on, so a database hiccup does not stop mail.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        tracing::info!(worker = %self.id, transport = ?self.transport, "mail worker started");
        loop {
            let busy = match self.run_once().await {
                Ok(sent) => sent > 0,
                Err(error) => {
                    tracing::error!(error = %error, "mail worker pass failed");
                    false
                }
            };
            if busy {
                // More may be due right away.
                continue;
            }
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(self.poll) => {}
                () = self.wake.notified() => {}
            }
        }
        tracing::info!(worker = %self.id, "mail worker stopped");
    }
}

/// The HTML without its logo image (the tenant removed it since).
fn strip_logo(html: &str) -> String {
    let Some(at) = html.find(crate::message::LOGO_SRC) else { return html.to_owned() };
    let start = html[..at].rfind("<img").unwrap_or(at);
    let end = html[at..].find('>').map_or(at, |e| at + e + 1);
    format!("{}{}", &html[..start], &html[end..])
}
