//! Documents: an organization's guides and the tenant-wide guides, with
//! revisions and restore.

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use cairn_assets::documents::{self, Document};
use cairn_assets::organizations;
use cairn_assets::{AssetError, Section};
use cairn_auth::policy::Action;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::documentation::{OrgFrame, asset_error, org_frame};
use crate::App;
use crate::flow::{self, see_other};
use crate::page::{Frame, render};

#[derive(Template)]
#[template(path = "documents.html")]
struct OrgDocuments {
    frame: Frame,
    org: OrgFrame,
    section_label: &'static str,
    base: String,
    documents: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "guides.html")]
struct Guides {
    frame: Frame,
    can_create: bool,
    documents: Vec<(String, String, String)>,
}

/// A revision row.
struct RevisionRow {
    number: i32,
    author: String,
    when: String,
}

#[derive(Template)]
#[template(path = "document.html")]
struct DocumentPage {
    frame: Frame,
    back: String,
    back_label: String,
    base: String,
    id: String,
    title: String,
    html: String,
    revision: i32,
    viewing_revision: i32,
    updated_by: String,
    updated_at: String,
    can_edit: bool,
    revisions: Vec<RevisionRow>,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "document_form.html")]
struct DocumentForm {
    frame: Frame,
    back: String,
    back_label: String,
    heading: String,
    action: String,
    archive_action: String,
    title: String,
    body: String,
    error_field: &'static str,
    error: String,
}

fn user(req: &Request) -> poem::Result<cairn_auth::User> {
    Ok(flow::full_session(req).ok_or_else(crate::error::not_found)?.user)
}

/// Where a document lives: `/organizations/{id}/documents` or `/guides`.
fn base_of(organization_id: Option<&str>) -> String {
    match organization_id {
        Some(id) => format!("/organizations/{id}/documents"),
        None => "/guides".into(),
    }
}

/// `GET /organizations/{id}/documents`.
pub(crate) async fn org_documents(req: &Request, app: &Arc<App>, id: String) -> poem::Result<Response> {
    let user = user(req)?;
    let frame = Frame::for_request(req);
    let lang = frame.t.lang;
    let (org, docs) = app
        .db
        .tenant_tx(&user.tenant_id.clone(), move |conn| -> Result<_, AssetError> {
            let (organization, grant) = organizations::authorize(conn, &user, &id, Action::View)?;
            let frame = org_frame(conn, &user, &organization, grant, Section::Documents.slug(), lang)?;
            Ok((frame, documents::list(conn, &user, Some(&organization.id))?))
        })
        .await
        .map_err(asset_error)?;
    let documents = docs.iter().map(|d| (d.id.clone(), d.title.clone(), frame.time(&d.updated_at))).collect();
    let base = base_of(Some(&org.id));
    Ok(render(
        StatusCode::OK,
        &OrgDocuments { section_label: Section::Documents.label(lang), base, org, documents, frame },
    ))
}

/// `GET /guides`: the tenant-wide guides, for every user of the tenant.
#[handler]
pub async fn guides(req: &Request, app: Data<&Arc<App>>) -> poem::Result<Response> {
    let user = user(req)?;
    let (docs, can_create) = app
        .db
        .tenant_tx(&user.tenant_id.clone(), move |conn| -> Result<_, AssetError> {
            Ok((documents::list(conn, &user, None)?, documents::can_write(conn, &user, None)?))
        })
        .await
        .map_err(asset_error)?;
    let frame = Frame::for_request(req);
    let documents = docs.iter().map(|d| (d.id.clone(), d.title.clone(), frame.time(&d.updated_at))).collect();
    Ok(render(StatusCode::OK, &Guides { frame, can_create, documents }))
}

/// A `?revision=` query.
#[derive(Deserialize, Default)]
pub struct RevisionQuery {
    #[serde(default)]
    revision: Option<i32>,
}

