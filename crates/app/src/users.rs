//! The owner's user management.

use std::collections::HashMap;

use cairn_assets::organizations;
use cairn_auth::invitations::{self, Invitation};
use cairn_auth::policy::{Action, Resource, can};
use cairn_auth::{Role, User, mfa, throttle, users};
use cairn_mail::MailContent;
use cairn_mail::outbox::{self, Recipient};
use cairn_store::UserId;
use cairn_store::audit::{AuditAction, NewEvent};

use crate::state::Tx;
use crate::{App, AppError, Caller};

/// What the user management page shows.
#[derive(Debug)]
pub struct UsersOverview {
    /// Every user of the tenant.
    pub users: Vec<User>,
    /// Invitations that still work.
    pub invitations: Vec<Invitation>,
    /// Active organizations as (id, name), to invite customers into.
    pub organizations: Vec<(String, String)>,
    /// Users whose second factor is locked by wrong codes, with the lock's end (UTC).
    pub second_factor_locked: HashMap<String, chrono::NaiveDateTime>,
}

impl App {
    /// Whether the caller manages the tenant's users (the owners' pages).
    pub fn may_manage_users(&self, caller: &Caller) -> bool {
        can(&caller.principal(), Action::ManageUsers, &Resource::Tenant)
    }

    /// The tenant's users and pending invitations (owners only).
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label()))]
    pub async fn users_overview(&self, caller: &Caller) -> Result<UsersOverview, AppError> {
        if !can(&caller.principal(), Action::ManageUsers, &Resource::Tenant) {
            return Err(AppError::NotFound);
        }
        let slug = caller.tenant().slug.to_string();
        self.read(&caller.tenant().id, move |tx| {
            let users = users::list(tx.conn, tx.tenant)?;
            let user_of: HashMap<String, &str> =
                users.iter().map(|u| (throttle::mfa_key(&slug, &u.id), u.id.as_str())).collect();
            let keys: Vec<String> = user_of.keys().cloned().collect();
            let second_factor_locked = throttle::locked(tx.conn, &keys)?
                .into_iter()
                .filter_map(|(key, until)| user_of.get(&key).map(|id| ((*id).to_owned(), until)))
                .collect();
            Ok(UsersOverview {
                users,
                invitations: invitations::pending(tx.conn, tx.tenant)?,
                organizations: organizations::names(tx.conn, tx.tenant, false)?,
                second_factor_locked,
            })
        })
        .await
    }

    /// Runs `change` on another user of the tenant, with its audit event.
    /// Owners cannot change themselves here, so nobody locks themselves out.
    async fn change_user<F>(&self, caller: &Caller, id: UserId, action: AuditAction, change: F) -> Result<(), AppError>
    where
        F: FnOnce(&mut Tx<'_>, &User) -> Result<(), AppError> + Send + 'static,
    {
        if !can(&caller.principal(), Action::ManageUsers, &Resource::Tenant) {
            return Err(AppError::NotFound);
        }
        let (actor, me) = (caller.actor(), caller.signed_in_user().map(|u| u.id.clone()));
        let result = self
            .write(&caller.tenant().id, move |tx| {
                let target = users::by_id(tx.conn, tx.tenant, id.as_str())?;
                if me.as_deref() == Some(target.id.as_str()) {
                    return Err(AppError::NotFound);
                }
                change(tx, &target)?;
                tx.audit(&NewEvent::new(actor, action).target("user", &target.id))
            })
            .await;
        self.wake_mail();
        result
    }

    /// Changes another user's role.
    pub async fn set_role(&self, caller: &Caller, id: UserId, role: Role) -> Result<(), AppError> {
        self.change_user(caller, id, AuditAction::UserRoleChanged, move |tx, user| {
            Ok(users::set_role(tx.conn, user, role)?)
        })
        .await
    }

    /// Disables (ending their sessions) or enables another user.
    pub async fn set_user_active(&self, caller: &Caller, id: UserId, active: bool) -> Result<(), AppError> {
        let action = if active { AuditAction::UserEnabled } else { AuditAction::UserDisabled };
        self.change_user(caller, id, action, move |tx, user| Ok(users::set_active(tx.conn, user, active)?)).await
    }

    /// Resets another user's MFA: they enrol again at the next sign-in, and get a mail saying so.
    pub async fn reset_mfa(&self, caller: &Caller, id: UserId) -> Result<(), AppError> {
        let tenant = caller.tenant().clone();
        self.change_user(caller, id, AuditAction::UserMfaReset, move |tx, user| {
            mfa::reset(tx.conn, user)?;
            let recipient = Recipient {
                address: &user.email,
                name: Some(&user.full_name()),
                locale: user.locale.unwrap_or(tenant.locale),
            };
            outbox::enqueue(tx.conn, &tenant, recipient, &MailContent::MfaChanged { by_staff: true })?;
            Ok(())
        })
        .await
    }
}
