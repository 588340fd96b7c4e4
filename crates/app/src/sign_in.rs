//! Signing in and out: sessions by cookie token, the password step with
//! throttling, the MFA step, the apex sign-in's handoff, password reset.

use std::sync::Arc;

use cairn_auth::sessions::{self, Session, Stage};
use cairn_auth::{AuthError, User, avatar, mfa, password, recovery, resets, throttle, users};
use cairn_mail::MailContent;
use cairn_mail::outbox::{self, Recipient};
use cairn_store::audit::{Actor, AuditAction, NewEvent};
use cairn_tenancy::{HostTarget, Tenant, TenantStatus, classify_host};

use crate::state::Tx;
use crate::{App, AppError, Caller, Reason, SessionClaim};

/// Reset mails one account may receive before further requests wait out growing locks.
const RESETS_PER_ACCOUNT: i32 = 2;
/// Reset requests one client address may make before it is throttled.
const RESETS_PER_ADDRESS: i32 = 10;

/// A live session with its user, as a request carries it.
#[derive(Clone, Debug)]
pub struct SignedIn {
    /// The session.
    pub session: Session,
    /// Its user.
    pub user: User,
    /// The version of the user's picture, `None` without one.
    pub avatar_version: Option<i64>,
}

impl SignedIn {
    /// Whether the session reached the documentation (MFA done).
    pub fn is_full(&self) -> bool {
        self.session.stage == Stage::Full
    }
}

/// A session just made: the cookie's token and where it stands.
#[derive(Debug)]
pub struct NewSession {
    /// The token for the cookie (shown once; only its hash is stored).
    pub token: String,
    /// The stage it starts in.
    pub stage: Stage,
}

/// The outcome of a second-factor code.
#[derive(Debug)]
pub enum MfaOutcome {
    /// Right: the session is promoted (a new token).
    Passed(NewSession),
    /// Wrong: try again.
    WrongCode,
    /// Wrong too often: the session has ended.
    ChallengeOver,
}

/// The stage a user's session starts in after a correct password.
pub(crate) fn stage_after_password(tenant: &Tenant, user: &User) -> Stage {
    if user.mfa_enrolled() {
        Stage::MfaPending
    } else if tenant.mfa_required {
        Stage::EnrolMfa
    } else {
        Stage::Full
    }
}

fn user_actor(user: &User) -> Actor {
    Actor::User { id: user.id.clone(), email: user.email.clone() }
}

/// Records a completed sign-in.
fn signed_in_event(tx: &mut Tx<'_>, user: &User, ip: &str, session_id: &str) -> Result<(), AppError> {
    let mut event = NewEvent::new(user_actor(user), AuditAction::SignInSucceeded).target("session", session_id);
    event.ip = Some(ip);
    tx.audit(&event)
}

impl App {
    /// The live session of a cookie token in `tenant`, with its user; `None`
    /// for unknown, expired or ended sessions and disabled users.
    #[tracing::instrument(skip_all, fields(tenant = %tenant.slug))]
    pub async fn session(&self, tenant: &Tenant, token: String) -> Result<Option<SignedIn>, AppError> {
        if !plausible_token(&token) {
            return Ok(None);
        }
        let (timeouts, tenant_id, peek_token) = (self.timeouts, tenant.id.clone(), token.clone());
        // Most views find a live session touched within the minute: a read suffices.
        let peeked = self.read(&tenant.id, move |tx| peek_session(tx, &tenant_id, &peek_token, &timeouts)).await?;
        match peeked {
            Peeked::Unknown => Ok(None),
            Peeked::Live(signed) => Ok(Some(*signed)),
            Peeked::NeedsWrite => self.write_session(tenant, token).await,
        }
    }

    /// The write path of [`App::session`]: finds the session and moves its
    /// idle deadline, or ends it (expired, or its user disabled).
    async fn write_session(&self, tenant: &Tenant, token: String) -> Result<Option<SignedIn>, AppError> {
        let (timeouts, tenant_id) = (self.timeouts, tenant.id.clone());
        self.write(&tenant.id, move |tx| {
            let Some(session) = sessions::find(tx.conn, &tenant_id, &token, &timeouts)? else {
                return Ok(None);
            };
            match with_active_user(tx.conn, session)? {
                Ok(signed) => Ok(Some(signed)),
                Err(session) => {
                    sessions::end(tx.conn, &tenant_id, &session.id)?;
                    Ok(None)
                }
            }
        })
        .await
    }

