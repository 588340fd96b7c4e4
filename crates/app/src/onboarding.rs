//! Self-service sign-up on the apex: a company, a subdomain and an address
//! become a workspace whose first owner ends signed in on it, without an
//! operator (`signup.mode = open`) or after one approved it (`approval`).

use std::time::Duration;

use cairn_auth::Role;
use cairn_auth::invitations::{self, NewInvitation};
use cairn_auth::throttle;
use cairn_auth::{hash_token, new_token};
use cairn_mail::outbox::{self, Recipient};
use cairn_mail::{MailContent, outbox::is_valid_address};
use cairn_store::DbConn;
use cairn_store::audit::{Actor, AuditAction, NewEvent};
use cairn_tenancy::{Locale, NewTenant, PublicUrls, Tenant, TenantStatus, signup};

use crate::{App, AppError, Reason};

/// Who may create a workspace on the apex.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignupMode {
    /// Only operators create tenants (`/signup` answers 404): the default for self-hosting.
    #[default]
    Closed,
    /// Anyone may; the workspace opens once the address is confirmed.
    Open,
    /// Anyone may ask; an operator approves each workspace.
    Approval,
}

/// How sign-up works on this installation.
#[derive(Clone, Debug)]
pub struct Onboarding {
    /// Who may sign up.
    pub mode: SignupMode,
    /// Subdomains nobody may sign up for, beyond the built-in ones.
    pub reserved: Vec<String>,
    /// How long a confirmation link works (and a subdomain is held for it).
    pub link_ttl: Duration,
    /// The DNS server that checks custom domains' TXT records; `None`: the system's.
    pub dns_server: Option<std::net::SocketAddr>,
}

impl Default for Onboarding {
    fn default() -> Self {
        Self {
            mode: SignupMode::Closed,
            reserved: Vec::new(),
            link_ttl: Duration::from_secs(24 * 3600),
            dns_server: None,
        }
    }
}

/// What someone typed into the sign-up form.
#[derive(Clone, Debug, Default)]
pub struct SignUp {
    /// The MSP's name.
    pub company: String,
    /// The subdomain they want.
    pub subdomain: String,
    /// The future owner's address.
    pub email: String,
    /// A field people never see: bots fill it in.
    pub honeypot: String,
}

/// Where a confirmed sign-up goes on.
#[derive(Clone, Debug)]
pub enum Confirmation {
    /// The workspace is open: the owner continues at this link (create
    /// account, then MFA) on its host.
    Ready {
        /// The owner's invitation link.
        link: String,
    },
    /// An operator approves it first; the owner is mailed when that happens.
    AwaitingApproval,
}

/// Sign-ups a client address, and an e-mail address, may start within an
/// hour before each further one must wait (2 s, 4 s, 8 s, … up to 15 min).
const PER_ADDRESS: i32 = 5;
const PER_EMAIL: i32 = 3;

impl App {
    /// Who may sign up here.
    pub fn signup_mode(&self) -> SignupMode {
        self.onboarding.mode
    }

    /// Whether `subdomain` can be signed up for: its normalized form, or why
    /// not (invalid, reserved, taken) in words for the form.
    pub async fn subdomain_available(&self, subdomain: &str) -> Result<Result<String, String>, AppError> {
        if self.onboarding.mode == SignupMode::Closed {
            return Err(AppError::NotFound);
        }
        let (subdomain, reserved) = (subdomain.to_owned(), self.onboarding.reserved.clone());
        self.platform_read(move |conn| Ok(signup::availability(conn, &subdomain, &reserved).map(|s| s.to_string())))
            .await
    }

    /// Starts a sign-up: holds the subdomain and mails a confirmation link to
    /// the address. The answer is the same whether the address is known, and
    /// when the honeypot is filled or the address was throttled (then nothing
    /// happens). Too many sign-ups from one client address are refused.
    #[tracing::instrument(skip_all, fields(subdomain = %form.subdomain))]
    pub async fn sign_up(&self, form: SignUp, ip: &str, locale: Locale) -> Result<(), AppError> {
        if self.onboarding.mode == SignupMode::Closed {
            return Err(AppError::NotFound);
        }
        let email = form.email.trim().to_lowercase();
        if !is_valid_address(&email) {
            return Err(AppError::invalid("email", Reason::Email));
        }
        let slug = match self.subdomain_available(&form.subdomain).await? {
            Ok(slug) => cairn_tenancy::TenantSlug::parse(&slug).map_err(AppError::internal)?,
            Err(why) => return Err(AppError::invalid("subdomain", Reason::Text(why))),
        };
        let new = NewTenant {
            slug,
            name: form.company.trim().to_owned(),
            support_email: None,
            support_phone: None,
            locale,
            time_zone: if locale == Locale::De { chrono_tz::Europe::Zurich } else { chrono_tz::UTC },
        };
        new.validate().map_err(|e| match AppError::from(e) {
            AppError::Invalid { reason, .. } => AppError::invalid("company", reason),
            other => other,
        })?;
        if !form.honeypot.trim().is_empty() {
            tracing::info!("sign-up with the honeypot filled: ignored");
            return Ok(());
        }
        let (master, urls, ip) = (self.master_key().clone(), self.public().clone(), ip.to_owned());
        let expires_at = cairn_store::now() + chrono::Duration::from_std(self.onboarding.link_ttl).unwrap_or_default();
        let started = self
            .platform(move |conn| {
                let address_key = format!("signup:{}", throttle::address_key(&ip));
                throttle::check(conn, std::slice::from_ref(&address_key))?;
                throttle::record_failure(conn, &address_key, PER_ADDRESS)?;
                let email_key = format!("signup:email:{email}");
                if throttle::check(conn, std::slice::from_ref(&email_key)).is_err() {
                    return Ok(None);
                }
                throttle::record_failure(conn, &email_key, PER_EMAIL)?;
                let token = new_token();
                let tenant = signup::start(conn, &master, &new, &email, &hash_token(&token), expires_at)?;
                let link = urls.apex(&format!("/signup/{token}"));
                let to = Recipient { address: &email, name: None, locale: tenant.locale };
                outbox::enqueue(conn, &tenant, to, &MailContent::SignupConfirmation { link, expires_at })?;
                let mut event = NewEvent::new(Actor::System, AuditAction::TenantSignedUp)
                    .target("tenant", tenant.id.as_str())
                    .details(serde_json::json!({ "email": email, "slug": tenant.slug }));
                event.ip = Some(&ip);
                cairn_store::audit::record(conn, &tenant.id, &event)?;
                Ok(Some(tenant))
            })
            .await?;
        if let Some(tenant) = started {
            tracing::info!(tenant = %tenant.id, slug = %tenant.slug, "sign-up started");
            self.directory().changed().await;
            self.wake_mail();
        }
        Ok(())
    }

