//! An organization's documentation: overview with the seed's sidebar,
//! section lists, record details and forms, audited reveals, the Wi-Fi
//! join code, and access management.

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use cairn_assets::organizations::{self, GrantRow, Organization, OrganizationInput};
use cairn_assets::records::{self, ListQuery, Record, RecordInput};
use cairn_assets::{AssetError, Input, Kind, Section};
use cairn_auth::invitations::{self, NewInvitation};
use cairn_auth::policy::{Access, Action, Principal, Resource, Visibility, can};
use cairn_auth::{AuthError, Role, User, mfa};
use cairn_store::DbConn;
use cairn_store::schema::users as users_table;
use cairn_vault::{ExposeSecret, SecretString};
use diesel::prelude::*;
use poem::http::{HeaderValue, StatusCode, header};
use poem::web::{Data, Form, Json, Path, Query};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;

use crate::App;
use crate::flow::{self, client_ip, see_other, tenant_of};
use crate::page::{Frame, render};
use crate::session::Signed;

/// One entry of the sidebar.
pub(crate) struct SectionItem {
    pub(crate) slug: &'static str,
    pub(crate) label: &'static str,
    pub(crate) count: i64,
}

/// The organization part of every organization page.
pub(crate) struct OrgFrame {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) alert: String,
    pub(crate) active: &'static str,
    pub(crate) sections: Vec<SectionItem>,
    pub(crate) can_manage: bool,
    pub(crate) can_create: bool,
}

/// Builds the sidebar and permissions for an organization page.
pub(crate) fn org_frame(
    conn: &mut DbConn,
    user: &User,
    organization: &Organization,
    grant: Option<Access>,
    active: &'static str,
    lang: &str,
) -> Result<OrgFrame, AssetError> {
    let counts = organizations::counts(conn, user, &organization.id, grant)?;
    let principal = Principal { role: user.role };
    let resource = Resource::Organization { grant };
    Ok(OrgFrame {
        id: organization.id.clone(),
        name: organization.name.clone(),
        alert: organization.alert.clone(),
        active,
        sections: Section::ALL
            .into_iter()
            .map(|s| SectionItem { slug: s.slug(), label: s.label(lang), count: counts.get(&s).copied().unwrap_or(0) })
            .collect(),
        can_manage: can(&principal, Action::Edit, &resource),
        can_create: can(&principal, Action::Create, &resource),
    })
}

/// Authorizes `action` on the organization and builds its frame, in one transaction.
async fn load_org_frame(
    app: &App,
    user: User,
    id: String,
    active: &'static str,
    action: Action,
    lang: &'static str,
) -> poem::Result<OrgFrame> {
    app.db
        .tenant_tx(&user.tenant_id.clone(), move |conn| -> Result<_, AssetError> {
            let (organization, grant) = organizations::authorize(conn, &user, &id, action)?;
            org_frame(conn, &user, &organization, grant, active, lang)
        })
        .await
        .map_err(asset_error)
}

/// Which record a page is about.
struct RecordRef {
    organization_id: String,
    kind: Kind,
    record_id: String,
}

/// Authorizes `action` on a record, builds its organization's frame and runs
/// `then` on it, all in one transaction.
async fn with_record<T, F>(
    app: &App,
    user: User,
    target: RecordRef,
    action: Action,
    lang: &'static str,
    then: F,
) -> poem::Result<(OrgFrame, Option<Access>, Record, T)>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn, &User, &Record) -> Result<T, AssetError> + Send + 'static,
{
    app.db
        .tenant_tx(&user.tenant_id.clone(), move |conn| -> Result<_, AssetError> {
            let RecordRef { organization_id, kind, record_id } = target;
            let (organization, grant, record) =
                records::authorize(conn, &user, &organization_id, kind, &record_id, action)?;
            let frame = org_frame(conn, &user, &organization, grant, kind.section().slug(), lang)?;
            let extra = then(conn, &user, &record)?;
            Ok((frame, grant, record, extra))
        })
        .await
        .map_err(asset_error)
}

/// Maps the documentation layer's errors to responses: not found and not
/// allowed are both 404.
pub(crate) fn asset_error(error: AssetError) -> poem::Error {
    match error {
        AssetError::NotFound => crate::error::not_found(),
        other => crate::error::internal(other),
    }
}

fn signed(req: &Request) -> poem::Result<Signed> {
    flow::full_session(req).ok_or_else(crate::error::not_found)
}

fn section_of(slug: &str) -> poem::Result<Section> {
    Section::from_slug(slug).ok_or_else(crate::error::not_found)
}

fn kind_of(slug: &str) -> poem::Result<Kind> {
    section_of(slug)?.kind().ok_or_else(crate::error::not_found)
}

