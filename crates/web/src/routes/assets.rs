//! Static files embedded in the binary, and the tenant's brand stylesheet.

use cairn_tenancy::Site;
use poem::http::{StatusCode, header};
use poem::web::{Data, Path};
use poem::{IntoResponse, Response, handler};

#[derive(rust_embed::Embed)]
#[folder = "static/"]
struct StaticFiles;

/// A file from `static/`, with a content type from its name. Pages link
/// [`versioned`] URLs, which name the content, so those are cached for
/// good; any other URL gets a revalidation tag.
#[handler]
pub fn static_file(Path(path): Path<String>, req: &poem::Request) -> Response {
    serve(&path, req)
}

/// The first 12 hex digits of a file's SHA-256: its version.
fn digest(file: &rust_embed::EmbeddedFile) -> String {
    file.metadata.sha256_hash().iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// `/static/<path>?v=<content hash>`: the URL pages use, new whenever the
/// file changes (all computed once, at the first page).
pub(crate) fn versioned(path: &'static str) -> &'static str {
    static URLS: std::sync::LazyLock<std::collections::HashMap<String, String>> = std::sync::LazyLock::new(|| {
        StaticFiles::iter()
            .filter_map(|name| {
                let file = StaticFiles::get(&name)?;
                Some((name.to_string(), format!("/static/{name}?v={}", digest(&file))))
            })
            .collect()
    });
    URLS.get(path).map_or(path, String::as_str)
}

/// `/favicon.ico`, which browsers ask for on their own: the icon the pages link.
#[handler]
pub fn favicon(req: &poem::Request) -> Response {
    serve("favicon.svg", req)
}

fn serve(path: &str, req: &poem::Request) -> Response {
    let Some(file) = StaticFiles::get(path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let version = digest(&file);
    let etag = format!("\"{version}\"");
    if req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    // A URL naming this very content never changes meaning.
    let named = req.uri().query().is_some_and(|q| q.split('&').any(|pair| pair == format!("v={version}")));
    let cache = if named { "public, max-age=31536000, immutable" } else { "public, max-age=3600, must-revalidate" };
    Response::builder()
        .content_type(file.metadata.mimetype())
        .header(header::ETAG, etag)
        .header(header::CACHE_CONTROL, cache)
        .body(file.data.into_owned())
}

/// The tenant's accent colour as CSS variables. A stylesheet rather than an
/// inline style, so the Content-Security-Policy can forbid inline styles.
#[handler]
pub fn brand_css(site: Data<&Site>) -> Response {
    let accent = match *site {
        Site::Tenant(tenant) if is_hex_colour(&tenant.accent_color) => tenant.accent_color.as_str(),
        _ => "#1d4ed8",
    };
    Response::builder()
        .content_type("text/css; charset=utf-8")
        .header(header::CACHE_CONTROL, "public, max-age=300")
        .body(format!(":root {{ --accent: {accent}; }}\n"))
}

fn is_hex_colour(value: &str) -> bool {
    value.len() == 7 && value.starts_with('#') && value[1..].bytes().all(|b| b.is_ascii_hexdigit())
}
