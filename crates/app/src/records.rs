//! Documentation records — of the built-in kinds and of the tenant's asset
//! types alike: section lists, details with history, related items and
//! attachments, forms, archive, audited reveals and the Wi-Fi join code.

use cairn_assets::asset_records;
use cairn_assets::asset_types::{self, AssetType};
use cairn_assets::attachments::{self, Attachment};
use cairn_assets::records::{self, ListPage, ListQuery, Record, RecordInput};
use cairn_assets::relations::{self, Related};
use cairn_assets::{Authorized, Kind};
use cairn_auth::mfa;
use cairn_auth::policy::{Action, Resource, can};
use cairn_store::audit::{self, AuditAction, Event, Filter};
use cairn_store::{OrganizationId, RecordId};
use cairn_vault::{ExposeSecret, SecretString};

use crate::organizations::{OrgView, authorized_view, org_view};
use crate::state::Tx;
use crate::{App, AppError, Caller};

/// Events of a record's history shown on its page.
const HISTORY_LIMIT: i64 = 20;

/// Which section of an organization a record is asked for in: a built-in
/// kind, or an asset type by its slug. A record asked for in another
/// section than its own is not found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordSection {
    /// Configurations, contacts, passwords, Wi-Fi or VPNs.
    Builtin(Kind),
    /// The records of the asset type with this slug.
    Asset(String),
}

impl From<Kind> for RecordSection {
    fn from(kind: Kind) -> Self {
        RecordSection::Builtin(kind)
    }
}

impl RecordSection {
    /// Its path segment: the built-in section's (`configurations`), or the type's slug.
    pub fn slug(&self) -> &str {
        match self {
            RecordSection::Builtin(kind) => kind.section().map_or("", |s| s.slug()),
            RecordSection::Asset(slug) => slug,
        }
    }
}

/// A section resolved in a transaction: the kind, or the asset type itself.
#[derive(Clone, Debug)]
pub(crate) enum Resolved {
    /// A built-in kind.
    Builtin(Kind),
    /// An asset type (not archived).
    Asset(AssetType),
}

impl Resolved {
    fn asset_type(&self) -> Option<&AssetType> {
        match self {
            Resolved::Builtin(_) => None,
            Resolved::Asset(asset_type) => Some(asset_type),
        }
    }
}

/// Finds the section's kind or live asset type.
pub(crate) fn resolve(tx: &mut Tx<'_>, section: &RecordSection) -> Result<Resolved, AppError> {
    match section {
        RecordSection::Builtin(Kind::Asset) => Err(AppError::NotFound),
        RecordSection::Builtin(kind) => Ok(Resolved::Builtin(*kind)),
        RecordSection::Asset(slug) => {
            let asset_type = asset_types::find(tx.conn, tx.tenant, slug)?;
            // Types are found by slug only (ids are for the API's type resource).
            if asset_type.archived || &asset_type.slug != slug {
                return Err(AppError::NotFound);
            }
            Ok(Resolved::Asset(asset_type))
        }
    }
}

/// A page of a section list.
#[derive(Debug)]
pub struct SectionPage {
    /// The organization's frame.
    pub org: OrgView,
    /// For an asset section: its type.
    pub asset_type: Option<AssetType>,
    /// The records of this page.
    pub page: ListPage,
}

/// A record's page.
#[derive(Debug)]
pub struct RecordPage {
    /// The organization's frame.
    pub org: OrgView,
    /// For an asset: its type.
    pub asset_type: Option<AssetType>,
    /// The record (plain fields; which secrets are set).
    pub record: Record,
    /// Whether the caller may edit it.
    pub can_edit: bool,
    /// Who changed it, newest first; staff also see who revealed its secrets.
    pub history: Vec<Event>,
    /// Related items the caller may see (tag links included, marked by field).
    pub related: Vec<Related>,
    /// Its attachments (upload fields' files included, marked by field).
    pub attachments: Vec<Attachment>,
}

