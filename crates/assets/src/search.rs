//! Search across everything a user may see: organizations, records (names,
//! hostnames, IPs, serials, contact names and e-mails, usernames — never
//! secret values) and documents.

use cairn_auth::User;
use cairn_auth::policy::{Action, Principal, Resource, Visibility, can};
use cairn_store::DbConn;
use cairn_store::schema::{documents, organization_grants, records};
use diesel::prelude::*;

use crate::records::escape_like;
use crate::{AssetError, Kind, organizations};

/// The most hits of each kind shown.
const LIMIT: i64 = 50;

/// What a hit is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    /// An organization, by id.
    Organization(String),
    /// A record of an organization.
    Record {
        /// Its organization's id.
        organization_id: String,
        /// Its kind.
        kind: Kind,
        /// For an asset: its type's slug and name.
        asset_type: Option<(String, String)>,
        /// Its id.
        id: String,
    },
    /// A document of an organization, or a tenant-wide guide (no organization).
    Document {
        /// Its organization's id, if any.
        organization_id: Option<String>,
        /// Its id.
        id: String,
    },
}

/// One hit.
#[derive(Clone, Debug)]
pub struct Hit {
    /// What was found.
    pub found: Found,
    /// What to show.
    pub title: String,
    /// The organization's name, or "" for organizations themselves and tenant-wide guides.
    pub organization: String,
}

diesel::define_sql_function! {
    /// SQL `lower()`, on both backends.
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// Everything matching `query` that `user` may see.
pub fn search(conn: &mut DbConn, user: &User, query: &str) -> Result<Vec<Hit>, AssetError> {
    let needle = query.trim().to_lowercase();
    if needle.chars().count() < 2 {
        return Ok(Vec::new());
    }
    let pattern = format!("%{}%", escape_like(&needle));
    let tenant = user.tenant_id.as_str();
    let principal = Principal { role: user.role };
    let staff = can(&principal, Action::View, &Resource::Organization { grant: None });
    let visible = organizations::visible(conn, user)?;
    let grants = organizations::grants_of_user(conn, user)?;
    let names: std::collections::HashMap<String, String> =
        visible.iter().map(|o| (o.id.clone(), o.name.clone())).collect();
    let mut hits: Vec<Hit> = visible
        .iter()
        .filter(|o| o.name.to_lowercase().contains(&needle) || o.short_name.to_lowercase().contains(&needle))
        .map(|o| Hit { found: Found::Organization(o.id.clone()), title: o.name.clone(), organization: String::new() })
        .collect();

    let mut select = records::table
        .filter(records::tenant_id.eq(tenant))
        .filter(records::archived.eq(false))
        .filter(records::search_text.like(pattern.clone()).escape('\\'))
        .order(records::name)
        .limit(LIMIT)
        .select((
            records::id,
            records::organization_id,
            records::kind,
            records::name,
            records::visibility,
            records::asset_type_id,
        ))
        .into_boxed();
    if !staff {
        let granted = organization_grants::table
            .filter(organization_grants::tenant_id.eq(tenant))
            .filter(organization_grants::user_id.eq(user.id.clone()))
            .select(organization_grants::organization_id);
        select = select.filter(records::organization_id.eq_any(granted)).filter(records::visibility.eq("everyone"));
    }
    type Row = (String, String, String, String, String, Option<String>);
    let rows = select.load::<Row>(conn)?;
    // The types' labels only when an asset was found: a statement fewer for
    // the many searches that find none.
    let types = if rows.iter().any(|row| row.5.is_some()) {
        crate::asset_types::labels(conn, &user.tenant_id)?
    } else {
        std::collections::HashMap::new()
    };
    for (id, organization_id, kind, name, visibility, asset_type) in rows {
        // Only organizations that are visible (active, granted) — and the policy says yes.
        let Some(organization) = names.get(&organization_id) else { continue };
        let Some(kind) = Kind::parse(&kind) else { continue };
        let grant = grants.get(&organization_id).copied();
        if !can(&principal, Action::View, &Resource::Record { grant, visibility: Visibility::parse(&visibility) }) {
            continue;
        }
        let asset_type = asset_type.and_then(|t| types.get(&t).cloned());
        hits.push(Hit {
            found: Found::Record { organization_id, kind, asset_type, id },
            title: name,
            organization: organization.clone(),
        });
    }

    let mut docs = documents::table
        .filter(documents::tenant_id.eq(tenant))
        .filter(documents::archived.eq(false))
        // LIKE is case-sensitive on PostgreSQL: compare lower case with lower case.
        .filter(
            lower(documents::title)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(documents::body).like(pattern).escape('\\')),
        )
        .order(documents::title)
        .limit(LIMIT)
        .select((documents::id, documents::organization_id, documents::title))
        .into_boxed();
    if !staff {
        // Filter before the limit: a customer's hits must not be crowded out
        // by documents of organizations they cannot see.
        let granted = organization_grants::table
            .filter(organization_grants::tenant_id.eq(tenant))
            .filter(organization_grants::user_id.eq(user.id.clone()))
            .select(organization_grants::organization_id.nullable());
        docs = docs.filter(documents::organization_id.is_null().or(documents::organization_id.eq_any(granted)));
    }
    let docs: Vec<(String, Option<String>, String)> = docs.load(conn)?;
    for (id, organization_id, title) in docs {
        match organization_id {
            Some(org) => {
                if let Some(organization) = names.get(&org) {
                    let organization = organization.clone();
                    hits.push(Hit { found: Found::Document { organization_id: Some(org), id }, title, organization });
                }
            }
            None => hits.push(Hit {
                found: Found::Document { organization_id: None, id },
                title,
                organization: String::new(),
            }),
        }
    }
    Ok(hits)
}
