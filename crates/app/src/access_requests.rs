//! "Would you also like access to your own documentation?" — a request
//! that reaches the MSP's staff by mail (the seed's last step).

use std::sync::Arc;

use cairn_auth::{Role, throttle, users};
use cairn_mail::MailContent;
use cairn_mail::outbox::{self, Recipient, is_valid_address};
use cairn_store::audit::{Actor, AuditAction, NewEvent};
use cairn_tenancy::Tenant;

use crate::{App, AppError, Reason};

/// Requests one client address may send before it waits out growing locks.
const REQUESTS_PER_ADDRESS: i32 = 5;

/// What the request form gives.
#[derive(Clone, Debug, Default)]
pub struct AccessRequest {
    /// The person's name.
    pub name: String,
    /// Their e-mail address (the mail's Reply-To).
    pub email: String,
    /// Their company.
    pub company: String,
    /// What they would like.
    pub message: String,
}

impl AccessRequest {
    fn validate(&self) -> Result<(), AppError> {
        let name = self.name.trim();
        let text_ok = |value: &str, max: usize| value.chars().count() <= max && !value.chars().any(char::is_control);
        if name.is_empty() || !text_ok(name, 200) {
            return Err(AppError::invalid("name", Reason::Name));
        }
        if !is_valid_address(self.email.trim()) {
            return Err(AppError::invalid("email", Reason::Email));
        }
        if !text_ok(&self.company, 200) {
            return Err(AppError::invalid("company", Reason::Text("at most 200 characters, one line".into())));
        }
        if self.message.chars().count() > 2000 {
            return Err(AppError::invalid("message", Reason::Text("at most 2000 characters".into())));
        }
        Ok(())
    }
}

impl App {
    /// Mails the request to the MSP's support address (or, without one, its
    /// owners), audited. Throttled per client address: a throttled request
    /// gets the same answer and sends nothing.
    #[tracing::instrument(skip_all, fields(tenant = %tenant.slug))]
    pub async fn request_access(
        &self,
        tenant: &Arc<Tenant>,
        request: &AccessRequest,
        ip: &str,
    ) -> Result<(), AppError> {
        request.validate()?;
        let email = request.email.trim().to_lowercase();
        let content = MailContent::AccessRequest {
            name: request.name.trim().to_owned(),
            email: email.clone(),
            company: request.company.trim().to_owned(),
            message: request.message.trim().to_owned(),
        };
        let (ten, ip) = (Arc::clone(tenant), ip.to_owned());
        self.write(&tenant.id, move |tx| {
            let key = format!("access-request:{}", throttle::address_key(&ip));
            if throttle::check(tx.conn, std::slice::from_ref(&key)).is_err() {
                return Ok(());
            }
            throttle::record_failure(tx.conn, &key, REQUESTS_PER_ADDRESS)?;
            let recipients: Vec<String> = if is_valid_address(&ten.support_email) {
                vec![ten.support_email.clone()]
            } else {
                users::list(tx.conn, tx.tenant)?
                    .into_iter()
                    .filter(|u| u.role == Role::Owner && u.active)
                    .map(|u| u.email)
                    .collect()
            };
            for address in &recipients {
                outbox::enqueue(tx.conn, &ten, Recipient { address, name: None, locale: ten.locale }, &content)?;
            }
            let mut event = NewEvent::new(Actor::System, AuditAction::AccessRequested)
                .details(serde_json::json!({ "email": email }));
            event.ip = Some(&ip);
            tx.audit(&event)
        })
        .await?;
        self.wake_mail();
        Ok(())
    }
}
