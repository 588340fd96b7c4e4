//! `/organizations/{org}/{resource}`: configurations, contacts, passwords,
//! wireless networks and VPNs. Bodies carry the same fields as the pages'
//! forms; secrets go in and never come out, except through `reveal`.

use std::collections::BTreeMap;
use std::sync::Arc;

use cairn_app::{App, OrganizationId, RecordId};
use cairn_assets::Kind;
use cairn_assets::records::{ListQuery, Record, RecordInput};
use cairn_auth::policy::Visibility;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use secrecy::{ExposeSecret, SecretString};

use crate::ApiTags;
use crate::auth::ApiKey;
use crate::list::{Meta, Paging, sort_of};
use crate::problem::ApiError;

/// A kind of documentation record, as its path segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum Resource {
    /// Devices: `configuration_kind`, `hostname`, `ip_addresses`, `mac_address`,
    /// `serial_number`, `manufacturer`, `model`, `operating_system`, `location`,
    /// `warranty_expires` (YYYY-MM-DD), `status`, `notes`.
    Configurations,
    /// People: `title`, `emails`, `phones`, `important` (true/false), `notes`.
    Contacts,
    /// Credentials: `category`, `username`, `password` (secret), `url`,
    /// `otp_secret` (secret), `notes`, and `visibility` (`everyone`/`staff`).
    Passwords,
    /// Wi-Fi: `security`, `passphrase` (secret), `vlan`, `guest` (true/false), `notes`.
    Wireless,
    /// VPNs: `vpn_kind`, `gateway`, `port`, `protocol`, `pre_shared_key`
    /// (secret), `username`, `remote_networks`, `notes`.
    Vpns,
}

impl Resource {
    fn kind(self) -> Kind {
        match self {
            Resource::Configurations => Kind::Configuration,
            Resource::Contacts => Kind::Contact,
            Resource::Passwords => Kind::Password,
            Resource::Wireless => Kind::Wireless,
            Resource::Vpns => Kind::Vpn,
        }
    }
}

/// A record: its plain fields, and which secrets are set (never their values).
#[derive(Debug, Clone, Object)]
pub struct RecordOut {
    /// Its id.
    pub id: String,
    /// Its organization.
    pub organization_id: String,
    /// `configuration`, `contact`, `password`, `wireless` or `vpn`.
    pub kind: String,
    /// Its name (the SSID for Wi-Fi).
    pub name: String,
    /// Plain fields by key.
    pub fields: BTreeMap<String, String>,
    /// Keys of the secret fields that hold a value.
    pub secrets_set: Vec<String>,
    /// `everyone` or `staff` (staff-only entries are never shown to customers).
    pub visibility: String,
    /// Last change (UTC).
    pub updated_at: chrono::NaiveDateTime,
    /// Who changed it last.
    pub updated_by: Option<String>,
}

impl From<Record> for RecordOut {
    fn from(r: Record) -> Self {
        RecordOut {
            id: r.id,
            organization_id: r.organization_id,
            kind: r.kind.as_str().to_owned(),
            name: r.name,
            fields: r.fields,
            secrets_set: r.secrets_set.into_iter().collect(),
            visibility: r.visibility.as_str().to_owned(),
            updated_at: r.updated_at,
            updated_by: r.updated_by,
        }
    }
}

/// A page of records.
#[derive(Debug, Clone, Object)]
pub struct RecordList {
    /// The records of this page.
    pub data: Vec<RecordOut>,
    /// Paging.
    pub meta: Meta,
}

/// A revealed secret.
#[derive(Debug, Clone, Object)]
pub struct Revealed {
    /// The value; for an OTP secret, the current code.
    pub value: String,
    /// For an OTP secret: seconds the code stays valid.
    pub remaining: Option<u64>,
}

/// Answer of a create.
#[derive(ApiResponse)]
pub enum Created {
    /// Created.
    #[oai(status = 201)]
    Created(Json<RecordOut>),
}

