//! The organizations a user may see.

use std::sync::Arc;

use askama::Template;
use cairn_assets::organizations;
use poem::http::StatusCode;
use poem::web::Data;
use poem::{Request, Response, handler};

use super::documentation::{asset_error, can_create_organizations};
use crate::App;
use crate::flow;
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
    can_create: bool,
}

/// `GET /organizations`: staff see every active organization; customers those granted to them.
#[handler]
pub async fn list(req: &Request, app: Data<&Arc<App>>) -> poem::Result<Response> {
    let user = flow::full_session(req).ok_or_else(crate::error::not_found)?.user;
    let can_create = can_create_organizations(&user);
    let visible = app
        .db
        .tenant_tx(&user.tenant_id.clone(), move |conn| organizations::visible(conn, &user))
        .await
        .map_err(asset_error)?;
    let frame = Frame::for_request(req);
    let t = frame.t;
    let organizations = visible
        .into_iter()
        .map(|o| OrgCard {
            id: o.id,
            name: o.name,
            kind_label: match o.kind.as_str() {
                "internal" => t.kind_internal,
                "vendor" => t.kind_vendor,
                _ => t.kind_customer,
            },
        })
        .collect();
    Ok(render(StatusCode::OK, &OrganizationsPage { frame, organizations, can_create }))
}
