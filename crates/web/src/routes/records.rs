//! Section lists, record pages and record forms of an organization.

use std::collections::BTreeMap;

use askama::Template;
use cairn_app::{AppError, OrganizationId, RecordId};
use cairn_assets::records::{ListQuery, Record, RecordInput};
use cairn_assets::{Input, Kind, Section};
use cairn_auth::policy::Visibility;
use poem::http::StatusCode;
use poem::web::{Form, Path, Query};
use poem::{Request, Response, handler};
use secrecy::SecretString;
use serde::Deserialize;

use crate::error::{WebResult, not_found};
use crate::extract::{AppData, Signed};
use crate::flow::see_other;
use crate::labels;
use crate::messages::form_error;
use crate::org_frame::OrgFrame;
use crate::page::{Frame, render};

/// The record kind of a section's path segment; documents and unknown segments are not records.
pub(super) fn kind_of(slug: &str) -> WebResult<Kind> {
    Section::from_slug(slug).and_then(Section::kind).ok_or_else(not_found)
}

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

/// A value as the reader sees it: choices by their label, checkboxes as yes.
fn display_value(input: Input, value: &str, lang: &str) -> String {
    match input {
        Input::Checkbox if value == "true" => (if lang == "de" { "Ja" } else { "Yes" }).into(),
        Input::Checkbox => String::new(),
        Input::Select(_) => labels::choice(value, lang).to_owned(),
        _ => value.to_owned(),
    }
}

/// `GET /organizations/{id}/{section}`.
#[handler]
pub async fn section_list(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Path((id, slug)): Path<(String, String)>,
    Query(params): Query<ListParams>,
) -> WebResult<Response> {
    let kind = kind_of(&slug)?;
    let desc = params.desc.is_some();
    let query =
        ListQuery { q: params.q.clone(), sort: params.sort.clone(), desc, page: params.page.unwrap_or(1), per_page: 0 };
    let listed = app.records(&signed.caller, &OrganizationId::new(id), kind, query).await?;
    let frame = Frame::for_request(req);
    let lang = frame.t.lang;
    let specs: Vec<_> = kind.fields().iter().filter(|f| f.list).collect();
    let mut columns = vec![Column { key: "name".into(), label: labels::name(kind, lang) }];
    columns.extend(specs.iter().map(|f| Column { key: f.key.into(), label: labels::field(kind, f.key, lang) }));
    if kind == Kind::Password {
        columns.push(Column { key: "updated".into(), label: if lang == "de" { "Geändert" } else { "Updated" } });
    }
    let rows = listed
        .page
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
    let page = SectionList {
        section_label: labels::section(kind.section(), lang),
        org: OrgFrame::new(&listed.org, kind.section().slug(), lang),
        columns,
        rows,
        q: params.q,
        sort: if params.sort.is_empty() { "name".into() } else { params.sort },
        desc,
        page: listed.page.page,
        pages: listed.page.pages,
        total: listed.page.total,
        frame,
    };
    Ok(render(StatusCode::OK, &page))
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

fn history_label(action: &str, lang: &str) -> &'static str {
    let (de, en) = match action {
        "record.created" => ("erstellt", "created"),
        "record.updated" => ("geändert", "changed"),
        "record.revealed" => ("Geheimnis angezeigt", "revealed a secret"),
        "record.archived" => ("archiviert", "archived"),
        _ => ("Aktion", "action"),
    };
    if lang == "de" { de } else { en }
}

/// `GET /organizations/{id}/{section}/{record}`.
#[handler]
pub async fn record_detail(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Path((id, slug, record_id)): Path<(String, String, String)>,
) -> WebResult<Response> {
    let kind = kind_of(&slug)?;
    let shown = app.record(&signed.caller, &OrganizationId::new(id), kind, &RecordId::new(record_id)).await?;
    let frame = Frame::for_request(req);
    let lang = frame.t.lang;
    let record = &shown.record;
    let fields = kind
        .fields()
        .iter()
        .map(|f| DetailField {
            key: f.key,
            label: labels::field(kind, f.key, lang),
            value: display_value(f.input, record.field(f.key), lang),
            secret: f.is_secret(),
            set: record.secrets_set.contains(f.key),
            wide: f.input == Input::Textarea,
        })
        .collect();
    let page = Detail {
        org: OrgFrame::new(&shown.org, kind.section().slug(), lang),
        id: record.id.clone(),
        name: record.name.clone(),
        fields,
        can_edit: shown.can_edit,
        staff_only: record.visibility == Visibility::Staff,
        wifi_qr: kind == Kind::Wireless,
        updated_by: record.updated_by.clone().unwrap_or_default(),
        updated_at: frame.time(&record.updated_at),
        history: shown
            .history
            .iter()
            .map(|e| (frame.time(&e.occurred_at), e.actor.clone(), history_label(&e.action, lang).to_owned()))
            .collect(),
        frame,
    };
    Ok(render(StatusCode::OK, &page))
}

/// A field of the record form.
struct FormField {
    key: &'static str,
    label: &'static str,
    kind: &'static str,
    options: Vec<(&'static str, &'static str)>,
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
                Input::Text => ("text", Vec::new()),
                Input::Textarea => ("textarea", Vec::new()),
                Input::Email => ("email", Vec::new()),
                Input::Date => ("date", Vec::new()),
                Input::Select(options) => ("select", options.iter().map(|o| (*o, labels::choice(o, lang))).collect()),
                Input::Checkbox => ("checkbox", Vec::new()),
                Input::Secret => ("secret", Vec::new()),
            };
            FormField {
                key: f.key,
                label: labels::field(kind, f.key, lang),
                kind: input_kind,
                options,
                value: if f.is_secret() { String::new() } else { values.get(f.key).cloned().unwrap_or_default() },
                set: record.is_some_and(|r| r.secrets_set.contains(f.key)),
            }
        })
        .collect()
}