// ----- organizations ---------------------------------------------------------

#[derive(Template)]
#[template(path = "org_overview.html")]
struct Overview {
    frame: Frame,
    org: OrgFrame,
    notice: Option<String>,
    quick_notes: String,
    grants: Vec<GrantRow>,
    candidates: Vec<(String, String)>,
    error_field: &'static str,
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
    error_field: &'static str,
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

fn may_create_organizations(user: &User) -> bool {
    can(&Principal { role: user.role }, Action::Create, &Resource::Tenant)
}

/// `GET /organizations/new`.
#[handler]
pub fn new_organization(req: &Request) -> poem::Result<Response> {
    let signed = signed(req)?;
    if !may_create_organizations(&signed.user) {
        return Err(crate::error::not_found());
    }
    let frame = Frame::for_request(req);
    let heading = frame.t.new_organization.to_owned();
    let input = OrganizationInput { kind: "customer".into(), ..Default::default() };
    Ok(render(
        StatusCode::OK,
        &OrgForm {
            frame,
            heading,
            action: "/organizations".into(),
            archive_action: String::new(),
            input,
            error_field: "",
            error: String::new(),
        },
    ))
}

fn org_form_error(
    req: &Request,
    heading: String,
    action: String,
    archive_action: String,
    input: OrganizationInput,
    error: AssetError,
) -> poem::Result<Response> {
    let frame = Frame::for_request(req);
    let (field, message) = match error {
        AssetError::NameTaken => ("name", frame.t.name_taken.to_owned()),
        AssetError::Invalid { message, .. } => ("name", format!("{} {message}", frame.t.field_invalid)),
        other => return Err(asset_error(other)),
    };
    Ok(render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &OrgForm { frame, heading, action, archive_action, input, error_field: field, error: message },
    ))
}

/// `POST /organizations`.
#[handler]
pub async fn create_organization(
    req: &Request,
    app: Data<&Arc<App>>,
    Form(form): Form<OrgFormData>,
) -> poem::Result<Response> {
    let signed = signed(req)?;
    if !may_create_organizations(&signed.user) {
        return Err(crate::error::not_found());
    }
    let input: OrganizationInput = form.into();
    let (user, data) = (signed.user.clone(), input.clone());
    let created = app
        .db
        .tenant_tx(&user.tenant_id.clone(), move |conn| {
            organizations::create(conn, &user.tenant_id, &data, organizations::actor(&user))
        })
        .await;
    match created {
        Ok(organization) => Ok(see_other(&format!("/organizations/{}", organization.id))),
        Err(error) => org_form_error(
            req,
            Frame::for_request(req).t.new_organization.to_owned(),
            "/organizations".into(),
            String::new(),
            input,
            error,
        ),
    }
}

