//! Dates that expire: configurations' warranty ends and the date fields of
//! asset types marked as expirations (certificates, licences, domains).
//!
//! Each record's expiring dates are kept in a table of their own, written
//! with the record, so "what expires in the next 30 days" is one indexed
//! range query per tenant however many records there are.

use std::collections::HashMap;

use cairn_auth::User;
use cairn_auth::policy::{Action, Principal, Resource, Visibility, can};
use cairn_store::schema::{asset_types, expirations, organization_grants, organizations, records};
use cairn_store::{DbConn, TenantId};
use chrono::NaiveDate;
use diesel::prelude::*;

use crate::asset_types::AssetType;
use crate::records::Record;
use crate::{AssetError, Kind, organizations as orgs};

/// Replaces the expiring dates of `record` with `dates` (key, date).
pub fn replace(
    conn: &mut DbConn,
    tenant: &TenantId,
    record: &Record,
    dates: &[(String, NaiveDate)],
) -> Result<(), AssetError> {
    diesel::delete(
        expirations::table
            .filter(expirations::tenant_id.eq(tenant.as_str()))
            .filter(expirations::record_id.eq(&record.id)),
    )
    .execute(conn)?;
    for (key, date) in dates {
        diesel::insert_into(expirations::table)
            .values((
                expirations::tenant_id.eq(tenant.as_str()),
                expirations::record_id.eq(&record.id),
                expirations::field_key.eq(key),
                expirations::organization_id.eq(&record.organization_id),
                expirations::expires_on.eq(date),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Rebuilds the expiring dates of every live record of an asset type (its
/// fields' expiration marks changed).
pub fn rebuild_for_type(conn: &mut DbConn, tenant: &TenantId, asset_type: &AssetType) -> Result<(), AssetError> {
    let ids: Vec<String> = records::table
        .filter(records::tenant_id.eq(tenant.as_str()))
        .filter(records::asset_type_id.eq(&asset_type.id))
        .select(records::id)
        .load(conn)?;
    diesel::delete(
        expirations::table
            .filter(expirations::tenant_id.eq(tenant.as_str()))
            .filter(expirations::record_id.eq_any(&ids)),
    )
    .execute(conn)?;
    let live: Vec<(String, String, String)> = records::table
        .filter(records::tenant_id.eq(tenant.as_str()))
        .filter(records::asset_type_id.eq(&asset_type.id))
        .filter(records::archived.eq(false))
        .select((records::id, records::organization_id, records::fields))
        .load(conn)?;
    for (id, organization_id, fields) in live {
        let values: std::collections::BTreeMap<String, String> = serde_json::from_str(&fields).unwrap_or_default();
        for field in asset_type.active_fields().filter(|f| f.expiration) {
            let Some(date) = values.get(&field.id).and_then(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok()) else {
                continue;
            };
            diesel::insert_into(expirations::table)
                .values((
                    expirations::tenant_id.eq(tenant.as_str()),
                    expirations::record_id.eq(&id),
                    expirations::field_key.eq(&field.id),
                    expirations::organization_id.eq(&organization_id),
                    expirations::expires_on.eq(date),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// A tenant's asset types that are not archived.
type LiveTypes = diesel::dsl::Filter<
    diesel::dsl::Filter<asset_types::table, diesel::dsl::Eq<asset_types::tenant_id, String>>,
    diesel::dsl::Eq<asset_types::archived, bool>,
>;

/// The ids of a tenant's asset types that are not archived: records of
/// archived types expire no more.
fn live_types(tenant: &str) -> diesel::dsl::Select<LiveTypes, diesel::dsl::Nullable<asset_types::id>> {
    asset_types::table
        .filter(asset_types::tenant_id.eq(tenant.to_owned()))
        .filter(asset_types::archived.eq(false))
        .select(asset_types::id.nullable())
}

/// One date that expires.
#[derive(Clone, Debug)]
pub struct Expiration {
    /// The date.
    pub expires_on: NaiveDate,
    /// The record.
    pub record_id: String,
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: Kind,
    /// For an asset: its type's slug and name.
    pub asset_type: Option<(String, String)>,
    /// The field that expires: a built-in key, or an asset field's id.
    pub field_key: String,
    /// The field's label for an asset field ("" for built-in keys: the surface labels those).
    pub field_name: String,
    /// The organization's id.
    pub organization_id: String,
    /// The organization's name.
    pub organization: String,
}

/// What to list.
#[derive(Clone, Debug, Default)]
pub struct Horizon {
    /// Up to this date (inclusive); everything already expired comes too.
    pub until: Option<NaiveDate>,
    /// Only from this date on (inclusive), e.g. today for "upcoming only".
    pub from: Option<NaiveDate>,
    /// Only this organization.
    pub organization_id: Option<String>,
    /// The most rows.
    pub limit: i64,
}

/// The dates `user` may see expiring within the horizon, soonest first.
pub fn list(conn: &mut DbConn, user: &User, horizon: &Horizon) -> Result<Vec<Expiration>, AssetError> {
    let tenant = user.tenant_id.as_str();
    let principal = Principal { role: user.role };
    let staff = can(&principal, Action::View, &Resource::Organization { grant: None });
    let mut query = expirations::table
        .inner_join(
            records::table
                .on(records::tenant_id.eq(expirations::tenant_id).and(records::id.eq(expirations::record_id))),
        )
        .inner_join(organizations::table.on(
            organizations::tenant_id.eq(expirations::tenant_id).and(organizations::id.eq(expirations::organization_id)),
        ))
        .filter(expirations::tenant_id.eq(tenant))
        .filter(records::archived.eq(false))
        .filter(organizations::status.eq("active"))
        .filter(records::asset_type_id.is_null().or(records::asset_type_id.eq_any(live_types(tenant))))
        .order((expirations::expires_on, records::name))
        .limit(horizon.limit.clamp(1, 10_000))
        .select((
            expirations::expires_on,
            expirations::record_id,
            expirations::field_key,
            records::name,
            records::kind,
            records::asset_type_id,
            records::visibility,
            expirations::organization_id,
            organizations::name,
        ))
        .into_boxed();
    if let Some(until) = horizon.until {
        query = query.filter(expirations::expires_on.le(until));
    }
    if let Some(from) = horizon.from {
        query = query.filter(expirations::expires_on.ge(from));
    }
    if let Some(org) = &horizon.organization_id {
        query = query.filter(expirations::organization_id.eq(org.clone()));
    }
    if !staff {
        let granted = organization_grants::table
            .filter(organization_grants::tenant_id.eq(tenant))
            .filter(organization_grants::user_id.eq(user.id.clone()))
            .select(organization_grants::organization_id);
        query = query.filter(expirations::organization_id.eq_any(granted));
    }
    type Row = (NaiveDate, String, String, String, String, Option<String>, String, String, String);
    let rows: Vec<Row> = query.load(conn)?;
    let grants = orgs::grants_of_user(conn, user)?;
    let types: HashMap<String, AssetType> =
        crate::asset_types::list(conn, &user.tenant_id, true)?.into_iter().map(|t| (t.id.clone(), t)).collect();
    let mut out = Vec::with_capacity(rows.len());
    for (expires_on, record_id, field_key, name, kind, type_id, visibility, organization_id, organization) in rows {
        let grant = grants.get(&organization_id).copied();
        if !can(&principal, Action::View, &Resource::Record { grant, visibility: Visibility::parse(&visibility) }) {
            continue;
        }
        let Some(kind) = Kind::parse(&kind) else { continue };
        let asset_type = type_id.as_ref().and_then(|t| types.get(t));
        let field_name = asset_type.and_then(|t| t.field(&field_key)).map(|f| f.name.clone()).unwrap_or_default();
        out.push(Expiration {
            expires_on,
            record_id,
            name,
            kind,
            asset_type: asset_type.map(|t| (t.slug.clone(), t.name.clone())),
            field_key,
            field_name,
            organization_id,
            organization,
        });
    }
    Ok(out)
}

/// Every date of a tenant expiring up to `until` (inclusive), for the
/// staff's digest: no user's view, so no policy filter.
pub fn due_in_tenant(
    conn: &mut DbConn,
    tenant: &TenantId,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<(NaiveDate, String, String)>, AssetError> {
    Ok(expirations::table
        .inner_join(
            records::table
                .on(records::tenant_id.eq(expirations::tenant_id).and(records::id.eq(expirations::record_id))),
        )
        .inner_join(organizations::table.on(
            organizations::tenant_id.eq(expirations::tenant_id).and(organizations::id.eq(expirations::organization_id)),
        ))
        .filter(expirations::tenant_id.eq(tenant.as_str()))
        .filter(records::archived.eq(false))
        .filter(organizations::status.eq("active"))
        .filter(records::asset_type_id.is_null().or(records::asset_type_id.eq_any(live_types(tenant.as_str()))))
        .filter(expirations::expires_on.ge(from))
        .filter(expirations::expires_on.le(until))
        .order((expirations::expires_on, records::name))
        .limit(500)
        .select((expirations::expires_on, records::name, organizations::name))
        .load(conn)?)
}
