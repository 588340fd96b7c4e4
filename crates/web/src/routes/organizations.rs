//! The organizations a user may see.

use std::sync::Arc;

use askama::Template;
use cairn_auth::AuthError;
use cairn_auth::policy::{Access, Action, Principal, can};
use cairn_store::schema::{organization_grants, organizations};
use diesel::prelude::*;
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Request, Response, handler};

use crate::App;
use crate::flow::{self, tenant_of};
use crate::page::{Frame, render};

/// A card of the list.
struct OrgCard {
    id: String,
    name: String,
    kind_label: &'static str,
}

#[derive(Template)]
#[template(path = "organizations.html")]
struct OrganizationsPage {
    frame: Frame,
    organizations: Vec<OrgCard>,
}

#[derive(Template)]
#[template(path = "organization.html")]
struct OrganizationPage {
    frame: Frame,
    name: String,
    alert: String,
    quick_notes: String,
}

/// `GET /organizations`: staff see every active organization; customers those granted to them.
#[handler]
pub async fn list(req: &Request, app: Data<&Arc<App>>) -> poem::Result<Response> {
    let signed = flow::full_session(req).ok_or_else(crate::error::not_found)?;
    let tenant = tenant_of(req)?;
    let (tenant_id, user) = (tenant.id.clone(), signed.user.clone());
    let rows: Vec<(String, String, String)> = app
        .db
        .tenant_tx(&tenant.id, move |conn| -> Result<_, AuthError> {
            let mut query = organizations::table
                .filter(organizations::tenant_id.eq(tenant_id.as_str()))
                .filter(organizations::status.eq("active"))
                .order(organizations::name)
                .select((organizations::id, organizations::name, organizations::kind))
                .into_boxed();
            if !user.role.is_staff() {
                query = query.filter(
                    organizations::id.eq_any(
                        organization_grants::table
                            .filter(organization_grants::tenant_id.eq(tenant_id.as_str()))
                            .filter(organization_grants::user_id.eq(user.id.clone()))
                            .select(organization_grants::organization_id),
                    ),
                );
            }
            Ok(query.load(conn)?)
        })
        .await
        .map_err(crate::error::internal)?;
    let frame = Frame::for_request(req);
    let t = frame.t;
    let organizations = rows
        .into_iter()
        .map(|(id, name, kind)| OrgCard {
            id,
            name,
            kind_label: match kind.as_str() {
                "internal" => t.kind_internal,
                "vendor" => t.kind_vendor,
                _ => t.kind_customer,
            },
        })
        .collect();
    Ok(render(StatusCode::OK, &OrganizationsPage { frame, organizations }))
}

/// `GET /organizations/{id}`: the overview; another organization's id answers 404.
#[handler]
pub async fn show(req: &Request, app: Data<&Arc<App>>, Path(id): Path<String>) -> poem::Result<Response> {
    let signed = flow::full_session(req).ok_or_else(crate::error::not_found)?;
    let tenant = tenant_of(req)?;
    let (tenant_id, user) = (tenant.id.clone(), signed.user.clone());
    let found: Option<(String, String, String)> = app
        .db
        .tenant_tx(&tenant.id, move |conn| -> Result<_, AuthError> {
            let grant: Option<String> = organization_grants::table
                .find((tenant_id.as_str(), id.as_str(), user.id.as_str()))
                .select(organization_grants::access)
                .first(conn)
                .optional()?;
            let grant = grant.map(|g| if g == "editor" { Access::Editor } else { Access::Viewer });
            if !can(&Principal { role: user.role }, Action::ViewOrganization(grant)) {
                return Ok(None);
            }
            Ok(organizations::table
                .find((tenant_id.as_str(), id.as_str()))
                .select((organizations::name, organizations::alert, organizations::quick_notes))
                .first(conn)
                .optional()?)
        })
        .await
        .map_err(crate::error::internal)?;
    let (name, alert, quick_notes) = found.ok_or_else(crate::error::not_found)?;
    Ok(render(StatusCode::OK, &OrganizationPage { frame: Frame::for_request(req), name, alert, quick_notes }))
}
