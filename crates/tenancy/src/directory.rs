//! The tenant directory: creating and changing tenants, and finding them by
//! host with a cache in front of the database.

use std::sync::Arc;
use std::time::Duration;

use cairn_store::audit::{self, Actor, AuditAction, NewEvent};
use cairn_store::schema::{tenant_deletions, tenant_domains, tenants};
use cairn_store::{Database, DbConn, TenantId, new_id};
use cairn_vault::MasterKey;
use diesel::prelude::*;
use moka::sync::Cache;

use crate::model::TenantRow;
use crate::{HostTarget, Locale, TenancyError, Tenant, TenantSlug, TenantStatus, keys};

/// The brand colour of tenants that set none: a deep blue.
const DEFAULT_ACCENT: &str = "#1d4ed8";

/// What an operator gives to create a tenant.
#[derive(Clone, Debug)]
pub struct NewTenant {
    /// The subdomain.
    pub slug: TenantSlug,
    /// The display name.
    pub name: String,
    /// Support e-mail shown to customers.
    pub support_email: Option<String>,
    /// Support phone shown to customers.
    pub support_phone: Option<String>,
    /// Default language.
    pub locale: Locale,
    /// Default time zone.
    pub time_zone: chrono_tz::Tz,
}

impl NewTenant {
    /// Checks the free-text fields; the typed ones are valid by construction.
    pub fn validate(&self) -> Result<(), TenancyError> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
            return Err(TenancyError::InvalidField {
                field: "name",
                reason: "1 to 200 characters, no control characters".into(),
            });
        }
        if let Some(email) = &self.support_email
            && (!email_address::EmailAddress::is_valid(email) || email.chars().any(char::is_control))
        {
            return Err(TenancyError::InvalidField {
                field: "support-email",
                reason: format!("{email:?} is not an e-mail address"),
            });
        }
        let phone_allowed = |c: char| c.is_ascii_digit() || " +-()/.".contains(c);
        if let Some(phone) = &self.support_phone
            && (phone.trim().is_empty() || phone.len() > 40 || !phone.chars().all(phone_allowed))
        {
            return Err(TenancyError::InvalidField {
                field: "support-phone",
                reason: "up to 40 characters of digits, spaces and + - ( ) / .".into(),
            });
        }
        Ok(())
    }
}

/// Changes to a tenant's details: only the fields given change.
#[derive(Clone, Debug, Default)]
pub struct TenantChange {
    /// The display name.
    pub name: Option<String>,
    /// Support e-mail ("" clears it).
    pub support_email: Option<String>,
    /// Support phone ("" clears it).
    pub support_phone: Option<String>,
    /// Default language.
    pub locale: Option<Locale>,
    /// Default time zone.
    pub time_zone: Option<chrono_tz::Tz>,
    /// Brand colour, `#rrggbb`, dark enough for white text on it.
    pub accent_color: Option<String>,
    /// The privacy notice (Markdown; "" clears it).
    pub privacy_notice: Option<String>,
    /// The display name of mails' sender ("" means the tenant's name).
    pub sender_name: Option<String>,
}

/// Every tenant-owned table, children before parents: a tenant's rows are
/// deleted in this order, after its data keys.
const TENANT_TABLES: &[&str] = &[
    "import_jobs",
    "external_ids",
    "digests",
    "expirations",
    "attachments",
    "relations",
    "api_rate_windows",
    "api_keys",
    "user_avatars",
    "recovery_codes",
    "password_resets",
    "sessions",
    "organization_grants",
    "document_revisions",
    "documents",
    "records",
    "asset_types",
    "invitations",
    "users",
    "organizations",
    "mail_outbox",
    "signups",
    "tenant_logos",
    "tenant_domains",
    "audit_events",
];