/// A revealed secret.
#[derive(Debug)]
pub struct Revealed {
    /// The record it belongs to.
    pub record: Record,
    /// The value; for an OTP secret, the current code.
    pub value: SecretString,
    /// For an OTP secret, the seconds the code stays valid.
    pub remaining: Option<u64>,
}

/// Authorizes `action` on the record of the resolved section for the caller (users only).
pub(crate) fn authorize(
    tx: &mut Tx<'_>,
    caller: &Caller,
    organization: &OrganizationId,
    resolved: &Resolved,
    id: &RecordId,
    action: Action,
) -> Result<Authorized<Record>, AppError> {
    let user = caller.require_user()?;
    Ok(match resolved {
        Resolved::Builtin(kind) => {
            records::authorize(tx.conn, user, organization.as_str(), *kind, id.as_str(), action)?
        }
        Resolved::Asset(asset_type) => {
            records::authorize_asset(tx.conn, user, organization.as_str(), asset_type, id.as_str(), action)?
        }
    })
}

/// The frame of the proof's organization.
fn view_of(tx: &mut Tx<'_>, caller: &Caller, proof: &Authorized<Record>) -> Result<OrgView, AppError> {
    org_view(tx, caller, proof.organization().clone(), proof.grant())
}

impl App {
    /// One page of a section list of an organization.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), org = %organization))]
    pub async fn records(
        &self,
        caller: &Caller,
        organization: &OrganizationId,
        section: impl Into<RecordSection>,
        query: ListQuery,
    ) -> Result<SectionPage, AppError> {
        let (organization, section) = (organization.clone(), section.into());
        self.read_for(caller, move |tx, caller| {
            let resolved = resolve(tx, &section)?;
            let org = authorized_view(tx, caller, organization.as_str(), Action::View)?;
            let user = caller.require_user()?;
            let page = match &resolved {
                Resolved::Builtin(kind) => {
                    records::list(tx.conn, user, organization.as_str(), org.grant, *kind, &query)?
                }
                Resolved::Asset(asset_type) => {
                    records::list_assets(tx.conn, user, organization.as_str(), org.grant, asset_type, &query)?
                }
            };
            Ok(SectionPage { org, asset_type: resolved.asset_type().cloned(), page })
        })
        .await
    }

    /// A record's page with its history, related items and attachments.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), record = %id))]
    pub async fn record(
        &self,
        caller: &Caller,
        organization: &OrganizationId,
        section: impl Into<RecordSection>,
        id: &RecordId,
    ) -> Result<RecordPage, AppError> {
        let (organization, id, section) = (organization.clone(), id.clone(), section.into());
        self.read_for(caller, move |tx, caller| {
            let resolved = resolve(tx, &section)?;
            let proof = authorize(tx, caller, &organization, &resolved, &id, Action::View)?;
            let org = view_of(tx, caller, &proof)?;
            let record = proof.get().clone();
            let staff = caller.role().is_staff();
            let filter = Filter { target_id: Some(record.id.clone()), ..Default::default() };
            let history = audit::list(tx.conn, tx.tenant, &filter, HISTORY_LIMIT)?
                .into_iter()
                .filter(|e| staff || e.action != AuditAction::RecordRevealed.as_str())
                .collect();
            let resource = Resource::Record { grant: proof.grant(), visibility: record.visibility };
            let can_edit = can(&caller.principal(), Action::Edit, &resource);
            let related = relations::of(tx.conn, caller.require_user()?, proof.grant(), &record.id)?;
            let attachments = attachments::list(tx.conn, tx.tenant, &record.id)?;
            Ok(RecordPage {
                org,
                asset_type: resolved.asset_type().cloned(),
                record,
                can_edit,
                history,
                related,
                attachments,
            })
        })
        .await
    }