    /// Deletes sign-ups whose confirmation link expired unused, with the
    /// subdomain they held; returns how many. Every node runs it hourly.
    pub async fn sweep_signups(&self) -> Result<usize, AppError> {
        let swept = self.platform(|conn| Ok(signup::sweep(conn)?)).await?;
        if swept > 0 {
            tracing::info!(swept, "expired sign-ups deleted");
            self.directory().changed().await;
        }
        Ok(swept)
    }

    /// Confirms a sign-up from its mailed link: the workspace opens and its
    /// first owner's invitation is made (`open`), or it waits for approval.
    /// A used, expired or unknown link is [`AppError::LinkInvalid`].
    #[tracing::instrument(skip_all)]
    pub async fn confirm_signup(&self, token: &str) -> Result<Confirmation, AppError> {
        let mode = self.onboarding.mode;
        if mode == SignupMode::Closed {
            return Err(AppError::NotFound);
        }
        let next = if mode == SignupMode::Open { TenantStatus::Active } else { TenantStatus::AwaitingApproval };
        let (hash, urls, ttl) = (hash_token(token), self.public().clone(), self.invitation_ttl);
        let outcome = self
            .platform(move |conn| {
                let confirmed = signup::confirm(conn, &hash, next)?.ok_or(AppError::LinkInvalid)?;
                let event = NewEvent::new(Actor::System, AuditAction::TenantSignupConfirmed)
                    .target("tenant", confirmed.tenant.id.as_str())
                    .details(serde_json::json!({ "email": confirmed.email, "status": next.as_str() }));
                cairn_store::audit::record(conn, &confirmed.tenant.id, &event)?;
                if next == TenantStatus::Active {
                    let link = invite_first_owner(conn, &confirmed.tenant, &confirmed.email, &urls, ttl)?;
                    Ok(Confirmation::Ready { link })
                } else {
                    Ok(Confirmation::AwaitingApproval)
                }
            })
            .await?;
        self.directory().changed().await;
        self.wake_mail();
        Ok(outcome)
    }

    /// Opens a workspace that awaits approval and mails its first owner the
    /// link to set up their account (operators). Returns the tenant and the link.
    #[tracing::instrument(skip_all, fields(slug = slug, operator = operator))]
    pub async fn approve_tenant(&self, slug: &str, operator: &str) -> Result<(Tenant, String), AppError> {
        let slug = cairn_tenancy::TenantSlug::parse(slug).map_err(|_| AppError::NotFound)?;
        let (urls, ttl, actor) = (self.public().clone(), self.invitation_ttl, Actor::Operator(operator.to_owned()));
        let tenant = self.directory().by_slug(&slug).await?;
        if tenant.status != TenantStatus::AwaitingApproval {
            return Err(AppError::WrongState(format!("{slug} is {}, not awaiting approval", tenant.status.as_str())));
        }
        let approved = self
            .platform(move |conn| {
                let email = signup::owner_email(conn, &tenant.id)?.ok_or(AppError::NotFound)?;
                if !signup::approve(conn, &tenant.id)? {
                    return Err(AppError::NotFound);
                }
                let tenant = Tenant { status: TenantStatus::Active, ..tenant };
                cairn_store::audit::record(
                    conn,
                    &tenant.id,
                    &NewEvent::new(actor, AuditAction::TenantApproved).target("tenant", tenant.id.as_str()),
                )?;
                let link = invite_first_owner(conn, &tenant, &email, &urls, ttl)?;
                Ok((tenant, link))
            })
            .await?;
        self.directory().changed().await;
        self.wake_mail();
        Ok(approved)
    }
}

/// The first owner's invitation in the caller's transaction; its mail says
/// the workspace is ready. Returns the link.
fn invite_first_owner(
    conn: &mut DbConn,
    tenant: &Tenant,
    email: &str,
    urls: &PublicUrls,
    ttl: Duration,
) -> Result<String, AppError> {
    let new =
        NewInvitation { email: email.to_owned(), role: Role::Owner, organization_id: None, invited_by: None, ttl };
    let (invitation, link) = invitations::create_first_owner(conn, tenant, urls, &new)?;
    cairn_store::audit::record(
        conn,
        &tenant.id,
        &NewEvent::new(Actor::System, AuditAction::InvitationCreated)
            .target("invitation", &invitation.id)
            .details(serde_json::json!({ "email": invitation.email, "role": invitation.role })),
    )?;
    Ok(link)
}
