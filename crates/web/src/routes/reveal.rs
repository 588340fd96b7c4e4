//! Showing a secret: audited reveals and the Wi-Fi join code.

use askama::Template;
use cairn_app::RecordSection;
use cairn_app::{OrganizationId, RecordId};
use cairn_assets::Kind;
use cairn_auth::mfa;
use cairn_auth::policy::Action;
use poem::http::{HeaderValue, StatusCode, header};
use poem::web::{Form, Json, Path};
use poem::{IntoResponse, Request, Response, handler};
use secrecy::ExposeSecret;
use serde::Deserialize;

use crate::error::{WebResult, not_found};
use crate::extract::{AppData, Signed};
use crate::labels;
use crate::org_frame::OrgFrame;
use crate::page::{Frame, render};
use crate::section_view::section_of;

/// The reveal form.
#[derive(Deserialize, Default)]
pub struct RevealForm {
    #[serde(default)]
    field: String,
}

#[derive(Template)]
#[template(path = "reveal.html")]
struct RevealPage {
    frame: Frame,
    org: OrgFrame,
    id: String,
    name: String,
    label: String,
    value: String,
    /// A Wi-Fi join code (PNG, base64), shown instead of the value.
    qr: String,
}

/// `POST /organizations/{id}/{section}/{record}/reveal`: shows one secret,
/// audited; JSON `{"value": …}` for `Accept: application/json`, else a page.
/// For an OTP secret the value is the current code (with `remaining` seconds).
#[handler]
pub async fn reveal(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Path((id, slug, record_id)): Path<(String, String, String)>,
    Form(form): Form<RevealForm>,
) -> WebResult<Response> {
    let section = section_of(&slug)?;
    let organization = OrganizationId::new(id);
    let revealed =
        app.reveal(&signed.caller, &organization, section.clone(), &RecordId::new(record_id), &form.field).await?;
    let wants_json =
        req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("application/json"));
    let mut response = if wants_json {
        let mut body = serde_json::json!({ "value": revealed.value.expose_secret() });
        if let Some(remaining) = revealed.remaining {
            body["remaining"] = remaining.into();
        }
        Json(body).into_response()
    } else {
        let frame = Frame::for_request(req);
        let lang = frame.t.lang;
        let label = match &section {
            RecordSection::Builtin(kind) => {
                let field =
                    if form.field.is_empty() { kind.main_secret().unwrap_or_default() } else { form.field.as_str() };
                labels::field(*kind, field, lang).to_owned()
            }
            RecordSection::Asset(slug) => {
                let asset_type = app.asset_type(&signed.caller, slug).await?;
                let field =
                    if form.field.is_empty() { asset_type.main_secret() } else { asset_type.field(&form.field) };
                field.map(|f| f.name.clone()).unwrap_or_default()
            }
        };
        // Only the page (without JavaScript) needs the sidebar.
        let org = app.organization_view(&signed.caller, &organization, Action::View).await?;
        render(
            StatusCode::OK,
            &RevealPage {
                org: OrgFrame::new(&org, &slug, lang),
                id: revealed.record.id.clone(),
                name: revealed.record.name.clone(),
                label,
                value: revealed.value.expose_secret().to_owned(),
                qr: String::new(),
                frame,
            },
        )
    };
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    Ok(response)
}

/// `POST /organizations/{id}/wireless/{record}/qr`: the Wi-Fi join code.
/// It carries the passphrase, so it is a reveal: audited, never cached, and
/// never on a GET, which a picture in a document could make a reader send.
#[handler]
pub async fn wifi_qr(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Path((id, slug, record_id)): Path<(String, String, String)>,
) -> WebResult<Response> {
    if section_of(&slug)? != RecordSection::Builtin(Kind::Wireless) {
        return Err(not_found());
    }
    let organization = OrganizationId::new(id);
    let payload = app.wifi_join_payload(&signed.caller, &organization, &RecordId::new(record_id.clone())).await?;
    let png = mfa::qr_png(payload.expose_secret())
        .map_err(|e| crate::error::WebError(cairn_app::AppError::Internal(e.to_string())))?;
    let frame = Frame::for_request(req);
    let org = app.organization_view(&signed.caller, &organization, Action::View).await?;
    let page = RevealPage {
        org: OrgFrame::new(&org, &slug, frame.t.lang),
        id: record_id,
        name: frame.t.wifi_join.to_owned(),
        label: String::new(),
        value: String::new(),
        qr: base64::Engine::encode(&base64::engine::general_purpose::STANDARD, png),
        frame,
    };
    let mut response = render(StatusCode::OK, &page);
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    Ok(response)
}
