//! The forms that create and change records, for the built-in kinds and
//! the tenant's asset types alike; the values are checked by the use case.

use std::collections::BTreeMap;

use askama::Template;
use cairn_app::{AppError, ItemChoice, OrgView, OrganizationId, RecordId, RecordSection};
use cairn_assets::asset_types::AssetType;
use cairn_assets::records::{Record, RecordInput};
use cairn_auth::policy::Visibility;
use poem::http::StatusCode;
use poem::web::{Form, Path};
use poem::{Request, Response, handler};
use secrecy::SecretString;

use super::records::CHOICE_LIMIT;
use crate::error::WebResult;
use crate::extract::{AppData, Signed};
use crate::flow::see_other;
use crate::messages::form_error;
use crate::org_frame::OrgFrame;
use crate::page::{Frame, render};
use crate::section_view::{SectionView, section_of};

/// A field of the record form.
struct FormField {
    key: String,
    label: String,
    input: &'static str,
    options: Vec<(String, String)>,
    value: String,
    set: bool,
    hint: String,
    required: bool,
    /// A tag field's choices: id, name, and whether chosen.
    tags: Vec<(String, String, bool)>,
}

#[derive(Template)]
#[template(path = "record_form.html")]
struct RecordForm {
    frame: Frame,
    org: OrgFrame,
    heading: String,
    action: String,
    archive_action: String,
    name_label: String,
    named_by_field: bool,
    name: String,
    fields: Vec<FormField>,
    has_visibility: bool,
    visibility: &'static str,
    error_field: String,
    error: String,
}

/// A submitted form: single values, and every value of the multi-selects.
struct Submitted {
    values: BTreeMap<String, String>,
    multi: BTreeMap<String, Vec<String>>,
}

impl Submitted {
    fn new(pairs: Vec<(String, String)>) -> Self {
        let mut values = BTreeMap::new();
        let mut multi: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (key, value) in pairs {
            if !value.is_empty() {
                multi.entry(key.clone()).or_default().push(value.clone());
            }
            values.insert(key, value);
        }
        Submitted { values, multi }
    }

    fn from_record(record: &Record, tags: BTreeMap<String, Vec<String>>) -> Self {
        let mut values = record.fields.clone();
        values.insert("name".into(), record.name.clone());
        values.insert("visibility".into(), record.visibility.as_str().to_owned());
        Submitted { values, multi: tags }
    }

    fn visibility(&self) -> &'static str {
        if self.values.get("visibility").is_some_and(|v| v == "staff") { "staff" } else { "everyone" }
    }
}

/// What a form page is about: a new record, or one to edit.
struct FormTarget<'a> {
    org: &'a OrgView,
    view: SectionView,
    record: Option<&'a Record>,
    choices: &'a [ItemChoice],
    tag_targets: BTreeMap<String, Vec<String>>,
}

