//! The owner's audit log.

use cairn_assets::organizations;
use cairn_auth::policy::{Action, Resource, can};
use cairn_auth::users;
use cairn_store::audit::{self, Event, Filter};

use crate::{App, AppError, Caller};

/// Events shown on a page; the export carries more.
const PAGE_LIMIT: i64 = 500;
/// Events one export carries at the most.
const EXPORT_LIMIT: i64 = 100_000;

/// A page of the audit log, with what its filters offer.
#[derive(Debug)]
pub struct AuditLog {
    /// The events, newest first.
    pub events: Vec<Event>,
    /// The tenant's users as (id, e-mail).
    pub users: Vec<(String, String)>,
    /// The tenant's organizations (archived too) as (id, name).
    pub organizations: Vec<(String, String)>,
}

impl App {
    /// The newest events matching `filter` (owners only).
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label()))]
    pub async fn audit_log(&self, caller: &Caller, filter: Filter) -> Result<AuditLog, AppError> {
        if !can(&caller.principal(), Action::ViewAudit, &Resource::Tenant) {
            return Err(AppError::NotFound);
        }
        self.read(&caller.tenant().id, move |tx| {
            Ok(AuditLog {
                events: audit::list(tx.conn, tx.tenant, &filter, PAGE_LIMIT)?,
                users: users::list(tx.conn, tx.tenant)?.into_iter().map(|u| (u.id, u.email)).collect(),
                organizations: organizations::names(tx.conn, tx.tenant, true)?,
            })
        })
        .await
    }

    /// Every event matching `filter`, for the CSV export (owners only).
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label()))]
    pub async fn audit_export(&self, caller: &Caller, filter: Filter) -> Result<Vec<Event>, AppError> {
        if !can(&caller.principal(), Action::ViewAudit, &Resource::Tenant) {
            return Err(AppError::NotFound);
        }
        self.read_bulk(&caller.tenant().id, move |tx| Ok(audit::list(tx.conn, tx.tenant, &filter, EXPORT_LIMIT)?)).await
    }
}
