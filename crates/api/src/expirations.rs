//! `/expirations`: dates that expire soon, soonest first.

use std::sync::Arc;

use cairn_app::{App, ExpirationQuery, OrganizationId};
use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use crate::ApiTags;
use crate::auth::ApiKey;
use crate::problem::ApiError;

/// A date that expires.
#[derive(Debug, Clone, Object)]
pub struct ExpirationOut {
    /// The date.
    pub expires_on: chrono::NaiveDate,
    /// The record's id.
    pub record_id: String,
    /// Its name.
    pub name: String,
    /// Its kind (`configuration`, …, or `asset`).
    pub kind: String,
    /// For an asset: its type's slug.
    pub asset_type: Option<String>,
    /// The field: a built-in key (`warranty_expires`) or an asset field's name.
    pub field: String,
    /// The organization's id.
    pub organization_id: String,
    /// The organization's name.
    pub organization: String,
}

/// The expirations operation.
pub struct ExpirationsApi;

#[OpenApi(tag = "ApiTags::Expirations")]
impl ExpirationsApi {
    /// List what expires
    ///
    /// Dates marked as expirations (asset date fields, warranty ends) from
    /// today up to `within_days` ahead (default 30), soonest first.
    #[oai(path = "/expirations", method = "get", operation_id = "listExpirations")]
    async fn list(
        &self,
        app: Data<&Arc<App>>,
        ApiKey(caller): ApiKey,
        /// Days ahead, 0 to 3650.
        #[oai(validator(minimum(value = "0"), maximum(value = "3650")))]
        within_days: Query<Option<i64>>,
        /// Dates already past too.
        include_expired: Query<Option<bool>>,
        /// Only this organization.
        organization: Query<Option<String>>,
    ) -> Result<Json<Vec<ExpirationOut>>, ApiError> {
        let query = ExpirationQuery {
            within_days: within_days.0.unwrap_or(30),
            include_expired: include_expired.0.unwrap_or(false),
            organization: organization.0.map(OrganizationId::new),
        };
        let items = app.expirations(&caller, query).await?;
        Ok(Json(
            items
                .into_iter()
                .map(|e| ExpirationOut {
                    expires_on: e.expires_on,
                    record_id: e.record_id,
                    name: e.name,
                    kind: e.kind.as_str().to_owned(),
                    asset_type: e.asset_type.map(|(slug, _)| slug),
                    field: if e.field_name.is_empty() { e.field_key } else { e.field_name },
                    organization_id: e.organization_id,
                    organization: e.organization,
                })
                .collect(),
        ))
    }
}