/// Answer of an archive.
#[derive(ApiResponse)]
pub enum Archived {
    /// Archived: it leaves lists and search.
    #[oai(status = 204)]
    Archived,
}

/// A body value as the forms hold it: text, `true`/`false`, numbers as written.
fn text_of(key: &str, value: &serde_json::Value) -> Result<String, ApiError> {
    match value {
        serde_json::Value::String(text) => Ok(text.clone()),
        serde_json::Value::Bool(flag) => Ok(flag.to_string()),
        serde_json::Value::Number(number) => Ok(number.to_string()),
        serde_json::Value::Null => Ok(String::new()),
        _ => Err(ApiError::invalid(key, "a string, number, boolean or null")),
    }
}

/// Reads a body into a record input over `base` (the current values for a
/// change, nothing for a create). Unknown fields are refused.
fn input_of(
    kind: Kind,
    body: &BTreeMap<String, serde_json::Value>,
    base: Option<&Record>,
) -> Result<RecordInput, ApiError> {
    let mut input = RecordInput {
        name: base.map(|r| r.name.clone()).unwrap_or_default(),
        fields: base.map(|r| r.fields.clone()).unwrap_or_default(),
        visibility: base.map(|r| r.visibility),
        ..Default::default()
    };
    for (key, value) in body {
        let text = text_of(key, value)?;
        if key == "name" {
            input.name = text;
        } else if key == "visibility" && kind.has_visibility() {
            input.visibility = Some(match text.as_str() {
                "everyone" => Visibility::Everyone,
                "staff" => Visibility::Staff,
                _ => return Err(ApiError::invalid(key, "everyone or staff")),
            });
        } else if let Some(spec) = kind.fields().iter().find(|f| f.key == key) {
            if spec.is_secret() {
                if text.is_empty() {
                    input.clear.insert(spec.key.to_owned());
                } else {
                    input.secrets.insert(spec.key.to_owned(), SecretString::from(text));
                }
            } else {
                input.fields.insert(spec.key.to_owned(), text);
            }
        } else {
            return Err(ApiError::invalid(key, "unknown field"));
        }
    }
    if base.is_none() && !body.contains_key("name") {
        return Err(ApiError::invalid("name", "required"));
    }
    Ok(input)
}

/// The records operations.
pub struct RecordsApi;

