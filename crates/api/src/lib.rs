//! The REST API of Cairn: the tenant API at `/api/v1` on each tenant's host,
//! authenticated by API keys, described with poem-openapi (OpenAPI 3 at
//! `/api/v1/openapi.json`, Swagger UI at `/api/docs`, both served from the
//! binary). Every operation calls the same use case of [`cairn_app::App`]
//! as the pages do; errors are `application/problem+json`.

mod asset_types;
mod assets;
mod auth;
mod documents;
mod expirations;
mod items;
mod list;
mod operator;
mod organizations;
mod people;
mod problem;
mod records;
mod spec;
mod text;

use cairn_app::RateLimit;
use poem::{Endpoint, EndpointExt, IntoEndpoint, IntoResponse, Route};
use poem_openapi::{OpenApiService, Tags};

pub use operator::OperatorToken;
pub use problem::Problem;

/// The groups of operations in the documentation.
#[derive(Tags)]
pub enum ApiTags {
    /// The MSP's customers.
    Organizations,
    /// Devices of an organization.
    Configurations,
    /// People of an organization.
    Contacts,
    /// Credentials and e-mail accounts of an organization.
    Passwords,
    /// Wi-Fi networks of an organization.
    Wireless,
    /// VPNs of an organization.
    Vpns,
    /// Documents of an organization.
    Documents,
    /// The tenant's people and invitations.
    Users,
    /// The audit log.
    Audit,
    /// The tenant's own kinds of records.
    AssetTypes,
    /// Records of the tenant's asset types.
    Assets,
    /// Related items and attachments of records and documents.
    Related,
    /// Dates that expire.
    Expirations,
}

/// Every operation of the tenant API.
type TenantApis = (
    organizations::OrganizationsApi,
    records::ConfigurationsApi,
    records::ContactsApi,
    records::PasswordsApi,
    records::WirelessApi,
    records::VpnsApi,
    documents::DocumentsApi,
    people::PeopleApi,
    (asset_types::AssetTypesApi, assets::AssetsApi, items::ItemsApi, items::AssetItemsApi, expirations::ExpirationsApi),
);

/// The tenant API's OpenAPI service (also used to write the document out).
pub fn tenant_service() -> OpenApiService<TenantApis, ()> {
    let apis = (
        organizations::OrganizationsApi,
        records::ConfigurationsApi,
        records::ContactsApi,
        records::PasswordsApi,
        records::WirelessApi,
        records::VpnsApi,
        documents::DocumentsApi,
        people::PeopleApi,
        (
            asset_types::AssetTypesApi,
            assets::AssetsApi,
            items::ItemsApi,
            items::AssetItemsApi,
            expirations::ExpirationsApi,
        ),
    );
    OpenApiService::new(apis, "Cairn API", env!("CARGO_PKG_VERSION"))
        .description(
            "The documentation of an MSP's customers: organizations and their configurations, contacts, \
             passwords, Wi-Fi and VPNs. Authenticate with an API key (`Authorization: Bearer cairn_…`), made by \
             an owner under Settings → API keys or with `cairn apikey create`. Lists take `page`, `per_page` \
             (at most 1000), `q` and `sort`, and answer `{\"data\": […], \"meta\": {…}}`. Secrets come out \
             only through `reveal`, which is audited. Errors are `application/problem+json`; anything outside \
             the key's reach is 404, like an id that does not exist.",
        )
        .server("/api/v1")
}

/// Everything under `/api` on a tenant host: `/api/v1/…`, its document,
/// and the Swagger UI at `/api/docs`. `limit` is each key's rate limit.
pub fn tenant_api(limit: RateLimit) -> impl Endpoint {
    let service = tenant_service();
    let spec = std::sync::Arc::new(spec::Spec::new(&service.spec(), STRICT_OBJECTS));
    let docs = service.swagger_ui();
    let api = spec::allow_header(
        spec.clone(),
        "/api/v1",
        service.into_endpoint().around(upload_limit).around(problem::problem_json),
    );
    Route::new()
        .at("/v1/openapi.json", spec::document(spec))
        .nest("/v1", api)
        .nest("/docs", docs.around(docs_policy))
        .data(limit)
}

