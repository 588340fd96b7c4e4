//! The tenant as the rest of Cairn sees it.

use cairn_store::TenantId;
use cairn_store::schema::tenants;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::Locale;

/// Whether a tenant's workspace answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TenantStatus {
    /// Serving.
    Active,
    /// Stopped by an operator: every page answers 403.
    Suspended,
}

impl TenantStatus {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            TenantStatus::Active => "active",
            TenantStatus::Suspended => "suspended",
        }
    }
}

/// One MSP's workspace.
#[derive(Clone, Debug)]
pub struct Tenant {
    /// The scope of every tenant-owned query.
    pub id: TenantId,
    /// The subdomain.
    pub slug: String,
    /// The MSP's display name, shown on every page and as mail sender name.
    pub name: String,
    /// Where customers write for help; may be empty.
    pub support_email: String,
    /// Where customers call for help; may be empty.
    pub support_phone: String,
    /// Language for people whose own choice is unknown.
    pub locale: Locale,
    /// Time zone for people who have not chosen one.
    pub time_zone: chrono_tz::Tz,
    /// The brand colour (`#rrggbb`).
    pub accent_color: String,
    /// The MSP's privacy policy, linked from the privacy notice.
    pub privacy_url: Option<String>,
    /// Whether every user must enrol MFA (the default).
    pub mfa_required: bool,
    /// Active or suspended.
    pub status: TenantStatus,
    /// When the tenant was created (UTC).
    pub created_at: NaiveDateTime,
}

/// A `tenants` row as stored.
#[derive(Queryable, Selectable)]
#[diesel(table_name = tenants)]
pub(crate) struct TenantRow {
    id: String,
    slug: String,
    name: String,
    support_email: String,
    support_phone: String,
    locale: String,
    time_zone: String,
    accent_color: String,
    privacy_url: Option<String>,
    mfa_required: bool,
    status: String,
    created_at: NaiveDateTime,
}

impl From<TenantRow> for Tenant {
    fn from(row: TenantRow) -> Self {
        // Values were validated on the way in; a row edited by hand falls back
        // to safe defaults rather than taking the workspace down.
        Tenant {
            id: TenantId::new(row.id),
            slug: row.slug,
            name: row.name,
            support_email: row.support_email,
            support_phone: row.support_phone,
            locale: row.locale.parse().unwrap_or(Locale::En),
            time_zone: row.time_zone.parse().unwrap_or(chrono_tz::UTC),
            accent_color: row.accent_color,
            privacy_url: row.privacy_url,
            mfa_required: row.mfa_required,
            status: if row.status == "active" { TenantStatus::Active } else { TenantStatus::Suspended },
            created_at: row.created_at,
        }
    }
}