async fn overview_page(
    req: &Request,
    app: &Arc<App>,
    id: String,
    notice: Option<String>,
    error: Option<(&'static str, String)>,
) -> poem::Result<Response> {
    let signed = signed(req)?;
    let lang = Frame::for_request(req).t.lang;
    let user = signed.user.clone();
    let (org, quick_notes, grants, candidates) = app
        .db
        .tenant_tx(&user.tenant_id.clone(), move |conn| -> Result<_, AssetError> {
            let (organization, grant) = organizations::authorize(conn, &user, &id, Action::View)?;
            let frame = org_frame(conn, &user, &organization, grant, "overview", lang)?;
            let (grants, candidates) = if frame.can_manage {
                let grants = organizations::grants(conn, &user.tenant_id, &organization.id)?;
                let granted: Vec<String> = grants.iter().map(|g| g.user_id.clone()).collect();
                let customers: Vec<(String, String, String, String)> = users_table::table
                    .filter(users_table::tenant_id.eq(user.tenant_id.as_str()))
                    .filter(users_table::role.eq("customer"))
                    .filter(users_table::status.eq("active"))
                    .order(users_table::email)
                    .select((users_table::id, users_table::first_name, users_table::last_name, users_table::email))
                    .load(conn)?;
                let candidates = customers
                    .into_iter()
                    .filter(|(id, ..)| !granted.contains(id))
                    .map(|(id, first, last, email)| (id, format!("{first} {last} <{email}>")))
                    .collect();
                (grants, candidates)
            } else {
                (Vec::new(), Vec::new())
            };
            Ok((frame, organization.quick_notes, grants, candidates))
        })
        .await
        .map_err(asset_error)?;
    let (error_field, error) = error.unwrap_or(("", String::new()));
    let status = if error_field.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok(render(
        status,
        &Overview { frame: Frame::for_request(req), org, notice, quick_notes, grants, candidates, error_field, error },
    ))
}

/// `GET /organizations/{id}`: the overview with the sidebar of the seed.
#[handler]
pub async fn overview(req: &Request, app: Data<&Arc<App>>, Path(id): Path<String>) -> poem::Result<Response> {
    overview_page(req, &app, id, None, None).await
}

/// `GET /organizations/{id}/edit`.
#[handler]
pub async fn edit_organization(req: &Request, app: Data<&Arc<App>>, Path(id): Path<String>) -> poem::Result<Response> {
    let user = signed(req)?.user;
    let organization = app
        .db
        .tenant_tx(&user.tenant_id.clone(), move |conn| {
            organizations::authorize(conn, &user, &id, Action::Edit).map(|(o, _)| o)
        })
        .await
        .map_err(asset_error)?;
    let input = OrganizationInput {
        name: organization.name.clone(),
        short_name: organization.short_name.clone(),
        kind: organization.kind.clone(),
        quick_notes: organization.quick_notes.clone(),
        alert: organization.alert.clone(),
    };
    let path = format!("/organizations/{}", organization.id);
    let page = OrgForm {
        frame: Frame::for_request(req),
        heading: organization.name.clone(),
        action: format!("{path}/edit"),
        archive_action: format!("{path}/archive"),
        input,
        error_field: "",
        error: String::new(),
    };
    Ok(render(StatusCode::OK, &page))
}

/// `POST /organizations/{id}/edit`.
#[handler]
pub async fn update_organization(
    req: &Request,
    app: Data<&Arc<App>>,
    Path(id): Path<String>,
    Form(form): Form<OrgFormData>,
) -> poem::Result<Response> {
    let user = signed(req)?.user;
    let input: OrganizationInput = form.into();
    let (data, org_id) = (input.clone(), id.clone());
    let result = app
        .db
        .tenant_tx(&user.tenant_id.clone(), move |conn| {
            organizations::authorize(conn, &user, &org_id, Action::Edit)?;
            organizations::update(conn, &user.tenant_id, &org_id, &data, organizations::actor(&user))
        })
        .await;
    match result {
        Ok(()) => Ok(see_other(&format!("/organizations/{id}"))),
        Err(error) => org_form_error(
            req,
            input.name.clone(),
            format!("/organizations/{id}/edit"),
            format!("/organizations/{id}/archive"),
            input,
            error,
        ),
    }
}

/// `POST /organizations/{id}/archive`.
#[handler]
pub async fn archive_organization(
    req: &Request,
    app: Data<&Arc<App>>,
    Path(id): Path<String>,
) -> poem::Result<Response> {
    let user = signed(req)?.user;
    app.db
        .tenant_tx(&user.tenant_id.clone(), move |conn| {
            organizations::authorize(conn, &user, &id, Action::Archive)?;
            organizations::archive(conn, &user.tenant_id, &id, organizations::actor(&user))
        })
        .await
        .map_err(asset_error)?;
    Ok(see_other("/organizations"))
}

/// The grant form.
#[derive(Deserialize)]
pub struct GrantForm {
    user_id: String,
    access: String,
}

/// `POST /organizations/{id}/access`: grants an existing customer access.
#[handler]
pub async fn grant_access(
    req: &Request,
    app: Data<&Arc<App>>,
    Path(id): Path<String>,
    Form(form): Form<GrantForm>,
) -> poem::Result<Response> {
    let user = signed(req)?.user;
    let access =
        Access::parse(&form.access).ok_or_else(|| poem::Error::from_status(StatusCode::UNPROCESSABLE_ENTITY))?;
    let org_id = id.clone();
    app.db
        .tenant_tx(&user.tenant_id.clone(), move |conn| {
            organizations::authorize(conn, &user, &org_id, Action::ManageAccess)?;
            organizations::set_grant(conn, &user.tenant_id, &org_id, &form.user_id, access, organizations::actor(&user))
        })
        .await
        .map_err(asset_error)?;
    Ok(see_other(&format!("/organizations/{id}")))
}

/// `POST /organizations/{id}/access/{user}/revoke`.
#[handler]
pub async fn revoke_access(
    req: &Request,
    app: Data<&Arc<App>>,
    Path((id, user_id)): Path<(String, String)>,
) -> poem::Result<Response> {
    let user = signed(req)?.user;
    let org_id = id.clone();
    app.db
        .tenant_tx(&user.tenant_id.clone(), move |conn| {
            organizations::authorize(conn, &user, &org_id, Action::ManageAccess)?;
            organizations::revoke_grant(conn, &user.tenant_id, &org_id, &user_id, organizations::actor(&user))?;
            // Access ends at once: the customer's open sessions see the change on their next request.
            Ok::<_, AssetError>(())
        })
        .await
        .map_err(asset_error)?;
    Ok(see_other(&format!("/organizations/{id}")))
}

/// The invite form.
#[derive(Deserialize)]
pub struct OrgInviteForm {
    email: String,
}

/// `POST /organizations/{id}/invite`: invites a customer contact straight into this organization.
#[handler]
pub async fn invite_into(
    req: &Request,
    app: Data<&Arc<App>>,
    Path(id): Path<String>,
    Form(form): Form<OrgInviteForm>,
) -> poem::Result<Response> {
    let user = signed(req)?.user;
    let tenant = tenant_of(req)?;
    let (urls, ttl, org_id, email) = (app.public.clone(), app.invitation_ttl, id.clone(), form.email.clone());
    let result = app
        .db
        .tenant_tx(&tenant.id.clone(), move |conn| -> Result<(), AssetError> {
            organizations::authorize(conn, &user, &org_id, Action::ManageAccess)?;
            if !can(&Principal { role: user.role }, Action::InviteCustomer, &Resource::Tenant) {
                return Err(AssetError::NotFound);
            }
            let invite = NewInvitation {
                email,
                role: Role::Customer,
                organization_id: Some(org_id.clone()),
                invited_by: Some(user.clone()),
                ttl,
            };
            let (invitation, _) = invitations::create(conn, &tenant, &urls, &invite)?;
            let mut event = cairn_store::audit::NewEvent::new(organizations::actor(&user), "invitation.created")
                .target("invitation", &invitation.id);
            event.organization_id = Some(&org_id);
            cairn_store::audit::record(conn, &tenant.id, &event)?;
            Ok(())
        })
        .await;
    let t = Frame::for_request(req).t;
    match result {
        Ok(()) => {
            app.mail_waker.notify_one();
            overview_page(req, &app, id, Some(t.invited.to_owned()), None).await
        }
        Err(AssetError::Auth(AuthError::EmailTaken)) => {
            overview_page(req, &app, id, None, Some(("email", t.email_taken.to_owned()))).await
        }
        Err(AssetError::Auth(AuthError::Invalid { .. } | AuthError::Mail(_))) => {
            overview_page(req, &app, id, None, Some(("email", t.email_invalid.to_owned()))).await
        }
        Err(other) => Err(asset_error(other)),
    }
}

// ----- sections and records --------------------------------------------------

/// A column of a section list.
struct Column {
    key: String,
    label: &'static str,
}

/// A row of a section list.
struct Row {
    id: String,
    cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "section_list.html")]
