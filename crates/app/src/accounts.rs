//! A person's own account: accepting an invitation, enrolling MFA, the
//! profile, the password, the picture and the recovery codes.

use std::sync::Arc;

use cairn_assets::organizations;
use cairn_auth::invitations::{self, Invitation};
use cairn_auth::mfa::{self, Enrolment};
use cairn_auth::policy::Access;
use cairn_auth::sessions::{self, Session, Stage};
use cairn_auth::users::{self, ProfileChange, validate_name};
use cairn_auth::{Theme, User, avatar, recovery, resets, throttle};
use cairn_store::audit::{Actor, AuditAction, NewEvent};
use cairn_tenancy::{Locale, Tenant};
use cairn_vault::{ExposeSecret, FieldRef, SecretString};

use crate::sign_in::{NewSession, SignedIn, check_new_password, stage_after_password};
use crate::state::Tx;
use crate::{App, AppError, Caller, Reason};

/// What the create-account form gives.
#[derive(Clone, Debug, Default)]
pub struct AccountInput {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// The chosen password.
    pub password: String,
    /// The same again.
    pub password_confirm: String,
}

/// What the profile form gives.
#[derive(Clone, Debug, Default)]
pub struct ProfileInput {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// `light`, `dark` or `system`.
    pub theme: String,
    /// An IANA time zone.
    pub time_zone: String,
    /// `de` or `en`.
    pub locale: String,
}

/// What the password-change form gives.
#[derive(Clone, Debug, Default)]
pub struct PasswordChange {
    /// The password in use.
    pub current_password: String,
    /// The new one.
    pub new_password: String,
    /// The new one again.
    pub new_password_confirm: String,
}

/// What the profile page shows of the account besides the user.
#[derive(Debug)]
pub struct ProfileData {
    /// Recovery codes of a fresh enrolment or renewal: shown on this one view only.
    pub recovery_codes: Vec<String>,
    /// How many recovery codes are left.
    pub recovery_left: i64,
}

/// The session's flash slot, sealed: holds fresh recovery codes until shown.
fn flash_ref(session: &Session) -> FieldRef<'_> {
    FieldRef { table: "sessions", record_id: &session.id, field: "flash" }
}

/// Makes ten new recovery codes and keeps them, sealed, for the next profile view.
fn renew_codes(tx: &mut Tx<'_>, user: &cairn_auth::User, session: &Session) -> Result<(), AppError> {
    let keyring = tx.keyring()?;
    let codes = recovery::regenerate(tx.conn, user)?;
    sessions::set_flash(tx.conn, session, &keyring.seal(flash_ref(session), &SecretString::from(codes.join("\n"))))?;
    Ok(())
}

fn user_actor(user: &cairn_auth::User) -> Actor {
    Actor::User { id: user.id.clone(), email: user.email.clone() }
}

impl App {
    /// The pending invitation of a link.
    pub async fn invitation(&self, tenant: &Tenant, token: String) -> Result<Invitation, AppError> {
        self.read(&tenant.id, move |tx| Ok(invitations::find_pending(tx.conn, tx.tenant, &token)?)).await
    }

    /// Creates the account of an invitation, grants the organization it
    /// names, and starts a session that can only enrol MFA.
    #[tracing::instrument(skip_all, fields(tenant = %tenant.slug))]
    pub async fn accept_invitation(
        &self,
        tenant: &Arc<Tenant>,
        token: String,
        input: &AccountInput,
        ip: &str,
    ) -> Result<NewSession, AppError> {
        let invitation = self.invitation(tenant, token.clone()).await?;
        let first = validate_name("first_name", &input.first_name)
            .map_err(|_| AppError::invalid("first_name", Reason::Name))?;
        let last =
            validate_name("last_name", &input.last_name).map_err(|_| AppError::invalid("last_name", Reason::Name))?;
        check_new_password(
            &input.password,
            &input.password_confirm,
            &invitation.email,
            &tenant.name,
            &first,
            &last,
            "password",
        )?;
        let hash = self.hash_password(&input.password).await?;
        let (ten, timeouts, ip) = (Arc::clone(tenant), self.timeouts, ip.to_owned());
        self.write(&tenant.id, move |tx| {
            let user = invitations::accept(tx.conn, &ten, &token, &first, &last, &hash)?;
            if let Some(organization_id) = &invitation.organization_id {
                organizations::set_grant(
                    tx.conn,
                    tx.tenant,
                    organization_id,
                    &user.id,
                    Access::Viewer,
                    user_actor(&user),
                )?;
            }
            let stage = stage_after_password(&ten, &user);
            let (_, token) = sessions::create(tx.conn, tx.tenant, &user.id, stage, Some(&ip), &timeouts)?;
            let mut event = NewEvent::new(user_actor(&user), AuditAction::AccountCreated).target("user", &user.id);
            event.ip = Some(&ip);
            tx.audit(&event)?;
            Ok(NewSession { token, stage })
        })
        .await
    }

