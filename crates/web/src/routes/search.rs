//! Search from the header of every page.

use askama::Template;
use cairn_assets::Section;
use cairn_assets::search::Found;
use poem::http::StatusCode;
use poem::web::Query;
use poem::{Request, Response, handler};
use serde::Deserialize;

use crate::error::WebResult;
use crate::extract::{AppData, Viewer};
use crate::labels;
use crate::page::{Frame, render};
use crate::section_view::{section_label, segment};

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
    app: AppData<'_>,
    viewer: Viewer,
    Query(query): Query<SearchQuery>,
) -> WebResult<Response> {
    let q = query.q.chars().take(200).collect::<String>();
    let hits = app.search(&viewer.caller, &q).await?;
    let frame = Frame::for_request(req);
    let lang = frame.t.lang;
    let hits = hits
        .into_iter()
        .map(|h| {
            let (path, section) = match h.found {
                Found::Organization(id) => (format!("/organizations/{id}"), frame.t.organizations_title.to_owned()),
                Found::Record { organization_id, kind, id, asset_type } => {
                    let label = section_label(Some(kind), asset_type.as_ref(), lang);
                    let segment = segment(Some(kind), asset_type.as_ref());
                    (format!("/organizations/{organization_id}/{segment}/{id}"), label)
                }
                Found::Document { organization_id: Some(org), id } => (
                    format!("/organizations/{org}/documents/{id}"),
                    labels::section(Section::Documents, lang).to_owned(),
                ),
                Found::Document { organization_id: None, id } => (format!("/guides/{id}"), frame.t.guides.to_owned()),
            };
            let where_ = if h.organization.is_empty() { section } else { format!("{} · {section}", h.organization) };
            HitRow { path, title: h.title, where_ }
        })
        .collect();
    Ok(render(StatusCode::OK, &SearchPage { frame, q, hits }))
}