/// Finds tenants by host, creates and changes them.
///
/// Lookups are cached (hits and misses) for a short time so that resolving a
/// request's host costs no query on the hot path. Changes made through this
/// directory clear the cache at once. On PostgreSQL every change is also
/// announced (`NOTIFY cairn_tenants`) and [`TenantDirectory::follow_changes`]
/// clears the caches of the other nodes within a second; elsewhere, and as
/// the fallback, changes are seen when the entry expires.
#[derive(Clone)]
pub struct TenantDirectory {
    db: Database,
    cache: Cache<String, Option<Arc<Tenant>>>,
}

impl TenantDirectory {
    /// A directory over `db` whose cached lookups live for `ttl`.
    pub fn new(db: Database, ttl: Duration) -> Self {
        let cache = Cache::builder().max_capacity(10_000).time_to_live(ttl).build();
        Self { db, cache }
    }

    /// Clears this node's cache and tells the others (PostgreSQL) to clear
    /// theirs; call it after committing a change to tenants or their domains.
    pub async fn changed(&self) {
        self.cache.invalidate_all();
        if self.db.url().backend() == cairn_store::Backend::Postgres {
            let told = self
                .db
                .run(|conn| {
                    diesel::sql_query("NOTIFY cairn_tenants").execute(conn).map_err(cairn_store::StoreError::from)
                })
                .await;
            if let Err(error) = told {
                tracing::warn!(%error, "other nodes could not be told of a tenant change; they see it when their cache expires");
            }
        }
    }

    /// Follows tenant changes made by other nodes and processes (PostgreSQL):
    /// a connection of its own listens on `cairn_tenants` and every
    /// announcement clears the cache. Polls about four times a second until
    /// `stop` is set; reconnects after a lost connection. `None` on SQLite,
    /// where there is one node.
    pub fn follow_changes(&self, stop: Arc<std::sync::atomic::AtomicBool>) -> Option<tokio::task::JoinHandle<()>> {
        use std::sync::atomic::Ordering;
        if self.db.url().backend() != cairn_store::Backend::Postgres {
            return None;
        }
        let (url, cache) = (self.db.url().clone(), self.cache.clone());
        Some(tokio::task::spawn_blocking(move || {
            let mut listening: Option<diesel::PgConnection> = None;
            while !stop.load(Ordering::Relaxed) {
                let Some(pg) = listening.as_mut() else {
                    match url.connect() {
                        Ok(DbConn::Postgres(mut pg)) => {
                            if diesel::sql_query("LISTEN cairn_tenants").execute(&mut pg).is_ok() {
                                // Changes made while nobody listened are unknown: forget everything.
                                cache.invalidate_all();
                                listening = Some(pg);
                                continue;
                            }
                        }
                        Ok(_) => return,
                        Err(error) => tracing::warn!(%error, "cannot listen for tenant changes; retrying"),
                    }
                    std::thread::sleep(Duration::from_secs(2));
                    continue;
                };
                // Any statement makes libpq read what arrived, notifications included.
                if diesel::sql_query("SELECT 1").execute(pg).is_err() {
                    listening = None;
                    continue;
                }
                if pg.notifications_iter().fold(false, |any, n| any | n.is_ok()) {
                    cache.invalidate_all();
                }
                std::thread::sleep(Duration::from_millis(250));
            }
        }))
    }

    /// The database behind the directory.
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// The tenant a host names, if it is an existing tenant's subdomain or
    /// custom domain (whatever its status).
    pub async fn resolve(&self, target: &HostTarget) -> Result<Option<Arc<Tenant>>, TenancyError> {
        let key = match target {
            HostTarget::Subdomain(slug) => format!("s:{slug}"),
            HostTarget::Custom(domain) => format!("d:{domain}"),
            HostTarget::Apex | HostTarget::Invalid => return Ok(None),
        };
        if let Some(hit) = self.cache.get(&key) {
            return Ok(hit);
        }
        let target = target.clone();
        let found = self
            .db
            .platform_read_tx(move |conn| -> Result<Option<Tenant>, TenancyError> {
                let query = tenants::table.select(TenantRow::as_select()).into_boxed();
                let query = match &target {
                    HostTarget::Subdomain(slug) => query.filter(tenants::slug.eq(slug.clone())),
                    // Only a verified domain leads to its tenant.
                    HostTarget::Custom(domain) => query.filter(
                        tenants::id.eq_any(
                            tenant_domains::table
                                .filter(tenant_domains::domain.eq(domain.clone()))
                                .filter(tenant_domains::verified_at.is_not_null())
                                .select(tenant_domains::tenant_id),
                        ),
                    ),
                    HostTarget::Apex | HostTarget::Invalid => return Ok(None),
                };
                Ok(query.first::<TenantRow>(conn).optional()?.map(Tenant::from))
            })
            .await?
            .map(Arc::new);
        self.cache.insert(key, found.clone());
        Ok(found)
    }

