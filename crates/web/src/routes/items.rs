//! What hangs below any record, document or guide page: related items and
//! attachments. Uploads are multipart (the CSRF middleware has read the
//! token part first); downloads are always attachments, never inline.

use cairn_app::{AppError, ItemRef, Place, Reason, RecordId};
use poem::http::{HeaderValue, header};
use poem::web::{Form, Multipart, Path};
use poem::{Response, handler};
use serde::Deserialize;

use super::records::item_of;
use crate::error::WebResult;
use crate::extract::{AppData, Signed};
use crate::flow::see_other;

/// The page of the item (where every action returns to).
fn page_of(item: &ItemRef) -> String {
    match item {
        ItemRef::Record { organization, section, id } => {
            format!("/organizations/{organization}/{}/{id}", section.slug())
        }
        ItemRef::Document { place: Place::Organization(organization), id } => {
            format!("/organizations/{organization}/documents/{id}")
        }
        ItemRef::Document { place: Place::Guides, id } => format!("/guides/{id}"),
    }
}

fn guide(id: String) -> ItemRef {
    ItemRef::Document { place: Place::Guides, id: RecordId::new(id) }
}

/// The relate form.
#[derive(Deserialize)]
pub struct RelateForm {
    target: String,
    #[serde(default)]
    note: String,
}

/// `POST /organizations/{id}/{section}/{item}/related`: relates the item to another of the organization.
#[handler]
pub async fn relate(
    app: AppData<'_>,
    signed: Signed,
    Path((organization, slug, id)): Path<(String, String, String)>,
    Form(form): Form<RelateForm>,
) -> WebResult<Response> {
    let item = item_of(&organization, &slug, &id)?;
    app.relate(&signed.caller, &item, &form.target, &form.note).await?;
    Ok(see_other(&page_of(&item)))
}

/// `POST /organizations/{id}/{section}/{item}/related/{other}/remove`.
#[handler]
pub async fn unrelate(
    app: AppData<'_>,
    signed: Signed,
    Path((organization, slug, id, other)): Path<(String, String, String, String)>,
) -> WebResult<Response> {
    let item = item_of(&organization, &slug, &id)?;
    app.unrelate(&signed.caller, &item, &other).await?;
    Ok(see_other(&page_of(&item)))
}

/// Reads the upload form's parts: the optional `field` and the `file`,
/// counting bytes as they come so an oversized body is refused mid-way.
async fn upload(app: &AppData<'_>, signed: &Signed, item: ItemRef, mut parts: Multipart) -> WebResult<Response> {
    let limit = app.max_attachment_bytes();
    let mut field = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    let bad = |why: &str| AppError::invalid("file", Reason::Text(why.to_owned()));
    while let Some(part) = parts.next_field().await.map_err(|_| bad("the upload could not be read"))? {
        match part.name() {
            Some("field") => field = part.text().await.map_err(|_| bad("the upload could not be read"))?,
            Some("file") => {
                let name = part.file_name().unwrap_or("file").to_owned();
                let mut bytes = Vec::new();
                let mut stream = part.into_async_read();
                let mut chunk = vec![0u8; 64 * 1024];
                loop {
                    let n = tokio::io::AsyncReadExt::read(&mut stream, &mut chunk)
                        .await
                        .map_err(|_| bad("the upload could not be read"))?;
                    if n == 0 {
                        break;
                    }
                    if bytes.len() + n > limit {
                        return Err(AppError::invalid("file", Reason::TooLarge).into());
                    }
                    bytes.extend_from_slice(&chunk[..n]);
                }
                file = Some((name, bytes));
            }
            _ => {}
        }
    }
    let (name, bytes) = file.ok_or_else(|| bad("no file chosen"))?;
    app.attach(&signed.caller, &item, &field, &name, bytes.into()).await?;
    Ok(see_other(&page_of(&item)))
}

/// An attachment's bytes as a download: never rendered by the browser.
async fn download(app: &AppData<'_>, signed: &Signed, item: ItemRef, id: &str) -> WebResult<Response> {
    let download = app.download(&signed.caller, &item, id).await?;
    let ascii: String = download
        .attachment
        .file_name
        .chars()
        .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' { c } else { '_' })
        .collect();
    let disposition =
        format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", utf8_percent(&download.attachment.file_name));
    let mut response = Response::builder()
        .header(header::CONTENT_TYPE, download.served_type)
        .header(header::CACHE_CONTROL, "private, no-store")
        .body(download.bytes);
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    Ok(response)
}

/// RFC 5987 percent-encoding of a file name.
fn utf8_percent(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `POST /organizations/{id}/{section}/{item}/attachments`.
#[handler]
pub async fn attach(
    app: AppData<'_>,
    signed: Signed,
    Path((organization, slug, id)): Path<(String, String, String)>,
    parts: Multipart,
) -> WebResult<Response> {
    upload(&app, &signed, item_of(&organization, &slug, &id)?, parts).await
}

/// `GET /organizations/{id}/{section}/{item}/attachments/{attachment}`.
#[handler]
pub async fn download_attachment(
    app: AppData<'_>,
    signed: Signed,
    Path((organization, slug, id, attachment)): Path<(String, String, String, String)>,
) -> WebResult<Response> {
    download(&app, &signed, item_of(&organization, &slug, &id)?, &attachment).await
}

/// `POST /organizations/{id}/{section}/{item}/attachments/{attachment}/delete`.
#[handler]
pub async fn remove_attachment(
    app: AppData<'_>,
    signed: Signed,
    Path((organization, slug, id, attachment)): Path<(String, String, String, String)>,
) -> WebResult<Response> {
    let item = item_of(&organization, &slug, &id)?;
    app.remove_attachment(&signed.caller, &item, &attachment).await?;
    Ok(see_other(&page_of(&item)))
}

/// `POST /guides/{id}/attachments`.
#[handler]
pub async fn attach_to_guide(
    app: AppData<'_>,
    signed: Signed,
    Path(id): Path<String>,
    parts: Multipart,
) -> WebResult<Response> {
    upload(&app, &signed, guide(id), parts).await
}

/// `GET /guides/{id}/attachments/{attachment}`.
#[handler]
pub async fn guide_attachment(
    app: AppData<'_>,
    signed: Signed,
    Path((id, attachment)): Path<(String, String)>,
) -> WebResult<Response> {
    download(&app, &signed, guide(id), &attachment).await
}

/// `POST /guides/{id}/attachments/{attachment}/delete`.
#[handler]
pub async fn remove_guide_attachment(
    app: AppData<'_>,
    signed: Signed,
    Path((id, attachment)): Path<(String, String)>,
) -> WebResult<Response> {
    let item = guide(id);
    app.remove_attachment(&signed.caller, &item, &attachment).await?;
    Ok(see_other(&page_of(&item)))
}
