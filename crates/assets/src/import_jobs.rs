//! Imports started from the settings page: their state, phase and report,
//! kept in the database so that every node can show them.

use cairn_store::schema::import_jobs;
use cairn_store::{DbConn, TenantId};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::AssetError;

/// An import and how far it got.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = import_jobs)]
pub struct ImportJob {
    /// Its id.
    pub id: String,
    /// What it imports (`itglue`).
    pub source: String,
    /// The uploaded file's name.
    pub file_name: String,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    /// The phase it is in (`configurations`, …).
    pub phase: String,
    /// Rows handled so far.
    pub rows_done: i64,
    /// The report (JSON) once done.
    pub report: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// Who started it.
    pub created_by: String,
    /// When.
    pub created_at: NaiveDateTime,
    /// Last change.
    pub updated_at: NaiveDateTime,
}

/// Records a new, queued import.
pub fn create(
    conn: &mut DbConn,
    tenant: &TenantId,
    id: &str,
    source: &str,
    file_name: &str,
    created_by: &str,
) -> Result<ImportJob, AssetError> {
    let now = cairn_store::now();
    diesel::insert_into(import_jobs::table)
        .values((
            import_jobs::tenant_id.eq(tenant.as_str()),
            import_jobs::id.eq(id),
            import_jobs::source.eq(source),
            import_jobs::file_name.eq(file_name),
            import_jobs::status.eq("queued"),
            import_jobs::created_by.eq(created_by),
            import_jobs::created_at.eq(now),
            import_jobs::updated_at.eq(now),
        ))
        .execute(conn)?;
    get(conn, tenant, id)
}

/// One import of the tenant.
pub fn get(conn: &mut DbConn, tenant: &TenantId, id: &str) -> Result<ImportJob, AssetError> {
    Ok(import_jobs::table.find((tenant.as_str(), id)).select(ImportJob::as_select()).first(conn)?)
}

/// The tenant's imports, newest first.
pub fn list(conn: &mut DbConn, tenant: &TenantId) -> Result<Vec<ImportJob>, AssetError> {
    Ok(import_jobs::table
        .filter(import_jobs::tenant_id.eq(tenant.as_str()))
        .order(import_jobs::created_at.desc())
        .limit(50)
        .select(ImportJob::as_select())
        .load(conn)?)
}

/// Notes how far a running import got.
pub fn progress(conn: &mut DbConn, tenant: &TenantId, id: &str, phase: &str, rows_done: i64) -> Result<(), AssetError> {
    diesel::update(import_jobs::table.find((tenant.as_str(), id)))
        .set((
            import_jobs::status.eq("running"),
            import_jobs::phase.eq(phase),
            import_jobs::rows_done.eq(rows_done),
            import_jobs::updated_at.eq(cairn_store::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Ends an import: `done` with its report, or `failed` with the reason.
pub fn finish(conn: &mut DbConn, tenant: &TenantId, id: &str, outcome: Result<&str, &str>) -> Result<(), AssetError> {
    let (status, report, error) = match outcome {
        Ok(report) => ("done", Some(report), None),
        Err(error) => ("failed", None, Some(error)),
    };
    diesel::update(import_jobs::table.find((tenant.as_str(), id)))
        .set((
            import_jobs::status.eq(status),
            import_jobs::report.eq(report),
            import_jobs::error.eq(error),
            import_jobs::updated_at.eq(cairn_store::now()),
        ))
        .execute(conn)?;
    Ok(())
}