    /// Looks the session of `claim` up on its own (in any stage), for
    /// surfaces that need it before any use case runs; the claim keeps it.
    pub async fn claim_session(&self, tenant: &Tenant, claim: &SessionClaim) -> Result<Option<SignedIn>, AppError> {
        if let Some(signed) = claim.signed_in() {
            return Ok(Some(signed.clone()));
        }
        let found = self.session(tenant, claim.token().to_owned()).await?;
        if let Some(signed) = &found {
            claim.settle(signed.clone());
        }
        Ok(found)
    }

    /// Runs the read `f` for `caller` in one transaction of its tenant. A
    /// caller made of a session cookie ([`Caller::claimed`]) is looked up in
    /// that same transaction, so a page view costs one pool checkout and one
    /// transaction; `f` is then given the signed-in user as its caller, and
    /// the claim keeps the session for the surface. A session that is
    /// unknown, ended or not through its second factor answers
    /// [`AppError::SignInRequired`]. One that must be written first (its
    /// idle deadline is due to move, or it expired, or its user was disabled)
    /// takes [`App::session`]'s write path, and `f` runs after it.
    pub(crate) async fn read_for<T, F>(&self, caller: &Caller, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut Tx<'_>, &Caller) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        /// How far the lookup in the page's transaction got.
        enum Step<T, F> {
            /// Looked up and `f` ran: its answer, and the session.
            Ran(Result<T, AppError>, Box<SignedIn>),
            /// The session must be written first: `f` is handed back.
            Write(F),
        }
        let tenant = Arc::clone(caller.tenant());
        let Some(claim) = caller.pending_claim().cloned() else {
            let caller = caller.clone();
            return self.read(&tenant.id, move |tx| f(tx, &caller)).await;
        };
        if !plausible_token(claim.token()) {
            return Err(AppError::SignInRequired);
        }
        let (timeouts, ip, token) = (self.timeouts, caller.ip().to_owned(), claim.token().to_owned());
        let (scope, lookup_ip) = (Arc::clone(&tenant), ip.clone());
        let step = self
            .read(&tenant.id, move |tx| {
                let signed = match peek_session(tx, &scope.id, &token, &timeouts)? {
                    Peeked::Unknown => return Err(AppError::SignInRequired),
                    Peeked::NeedsWrite => return Ok(Step::Write(f)),
                    Peeked::Live(signed) if !signed.is_full() => return Err(AppError::SignInRequired),
                    Peeked::Live(signed) => signed,
                };
                let resolved = Caller::user(Arc::clone(&scope), signed.user.clone(), lookup_ip)?;
                // A read's failure changes nothing, so the session is kept
                // either way: the error page is drawn in the user's frame.
                Ok(Step::Ran(f(tx, &resolved), signed))
            })
            .await?;
        match step {
            Step::Ran(answer, signed) => {
                claim.settle(*signed);
                answer
            }
            Step::Write(f) => {
                let signed = self
                    .write_session(&tenant, claim.token().to_owned())
                    .await?
                    .filter(SignedIn::is_full)
                    .ok_or(AppError::SignInRequired)?;
                let resolved = Caller::user(Arc::clone(&tenant), signed.user.clone(), ip)?;
                claim.settle(signed);
                self.read(&tenant.id, move |tx| f(tx, &resolved)).await
            }
        }
    }