/// The request objects that refuse unknown fields (422).
const STRICT_OBJECTS: &[&str] = &[
    "OrganizationCreate",
    "OrganizationPatch",
    "ConfigurationCreate",
    "ConfigurationPatch",
    "ContactCreate",
    "ContactPatch",
    "PasswordCreate",
    "PasswordPatch",
    "WirelessCreate",
    "WirelessPatch",
    "VpnCreate",
    "VpnPatch",
    "TenantCreate",
    "TenantPatch",
    "DomainAdd",
    "InvitationCreate",
    "DocumentCreate",
    "DocumentPatch",
    "AssetTypeCreate",
    "AssetTypePatch",
    "FieldIn",
    "AssetCreate",
    "AssetPatch",
    "RevealIn",
    "RelateIn",
];

/// Refuses an upload whose declared length is over the attachment limit
/// (plus room for the multipart framing), or that declares none, before
/// its body is read.
async fn upload_limit<E: Endpoint>(inner: std::sync::Arc<E>, req: poem::Request) -> poem::Result<poem::Response> {
    let max = req.data::<std::sync::Arc<cairn_app::App>>().map(|app| app.max_attachment_bytes() + 64 * 1024);
    let declared = req
        .headers()
        .get(poem::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if let (Some(max), Some(declared)) = (max, declared)
        && declared > max
    {
        let detail = format!("the body is larger than {max} bytes");
        return Ok(Problem::new(poem::http::StatusCode::PAYLOAD_TOO_LARGE, detail).into_response());
    }
    // An upload without a declared length would be spooled unbounded before any check.
    let multipart = req.content_type().is_some_and(|t| t.to_ascii_lowercase().starts_with("multipart/"));
    if multipart && declared.is_none() {
        let detail = "uploads declare their length (Content-Length)";
        return Ok(Problem::new(poem::http::StatusCode::LENGTH_REQUIRED, detail).into_response());
    }
    Ok(inner.call(req).await?.into_response())
}

/// The Swagger UI ships its script and style inline (from the binary, no
/// CDN): its page alone allows inline code. It holds no user content.
async fn docs_policy<E: Endpoint>(inner: std::sync::Arc<E>, req: poem::Request) -> poem::Result<poem::Response> {
    let mut response = inner.call(req).await?.into_response();
    response.headers_mut().insert(
        poem::http::header::CONTENT_SECURITY_POLICY,
        poem::http::HeaderValue::from_static(
            "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; \
             img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    Ok(response)
}

/// The operator API's OpenAPI service.
pub fn operator_service() -> OpenApiService<operator::TenantsApi, ()> {
    OpenApiService::new(operator::TenantsApi, "Cairn operator API", env!("CARGO_PKG_VERSION"))
        .description(
            "Tenants (MSP workspaces) through their whole life: create (with the first owner's invitation), \
             list, show, change, suspend, resume, add a custom domain, delete. Authenticate with \
             `Authorization: Bearer <operator.token>` from the configuration.",
        )
        .server("/operator/v1")
}

/// Everything under `/operator` on the apex, with the configured token.
pub fn operator_api(token: secrecy::SecretString) -> impl Endpoint {
    let service = operator_service();
    let spec = std::sync::Arc::new(spec::Spec::new(&service.spec(), STRICT_OBJECTS));
    let api = spec::allow_header(spec.clone(), "/operator/v1", service.into_endpoint().around(problem::problem_json));
    Route::new()
        .at("/v1/openapi.json", spec::document(spec))
        .nest("/v1", api)
        .data(OperatorToken(std::sync::Arc::new(token)))
}