fn form_page(
    req: &Request,
    target: FormTarget<'_>,
    submitted: &Submitted,
    error: Option<(String, String)>,
) -> Response {
    let frame = Frame::for_request(req);
    let lang = frame.t.lang;
    let view = &target.view;
    let org = OrgFrame::new(target.org, &view.slug, lang);
    let section = &view.slug;
    let (heading, action, archive_action) = match target.record {
        Some(r) => (
            r.name.clone(),
            format!("/organizations/{}/{section}/{}/edit", org.id, r.id),
            format!("/organizations/{}/{section}/{}/archive", org.id, r.id),
        ),
        None => (
            format!("{} – {}", view.label, frame.t.new_record),
            format!("/organizations/{}/{section}", org.id),
            String::new(),
        ),
    };
    let fields = view
        .fields
        .iter()
        .map(|f| {
            let chosen = submitted.multi.get(&f.key);
            let allowed = target.tag_targets.get(&f.key);
            let tags = if f.input == "tag" {
                target
                    .choices
                    .iter()
                    .filter(|c| allowed.is_none_or(|a| a.is_empty() || a.contains(&c.what)))
                    .filter(|c| target.record.is_none_or(|r| r.id != c.id))
                    .map(|c| (c.id.clone(), c.name.clone(), chosen.is_some_and(|v| v.contains(&c.id))))
                    .collect()
            } else {
                Vec::new()
            };
            FormField {
                key: f.key.clone(),
                label: f.label.clone(),
                input: f.input,
                options: f.options.clone(),
                value: if f.secret { String::new() } else { submitted.values.get(&f.key).cloned().unwrap_or_default() },
                set: target.record.is_some_and(|r| r.secrets_set.contains(&f.key)),
                hint: f.hint.clone(),
                required: f.required,
                tags,
            }
        })
        .collect();
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let (error_field, error) = error.unwrap_or_default();
    let page = RecordForm {
        heading,
        action,
        archive_action,
        name_label: view.name_label.clone(),
        named_by_field: view.named_by_field,
        name: submitted.values.get("name").cloned().unwrap_or_default(),
        fields,
        has_visibility: view.has_visibility,
        visibility: submitted.visibility(),
        error_field: view.error_key(&error_field),
        error,
        org,
        frame,
    };
    render(status, &page)
}

/// The allowed kinds or types of each tag field of an asset type.
fn tag_targets(asset_type: Option<&AssetType>) -> BTreeMap<String, Vec<String>> {
    asset_type.map(|t| t.active_fields().map(|f| (f.id.clone(), f.tag_targets.clone())).collect()).unwrap_or_default()
}

/// Reads a record form: plain fields, typed secrets, secrets to clear, tag links, visibility.
fn record_input(view: &SectionView, form: &Submitted) -> RecordInput {
    let values = &form.values;
    let mut input = RecordInput { name: values.get("name").cloned().unwrap_or_default(), ..Default::default() };
    for field in &view.fields {
        let value = values.get(&field.key).cloned().unwrap_or_default();
        match field.input {
            "secret" => {
                if !value.is_empty() {
                    input.secrets.insert(field.key.clone(), SecretString::from(value));
                }
                if values.get(&format!("clear_{}", field.key)).is_some_and(|v| v == "true") {
                    input.clear.insert(field.key.clone());
                }
            }
            // The form always sends a tag field (an empty hidden value first), so none chosen clears it.
            "tag" => {
                input.tags.insert(field.key.clone(), form.multi.get(&field.key).cloned().unwrap_or_default());
            }
            "upload" | "header" => {}
            _ => {
                input.fields.insert(field.key.clone(), value);
            }
        }
    }
    if view.has_visibility {
        input.visibility = Some(if form.visibility() == "staff" { Visibility::Staff } else { Visibility::Everyone });
    }
    input
}

/// The field error of a refused value; anything else becomes the error page.
fn invalid_only(req: &Request, error: AppError) -> WebResult<(String, String)> {
    match error {
        AppError::Invalid { .. } => Ok(form_error(Frame::for_request(req).t, &error).ok_or(error)?),
        other => Err(other.into()),
    }
}

/// The choices a form's tag fields need (none without tag fields).
async fn choices_for(
    app: &AppData<'_>,
    signed: &Signed,
    organization: &OrganizationId,
    view: &SectionView,
) -> WebResult<Vec<ItemChoice>> {
    if view.fields.iter().any(|f| f.input == "tag") {
        Ok(app.item_choices(&signed.caller, organization, CHOICE_LIMIT).await?)
    } else {
        Ok(Vec::new())
    }
}

