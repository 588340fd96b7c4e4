//! The account walk: accept an invitation, enrol MFA, keep the profile.

use std::sync::Arc;

use askama::Template;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cairn_auth::sessions::{self, Stage};
use cairn_auth::users::{ProfileChange, validate_name};
use cairn_auth::{AuthError, Theme, avatar, invitations, mfa, password, recovery, resets, timezones};
use cairn_store::audit::{self, NewEvent};
use cairn_vault::{ExposeSecret, FieldRef, SecretString};
use poem::http::{HeaderValue, StatusCode, header};
use poem::web::{Data, Form, Multipart, Path};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;

use crate::App;
use crate::flow::{self, client_ip, see_other, tenant_of, user_actor};
use crate::page::{Frame, LinkInvalid, render};
use crate::session::{Signed, session_cookie};

/// Microsoft Authenticator in the stores, as the seed's guide links it.
const APP_STORE_URL: &str = "https://apps.apple.com/app/microsoft-authenticator/id983156458";
const PLAY_STORE_URL: &str = "https://play.google.com/store/apps/details?id=com.azure.authenticator";

#[derive(Template)]
#[template(path = "invitation.html")]
struct CreateAccount {
    frame: Frame,
    token: String,
    email: String,
    first_name: String,
    last_name: String,
    error_field: &'static str,
    error: String,
}

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

#[derive(Template)]
#[template(path = "profile.html")]
struct Profile {
    frame: Frame,
    notice: Option<String>,
    recovery_codes: Vec<String>,
    recovery_download: String,
    has_avatar: bool,
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
    error_field: &'static str,
    error: String,
}