struct SectionList {
    frame: Frame,
    org: OrgFrame,
    section_label: &'static str,
    columns: Vec<Column>,
    rows: Vec<Row>,
    q: String,
    sort: String,
    desc: bool,
    page: usize,
    pages: usize,
    total: usize,
}

/// The list's query string.
#[derive(Deserialize, Default)]
pub struct ListParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    desc: Option<String>,
    #[serde(default)]
    page: Option<usize>,
}

/// `GET /organizations/{id}/{section}`.
#[handler]
pub async fn section_list(
    req: &Request,
    app: Data<&Arc<App>>,
    Path((id, slug)): Path<(String, String)>,
    Query(params): Query<ListParams>,
) -> poem::Result<Response> {
    let section = section_of(&slug)?;
    let Some(kind) = section.kind() else {
        return super::documents::org_documents(req, &app, id).await;
    };
    let user = signed(req)?.user;
    let frame = Frame::for_request(req);
    let lang = frame.t.lang;
    let desc = params.desc.is_some();
    let query = ListQuery { q: params.q.clone(), sort: params.sort.clone(), desc, page: params.page.unwrap_or(1) };
    let (org, page) = app
        .db
        .tenant_tx(&user.tenant_id.clone(), move |conn| -> Result<_, AssetError> {
            let (organization, grant) = organizations::authorize(conn, &user, &id, Action::View)?;
            let frame = org_frame(conn, &user, &organization, grant, section.slug(), lang)?;
            let page = records::list(conn, &user, &organization.id, grant, kind, &query)?;
            Ok((frame, page))
        })
        .await
        .map_err(asset_error)?;
    let specs: Vec<_> = kind.fields().iter().filter(|f| f.list).collect();
    let mut columns = vec![Column { key: "name".into(), label: kind.name_label(lang) }];
    columns.extend(specs.iter().map(|f| Column { key: f.key.into(), label: f.label(lang) }));
    if kind == Kind::Password {
        columns.push(Column { key: "updated".into(), label: if lang == "de" { "Geändert" } else { "Updated" } });
    }
    let rows = page
        .records
        .iter()
        .map(|r| {
            let mut cells = vec![r.name.clone()];
            cells.extend(specs.iter().map(|f| display_value(f.input, r.field(f.key), lang)));
            if kind == Kind::Password {
                cells.push(frame.time(&r.updated_at));
            }
            Row { id: r.id.clone(), cells }
        })
        .collect();
    let page_view = SectionList {
        section_label: section.label(lang),
        org,
        columns,
        rows,
        q: params.q,
        sort: if params.sort.is_empty() { "name".into() } else { params.sort },
        desc,
        page: page.page,
        pages: page.pages,
        total: page.total,
        frame,
    };
    Ok(render(StatusCode::OK, &page_view))
}

