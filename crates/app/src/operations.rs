//! What operators do beside tenants: the outbox and the master key.

use std::sync::Arc;

use cairn_mail::outbox::{self, Recipient, StatusReport};
use cairn_mail::{MailContent, MailSettings, MailTransport, OutboxWorker};
use cairn_vault::MasterKey;

use crate::{App, AppError, Caller};

/// Where one mail stands.
#[derive(Clone, Debug)]
pub struct MailOutcome {
    /// `queued`, `sending`, `sent` or `failed`.
    pub status: String,
    /// Attempts so far.
    pub attempts: i32,
    /// The last transport error, if any.
    pub error: Option<String>,
}

impl App {
    /// Queues a test mail from the caller's tenant to `to` (operators only); returns its id.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label()))]
    pub async fn queue_test_mail(&self, caller: &Caller, to: &str) -> Result<String, AppError> {
        if caller.signed_in_user().is_some() {
            return Err(AppError::NotFound);
        }
        let (tenant, to) = (Arc::clone(caller.tenant()), to.to_owned());
        let id = self
            .write(&tenant.id.clone(), move |tx| {
                let recipient = Recipient { address: &to, name: None, locale: tenant.locale };
                Ok(outbox::enqueue(tx.conn, &tenant, recipient, &MailContent::Test)?)
            })
            .await?;
        self.wake_mail();
        Ok(id)
    }

    /// Where the mail `id` stands.
    pub async fn mail_outcome(&self, id: &str) -> Result<MailOutcome, AppError> {
        let id = id.to_owned();
        let (status, attempts, error) = self.platform(move |conn| Ok(outbox::outcome(conn, &id)?)).await?;
        Ok(MailOutcome { status, attempts, error })
    }

    /// The connection pool: (connections open, idle, callers waiting).
    pub fn pool_status(&self) -> (usize, usize, usize) {
        self.database().pool_status()
    }

    /// The outbox's counts and latest errors, over every tenant.
    pub async fn mail_status(&self) -> Result<StatusReport, AppError> {
        self.platform(|conn| Ok(outbox::status(conn)?)).await
    }

    /// Queues every failed mail again; returns how many.
    pub async fn retry_failed_mail(&self) -> Result<usize, AppError> {
        let count = self.platform(|conn| Ok(outbox::retry_failed(conn)?)).await?;
        self.wake_mail();
        Ok(count)
    }

    /// A mail worker on this application's database.
    pub fn mail_worker(&self, transport: MailTransport, settings: &MailSettings) -> Result<OutboxWorker, AppError> {
        Ok(OutboxWorker::new(self.database().clone(), transport, settings)?)
    }

    /// Re-wraps every tenant's data key with `new` in one transaction: all or
    /// nothing. Returns how many keys were re-wrapped.
    #[tracing::instrument(skip_all)]
    pub async fn rotate_master_key(&self, new: Arc<MasterKey>) -> Result<usize, AppError> {
        if new.id() == self.master_key().id() {
            return Err(AppError::invalid("new_key_file", crate::Reason::Text("the new key is the key in use".into())));
        }
        let old = Arc::clone(self.master_key());
        self.platform(move |conn| Ok(cairn_tenancy::keys::rotate_master_key(conn, &old, &new)?)).await
    }
}
