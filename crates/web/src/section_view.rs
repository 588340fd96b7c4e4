//! One shape for the fields of every section, built-in kind or asset type,
//! so the list, detail and form pages treat both alike.

use cairn_app::RecordSection;
use cairn_assets::asset_types::{AssetType, FieldKind};
use cairn_assets::{Input, Kind, Section};

use crate::error::{WebResult, not_found};
use crate::labels;

/// The section a path segment names: a built-in kind's section, or an
/// asset type's slug (whether that type exists is the use case's answer).
/// Documents are not records.
pub fn section_of(slug: &str) -> WebResult<RecordSection> {
    match Section::from_slug(slug) {
        Some(section) => section.kind().map(RecordSection::Builtin).ok_or_else(not_found),
        None => Ok(RecordSection::Asset(slug.to_owned())),
    }
}

/// The path segment of a record's section: its kind's, or its type's slug.
pub fn segment(kind: Option<Kind>, asset_type: Option<&(String, String)>) -> String {
    match (kind.and_then(Kind::section), asset_type) {
        (Some(section), _) => section.slug().to_owned(),
        (None, Some((slug, _))) => slug.clone(),
        (None, None) => "documents".to_owned(),
    }
}

/// The label of a record's section: its kind's section, or its type's name.
pub fn section_label(kind: Option<Kind>, asset_type: Option<&(String, String)>, lang: &str) -> String {
    match (kind.and_then(Kind::section), asset_type) {
        (Some(section), _) => labels::section(section, lang).to_owned(),
        (None, Some((_, name))) => name.clone(),
        (None, None) => labels::section(Section::Documents, lang).to_owned(),
    }
}

/// One field as the pages show and take it.
pub struct FieldView {
    /// Its form name and value key: a built-in key, or an asset field's id.
    pub key: String,
    /// What refusals name it by: the key for built-in fields, the name for an asset's.
    pub name: String,
    /// Its label.
    pub label: String,
    /// How it is entered: `text`, `textarea`, `email`, `date`, `number`,
    /// `select`, `checkbox`, `secret`, `tag`, `upload` or `header`.
    pub input: &'static str,
    /// A select's options: value and label.
    pub options: Vec<(String, String)>,
    /// Whether section lists show it as a column.
    pub list: bool,
    /// Whether it is sealed (shown only by a reveal).
    pub secret: bool,
    /// Whether it takes the whole width (long text).
    pub wide: bool,
    /// A hint below the input.
    pub hint: String,
    /// Whether it must hold a value.
    pub required: bool,
}

impl FieldView {
    /// Whether this field holds a plain value in the record's fields.
    pub fn is_plain(&self) -> bool {
        !matches!(self.input, "secret" | "tag" | "upload" | "header")
    }
}

/// A section: its path segment, labels and fields.
pub struct SectionView {
    /// Its path segment.
    pub slug: String,
    /// Its label (a type's name).
    pub label: String,
    /// The label of the name input.
    pub name_label: String,
    /// Whether records are named by a field (an asset type's title field)
    /// instead of a name input.
    pub named_by_field: bool,
    /// Whether records choose who sees them.
    pub has_visibility: bool,
    /// The built-in kind, if it is one.
    pub kind: Option<Kind>,
    /// The fields, in order.
    pub fields: Vec<FieldView>,
}

impl SectionView {
    /// The view of a section list's or record's section: the asset type if
    /// there is one, else the built-in kind of `section`.
    pub fn of(section: &RecordSection, asset_type: Option<&AssetType>, lang: &str) -> WebResult<Self> {
        match (section, asset_type) {
            (_, Some(asset_type)) => Ok(Self::asset(asset_type, lang)),
            (RecordSection::Builtin(kind), None) => Self::builtin(*kind, lang).ok_or_else(not_found),
            (RecordSection::Asset(_), None) => Err(not_found()),
        }
    }

    /// The view of a built-in kind (`None` for [`Kind::Asset`]).
    pub fn builtin(kind: Kind, lang: &str) -> Option<Self> {
        let section = kind.section()?;
        let fields = kind
            .fields()
            .iter()
            .map(|f| {
                let (input, options) = match f.input {
                    Input::Text => ("text", Vec::new()),
                    Input::Textarea => ("textarea", Vec::new()),
                    Input::Email => ("email", Vec::new()),
                    Input::Date => ("date", Vec::new()),
                    Input::Select(options) => (
                        "select",
                        options.iter().map(|o| ((*o).to_owned(), labels::choice(o, lang).to_owned())).collect(),
                    ),
                    Input::Checkbox => ("checkbox", Vec::new()),
                    Input::Secret => ("secret", Vec::new()),
                };
                FieldView {
                    key: f.key.to_owned(),
                    name: f.key.to_owned(),
                    label: labels::field(kind, f.key, lang).to_owned(),
                    input,
                    options,
                    list: f.list,
                    secret: f.is_secret(),
                    wide: f.input == Input::Textarea,
                    hint: String::new(),
                    required: false,
                }
            })
            .collect();
        Some(SectionView {
            slug: section.slug().to_owned(),
            label: labels::section(section, lang).to_owned(),
            name_label: labels::name(kind, lang).to_owned(),
            named_by_field: false,
            has_visibility: kind.has_visibility(),
            kind: Some(kind),
            fields,
        })
    }

    /// The view of an asset type (its removed fields are not shown).
    pub fn asset(asset_type: &AssetType, lang: &str) -> Self {
        let fields = asset_type
            .active_fields()
            .map(|f| FieldView {
                key: f.id.clone(),
                name: f.name.clone(),
                label: f.name.clone(),
                input: match f.kind {
                    FieldKind::Text => "text",
                    FieldKind::Textbox => "textarea",
                    FieldKind::Number | FieldKind::Percent => "number",
                    FieldKind::Date => "date",
                    FieldKind::Checkbox => "checkbox",
                    FieldKind::Select => "select",
                    FieldKind::Password => "secret",
                    FieldKind::Tag => "tag",
                    FieldKind::Upload => "upload",
                    FieldKind::Header => "header",
                },
                options: f.options.iter().map(|o| (o.clone(), o.clone())).collect(),
                list: f.show_in_list,
                secret: f.kind == FieldKind::Password,
                wide: f.kind == FieldKind::Textbox,
                hint: f.hint.clone(),
                required: f.required,
            })
            .collect();
        SectionView {
            slug: asset_type.slug.clone(),
            label: asset_type.name.clone(),
            name_label: if lang == "de" { "Bezeichnung" } else { "Name" }.to_owned(),
            named_by_field: asset_type.title_field().is_some(),
            has_visibility: true,
            kind: None,
            fields,
        }
    }

    /// The form key of the field a refusal names (refusals name an asset's
    /// fields by their name).
    pub fn error_key(&self, field: &str) -> String {
        self.fields.iter().find(|f| f.name == field).map_or_else(|| field.to_owned(), |f| f.key.clone())
    }
}

/// A value as the reader sees it: choices by their label, checkboxes as yes.
pub fn display_value(field: &FieldView, value: &str, lang: &str) -> String {
    match field.input {
        "checkbox" if value == "true" => (if lang == "de" { "Ja" } else { "Yes" }).into(),
        "checkbox" => String::new(),
        "select" => field.options.iter().find(|(v, _)| v == value).map_or_else(|| value.to_owned(), |o| o.1.clone()),
        _ => value.to_owned(),
    }
}
