//! The organization part of every organization page: the seed's sidebar.

use cairn_app::OrgView;

use crate::labels;

/// One entry of the sidebar.
pub struct SectionItem {
    /// Its path segment.
    pub slug: String,
    /// Its label.
    pub label: String,
    /// Its icon (asset types), or "".
    pub icon: String,
    /// How many entries the reader sees there.
    pub count: i64,
}

/// What the organization pages' frame shows.
pub struct OrgFrame {
    /// The organization's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its alert, shown on every page.
    pub alert: String,
    /// The current section's slug (`overview` on the overview).
    pub active: String,
    /// The sidebar's built-in sections.
    pub sections: Vec<SectionItem>,
    /// The sidebar's asset types.
    pub asset_sections: Vec<SectionItem>,
    /// Whether the reader may edit the organization and its access.
    pub can_manage: bool,
    /// Whether the reader may create entries.
    pub can_create: bool,
}

impl OrgFrame {
    /// The frame of `view`, with `active` marked, in `lang`.
    pub fn new(view: &OrgView, active: &str, lang: &str) -> Self {
        OrgFrame {
            id: view.organization.id.clone(),
            name: view.organization.name.clone(),
            alert: view.organization.alert.clone(),
            active: active.to_owned(),
            sections: view
                .counts
                .iter()
                .map(|(section, count)| SectionItem {
                    slug: section.slug().to_owned(),
                    label: labels::section(*section, lang).to_owned(),
                    icon: String::new(),
                    count: *count,
                })
                .collect(),
            asset_sections: view
                .asset_sections
                .iter()
                .map(|(section, count)| SectionItem {
                    slug: section.slug.clone(),
                    label: section.name.clone(),
                    icon: section.icon.clone(),
                    count: *count,
                })
                .collect(),
            can_manage: view.can_manage,
            can_create: view.can_create,
        }
    }
}
