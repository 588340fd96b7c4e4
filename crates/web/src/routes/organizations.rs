//! Organizations: the list, the overview with the seed's sidebar, and the
//! organization form.

use askama::Template;
use cairn_app::{AppError, OrganizationId};
use cairn_assets::organizations::{GrantRow, Organization, OrganizationInput};
use poem::http::StatusCode;
use poem::web::{Form, Path};
use poem::{Request, Response, handler};
use serde::Deserialize;

use crate::error::{WebResult, not_found};
use crate::extract::{AppData, Signed, Viewer};
use crate::flow::see_other;
use crate::messages::form_error;
use crate::org_frame::OrgFrame;
use crate::page::{Frame, render};

/// A card of the list.
struct OrgCard {
    id: String,
    name: String,
    kind_label: &'static str,
}

#[derive(Template)]
#[template(path = "organizations.html")]
struct OrganizationsPage {
    frame: Frame,
    organizations: Vec<OrgCard>,
    can_create: bool,
    /// A new owner's first steps, until done or dismissed.
    checklist: Option<cairn_app::Checklist>,
}

#[derive(Template)]
#[template(path = "org_overview.html")]
struct OverviewPage {
    frame: Frame,
    org: OrgFrame,
    notice: Option<String>,
    quick_notes: String,
    grants: Vec<GrantRow>,
    candidates: Vec<(String, String)>,
    error_field: String,
    error: String,
}

#[derive(Template)]
#[template(path = "org_form.html")]
struct OrgForm {
    frame: Frame,
    heading: String,
    action: String,
    archive_action: String,
    input: OrganizationInput,
    error_field: String,
    error: String,
}

/// The organization form.
#[derive(Deserialize)]
pub struct OrgFormData {
    name: String,
    #[serde(default)]
    short_name: String,
    kind: String,
    #[serde(default)]
    quick_notes: String,
    #[serde(default)]
    alert: String,
}

impl From<OrgFormData> for OrganizationInput {
    fn from(f: OrgFormData) -> Self {
        OrganizationInput {
            name: f.name,
            short_name: f.short_name,
            kind: f.kind,
            quick_notes: f.quick_notes,
            alert: f.alert,
        }
    }
}

/// `GET /organizations`: staff see every active organization; customers those granted to them.
#[handler]
pub async fn list(req: &Request, app: AppData<'_>, signed: Signed) -> WebResult<Response> {
    let visible = app.organizations(&signed.caller).await?;
    let frame = Frame::for_request(req);
    let t = frame.t;
    let organizations = visible
        .into_iter()
        .map(|o: Organization| OrgCard {
            id: o.id,
            name: o.name,
            kind_label: match o.kind.as_str() {
                "internal" => t.kind_internal,
                "vendor" => t.kind_vendor,
                _ => t.kind_customer,
            },
        })
        .collect();
    let can_create = app.may_create_organizations(&signed.caller);
    let checklist = app.checklist(&signed.caller).await?.filter(|steps| !steps.complete());
    Ok(render(StatusCode::OK, &OrganizationsPage { frame, organizations, can_create, checklist }))
}

/// The overview with an optional notice and an optional field error.
pub(super) async fn overview_page(
    req: &Request,
    app: &cairn_app::App,
    caller: &cairn_app::Caller,
    id: &OrganizationId,
    notice: Option<String>,
    error: Option<(String, String)>,
) -> WebResult<Response> {
    let view = app.organization_overview(caller, id).await?;
    let frame = Frame::for_request(req);
    let (error_field, error) = error.unwrap_or_default();
    let status = if error_field.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = OverviewPage {
        org: OrgFrame::new(&view.org, "overview", frame.t.lang),
        quick_notes: view.org.organization.quick_notes.clone(),
        grants: view.grants,
        candidates: view.candidates,
        notice,
        error_field,
        error,
        frame,
    };
    Ok(render(status, &page))
}

/// `GET /organizations/{id}`: the overview with the sidebar of the seed.
#[handler]
pub async fn overview(req: &Request, app: AppData<'_>, viewer: Viewer, Path(id): Path<String>) -> WebResult<Response> {
    overview_page(req, &app, &viewer.caller, &OrganizationId::new(id), None, None).await
}

fn form_page(
    req: &Request,
    heading: String,
    id: Option<&str>,
    input: OrganizationInput,
    status: StatusCode,
    error: Option<(String, String)>,
) -> Response {
    let (action, archive_action) = match id {
        Some(id) => (format!("/organizations/{id}/edit"), format!("/organizations/{id}/archive")),
        None => ("/organizations".to_owned(), String::new()),
    };
    let (error_field, error) = error.unwrap_or_default();
    render(
        status,
        &OrgForm { frame: Frame::for_request(req), heading, action, archive_action, input, error_field, error },
    )
}

/// The form again with the error shown at its field, or the error page.
fn form_error_page(
    req: &Request,
    heading: String,
    id: Option<&str>,
    input: OrganizationInput,
    error: AppError,
) -> WebResult<Response> {
    let (_, message) = form_error(Frame::for_request(req).t, &error).ok_or(error)?;
    // The form shows one message, above its first field.
    Ok(form_page(req, heading, id, input, StatusCode::UNPROCESSABLE_ENTITY, Some(("name".into(), message))))
}

/// `GET /organizations/new`.
#[handler]
pub fn new_organization(req: &Request, app: AppData<'_>, signed: Signed) -> WebResult<Response> {
    if !app.may_create_organizations(&signed.caller) {
        return Err(not_found());
    }
    let heading = Frame::for_request(req).t.new_organization.to_owned();
    let input = OrganizationInput { kind: "customer".into(), ..Default::default() };
    Ok(form_page(req, heading, None, input, StatusCode::OK, None))
}

/// `POST /organizations`.
#[handler]
pub async fn create_organization(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Form(form): Form<OrgFormData>,
) -> WebResult<Response> {
    let input: OrganizationInput = form.into();
    match app.create_organization(&signed.caller, input.clone()).await {
        Ok(organization) => Ok(see_other(&format!("/organizations/{}", organization.id))),
        Err(error) => form_error_page(req, Frame::for_request(req).t.new_organization.to_owned(), None, input, error),
    }
}

/// `GET /organizations/{id}/edit`.
#[handler]
pub async fn edit_organization(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let organization = app.organization_for_edit(&signed.caller, &OrganizationId::new(id)).await?;
    let input = OrganizationInput {
        name: organization.name.clone(),
        short_name: organization.short_name.clone(),
        kind: organization.kind.clone(),
        quick_notes: organization.quick_notes.clone(),
        alert: organization.alert.clone(),
    };
    Ok(form_page(req, organization.name.clone(), Some(&organization.id), input, StatusCode::OK, None))
}

/// `POST /organizations/{id}/edit`.
#[handler]
pub async fn update_organization(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Path(id): Path<String>,
    Form(form): Form<OrgFormData>,
) -> WebResult<Response> {
    let input: OrganizationInput = form.into();
    match app.update_organization(&signed.caller, &OrganizationId::new(id.clone()), input.clone()).await {
        Ok(()) => Ok(see_other(&format!("/organizations/{id}"))),
        Err(error) => form_error_page(req, input.name.clone(), Some(&id), input, error),
    }
}

/// `POST /organizations/{id}/archive`.
#[handler]
pub async fn archive_organization(app: AppData<'_>, signed: Signed, Path(id): Path<String>) -> WebResult<Response> {
    app.archive_organization(&signed.caller, &OrganizationId::new(id)).await?;
    Ok(see_other("/organizations"))
}