fn no_referrer(mut response: Response) -> Response {
    response.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

/// `GET /invitations/{token}`: the create-account form, or a page saying the link is no longer valid.
#[handler]
pub async fn invitation_page(req: &Request, app: Data<&Arc<App>>, Path(token): Path<String>) -> poem::Result<Response> {
    let tenant = tenant_of(req)?;
    let (tenant_id, lookup) = (tenant.id.clone(), token.clone());
    let found = app.db.tenant_tx(&tenant.id, move |conn| invitations::find_pending(conn, &tenant_id, &lookup)).await;
    let response = match found {
        Ok(invitation) => {
            let page = CreateAccount {
                frame: Frame::for_request(req),
                token,
                email: invitation.email,
                first_name: String::new(),
                last_name: String::new(),
                error_field: "",
                error: String::new(),
            };
            render(StatusCode::OK, &page)
        }
        Err(AuthError::LinkInvalid) => render(StatusCode::GONE, &LinkInvalid { frame: Frame::for_request(req) }),
        Err(other) => return Err(crate::error::internal(other)),
    };
    Ok(no_referrer(response))
}

/// The create-account form.
#[derive(Deserialize)]
pub struct CreateAccountForm {
    first_name: String,
    last_name: String,
    password: String,
    password_confirm: String,
}

/// `POST /invitations/{token}`: creates the user and a session that can only enrol MFA.
#[handler]
pub async fn invitation_accept(
    req: &Request,
    app: Data<&Arc<App>>,
    Path(token): Path<String>,
    Form(form): Form<CreateAccountForm>,
) -> poem::Result<Response> {
    let tenant = tenant_of(req)?;
    let (tenant_id, lookup) = (tenant.id.clone(), token.clone());
    let invitation =
        match app.db.tenant_tx(&tenant.id, move |conn| invitations::find_pending(conn, &tenant_id, &lookup)).await {
            Ok(invitation) => invitation,
            Err(AuthError::LinkInvalid) => {
                return Ok(no_referrer(render(StatusCode::GONE, &LinkInvalid { frame: Frame::for_request(req) })));
            }
            Err(other) => return Err(crate::error::internal(other)),
        };
    let frame = Frame::for_request(req);
    let problem = match (validate_name("first_name", &form.first_name), validate_name("last_name", &form.last_name)) {
        (Err(_), _) => Some(("first_name", frame.t.name_invalid)),
        (_, Err(_)) => Some(("last_name", frame.t.name_invalid)),
        _ => password::check_new_password(
            &form.password,
            &form.password_confirm,
            &invitation.email,
            &tenant.name,
            &form.first_name,
            &form.last_name,
        )
        .err()
        .map(|p| {
            (
                if p == password::PasswordProblem::Mismatch { "password_confirm" } else { "password" },
                flow::password_problem(frame.t, p),
            )
        }),
    };
    if let Some((field, message)) = problem {
        let page = CreateAccount {
            frame,
            token,
            email: invitation.email,
            first_name: form.first_name,
            last_name: form.last_name,
            error_field: field,
            error: message.to_owned(),
        };
        return Ok(no_referrer(render(StatusCode::UNPROCESSABLE_ENTITY, &page)));
    }
    let passwords = app.passwords.clone();
    let password = form.password.clone();
    let hash = tokio::task::spawn_blocking(move || passwords.hash(&password))
        .await
        .map_err(crate::error::internal)?
        .map_err(crate::error::internal)?;
    let (ten, timeouts, ip) = (Arc::clone(&tenant), app.timeouts, client_ip(req));
    let (first, last) = (form.first_name.trim().to_owned(), form.last_name.trim().to_owned());
    let created = app
        .db
        .tenant_tx(&tenant.id, move |conn| -> Result<(String, Stage), AuthError> {
            let user = invitations::accept(conn, &ten, &token, &first, &last, &hash)?;
            let stage = flow::stage_after_password(&ten, &user);
            let (_, session_token) = sessions::create(conn, &ten.id, &user.id, stage, Some(&ip), &timeouts)?;
            let mut event = NewEvent::new(user_actor(&user), "account.created").target("user", &user.id);
            event.ip = Some(&ip);
            audit::record(conn, &ten.id, &event)?;
            Ok((session_token, stage))
        })
        .await;
    match created {
        Ok((session_token, stage)) => {
            req.cookie().add(session_cookie(&app, &session_token));
            Ok(see_other(&flow::page_of_stage(stage, "/profile")))
        }
        Err(AuthError::LinkInvalid) => {
            Ok(no_referrer(render(StatusCode::GONE, &LinkInvalid { frame: Frame::for_request(req) })))
        }
        Err(other) => Err(crate::error::internal(other)),
    }
}

fn grouped(key: &str) -> String {
    key.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

async fn mfa_page(req: &Request, app: &Arc<App>, signed: Signed, error: Option<String>) -> poem::Result<Response> {
    let tenant = tenant_of(req)?;
    let (master, ten, user) = (Arc::clone(&app.master_key), Arc::clone(&tenant), signed.user.clone());
    let enrolment = app
        .db
        .tenant_tx(&tenant.id, move |conn| -> Result<mfa::Enrolment, AuthError> {
            let keyring = cairn_tenancy::keys::keyring(conn, &master, &ten.id)?;
            mfa::enrolment(conn, &keyring, &user, &ten.name)
        })
        .await
        .map_err(crate::error::internal)?;
    let png = |text: &str| mfa::qr_png(text).map(|png| STANDARD.encode(png)).map_err(crate::error::internal);
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
pub async fn mfa_setup_page(req: &Request, app: Data<&Arc<App>>) -> poem::Result<Response> {
    match req.data::<Signed>().cloned() {
        Some(signed) if signed.session.stage == Stage::EnrolMfa => mfa_page(req, &app, signed, None).await,
        Some(signed) => Ok(see_other(&flow::page_of_stage(signed.session.stage, ""))),
        None => Ok(see_other("/login")),
    }
}

/// The code form.
#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
}

/// `POST /mfa/setup`: verifies the first code, enables MFA, makes recovery
/// codes (shown once on the profile) and completes the sign-in.
#[handler]
pub async fn mfa_setup_submit(
    req: &Request,
    app: Data<&Arc<App>>,
    Form(form): Form<CodeForm>,
) -> poem::Result<Response> {
    let Some(signed) = req.data::<Signed>().filter(|s| s.session.stage == Stage::EnrolMfa).cloned() else {
        return Ok(see_other("/login"));
    };
    let tenant = tenant_of(req)?;
    let (master, tenant_id, session, user, ip) =
        (Arc::clone(&app.master_key), tenant.id.clone(), signed.session.clone(), signed.user.clone(), client_ip(req));
    let outcome = app
        .db
        .tenant_tx(&tenant.id, move |conn| -> Result<Option<String>, AuthError> {
            let keyring = cairn_tenancy::keys::keyring(conn, &master, &tenant_id)?;
            match mfa::verify_code(conn, &keyring, &user, &form.code) {
                Ok(()) => {}
                Err(AuthError::BadCode) => return Ok(None),
                Err(other) => return Err(other),
            }
            mfa::complete_enrolment(conn, &user)?;
            let codes = recovery::regenerate(conn, &user)?;
            let token = sessions::promote(conn, &session, Stage::Full)?;
            let field = FieldRef { table: "sessions", record_id: &session.id, field: "flash" };
            sessions::set_flash(conn, &session, &keyring.seal(field, &SecretString::from(codes.join("\n"))))?;
            let mut event = NewEvent::new(user_actor(&user), "mfa.enrolled").target("user", &user.id);
            event.ip = Some(&ip);
            audit::record(conn, &tenant_id, &event)?;
            Ok(Some(token))
        })
        .await
        .map_err(crate::error::internal)?;
    match outcome {
        Some(token) => {
            req.cookie().add(session_cookie(&app, &token));
            Ok(see_other("/profile"))
        }
        None => {
            let message = Frame::for_request(req).t.code_wrong.to_owned();
            mfa_page(req, &app, signed, Some(message)).await
        }
    }
}

/// What the profile page shows besides the frame.
struct ProfileData {
    recovery_codes: Vec<String>,
    has_avatar: bool,
    recovery_left: i64,
}

async fn profile_page(
    req: &Request,
    app: &Arc<App>,
    signed: &Signed,
    notice: Option<String>,
    error: Option<(&'static str, String)>,
) -> poem::Result<Response> {
    let tenant = tenant_of(req)?;
    let (master, tenant_id, session, user) =
        (Arc::clone(&app.master_key), tenant.id.clone(), signed.session.clone(), signed.user.clone());
    let data = app
        .db
        .tenant_tx(&tenant.id, move |conn| -> Result<ProfileData, AuthError> {
            // Recovery codes of a fresh enrolment: shown on this one page view.
            let recovery_codes = match sessions::take_flash(conn, &session)? {
                Some(sealed) => {
                    let keyring = cairn_tenancy::keys::keyring(conn, &master, &tenant_id)?;
                    let field = FieldRef { table: "sessions", record_id: &session.id, field: "flash" };
                    keyring
                        .open(field, &sealed)
                        .map(|codes| codes.expose_secret().lines().map(str::to_owned).collect())
                        .unwrap_or_default()
                }
                None => Vec::new(),
            };
            Ok(ProfileData {
                recovery_codes,
                has_avatar: avatar::load(conn, &user)?.is_some(),
                recovery_left: recovery::remaining(conn, &user)?,
            })
        })
        .await
        .map_err(crate::error::internal)?;
    let frame = Frame::for_request(req);
    let user = &signed.user;
    let t = frame.t;
    let (error_field, error) = error.unwrap_or(("", String::new()));
    let status = if error_field.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let header_line = match t.lang {
        "de" => "Wiederherstellungscodes",
        _ => "Recovery codes",
    };
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
        has_avatar: data.has_avatar,
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

/// `GET /profile`.
#[handler]
pub async fn profile(req: &Request, app: Data<&Arc<App>>) -> poem::Result<Response> {
    let signed = flow::full_session(req).ok_or_else(crate::error::not_found)?;
    profile_page(req, &app, &signed, None, None).await
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
    app: Data<&Arc<App>>,
    Form(form): Form<ProfileForm>,
) -> poem::Result<Response> {
    let signed = flow::full_session(req).ok_or_else(crate::error::not_found)?;
    let t = Frame::for_request(req).t;
    let invalid = |field: &'static str, message: &str| Some((field, message.to_owned()));
    let problem = if validate_name("first_name", &form.first_name).is_err() {
        invalid("first_name", t.name_invalid)
    } else if validate_name("last_name", &form.last_name).is_err() {
        invalid("last_name", t.name_invalid)
    } else {
        None
    };
    let (theme, time_zone, locale) =
        (form.theme.parse::<Theme>(), form.time_zone.parse::<chrono_tz::Tz>(), form.locale.parse());
    let (Ok(theme), Ok(time_zone), Ok(locale), None) = (theme, time_zone, locale, problem.clone()) else {
        let problem = problem.or_else(|| invalid("time_zone", "?"));
        return profile_page(req, &app, &signed, None, problem).await;
    };
    let change = ProfileChange { first_name: form.first_name, last_name: form.last_name, theme, time_zone, locale };
    let user = signed.user.clone();
    app.db
        .tenant_tx(&user.tenant_id.clone(), move |conn| cairn_auth::users::update_profile(conn, &user, &change))
        .await
        .map_err(crate::error::internal)?;
    Ok(see_other("/organizations"))
}

/// `GET /profile/avatar`: the signed-in user's picture (404 when none).
#[handler]
pub async fn avatar_image(req: &Request, app: Data<&Arc<App>>) -> poem::Result<Response> {
    let signed = flow::full_session(req).ok_or_else(crate::error::not_found)?;
    let user = signed.user.clone();
    let png = app
        .db
        .tenant_tx(&user.tenant_id.clone(), move |conn| avatar::load(conn, &user))
        .await
        .map_err(crate::error::internal)?
        .ok_or_else(crate::error::not_found)?;
    Ok(Response::builder()
        .content_type("image/png")
        .header(header::CACHE_CONTROL, "private, no-store")
        .header(header::CONTENT_DISPOSITION, "inline; filename=\"avatar.png\"")
        .body(png))
}

/// `POST /profile/avatar` (multipart, field `avatar`): the size limit is
/// enforced before the body is read, the content is sniffed, decoded with
/// limits and re-encoded.
#[handler]
pub async fn avatar_upload(req: &Request, app: Data<&Arc<App>>, mut multipart: Multipart) -> poem::Result<Response> {
    let signed = flow::full_session(req).ok_or_else(crate::error::not_found)?;
    let t = Frame::for_request(req).t;
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > avatar::MAX_UPLOAD_BYTES + 64 * 1024) {
        return Ok(profile_page(req, &app, &signed, None, Some(("avatar", t.avatar_invalid.to_owned())))
            .await?
            .with_status(StatusCode::PAYLOAD_TOO_LARGE)
            .into_response());
    }
    let mut token = String::new();
    let mut upload: Option<Vec<u8>> = None;
    while let Some(field) =
        multipart.next_field().await.map_err(|_| poem::Error::from_status(StatusCode::BAD_REQUEST))?
    {
        match field.name() {
            Some("csrf_token") => {
                token = field.text().await.map_err(|_| poem::Error::from_status(StatusCode::BAD_REQUEST))?
            }
            Some("avatar") => {
                // Read at most one byte past the limit, whatever the headers claimed.
                let mut reader = field.into_async_read();
                let mut bytes = Vec::new();
                use tokio::io::AsyncReadExt;
                let limit = u64::try_from(avatar::MAX_UPLOAD_BYTES).unwrap_or(u64::MAX) + 1;
                (&mut reader)
                    .take(limit)
                    .read_to_end(&mut bytes)
                    .await
                    .map_err(|_| poem::Error::from_status(StatusCode::BAD_REQUEST))?;
                upload = Some(bytes);
            }
            _ => {}
        }
    }
    if !crate::csrf::matches(&signed.session.csrf_token, &token) {
        return Err(poem::Error::from_string(
            "the form has expired; reload the page and try again",
            StatusCode::FORBIDDEN,
        ));
    }
    let bytes = upload.unwrap_or_default();
    if bytes.len() > avatar::MAX_UPLOAD_BYTES {
        return Ok(profile_page(req, &app, &signed, None, Some(("avatar", t.avatar_invalid.to_owned())))
            .await?
            .with_status(StatusCode::PAYLOAD_TOO_LARGE)
            .into_response());
    }
    let processed =
        tokio::task::spawn_blocking(move || avatar::process(&bytes)).await.map_err(crate::error::internal)?;
    let png = match processed {
        Ok(png) => png,
        Err(_) => {
            return Ok(profile_page(req, &app, &signed, None, Some(("avatar", t.avatar_invalid.to_owned())))
                .await?
                .with_status(StatusCode::UNPROCESSABLE_ENTITY)
                .into_response());
        }
    };
    let user = signed.user.clone();
    app.db
        .tenant_tx(&user.tenant_id.clone(), move |conn| avatar::save(conn, &user, &png))
        .await
        .map_err(crate::error::internal)?;
    Ok(see_other("/profile"))
}

/// `POST /profile/avatar/remove`.
#[handler]
pub async fn avatar_remove(req: &Request, app: Data<&Arc<App>>) -> poem::Result<Response> {
    let signed = flow::full_session(req).ok_or_else(crate::error::not_found)?;
    let user = signed.user.clone();
    app.db
        .tenant_tx(&user.tenant_id.clone(), move |conn| avatar::remove(conn, &user))
        .await
        .map_err(crate::error::internal)?;
    Ok(see_other("/profile"))
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
    app: Data<&Arc<App>>,
    Form(form): Form<PasswordChangeForm>,
) -> poem::Result<Response> {
    let signed = flow::full_session(req).ok_or_else(crate::error::not_found)?;
    let tenant = tenant_of(req)?;
    let t = Frame::for_request(req).t;
    let (passwords, user, current) = (app.passwords.clone(), signed.user.clone(), form.current_password.clone());
    let correct = tokio::task::spawn_blocking(move || resets::verify_current(&passwords, &user, &current))
        .await
        .map_err(crate::error::internal)?;
    if !correct {
        return profile_page(req, &app, &signed, None, Some(("current_password", t.current_password_wrong.to_owned())))
            .await;
    }
    let user = &signed.user;
    if let Err(problem) = password::check_new_password(
        &form.new_password,
        &form.new_password_confirm,
        &user.email,
        &tenant.name,
        &user.first_name,
        &user.last_name,
    ) {
        let field =
            if problem == password::PasswordProblem::Mismatch { "new_password_confirm" } else { "new_password" };
        return profile_page(req, &app, &signed, None, Some((field, flow::password_problem(t, problem).to_owned())))
            .await;
    }
    let passwords = app.passwords.clone();
    let new_password = form.new_password.clone();
    let hash = tokio::task::spawn_blocking(move || passwords.hash(&new_password))
        .await
        .map_err(crate::error::internal)?
        .map_err(crate::error::internal)?;
    let (user, keep) = (signed.user.clone(), signed.session.id.clone());
    app.db
        .tenant_tx(&user.tenant_id.clone(), move |conn| -> Result<(), AuthError> {
            resets::change_password(conn, &user, &keep, &hash)?;
            audit::record(conn, &user.tenant_id, &NewEvent::new(user_actor(&user), "password.changed"))?;
            Ok(())
        })
        .await
        .map_err(crate::error::internal)?;
    profile_page(req, &app, &signed, Some(t.password_changed.to_owned()), None).await
}

/// `POST /profile/recovery-codes`: ten new codes, shown once; the old ones stop working.
#[handler]
pub async fn recovery_regenerate(req: &Request, app: Data<&Arc<App>>) -> poem::Result<Response> {
    let signed = flow::full_session(req).ok_or_else(crate::error::not_found)?;
    let tenant = tenant_of(req)?;
    let (master, tenant_id, session, user) =
        (Arc::clone(&app.master_key), tenant.id.clone(), signed.session.clone(), signed.user.clone());
    app.db
        .tenant_tx(&tenant.id, move |conn| -> Result<(), AuthError> {
            let keyring = cairn_tenancy::keys::keyring(conn, &master, &tenant_id)?;
            let codes = recovery::regenerate(conn, &user)?;
            let field = FieldRef { table: "sessions", record_id: &session.id, field: "flash" };
            sessions::set_flash(conn, &session, &keyring.seal(field, &SecretString::from(codes.join("\n"))))?;
            audit::record(conn, &tenant_id, &NewEvent::new(user_actor(&user), "mfa.recovery_codes_renewed"))?;
            Ok(())
        })
        .await
        .map_err(crate::error::internal)?;
    Ok(see_other("/profile"))
}
