//! The related-items and attachments panels of record, document and guide
//! pages (`panels.html`), built from what the use cases return.

use cairn_app::ItemChoice;
use cairn_assets::attachments::Attachment;
use cairn_assets::relations::Related;

use crate::labels;
use crate::section_view::{section_label, segment};

/// A related item as a link.
pub struct RelatedRow {
    /// The item's id (what the remove form names).
    pub id: String,
    /// Its page.
    pub href: String,
    /// Its name.
    pub name: String,
    /// Whether it is archived (shown, marked, never a broken link).
    pub archived: bool,
    /// The relation's note.
    pub note: String,
    /// Whether it is a plain relation (tag links are changed in the form).
    pub removable: bool,
}

/// Related items of one kind or type.
pub struct RelatedGroup {
    /// The kind's or type's label.
    pub label: String,
    /// The items.
    pub rows: Vec<RelatedRow>,
}

/// An attachment as a download link.
pub struct AttachmentRow {
    /// Its download URL.
    pub href: String,
    /// Its file name.
    pub name: String,
    /// Its size, readable.
    pub size: String,
}

/// What to choose a relation's other end from, grouped.
pub struct ChoiceGroup {
    /// The group's label.
    pub label: String,
    /// Ids and names.
    pub items: Vec<(String, String)>,
}

/// The panels of one item's page.
pub struct Panels {
    /// The item's page URL; the panels' actions hang below it.
    pub base: String,
    /// Whether the reader may relate, attach and remove.
    pub can_edit: bool,
    /// Whether relations are possible at all (not for tenant-wide guides).
    pub relatable: bool,
    /// Related items by group.
    pub related: Vec<RelatedGroup>,
    /// Attachments outside upload fields.
    pub attachments: Vec<AttachmentRow>,
    /// Items to relate to.
    pub choices: Vec<ChoiceGroup>,
    /// The largest upload, readable.
    pub max_size: String,
}

/// A byte count as people read it.
pub fn human_size(bytes: i64) -> String {
    match bytes {
        b if b >= 1024 * 1024 => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
        b if b >= 1024 => format!("{} KB", b / 1024),
        b => format!("{b} B"),
    }
}

/// The page of a related item of organization `org`.
pub fn related_href(org: &str, related: &Related) -> String {
    format!("/organizations/{org}/{}/{}", segment(related.kind, related.asset_type.as_ref()), related.id)
}

/// Groups related items by kind or type; `field` picks the plain relations
/// ("") or one tag field's links.
pub fn related_groups(org: &str, related: &[Related], field: &str, lang: &str) -> Vec<RelatedGroup> {
    let mut groups: Vec<RelatedGroup> = Vec::new();
    for item in related.iter().filter(|r| r.field_id == field) {
        let label = section_label(item.kind, item.asset_type.as_ref(), lang);
        let row = RelatedRow {
            id: item.id.clone(),
            href: related_href(org, item),
            name: item.name.clone(),
            archived: item.archived,
            note: item.note.clone(),
            removable: item.field_id.is_empty(),
        };
        match groups.iter_mut().find(|g| g.label == label) {
            Some(group) => group.rows.push(row),
            None => groups.push(RelatedGroup { label, rows: vec![row] }),
        }
    }
    groups
}

/// The attachments of `field` ("" for the item's own), as links below `base`.
pub fn attachment_rows(base: &str, attachments: &[Attachment], field: &str) -> Vec<AttachmentRow> {
    attachments
        .iter()
        .filter(|a| a.field_id == field)
        .map(|a| AttachmentRow {
            href: format!("{base}/attachments/{}", a.id),
            name: a.file_name.clone(),
            size: human_size(a.size),
        })
        .collect()
}

/// Groups choices by their group, leaving out `own` (an item is not related to itself).
pub fn choice_groups(choices: Vec<ItemChoice>, own: &str, lang: &str) -> Vec<ChoiceGroup> {
    let mut groups: Vec<ChoiceGroup> = Vec::new();
    for choice in choices.into_iter().filter(|c| c.id != own) {
        let label = match cairn_assets::Kind::parse(&choice.group).and_then(cairn_assets::Kind::section) {
            Some(section) => labels::section(section, lang).to_owned(),
            None if choice.group == "document" => labels::section(cairn_assets::Section::Documents, lang).to_owned(),
            None => choice.group.clone(),
        };
        match groups.iter_mut().find(|g| g.label == label) {
            Some(group) => group.items.push((choice.id, choice.name)),
            None => groups.push(ChoiceGroup { label, items: vec![(choice.id, choice.name)] }),
        }
    }
    groups
}

/// The panels of a document's page (`base` is the document's page). A
/// tenant-wide guide takes attachments but no relations: it belongs to no
/// organization.
pub async fn for_document(
    app: &cairn_app::App,
    caller: &cairn_app::Caller,
    place: &cairn_app::Place,
    view: &cairn_app::DocumentView,
    base: String,
    lang: &str,
) -> crate::error::WebResult<Panels> {
    let organization = match place {
        cairn_app::Place::Organization(organization) => Some(organization),
        cairn_app::Place::Guides => None,
    };
    let choices = match organization {
        Some(organization) if view.can_edit => {
            let choices = app.item_choices(caller, organization, crate::routes::CHOICE_LIMIT).await?;
            choice_groups(choices, &view.document.id, lang)
        }
        _ => Vec::new(),
    };
    let org = organization.map(|o| o.as_str().to_owned()).unwrap_or_default();
    Ok(Panels {
        can_edit: view.can_edit,
        relatable: organization.is_some(),
        related: related_groups(&org, &view.related, "", lang),
        attachments: attachment_rows(&base, &view.attachments, ""),
        choices,
        max_size: human_size(i64::try_from(app.max_attachment_bytes()).unwrap_or(i64::MAX)),
        base,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human_size(12), "12 B");
        assert_eq!(human_size(4096), "4 KB");
        assert_eq!(human_size(3 * 1024 * 1024 + 512 * 1024), "3.5 MB");
    }
}
