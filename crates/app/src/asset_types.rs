//! The tenant's asset types: read by everyone who documents or reads,
//! defined, changed and archived by owners.

use cairn_assets::asset_types::{self, AssetType, TEMPLATES, TypeInput};
use cairn_assets::expirations;
use cairn_auth::policy::{Action, Resource, can};

use crate::{App, AppError, Caller};

impl App {
    /// Whether the caller may define and change asset types.
    pub fn may_manage_asset_types(&self, caller: &Caller) -> bool {
        can(&caller.principal(), Action::ManageAssetTypes, &Resource::Tenant)
    }

    fn require_type_manager(&self, caller: &Caller) -> Result<(), AppError> {
        if self.may_manage_asset_types(caller) { Ok(()) } else { Err(AppError::NotFound) }
    }

    /// The tenant's asset types, by name; archived ones only for owners who ask.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label()))]
    pub async fn asset_types(&self, caller: &Caller, include_archived: bool) -> Result<Vec<AssetType>, AppError> {
        let archived = include_archived && self.may_manage_asset_types(caller);
        self.read(&caller.tenant().id, move |tx| Ok(asset_types::list(tx.conn, tx.tenant, archived)?)).await
    }

    /// One asset type by slug or id (archived ones for owners only).
    pub async fn asset_type(&self, caller: &Caller, slug_or_id: &str) -> Result<AssetType, AppError> {
        let owner = self.may_manage_asset_types(caller);
        let key = slug_or_id.to_owned();
        self.read(&caller.tenant().id, move |tx| {
            let found = asset_types::find(tx.conn, tx.tenant, &key)?;
            if found.archived && !owner { Err(AppError::NotFound) } else { Ok(found) }
        })
        .await
    }

    /// How many records hold a value in each field of a type (owners, for the editor).
    pub async fn asset_type_usage(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<std::collections::BTreeMap<String, i64>, AppError> {
        self.require_type_manager(caller)?;
        let id = id.to_owned();
        self.read(&caller.tenant().id, move |tx| {
            let found = asset_types::get(tx.conn, tx.tenant, &id)?;
            Ok(asset_types::value_counts(tx.conn, tx.tenant, &found.id)?)
        })
        .await
    }

    /// Defines a new asset type (owners).
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label()))]
    pub async fn create_asset_type(&self, caller: &Caller, mut input: TypeInput) -> Result<AssetType, AppError> {
        self.require_type_manager(caller)?;
        // Left empty, the slug follows the name: `SSL-Zertifikat` → `ssl-zertifikat`.
        if input.slug.trim().is_empty() {
            input.slug = asset_types::slug_from(&input.name);
        }
        let actor = caller.actor();
        self.write(&caller.tenant().id, move |tx| Ok(asset_types::create(tx.conn, tx.tenant, &input, actor)?)).await
    }

    /// Defines an asset type from one of the templates (owners).
    pub async fn create_asset_type_from_template(&self, caller: &Caller, key: &str) -> Result<AssetType, AppError> {
        let template = TEMPLATES.iter().find(|t| t.key == key).ok_or(AppError::NotFound)?;
        self.create_asset_type(caller, template.input()).await
    }

    /// Changes an asset type (owners): fields renamed, reordered, added or
    /// removed keep every record's other values. Removing fields that hold
    /// values answers [`AppError::Unconfirmed`] unless `confirm_removal`.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), asset_type = id))]
    pub async fn update_asset_type(
        &self,
        caller: &Caller,
        id: &str,
        mut input: TypeInput,
        confirm_removal: bool,
    ) -> Result<AssetType, AppError> {
        self.require_type_manager(caller)?;
        let (actor, id) = (caller.actor(), id.to_owned());
        self.write(&caller.tenant().id, move |tx| {
            let current = asset_types::find(tx.conn, tx.tenant, &id)?;
            if input.slug.trim().is_empty() {
                input.slug = current.slug.clone();
            }
            let updated = asset_types::update(tx.conn, tx.tenant, &current, &input, confirm_removal, actor)?;
            // Which dates expire may have changed with the fields.
            expirations::rebuild_for_type(tx.conn, tx.tenant, &updated)?;
            Ok(updated)
        })
        .await
    }

    /// Archives or restores an asset type (owners): archived types leave
    /// the sidebar and the expirations; their records stay.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), asset_type = id))]
    pub async fn set_asset_type_archived(&self, caller: &Caller, id: &str, archived: bool) -> Result<(), AppError> {
        self.require_type_manager(caller)?;
        let (actor, id) = (caller.actor(), id.to_owned());
        self.write(&caller.tenant().id, move |tx| {
            let current = asset_types::find(tx.conn, tx.tenant, &id)?;
            asset_types::set_archived(tx.conn, tx.tenant, &current, archived, actor)?;
            Ok(())
        })
        .await
    }
}
