//! The owner's API keys: create (the key shown once), list, revoke.

use askama::Template;
use cairn_app::{NewKey, OrganizationId, OrganizationRef};
use cairn_auth::Role;
use poem::http::StatusCode;
use poem::web::{Form, Path};
use poem::{Request, Response, handler};
use serde::Deserialize;

use crate::error::{WebResult, not_found};
use crate::extract::{AppData, Signed};
use crate::flow::see_other;
use crate::messages::form_error;
use crate::page::{Frame, render};

/// A key row of the page.
struct KeyRow {
    id: String,
    name: String,
    prefix: String,
    role: String,
    state: &'static str,
    live: bool,
    last_used: String,
}

#[derive(Template)]
#[template(path = "api_keys.html")]
struct ApiKeysPage {
    frame: Frame,
    new_key: Option<String>,
    keys: Vec<KeyRow>,
    organizations: Vec<(String, String)>,
    name: String,
    error_field: String,
    error: String,
}

/// The create form.
#[derive(Deserialize)]
pub struct KeyForm {
    name: String,
    role: String,
    #[serde(default)]
    organization_id: String,
    #[serde(default)]
    expires_days: String,
}

async fn page(
    req: &Request,
    app: &cairn_app::App,
    signed: &Signed,
    new_key: Option<String>,
    error: Option<(String, String, String)>,
) -> WebResult<Response> {
    let keys = app.api_keys(&signed.caller).await?;
    let organizations = app.organizations(&signed.caller).await?.into_iter().map(|o| (o.id, o.name)).collect();
    let frame = Frame::for_request(req);
    let t = frame.t;
    let now = chrono::Utc::now().naive_utc();
    let keys = keys
        .into_iter()
        .map(|k| KeyRow {
            live: k.is_live(now),
            state: if k.is_live(now) {
                t.api_key_live
            } else if k.revoked_at.is_some() {
                t.api_key_revoked
            } else {
                t.api_key_expired
            },
            last_used: k.last_used_at.as_ref().map(|at| frame.time(at)).unwrap_or_default(),
            id: k.id,
            name: k.name,
            prefix: k.prefix,
            role: k.role,
        })
        .collect();
    let (error_field, error, name) = error.unwrap_or_default();
    let status = if error_field.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok(render(status, &ApiKeysPage { frame, new_key, keys, organizations, name, error_field, error }))
}

/// `GET /settings/api-keys`.
#[handler]
pub async fn list(req: &Request, app: AppData<'_>, signed: Signed) -> WebResult<Response> {
    page(req, &app, &signed, None, None).await
}

/// `POST /settings/api-keys`: makes a key and shows it once.
#[handler]
pub async fn create(req: &Request, app: AppData<'_>, signed: Signed, Form(form): Form<KeyForm>) -> WebResult<Response> {
    if !app.may_manage_users(&signed.caller) {
        return Err(not_found());
    }
    let t = Frame::for_request(req).t;
    let invalid = |field: &str, message: &str| Some((field.to_owned(), message.to_owned(), form.name.clone()));
    let Ok(role) = form.role.parse::<Role>() else {
        return page(req, &app, &signed, None, invalid("role", t.field_invalid)).await;
    };
    let expires_days = match form.expires_days.trim() {
        "" => None,
        days => match days.parse::<u32>() {
            Ok(days) => Some(days),
            Err(_) => return page(req, &app, &signed, None, invalid("expires_days", t.field_invalid)).await,
        },
    };
    let organizations = Some(form.organization_id.trim())
        .filter(|id| !id.is_empty())
        .map(|id| OrganizationRef::Id(OrganizationId::new(id)))
        .into_iter()
        .collect();
    let new = NewKey { name: form.name.clone(), role, organizations, expires_days };
    match app.create_api_key(&signed.caller, new).await {
        Ok((_, secret)) => page(req, &app, &signed, Some(secret), None).await,
        Err(error) => {
            let (field, message) = form_error(t, &error).ok_or(error)?;
            page(req, &app, &signed, None, Some((field, message, form.name))).await
        }
    }
}

/// `POST /settings/api-keys/{id}/revoke`.
#[handler]
pub async fn revoke(app: AppData<'_>, signed: Signed, Path(id): Path<String>) -> WebResult<Response> {
    app.revoke_api_key(&signed.caller, &id).await?;
    Ok(see_other("/settings/api-keys"))
}