async fn show(
    req: &Request,
    app: &Arc<App>,
    organization_id: Option<String>,
    id: String,
    revision: Option<i32>,
    notice: Option<String>,
) -> poem::Result<Response> {
    let user = user(req)?;
    let org_for_tx = organization_id.clone();
    let (document, can_edit, revisions, shown, org_name) = app
        .db
        .tenant_tx(&user.tenant_id.clone(), move |conn| -> Result<_, AssetError> {
            let document = documents::authorize(conn, &user, org_for_tx.as_deref(), &id, Action::View)?;
            let can_edit = documents::authorize(conn, &user, org_for_tx.as_deref(), &id, Action::Edit).is_ok();
            let revisions = documents::revisions(conn, &user, &document.id)?;
            let shown = match revision {
                Some(n) => Some(documents::revision_of(conn, &user, &document.id, n)?),
                None => None,
            };
            let org_name = match &org_for_tx {
                Some(org) => organizations::get(conn, &user.tenant_id, org)?.name,
                None => String::new(),
            };
            Ok((document, can_edit, revisions, shown, org_name))
        })
        .await
        .map_err(asset_error)?;
    let frame = Frame::for_request(req);
    let (title, body, viewing) = match &shown {
        Some(rev) => (rev.title.clone(), rev.body.clone(), rev.revision),
        None => (document.title.clone(), document.body.clone(), 0),
    };
    let base = base_of(organization_id.as_deref());
    let page = DocumentPage {
        back: base.clone(),
        back_label: if organization_id.is_some() {
            format!("{org_name} · {}", Section::Documents.label(frame.t.lang))
        } else {
            frame.t.guides.to_owned()
        },
        base,
        id: document.id.clone(),
        title,
        html: documents::render(&body),
        revision: document.revision,
        viewing_revision: viewing,
        updated_by: document.updated_by.clone().unwrap_or_default(),
        updated_at: frame.time(&document.updated_at),
        can_edit,
        revisions: revisions
            .iter()
            .map(|r| RevisionRow { number: r.revision, author: r.author.clone(), when: frame.time(&r.created_at) })
            .collect(),
        notice,
        frame,
    };
    Ok(render(StatusCode::OK, &page))
}

/// `GET /organizations/{id}/documents/{doc}`.
pub(crate) async fn org_document(
    req: &Request,
    app: &Arc<App>,
    id: String,
    document_id: String,
) -> poem::Result<Response> {
    let revision = req
        .uri()
        .query()
        .and_then(|q| serde_urlencoded::from_str::<RevisionQuery>(q).ok())
        .unwrap_or_default()
        .revision;
    show(req, app, Some(id), document_id, revision, None).await
}

/// `GET /guides/{doc}`.
#[handler]
pub async fn guide(
    req: &Request,
    app: Data<&Arc<App>>,
    Path(id): Path<String>,
    Query(query): Query<RevisionQuery>,
) -> poem::Result<Response> {
    show(req, &app, None, id, query.revision, None).await
}

fn form_page(
    req: &Request,
    organization_id: Option<&str>,
    document: Option<&Document>,
    title: String,
    body: String,
    error: Option<String>,
) -> Response {
    let frame = Frame::for_request(req);
    let base = base_of(organization_id);
    let (heading, action, archive_action) = match document {
        Some(d) => (d.title.clone(), format!("{base}/{}/edit", d.id), format!("{base}/{}/archive", d.id)),
        None => (frame.t.new_document.to_owned(), base.clone(), String::new()),
    };
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = DocumentForm {
        back: base,
        back_label: frame.t.back.to_owned(),
        heading,
        action,
        archive_action,
        title,
        body,
        error_field: if error.is_some() { "title" } else { "" },
        error: error.unwrap_or_default(),
        frame,
    };
    render(status, &page)
}

