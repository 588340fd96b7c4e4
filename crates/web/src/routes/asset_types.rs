//! `/asset-types`: the owners' editor of the tenant's own kinds of entries.
//! The editor is one plain form (it works without JavaScript): a row per
//! field with its position, blank rows for new fields, and a remove box.

use std::collections::BTreeMap;

use askama::Template;
use cairn_app::AppError;
use cairn_assets::asset_types::{AssetType, FieldInput, FieldKind, TEMPLATES, TypeInput};
use poem::http::StatusCode;
use poem::web::{Form, Path};
use poem::{Request, Response, handler};

use crate::error::{WebResult, not_found};
use crate::extract::{AppData, Signed};
use crate::flow::see_other;
use crate::messages::form_error;
use crate::page::{Frame, render};

/// Blank rows the editor offers for new fields.
const BLANK_ROWS: usize = 3;

/// A row of the types list.
struct TypeRow {
    id: String,
    name: String,
    slug: String,
    icon: String,
    fields: usize,
    archived: bool,
}

#[derive(Template)]
#[template(path = "asset_types.html")]
struct TypesPage {
    frame: Frame,
    types: Vec<TypeRow>,
    templates: Vec<(&'static str, &'static str, &'static str)>,
}

/// A field row of the editor.
#[derive(Default)]
struct FieldRow {
    id: String,
    name: String,
    kind: String,
    required: bool,
    hint: String,
    options: String,
    show_in_list: bool,
    title: bool,
    expiration: bool,
    tag_targets: String,
    values: i64,
}

#[derive(Template)]
#[template(path = "asset_type_form.html")]
struct TypeForm {
    frame: Frame,
    heading: String,
    action: String,
    id: String,
    archived: bool,
    name: String,
    slug: String,
    icon: String,
    rows: Vec<FieldRow>,
    kinds: Vec<&'static str>,
    error_field: String,
    error: String,
    /// Fields whose removal needs confirming, with their counts of values.
    unconfirmed: Vec<(String, i64)>,
}

/// `GET /asset-types`: the tenant's types (archived ones too) and the templates.
#[handler]
pub async fn list(req: &Request, app: AppData<'_>, signed: Signed) -> WebResult<Response> {
    if !app.may_manage_asset_types(&signed.caller) {
        return Err(not_found());
    }
    let types = app.asset_types(&signed.caller, true).await?;
    let page = TypesPage {
        frame: Frame::for_request(req),
        types: types
            .into_iter()
            .map(|t| TypeRow {
                fields: t.active_fields().count(),
                id: t.id,
                name: t.name,
                slug: t.slug,
                icon: t.icon,
                archived: t.archived,
            })
            .collect(),
        templates: TEMPLATES.iter().map(|t| (t.key, t.name, t.icon)).collect(),
    };
    Ok(render(StatusCode::OK, &page))
}

/// What the editor shows: the type (or a new one) and the form's state.
struct EditorState {
    asset_type: Option<AssetType>,
    input: Option<TypeInput>,
    usage: BTreeMap<String, i64>,
    error: Option<(String, String)>,
    unconfirmed: Vec<(String, i64)>,
}

fn editor(req: &Request, state: EditorState) -> Response {
    let frame = Frame::for_request(req);
    let current = state.asset_type.as_ref();
    // The submitted form, else the type as it stands, else nothing yet.
    let input = state.input.clone().or_else(|| current.map(AssetType::input)).unwrap_or_default();
    let mut rows: Vec<FieldRow> = input
        .fields
        .iter()
        .map(|f| FieldRow {
            id: f.id.clone().unwrap_or_default(),
            name: f.name.clone(),
            kind: f.kind.clone(),
            required: f.required,
            hint: f.hint.clone(),
            options: f.options.join("\n"),
            show_in_list: f.show_in_list,
            title: f.title,
            expiration: f.expiration,
            tag_targets: f.tag_targets.join(", "),
            values: f.id.as_ref().and_then(|id| state.usage.get(id)).copied().unwrap_or(0),
        })
        .collect();
    rows.extend((0..BLANK_ROWS).map(|_| FieldRow { kind: "text".into(), ..Default::default() }));
    let TypeInput { name, slug, icon, .. } = input;
    let status = if state.error.is_some() || !state.unconfirmed.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let (error_field, error) = state.error.unwrap_or_default();
    let page = TypeForm {
        heading: current.map_or_else(|| frame.t.new_asset_type.to_owned(), |t| t.name.clone()),
        action: current.map_or_else(|| "/asset-types".to_owned(), |t| format!("/asset-types/{}", t.id)),
        id: current.map(|t| t.id.clone()).unwrap_or_default(),
        archived: current.is_some_and(|t| t.archived),
        name,
        slug,
        icon,
        rows,
        kinds: FieldKind::ALL.iter().map(|k| k.as_str()).collect(),
        error_field,
        error,
        unconfirmed: state.unconfirmed,
        frame,
    };
    render(status, &page)
}

/// `GET /asset-types/new`.
#[handler]
pub async fn new_type(req: &Request, app: AppData<'_>, signed: Signed) -> WebResult<Response> {
    if !app.may_manage_asset_types(&signed.caller) {
        return Err(not_found());
    }
    let state = EditorState { asset_type: None, input: None, usage: BTreeMap::new(), error: None, unconfirmed: vec![] };
    Ok(editor(req, state))
}

/// Reads the editor: the type's name, slug and icon, and its field rows in
/// the order of their positions; rows marked for removal and blank new rows
/// are left out. Returns whether removals are confirmed.
fn type_input(form: &BTreeMap<String, String>) -> (TypeInput, bool) {
    let get = |key: &str| form.get(key).map(|v| v.trim().to_owned()).unwrap_or_default();
    let on = |key: &str| form.get(key).is_some_and(|v| v == "true");
    let rows: usize = get("rows").parse().unwrap_or(0).min(cairn_assets::asset_types::MAX_FIELDS + BLANK_ROWS);
    let mut fields: Vec<(f64, usize, FieldInput)> = Vec::new();
    for i in 0..rows {
        let id = get(&format!("f{i}_id"));
        let name = get(&format!("f{i}_name"));
        if on(&format!("f{i}_remove")) || (id.is_empty() && name.is_empty()) {
            continue;
        }
        let split = |key: String, separator: char| -> Vec<String> {
            form.get(&key)
                .map(|v| v.split(separator).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect())
                .unwrap_or_default()
        };
        let position = get(&format!("f{i}_position")).replace(',', ".").parse::<f64>().unwrap_or(i as f64 + 1.0);
        fields.push((
            position,
            i,
            FieldInput {
                id: (!id.is_empty()).then_some(id),
                name,
                kind: get(&format!("f{i}_kind")),
                required: on(&format!("f{i}_required")),
                hint: get(&format!("f{i}_hint")),
                options: split(format!("f{i}_options"), '\n'),
                show_in_list: on(&format!("f{i}_list")),
                title: on(&format!("f{i}_title")),
                expiration: on(&format!("f{i}_expiration")),
                tag_targets: split(format!("f{i}_targets"), ','),
            },
        ));
    }
    fields.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let input = TypeInput {
        name: get("name"),
        slug: get("slug"),
        icon: get("icon"),
        fields: fields.into_iter().map(|(_, _, f)| f).collect(),
    };
    (input, on("confirm_removal"))
}

/// The refusal of a type's form, or the error page.
fn refusal(req: &Request, error: AppError) -> WebResult<Option<(String, String)>> {
    match error {
        AppError::Invalid { .. } | AppError::Conflict { .. } => Ok(form_error(Frame::for_request(req).t, &error)),
        AppError::Unconfirmed { .. } => Ok(None),
        other => Err(other.into()),
    }
}

/// `POST /asset-types`: defines a type.
#[handler]
pub async fn create(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Form(form): Form<BTreeMap<String, String>>,
) -> WebResult<Response> {
    let (input, _) = type_input(&form);
    match app.create_asset_type(&signed.caller, input.clone()).await {
        Ok(created) => Ok(see_other(&format!("/asset-types/{}", created.id))),
        Err(error) => {
            let error = refusal(req, error)?;
            let state = EditorState {
                asset_type: None,
                input: Some(input),
                usage: BTreeMap::new(),
                error,
                unconfirmed: vec![],
            };
            Ok(editor(req, state))
        }
    }
}

/// `POST /asset-types/templates/{key}`: defines a type from a template.
#[handler]
pub async fn from_template(app: AppData<'_>, signed: Signed, Path(key): Path<String>) -> WebResult<Response> {
    let created = app.create_asset_type_from_template(&signed.caller, &key).await?;
    Ok(see_other(&format!("/asset-types/{}", created.id)))
}

/// `GET /asset-types/{id}`: the editor of a type.
#[handler]
pub async fn edit(req: &Request, app: AppData<'_>, signed: Signed, Path(id): Path<String>) -> WebResult<Response> {
    let usage = app.asset_type_usage(&signed.caller, &id).await?;
    let asset_type = app.asset_type(&signed.caller, &id).await?;
    let state = EditorState { asset_type: Some(asset_type), input: None, usage, error: None, unconfirmed: vec![] };
    Ok(editor(req, state))
}

/// `POST /asset-types/{id}`: saves a type; removing fields with values
/// asks first (the page lists them with a confirming button).
#[handler]
pub async fn update(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Path(id): Path<String>,
    Form(form): Form<BTreeMap<String, String>>,
) -> WebResult<Response> {
    let (input, confirmed) = type_input(&form);
    match app.update_asset_type(&signed.caller, &id, input.clone(), confirmed).await {
        Ok(updated) => Ok(see_other(&format!("/asset-types/{}", updated.id))),
        Err(error @ AppError::NotFound) => Err(error.into()),
        Err(error) => {
            let usage = app.asset_type_usage(&signed.caller, &id).await?;
            let asset_type = app.asset_type(&signed.caller, &id).await?;
            let unconfirmed = match &error {
                AppError::Unconfirmed { fields } => fields.clone(),
                _ => Vec::new(),
            };
            let error = refusal(req, error)?;
            let state = EditorState { asset_type: Some(asset_type), input: Some(input), usage, error, unconfirmed };
            Ok(editor(req, state))
        }
    }
}

/// `POST /asset-types/{id}/archive` and `…/restore`.
async fn set_archived(app: &AppData<'_>, signed: &Signed, id: &str, archived: bool) -> WebResult<Response> {
    app.set_asset_type_archived(&signed.caller, id, archived).await?;
    Ok(see_other("/asset-types"))
}

/// `POST /asset-types/{id}/archive`.
#[handler]
pub async fn archive(app: AppData<'_>, signed: Signed, Path(id): Path<String>) -> WebResult<Response> {
    set_archived(&app, &signed, &id, true).await
}

/// `POST /asset-types/{id}/restore`.
#[handler]
pub async fn restore(app: AppData<'_>, signed: Signed, Path(id): Path<String>) -> WebResult<Response> {
    set_archived(&app, &signed, &id, false).await
}
