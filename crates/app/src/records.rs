//! Documentation records: section lists, details with history, forms,
//! archive, audited reveals and the Wi-Fi join code.

use cairn_assets::records::{self, ListPage, ListQuery, Record, RecordInput};
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

/// A page of a section list.
#[derive(Debug)]
pub struct SectionPage {
    /// The organization's frame.
    pub org: OrgView,
    /// The records of this page.
    pub page: ListPage,
}

/// A record's page.
#[derive(Debug)]
pub struct RecordPage {
    /// The organization's frame.
    pub org: OrgView,
    /// The record (plain fields; which secrets are set).
    pub record: Record,
    /// Whether the caller may edit it.
    pub can_edit: bool,
    /// Who changed it, newest first; staff also see who revealed its secrets.
    pub history: Vec<Event>,
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

/// Authorizes `action` on the record for the caller (users only).
fn authorize(
    tx: &mut Tx<'_>,
    caller: &Caller,
    organization: &OrganizationId,
    kind: Kind,
    id: &RecordId,
    action: Action,
) -> Result<Authorized<Record>, AppError> {
    let user = caller.require_user()?;
    Ok(records::authorize(tx.conn, user, organization.as_str(), kind, id.as_str(), action)?)
}

/// The frame of the proof's organization.
fn view_of(tx: &mut Tx<'_>, caller: &Caller, proof: &Authorized<Record>) -> Result<OrgView, AppError> {
    org_view(tx, caller, proof.organization().clone(), proof.grant())
}

impl App {
    /// One page of a section list of an organization.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), org = %organization, kind = kind.as_str()))]
    pub async fn records(
        &self,
        caller: &Caller,
        organization: &OrganizationId,
        kind: Kind,
        query: ListQuery,
    ) -> Result<SectionPage, AppError> {
        let (caller, organization) = (caller.clone(), organization.clone());
        self.read(&caller.tenant().id.clone(), move |tx| {
            let org = authorized_view(tx, &caller, organization.as_str(), Action::View)?;
            let user = caller.require_user()?;
            let page = records::list(tx.conn, user, organization.as_str(), org.grant, kind, &query)?;
            Ok(SectionPage { org, page })
        })
        .await
    }

    /// A record's page with its history.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), record = %id))]
    pub async fn record(
        &self,
        caller: &Caller,
        organization: &OrganizationId,
        kind: Kind,
        id: &RecordId,
    ) -> Result<RecordPage, AppError> {
        let (caller, organization, id) = (caller.clone(), organization.clone(), id.clone());
        self.read(&caller.tenant().id.clone(), move |tx| {
            let proof = authorize(tx, &caller, &organization, kind, &id, Action::View)?;
            let org = view_of(tx, &caller, &proof)?;
            let record = proof.get().clone();
            let staff = caller.role().is_staff();
            let filter = Filter { target_id: Some(record.id.clone()), ..Default::default() };
            let history = audit::list(tx.conn, tx.tenant, &filter, HISTORY_LIMIT)?
                .into_iter()
                .filter(|e| staff || e.action != AuditAction::RecordRevealed.as_str())
                .collect();
            let resource = Resource::Record { grant: proof.grant(), visibility: record.visibility };
            let can_edit = can(&caller.principal(), Action::Edit, &resource);
            Ok(RecordPage { org, record, can_edit, history })
        })
        .await
    }

    /// A record and its frame, for its edit form.
    pub async fn record_for_edit(
        &self,
        caller: &Caller,
        organization: &OrganizationId,
        kind: Kind,
        id: &RecordId,
    ) -> Result<(OrgView, Record), AppError> {
        let (caller, organization, id) = (caller.clone(), organization.clone(), id.clone());
        self.read(&caller.tenant().id.clone(), move |tx| {
            let proof = authorize(tx, &caller, &organization, kind, &id, Action::Edit)?;
            Ok((view_of(tx, &caller, &proof)?, proof.get().clone()))
        })
        .await
    }

    /// Creates a record; secrets are sealed on the way in.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), org = %organization, kind = kind.as_str()))]
    pub async fn create_record(
        &self,
        caller: &Caller,
        organization: &OrganizationId,
        kind: Kind,
        input: RecordInput,
    ) -> Result<Record, AppError> {
        let (caller, organization) = (caller.clone(), organization.clone());
        self.write(&caller.tenant().id.clone(), move |tx| {
            let user = caller.require_user()?;
            let keyring = tx.keyring()?;
            Ok(records::create(tx.conn, &keyring, user, organization.as_str(), kind, &input)?)
        })
        .await
    }

    /// Saves a changed record; an empty secret keeps the stored one.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), record = %id))]
    pub async fn update_record(
        &self,
        caller: &Caller,
        organization: &OrganizationId,
        kind: Kind,
        id: &RecordId,
        input: RecordInput,
    ) -> Result<(), AppError> {
        let (caller, organization, id) = (caller.clone(), organization.clone(), id.clone());
        self.write(&caller.tenant().id.clone(), move |tx| {
            let proof = authorize(tx, &caller, &organization, kind, &id, Action::Edit)?;
            let keyring = tx.keyring()?;
            Ok(records::update(tx.conn, &keyring, caller.require_user()?, &proof, &input)?)
        })
        .await
    }

    /// Archives a record: it leaves lists and search.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), record = %id))]
    pub async fn archive_record(
        &self,
        caller: &Caller,
        organization: &OrganizationId,
        kind: Kind,
        id: &RecordId,
    ) -> Result<(), AppError> {
        let (caller, organization, id) = (caller.clone(), organization.clone(), id.clone());
        self.write(&caller.tenant().id.clone(), move |tx| {
            let proof = authorize(tx, &caller, &organization, kind, &id, Action::Archive)?;
            Ok(records::archive(tx.conn, caller.require_user()?, &proof)?)
        })
        .await
    }

    /// Shows one secret of a record, and records who saw it, when and from
    /// where in the same transaction. `field` empty means the kind's main
    /// secret; for an OTP secret the value is the current code.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), record = %id, field = field))]
    pub async fn reveal(
        &self,
        caller: &Caller,
        organization: &OrganizationId,
        kind: Kind,
        id: &RecordId,
        field: &str,
    ) -> Result<Revealed, AppError> {
        let field = if field.is_empty() { kind.main_secret().unwrap_or_default().to_owned() } else { field.to_owned() };
        let (caller, organization, id) = (caller.clone(), organization.clone(), id.clone());
        let (record, secret, field) = self
            .write(&caller.tenant().id.clone(), move |tx| {
                let proof = authorize(tx, &caller, &organization, kind, &id, Action::Reveal)?;
                let keyring = tx.keyring()?;
                let secret = records::reveal(tx.conn, &keyring, caller.require_user()?, &proof, &field, caller.ip())?
                    .ok_or(AppError::NotFound)?;
                Ok((proof.get().clone(), secret, field))
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
            let proof = authorize(tx, &caller, &organization, Kind::Wireless, &id, Action::Reveal)?;
            let keyring = tx.keyring()?;
            let passphrase =
                records::reveal(tx.conn, &keyring, caller.require_user()?, &proof, "passphrase", caller.ip())?;
            Ok(SecretString::from(records::wifi_payload(proof.get(), passphrase.as_ref().map(|p| p.expose_secret()))))
        })
        .await
    }
}
