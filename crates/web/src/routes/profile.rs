//! The profile: names, theme, language, time zone, password, recovery codes.

use askama::Template;
use cairn_app::{AppError, PasswordChange, ProfileInput};
use cairn_auth::timezones;
use poem::http::StatusCode;
use poem::web::Form;
use poem::{Request, Response, handler};
use serde::Deserialize;

use crate::error::WebResult;
use crate::extract::{AppData, Signed};
use crate::flow::see_other;
use crate::messages::form_error;
use crate::page::{Frame, render};

#[derive(Template)]
#[template(path = "profile.html")]
struct Profile {
    frame: Frame,
    notice: Option<String>,
    recovery_codes: Vec<String>,
    recovery_download: String,
    has_avatar: bool,
    avatar_src: String,
    initials: String,
    email: String,
    first_name: String,
    last_name: String,
    theme: &'static str,
    themes: Vec<(&'static str, &'static str)>,
    locale: &'static str,
    time_zone: String,
    zones: Vec<timezones::Zone>,
    member_since: String,
    mfa_since: String,
    recovery_left: i64,
    error_field: String,
    error: String,
}

/// The profile page with an optional notice and an optional field error.
pub(super) async fn profile_page(
    req: &Request,
    app: &cairn_app::App,
    signed: &Signed,
    status: StatusCode,
    notice: Option<String>,
    error: Option<(String, String)>,
) -> WebResult<Response> {
    let data = app.profile(&signed.caller, &signed.signed.session).await?;
    let frame = Frame::for_request(req);
    let tenant = signed.caller.tenant();
    let user = &signed.signed.user;
    let t = frame.t;
    let (error_field, error) = error.unwrap_or_default();
    let header_line = if t.lang == "de" { "Wiederherstellungscodes" } else { "Recovery codes" };
    let download: String =
        format!("{} – {}\n{}\n\n{}\n", header_line, frame.site_name(), user.email, data.recovery_codes.join("\n"))
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
    let page = Profile {
        notice,
        recovery_download: download,
        recovery_codes: data.recovery_codes,
        has_avatar: frame.avatar.is_some(),
        avatar_src: frame.avatar.clone().unwrap_or_default(),
        initials: user.initials(),
        email: user.email.clone(),
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        theme: user.theme.as_str(),
        themes: vec![("light", t.theme_light), ("dark", t.theme_dark), ("system", t.theme_system)],
        locale: user.locale.unwrap_or(tenant.locale).as_str(),
        time_zone: user.time_zone.unwrap_or(tenant.time_zone).name().to_owned(),
        zones: timezones::all(),
        member_since: frame.time(&user.created_at),
        mfa_since: user.mfa_enabled_at.as_ref().map(|at| frame.time(at)).unwrap_or_default(),
        recovery_left: data.recovery_left,
        error_field,
        error,
        frame,
    };
    Ok(render(status, &page))
}

/// Re-renders the profile with the field error of `error`, or passes the error on.
pub(super) async fn profile_error(
    req: &Request,
    app: &cairn_app::App,
    signed: &Signed,
    status: StatusCode,
    error: AppError,
) -> WebResult<Response> {
    let t = Frame::for_request(req).t;
    let field_error = form_error(t, &error).ok_or(error)?;
    profile_page(req, app, signed, status, None, Some(field_error)).await
}

/// `GET /profile`.
#[handler]
pub async fn profile(req: &Request, app: AppData<'_>, signed: Signed) -> WebResult<Response> {
    profile_page(req, &app, &signed, StatusCode::OK, None, None).await
}

/// The profile form.
#[derive(Deserialize)]
pub struct ProfileForm {
    first_name: String,
    last_name: String,
    theme: String,
    time_zone: String,
    locale: String,
}

/// `POST /profile`: saves and continues to the organizations.
#[handler]
pub async fn profile_save(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Form(form): Form<ProfileForm>,
) -> WebResult<Response> {
    let input = ProfileInput {
        first_name: form.first_name,
        last_name: form.last_name,
        theme: form.theme,
        time_zone: form.time_zone,
        locale: form.locale,
    };
    match app.update_profile(&signed.caller, &input).await {
        Ok(()) => Ok(see_other("/organizations")),
        Err(error) => profile_error(req, &app, &signed, StatusCode::UNPROCESSABLE_ENTITY, error).await,
    }
}

/// The password-change form.
#[derive(Deserialize)]
pub struct PasswordChangeForm {
    current_password: String,
    new_password: String,
    new_password_confirm: String,
}

/// `POST /profile/password`: needs the current password; ends the user's other sessions.
#[handler]
pub async fn password_change(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Form(form): Form<PasswordChangeForm>,
) -> WebResult<Response> {
    let change = PasswordChange {
        current_password: form.current_password,
        new_password: form.new_password,
        new_password_confirm: form.new_password_confirm,
    };
    match app.change_password(&signed.caller, &signed.signed.session, &change).await {
        Ok(()) => {
            let notice = Some(Frame::for_request(req).t.password_changed.to_owned());
            profile_page(req, &app, &signed, StatusCode::OK, notice, None).await
        }
        Err(error) => profile_error(req, &app, &signed, StatusCode::UNPROCESSABLE_ENTITY, error).await,
    }
}

/// The form for new recovery codes: the current password again.
#[derive(Deserialize)]
pub struct RecoveryForm {
    #[serde(default)]
    recovery_password: String,
}

/// `POST /profile/recovery-codes`: ten new codes, shown once; the old ones stop working.
#[handler]
pub async fn recovery_regenerate(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Form(form): Form<RecoveryForm>,
) -> WebResult<Response> {
    match app.renew_recovery_codes(&signed.caller, &signed.signed.session, &form.recovery_password).await {
        Ok(()) => Ok(see_other("/profile")),
        Err(error) => profile_error(req, &app, &signed, StatusCode::UNPROCESSABLE_ENTITY, error).await,
    }
}
