//! The owner's user management: invite, re-send, revoke, change role,
//! disable, reset MFA.

use std::sync::Arc;

use askama::Template;
use cairn_auth::invitations::{self, NewInvitation};
use cairn_auth::policy::{Action, Principal, Resource, can};
use cairn_auth::{AuthError, Role, User, mfa, users};
use cairn_mail::MailContent;
use cairn_mail::outbox::{self, Recipient};
use cairn_store::audit::{self, NewEvent};
use cairn_store::schema::organizations;
use diesel::prelude::*;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path};
use poem::{Request, Response, handler};
use serde::Deserialize;

use crate::App;
use crate::flow::{self, see_other, tenant_of, user_actor};
use crate::page::{Frame, render};
use crate::session::Signed;

/// A user row of the page.
struct UserRow {
    id: String,
    name: String,
    email: String,
    role: &'static str,
    active: bool,
    mfa: bool,
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
    error_field: &'static str,
    error: String,
}

/// The signed-in owner, or 404 for everyone else (the page does not exist for them).
fn owner(req: &Request, action: Action) -> poem::Result<Signed> {
    let signed = flow::full_session(req).ok_or_else(crate::error::not_found)?;
    if can(&Principal { role: signed.user.role }, action, &Resource::Tenant) {
        Ok(signed)
    } else {
        Err(crate::error::not_found())
    }
}