fn display_value(input: Input, value: &str, lang: &str) -> String {
    match input {
        Input::Checkbox if value == "true" => (if lang == "de" { "Ja" } else { "Yes" }).into(),
        Input::Checkbox => String::new(),
        _ => value.to_owned(),
    }
}

/// A field of the detail page.
struct DetailField {
    key: &'static str,
    label: &'static str,
    value: String,
    secret: bool,
    set: bool,
    wide: bool,
}

#[derive(Template)]
#[template(path = "record_detail.html")]
struct Detail {
    frame: Frame,
    org: OrgFrame,
    id: String,
    name: String,
    fields: Vec<DetailField>,
    can_edit: bool,
    staff_only: bool,
    wifi_qr: bool,
    updated_by: String,
    updated_at: String,
    history: Vec<(String, String, String)>,
}

/// `GET /organizations/{id}/{section}/{record}`.
#[handler]
pub async fn record_detail(
    req: &Request,
    app: Data<&Arc<App>>,
    Path((id, slug, record_id)): Path<(String, String, String)>,
) -> poem::Result<Response> {
    let section = section_of(&slug)?;
    let Some(kind) = section.kind() else {
        return super::documents::org_document(req, &app, id, record_id).await;
    };
    let user = signed(req)?.user;
    let frame = Frame::for_request(req);
    let lang = frame.t.lang;
    let target = RecordRef { organization_id: id, kind, record_id };
    let (org, grant, record, events) =
        with_record(&app, user.clone(), target, Action::View, lang, |conn, user, record| {
            // Who changed what and when; staff also see who revealed it.
            let filter = cairn_store::audit::Filter { target_id: Some(record.id.clone()), ..Default::default() };
            let staff = user.role.is_staff();
            Ok(cairn_store::audit::list(conn, &user.tenant_id, &filter, 20)?
                .into_iter()
                .filter(|e| staff || e.action != "record.revealed")
                .collect::<Vec<_>>())
        })
        .await?;
    let fields = kind
        .fields()
        .iter()
        .map(|f| DetailField {
            key: f.key,
            label: f.label(lang),
            value: display_value(f.input, record.field(f.key), lang),
            secret: f.is_secret(),
            set: record.secrets_set.contains(f.key),
            wide: f.input == Input::Textarea,
        })
        .collect();
    let can_edit =
        can(&Principal { role: user.role }, Action::Edit, &Resource::Record { grant, visibility: record.visibility });
    let page = Detail {
        org,
        id: record.id.clone(),
        name: record.name.clone(),
        fields,
        can_edit,
        staff_only: record.visibility == Visibility::Staff,
        wifi_qr: kind == Kind::Wireless,
        updated_by: record.updated_by.clone().unwrap_or_default(),
        updated_at: frame.time(&record.updated_at),
        history: events
            .iter()
            .map(|e| (frame.time(&e.occurred_at), e.actor.clone(), history_label(&e.action, lang).to_owned()))
            .collect(),
        frame,
    };
    Ok(render(StatusCode::OK, &page))
}

fn history_label(action: &str, lang: &str) -> &'static str {
    match (action, lang == "de") {
        ("record.created", true) => "erstellt",
        ("record.created", false) => "created",
        ("record.updated", true) => "geändert",
        ("record.updated", false) => "changed",
        ("record.revealed", true) => "Geheimnis angezeigt",
        ("record.revealed", false) => "revealed a secret",
        ("record.archived", true) => "archiviert",
        ("record.archived", false) => "archived",
        (_, true) => "Aktion",
        (_, false) => "action",
    }
}

/// A field of the record form.
struct FormField {
    key: &'static str,
    label: &'static str,
    kind: &'static str,
    options: &'static [&'static str],
    value: String,
    set: bool,
}

#[derive(Template)]
#[template(path = "record_form.html")]
struct RecordForm {
    frame: Frame,
    org: OrgFrame,
    heading: String,
    action: String,
    archive_action: String,
    name_label: &'static str,
    name: String,
    fields: Vec<FormField>,
    has_visibility: bool,
    visibility: &'static str,
    error_field: String,
    error: String,
}

