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
    /// Signed up on the apex, the owner's address not yet confirmed: the
    /// slug is held, the host answers nothing.
    Unconfirmed,
    /// Confirmed, waiting for an operator's approval (`signup.mode = approval`).
    AwaitingApproval,
}

impl TenantStatus {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            TenantStatus::Active => "active",
            TenantStatus::Suspended => "suspended",
            TenantStatus::Unconfirmed => "unconfirmed",
            TenantStatus::AwaitingApproval => "awaiting_approval",
        }
    }

    /// Whether this is a stage of a sign-up (stored in `tenants.pending`).
    pub fn is_pending(self) -> bool {
        matches!(self, TenantStatus::Unconfirmed | TenantStatus::AwaitingApproval)
    }

    /// The status stored as `text`; anything unknown counts as suspended,
    /// so a row edited by hand never opens a workspace.
    pub fn parse(text: &str) -> Self {
        match text {
            "active" => TenantStatus::Active,
            "unconfirmed" => TenantStatus::Unconfirmed,
            "awaiting_approval" => TenantStatus::AwaitingApproval,
            _ => TenantStatus::Suspended,
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
    /// Active, suspended, or still being signed up.
    pub status: TenantStatus,
    /// When the tenant was created (UTC).
    pub created_at: NaiveDateTime,
    /// The MSP's own privacy notice (Markdown), shown at `/privacy`; may be empty.
    pub privacy_notice: String,
    /// The display name of its mails' sender; empty: the tenant's name.
    pub sender_name: String,
    /// The version of its logo (for cacheable URLs), if it has one.
    pub logo_version: Option<i64>,
    /// Whether an owner put the first-run checklist away.
    pub checklist_dismissed: bool,
}

impl Tenant {
    /// The display name its mails are sent under.
    pub fn sender(&self) -> &str {
        if self.sender_name.trim().is_empty() { &self.name } else { &self.sender_name }
    }

    /// The path of its logo, versioned so browsers keep it, if it has one.
    pub fn logo_path(&self) -> Option<String> {
        self.logo_version.map(|v| format!("/logo.png?v={v}"))
    }
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
    pending: Option<String>,
    privacy_notice: String,
    sender_name: String,
    logo_version: Option<i64>,
    checklist_dismissed: bool,
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
            // A sign-up in progress is stored as suspended, its stage beside it.
            status: TenantStatus::parse(row.pending.as_deref().unwrap_or(&row.status)),
            created_at: row.created_at,
            privacy_notice: row.privacy_notice,
            sender_name: row.sender_name,
            logo_version: row.logo_version,
            checklist_dismissed: row.checklist_dismissed,
        }
    }
}