/// Shows the form for a new record in `section`, with `submitted` values and an error.
async fn new_form(
    req: &Request,
    app: &AppData<'_>,
    signed: &Signed,
    organization: &OrganizationId,
    section: &RecordSection,
    submitted: &Submitted,
    error: Option<(String, String)>,
) -> WebResult<Response> {
    let (org, asset_type) = app.section_for_create(&signed.caller, organization, section.clone()).await?;
    let view = SectionView::of(section, asset_type.as_ref(), Frame::for_request(req).t.lang)?;
    let choices = choices_for(app, signed, organization, &view).await?;
    let tag_targets = tag_targets(asset_type.as_ref());
    let target = FormTarget { org: &org, view, record: None, choices: &choices, tag_targets };
    Ok(form_page(req, target, submitted, error))
}

/// Shows the edit form of a record, with `submitted` values (or its own) and an error.
async fn edit_form(
    req: &Request,
    app: &AppData<'_>,
    signed: &Signed,
    (organization, section, id): (&OrganizationId, &RecordSection, &RecordId),
    submitted: Option<&Submitted>,
    error: Option<(String, String)>,
) -> WebResult<Response> {
    let page = app.record_edit_page(&signed.caller, organization, section.clone(), id).await?;
    let view = SectionView::of(section, page.asset_type.as_ref(), Frame::for_request(req).t.lang)?;
    let choices = choices_for(app, signed, organization, &view).await?;
    let mut tags: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for related in page.related.iter().filter(|r| !r.field_id.is_empty()) {
        tags.entry(related.field_id.clone()).or_default().push(related.id.clone());
    }
    let own = Submitted::from_record(&page.record, tags);
    let tag_targets = tag_targets(page.asset_type.as_ref());
    let target = FormTarget { org: &page.org, view, record: Some(&page.record), choices: &choices, tag_targets };
    Ok(form_page(req, target, submitted.unwrap_or(&own), error))
}

/// `GET /organizations/{id}/{section}/new`.
#[handler]
pub async fn new_record(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Path((id, slug)): Path<(String, String)>,
) -> WebResult<Response> {
    let section = section_of(&slug)?;
    let empty = Submitted::new(Vec::new());
    new_form(req, &app, &signed, &OrganizationId::new(id), &section, &empty, None).await
}

/// `POST /organizations/{id}/{section}`: creates a record.
#[handler]
pub async fn create_record(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Path((id, slug)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    let section = section_of(&slug)?;
    let organization = OrganizationId::new(id);
    let form = Submitted::new(pairs);
    let (_, asset_type) = app.section_for_create(&signed.caller, &organization, section.clone()).await?;
    let view = SectionView::of(&section, asset_type.as_ref(), Frame::for_request(req).t.lang)?;
    match app.create_record(&signed.caller, &organization, section.clone(), record_input(&view, &form)).await {
        Ok(record) => Ok(see_other(&format!("/organizations/{organization}/{slug}/{}", record.id))),
        Err(error) => {
            let field_error = invalid_only(req, error)?;
            new_form(req, &app, &signed, &organization, &section, &form, Some(field_error)).await
        }
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
    let section = section_of(&slug)?;
    edit_form(req, &app, &signed, (&OrganizationId::new(id), &section, &RecordId::new(record_id)), None, None).await
}

/// `POST /organizations/{id}/{section}/{record}/edit`.
#[handler]
pub async fn update_record(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Path((id, slug, record_id)): Path<(String, String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    let section = section_of(&slug)?;
    let (organization, record_id) = (OrganizationId::new(id), RecordId::new(record_id));
    let form = Submitted::new(pairs);
    let page = app.record_edit_page(&signed.caller, &organization, section.clone(), &record_id).await?;
    let view = SectionView::of(&section, page.asset_type.as_ref(), Frame::for_request(req).t.lang)?;
    match app
        .update_record(&signed.caller, &organization, section.clone(), &record_id, record_input(&view, &form))
        .await
    {
        Ok(()) => Ok(see_other(&format!("/organizations/{organization}/{slug}/{record_id}"))),
        Err(error) => {
            let field_error = invalid_only(req, error)?;
            let target = (&organization, &section, &record_id);
            edit_form(req, &app, &signed, target, Some(&form), Some(field_error)).await
        }
    }
}