    /// The TOTP secret to scan, for a session that must enrol.
    #[tracing::instrument(skip_all, fields(tenant = %tenant.slug, user = %signed.user.id))]
    pub async fn mfa_enrolment(&self, tenant: &Tenant, signed: &SignedIn) -> Result<Enrolment, AppError> {
        if signed.session.stage != Stage::EnrolMfa {
            return Err(AppError::NotFound);
        }
        let (user, issuer) = (signed.user.clone(), tenant.name.clone());
        // Starting an enrolment stores a new sealed secret: a write.
        self.write(&tenant.id, move |tx| {
            let keyring = tx.keyring()?;
            Ok(mfa::enrolment(tx.conn, &keyring, &user, &issuer)?)
        })
        .await
    }

    /// Verifies the first code, enables MFA, makes recovery codes (shown
    /// once on the profile) and completes the sign-in: the new session token.
    #[tracing::instrument(skip_all, fields(tenant = %tenant.slug, user = %signed.user.id))]
    pub async fn complete_mfa_enrolment(
        &self,
        tenant: &Tenant,
        signed: &SignedIn,
        code: &str,
        ip: &str,
    ) -> Result<NewSession, AppError> {
        if signed.session.stage != Stage::EnrolMfa {
            return Err(AppError::NotFound);
        }
        let (session, user, code, ip) = (signed.session.clone(), signed.user.clone(), code.to_owned(), ip.to_owned());
        self.write(&tenant.id, move |tx| {
            let keyring = tx.keyring()?;
            mfa::verify_code(tx.conn, &keyring, &user, &code)?;
            mfa::complete_enrolment(tx.conn, &user)?;
            let token = sessions::promote(tx.conn, &session, Stage::Full)?;
            renew_codes(tx, &user, &session)?;
            let mut event = NewEvent::new(user_actor(&user), AuditAction::MfaEnrolled).target("user", &user.id);
            event.ip = Some(&ip);
            tx.audit(&event)?;
            Ok(NewSession { token, stage: Stage::Full })
        })
        .await
    }

    /// What the profile page shows; fresh recovery codes are taken from the
    /// session here, so they show on this one view only.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label()))]
    pub async fn profile(&self, caller: &Caller, session: &Session) -> Result<ProfileData, AppError> {
        let (user, session) = (caller.require_user()?.clone(), session.clone());
        if session.user_id != user.id {
            return Err(AppError::NotFound);
        }
        self.write(&caller.tenant().id, move |tx| {
            let recovery_codes = match sessions::take_flash(tx.conn, &session)? {
                Some(sealed) => {
                    let keyring = tx.keyring()?;
                    keyring
                        .open(flash_ref(&session), &sealed)
                        .map(|codes| codes.expose_secret().lines().map(str::to_owned).collect())
                        .unwrap_or_default()
                }
                None => Vec::new(),
            };
            Ok(ProfileData { recovery_codes, recovery_left: recovery::remaining(tx.conn, &user)? })
        })
        .await
    }

    /// Saves names, theme, time zone and language.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label()))]
    pub async fn update_profile(&self, caller: &Caller, input: &ProfileInput) -> Result<(), AppError> {
        let user = caller.require_user()?.clone();
        let first_name = validate_name("first_name", &input.first_name)
            .map_err(|_| AppError::invalid("first_name", Reason::Name))?;
        let last_name =
            validate_name("last_name", &input.last_name).map_err(|_| AppError::invalid("last_name", Reason::Name))?;
        let theme = input
            .theme
            .parse::<Theme>()
            .map_err(|_| AppError::invalid("theme", Reason::Text("light, dark or system".into())))?;
        let time_zone = input
            .time_zone
            .parse::<chrono_tz::Tz>()
            .map_err(|_| AppError::invalid("time_zone", Reason::Text("an IANA time zone".into())))?;
        let locale =
            input.locale.parse::<Locale>().map_err(|_| AppError::invalid("locale", Reason::Text("de or en".into())))?;
        let change = ProfileChange { first_name, last_name, theme, time_zone, locale };
        self.write(&caller.tenant().id, move |tx| Ok(users::update_profile(tx.conn, &user, &change)?)).await
    }

