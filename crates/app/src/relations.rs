//! Related items and what names an item: a record in one of an
//! organization's sections, or a document (an organization's or a
//! tenant-wide guide).

use cairn_assets::asset_types::AssetType;
use cairn_assets::relations::{self, Item, ItemKind, Related};
use cairn_assets::{AssetError, documents, organizations, records};
use cairn_auth::policy::{Access, Action};
use cairn_store::{OrganizationId, RecordId};

use crate::documents::Place;
use crate::records::{RecordSection, Resolved, authorize as authorize_record, resolve};
use crate::state::Tx;
use crate::{App, AppError, Caller};

/// An item as a page or the API names it: the section it is asked for in
/// is part of the name, so an id asked for in the wrong section is not found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ItemRef {
    /// A record of an organization.
    Record {
        /// The organization.
        organization: OrganizationId,
        /// The section it is asked for in.
        section: RecordSection,
        /// Its id.
        id: RecordId,
    },
    /// A document of an organization, or a tenant-wide guide.
    Document {
        /// Where it lives.
        place: Place,
        /// Its id.
        id: RecordId,
    },
}

/// An item the caller was found allowed to act on.
pub(crate) struct AuthorizedItem {
    /// The item.
    pub item: Item,
    /// Its organization (`None` for a tenant-wide guide).
    pub organization_id: Option<String>,
    /// The caller's grant on the organization.
    pub grant: Option<Access>,
    /// For an asset: its type.
    pub asset_type: Option<AssetType>,
}

/// Authorizes `action` on the named item.
pub(crate) fn authorize_item(
    tx: &mut Tx<'_>,
    caller: &Caller,
    item: &ItemRef,
    action: Action,
) -> Result<AuthorizedItem, AppError> {
    match item {
        ItemRef::Record { organization, section, id } => {
            let resolved = resolve(tx, section)?;
            let proof = authorize_record(tx, caller, organization, &resolved, id, action)?;
            let asset_type = match resolved {
                Resolved::Asset(asset_type) => Some(asset_type),
                Resolved::Builtin(_) => None,
            };
            Ok(AuthorizedItem {
                item: Item { id: proof.get().id.clone(), kind: ItemKind::Record },
                organization_id: Some(proof.get().organization_id.clone()),
                grant: proof.grant(),
                asset_type,
            })
        }
        ItemRef::Document { place, id } => {
            let user = caller.require_user()?;
            let organization = match place {
                Place::Organization(org) => Some(org.as_str()),
                Place::Guides => None,
            };
            let document = documents::authorize(tx.conn, user, organization, id.as_str(), action)?;
            let grant = match &document.organization_id {
                Some(org) => organizations::grant_of(tx.conn, tx.tenant, org, &user.id)?,
                None => None,
            };
            Ok(AuthorizedItem {
                item: Item { id: document.id, kind: ItemKind::Document },
                organization_id: document.organization_id,
                grant,
                asset_type: None,
            })
        }
    }
}

/// The item `id` of `organization` that the caller may see, whatever it is.
fn visible_item(tx: &mut Tx<'_>, caller: &Caller, organization: &str, id: &str) -> Result<Item, AppError> {
    let user = caller.require_user()?;
    match records::authorize_any(tx.conn, user, organization, id, Action::View) {
        Ok(record) => return Ok(Item { id: record.get().id.clone(), kind: ItemKind::Record }),
        Err(AssetError::NotFound) => {}
        Err(other) => return Err(other.into()),
    }
    match documents::authorize(tx.conn, user, Some(organization), id, Action::View) {
        Ok(document) => Ok(Item { id: document.id, kind: ItemKind::Document }),
        Err(AssetError::NotFound) => {
            Err(AppError::invalid("target", crate::Reason::Text("no such item in this organization".into())))
        }
        Err(other) => Err(other.into()),
    }
}

impl App {
    /// What is related to an item, from both ends, as far as the caller may see.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label()))]
    pub async fn related(&self, caller: &Caller, item: &ItemRef) -> Result<Vec<Related>, AppError> {
        let (caller, item) = (caller.clone(), item.clone());
        self.read(&caller.tenant().id.clone(), move |tx| {
            let found = authorize_item(tx, &caller, &item, Action::View)?;
            Ok(relations::of(tx.conn, caller.require_user()?, found.grant, &found.item.id)?)
        })
        .await
    }

    /// Relates an item the caller may edit to another item of the same
    /// organization the caller may see, with an optional note.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label()))]
    pub async fn relate(&self, caller: &Caller, item: &ItemRef, target: &str, note: &str) -> Result<(), AppError> {
        let (caller, item, target, note) = (caller.clone(), item.clone(), target.trim().to_owned(), note.to_owned());
        self.write(&caller.tenant().id.clone(), move |tx| {
            let source = authorize_item(tx, &caller, &item, Action::Edit)?;
            // Tenant-wide guides belong to no organization: nothing relates to them.
            let organization = source.organization_id.ok_or(AppError::NotFound)?;
            let target = visible_item(tx, &caller, &organization, &target)?;
            relations::add(tx.conn, tx.tenant, &organization, &source.item, &target, &note, caller.actor())?;
            Ok(())
        })
        .await
    }

    /// Removes the relation between an item the caller may edit and another.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label()))]
    pub async fn unrelate(&self, caller: &Caller, item: &ItemRef, other: &str) -> Result<(), AppError> {
        let (caller, item, other) = (caller.clone(), item.clone(), other.to_owned());
        self.write(&caller.tenant().id.clone(), move |tx| {
            let source = authorize_item(tx, &caller, &item, Action::Edit)?;
            let organization = source.organization_id.ok_or(AppError::NotFound)?;
            Ok(relations::remove(tx.conn, tx.tenant, &organization, &source.item, &other, caller.actor())?)
        })
        .await
    }

    /// The live items of an organization the caller may see, to pick a
    /// relation's other end or a tag field's links from (at most `limit`).
    pub async fn item_choices(
        &self,
        caller: &Caller,
        organization: &OrganizationId,
        limit: usize,
    ) -> Result<Vec<ItemChoice>, AppError> {
        let (caller, organization) = (caller.clone(), organization.clone());
        self.read(&caller.tenant().id.clone(), move |tx| {
            let user = caller.require_user()?;
            let (_, grant) = organizations::authorize(tx.conn, user, organization.as_str(), Action::View)?;
            let mut choices: Vec<ItemChoice> = records::candidates(tx.conn, user, organization.as_str(), grant, limit)?
                .into_iter()
                .map(|(id, name, what, group)| ItemChoice { id, name, what, group })
                .collect();
            let documents = documents::list(tx.conn, user, Some(organization.as_str()))?;
            choices.extend(documents.into_iter().map(|d| ItemChoice {
                id: d.id,
                name: d.title,
                what: "document".into(),
                group: "document".into(),
            }));
            choices.truncate(limit);
            Ok(choices)
        })
        .await
    }
}

/// An item to choose from.
#[derive(Clone, Debug)]
pub struct ItemChoice {
    /// Its id.
    pub id: String,
    /// Its name or title.
    pub name: String,
    /// What it is: a kind (`configuration`, …, `document`) or an asset type's slug.
    pub what: String,
    /// Its group: the kind, or the asset type's name.
    pub group: String,
}
