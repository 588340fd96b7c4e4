//! Who may read an organization: granting and revoking customers' access,
//! and inviting a customer straight into the organization.

use cairn_app::{Invite, OrganizationId, OrganizationRef, UserId};
use cairn_auth::Role;
use cairn_auth::policy::Access;
use poem::web::{Form, Path};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::organizations::overview_page;
use crate::error::{WebError, WebResult};
use crate::extract::{AppData, Signed};
use crate::flow::see_other;
use crate::messages::form_error;
use crate::page::Frame;

/// The grant form.
#[derive(Deserialize)]
pub struct GrantForm {
    user_id: String,
    access: String,
}

/// The invite form.
#[derive(Deserialize)]
pub struct OrgInviteForm {
    email: String,
}

/// `POST /organizations/{id}/access`: grants an existing customer access.
#[handler]
pub async fn grant_access(
    app: AppData<'_>,
    signed: Signed,
    Path(id): Path<String>,
    Form(form): Form<GrantForm>,
) -> WebResult<Response> {
    let access = Access::parse(&form.access).ok_or_else(|| {
        WebError(cairn_app::AppError::invalid("access", cairn_app::Reason::Text("viewer or editor".into())))
    })?;
    app.grant_access(&signed.caller, &OrganizationId::new(id.clone()), &UserId::new(form.user_id), access).await?;
    Ok(see_other(&format!("/organizations/{id}")))
}

/// `POST /organizations/{id}/access/{user}/revoke`.
#[handler]
pub async fn revoke_access(
    app: AppData<'_>,
    signed: Signed,
    Path((id, user)): Path<(String, String)>,
) -> WebResult<Response> {
    app.revoke_access(&signed.caller, &OrganizationId::new(id.clone()), &UserId::new(user)).await?;
    Ok(see_other(&format!("/organizations/{id}")))
}

/// `POST /organizations/{id}/invite`: invites a customer contact straight into this organization.
#[handler]
pub async fn invite_into(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Path(id): Path<String>,
    Form(form): Form<OrgInviteForm>,
) -> WebResult<Response> {
    let id = OrganizationId::new(id);
    let invite =
        Invite { email: form.email, role: Role::Customer, organization: Some(OrganizationRef::Id(id.clone())) };
    let t = Frame::for_request(req).t;
    match app.invite(&signed.caller, invite).await {
        Ok(_) => overview_page(req, &app, &signed.caller, &id, Some(t.invited.to_owned()), None).await,
        Err(error) => {
            let (_, message) = form_error(t, &error).ok_or(error)?;
            overview_page(req, &app, &signed.caller, &id, None, Some(("email".into(), message))).await
        }
    }
}