    /// Checks e-mail and password in `tenant`, with throttling per account
    /// and per client address; an unknown account costs the same time as a
    /// wrong password and gets the same answer ([`AppError::Rejected`]).
    async fn check_password(&self, tenant: &Tenant, email: &str, password: &str, ip: &str) -> Result<User, AppError> {
        let keys = vec![throttle::account_key(&tenant.slug, email), throttle::address_key(ip)];
        let (tenant_id, lookup_email, check_keys) = (tenant.id.clone(), email.to_owned(), keys.clone());
        let (user, address_lock) = self
            .read(&tenant.id, move |tx| {
                throttle::check(tx.conn, &check_keys[..1])?;
                // A locked address may be one NAT for a whole office: it slows
                // and refuses wrong passwords, but lets the right one through
                // to the second factor.
                let address_lock = match throttle::check(tx.conn, &check_keys[1..]) {
                    Err(AuthError::Locked(seconds)) => Some(seconds),
                    _ => None,
                };
                Ok((users::by_email(tx.conn, &tenant_id, &lookup_email)?, address_lock))
            })
            .await?;
        if address_lock.is_some() {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
        let (passwords, candidate, attempt) = (self.passwords.clone(), user.clone(), password.to_owned());
        let matched = self.blocking(move || resets::verify_sign_in(&passwords, candidate.as_ref(), &attempt)).await?;
        let accepted = user.filter(|u| matched && u.active);
        let (ok, ip, email) = (accepted.is_some(), ip.to_owned(), email.trim().to_lowercase());
        self.write(&tenant.id, move |tx| {
            if ok {
                throttle::clear(tx.conn, &keys[0])?;
            } else {
                metrics::counter!("cairn_sign_in_failures_total", "step" => "password").increment(1);
                if throttle::record_failure(tx.conn, &keys[0], throttle::ACCOUNT_FREE_FAILURES)? {
                    metrics::counter!("cairn_sign_in_locks_total", "key" => "account").increment(1);
                }
                if throttle::record_failure(tx.conn, &keys[1], throttle::ADDRESS_FREE_FAILURES)? {
                    metrics::counter!("cairn_sign_in_locks_total", "key" => "address").increment(1);
                }
                let mut event = NewEvent::new(Actor::System, AuditAction::SignInFailed)
                    .details(serde_json::json!({ "email": email }));
                event.ip = Some(&ip);
                tx.audit(&event)?;
            }
            Ok(())
        })
        .await?;
        match (accepted, address_lock) {
            (Some(user), _) => Ok(user),
            (None, Some(seconds)) => Err(AppError::Locked { seconds }),
            (None, None) => Err(AppError::Rejected),
        }
    }

    /// The password step of a sign-in on the tenant's host: a new session
    /// (whatever session came before ends), in the stage that follows.
    #[tracing::instrument(skip_all, fields(tenant = %tenant.slug))]
    pub async fn sign_in(
        &self,
        tenant: &Arc<Tenant>,
        email: &str,
        password: &str,
        ip: &str,
        replacing: Option<String>,
    ) -> Result<NewSession, AppError> {
        let user = self.check_password(tenant, email, password, ip).await?;
        let stage = stage_after_password(tenant, &user);
        let (timeouts, ip) = (self.timeouts, ip.to_owned());
        let token = self
            .write(&tenant.id, move |tx| {
                if let Some(old) = replacing {
                    sessions::end(tx.conn, tx.tenant, &old)?;
                }
                let (session, token) = sessions::create(tx.conn, tx.tenant, &user.id, stage, Some(&ip), &timeouts)?;
                if stage == Stage::Full {
                    signed_in_event(tx, &user, &ip, &session.id)?;
                }
                Ok(token)
            })
            .await?;
        Ok(NewSession { token, stage })
    }

    /// The password step on the apex: the workspace typed by hand, then a
    /// single-use handoff link to the tenant's host, which asks for the
    /// code. Unknown and suspended workspaces get the same answer, in the
    /// same time, as a wrong password.
    #[tracing::instrument(skip_all)]
    pub async fn sign_in_apex(
        &self,
        subdomain: &str,
        email: &str,
        password: &str,
        ip: &str,
    ) -> Result<String, AppError> {
        let typed = subdomain.trim().trim_end_matches('.').to_ascii_lowercase();
        let base = &self.public().base_domain;
        // Accept "plusundplus.ch" as well as a pasted "plusundplus.ch.<base>".
        let host = if typed.ends_with(&format!(".{base}")) { typed.clone() } else { format!("{typed}.{base}") };
        let tenant = match classify_host(Some(&host), base) {
            target @ HostTarget::Subdomain(_) => self.directory().resolve(&target).await?,
            _ => None,
        };
        let Some(tenant) = tenant.filter(|t| t.status == TenantStatus::Active) else {
            let (passwords, attempt) = (self.passwords.clone(), password.to_owned());
            self.blocking(move || passwords.verify_dummy(&attempt)).await?;
            return Err(AppError::Rejected);
        };
        let user = self.check_password(&tenant, email, password, ip).await?;
        let stage = stage_after_password(&tenant, &user);
        let (timeouts, ip) = (self.timeouts, ip.to_owned());
        let code = self
            .write(&tenant.id, move |tx| {
                Ok(sessions::create_handoff(tx.conn, tx.tenant, &user.id, stage, Some(&ip), &timeouts)?)
            })
            .await?;
        Ok(self.public().tenant(&tenant.slug, &format!("/login/handoff?code={code}")))
    }

    /// Exchanges the apex's single-use handoff code for a session of this host.
    #[tracing::instrument(skip_all, fields(tenant = %tenant.slug))]
    pub async fn exchange_handoff(&self, tenant: &Tenant, code: String) -> Result<NewSession, AppError> {
        let timeouts = self.timeouts;
        self.write(&tenant.id, move |tx| {
            let token = sessions::consume_handoff(tx.conn, tx.tenant, &code)?;
            let session = sessions::find(tx.conn, tx.tenant, &token, &timeouts)?.ok_or(AppError::LinkInvalid)?;
            Ok(NewSession { token, stage: session.stage })
        })
        .await
    }

    /// The second step: a TOTP code or a recovery code for a session waiting
    /// for it. Five wrong codes end the session.
    #[tracing::instrument(skip_all, fields(tenant = %tenant.slug, user = %signed.user.id))]
    pub async fn verify_mfa(
        &self,
        tenant: &Tenant,
        signed: &SignedIn,
        code: &str,
        recovery_code: &str,
        ip: &str,
    ) -> Result<MfaOutcome, AppError> {
        if signed.session.stage != Stage::MfaPending {
            return Err(AppError::NotFound);
        }
        let (session, user, ten) = (signed.session.clone(), signed.user.clone(), tenant.clone());
        let (code, recovery_code, ip) = (code.to_owned(), recovery_code.to_owned(), ip.to_owned());
        let key = throttle::mfa_key(&tenant.slug, &user.id);
        let outcome = self
            .write(&tenant.id, move |tx| {
                // Wrong codes count per account, across sign-ins: a new password
                // sign-in does not buy more guesses.
                throttle::check(tx.conn, std::slice::from_ref(&key))?;
                let checked = if !recovery_code.trim().is_empty() {
                    recovery::consume(tx.conn, &user, &recovery_code)
                } else {
                    let keyring = tx.keyring()?;
                    mfa::verify_code(tx.conn, &keyring, &user, &code)
                };
                match checked {
                    Ok(()) => {
                        throttle::clear(tx.conn, &key)?;
                        let token = sessions::promote(tx.conn, &session, Stage::Full)?;
                        signed_in_event(tx, &user, &ip, &session.id)?;
                        Ok(MfaOutcome::Passed(NewSession { token, stage: Stage::Full }))
                    }
                    Err(AuthError::BadCode) => {
                        if throttle::record_failure(tx.conn, &key, throttle::MFA_FREE_FAILURES)? {
                            // The locks begin: the account's owner hears of it.
                            let recipient = Recipient {
                                address: &user.email,
                                name: Some(&user.full_name()),
                                locale: user.locale.unwrap_or(ten.locale),
                            };
                            outbox::enqueue(tx.conn, &ten, recipient, &MailContent::SecondFactorLocked)?;
                        }
                        let failures = sessions::record_mfa_failure(tx.conn, &session)?;
                        let over = failures >= sessions::MAX_MFA_FAILURES;
                        if over {
                            sessions::end(tx.conn, tx.tenant, &session.id)?;
                        }
                        let mut event = NewEvent::new(user_actor(&user), AuditAction::SignInMfaFailed);
                        event.ip = Some(&ip);
                        tx.audit(&event)?;
                        Ok(if over { MfaOutcome::ChallengeOver } else { MfaOutcome::WrongCode })
                    }
                    Err(other) => Err(other.into()),
                }
            })
            .await;
        self.wake_mail();
        outcome
    }

    /// Ends a session server-side.
    #[tracing::instrument(skip_all, fields(tenant = %tenant.slug))]
    pub async fn sign_out(&self, tenant: &Tenant, session_id: String) -> Result<(), AppError> {
        self.write(&tenant.id, move |tx| Ok(sessions::end(tx.conn, tx.tenant, &session_id)?)).await
    }

    /// Asks for a reset link. The answer is the same whether or not the
    /// account exists; requests count against the account and the address,
    /// so nobody can flood a mailbox, and a throttled request sends nothing.
    #[tracing::instrument(skip_all, fields(tenant = %tenant.slug))]
    pub async fn request_password_reset(&self, tenant: &Arc<Tenant>, email: &str, ip: &str) -> Result<(), AppError> {
        let (ten, urls, ttl) = (Arc::clone(tenant), self.public().clone(), self.reset_ttl);
        let keys = [
            format!("reset:{}", throttle::account_key(&tenant.slug, email)),
            format!("reset:{}", throttle::address_key(ip)),
        ];
        let email = email.to_owned();
        let result = self
            .write(&tenant.id, move |tx| {
                let throttled = throttle::check(tx.conn, &keys).is_err();
                throttle::record_failure(tx.conn, &keys[0], RESETS_PER_ACCOUNT)?;
                throttle::record_failure(tx.conn, &keys[1], RESETS_PER_ADDRESS)?;
                if !throttled {
                    match resets::request(tx.conn, &ten, &urls, &email, ttl) {
                        // An address mail cannot go to gets the same answer: nothing to tell apart.
                        Ok(()) | Err(AuthError::Mail(_)) => {}
                        Err(other) => return Err(other.into()),
                    }
                }
                Ok(())
            })
            .await;
        self.wake_mail();
        result
    }

    /// The e-mail of a reset link's account, while the link works.
    pub async fn password_reset_email(&self, tenant: &Tenant, token: String) -> Result<String, AppError> {
        self.read(&tenant.id, move |tx| match resets::find(tx.conn, tx.tenant, &token) {
            Ok(user) => Ok(user.email),
            Err(AuthError::NotFound | AuthError::LinkInvalid) => Err(AppError::LinkInvalid),
            Err(other) => Err(other.into()),
        })
        .await
    }

    /// Sets a new password through a reset link; the next sign-in still asks for MFA.
    #[tracing::instrument(skip_all, fields(tenant = %tenant.slug))]
    pub async fn complete_password_reset(
        &self,
        tenant: &Tenant,
        token: String,
        new_password: &str,
        confirm: &str,
    ) -> Result<(), AppError> {
        let lookup = token.clone();
        let user = self
            .read(&tenant.id, move |tx| match resets::find(tx.conn, tx.tenant, &lookup) {
                Ok(user) => Ok(user),
                Err(AuthError::NotFound | AuthError::LinkInvalid) => Err(AppError::LinkInvalid),
                Err(other) => Err(other.into()),
            })
            .await?;
        check_new_password(
            new_password,
            confirm,
            &user.email,
            &tenant.name,
            &user.first_name,
            &user.last_name,
            "new_password",
        )?;
        let hash = self.hash_password(new_password).await?;
        self.write(&tenant.id, move |tx| {
            let user = match resets::complete(tx.conn, tx.tenant, &token, &hash) {
                Ok(user) => user,
                Err(AuthError::NotFound | AuthError::LinkInvalid) => return Err(AppError::LinkInvalid),
                Err(other) => return Err(other.into()),
            };
            tx.audit(&NewEvent::new(user_actor(&user), AuditAction::PasswordReset))
        })
        .await
    }
}

/// Checks a new password (length, strength, confirmation, not the person's
/// own name or address); `field` names the password field, and its
/// confirmation is `<field>_confirm`.
pub(crate) fn check_new_password(
    password: &str,
    confirm: &str,
    email: &str,
    company: &str,
    first_name: &str,
    last_name: &str,
    field: &str,
) -> Result<(), AppError> {
    password::check_new_password(password, confirm, email, company, first_name, last_name).map_err(|problem| {
        let field =
            if problem == password::PasswordProblem::Mismatch { format!("{field}_confirm") } else { field.to_owned() };
        AppError::invalid(field, Reason::Password(problem))
    })
}

/// Whether a cookie value can be a session token at all: junk is answered
/// without hashing it or opening a transaction.
fn plausible_token(token: &str) -> bool {
    !token.is_empty() && token.len() <= 128
}

/// A session as a read transaction finds it.
enum Peeked {
    /// No such session.
    Unknown,
    /// Live, touched within the minute, of an active user.
    Live(Box<SignedIn>),
    /// Expired, due for its idle deadline to move, or of a disabled user:
    /// [`App::write_session`] must run.
    NeedsWrite,
}

/// Looks the session of `token` up without writing.
fn peek_session(
    tx: &mut Tx<'_>,
    tenant: &cairn_store::TenantId,
    token: &str,
    timeouts: &sessions::Timeouts,
) -> Result<Peeked, AppError> {
    Ok(match sessions::peek(tx.conn, tenant, token, timeouts)? {
        sessions::Peek::Unknown => Peeked::Unknown,
        sessions::Peek::NeedsWrite => Peeked::NeedsWrite,
        sessions::Peek::Fresh(found) => {
            let sessions::Found { session, user, avatar_version } = *found;
            // A disabled user's session ends on the write path.
            if user.active {
                Peeked::Live(Box::new(SignedIn { session, user, avatar_version }))
            } else {
                Peeked::NeedsWrite
            }
        }
    })
}

/// A live session with its user, or the session back when the user is
/// disabled (the caller ends it where it may write).
fn with_active_user(conn: &mut cairn_store::DbConn, session: Session) -> Result<Result<SignedIn, Session>, AppError> {
    let user = users::by_id(conn, &session.tenant_id, &session.user_id)?;
    if !user.active {
        return Ok(Err(session));
    }
    let avatar_version = avatar::version(conn, &user)?;
    Ok(Ok(SignedIn { session, user, avatar_version }))
}
