//! Storing tenants' data keys, wrapped by the master key.

use cairn_store::schema::tenant_keys;
use cairn_store::{DbConn, TenantId};
use cairn_vault::{DataKey, Keyring, MasterKey};
use diesel::prelude::*;

use crate::TenancyError;

/// Creates and stores the tenant's first data key (version 1).
pub fn create_first_key(conn: &mut DbConn, master: &MasterKey, tenant: &TenantId) -> Result<(), TenancyError> {
    let key = DataKey::generate(1);
    diesel::insert_into(tenant_keys::table)
        .values((
            tenant_keys::tenant_id.eq(tenant.as_str()),
            tenant_keys::version.eq(key.version()),
            tenant_keys::wrapped_key.eq(master.wrap(&key, tenant.as_str())),
            tenant_keys::master_key_id.eq(master.id()),
            tenant_keys::created_at.eq(cairn_store::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The tenant's keyring: every data key version, unwrapped.
pub fn keyring(conn: &mut DbConn, master: &MasterKey, tenant: &TenantId) -> Result<Keyring, TenancyError> {
    let rows: Vec<(i32, String, String)> = tenant_keys::table
        .filter(tenant_keys::tenant_id.eq(tenant.as_str()))
        .select((tenant_keys::version, tenant_keys::wrapped_key, tenant_keys::master_key_id))
        .load(conn)?;
    let keys = rows
        .iter()
        .map(|(version, wrapped, master_id)| master.unwrap(wrapped, master_id, tenant.as_str(), *version))
        .collect::<Result<Vec<_>, _>>()?;
    Keyring::new(tenant.as_str(), keys).ok_or_else(|| TenancyError::NotFound(format!("data key of tenant {tenant}")))
}

/// Re-wraps every tenant's data keys from `old` to `new`; secrets themselves
/// are untouched. Run it in one transaction: all keys move or none.
/// Returns how many keys were re-wrapped.
pub fn rotate_master_key(conn: &mut DbConn, old: &MasterKey, new: &MasterKey) -> Result<usize, TenancyError> {
    let rows: Vec<(String, i32, String, String)> = tenant_keys::table
        .select((tenant_keys::tenant_id, tenant_keys::version, tenant_keys::wrapped_key, tenant_keys::master_key_id))
        .load(conn)?;
    for (tenant_id, version, wrapped, master_id) in &rows {
        let key = old.unwrap(wrapped, master_id, tenant_id, *version)?;
        diesel::update(tenant_keys::table.find((tenant_id, version)))
            .set((tenant_keys::wrapped_key.eq(new.wrap(&key, tenant_id)), tenant_keys::master_key_id.eq(new.id())))
            .execute(conn)?;
    }
    Ok(rows.len())
}
