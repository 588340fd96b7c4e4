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
use poem_openapi::types::ToJSON;
use poem_openapi::{ApiResponse, Object, OpenApi};
use secrecy::{ExposeSecret, SecretString};

use crate::ApiTags;
use crate::auth::ApiKey;
use crate::list::{Meta, Paging, sort_of};
use crate::problem::ApiError;

mod bodies;

use bodies::fields_of;
pub use bodies::*;

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

/// Paging and filters of a record list.
struct ListArgs {
    page: Option<u32>,
    per_page: Option<u32>,
    q: Option<String>,
    sort: Option<String>,
}

async fn list_records(
    app: &App,
    caller: &cairn_app::Caller,
    org: String,
    kind: Kind,
    args: ListArgs,
) -> Result<Json<RecordList>, ApiError> {
    let paging = Paging::new(args.page, args.per_page)?;
    let (field, desc) = sort_of(args.sort.as_deref());
    let sortable = matches!(field.as_str(), "" | "name" | "updated")
        || kind.fields().iter().any(|f| f.key == field && !f.is_secret());
    if !sortable {
        return Err(ApiError::invalid("sort", "name, updated or a field of this kind"));
    }
    let query = ListQuery {
        q: args.q.unwrap_or_default(),
        sort: field,
        desc,
        page: paging.page as usize,
        per_page: paging.per_page as usize,
    };
    let listed = app.records(caller, &OrganizationId::new(org), kind, query).await?;
    // Past the last page the list is empty (the pages clamp; the API does not).
    let data = if listed.page.page == paging.page as usize { listed.page.records } else { Vec::new() };
    let meta = Meta { page: paging.page, per_page: paging.per_page, total: listed.page.total as u64 };
    Ok(Json(RecordList { data: data.into_iter().map(RecordOut::from).collect(), meta }))
}

async fn create_record(
    app: &App,
    caller: &cairn_app::Caller,
    org: String,
    kind: Kind,
    body: &impl ToJSON,
) -> Result<Created, ApiError> {
    let input = input_of(kind, &fields_of(body), None)?;
    let record = app.create_record(caller, &OrganizationId::new(org), kind, input).await?;
    Ok(Created::Created(Json(record.into())))
}

async fn get_record(
    app: &App,
    caller: &cairn_app::Caller,
    org: String,
    kind: Kind,
    id: String,
) -> Result<Json<RecordOut>, ApiError> {
    let page = app.record(caller, &OrganizationId::new(org), kind, &RecordId::new(id)).await?;
    Ok(Json(page.record.into()))
}

async fn update_record(
    app: &App,
    caller: &cairn_app::Caller,
    org: String,
    kind: Kind,
    id: String,
    body: &impl ToJSON,
) -> Result<Json<RecordOut>, ApiError> {
    let (org, id) = (OrganizationId::new(org), RecordId::new(id));
    let (_, current) = app.record_for_edit(caller, &org, kind, &id).await?;
    let input = input_of(kind, &fields_of(body), Some(&current))?;
    app.update_record(caller, &org, kind, &id, input).await?;
    Ok(Json(app.record(caller, &org, kind, &id).await?.record.into()))
}

async fn archive_record(
    app: &App,
    caller: &cairn_app::Caller,
    org: String,
    kind: Kind,
    id: String,
) -> Result<Archived, ApiError> {
    app.archive_record(caller, &OrganizationId::new(org), kind, &RecordId::new(id)).await?;
    Ok(Archived::Archived)
}

async fn reveal_secret(
    app: &App,
    caller: &cairn_app::Caller,
    org: String,
    kind: Kind,
    id: String,
    field: Option<String>,
) -> Result<Json<Revealed>, ApiError> {
    let revealed =
        app.reveal(caller, &OrganizationId::new(org), kind, &RecordId::new(id), &field.unwrap_or_default()).await?;
    Ok(Json(Revealed { value: revealed.value.expose_secret().to_owned(), remaining: revealed.remaining }))
}