/// What a form page is about: a new record, or one to edit.
struct FormTarget<'a> {
    org: &'a cairn_app::OrgView,
    kind: Kind,
    record: Option<&'a Record>,
}

fn form_page(
    req: &Request,
    target: FormTarget<'_>,
    values: &BTreeMap<String, String>,
    visibility: &'static str,
    error: Option<(String, String)>,
) -> Response {
    let frame = Frame::for_request(req);
    let lang = frame.t.lang;
    let (kind, section) = (target.kind, target.kind.section().slug());
    let org = OrgFrame::new(target.org, section, lang);
    let (heading, action, archive_action) = match target.record {
        Some(r) => (
            r.name.clone(),
            format!("/organizations/{}/{section}/{}/edit", org.id, r.id),
            format!("/organizations/{}/{section}/{}/archive", org.id, r.id),
        ),
        None => (
            format!("{} – {}", labels::section(kind.section(), lang), frame.t.new_record),
            format!("/organizations/{}/{section}", org.id),
            String::new(),
        ),
    };
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let (error_field, error) = error.unwrap_or_default();
    let page = RecordForm {
        heading,
        action,
        archive_action,
        name_label: labels::name(kind, lang),
        name: values.get("name").cloned().unwrap_or_default(),
        fields: form_fields(kind, lang, values, target.record),
        has_visibility: kind.has_visibility(),
        visibility,
        error_field,
        error,
        org,
        frame,
    };
    render(status, &page)
}

/// `GET /organizations/{id}/{section}/new`.
#[handler]
pub async fn new_record(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Path((id, slug)): Path<(String, String)>,
) -> WebResult<Response> {
    let kind = kind_of(&slug)?;
    let org =
        app.organization_view(&signed.caller, &OrganizationId::new(id), cairn_auth::policy::Action::Create).await?;
    Ok(form_page(req, FormTarget { org: &org, kind, record: None }, &BTreeMap::new(), "everyone", None))
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

fn visibility_of(form: &BTreeMap<String, String>) -> &'static str {
    if form.get("visibility").is_some_and(|v| v == "staff") { "staff" } else { "everyone" }
}

/// `POST /organizations/{id}/{section}`: creates a record.
#[handler]
pub async fn create_record(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Path((id, slug)): Path<(String, String)>,
    Form(form): Form<BTreeMap<String, String>>,
) -> WebResult<Response> {
    let kind = kind_of(&slug)?;
    let organization = OrganizationId::new(id);
    match app.create_record(&signed.caller, &organization, kind, record_input(kind, &form)).await {
        Ok(record) => Ok(see_other(&format!("/organizations/{organization}/{}/{}", kind.section().slug(), record.id))),
        Err(error) => {
            let field_error = invalid_only(req, error)?;
            let org = app.organization_view(&signed.caller, &organization, cairn_auth::policy::Action::View).await?;
            Ok(form_page(
                req,
                FormTarget { org: &org, kind, record: None },
                &form,
                visibility_of(&form),
                Some(field_error),
            ))
        }
    }
}

/// The field error of a refused value; anything else becomes the error page.
fn invalid_only(req: &Request, error: AppError) -> WebResult<(String, String)> {
    match error {
        AppError::Invalid { .. } => Ok(form_error(Frame::for_request(req).t, &error).ok_or(error)?),
        other => Err(other.into()),
    }
}

/// `GET /organizations/{id}/{section}/{record}/edit`.
#[handler]
pub async fn edit_record(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Path((id, slug, record_id)): Path<(String, String, String)>,
) -> WebResult<Response> {
    let kind = kind_of(&slug)?;
    let (org, record) =
        app.record_for_edit(&signed.caller, &OrganizationId::new(id), kind, &RecordId::new(record_id)).await?;
    let mut values = record.fields.clone();
    values.insert("name".into(), record.name.clone());
    let visibility = record.visibility.as_str();
    Ok(form_page(req, FormTarget { org: &org, kind, record: Some(&record) }, &values, visibility, None))
}

/// `POST /organizations/{id}/{section}/{record}/edit`.
#[handler]
pub async fn update_record(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Path((id, slug, record_id)): Path<(String, String, String)>,
    Form(form): Form<BTreeMap<String, String>>,
) -> WebResult<Response> {
    let kind = kind_of(&slug)?;
    let (organization, record_id) = (OrganizationId::new(id), RecordId::new(record_id));
    match app.update_record(&signed.caller, &organization, kind, &record_id, record_input(kind, &form)).await {
        Ok(()) => Ok(see_other(&format!("/organizations/{organization}/{}/{record_id}", kind.section().slug()))),
        Err(error) => {
            let field_error = invalid_only(req, error)?;
            let (org, record) = app.record_for_edit(&signed.caller, &organization, kind, &record_id).await?;
            let target = FormTarget { org: &org, kind, record: Some(&record) };
            Ok(form_page(req, target, &form, visibility_of(&form), Some(field_error)))
        }
    }
}

/// `POST /organizations/{id}/{section}/{record}/archive`.
#[handler]
pub async fn archive_record(
    app: AppData<'_>,
    signed: Signed,
    Path((id, slug, record_id)): Path<(String, String, String)>,
) -> WebResult<Response> {
    let kind = kind_of(&slug)?;
    let organization = OrganizationId::new(id);
    app.archive_record(&signed.caller, &organization, kind, &RecordId::new(record_id)).await?;
    Ok(see_other(&format!("/organizations/{organization}/{}", kind.section().slug())))
}
