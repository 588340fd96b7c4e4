//! Who is asking: the surface builds a [`Caller`] (web from the session,
//! the API from its key, the CLI for the operator) and every use case takes one.

use std::sync::{Arc, OnceLock};

use cairn_auth::policy::Principal;
use cairn_auth::{Role, User};
use cairn_store::audit::Actor;
use cairn_tenancy::Tenant;

use crate::{AppError, SignedIn};

/// A session cookie not looked up yet. A read use case given a caller made
/// of it ([`Caller::claimed`]) looks the session up in its own transaction
/// (one pool checkout and one transaction for the whole page) and keeps
/// what it found here, for the surface to draw the page's frame with.
#[derive(Clone, Debug)]
pub struct SessionClaim {
    token: Arc<str>,
    found: Arc<OnceLock<SignedIn>>,
}

impl SessionClaim {
    /// The claim of a session cookie's token.
    pub fn new(token: impl Into<Arc<str>>) -> Self {
        Self { token: token.into(), found: Arc::new(OnceLock::new()) }
    }

    /// The session it turned out to be, once looked up (by a use case, or
    /// by [`crate::App::claim_session`]); `None` before, and for a cookie
    /// that names no live session.
    pub fn signed_in(&self) -> Option<&SignedIn> {
        self.found.get()
    }

    /// The cookie's token.
    pub(crate) fn token(&self) -> &str {
        &self.token
    }

    /// Keeps what the lookup found (the first answer stands).
    pub(crate) fn settle(&self, signed: SignedIn) {
        let _ = self.found.set(signed);
    }
}

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
    /// Whoever holds a session cookie: nobody until a use case looked it up.
    Claim(SessionClaim),
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

    /// The holder of a session cookie in `tenant`, asking from `ip`. Use
    /// cases that read look the session up in their own transaction; until
    /// one did, the caller is nobody (every use case answers `NotFound`).
    pub fn claimed(tenant: Arc<Tenant>, claim: SessionClaim, ip: impl Into<String>) -> Self {
        Self { tenant, who: Who::Claim(claim), ip: ip.into() }
    }

    /// The claim whose session is still to be looked up, if this caller is one.
    pub(crate) fn pending_claim(&self) -> Option<&SessionClaim> {
        match &self.who {
            Who::Claim(claim) if claim.signed_in().is_none() => Some(claim),
            _ => None,
        }
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
            // Only a full session of an active user of this tenant acts.
            Who::Claim(claim) => claim
                .signed_in()
                .filter(|s| s.is_full() && s.user.active && s.user.tenant_id == self.tenant.id)
                .map(|signed| &signed.user),
            Who::Operator(_) => None,
        }
    }

    /// The user, for use cases only users have; operators get `NotFound`.
    pub(crate) fn require_user(&self) -> Result<&User, AppError> {
        self.signed_in_user().ok_or(AppError::NotFound)
    }

    /// The role the policy judges by: operators act as owners.
    pub fn role(&self) -> Role {
        match (&self.who, self.signed_in_user()) {
            (Who::Operator(_), _) => Role::Owner,
            (_, Some(user)) => user.role,
            // An unsettled claim has no rights: the least role, and no grants.
            (_, None) => Role::Customer,
        }
    }

    /// For the policy.
    pub(crate) fn principal(&self) -> Principal {
        Principal { role: self.role() }
    }

    /// For the audit log.
    pub(crate) fn actor(&self) -> Actor {
        match (&self.who, self.signed_in_user()) {
            (Who::Operator(label), _) => Actor::Operator(label.clone()),
            (_, Some(user)) => Actor::User { id: user.id.clone(), email: user.email.clone() },
            (_, None) => Actor::System,
        }
    }

    /// The client address for an audit event, if there is one.
    pub(crate) fn event_ip(&self) -> Option<&str> {
        Some(self.ip.as_str()).filter(|ip| !ip.is_empty())
    }

    /// A short label for traces: the user's id or the operator's name.
    pub(crate) fn label(&self) -> &str {
        match (&self.who, self.signed_in_user()) {
            (Who::Operator(label), _) => label,
            (_, Some(user)) => &user.id,
            (_, None) => "",
        }
    }
}
