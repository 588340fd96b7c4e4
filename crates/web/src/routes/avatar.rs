//! The profile picture: served with a versioned URL, uploaded as multipart.

use cairn_app::{AppError, Reason};
use cairn_auth::avatar::MAX_UPLOAD_BYTES;
use poem::http::{StatusCode, header};
use poem::web::Multipart;
use poem::{Request, Response, handler};
use tokio::io::AsyncReadExt;

use super::profile::profile_error;
use crate::error::{WebError, WebResult};
use crate::extract::{AppData, Signed};
use crate::flow::see_other;

/// `GET /profile/avatar?v=…`: the signed-in user's picture (404 when none).
/// The URL changes with the picture, so browsers may keep it.
#[handler]
pub async fn avatar_image(app: AppData<'_>, signed: Signed) -> WebResult<Response> {
    let png = app.avatar(&signed.caller).await?;
    Ok(Response::builder()
        .content_type("image/png")
        .header(header::CACHE_CONTROL, "private, max-age=31536000, immutable")
        .header(header::CONTENT_DISPOSITION, "inline; filename=\"avatar.png\"")
        .body(png))
}

fn bad_request() -> WebError {
    WebError(AppError::invalid("avatar", Reason::Image))
}

/// `POST /profile/avatar` (multipart, field `avatar`): the size limit is
/// enforced before the body is read, the content is sniffed, decoded with
/// limits and re-encoded.
#[handler]
pub async fn avatar_upload(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    mut multipart: Multipart,
) -> WebResult<Response> {
    let too_large = AppError::invalid("avatar", Reason::TooLarge);
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_UPLOAD_BYTES + 64 * 1024) {
        return profile_error(req, &app, &signed, StatusCode::PAYLOAD_TOO_LARGE, too_large).await;
    }
    let mut token = String::new();
    let mut upload: Option<Vec<u8>> = None;
    while let Some(field) = multipart.next_field().await.map_err(|_| bad_request())? {
        match field.name() {
            Some("csrf_token") => token = field.text().await.map_err(|_| bad_request())?,
            Some("avatar") => {
                // Read at most one byte past the limit, whatever the headers claimed.
                let mut bytes = Vec::new();
                let limit = u64::try_from(MAX_UPLOAD_BYTES).unwrap_or(u64::MAX) + 1;
                field.into_async_read().take(limit).read_to_end(&mut bytes).await.map_err(|_| bad_request())?;
                upload = Some(bytes);
            }
            _ => {}
        }
    }
    if !crate::csrf::matches(&signed.signed.session.csrf_token, &token) {
        return Ok(poem::Error::from_string(
            "the form has expired; reload the page and try again",
            StatusCode::FORBIDDEN,
        )
        .into_response());
    }
    match app.set_avatar(&signed.caller, upload.unwrap_or_default()).await {
        Ok(()) => Ok(see_other("/profile")),
        Err(error @ AppError::Invalid { reason: Reason::TooLarge, .. }) => {
            profile_error(req, &app, &signed, StatusCode::PAYLOAD_TOO_LARGE, error).await
        }
        Err(error) => profile_error(req, &app, &signed, StatusCode::UNPROCESSABLE_ENTITY, error).await,
    }
}

/// `POST /profile/avatar/remove`.
#[handler]
pub async fn avatar_remove(app: AppData<'_>, signed: Signed) -> WebResult<Response> {
    app.remove_avatar(&signed.caller).await?;
    Ok(see_other("/profile"))
}