    /// A record and its frame (and its type, for an asset), for its edit form.
    pub async fn record_for_edit(
        &self,
        caller: &Caller,
        organization: &OrganizationId,
        section: impl Into<RecordSection>,
        id: &RecordId,
    ) -> Result<(OrgView, Record), AppError> {
        let page = self.record_edit_page(caller, organization, section, id).await?;
        Ok((page.org, page.record))
    }

    /// Like [`App::record_for_edit`], with the asset type and the tag links
    /// the form shows.
    pub async fn record_edit_page(
        &self,
        caller: &Caller,
        organization: &OrganizationId,
        section: impl Into<RecordSection>,
        id: &RecordId,
    ) -> Result<RecordPage, AppError> {
        let (caller, organization, id, section) = (caller.clone(), organization.clone(), id.clone(), section.into());
        self.read(&caller.tenant().id.clone(), move |tx| {
            let resolved = resolve(tx, &section)?;
            let proof = authorize(tx, &caller, &organization, &resolved, &id, Action::Edit)?;
            let related = relations::of(tx.conn, caller.require_user()?, proof.grant(), proof.get().id.as_str())?;
            Ok(RecordPage {
                org: view_of(tx, &caller, &proof)?,
                asset_type: resolved.asset_type().cloned(),
                record: proof.get().clone(),
                can_edit: true,
                history: Vec::new(),
                related,
                attachments: Vec::new(),
            })
        })
        .await
    }

    /// The frame and asset type of a section, for a new record's form.
    pub async fn section_for_create(
        &self,
        caller: &Caller,
        organization: &OrganizationId,
        section: impl Into<RecordSection>,
    ) -> Result<(OrgView, Option<AssetType>), AppError> {
        let (caller, organization, section) = (caller.clone(), organization.clone(), section.into());
        self.read(&caller.tenant().id.clone(), move |tx| {
            let resolved = resolve(tx, &section)?;
            let org = authorized_view(tx, &caller, organization.as_str(), Action::Create)?;
            Ok((org, resolved.asset_type().cloned()))
        })
        .await
    }

    /// Creates a record; secrets are sealed on the way in.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), org = %organization))]
    pub async fn create_record(
        &self,
        caller: &Caller,
        organization: &OrganizationId,
        section: impl Into<RecordSection>,
        input: RecordInput,
    ) -> Result<Record, AppError> {
        let (caller, organization, section) = (caller.clone(), organization.clone(), section.into());
        self.write(&caller.tenant().id.clone(), move |tx| {
            let resolved = resolve(tx, &section)?;
            let user = caller.require_user()?;
            let keyring = tx.keyring()?;
            Ok(match &resolved {
                Resolved::Builtin(kind) => {
                    records::create(tx.conn, &keyring, user, organization.as_str(), *kind, &input)?
                }
                Resolved::Asset(asset_type) => {
                    asset_records::create(tx.conn, &keyring, user, organization.as_str(), asset_type, &input)?
                }
            })
        })
        .await
    }

    /// Saves a changed record; an empty secret keeps the stored one.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), record = %id))]
    pub async fn update_record(
        &self,
        caller: &Caller,
        organization: &OrganizationId,
        section: impl Into<RecordSection>,
        id: &RecordId,
        input: RecordInput,
    ) -> Result<(), AppError> {
        let (caller, organization, id, section) = (caller.clone(), organization.clone(), id.clone(), section.into());
        self.write(&caller.tenant().id.clone(), move |tx| {
            let resolved = resolve(tx, &section)?;
            let proof = authorize(tx, &caller, &organization, &resolved, &id, Action::Edit)?;
            let keyring = tx.keyring()?;
            let user = caller.require_user()?;
            match &resolved {
                Resolved::Builtin(_) => records::update(tx.conn, &keyring, user, &proof, &input)?,
                Resolved::Asset(asset_type) => {
                    asset_records::update(tx.conn, &keyring, user, &proof, asset_type, &input)?
                }
            }
            Ok(())
        })
        .await
    }

