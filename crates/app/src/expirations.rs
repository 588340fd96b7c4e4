//! What expires: the page and API list for readers, and the weekly digest
//! mail to each tenant's owners and technicians.

use cairn_assets::expirations::{self, Expiration, Horizon};
use cairn_auth::{Role, users};
use cairn_mail::MailContent;
use cairn_mail::outbox::{self, Recipient};
use cairn_store::schema::digests;
use cairn_store::{DbConn, OrganizationId, TenantId};
use cairn_tenancy::TenantStatus;
use chrono::{Duration, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::{App, AppError, Caller};

/// The most expirations one list shows.
const LIST_LIMIT: i64 = 2_000;
/// The digest's kind in the `digests` table.
const DIGEST_KIND: &str = "expirations";

/// When and how far ahead the digest looks.
#[derive(Clone, Copy, Debug)]
pub struct DigestSchedule {
    /// Days between two digests of one tenant.
    pub interval_days: i64,
    /// Days ahead a digest lists.
    pub within_days: i64,
}

/// What the list asks for.
#[derive(Clone, Debug, Default)]
pub struct ExpirationQuery {
    /// Days ahead from today (0: only today).
    pub within_days: i64,
    /// Whether dates already past come too (soonest first, so they lead).
    pub include_expired: bool,
    /// Only this organization.
    pub organization: Option<OrganizationId>,
}

/// Claims the tenant's digest for now if the last one is at least
/// `interval` old: one row per tenant, so of several nodes one wins.
fn claim(conn: &mut DbConn, tenant: &TenantId, now: NaiveDateTime, interval: Duration) -> Result<bool, AppError> {
    let claimed = diesel::update(digests::table.find((tenant.as_str(), DIGEST_KIND)))
        .filter(digests::last_sent_at.le(now - interval))
        .set(digests::last_sent_at.eq(now))
        .execute(conn)?;
    if claimed > 0 {
        return Ok(true);
    }
    let exists: i64 = digests::table.find((tenant.as_str(), DIGEST_KIND)).count().get_result(conn)?;
    if exists > 0 {
        return Ok(false);
    }
    diesel::insert_into(digests::table)
        .values((digests::tenant_id.eq(tenant.as_str()), digests::kind.eq(DIGEST_KIND), digests::last_sent_at.eq(now)))
        .execute(conn)?;
    Ok(true)
}

impl App {
    /// The dates the caller may see expiring, soonest first.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label()))]
    pub async fn expirations(&self, caller: &Caller, query: ExpirationQuery) -> Result<Vec<Expiration>, AppError> {
        let user = caller.require_user()?.clone();
        let today = Utc::now().date_naive();
        let horizon = Horizon {
            until: Some(today + Duration::days(query.within_days.clamp(0, 36_500))),
            from: (!query.include_expired).then_some(today),
            organization_id: query.organization.map(|o| o.as_str().to_owned()),
            limit: LIST_LIMIT,
        };
        self.read(&caller.tenant().id, move |tx| Ok(expirations::list(tx.conn, &user, &horizon)?)).await
    }

    /// Queues the expiration digest of every active tenant whose last one
    /// is at least `schedule.interval_days` old and that has something
    /// expiring: one mail per owner and technician, through the outbox.
    /// Returns how many mails were queued. Safe to run on every node.
    pub async fn queue_expiration_digests(&self, schedule: DigestSchedule) -> Result<usize, AppError> {
        let mut queued = 0;
        for tenant in self.directory().list().await? {
            if tenant.status != TenantStatus::Active {
                continue;
            }
            queued += self.queue_digest_of(&tenant, schedule).await?;
        }
        if queued > 0 {
            self.wake_mail();
        }
        Ok(queued)
    }

    async fn queue_digest_of(
        &self,
        tenant: &cairn_tenancy::Tenant,
        schedule: DigestSchedule,
    ) -> Result<usize, AppError> {
        let link = self.public().tenant(&tenant.slug, "/expirations");
        let ten = tenant.clone();
        self.write(&tenant.id, move |tx| {
            let now = cairn_store::now();
            let today: NaiveDate = now.date();
            let until = today + Duration::days(schedule.within_days);
            let items = expirations::due_in_tenant(tx.conn, tx.tenant, today, until)?;
            // Nothing due claims nothing: the week starts with the first digest that says something.
            if items.is_empty() || !claim(tx.conn, tx.tenant, now, Duration::days(schedule.interval_days))? {
                return Ok(0);
            }
            let content = MailContent::ExpirationDigest { items, days: schedule.within_days, link };
            let staff: Vec<_> = users::list(tx.conn, tx.tenant)?
                .into_iter()
                .filter(|u| u.active && matches!(u.role, Role::Owner | Role::Technician))
                .collect();
            for user in &staff {
                let name = user.full_name();
                let to = Recipient {
                    address: &user.email,
                    name: Some(name.as_str()).filter(|n| !n.is_empty()),
                    locale: user.locale.unwrap_or(ten.locale),
                };
                outbox::enqueue(tx.conn, &ten, to, &content)?;
            }
            Ok(staff.len())
        })
        .await
    }
}
