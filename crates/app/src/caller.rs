//! Who is asking: the surface builds a [`Caller`] (web from the session,
//! the API from its key, the CLI for the operator) and every use case takes one.

use std::sync::Arc;

use cairn_auth::policy::Principal;
use cairn_auth::{Role, User};
use cairn_store::audit::Actor;
use cairn_tenancy::Tenant;

use crate::AppError;

/// The client's address as the surface determined it (the TCP peer, or
/// behind a trusted proxy the address it reports), put into request data
/// once per request so every surface reads the same.
#[derive(Clone, Debug)]
pub struct ClientAddress(pub String);

impl ClientAddress {
    /// The client address: the last `X-Forwarded-For` entry (the one a
    /// trusted proxy appended itself) when `trust_forwarded_for`, else the peer.
    pub fn determine(peer: Option<std::net::IpAddr>, forwarded_for: Option<&str>, trust_forwarded_for: bool) -> Self {
        let forwarded = forwarded_for
            .filter(|_| trust_forwarded_for)
            .and_then(|v| v.rsplit(',').next())
            .and_then(|ip| ip.trim().parse::<std::net::IpAddr>().ok());
        match forwarded.or(peer) {
            Some(ip) => ClientAddress(ip.to_string()),
            None => ClientAddress("unknown".into()),
        }
    }
}

/// Who acts.
#[derive(Clone, Debug)]
enum Who {
    /// A signed-in user of the tenant.
    User(User),
    /// A platform operator (the command line), with an owner's rights in the tenant.
    Operator(String),
}

/// A caller of a use case: the tenant, who acts in it, and from where.
#[derive(Clone, Debug)]
pub struct Caller {
    tenant: Arc<Tenant>,
    who: Who,
    ip: String,
}

impl Caller {
    /// A signed-in user of `tenant`, asking from `ip`. A user of another
    /// tenant is no caller here at all.
    pub fn user(tenant: Arc<Tenant>, user: User, ip: impl Into<String>) -> Result<Self, AppError> {
        if user.tenant_id != tenant.id || !user.active {
            return Err(AppError::NotFound);
        }
        Ok(Self { tenant, who: Who::User(user), ip: ip.into() })
    }

    /// An operator acting in `tenant` (from the command line or automation),
    /// named by `label` in the audit log.
    pub fn operator(tenant: Arc<Tenant>, label: impl Into<String>) -> Self {
        Self { tenant, who: Who::Operator(label.into()), ip: String::new() }
    }

    /// The tenant acted in.
    pub fn tenant(&self) -> &Arc<Tenant> {
        &self.tenant
    }

    /// The client's address, as the surface saw it ("" for the command line).
    pub fn ip(&self) -> &str {
        &self.ip
    }

    /// The signed-in user, if a user asks.
    pub fn signed_in_user(&self) -> Option<&User> {
        match &self.who {
            Who::User(user) => Some(user),
            Who::Operator(_) => None,
        }
    }

    /// The user, for use cases only users have; operators get `NotFound`.
    pub(crate) fn require_user(&self) -> Result<&User, AppError> {
        self.signed_in_user().ok_or(AppError::NotFound)
    }

    /// The role the policy judges by: operators act as owners.
    pub fn role(&self) -> Role {
        match &self.who {
            Who::User(user) => user.role,
            Who::Operator(_) => Role::Owner,
        }
    }

    /// For the policy.
    pub(crate) fn principal(&self) -> Principal {
        Principal { role: self.role() }
    }

    /// For the audit log.
    pub(crate) fn actor(&self) -> Actor {
        match &self.who {
            Who::User(user) => Actor::User { id: user.id.clone(), email: user.email.clone() },
            Who::Operator(label) => Actor::Operator(label.clone()),
        }
    }

    /// The client address for an audit event, if there is one.
    pub(crate) fn event_ip(&self) -> Option<&str> {
        Some(self.ip.as_str()).filter(|ip| !ip.is_empty())
    }

    /// A short label for traces: the user's id or the operator's name.
    pub(crate) fn label(&self) -> &str {
        match &self.who {
            Who::User(user) => &user.id,
            Who::Operator(label) => label,
        }
    }
}