async fn new_form(req: &Request, app: &Arc<App>, organization_id: Option<String>) -> poem::Result<Response> {
    let user = user(req)?;
    let org = organization_id.clone();
    let allowed = app
        .db
        .tenant_tx(&user.tenant_id.clone(), move |conn| documents::can_write(conn, &user, org.as_deref()))
        .await
        .map_err(asset_error)?;
    if !allowed {
        return Err(crate::error::not_found());
    }
    Ok(form_page(req, organization_id.as_deref(), None, String::new(), String::new(), None))
}

/// `GET /organizations/{id}/documents/new`.
pub(crate) async fn new_org_document(req: &Request, app: &Arc<App>, id: String) -> poem::Result<Response> {
    new_form(req, app, Some(id)).await
}

/// `GET /guides/new`.
#[handler]
pub async fn new_guide(req: &Request, app: Data<&Arc<App>>) -> poem::Result<Response> {
    new_form(req, &app, None).await
}

/// The document form.
#[derive(Deserialize)]
pub struct DocumentFormData {
    title: String,
    #[serde(default)]
    body: String,
}

async fn create(
    req: &Request,
    app: &Arc<App>,
    organization_id: Option<String>,
    title: String,
    body: String,
) -> poem::Result<Response> {
    let user = user(req)?;
    let (org, t, b) = (organization_id.clone(), title.clone(), body.clone());
    let created = app
        .db
        .tenant_tx(&user.tenant_id.clone(), move |conn| documents::create(conn, &user, org.as_deref(), &t, &b))
        .await;
    match created {
        Ok(document) => Ok(see_other(&format!("{}/{}", base_of(organization_id.as_deref()), document.id))),
        Err(AssetError::Invalid { message, .. }) => {
            Ok(form_page(req, organization_id.as_deref(), None, title, body, Some(message)))
        }
        Err(other) => Err(asset_error(other)),
    }
}

/// `POST /organizations/{id}/documents`.
pub(crate) async fn create_org_document(
    req: &Request,
    app: &Arc<App>,
    id: String,
    form: BTreeMap<String, String>,
) -> poem::Result<Response> {
    create(
        req,
        app,
        Some(id),
        form.get("title").cloned().unwrap_or_default(),
        form.get("body").cloned().unwrap_or_default(),
    )
    .await
}

/// `POST /guides`.
#[handler]
pub async fn create_guide(
    req: &Request,
    app: Data<&Arc<App>>,
    Form(form): Form<DocumentFormData>,
) -> poem::Result<Response> {
    create(req, &app, None, form.title, form.body).await
}

async fn edit_form(
    req: &Request,
    app: &Arc<App>,
    organization_id: Option<String>,
    id: String,
) -> poem::Result<Response> {
    let user = user(req)?;
    let org = organization_id.clone();
    let document = app
        .db
        .tenant_tx(&user.tenant_id.clone(), move |conn| {
            documents::authorize(conn, &user, org.as_deref(), &id, Action::Edit)
        })
        .await
        .map_err(asset_error)?;
    Ok(form_page(req, organization_id.as_deref(), Some(&document), document.title.clone(), document.body.clone(), None))
}

/// `GET /organizations/{id}/documents/{doc}/edit`.
pub(crate) async fn edit_org_document(
    req: &Request,
    app: &Arc<App>,
    id: String,
    document_id: String,
) -> poem::Result<Response> {
    edit_form(req, app, Some(id), document_id).await
}

/// `GET /guides/{doc}/edit`.
#[handler]
pub async fn edit_guide(req: &Request, app: Data<&Arc<App>>, Path(id): Path<String>) -> poem::Result<Response> {
    edit_form(req, &app, None, id).await
}