/// One API struct per kind of record: list, create, show, change, archive
/// (and reveal for kinds with secrets), each documented with its own body.
macro_rules! record_api {
    (
        $api:ident, $tag:expr, $kind:expr, $create:ty, $patch:ty, $sort:literal,
        list: $list:literal, item: $item:literal,
        ids: [$list_id:literal, $create_id:literal, $get_id:literal, $update_id:literal, $archive_id:literal]
        $(, reveal: $reveal:literal, $reveal_id:literal)?
    ) => {
        /// Operations on one kind of record.
        pub struct $api;

        #[OpenApi(tag = $tag)]
        impl $api {
            /// List them
            ///
            /// `q` matches the name and searchable fields (never secrets); `sort`
            /// is `name`, `updated` or a field, `-` first for descending.
            #[oai(path = $list, method = "get", operation_id = $list_id)]
            #[allow(clippy::too_many_arguments)]
            async fn list(
                &self,
                app: Data<&Arc<App>>,
                ApiKey(caller): ApiKey,
                /// The organization's id.
                org: Path<String>,
                /// Page, from 1.
                #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
                page: Query<Option<u32>>,
                /// Rows per page (default 50).
                #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
                per_page: Query<Option<u32>>,
                /// Text to look for.
                q: Query<Option<String>>,
                /// `name`, `updated` or a listed field; `-` first for descending.
                #[oai(validator(pattern = $sort))]
                sort: Query<Option<String>>,
            ) -> Result<Json<RecordList>, ApiError> {
                let args = ListArgs { page: page.0, per_page: per_page.0, q: q.0, sort: sort.0 };
                list_records(&app, &caller, org.0, $kind, args).await
            }

            /// Create one
            ///
            /// Secret fields are sealed on the way in and never answered.
            #[oai(path = $list, method = "post", operation_id = $create_id)]
            async fn create(
                &self,
                app: Data<&Arc<App>>,
                ApiKey(caller): ApiKey,
                /// The organization's id.
                org: Path<String>,
                body: Json<$create>,
            ) -> Result<Created, ApiError> {
                create_record(&app, &caller, org.0, $kind, &body.0).await
            }

            /// Show one
            #[oai(path = $item, method = "get", operation_id = $get_id)]
            async fn get(
                &self,
                app: Data<&Arc<App>>,
                ApiKey(caller): ApiKey,
                /// The organization's id.
                org: Path<String>,
                /// The record's id.
                id: Path<String>,
            ) -> Result<Json<RecordOut>, ApiError> {
                get_record(&app, &caller, org.0, $kind, id.0).await
            }

            /// Change one
            ///
            /// Only the fields given change; an empty secret clears it.
            #[oai(path = $item, method = "patch", operation_id = $update_id)]
            async fn update(
                &self,
                app: Data<&Arc<App>>,
                ApiKey(caller): ApiKey,
                /// The organization's id.
                org: Path<String>,
                /// The record's id.
                id: Path<String>,
                body: Json<$patch>,
            ) -> Result<Json<RecordOut>, ApiError> {
                update_record(&app, &caller, org.0, $kind, id.0, &body.0).await
            }

            /// Archive one
            #[oai(path = $item, method = "delete", operation_id = $archive_id)]
            async fn archive(
                &self,
                app: Data<&Arc<App>>,
                ApiKey(caller): ApiKey,
                /// The organization's id.
                org: Path<String>,
                /// The record's id.
                id: Path<String>,
            ) -> Result<Archived, ApiError> {
                archive_record(&app, &caller, org.0, $kind, id.0).await
            }

            $(
            /// Reveal a secret
            ///
            /// Answers one secret field (by default the main one); for
            /// `otp_secret` the current code and its remaining seconds. Every
            /// reveal is written to the audit log, exactly like one on the pages.
            #[oai(path = $reveal, method = "post", operation_id = $reveal_id)]
            async fn reveal(
                &self,
                app: Data<&Arc<App>>,
                ApiKey(caller): ApiKey,
                /// The organization's id.
                org: Path<String>,
                /// The record's id.
                id: Path<String>,
                /// The secret field; the main secret when omitted.
                field: Query<Option<String>>,
            ) -> Result<Json<Revealed>, ApiError> {
                reveal_secret(&app, &caller, org.0, $kind, id.0, field.0).await
            }
            )?
        }
    };
}

record_api!(
    ConfigurationsApi, "ApiTags::Configurations", Kind::Configuration, ConfigurationCreate, ConfigurationPatch,
    "^-?(name|updated|configuration_kind|hostname|ip_addresses|mac_address|serial_number|manufacturer|model|operating_system|location|warranty_expires|status)$",
    list: "/organizations/:org/configurations", item: "/organizations/:org/configurations/:id",
    ids: ["listConfigurations", "createConfiguration", "getConfiguration", "updateConfiguration", "archiveConfiguration"]
);
record_api!(
    ContactsApi, "ApiTags::Contacts", Kind::Contact, ContactCreate, ContactPatch,
    "^-?(name|updated|title|emails|phones|important)$",
    list: "/organizations/:org/contacts", item: "/organizations/:org/contacts/:id",
    ids: ["listContacts", "createContact", "getContact", "updateContact", "archiveContact"]
);
record_api!(
    PasswordsApi, "ApiTags::Passwords", Kind::Password, PasswordCreate, PasswordPatch,
    "^-?(name|updated|category|username|url)$",
    list: "/organizations/:org/passwords", item: "/organizations/:org/passwords/:id",
    ids: ["listPasswords", "createPassword", "getPassword", "updatePassword", "archivePassword"],
    reveal: "/organizations/:org/passwords/:id/reveal", "revealPassword"
);
record_api!(
    WirelessApi, "ApiTags::Wireless", Kind::Wireless, WirelessCreate, WirelessPatch,
    "^-?(name|updated|security|vlan|guest)$",
    list: "/organizations/:org/wireless", item: "/organizations/:org/wireless/:id",
    ids: ["listWireless", "createWireless", "getWireless", "updateWireless", "archiveWireless"],
    reveal: "/organizations/:org/wireless/:id/reveal", "revealWireless"
);
record_api!(
    VpnsApi, "ApiTags::Vpns", Kind::Vpn, VpnCreate, VpnPatch,
    "^-?(name|updated|vpn_kind|gateway|port|protocol|username|remote_networks)$",
    list: "/organizations/:org/vpns", item: "/organizations/:org/vpns/:id",
    ids: ["listVpns", "createVpn", "getVpn", "updateVpn", "archiveVpn"],
    reveal: "/organizations/:org/vpns/:id/reveal", "revealVpn"
);