async fn users_page(
    req: &Request,
    app: &Arc<App>,
    signed: &Signed,
    notice: Option<String>,
    error: Option<(&'static str, String, String)>,
) -> poem::Result<Response> {
    let tenant = tenant_of(req)?;
    let tenant_id = tenant.id.clone();
    let (all, pending, orgs) = app
        .db
        .tenant_tx(&tenant.id, move |conn| -> Result<_, AuthError> {
            let orgs: Vec<(String, String)> = organizations::table
                .filter(organizations::tenant_id.eq(tenant_id.as_str()))
                .filter(organizations::status.eq("active"))
                .order(organizations::name)
                .select((organizations::id, organizations::name))
                .load(conn)?;
            Ok((users::list(conn, &tenant_id)?, invitations::pending(conn, &tenant_id)?, orgs))
        })
        .await
        .map_err(crate::error::internal)?;
    let frame = Frame::for_request(req);
    let rows = all
        .iter()
        .map(|u| UserRow {
            id: u.id.clone(),
            name: u.full_name(),
            email: u.email.clone(),
            role: u.role.as_str(),
            active: u.active,
            mfa: u.mfa_enrolled(),
            is_me: u.id == signed.user.id,
        })
        .collect();
    let invitations = pending
        .iter()
        .map(|i| InvitationRow {
            id: i.id.clone(),
            email: i.email.clone(),
            role: i.role.clone(),
            expires: frame.time(&i.expires_at),
        })
        .collect();
    let (error_field, message, invite_email) = error.unwrap_or(("", String::new(), String::new()));
    let status = if error_field.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = UsersPage {
        frame,
        notice,
        users: rows,
        invitations,
        organizations: orgs,
        invite_email,
        error_field,
        error: message,
    };
    Ok(render(status, &page))
}

/// `GET /users`.
#[handler]
pub async fn list(req: &Request, app: Data<&Arc<App>>) -> poem::Result<Response> {
    let signed = owner(req, Action::ManageUsers)?;
    users_page(req, &app, &signed, None, None).await
}

/// The invite form.
#[derive(Deserialize)]
pub struct InviteForm {
    email: String,
    role: String,
    #[serde(default)]
    organization_id: String,
}

/// `POST /users/invite`.
#[handler]
pub async fn invite(req: &Request, app: Data<&Arc<App>>, Form(form): Form<InviteForm>) -> poem::Result<Response> {
    let signed = owner(req, Action::ManageUsers)?;
    let tenant = tenant_of(req)?;
    let role: Role = form.role.parse().map_err(|_| poem::Error::from_status(StatusCode::UNPROCESSABLE_ENTITY))?;
    let new = NewInvitation {
        email: form.email.clone(),
        role,
        organization_id: Some(form.organization_id.clone()).filter(|id| !id.is_empty()),
        invited_by: Some(signed.user.clone()),
        ttl: app.invitation_ttl,
    };
    let (ten, urls, inviter) = (Arc::clone(&tenant), app.public.clone(), signed.user.clone());
    let result = app
        .db
        .tenant_tx(&tenant.id, move |conn| -> Result<(), AuthError> {
            let (invitation, _link) = invitations::create(conn, &ten, &urls, &new)?;
            let event = NewEvent::new(user_actor(&inviter), "invitation.created")
                .target("invitation", &invitation.id)
                .details(serde_json::json!({ "email": invitation.email, "role": invitation.role }));
            audit::record(conn, &ten.id, &event)?;
            Ok(())
        })
        .await;
    let t = Frame::for_request(req).t;
    match result {
        Ok(()) => {
            app.mail_waker.notify_one();
            users_page(req, &app, &signed, Some(t.invited.to_owned()), None).await
        }
        Err(AuthError::EmailTaken) => {
            users_page(req, &app, &signed, None, Some(("email", t.email_taken.to_owned(), form.email))).await
        }
        Err(AuthError::Invalid { .. } | AuthError::Mail(_)) => {
            users_page(req, &app, &signed, None, Some(("email", t.email_invalid.to_owned(), form.email))).await
        }
        Err(other) => Err(crate::error::internal(other)),
    }
}

/// `POST /users/invitations/{id}/resend`: a new link; the old one stops working.
#[handler]
pub async fn resend(req: &Request, app: Data<&Arc<App>>, Path(id): Path<String>) -> poem::Result<Response> {
    let signed = owner(req, Action::ManageUsers)?;
    let tenant = tenant_of(req)?;
    let (ten, urls, by, ttl) = (Arc::clone(&tenant), app.public.clone(), signed.user.clone(), app.invitation_ttl);
    let result = app
        .db
        .tenant_tx(&tenant.id, move |conn| -> Result<(), AuthError> {
            let (invitation, _) = invitations::resend(conn, &ten, &urls, &id, Some(by.clone()), ttl)?;
            audit::record(
                conn,
                &ten.id,
                &NewEvent::new(user_actor(&by), "invitation.resent").target("invitation", &invitation.id),
            )?;
            Ok(())
        })
        .await;
    match result {
        Ok(()) => {
            app.mail_waker.notify_one();
            Ok(see_other("/users"))
        }
        Err(AuthError::NotFound | AuthError::LinkInvalid) => Err(crate::error::not_found()),
        Err(other) => Err(crate::error::internal(other)),
    }
}

/// `POST /users/invitations/{id}/revoke`.
#[handler]
pub async fn revoke(req: &Request, app: Data<&Arc<App>>, Path(id): Path<String>) -> poem::Result<Response> {
    let signed = owner(req, Action::ManageUsers)?;
    let tenant = tenant_of(req)?;
    let (tenant_id, by) = (tenant.id.clone(), signed.user.clone());
    let result = app
        .db
        .tenant_tx(&tenant.id, move |conn| -> Result<(), AuthError> {
            invitations::revoke(conn, &tenant_id, &id)?;
            audit::record(
                conn,
                &tenant_id,
                &NewEvent::new(user_actor(&by), "invitation.revoked").target("invitation", &id),
            )?;
            Ok(())
        })
        .await;
    match result {
        Ok(()) => Ok(see_other("/users")),
        Err(AuthError::NotFound) => Err(crate::error::not_found()),
        Err(other) => Err(crate::error::internal(other)),
    }
}

/// Runs `change` on another user of the tenant, with its audit event.
async fn change_user<F>(
    req: &Request,
    app: &Arc<App>,
    id: String,
    action: &'static str,
    change: F,
) -> poem::Result<Response>
where
    F: FnOnce(&mut cairn_store::DbConn, &User, &Arc<cairn_tenancy::Tenant>) -> Result<(), AuthError> + Send + 'static,
{
    let signed = owner(req, Action::ManageUsers)?;
    let tenant = tenant_of(req)?;
    let (ten, by) = (Arc::clone(&tenant), signed.user.clone());
    let result = app
        .db
        .tenant_tx(&tenant.id, move |conn| -> Result<(), AuthError> {
            let target = users::by_id(conn, &ten.id, &id)?;
            if target.id == by.id {
                // Owners cannot lock themselves out.
                return Err(AuthError::NotFound);
            }
            change(conn, &target, &ten)?;
            audit::record(conn, &ten.id, &NewEvent::new(user_actor(&by), action).target("user", &target.id))?;
            Ok(())
        })
        .await;
    match result {
        Ok(()) => {
            app.mail_waker.notify_one();
            Ok(see_other("/users"))
        }
        Err(AuthError::NotFound) => Err(crate::error::not_found()),
        Err(other) => Err(crate::error::internal(other)),
    }
}

/// The role form.
#[derive(Deserialize)]
pub struct RoleForm {
    role: String,
}

/// `POST /users/{id}/role`.
#[handler]
pub async fn set_role(
    req: &Request,
    app: Data<&Arc<App>>,
    Path(id): Path<String>,
    Form(form): Form<RoleForm>,
) -> poem::Result<Response> {
    let role: Role = form.role.parse().map_err(|_| poem::Error::from_status(StatusCode::UNPROCESSABLE_ENTITY))?;
    change_user(req, &app, id, "user.role_changed", move |conn, user, _| users::set_role(conn, user, role)).await
}

/// `POST /users/{id}/disable`: ends the user's sessions too.
#[handler]
pub async fn disable(req: &Request, app: Data<&Arc<App>>, Path(id): Path<String>) -> poem::Result<Response> {
    change_user(req, &app, id, "user.disabled", |conn, user, _| users::set_active(conn, user, false)).await
}

/// `POST /users/{id}/enable`.
#[handler]
pub async fn enable(req: &Request, app: Data<&Arc<App>>, Path(id): Path<String>) -> poem::Result<Response> {
    change_user(req, &app, id, "user.enabled", |conn, user, _| users::set_active(conn, user, true)).await
}

/// `POST /users/{id}/reset-mfa`: the user enrols again at the next sign-in and gets a mail.
#[handler]
pub async fn reset_mfa(req: &Request, app: Data<&Arc<App>>, Path(id): Path<String>) -> poem::Result<Response> {
    change_user(req, &app, id, "user.mfa_reset", |conn, user, tenant| {
        mfa::reset(conn, user)?;
        let recipient = Recipient {
            address: &user.email,
            name: Some(&user.full_name()),
            locale: user.locale.unwrap_or(tenant.locale),
        };
        outbox::enqueue(conn, tenant, recipient, &MailContent::MfaChanged { by_staff: true })?;
        Ok(())
    })
    .await
}
