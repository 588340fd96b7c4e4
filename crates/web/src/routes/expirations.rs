//! `/expirations`: what expires soon, soonest first, for everyone who
//! reads documentation (each sees only what they may see).

use askama::Template;
use cairn_app::{ExpirationQuery, OrganizationId};
use chrono::Utc;
use poem::http::StatusCode;
use poem::web::Query;
use poem::{Request, Response, handler};
use serde::Deserialize;

use crate::error::WebResult;
use crate::extract::{AppData, Signed};
use crate::labels;
use crate::page::{Frame, render};
use crate::section_view::{section_label, segment};

/// The default horizon, in days.
const DEFAULT_DAYS: i64 = 30;

/// The filter.
#[derive(Deserialize, Default)]
pub struct ExpirationParams {
    #[serde(default)]
    within_days: Option<String>,
    #[serde(default)]
    organization: String,
    #[serde(default)]
    expired: Option<String>,
}

/// A row of the list.
struct Row {
    date: String,
    days: i64,
    href: String,
    name: String,
    what: String,
    organization: String,
}

#[derive(Template)]
#[template(path = "expirations.html")]
struct ExpirationsPage {
    frame: Frame,
    rows: Vec<Row>,
    within_days: i64,
    include_expired: bool,
    organization: String,
    organizations: Vec<(String, String)>,
}

/// `GET /expirations?within_days=N&organization=ID&expired=1`.
#[handler]
pub async fn expirations_page(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Query(params): Query<ExpirationParams>,
) -> WebResult<Response> {
    let within_days =
        params.within_days.as_deref().and_then(|d| d.trim().parse::<i64>().ok()).unwrap_or(DEFAULT_DAYS).clamp(0, 3650);
    let include_expired = params.expired.is_some();
    let organization = (!params.organization.is_empty()).then(|| OrganizationId::new(params.organization.clone()));
    let query = ExpirationQuery { within_days, include_expired, organization };
    let items = app.expirations(&signed.caller, query).await?;
    let organizations = app.organizations(&signed.caller).await?;
    let frame = Frame::for_request(req);
    let lang = frame.t.lang;
    let today = Utc::now().date_naive();
    let rows = items
        .into_iter()
        .map(|e| {
            let field = if e.field_name.is_empty() {
                labels::field(e.kind, &e.field_key, lang).to_owned()
            } else {
                e.field_name.clone()
            };
            let section = section_label(Some(e.kind), e.asset_type.as_ref(), lang);
            Row {
                date: e.expires_on.format("%Y-%m-%d").to_string(),
                days: (e.expires_on - today).num_days(),
                href: format!(
                    "/organizations/{}/{}/{}",
                    e.organization_id,
                    segment(Some(e.kind), e.asset_type.as_ref()),
                    e.record_id
                ),
                name: e.name,
                what: format!("{section} · {field}"),
                organization: e.organization,
            }
        })
        .collect();
    let page = ExpirationsPage {
        rows,
        within_days,
        include_expired,
        organization: params.organization,
        organizations: organizations.into_iter().map(|o| (o.id, o.name)).collect(),
        frame,
    };
    Ok(render(StatusCode::OK, &page))
}
