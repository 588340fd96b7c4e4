//! The owner's user management: invite, re-send, revoke, change role,
//! disable, reset MFA.

use askama::Template;
use cairn_app::{AppError, InvitationId, Invite, OrganizationId, OrganizationRef, Reason, UserId};
use cairn_auth::Role;
use poem::http::StatusCode;
use poem::web::{Form, Path};
use poem::{Request, Response, handler};
use serde::Deserialize;

use crate::error::{WebError, WebResult};
use crate::extract::{AppData, Signed};
use crate::flow::see_other;
use crate::messages::form_error;
use crate::page::{Frame, render};

/// A user row of the page.
struct UserRow {
    id: String,
    name: String,
    email: String,
    role: &'static str,
    active: bool,
    mfa: bool,
    /// When the lock of the second factor ends (wrong codes), if locked.
    mfa_locked_until: String,
    is_me: bool,
}

/// A pending invitation row of the page.
struct InvitationRow {
    id: String,
    email: String,
    role: String,
    expires: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    frame: Frame,
    notice: Option<String>,
    users: Vec<UserRow>,
    invitations: Vec<InvitationRow>,
    organizations: Vec<(String, String)>,
    invite_email: String,
    error_field: String,
    error: String,
}

/// The invite form.
#[derive(Deserialize)]
pub struct InviteForm {
    email: String,
    role: String,
    #[serde(default)]
    organization_id: String,
}

/// The role form.
#[derive(Deserialize)]
pub struct RoleForm {
    role: String,
}

async fn users_page(
    req: &Request,
    app: &cairn_app::App,
    signed: &Signed,
    notice: Option<String>,
    error: Option<(String, String, String)>,
) -> WebResult<Response> {
    let overview = app.users_overview(&signed.caller).await?;
    let frame = Frame::for_request(req);
    let me = &signed.signed.user.id;
    let users = overview
        .users
        .iter()
        .map(|u| UserRow {
            id: u.id.clone(),
            name: u.full_name(),
            email: u.email.clone(),
            role: u.role.as_str(),
            active: u.active,
            mfa: u.mfa_enrolled(),
            mfa_locked_until: overview.second_factor_locked.get(&u.id).map(|at| frame.time(at)).unwrap_or_default(),
            is_me: &u.id == me,
        })
        .collect();
    let invitations = overview
        .invitations
        .iter()
        .map(|i| InvitationRow {
            id: i.id.clone(),
            email: i.email.clone(),
            role: i.role.clone(),
            expires: frame.time(&i.expires_at),
        })
        .collect();
    let (error_field, error, invite_email) = error.unwrap_or_default();
    let status = if error_field.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = UsersPage {
        frame,
        notice,
        users,
        invitations,
        organizations: overview.organizations,
        invite_email,
        error_field,
        error,
    };
    Ok(render(status, &page))
}

fn role_of(text: &str) -> WebResult<Role> {
    text.parse().map_err(|_| WebError(AppError::invalid("role", Reason::Text("owner, technician or customer".into()))))
}

/// `GET /users`.
#[handler]
pub async fn list(req: &Request, app: AppData<'_>, signed: Signed) -> WebResult<Response> {
    users_page(req, &app, &signed, None, None).await
}

/// `POST /users/invite`.
#[handler]
pub async fn invite(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Form(form): Form<InviteForm>,
) -> WebResult<Response> {
    // The page is the owner's: others learn nothing here, not even how to invite.
    if !app.may_manage_users(&signed.caller) {
        return Err(crate::error::not_found());
    }
    let invite = Invite {
        email: form.email.clone(),
        role: role_of(&form.role)?,
        organization: Some(form.organization_id)
            .filter(|id| !id.is_empty())
            .map(|id| OrganizationRef::Id(OrganizationId::new(id))),
    };
    let t = Frame::for_request(req).t;
    match app.invite(&signed.caller, invite).await {
        Ok(_) => users_page(req, &app, &signed, Some(t.invited.to_owned()), None).await,
        Err(error) => {
            let (field, message) = form_error(t, &error).ok_or(error)?;
            users_page(req, &app, &signed, None, Some((field, message, form.email))).await
        }
    }
}

/// `POST /users/invitations/{id}/resend`: a new link; the old one stops working.
#[handler]
pub async fn resend(app: AppData<'_>, signed: Signed, Path(id): Path<String>) -> WebResult<Response> {
    app.resend_invitation(&signed.caller, InvitationId::new(id)).await?;
    Ok(see_other("/users"))
}

/// `POST /users/invitations/{id}/revoke`.
#[handler]
pub async fn revoke(app: AppData<'_>, signed: Signed, Path(id): Path<String>) -> WebResult<Response> {
    app.revoke_invitation(&signed.caller, InvitationId::new(id)).await?;
    Ok(see_other("/users"))
}

/// `POST /users/{id}/role`.
#[handler]
pub async fn set_role(
    app: AppData<'_>,
    signed: Signed,
    Path(id): Path<String>,
    Form(form): Form<RoleForm>,
) -> WebResult<Response> {
    app.set_role(&signed.caller, UserId::new(id), role_of(&form.role)?).await?;
    Ok(see_other("/users"))
}

/// `POST /users/{id}/disable`: ends the user's sessions too.
#[handler]
pub async fn disable(app: AppData<'_>, signed: Signed, Path(id): Path<String>) -> WebResult<Response> {
    app.set_user_active(&signed.caller, UserId::new(id), false).await?;
    Ok(see_other("/users"))
}

/// `POST /users/{id}/enable`.
#[handler]
pub async fn enable(app: AppData<'_>, signed: Signed, Path(id): Path<String>) -> WebResult<Response> {
    app.set_user_active(&signed.caller, UserId::new(id), true).await?;
    Ok(see_other("/users"))
}

/// `POST /users/{id}/reset-mfa`: the user enrols again at the next sign-in and gets a mail.
#[handler]
pub async fn reset_mfa(app: AppData<'_>, signed: Signed, Path(id): Path<String>) -> WebResult<Response> {
    app.reset_mfa(&signed.caller, UserId::new(id)).await?;
    Ok(see_other("/users"))
}
