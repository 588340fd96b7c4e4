//! API keys: made and revoked by owners (and operators), presented by scripts.

use cairn_assets::organizations;
use cairn_auth::Role;
use cairn_auth::api_keys::{self, ApiKey, NewApiKey};
use cairn_auth::policy::{Access, Action, Resource, can};
use cairn_store::audit::{AuditAction, NewEvent};
use cairn_tenancy::Tenant;

use crate::{App, AppError, Caller, OrganizationRef};

/// A key to make.
#[derive(Clone, Debug)]
pub struct NewKey {
    /// Its name ("PSA sync").
    pub name: String,
    /// The role it acts with.
    pub role: Role,
    /// For customer keys: the organizations it reads (viewer access).
    pub organizations: Vec<OrganizationRef>,
    /// Days until it stops working; `None`: until revoked.
    pub expires_days: Option<u32>,
}

/// How many requests a key may make, and per how many seconds.
#[derive(Clone, Copy, Debug)]
pub struct RateLimit {
    /// Requests per window.
    pub requests: u32,
    /// The window's length in seconds.
    pub window_secs: u32,
}

impl App {
    /// Makes a key (owners and operators): returns it and the key itself, shown once.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), role = %new.role))]
    pub async fn create_api_key(&self, caller: &Caller, new: NewKey) -> Result<(ApiKey, String), AppError> {
        if !can(&caller.principal(), Action::ManageUsers, &Resource::Tenant) {
            return Err(AppError::NotFound);
        }
        if new.role != Role::Customer && !new.organizations.is_empty() {
            return Err(AppError::invalid(
                "org",
                crate::Reason::Text("only customer keys are limited to organizations".into()),
            ));
        }
        if new.expires_days.is_some_and(|days| !(1..=3650).contains(&days)) {
            return Err(AppError::invalid("expires_days", crate::Reason::Text("1 to 3650 days".into())));
        }
        let expires_at = new.expires_days.map(|days| cairn_store::now() + chrono::Duration::days(i64::from(days)));
        let caller = caller.clone();
        self.write(&caller.tenant().id.clone(), move |tx| {
            let created_by = match caller.signed_in_user() {
                Some(user) => user.email.clone(),
                None => cairn_assets::organizations::actor_label(&caller.actor()),
            };
            let (key, secret) = api_keys::create(
                tx.conn,
                tx.tenant,
                &NewApiKey { name: new.name.clone(), role: new.role, expires_at, created_by },
            )?;
            let key_actor =
                cairn_store::audit::Actor::User { id: key.user_id.clone(), email: format!("api-key:{}", key.prefix) };
            for organization in &new.organizations {
                let id = match organization {
                    OrganizationRef::Id(id) => {
                        crate::organizations::authorize(tx, &caller, id.as_str(), Action::ManageAccess)?.0.id
                    }
                    OrganizationRef::Name(name) => organizations::id_by_name(tx.conn, tx.tenant, name)?,
                };
                organizations::set_grant(tx.conn, tx.tenant, &id, &key.user_id, Access::Viewer, key_actor.clone())?;
            }
            let mut event = NewEvent::new(caller.actor(), AuditAction::ApiKeyCreated)
                .target("api_key", &key.id)
                .details(serde_json::json!({ "name": key.name, "prefix": key.prefix, "role": key.role }));
            event.ip = caller.event_ip();
            tx.audit(&event)?;
            Ok((key, secret))
        })
        .await
    }

    /// The tenant's keys (owners).
    pub async fn api_keys(&self, caller: &Caller) -> Result<Vec<ApiKey>, AppError> {
        if !can(&caller.principal(), Action::ManageUsers, &Resource::Tenant) {
            return Err(AppError::NotFound);
        }
        self.read(&caller.tenant().id, move |tx| Ok(api_keys::list(tx.conn, tx.tenant)?)).await
    }

    /// Revokes a key at once (owners).
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), key = id))]
    pub async fn revoke_api_key(&self, caller: &Caller, id: &str) -> Result<(), AppError> {
        if !can(&caller.principal(), Action::ManageUsers, &Resource::Tenant) {
            return Err(AppError::NotFound);
        }
        let (caller, id) = (caller.clone(), id.to_owned());
        self.write(&caller.tenant().id.clone(), move |tx| {
            let key = api_keys::revoke(tx.conn, tx.tenant, &id)?;
            let mut event = NewEvent::new(caller.actor(), AuditAction::ApiKeyRevoked)
                .target("api_key", &key.id)
                .details(serde_json::json!({ "name": key.name, "prefix": key.prefix }));
            event.ip = caller.event_ip();
            tx.audit(&event)
        })
        .await
    }

    /// The caller a presented key stands for in `tenant`, counting the
    /// request against the key's limit: [`AppError::Rejected`] for any key
    /// that does not work here, [`AppError::Locked`] past the limit.
    pub async fn authenticate_api_key(
        &self,
        tenant: &std::sync::Arc<Tenant>,
        presented: &str,
        ip: &str,
        limit: RateLimit,
    ) -> Result<Caller, AppError> {
        let presented = presented.to_owned();
        let user = self
            .write(&tenant.id, move |tx| {
                let Some((key, user)) = api_keys::authenticate(tx.conn, tx.tenant, &presented)? else {
                    return Err(AppError::Rejected);
                };
                api_keys::count_request(tx.conn, tx.tenant, &key.id, limit.requests, limit.window_secs)?;
                Ok(user)
            })
            .await?;
        Caller::user(std::sync::Arc::clone(tenant), user, ip)
    }
}