fn form_fields(kind: Kind, lang: &str, values: &BTreeMap<String, String>, record: Option<&Record>) -> Vec<FormField> {
    kind.fields()
        .iter()
        .map(|f| {
            let (input_kind, options) = match f.input {
                Input::Text => ("text", &[][..]),
                Input::Textarea => ("textarea", &[][..]),
                Input::Email => ("email", &[][..]),
                Input::Date => ("date", &[][..]),
                Input::Select(options) => ("select", options),
                Input::Checkbox => ("checkbox", &[][..]),
                Input::Secret => ("secret", &[][..]),
            };
            FormField {
                key: f.key,
                label: f.label(lang),
                kind: input_kind,
                options,
                value: if f.is_secret() { String::new() } else { values.get(f.key).cloned().unwrap_or_default() },
                set: record.is_some_and(|r| r.secrets_set.contains(f.key)),
            }
        })
        .collect()
}

/// `GET /organizations/{id}/{section}/new`.
#[handler]
pub async fn new_record(
    req: &Request,
    app: Data<&Arc<App>>,
    Path((id, slug)): Path<(String, String)>,
) -> poem::Result<Response> {
    let section = section_of(&slug)?;
    let Some(kind) = section.kind() else {
        return super::documents::new_org_document(req, &app, id).await;
    };
    let user = signed(req)?.user;
    let frame = Frame::for_request(req);
    let lang = frame.t.lang;
    let org = load_org_frame(&app, user, id, section.slug(), Action::Create, lang).await?;
    let page = RecordForm {
        heading: format!("{} – {}", section.label(lang), frame.t.new_record),
        action: format!("/organizations/{}/{}", org.id, section.slug()),
        archive_action: String::new(),
        name_label: kind.name_label(lang),
        name: String::new(),
        fields: form_fields(kind, lang, &BTreeMap::new(), None),
        has_visibility: kind.has_visibility(),
        visibility: "everyone",
        error_field: String::new(),
        error: String::new(),
        org,
        frame,
    };
    Ok(render(StatusCode::OK, &page))
}

/// Reads a record form: plain fields, typed secrets, secrets to clear, visibility.
fn record_input(kind: Kind, form: &BTreeMap<String, String>) -> RecordInput {
    let mut input = RecordInput { name: form.get("name").cloned().unwrap_or_default(), ..Default::default() };
    for spec in kind.fields() {
        let value = form.get(spec.key).cloned().unwrap_or_default();
        if spec.is_secret() {
            if !value.is_empty() {
                input.secrets.insert(spec.key.to_owned(), SecretString::from(value));
            }
            if form.get(&format!("clear_{}", spec.key)).is_some_and(|v| v == "true") {
                input.clear.insert(spec.key.to_owned());
            }
        } else {
            input.fields.insert(spec.key.to_owned(), value);
        }
    }
    if kind.has_visibility() {
        input.visibility = Some(match form.get("visibility").map(String::as_str) {
            Some("staff") => Visibility::Staff,
            _ => Visibility::Everyone,
        });
    }
    input
}