#[OpenApi(tag = "ApiTags::Records")]
impl RecordsApi {
    /// List records of an organization
    ///
    /// `q` matches the name and searchable fields (never secrets); `sort` is
    /// `name`, `updated` or a field key, `-` first for descending.
    #[oai(path = "/organizations/:org/:resource", method = "get", operation_id = "listRecords")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
        /// The kind of record.
        resource: Path<Resource>,
        /// Page, from 1.
        page: Query<Option<u32>>,
        /// Rows per page (default 50, at most 1000).
        per_page: Query<Option<u32>>,
        /// Text to look for.
        q: Query<Option<String>>,
        /// `name`, `updated` or a field key; `-` first for descending.
        sort: Query<Option<String>>,
    ) -> Result<Json<RecordList>, ApiError> {
        let paging = Paging::new(page.0, per_page.0)?;
        let kind = resource.0.kind();
        let (field, desc) = sort_of(sort.0.as_deref());
        let sortable = matches!(field.as_str(), "" | "name" | "updated")
            || kind.fields().iter().any(|f| f.key == field && !f.is_secret());
        if !sortable {
            return Err(ApiError::invalid("sort", "name, updated or a field of this kind"));
        }
        let query = ListQuery {
            q: q.0.unwrap_or_default(),
            sort: field,
            desc,
            page: paging.page as usize,
            per_page: paging.per_page as usize,
        };
        let listed = app.records(&caller, &OrganizationId::new(org.0), kind, query).await?;
        // Past the last page the list is empty (the pages clamp; the API does not).
        let data = if listed.page.page == paging.page as usize { listed.page.records } else { Vec::new() };
        let meta = Meta { page: paging.page, per_page: paging.per_page, total: listed.page.total as u64 };
        Ok(Json(RecordList { data: data.into_iter().map(RecordOut::from).collect(), meta }))
    }

    /// Create a record
    ///
    /// The body holds `name` and the kind's fields (see the `resource`
    /// parameter); secret fields are sealed on the way in. Unknown fields: 422.
    #[oai(path = "/organizations/:org/:resource", method = "post", operation_id = "createRecord")]
    async fn create(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
        /// The kind of record.
        resource: Path<Resource>,
        body: Json<BTreeMap<String, serde_json::Value>>,
    ) -> Result<Created, ApiError> {
        let kind = resource.0.kind();
        let input = input_of(kind, &body.0, None)?;
        let record = app.create_record(&caller, &OrganizationId::new(org.0), kind, input).await?;
        Ok(Created::Created(Json(record.into())))
    }

    /// Show a record
    #[oai(path = "/organizations/:org/:resource/:id", method = "get", operation_id = "getRecord")]
    async fn get(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
        /// The kind of record.
        resource: Path<Resource>,
        /// The record's id.
        id: Path<String>,
    ) -> Result<Json<RecordOut>, ApiError> {
        let page = app.record(&caller, &OrganizationId::new(org.0), resource.0.kind(), &RecordId::new(id.0)).await?;
        Ok(Json(page.record.into()))
    }

    /// Change a record
    ///
    /// Only the fields given change; an empty secret clears it.
    #[oai(path = "/organizations/:org/:resource/:id", method = "patch", operation_id = "updateRecord")]
    async fn update(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
        /// The kind of record.
        resource: Path<Resource>,
        /// The record's id.
        id: Path<String>,
        body: Json<BTreeMap<String, serde_json::Value>>,
    ) -> Result<Json<RecordOut>, ApiError> {
        let (org, kind, id) = (OrganizationId::new(org.0), resource.0.kind(), RecordId::new(id.0));
        let (_, current) = app.record_for_edit(&caller, &org, kind, &id).await?;
        let input = input_of(kind, &body.0, Some(&current))?;
        app.update_record(&caller, &org, kind, &id, input).await?;
        Ok(Json(app.record(&caller, &org, kind, &id).await?.record.into()))
    }

    /// Archive a record
    #[oai(path = "/organizations/:org/:resource/:id", method = "delete", operation_id = "archiveRecord")]
    async fn archive(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
        /// The kind of record.
        resource: Path<Resource>,
        /// The record's id.
        id: Path<String>,
    ) -> Result<Archived, ApiError> {
        app.archive_record(&caller, &OrganizationId::new(org.0), resource.0.kind(), &RecordId::new(id.0)).await?;
        Ok(Archived::Archived)
    }

    /// Reveal a secret
    ///
    /// Answers the value of one secret field (by default the kind's main
    /// secret: `password`, `passphrase`, `pre_shared_key`); for `otp_secret`
    /// the current code and its remaining seconds. Every reveal is written
    /// to the audit log, exactly like one on the pages.
    #[oai(path = "/organizations/:org/:resource/:id/reveal", method = "post", operation_id = "revealSecret")]
    async fn reveal(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// The organization's id.
        org: Path<String>,
        /// The kind of record.
        resource: Path<Resource>,
        /// The record's id.
        id: Path<String>,
        /// The secret field; the main secret when omitted.
        field: Query<Option<String>>,
    ) -> Result<Json<Revealed>, ApiError> {
        let kind = resource.0.kind();
        let field = field.0.unwrap_or_default();
        let revealed = app.reveal(&caller, &OrganizationId::new(org.0), kind, &RecordId::new(id.0), &field).await?;
        Ok(Json(Revealed { value: revealed.value.expose_secret().to_owned(), remaining: revealed.remaining }))
    }
}
