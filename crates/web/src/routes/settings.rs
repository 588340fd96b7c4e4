//! `/settings`: the workspace's name, branding, contacts, privacy notice,
//! logo and custom domains, for owners (everyone else gets 404); the
//! public logo and privacy notice; the first-run checklist's dismissal.

use askama::Template;
use cairn_app::{AppError, Reason, WorkspaceSettings};
use cairn_auth::timezones;
use cairn_tenancy::TenantChange;
use cairn_tenancy::domains::CustomDomain;
use poem::http::{StatusCode, header};
use poem::web::{Form, Multipart, Path};
use poem::{Request, Response, handler};
use serde::Deserialize;

use crate::error::{WebResult, not_found};
use crate::extract::{AppData, Signed, TenantHost};
use crate::flow::see_other;
use crate::messages::form_error;
use crate::page::{Frame, render};

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    frame: Frame,
    notice: Option<String>,
    settings: WorkspaceSettings,
    form: SettingsForm,
    zones: Vec<timezones::Zone>,
    new_domain: String,
    error_field: String,
    error: String,
}

impl SettingsPage {
    fn pending(&self) -> Vec<&CustomDomain> {
        self.settings.domains.iter().filter(|d| !d.verified).collect()
    }
}

/// The settings form: every field, as the page shows it.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    support_phone: String,
    #[serde(default)]
    support_email: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    brand_color: String,
    #[serde(default)]
    privacy_notice: String,
    #[serde(default)]
    sender_name: String,
}

/// The custom-domain form.
#[derive(Deserialize)]
pub struct DomainForm {
    #[serde(default)]
    domain: String,
}

async fn page(
    req: &Request,
    app: &cairn_app::App,
    signed: &Signed,
    status: StatusCode,
    notice: Option<String>,
    input: Option<(SettingsForm, String)>,
    error: Option<AppError>,
) -> WebResult<Response> {
    let current = app.workspace_settings(&signed.caller).await?;
    let frame = Frame::for_request(req);
    let (error_field, error) = match error {
        None => Default::default(),
        Some(error) => form_error(frame.t, &error).ok_or(error)?,
    };
    let t = &current.tenant;
    let (form, new_domain) = input.unwrap_or_else(|| {
        let form = SettingsForm {
            name: t.name.clone(),
            support_phone: t.support_phone.clone(),
            support_email: t.support_email.clone(),
            locale: t.locale.as_str().to_owned(),
            time_zone: t.time_zone.name().to_owned(),
            brand_color: t.accent_color.clone(),
            privacy_notice: t.privacy_notice.clone(),
            sender_name: t.sender_name.clone(),
        };
        (form, String::new())
    });
    let page = SettingsPage {
        frame,
        notice,
        settings: current,
        form,
        zones: timezones::all(),
        new_domain,
        error_field,
        error,
    };
    Ok(render(status, &page))
}

/// `GET /settings`.
#[handler]
pub async fn settings(req: &Request, app: AppData<'_>, signed: Signed) -> WebResult<Response> {
    page(req, &app, &signed, StatusCode::OK, None, None, None).await
}

/// `POST /settings`: saves every field; a refused value changes nothing.
#[handler]
pub async fn save(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Form(form): Form<SettingsForm>,
) -> WebResult<Response> {
    let invalid = |field: &str, why: &str| AppError::invalid(field, Reason::Text(why.to_owned()));
    let change = (|| {
        Ok::<_, AppError>(TenantChange {
            name: Some(form.name.clone()),
            support_email: Some(form.support_email.trim().to_owned()),
            support_phone: Some(form.support_phone.trim().to_owned()),
            locale: Some(form.locale.parse().map_err(|_| invalid("locale", "de or en"))?),
            time_zone: Some(form.time_zone.parse().map_err(|_| invalid("time_zone", "an IANA time zone"))?),
            accent_color: Some(form.brand_color.trim().to_owned()),
            privacy_notice: Some(form.privacy_notice.clone()),
            sender_name: Some(form.sender_name.clone()),
        })
    })();
    let result = match change {
        Ok(change) => app.update_workspace(&signed.caller, change).await.map(drop),
        Err(error) => Err(error),
    };
    match result {
        Ok(()) => {
            let notice = Some(Frame::for_request(req).t.settings_saved.to_owned());
            page(req, &app, &signed, StatusCode::OK, notice, None, None).await
        }
        Err(error @ AppError::Invalid { .. }) => {
            page(req, &app, &signed, StatusCode::UNPROCESSABLE_ENTITY, None, Some((form, String::new())), Some(error))
                .await
        }
        Err(error) => Err(error.into()),
    }
}