async fn record_form_error(
    req: &Request,
    app: &Arc<App>,
    id: String,
    section: Section,
    record: Option<Record>,
    form: BTreeMap<String, String>,
    error: AssetError,
) -> poem::Result<Response> {
    let (field, message) = match error {
        AssetError::Invalid { field, message } => (field, message),
        other => return Err(asset_error(other)),
    };
    let kind = section.kind().ok_or_else(crate::error::not_found)?;
    let user = signed(req)?.user;
    let frame = Frame::for_request(req);
    let lang = frame.t.lang;
    let org = load_org_frame(app, user, id, section.slug(), Action::View, lang).await?;
    let (action, archive_action) = match &record {
        Some(r) => (
            format!("/organizations/{}/{}/{}/edit", org.id, section.slug(), r.id),
            format!("/organizations/{}/{}/{}/archive", org.id, section.slug(), r.id),
        ),
        None => (format!("/organizations/{}/{}", org.id, section.slug()), String::new()),
    };
    let page = RecordForm {
        heading: record
            .as_ref()
            .map(|r| r.name.clone())
            .unwrap_or_else(|| format!("{} – {}", section.label(lang), frame.t.new_record)),
        action,
        archive_action,
        name_label: kind.name_label(lang),
        name: form.get("name").cloned().unwrap_or_default(),
        fields: form_fields(kind, lang, &form, record.as_ref()),
        has_visibility: kind.has_visibility(),
        visibility: if form.get("visibility").is_some_and(|v| v == "staff") { "staff" } else { "everyone" },
        error: format!("{} {message}", frame.t.field_invalid),
        error_field: field,
        org,
        frame,
    };
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

/// `POST /organizations/{id}/{section}`: creates a record (or a document).
#[handler]
pub async fn create_record(
    req: &Request,
    app: Data<&Arc<App>>,
    Path((id, slug)): Path<(String, String)>,
    Form(form): Form<BTreeMap<String, String>>,
) -> poem::Result<Response> {
    let section = section_of(&slug)?;
    let Some(kind) = section.kind() else {
        return super::documents::create_org_document(req, &app, id, form).await;
    };
    let user = signed(req)?.user;
    let input = record_input(kind, &form);
    let (master, org_id) = (Arc::clone(&app.master_key), id.clone());
    let created = app
        .db
        .tenant_tx(&user.tenant_id.clone(), move |conn| -> Result<Record, AssetError> {
            let keyring = cairn_tenancy::keys::keyring(conn, &master, &user.tenant_id)?;
            records::create(conn, &keyring, &user, &org_id, kind, &input)
        })
        .await;
    match created {
        Ok(record) => Ok(see_other(&format!("/organizations/{id}/{}/{}", section.slug(), record.id))),
        Err(error) => record_form_error(req, &app, id, section, None, form, error).await,
    }
}

/// `GET /organizations/{id}/{section}/{record}/edit`.
#[handler]
pub async fn edit_record(
    req: &Request,
    app: Data<&Arc<App>>,
    Path((id, slug, record_id)): Path<(String, String, String)>,
) -> poem::Result<Response> {
    let section = section_of(&slug)?;
    let Some(kind) = section.kind() else {
        return super::documents::edit_org_document(req, &app, id, record_id).await;
    };
    let user = signed(req)?.user;
    let frame = Frame::for_request(req);
    let lang = frame.t.lang;
    let target = RecordRef { organization_id: id, kind, record_id };
    let (org, _, record, ()) = with_record(&app, user, target, Action::Edit, lang, |_, _, _| Ok(())).await?;
    let page = RecordForm {
        heading: record.name.clone(),
        action: format!("/organizations/{}/{}/{}/edit", org.id, section.slug(), record.id),
        archive_action: format!("/organizations/{}/{}/{}/archive", org.id, section.slug(), record.id),
        name_label: kind.name_label(lang),
        name: record.name.clone(),
        fields: form_fields(kind, lang, &record.fields, Some(&record)),
        has_visibility: kind.has_visibility(),
        visibility: record.visibility.as_str(),
        error_field: String::new(),
        error: String::new(),
        org,
        frame,
    };
    Ok(render(StatusCode::OK, &page))
}

/// `POST /organizations/{id}/{section}/{record}/edit`.
#[handler]
pub async fn update_record(
    req: &Request,
    app: Data<&Arc<App>>,
    Path((id, slug, record_id)): Path<(String, String, String)>,
    Form(form): Form<BTreeMap<String, String>>,
) -> poem::Result<Response> {
    let section = section_of(&slug)?;
    let Some(kind) = section.kind() else {
        return super::documents::update_org_document(req, &app, id, record_id, form).await;
    };
    let user = signed(req)?.user;
    let input = record_input(kind, &form);
    let (master, org_id, rid) = (Arc::clone(&app.master_key), id.clone(), record_id.clone());
    let updated = app
        .db
        .tenant_tx(&user.tenant_id.clone(), move |conn| -> Result<Result<(), (Record, AssetError)>, AssetError> {
            let (_, grant, record) = records::authorize(conn, &user, &org_id, kind, &rid, Action::Edit)?;
            let keyring = cairn_tenancy::keys::keyring(conn, &master, &user.tenant_id)?;
            match records::update(conn, &keyring, &user, grant, &record, &input) {
                Ok(()) => Ok(Ok(())),
                Err(error @ AssetError::Invalid { .. }) => Ok(Err((record, error))),
                Err(other) => Err(other),
            }
        })
        .await
        .map_err(asset_error)?;
    match updated {
        Ok(()) => Ok(see_other(&format!("/organizations/{id}/{}/{record_id}", section.slug()))),
        Err((record, error)) => record_form_error(req, &app, id, section, Some(record), form, error).await,
    }
}

/// `POST /organizations/{id}/{section}/{record}/archive`.
#[handler]
pub async fn archive_record(
    req: &Request,
    app: Data<&Arc<App>>,
    Path((id, slug, record_id)): Path<(String, String, String)>,
) -> poem::Result<Response> {
    let section = section_of(&slug)?;
    let Some(kind) = section.kind() else {
        return super::documents::archive_org_document(req, &app, id, record_id).await;
    };
    let user = signed(req)?.user;
    let org_id = id.clone();
    app.db
        .tenant_tx(&user.tenant_id.clone(), move |conn| {
            let (_, _, record) = records::authorize(conn, &user, &org_id, kind, &record_id, Action::Archive)?;
            records::archive(conn, &user, &record)
        })
        .await
        .map_err(asset_error)?;
    Ok(see_other(&format!("/organizations/{id}/{}", section.slug())))
}

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
    label: &'static str,
    value: String,
}