    /// Changes the password; needs the current one, and ends the user's other sessions.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label()))]
    pub async fn change_password(
        &self,
        caller: &Caller,
        session: &Session,
        change: &PasswordChange,
    ) -> Result<(), AppError> {
        let user = caller.require_user()?.clone();
        self.reauthenticate(caller, &user, "current_password", &change.current_password).await?;
        check_new_password(
            &change.new_password,
            &change.new_password_confirm,
            &user.email,
            &caller.tenant().name,
            &user.first_name,
            &user.last_name,
            "new_password",
        )?;
        let hash = self.hash_password(&change.new_password).await?;
        let keep = session.id.clone();
        self.write(&caller.tenant().id, move |tx| {
            resets::change_password(tx.conn, &user, &keep, &hash)?;
            tx.audit(&NewEvent::new(user_actor(&user), AuditAction::PasswordChanged))
        })
        .await
    }

    /// The caller's picture (PNG).
    pub async fn avatar(&self, caller: &Caller) -> Result<Vec<u8>, AppError> {
        let user = caller.require_user()?.clone();
        self.read(&caller.tenant().id, move |tx| avatar::load(tx.conn, &user)?.ok_or(AppError::NotFound)).await
    }

    /// Sets the caller's picture from an upload: sniffed, decoded within
    /// limits (a few at a time), cropped and re-encoded as a PNG.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), bytes = upload.len()))]
    pub async fn set_avatar(&self, caller: &Caller, upload: Vec<u8>) -> Result<(), AppError> {
        let user = caller.require_user()?.clone();
        if upload.len() > avatar::MAX_UPLOAD_BYTES {
            return Err(AppError::invalid("avatar", Reason::TooLarge));
        }
        let png = {
            // Each decode takes up to its pixels' memory: a few at a time,
            // and the rest are told to come back rather than queue.
            let Ok(_permit) = self.image_decodes.try_acquire() else {
                return Err(AppError::Locked { seconds: 2 });
            };
            self.blocking(move || avatar::process(&upload)).await??
        };
        self.write(&caller.tenant().id, move |tx| Ok(avatar::save(tx.conn, &user, &png)?)).await
    }

    /// Removes the caller's picture.
    pub async fn remove_avatar(&self, caller: &Caller) -> Result<(), AppError> {
        let user = caller.require_user()?.clone();
        self.write(&caller.tenant().id, move |tx| Ok(avatar::remove(tx.conn, &user)?)).await
    }

    /// Ten new recovery codes, shown once on the next profile view; the old ones stop working.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label()))]
    pub async fn renew_recovery_codes(
        &self,
        caller: &Caller,
        session: &Session,
        current_password: &str,
    ) -> Result<(), AppError> {
        let (user, session) = (caller.require_user()?.clone(), session.clone());
        if session.user_id != user.id {
            return Err(AppError::NotFound);
        }
        // Whoever holds an open session must not get codes that outlive it.
        self.reauthenticate(caller, &user, "recovery_password", current_password).await?;
        self.write(&caller.tenant().id, move |tx| {
            renew_codes(tx, &user, &session)?;
            tx.audit(&NewEvent::new(user_actor(&user), AuditAction::MfaRecoveryCodesRenewed))
        })
        .await
    }

    /// Asks a signed-in user for their password again before a change that
    /// would outlast a stolen session. Wrong answers are counted per account
    /// and lock like sign-in failures.
    async fn reauthenticate(&self, caller: &Caller, user: &User, field: &str, password: &str) -> Result<(), AppError> {
        let key = throttle::reauth_key(&caller.tenant().slug, &user.id);
        let check = key.clone();
        self.read(&caller.tenant().id, move |tx| Ok(throttle::check(tx.conn, std::slice::from_ref(&check))?)).await?;
        let (passwords, checked, current) = (self.passwords.clone(), user.clone(), password.to_owned());
        let ok = self.blocking(move || resets::verify_current(&passwords, &checked, &current)).await?;
        self.write(&caller.tenant().id, move |tx| {
            if ok {
                throttle::clear(tx.conn, &key)?;
            } else {
                throttle::record_failure(tx.conn, &key, throttle::ACCOUNT_FREE_FAILURES)?;
            }
            Ok(())
        })
        .await?;
        if ok { Ok(()) } else { Err(AppError::invalid(field, Reason::CurrentPassword)) }
    }
}
