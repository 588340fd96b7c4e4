//! Users of a tenant.

use std::fmt;
use std::str::FromStr;

use cairn_store::schema::users;
use cairn_store::{DbConn, TenantId};
use cairn_tenancy::Locale;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::AuthError;

/// What a user is to the tenant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Runs the tenant: settings, users, everything.
    Owner,
    /// MSP staff: all organizations' documentation.
    Technician,
    /// A customer: only the organizations granted to them.
    Customer,
}

impl Role {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Technician => "technician",
            Role::Customer => "customer",
        }
    }

    /// Whether the role is MSP staff (owner or technician).
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Owner | Role::Technician)
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "owner" => Ok(Role::Owner),
            "technician" => Ok(Role::Technician),
            "customer" => Ok(Role::Customer),
            other => Err(format!("unknown role {other:?}; expected owner, technician or customer")),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The colour scheme a user chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    /// Light.
    Light,
    /// Dark.
    Dark,
    /// Follow the device.
    System,
}

impl Theme {
    /// The stored text (also the `data-theme` attribute).
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
            Theme::System => "system",
        }
    }
}

impl FromStr for Theme {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "light" => Ok(Theme::Light),
            "dark" => Ok(Theme::Dark),
            "system" => Ok(Theme::System),
            other => Err(format!("unknown theme {other:?}")),
        }
    }
}

/// The kind of user that is a person (the others act for API keys).
pub(crate) const PERSON: &str = "person";

/// A user as stored.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    tenant_id: String,
    id: String,
    email: String,
    first_name: String,
    last_name: String,
    role: String,
    status: String,
    password_hash: String,
    totp_secret_sealed: Option<String>,
    mfa_enabled_at: Option<NaiveDateTime>,
    locale: Option<String>,
    time_zone: Option<String>,
    theme: String,
    created_at: NaiveDateTime,
}

/// A user of a tenant.
#[derive(Clone)]
pub struct User {
    /// The tenant.
    pub tenant_id: TenantId,
    /// The user's id.
    pub id: String,
    /// Lower-case e-mail, unique in the tenant.
    pub email: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Role.
    pub role: Role,
    /// False when an owner disabled the account.
    pub active: bool,
    /// Argon2id PHC string.
    pub(crate) password_hash: String,
    /// The sealed TOTP secret, once enrolment started.
    pub(crate) totp_secret_sealed: Option<String>,
    /// When MFA enrolment was completed; `None` while not enrolled.
    pub mfa_enabled_at: Option<NaiveDateTime>,
    /// Chosen language, if any.
    pub locale: Option<Locale>,
    /// Chosen time zone, if any.
    pub time_zone: Option<chrono_tz::Tz>,
    /// Chosen theme.
    pub theme: Theme,
    /// When the account was created.
    pub created_at: NaiveDateTime,
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        User {
            tenant_id: TenantId::new(row.tenant_id),
            id: row.id,
            email: row.email,
            first_name: row.first_name,
            last_name: row.last_name,
            role: row.role.parse().unwrap_or(Role::Customer),
            active: row.status == "active",
            password_hash: row.password_hash,
            totp_secret_sealed: row.totp_secret_sealed,
            mfa_enabled_at: row.mfa_enabled_at,
            locale: row.locale.and_then(|l| l.parse().ok()),
            time_zone: row.time_zone.and_then(|t| t.parse().ok()),
            theme: row.theme.parse().unwrap_or(Theme::System),
            created_at: row.created_at,
        }
    }
}

impl User {
    /// "First Last".
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name).trim().to_owned()
    }

    /// Two letters for the avatar placeholder.
    pub fn initials(&self) -> String {
        let first = self.first_name.chars().next();
        let last = self.last_name.chars().next();
        [first, last].into_iter().flatten().flat_map(char::to_uppercase).collect()
    }

    /// Whether MFA enrolment is complete.
    pub fn mfa_enrolled(&self) -> bool {
        self.mfa_enabled_at.is_some()
    }
}

/// Normalises an e-mail for storage and lookup (trimmed, lower-case).
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The user with `id` in `tenant`.
pub fn by_id(conn: &mut DbConn, tenant: &TenantId, id: &str) -> Result<User, AuthError> {
    Ok(users::table.find((tenant.as_str(), id)).select(UserRow::as_select()).first::<UserRow>(conn)?.into())
}

