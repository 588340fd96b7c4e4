//! What imported rows were called where they came from (an IT Glue id), so
//! that an import run again, or resumed after it stopped, finds what it
//! made before instead of making it twice.

use std::collections::HashMap;

use cairn_store::schema::external_ids;
use cairn_store::{DbConn, TenantId};
use diesel::prelude::*;

use crate::AssetError;

/// Every mapping of one source for a tenant: `(kind, external id)` → local id.
pub fn load(
    conn: &mut DbConn,
    tenant: &TenantId,
    source: &str,
) -> Result<HashMap<(String, String), String>, AssetError> {
    let rows: Vec<(String, String, String)> = external_ids::table
        .filter(external_ids::tenant_id.eq(tenant.as_str()))
        .filter(external_ids::source.eq(source))
        .select((external_ids::kind, external_ids::external_id, external_ids::local_id))
        .load(conn)?;
    Ok(rows.into_iter().map(|(kind, external, local)| ((kind, external), local)).collect())
}

/// Remembers that `external` of `kind` from `source` became `local`.
pub fn remember(
    conn: &mut DbConn,
    tenant: &TenantId,
    source: &str,
    kind: &str,
    external: &str,
    local: &str,
) -> Result<(), AssetError> {
    diesel::insert_into(external_ids::table)
        .values((
            external_ids::tenant_id.eq(tenant.as_str()),
            external_ids::source.eq(source),
            external_ids::kind.eq(kind),
            external_ids::external_id.eq(external),
            external_ids::local_id.eq(local),
            external_ids::created_at.eq(cairn_store::now()),
        ))
        .execute(conn)?;
    Ok(())
}