/// `POST /settings/logo` (multipart, field `logo`): checked, fitted and
/// re-encoded like a profile picture.
#[handler]
pub async fn logo_upload(req: &Request, app: AppData<'_>, signed: Signed, multipart: Multipart) -> WebResult<Response> {
    app.workspace_settings(&signed.caller).await?;
    let (max, session_token) = (cairn_auth::avatar::MAX_UPLOAD_BYTES, &signed.signed.session.csrf_token);
    let upload = match crate::upload::picture(multipart, "logo", max, session_token).await? {
        Ok(upload) => upload,
        Err(refused) => return Ok(refused),
    };
    match app.set_logo(&signed.caller, upload).await {
        Ok(()) => Ok(see_other("/settings")),
        Err(error @ AppError::Invalid { reason: Reason::TooLarge, .. }) => {
            page(req, &app, &signed, StatusCode::PAYLOAD_TOO_LARGE, None, None, Some(error)).await
        }
        Err(error @ AppError::Invalid { .. }) => {
            page(req, &app, &signed, StatusCode::UNPROCESSABLE_ENTITY, None, None, Some(error)).await
        }
        Err(error) => Err(error.into()),
    }
}

/// `POST /settings/logo/remove`.
#[handler]
pub async fn logo_remove(app: AppData<'_>, signed: Signed) -> WebResult<Response> {
    app.remove_logo(&signed.caller).await?;
    Ok(see_other("/settings"))
}

/// `GET /logo.png?v=…` on the tenant's host, for anyone (the sign-in page
/// shows it): the URL changes with the logo, so it is cached for good.
#[handler]
pub async fn logo(app: AppData<'_>, TenantHost(tenant): TenantHost) -> WebResult<Response> {
    let png = app.logo(&tenant).await?;
    Ok(Response::builder()
        .content_type("image/png")
        .header(header::CACHE_CONTROL, "public, max-age=31536000, immutable")
        .header(header::CONTENT_DISPOSITION, "inline; filename=\"logo.png\"")
        .body(png))
}

/// `POST /settings/domains`: adds a domain that answers once verified.
#[handler]
pub async fn add_domain(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Form(form): Form<DomainForm>,
) -> WebResult<Response> {
    match app.add_custom_domain(&signed.caller, &form.domain).await {
        Ok(_) => Ok(see_other("/settings#domains")),
        Err(error @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => {
            let input = Some((SettingsForm::default(), form.domain));
            page(req, &app, &signed, StatusCode::UNPROCESSABLE_ENTITY, None, input, Some(domain_error(error))).await
        }
        Err(error) => Err(error.into()),
    }
}

/// Domain errors are shown at the domain field.
fn domain_error(error: AppError) -> AppError {
    match error {
        AppError::Conflict { .. } => {
            AppError::invalid("domain", Reason::Text("another workspace uses this domain".into()))
        }
        other => other,
    }
}

/// `POST /settings/domains/{id}/verify`: looks the TXT record up.
#[handler]
pub async fn verify_domain(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Path(id): Path<String>,
) -> WebResult<Response> {
    match app.verify_custom_domain(&signed.caller, &id).await {
        Ok(_) => Ok(see_other("/settings#domains")),
        Err(error @ AppError::Invalid { .. }) => {
            page(req, &app, &signed, StatusCode::UNPROCESSABLE_ENTITY, None, None, Some(error)).await
        }
        Err(error) => Err(error.into()),
    }
}

/// `POST /settings/domains/{id}/remove`.
#[handler]
pub async fn remove_domain(app: AppData<'_>, signed: Signed, Path(id): Path<String>) -> WebResult<Response> {
    app.remove_custom_domain(&signed.caller, &id).await?;
    Ok(see_other("/settings#domains"))
}

/// `POST /settings/checklist/dismiss`.
#[handler]
pub async fn dismiss_checklist(app: AppData<'_>, signed: Signed) -> WebResult<Response> {
    app.dismiss_checklist(&signed.caller).await?;
    Ok(see_other("/organizations"))
}

/// `GET /privacy` on the tenant's host: the MSP's privacy notice, if it wrote one.
#[handler]
pub fn privacy(req: &Request, TenantHost(tenant): TenantHost) -> WebResult<Response> {
    if tenant.privacy_notice.trim().is_empty() {
        return Err(not_found());
    }
    let html = cairn_assets::documents::render(&tenant.privacy_notice);
    Ok(render(StatusCode::OK, &PrivacyPage { frame: Frame::for_request(req), html }))
}

#[derive(Template)]
#[template(path = "privacy.html")]
struct PrivacyPage {
    frame: Frame,
    html: String,
}