/// The user with `email` in `tenant`, if any.
pub fn by_email(conn: &mut DbConn, tenant: &TenantId, email: &str) -> Result<Option<User>, AuthError> {
    Ok(users::table
        .filter(users::tenant_id.eq(tenant.as_str()))
        .filter(users::email.eq(normalize_email(email)))
        .filter(users::kind.eq(PERSON))
        .select(UserRow::as_select())
        .first::<UserRow>(conn)
        .optional()?
        .map(User::from))
}

/// Every user of `tenant`, by name.
pub fn list(conn: &mut DbConn, tenant: &TenantId) -> Result<Vec<User>, AuthError> {
    Ok(users::table
        .filter(users::tenant_id.eq(tenant.as_str()))
        .filter(users::kind.eq(PERSON))
        .order((users::last_name, users::first_name, users::email))
        .select(UserRow::as_select())
        .load::<UserRow>(conn)?
        .into_iter()
        .map(User::from)
        .collect())
}

/// The tenant's active customers, by e-mail (to grant organizations to).
pub fn active_customers(conn: &mut DbConn, tenant: &TenantId) -> Result<Vec<User>, AuthError> {
    Ok(users::table
        .filter(users::tenant_id.eq(tenant.as_str()))
        .filter(users::role.eq(Role::Customer.as_str()))
        .filter(users::status.eq("active"))
        .filter(users::kind.eq(PERSON))
        .order(users::email)
        .select(UserRow::as_select())
        .load::<UserRow>(conn)?
        .into_iter()
        .map(User::from)
        .collect())
}

/// What a user may change on their profile.
#[derive(Clone, Debug)]
pub struct ProfileChange {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Theme.
    pub theme: Theme,
    /// Time zone.
    pub time_zone: chrono_tz::Tz,
    /// Language.
    pub locale: Locale,
}

/// Checks a name field: 1–100 characters, no control characters.
pub fn validate_name(field: &'static str, value: &str) -> Result<String, AuthError> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > 100 || value.chars().any(char::is_control) {
        return Err(AuthError::invalid(field, "Enter 1 to 100 characters."));
    }
    Ok(value.to_owned())
}

/// Saves a profile change.
pub fn update_profile(conn: &mut DbConn, user: &User, change: &ProfileChange) -> Result<(), AuthError> {
    let first = validate_name("first_name", &change.first_name)?;
    let last = validate_name("last_name", &change.last_name)?;
    diesel::update(users::table.find((user.tenant_id.as_str(), user.id.as_str())))
        .set((
            users::first_name.eq(first),
            users::last_name.eq(last),
            users::theme.eq(change.theme.as_str()),
            users::time_zone.eq(change.time_zone.name()),
            users::locale.eq(change.locale.as_str()),
            users::updated_at.eq(cairn_store::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Replaces the password hash.
pub(crate) fn set_password_hash(conn: &mut DbConn, user: &User, hash: &str) -> Result<(), AuthError> {
    diesel::update(users::table.find((user.tenant_id.as_str(), user.id.as_str())))
        .set((users::password_hash.eq(hash), users::updated_at.eq(cairn_store::now())))
        .execute(conn)?;
    Ok(())
}

/// Changes a user's role.
pub fn set_role(conn: &mut DbConn, user: &User, role: Role) -> Result<(), AuthError> {
    diesel::update(users::table.find((user.tenant_id.as_str(), user.id.as_str())))
        .set((users::role.eq(role.as_str()), users::updated_at.eq(cairn_store::now())))
        .execute(conn)?;
    Ok(())
}

/// Enables or disables an account; disabling ends its sessions.
pub fn set_active(conn: &mut DbConn, user: &User, active: bool) -> Result<(), AuthError> {
    diesel::update(users::table.find((user.tenant_id.as_str(), user.id.as_str())))
        .set((users::status.eq(if active { "active" } else { "disabled" }), users::updated_at.eq(cairn_store::now())))
        .execute(conn)?;
    if !active {
        crate::sessions::end_all(conn, &user.tenant_id, &user.id, None)?;
    }
    Ok(())
}