    /// Creates a tenant with its first data key, and records who did it.
    pub async fn create(&self, master: &Arc<MasterKey>, new: NewTenant, actor: Actor) -> Result<Tenant, TenancyError> {
        self.create_with(master, new, actor, |_, _| Ok::<_, TenancyError>(())).await.map(|(tenant, ())| tenant)
    }

    /// Creates a tenant and runs `then` in the same transaction (e.g. inviting
    /// its first owner): both happen or neither.
    pub async fn create_with<T, E, F>(
        &self,
        master: &Arc<MasterKey>,
        new: NewTenant,
        actor: Actor,
        then: F,
    ) -> Result<(Tenant, T), E>
    where
        F: FnOnce(&mut DbConn, &Tenant) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<TenancyError> + From<cairn_store::StoreError> + From<diesel::result::Error> + Send + 'static,
    {
        new.validate()?;
        let master = Arc::clone(master);
        let created = self
            .db
            .tx(move |conn| -> Result<(Tenant, T), E> {
                let tenant = create_tenant(conn, &master, &new, actor, TenantStatus::Active)?;
                let extra = then(conn, &tenant)?;
                Ok((tenant, extra))
            })
            .await?;
        self.changed().await;
        Ok(created)
    }

    /// Every tenant, by slug.
    pub async fn list(&self) -> Result<Vec<Tenant>, TenancyError> {
        self.db
            .run(|conn| -> Result<_, TenancyError> {
                let rows = tenants::table.order(tenants::slug).select(TenantRow::as_select()).load(conn)?;
                Ok(rows.into_iter().map(Tenant::from).collect())
            })
            .await
    }

    /// The tenant with `slug`, read from the database (not the cache).
    pub async fn by_slug(&self, slug: &TenantSlug) -> Result<Tenant, TenancyError> {
        let slug = slug.clone();
        self.db.run(move |conn| find_by_slug(conn, &slug)).await
    }

    /// Changes a tenant's details; returns it as it is now.
    pub async fn update(&self, slug: &TenantSlug, change: TenantChange, actor: Actor) -> Result<Tenant, TenancyError> {
        let slug = slug.clone();
        let tenant = self
            .db
            .tx(move |conn| -> Result<Tenant, TenancyError> {
                let current = find_by_slug(conn, &slug)?;
                let checked = NewTenant {
                    slug: slug.clone(),
                    name: change.name.clone().unwrap_or_else(|| current.name.clone()),
                    support_email: change.support_email.clone().filter(|e| !e.is_empty()),
                    support_phone: change.support_phone.clone().filter(|p| !p.is_empty()),
                    locale: change.locale.unwrap_or(current.locale),
                    time_zone: change.time_zone.unwrap_or(current.time_zone),
                };
                checked.validate()?;
                change.validate()?;
                let email = change.support_email.clone().unwrap_or_else(|| current.support_email.clone());
                let phone = change.support_phone.clone().unwrap_or_else(|| current.support_phone.clone());
                let accent = change.accent_color.clone().unwrap_or_else(|| current.accent_color.clone());
                let notice = change.privacy_notice.clone().unwrap_or_else(|| current.privacy_notice.clone());
                let sender = change.sender_name.clone().unwrap_or_else(|| current.sender_name.clone());
                diesel::update(tenants::table.find(current.id.as_str()))
                    .set((
                        tenants::name.eq(checked.name.trim()),
                        tenants::support_email.eq(email.trim()),
                        tenants::support_phone.eq(phone.trim()),
                        tenants::locale.eq(checked.locale.as_str()),
                        tenants::time_zone.eq(checked.time_zone.name()),
                        tenants::accent_color.eq(accent.trim().to_ascii_lowercase()),
                        tenants::privacy_notice.eq(notice.trim()),
                        tenants::sender_name.eq(sender.trim()),
                        tenants::updated_at.eq(cairn_store::now()),
                    ))
                    .execute(conn)?;
                audit::record(
                    conn,
                    &current.id,
                    &NewEvent::new(actor, AuditAction::TenantUpdated)
                        .target("tenant", current.id.as_str())
                        .details(serde_json::json!({ "fields": change.fields() })),
                )?;
                find_by_slug(conn, &slug)
            })
            .await?;
        self.changed().await;
        Ok(tenant)
    }

