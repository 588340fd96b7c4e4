//! Search from the header of every page.

use std::sync::Arc;

use askama::Template;
use cairn_assets::{Section, search};
use poem::http::StatusCode;
use poem::web::{Data, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::documentation::asset_error;
use crate::App;
use crate::flow;
use crate::page::{Frame, render};

/// A hit as the page shows it.
struct HitRow {
    path: String,
    title: String,
    where_: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    frame: Frame,
    q: String,
    hits: Vec<HitRow>,
}

/// The query.
#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// `GET /search?q=…`: everything the user may see, never secret values.
#[handler]
pub async fn search_page(
    req: &Request,
    app: Data<&Arc<App>>,
    Query(query): Query<SearchQuery>,
) -> poem::Result<Response> {
    let user = flow::full_session(req).ok_or_else(crate::error::not_found)?.user;
    let q = query.q.chars().take(200).collect::<String>();
    let needle = q.clone();
    let hits = app
        .db
        .tenant_tx(&user.tenant_id.clone(), move |conn| search::search(conn, &user, &needle))
        .await
        .map_err(asset_error)?;
    let frame = Frame::for_request(req);
    let lang = frame.t.lang;
    let hits = hits
        .into_iter()
        .map(|h| {
            let section = Section::from_slug(h.section).map(|s| s.label(lang)).unwrap_or(frame.t.organizations_title);
            let where_ =
                if h.organization.is_empty() { section.to_owned() } else { format!("{} · {section}", h.organization) };
            HitRow { path: h.path, title: h.title, where_ }
        })
        .collect();
    Ok(render(StatusCode::OK, &SearchPage { frame, q, hits }))
}