/// `POST /organizations/{id}/{section}/{record}/reveal`: shows one secret,
/// audited; JSON `{"value": …}` for `Accept: application/json`, else a page.
/// For an OTP secret the value is the current code (with `remaining` seconds).
#[handler]
pub async fn reveal(
    req: &Request,
    app: Data<&Arc<App>>,
    Path((id, slug, record_id)): Path<(String, String, String)>,
    Form(form): Form<RevealForm>,
) -> poem::Result<Response> {
    let kind = kind_of(&slug)?;
    let user = signed(req)?.user;
    let field =
        if form.field.is_empty() { kind.main_secret().unwrap_or_default().to_owned() } else { form.field.clone() };
    let lang = Frame::for_request(req).t.lang;
    let (master, ip, reveal_field) = (Arc::clone(&app.master_key), client_ip(req), field.clone());
    let (tx_user, org_id) = (user.clone(), id.clone());
    let (record, secret) = app
        .db
        .tenant_tx(&user.tenant_id.clone(), move |conn| -> Result<_, AssetError> {
            let (_, _, record) = records::authorize(conn, &tx_user, &org_id, kind, &record_id, Action::Reveal)?;
            let keyring = cairn_tenancy::keys::keyring(conn, &master, &tx_user.tenant_id)?;
            let secret =
                records::reveal(conn, &keyring, &tx_user, &record, &reveal_field, &ip)?.ok_or(AssetError::NotFound)?;
            Ok((record, secret))
        })
        .await
        .map_err(asset_error)?;
    let (value, remaining) = if field == "otp_secret" {
        let code = mfa::current_code(secret.expose_secret()).ok_or_else(crate::error::not_found)?;
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        (code, Some(30 - now % 30))
    } else {
        (secret.expose_secret().to_owned(), None)
    };
    let wants_json =
        req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("application/json"));
    let mut response = if wants_json {
        let mut body = serde_json::json!({ "value": value });
        if let Some(remaining) = remaining {
            body["remaining"] = remaining.into();
        }
        Json(body).into_response()
    } else {
        let label = kind.fields().iter().find(|f| f.key == field).map(|f| f.label(lang)).unwrap_or_default();
        // Only the page (without JavaScript) needs the sidebar.
        let org = load_org_frame(&app, user, id, kind.section().slug(), Action::View, lang).await?;
        render(
            StatusCode::OK,
            &RevealPage {
                frame: Frame::for_request(req),
                org,
                id: record.id.clone(),
                name: record.name.clone(),
                label,
                value,
            },
        )
    };
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    Ok(response)
}

/// `GET /organizations/{id}/wireless/{record}/qr.png`: the Wi-Fi join code.
/// It carries the passphrase, so it is a reveal: audited and never cached.
#[handler]
pub async fn wifi_qr(
    req: &Request,
    app: Data<&Arc<App>>,
    Path((id, slug, record_id)): Path<(String, String, String)>,
) -> poem::Result<Response> {
    if kind_of(&slug)? != Kind::Wireless {
        return Err(crate::error::not_found());
    }
    let user = signed(req)?.user;
    let (master, ip) = (Arc::clone(&app.master_key), client_ip(req));
    let payload = app
        .db
        .tenant_tx(&user.tenant_id.clone(), move |conn| -> Result<String, AssetError> {
            let (_, _, record) = records::authorize(conn, &user, &id, Kind::Wireless, &record_id, Action::Reveal)?;
            let keyring = cairn_tenancy::keys::keyring(conn, &master, &user.tenant_id)?;
            let passphrase = records::reveal(conn, &keyring, &user, &record, "passphrase", &ip)?;
            Ok(records::wifi_payload(&record, passphrase.as_ref().map(|p| p.expose_secret())))
        })
        .await
        .map_err(asset_error)?;
    let png = mfa::qr_png(&payload).map_err(crate::error::internal)?;
    Ok(Response::builder().content_type("image/png").header(header::CACHE_CONTROL, "no-store").body(png))
}

/// Whether a user may create organizations (the list's "New" button).
pub(crate) fn can_create_organizations(user: &User) -> bool {
    may_create_organizations(user)
}
