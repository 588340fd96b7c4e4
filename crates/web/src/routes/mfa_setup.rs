//! Enrolling MFA: the seed's three steps, with the QR code to scan.

use askama::Template;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cairn_app::{AppError, SignedIn};
use cairn_auth::mfa;
use cairn_auth::sessions::Stage;
use cairn_tenancy::Tenant;
use poem::http::StatusCode;
use poem::web::Form;
use poem::{Request, Response, handler};
use secrecy::ExposeSecret;
use serde::Deserialize;

use crate::error::{WebError, WebResult};
use crate::extract::{AnySession, AppData, ClientIp, TenantHost};
use crate::flow::{page_of_stage, see_other};
use crate::page::{Frame, render};
use crate::session::session_cookie;

/// Microsoft Authenticator in the stores, as the seed's guide links it.
const APP_STORE_URL: &str = "https://apps.apple.com/app/microsoft-authenticator/id983156458";
const PLAY_STORE_URL: &str = "https://play.google.com/store/apps/details?id=com.azure.authenticator";

#[derive(Template)]
#[template(path = "mfa_setup.html")]
struct MfaSetup {
    frame: Frame,
    qr_png: String,
    key_grouped: String,
    app_store_url: &'static str,
    play_store_url: &'static str,
    app_store_qr: String,
    play_store_qr: String,
    error: Option<String>,
}

/// The code form.
#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
}

fn grouped(key: &str) -> String {
    key.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

fn png(text: &str) -> WebResult<String> {
    mfa::qr_png(text).map(|png| STANDARD.encode(png)).map_err(|e| WebError(AppError::Internal(e.to_string())))
}

async fn setup_page(
    req: &Request,
    app: &cairn_app::App,
    tenant: &Tenant,
    signed: &SignedIn,
    error: Option<String>,
) -> WebResult<Response> {
    let enrolment = app.mfa_enrolment(tenant, signed).await?;
    let page = MfaSetup {
        frame: Frame::for_request(req),
        qr_png: png(enrolment.otpauth_url.expose_secret())?,
        key_grouped: grouped(enrolment.secret_base32.expose_secret()),
        app_store_url: APP_STORE_URL,
        play_store_url: PLAY_STORE_URL,
        app_store_qr: png(APP_STORE_URL)?,
        play_store_qr: png(PLAY_STORE_URL)?,
        error: error.clone(),
    };
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(render(status, &page))
}

/// `GET /mfa/setup`: the three steps of the seed, with the QR code.
#[handler]
pub async fn mfa_setup_page(
    req: &Request,
    app: AppData<'_>,
    TenantHost(tenant): TenantHost,
    AnySession(session): AnySession,
) -> WebResult<Response> {
    match session {
        Some(signed) if signed.session.stage == Stage::EnrolMfa => setup_page(req, &app, &tenant, &signed, None).await,
        Some(signed) => Ok(see_other(&page_of_stage(signed.session.stage, ""))),
        None => Ok(see_other("/login")),
    }
}

/// `POST /mfa/setup`: verifies the first code, enables MFA, makes recovery
/// codes (shown once on the profile) and completes the sign-in.
#[handler]
pub async fn mfa_setup_submit(
    req: &Request,
    app: AppData<'_>,
    TenantHost(tenant): TenantHost,
    ClientIp(ip): ClientIp,
    AnySession(session): AnySession,
    Form(form): Form<CodeForm>,
) -> WebResult<Response> {
    let Some(signed) = session.filter(|s| s.session.stage == Stage::EnrolMfa) else {
        return Ok(see_other("/login"));
    };
    match app.complete_mfa_enrolment(&tenant, &signed, &form.code, &ip).await {
        Ok(session) => {
            req.cookie().add(session_cookie(&app, &session.token));
            Ok(see_other("/profile"))
        }
        Err(AppError::Invalid { .. }) => {
            let message = Frame::for_request(req).t.code_wrong.to_owned();
            setup_page(req, &app, &tenant, &signed, Some(message)).await
        }
        Err(other) => Err(other.into()),
    }
}