    /// Archives a record: it leaves lists, search and expirations; its
    /// relations and attachments stay.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), record = %id))]
    pub async fn archive_record(
        &self,
        caller: &Caller,
        organization: &OrganizationId,
        section: impl Into<RecordSection>,
        id: &RecordId,
    ) -> Result<(), AppError> {
        let (caller, organization, id, section) = (caller.clone(), organization.clone(), id.clone(), section.into());
        self.write(&caller.tenant().id.clone(), move |tx| {
            let resolved = resolve(tx, &section)?;
            let proof = authorize(tx, &caller, &organization, &resolved, &id, Action::Archive)?;
            Ok(records::archive(tx.conn, caller.require_user()?, &proof)?)
        })
        .await
    }

    /// Shows one secret of a record, and records who saw it, when and from
    /// where in the same transaction. `field` empty means the main secret
    /// (an asset's first password field); for an OTP secret the value is the
    /// current code. An asset's password fields are named by id.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), record = %id, field = field))]
    pub async fn reveal(
        &self,
        caller: &Caller,
        organization: &OrganizationId,
        section: impl Into<RecordSection>,
        id: &RecordId,
        field: &str,
    ) -> Result<Revealed, AppError> {
        let (caller, organization, id, section) = (caller.clone(), organization.clone(), id.clone(), section.into());
        let field = field.to_owned();
        let (record, secret, field) = self
            .write(&caller.tenant().id.clone(), move |tx| {
                let resolved = resolve(tx, &section)?;
                let proof = authorize(tx, &caller, &organization, &resolved, &id, Action::Reveal)?;
                let keyring = tx.keyring()?;
                let user = caller.require_user()?;
                let (secret, field) = match &resolved {
                    Resolved::Builtin(kind) => {
                        let field =
                            if field.is_empty() { kind.main_secret().unwrap_or_default().to_owned() } else { field };
                        (records::reveal(tx.conn, &keyring, user, &proof, &field, caller.ip())?, field)
                    }
                    Resolved::Asset(asset_type) => {
                        let field = if field.is_empty() {
                            asset_type.main_secret().map(|f| f.id.clone()).unwrap_or_default()
                        } else {
                            field
                        };
                        let secret =
                            records::reveal_asset(tx.conn, &keyring, user, &proof, asset_type, &field, caller.ip())?;
                        // An asset's field ids are never `otp_secret`: its secrets show as typed.
                        (secret, String::new())
                    }
                };
                Ok((proof.get().clone(), secret.ok_or(AppError::NotFound)?, field))
            })
            .await?;
        if field != "otp_secret" {
            return Ok(Revealed { record, value: secret, remaining: None });
        }
        let code = mfa::current_code(secret.expose_secret()).ok_or(AppError::NotFound)?;
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        Ok(Revealed { record, value: SecretString::from(code), remaining: Some(30 - now % 30) })
    }

    /// The Wi-Fi join payload (`WIFI:…`) of a wireless network. It carries
    /// the passphrase, so it is a reveal, audited like one.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), record = %id))]
    pub async fn wifi_join_payload(
        &self,
        caller: &Caller,
        organization: &OrganizationId,
        id: &RecordId,
    ) -> Result<SecretString, AppError> {
        let (caller, organization, id) = (caller.clone(), organization.clone(), id.clone());
        self.write(&caller.tenant().id.clone(), move |tx| {
            let resolved = Resolved::Builtin(Kind::Wireless);
            let proof = authorize(tx, &caller, &organization, &resolved, &id, Action::Reveal)?;
            let keyring = tx.keyring()?;
            let passphrase =
                records::reveal(tx.conn, &keyring, caller.require_user()?, &proof, "passphrase", caller.ip())?;
            Ok(SecretString::from(records::wifi_payload(proof.get(), passphrase.as_ref().map(|p| p.expose_secret()))))
        })
        .await
    }
}
