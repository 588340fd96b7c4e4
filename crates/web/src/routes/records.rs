//! Section lists and record pages of an organization, for the built-in
//! kinds and the tenant's asset types alike.

use askama::Template;
use cairn_app::{ItemRef, OrganizationId, RecordId};
use cairn_assets::Kind;
use cairn_assets::records::ListQuery;
use cairn_auth::policy::Visibility;
use poem::http::StatusCode;
use poem::web::{Path, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;

use crate::error::WebResult;
use crate::extract::{AppData, Signed, Viewer};
use crate::flow::see_other;
use crate::org_frame::OrgFrame;
use crate::page::{Frame, render};
use crate::panels::{self, AttachmentRow, Panels, RelatedRow};
use crate::section_view::{SectionView, display_value, section_of};

/// Rows a section list page shows: a technician's screen takes many at
/// once, a phone scrolls.
const LIST_ROWS: usize = 50;

/// Items offered to relate to on a record's page.
pub(crate) const CHOICE_LIMIT: usize = 500;

/// A column of a section list.
struct Column {
    key: String,
    label: String,
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
    section_label: String,
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
    app: AppData<'_>,
    viewer: Viewer,
    Path((id, slug)): Path<(String, String)>,
    Query(params): Query<ListParams>,
) -> WebResult<Response> {
    let section = section_of(&slug)?;
    let desc = params.desc.is_some();
    let query = ListQuery {
        q: params.q.clone(),
        sort: params.sort.clone(),
        desc,
        page: params.page.unwrap_or(1),
        per_page: LIST_ROWS,
    };
    let listed = app.records(&viewer.caller, &OrganizationId::new(id), section.clone(), query).await?;
    let frame = Frame::for_request(req);
    let lang = frame.t.lang;
    let view = SectionView::of(&section, listed.asset_type.as_ref(), lang)?;
    let listed_fields: Vec<_> = view.fields.iter().filter(|f| f.list && f.is_plain()).collect();
    let mut columns = vec![Column { key: "name".into(), label: view.name_label.clone() }];
    columns.extend(listed_fields.iter().map(|f| Column { key: f.key.clone(), label: f.label.clone() }));
    let with_updated = view.kind == Some(Kind::Password);
    if with_updated {
        columns.push(Column { key: "updated".into(), label: frame.t.updated.into() });
    }
    let rows = listed
        .page
        .records
        .iter()
        .map(|r| {
            let mut cells = vec![r.name.clone()];
            cells.extend(listed_fields.iter().map(|f| display_value(f, r.field(&f.key), lang)));
            if with_updated {
                cells.push(frame.time(&r.updated_at));
            }
            Row { id: r.id.clone(), cells }
        })
        .collect();
    let page = SectionList {
        section_label: view.label,
        org: OrgFrame::new(&listed.org, &view.slug, lang),
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
    key: String,
    label: String,
    input: &'static str,
    value: String,
    secret: bool,
    set: bool,
    wide: bool,
    /// A tag field's links.
    links: Vec<RelatedRow>,
    /// An upload field's files.
    files: Vec<AttachmentRow>,
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
    panels: Panels,
}

fn history_label(action: &str, lang: &str) -> &'static str {
    let (de, en) = match action {
        "record.created" => ("erstellt", "created"),
        "record.updated" => ("geändert", "changed"),
        "record.revealed" => ("Geheimnis angezeigt", "revealed a secret"),
        "record.archived" => ("archiviert", "archived"),
        "relation.added" => ("verknüpft", "related"),
        "relation.removed" => ("Verknüpfung entfernt", "unrelated"),
        "attachment.added" => ("Datei angehängt", "attached a file"),
        "attachment.downloaded" => ("Datei geladen", "downloaded a file"),
        "attachment.removed" => ("Datei entfernt", "removed a file"),
        _ => ("Aktion", "action"),
    };
    if lang == "de" { de } else { en }
}

/// `GET /organizations/{id}/{section}/{record}`.
#[handler]
pub async fn record_detail(
    req: &Request,
    app: AppData<'_>,
    viewer: Viewer,
    Path((id, slug, record_id)): Path<(String, String, String)>,
) -> WebResult<Response> {
    let section = section_of(&slug)?;
    let organization = OrganizationId::new(id);
    let shown = app.record(&viewer.caller, &organization, section.clone(), &RecordId::new(record_id)).await?;
    let frame = Frame::for_request(req);
    let lang = frame.t.lang;
    let view = SectionView::of(&section, shown.asset_type.as_ref(), lang)?;
    let record = &shown.record;
    let base = format!("/organizations/{organization}/{}/{}", view.slug, record.id);
    let fields = view
        .fields
        .iter()
        .map(|f| DetailField {
            key: f.key.clone(),
            label: f.label.clone(),
            input: f.input,
            value: display_value(f, record.field(&f.key), lang),
            secret: f.secret,
            set: record.secrets_set.contains(&f.key),
            wide: f.wide,
            links: panels::related_groups(organization.as_str(), &shown.related, &f.key, lang)
                .into_iter()
                .flat_map(|g| g.rows)
                .collect(),
            files: panels::attachment_rows(&base, &shown.attachments, &f.key),
        })
        .collect();
    let choices = if shown.can_edit {
        let choices = app.item_choices(&viewer.caller, &organization, CHOICE_LIMIT).await?;
        panels::choice_groups(choices, &record.id, lang)
    } else {
        Vec::new()
    };
    let panels = Panels {
        can_edit: shown.can_edit,
        relatable: true,
        related: panels::related_groups(organization.as_str(), &shown.related, "", lang),
        attachments: panels::attachment_rows(&base, &shown.attachments, ""),
        choices,
        max_size: panels::human_size(i64::try_from(app.max_attachment_bytes()).unwrap_or(i64::MAX)),
        base,
    };
    let page = Detail {
        org: OrgFrame::new(&shown.org, &view.slug, lang),
        id: record.id.clone(),
        name: record.name.clone(),
        fields,
        can_edit: shown.can_edit,
        staff_only: record.visibility == Visibility::Staff,
        wifi_qr: view.kind == Some(Kind::Wireless),
        updated_by: record.updated_by.clone().unwrap_or_default(),
        updated_at: frame.time(&record.updated_at),
        history: shown
            .history
            .iter()
            .map(|e| (frame.time(&e.occurred_at), e.actor.clone(), history_label(&e.action, lang).to_owned()))
            .collect(),
        panels,
        frame,
    };
    Ok(render(StatusCode::OK, &page))
}

/// `POST /organizations/{id}/{section}/{record}/archive`.
#[handler]
pub async fn archive_record(
    app: AppData<'_>,
    signed: Signed,
    Path((id, slug, record_id)): Path<(String, String, String)>,
) -> WebResult<Response> {
    let section = section_of(&slug)?;
    let organization = OrganizationId::new(id);
    app.archive_record(&signed.caller, &organization, section, &RecordId::new(record_id)).await?;
    Ok(see_other(&format!("/organizations/{organization}/{slug}")))
}

/// The item a record or organization document page path names.
pub(super) fn item_of(organization: &str, slug: &str, id: &str) -> WebResult<ItemRef> {
    let organization = OrganizationId::new(organization.to_owned());
    if slug == cairn_assets::Section::Documents.slug() {
        return Ok(ItemRef::Document { place: cairn_app::Place::Organization(organization), id: RecordId::new(id) });
    }
    Ok(ItemRef::Record { organization, section: section_of(slug)?, id: RecordId::new(id) })
}