async fn update(
    req: &Request,
    app: &Arc<App>,
    organization_id: Option<String>,
    id: String,
    title: String,
    body: String,
) -> poem::Result<Response> {
    let user = user(req)?;
    let (org, doc_id, t, b) = (organization_id.clone(), id.clone(), title.clone(), body.clone());
    let result = app
        .db
        .tenant_tx(&user.tenant_id.clone(), move |conn| -> Result<Result<(), (Document, String)>, AssetError> {
            let document = documents::authorize(conn, &user, org.as_deref(), &doc_id, Action::Edit)?;
            match documents::update(conn, &user, &document, &t, &b) {
                Ok(()) => Ok(Ok(())),
                Err(AssetError::Invalid { message, .. }) => Ok(Err((document, message))),
                Err(other) => Err(other),
            }
        })
        .await
        .map_err(asset_error)?;
    match result {
        Ok(()) => Ok(see_other(&format!("{}/{id}", base_of(organization_id.as_deref())))),
        Err((document, message)) => {
            Ok(form_page(req, organization_id.as_deref(), Some(&document), title, body, Some(message)))
        }
    }
}

/// `POST /organizations/{id}/documents/{doc}/edit`.
pub(crate) async fn update_org_document(
    req: &Request,
    app: &Arc<App>,
    id: String,
    document_id: String,
    form: BTreeMap<String, String>,
) -> poem::Result<Response> {
    update(
        req,
        app,
        Some(id),
        document_id,
        form.get("title").cloned().unwrap_or_default(),
        form.get("body").cloned().unwrap_or_default(),
    )
    .await
}

/// `POST /guides/{doc}/edit`.
#[handler]
pub async fn update_guide(
    req: &Request,
    app: Data<&Arc<App>>,
    Path(id): Path<String>,
    Form(form): Form<DocumentFormData>,
) -> poem::Result<Response> {
    update(req, &app, None, id, form.title, form.body).await
}

async fn archive(req: &Request, app: &Arc<App>, organization_id: Option<String>, id: String) -> poem::Result<Response> {
    let user = user(req)?;
    let org = organization_id.clone();
    app.db
        .tenant_tx(&user.tenant_id.clone(), move |conn| {
            let document = documents::authorize(conn, &user, org.as_deref(), &id, Action::Archive)?;
            documents::archive(conn, &user, &document)
        })
        .await
        .map_err(asset_error)?;
    Ok(see_other(&base_of(organization_id.as_deref())))
}

/// `POST /organizations/{id}/documents/{doc}/archive`.
pub(crate) async fn archive_org_document(
    req: &Request,
    app: &Arc<App>,
    id: String,
    document_id: String,
) -> poem::Result<Response> {
    archive(req, app, Some(id), document_id).await
}

/// `POST /guides/{doc}/archive`.
#[handler]
pub async fn archive_guide(req: &Request, app: Data<&Arc<App>>, Path(id): Path<String>) -> poem::Result<Response> {
    archive(req, &app, None, id).await
}

/// The restore form.
#[derive(Deserialize)]
pub struct RestoreForm {
    revision: i32,
}

async fn restore(
    req: &Request,
    app: &Arc<App>,
    organization_id: Option<String>,
    id: String,
    revision: i32,
) -> poem::Result<Response> {
    let user = user(req)?;
    let (org, doc_id) = (organization_id.clone(), id.clone());
    app.db
        .tenant_tx(&user.tenant_id.clone(), move |conn| {
            let document = documents::authorize(conn, &user, org.as_deref(), &doc_id, Action::Edit)?;
            documents::restore(conn, &user, &document, revision)
        })
        .await
        .map_err(asset_error)?;
    let notice = Some(Frame::for_request(req).t.restored.to_owned());
    show(req, app, organization_id, id, None, notice).await
}

/// `POST /organizations/{id}/documents/{doc}/restore`.
#[handler]
pub async fn restore_org_document(
    req: &Request,
    app: Data<&Arc<App>>,
    Path((id, document_id)): Path<(String, String)>,
    Form(form): Form<RestoreForm>,
) -> poem::Result<Response> {
    restore(req, &app, Some(id), document_id, form.revision).await
}

/// `POST /guides/{doc}/restore`.
#[handler]
pub async fn restore_guide(
    req: &Request,
    app: Data<&Arc<App>>,
    Path(id): Path<String>,
    Form(form): Form<RestoreForm>,
) -> poem::Result<Response> {
    restore(req, &app, None, id, form.revision).await
}