    /// Deletes a tenant for good: first its data keys (every sealed secret
    /// becomes unreadable, in backups too), then every row it owns, its
    /// audit log included, then the tenant. One transaction: all or nothing.
    pub async fn delete(&self, slug: &TenantSlug) -> Result<Tenant, TenancyError> {
        let slug = slug.clone();
        let tenant = self
            .db
            .tx(move |conn| -> Result<Tenant, TenancyError> {
                let tenant = find_by_slug(conn, &slug)?;
                purge(conn, &tenant.id)?;
                Ok(tenant)
            })
            .await?;
        self.changed().await;
        Ok(tenant)
    }

    /// Suspends or resumes a tenant; returns it as it is now.
    pub async fn set_status(
        &self,
        slug: &TenantSlug,
        status: TenantStatus,
        actor: Actor,
    ) -> Result<Tenant, TenancyError> {
        let slug = slug.clone();
        let tenant = self
            .db
            .tx(move |conn| -> Result<Tenant, TenancyError> {
                let tenant = find_by_slug(conn, &slug)?;
                // Sign-ups open by confirmation or approval, never by a status change.
                if status.is_pending() || tenant.status.is_pending() {
                    return Err(TenancyError::InvalidField {
                        field: "status",
                        reason: format!("{slug} is {}; it opens by confirmation or approval", tenant.status.as_str()),
                    });
                }
                diesel::update(tenants::table.find(tenant.id.as_str()))
                    .set((tenants::status.eq(status.as_str()), tenants::updated_at.eq(cairn_store::now())))
                    .execute(conn)?;
                let action = match status {
                    TenantStatus::Active => AuditAction::TenantResumed,
                    _ => AuditAction::TenantSuspended,
                };
                audit::record(conn, &tenant.id, &NewEvent::new(actor, action).target("tenant", tenant.id.as_str()))?;
                Ok(Tenant { status, ..tenant })
            })
            .await?;
        self.changed().await;
        Ok(tenant)
    }

    /// Lets the tenant answer at a custom domain of its own as well, at
    /// once: operators vouch for the name.
    pub async fn add_domain(&self, slug: &TenantSlug, domain: &str, actor: Actor) -> Result<(), TenancyError> {
        let domain = crate::domains::parse(domain)?;
        let slug = slug.clone();
        self.db
            .tx(move |conn| -> Result<(), TenancyError> {
                let tenant = find_by_slug(conn, &slug)?;
                crate::domains::add(conn, &tenant.id, &domain, true, actor).map(drop)
            })
            .await?;
        self.changed().await;
        Ok(())
    }

    /// The custom domains of a tenant.
    pub async fn domains(&self, tenant: &TenantId) -> Result<Vec<String>, TenancyError> {
        let tenant = tenant.clone();
        self.db
            .tenant_tx(&tenant.clone(), move |conn| -> Result<_, TenancyError> {
                Ok(tenant_domains::table
                    .filter(tenant_domains::tenant_id.eq(tenant.as_str()))
                    .order(tenant_domains::domain)
                    .select(tenant_domains::domain)
                    .load(conn)?)
            })
            .await
    }
}

