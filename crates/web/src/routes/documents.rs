//! Documents: an organization's guides and the tenant-wide guides, with
//! revisions and restore. Both places share these handlers; the router
//! names each path explicitly.

use askama::Template;
use cairn_app::{AppError, OrganizationId, Place, RecordId};
use cairn_assets::Section;
use cairn_assets::documents::{Document, render as render_markdown};
use poem::http::StatusCode;
use poem::web::{Form, Path, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;

use crate::error::WebResult;
use crate::extract::{AppData, Signed};
use crate::flow::see_other;
use crate::labels;
use crate::org_frame::OrgFrame;
use crate::page::{Frame, render};

type Listed = (String, String, String, String);

#[derive(Template)]
#[template(path = "documents.html")]
struct OrgDocuments {
    frame: Frame,
    org: OrgFrame,
    section_label: &'static str,
    base: String,
    documents: Vec<Listed>,
}

#[derive(Template)]
#[template(path = "guides.html")]
struct Guides {
    frame: Frame,
    can_create: bool,
    documents: Vec<Listed>,
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
    panels: crate::panels::Panels,
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

/// The document form.
#[derive(Deserialize)]
pub struct DocumentFormData {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

/// A `?revision=` query.
#[derive(Deserialize, Default)]
pub struct RevisionQuery {
    #[serde(default)]
    revision: Option<i32>,
}

/// The restore form.
#[derive(Deserialize)]
pub struct RestoreForm {
    revision: i32,
}

/// Where a document lives: `/organizations/{id}/documents` or `/guides`.
fn base_of(place: &Place) -> String {
    match place {
        Place::Organization(id) => format!("/organizations/{id}/documents"),
        Place::Guides => "/guides".into(),
    }
}

fn org(id: String) -> Place {
    Place::Organization(OrganizationId::new(id))
}

async fn list(req: &Request, app: &cairn_app::App, signed: &Signed, place: Place) -> WebResult<Response> {
    let listed = app.documents(&signed.caller, &place).await?;
    let frame = Frame::for_request(req);
    let row = |d: &Document| (d.id.clone(), d.title.clone(), frame.time(&d.updated_at), d.folder.clone());
    let documents = listed.documents.iter().map(row).collect();
    match listed.org {
        Some(view) => {
            let page = OrgDocuments {
                org: OrgFrame::new(&view, Section::Documents.slug(), frame.t.lang),
                section_label: labels::section(Section::Documents, frame.t.lang),
                base: base_of(&place),
                documents,
                frame,
            };
            Ok(render(StatusCode::OK, &page))
        }
        None => Ok(render(StatusCode::OK, &Guides { frame, can_create: listed.can_create, documents })),
    }
}

async fn show(
    req: &Request,
    app: &cairn_app::App,
    signed: &Signed,
    place: Place,
    id: RecordId,
    revision: Option<i32>,
    notice: Option<String>,
) -> WebResult<Response> {
    let view = app.document(&signed.caller, &place, &id, revision).await?;
    let frame = Frame::for_request(req);
    let (title, body, viewing) = match &view.shown {
        Some(rev) => (rev.title.clone(), rev.body.clone(), rev.revision),
        None => (view.document.title.clone(), view.document.body.clone(), 0),
    };
    let base = base_of(&place);
    let item_base = format!("{base}/{}", view.document.id);
    let panels = crate::panels::for_document(app, &signed.caller, &place, &view, item_base, frame.t.lang).await?;
    let page = DocumentPage {
        panels,
        back: base.clone(),
        back_label: match &view.organization_name {
            Some(name) => format!("{name} · {}", labels::section(Section::Documents, frame.t.lang)),
            None => frame.t.guides.to_owned(),
        },
        base,
        id: view.document.id.clone(),
        title,
        html: render_markdown(&body),
        revision: view.document.revision,
        viewing_revision: viewing,
        updated_by: view.document.updated_by.clone().unwrap_or_default(),
        updated_at: frame.time(&view.document.updated_at),
        can_edit: view.can_edit,
        revisions: view
            .revisions
            .iter()
            .map(|r| RevisionRow { number: r.revision, author: r.author.clone(), when: frame.time(&r.created_at) })
            .collect(),
        notice,
        frame,
    };
    Ok(render(StatusCode::OK, &page))
}

fn form_page(
    req: &Request,
    place: &Place,
    document: Option<&Document>,
    title: String,
    body: String,
    error: Option<String>,
) -> Response {
    let frame = Frame::for_request(req);
    let base = base_of(place);
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

/// The message of a refused document, or the error page.
fn invalid_message(error: AppError) -> WebResult<String> {
    match error {
        AppError::Invalid { reason: cairn_app::Reason::Text(message), .. } => Ok(message),
        other => Err(other.into()),
    }
}

async fn new_form(req: &Request, app: &cairn_app::App, signed: &Signed, place: Place) -> WebResult<Response> {
    app.may_write_documents(&signed.caller, &place).await?;
    Ok(form_page(req, &place, None, String::new(), String::new(), None))
}

async fn create(
    req: &Request,
    app: &cairn_app::App,
    signed: &Signed,
    place: Place,
    form: DocumentFormData,
) -> WebResult<Response> {
    match app.create_document(&signed.caller, &place, form.title.clone(), form.body.clone()).await {
        Ok(document) => Ok(see_other(&format!("{}/{}", base_of(&place), document.id))),
        Err(error) => Ok(form_page(req, &place, None, form.title, form.body, Some(invalid_message(error)?))),
    }
}

async fn edit_form(
    req: &Request,
    app: &cairn_app::App,
    signed: &Signed,
    place: Place,
    id: RecordId,
) -> WebResult<Response> {
    let document = app.document_for_edit(&signed.caller, &place, &id).await?;
    Ok(form_page(req, &place, Some(&document), document.title.clone(), document.body.clone(), None))
}

async fn update(
    req: &Request,
    app: &cairn_app::App,
    signed: &Signed,
    place: Place,
    id: RecordId,
    form: DocumentFormData,
) -> WebResult<Response> {
    match app.update_document(&signed.caller, &place, &id, form.title.clone(), form.body.clone()).await {
        Ok(()) => Ok(see_other(&format!("{}/{id}", base_of(&place)))),
        Err(error) => {
            let message = invalid_message(error)?;
            let document = app.document_for_edit(&signed.caller, &place, &id).await?;
            Ok(form_page(req, &place, Some(&document), form.title, form.body, Some(message)))
        }
    }
}

async fn archive(app: &cairn_app::App, signed: &Signed, place: Place, id: RecordId) -> WebResult<Response> {
    app.archive_document(&signed.caller, &place, &id).await?;
    Ok(see_other(&base_of(&place)))
}

async fn restore(
    req: &Request,
    app: &cairn_app::App,
    signed: &Signed,
    place: Place,
    id: RecordId,
    revision: i32,
) -> WebResult<Response> {
    app.restore_document(&signed.caller, &place, &id, revision).await?;
    let notice = Some(Frame::for_request(req).t.restored.to_owned());
    show(req, app, signed, place, id, None, notice).await
}

/// `GET /organizations/{id}/documents`.
#[handler]
pub async fn org_documents(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Path(id): Path<String>,
) -> WebResult<Response> {
    list(req, &app, &signed, org(id)).await
}

/// `GET /guides`: the tenant-wide guides, for every user of the tenant.
#[handler]
pub async fn guides(req: &Request, app: AppData<'_>, signed: Signed) -> WebResult<Response> {
    list(req, &app, &signed, Place::Guides).await
}

/// `GET /organizations/{id}/documents/{doc}`.
#[handler]
pub async fn org_document(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Path((id, doc)): Path<(String, String)>,
    Query(query): Query<RevisionQuery>,
) -> WebResult<Response> {
    show(req, &app, &signed, org(id), RecordId::new(doc), query.revision, None).await
}

/// `GET /guides/{doc}`.
#[handler]
pub async fn guide(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Path(doc): Path<String>,
    Query(query): Query<RevisionQuery>,
) -> WebResult<Response> {
    show(req, &app, &signed, Place::Guides, RecordId::new(doc), query.revision, None).await
}

/// `GET /organizations/{id}/documents/new`.
#[handler]
pub async fn new_org_document(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Path(id): Path<String>,
) -> WebResult<Response> {
    new_form(req, &app, &signed, org(id)).await
}

/// `GET /guides/new`.
#[handler]
pub async fn new_guide(req: &Request, app: AppData<'_>, signed: Signed) -> WebResult<Response> {
    new_form(req, &app, &signed, Place::Guides).await
}

/// `POST /organizations/{id}/documents`.
#[handler]
pub async fn create_org_document(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Path(id): Path<String>,
    Form(form): Form<DocumentFormData>,
) -> WebResult<Response> {
    create(req, &app, &signed, org(id), form).await
}

/// `POST /guides`.
#[handler]
pub async fn create_guide(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Form(form): Form<DocumentFormData>,
) -> WebResult<Response> {
    create(req, &app, &signed, Place::Guides, form).await
}

/// `GET /organizations/{id}/documents/{doc}/edit`.
#[handler]
pub async fn edit_org_document(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Path((id, doc)): Path<(String, String)>,
) -> WebResult<Response> {
    edit_form(req, &app, &signed, org(id), RecordId::new(doc)).await
}

/// `GET /guides/{doc}/edit`.
#[handler]
pub async fn edit_guide(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Path(doc): Path<String>,
) -> WebResult<Response> {
    edit_form(req, &app, &signed, Place::Guides, RecordId::new(doc)).await
}

/// `POST /organizations/{id}/documents/{doc}/edit`.
#[handler]
pub async fn update_org_document(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Path((id, doc)): Path<(String, String)>,
    Form(form): Form<DocumentFormData>,
) -> WebResult<Response> {
    update(req, &app, &signed, org(id), RecordId::new(doc), form).await
}

/// `POST /guides/{doc}/edit`.
#[handler]
pub async fn update_guide(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Path(doc): Path<String>,
    Form(form): Form<DocumentFormData>,
) -> WebResult<Response> {
    update(req, &app, &signed, Place::Guides, RecordId::new(doc), form).await
}

/// `POST /organizations/{id}/documents/{doc}/archive`.
#[handler]
pub async fn archive_org_document(
    app: AppData<'_>,
    signed: Signed,
    Path((id, doc)): Path<(String, String)>,
) -> WebResult<Response> {
    archive(&app, &signed, org(id), RecordId::new(doc)).await
}

/// `POST /guides/{doc}/archive`.
#[handler]
pub async fn archive_guide(app: AppData<'_>, signed: Signed, Path(doc): Path<String>) -> WebResult<Response> {
    archive(&app, &signed, Place::Guides, RecordId::new(doc)).await
}

/// `POST /organizations/{id}/documents/{doc}/restore`.
#[handler]
pub async fn restore_org_document(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Path((id, doc)): Path<(String, String)>,
    Form(form): Form<RestoreForm>,
) -> WebResult<Response> {
    restore(req, &app, &signed, org(id), RecordId::new(doc), form.revision).await
}

/// `POST /guides/{doc}/restore`.
#[handler]
pub async fn restore_guide(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Path(doc): Path<String>,
    Form(form): Form<RestoreForm>,
) -> WebResult<Response> {
    restore(req, &app, &signed, Place::Guides, RecordId::new(doc), form.revision).await
}
