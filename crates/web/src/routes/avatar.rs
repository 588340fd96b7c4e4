//! The profile picture: served with a versioned URL, uploaded as multipart.

use cairn_app::{AppError, Reason};
use cairn_auth::avatar::MAX_UPLOAD_BYTES;
use poem::http::{StatusCode, header};
use poem::web::Multipart;
use poem::{Request, Response, handler};

use super::profile::profile_error;
use crate::error::WebResult;
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

/// `POST /profile/avatar` (multipart, field `avatar`): the size limit is
/// enforced before the body is read, the content is sniffed, decoded with
/// limits and re-encoded.
#[handler]
pub async fn avatar_upload(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    multipart: Multipart,
) -> WebResult<Response> {
    let too_large = AppError::invalid("avatar", Reason::TooLarge);
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_UPLOAD_BYTES + 64 * 1024) {
        return profile_error(req, &app, &signed, StatusCode::PAYLOAD_TOO_LARGE, too_large).await;
    }
    let session_token = &signed.signed.session.csrf_token;
    let upload = match crate::upload::picture(multipart, "avatar", MAX_UPLOAD_BYTES, session_token).await? {
        Ok(upload) => upload,
        Err(refused) => return Ok(refused),
    };
    match app.set_avatar(&signed.caller, upload).await {
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