/// Deletes a tenant and every row it owns, data keys first; run inside a
/// transaction.
pub(crate) fn purge(conn: &mut DbConn, tenant: &TenantId) -> Result<(), TenancyError> {
    let id = tenant.as_str();
    diesel::insert_into(tenant_deletions::table).values(tenant_deletions::tenant_id.eq(id)).execute(conn)?;
    delete_rows(conn, "tenant_keys", id)?;
    for table in TENANT_TABLES {
        delete_rows(conn, table, id)?;
    }
    diesel::delete(tenant_deletions::table.find(id)).execute(conn)?;
    diesel::delete(tenants::table.find(id)).execute(conn)?;
    Ok(())
}

/// Deletes the rows of `tenant` from `table` (a name from this file's lists, never input).
fn delete_rows(conn: &mut DbConn, table: &str, tenant: &str) -> Result<usize, TenancyError> {
    use diesel::sql_types::Text;
    Ok(match conn {
        DbConn::Sqlite(c) => {
            diesel::sql_query(format!("DELETE FROM {table} WHERE tenant_id = ?")).bind::<Text, _>(tenant).execute(c)?
        }
        DbConn::Postgres(c) => {
            diesel::sql_query(format!("DELETE FROM {table} WHERE tenant_id = $1")).bind::<Text, _>(tenant).execute(c)?
        }
    })
}

pub(crate) fn find_by_slug(conn: &mut DbConn, slug: &TenantSlug) -> Result<Tenant, TenancyError> {
    tenants::table
        .filter(tenants::slug.eq(slug.as_str()))
        .select(TenantRow::as_select())
        .first::<TenantRow>(conn)
        .optional()?
        .map(Tenant::from)
        .ok_or_else(|| TenancyError::NotFound(slug.to_string()))
}

/// Inserts the tenant, its data key and the audit event; run inside a transaction.
pub(crate) fn create_tenant(
    conn: &mut DbConn,
    master: &MasterKey,
    new: &NewTenant,
    actor: Actor,
    status: TenantStatus,
) -> Result<Tenant, TenancyError> {
    let exists: i64 = tenants::table.filter(tenants::slug.eq(new.slug.as_str())).count().get_result(conn)?;
    if exists > 0 {
        return Err(TenancyError::SlugTaken(new.slug.to_string()));
    }
    let id = TenantId::new(new_id());
    let now = cairn_store::now();
    diesel::insert_into(tenants::table)
        .values((
            tenants::id.eq(id.as_str()),
            tenants::slug.eq(new.slug.as_str()),
            tenants::name.eq(new.name.trim()),
            tenants::support_email.eq(new.support_email.as_deref().unwrap_or_default()),
            tenants::support_phone.eq(new.support_phone.as_deref().map(str::trim).unwrap_or_default()),
            tenants::locale.eq(new.locale.as_str()),
            tenants::time_zone.eq(new.time_zone.name()),
            tenants::accent_color.eq(DEFAULT_ACCENT),
            tenants::privacy_url.eq(None::<String>),
            tenants::mfa_required.eq(true),
            tenants::status.eq(if status.is_pending() { TenantStatus::Suspended } else { status }.as_str()),
            tenants::pending.eq(status.is_pending().then_some(status.as_str())),
            tenants::created_at.eq(now),
            tenants::updated_at.eq(now),
        ))
        .execute(conn)?;
    keys::create_first_key(conn, master, &id)?;
    audit::record(
        conn,
        &id,
        &NewEvent::new(actor, AuditAction::TenantCreated)
            .target("tenant", id.as_str())
            .details(serde_json::json!({ "slug": new.slug.as_str(), "name": new.name.trim() })),
    )?;
    find_by_slug(conn, &new.slug)
}
