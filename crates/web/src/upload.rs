//! One picture uploaded in a multipart form (profile picture, workspace
//! logo): its bytes, read only up to the limit, and the form's CSRF token,
//! checked against the session's.

use cairn_app::{AppError, Reason};
use poem::Response;
use poem::http::StatusCode;
use poem::web::Multipart;
use tokio::io::AsyncReadExt;

use crate::error::WebError;

/// Reads the multipart form: the file field `field` (at most one byte past
/// `max`, whatever the headers claimed) and `csrf_token`. A broken form is
/// an error (the field's "not a picture"); a token that does not match
/// `session_token` is `Ok(Err(403 answer))`.
pub async fn picture(
    mut multipart: Multipart,
    field: &'static str,
    max: usize,
    session_token: &str,
) -> Result<Result<Vec<u8>, Response>, WebError> {
    let broken = || WebError(AppError::invalid(field, Reason::Image));
    let mut token = String::new();
    let mut upload: Option<Vec<u8>> = None;
    while let Some(part) = multipart.next_field().await.map_err(|_| broken())? {
        match part.name() {
            Some("csrf_token") => token = part.text().await.map_err(|_| broken())?,
            Some(name) if name == field => {
                let mut bytes = Vec::new();
                let limit = u64::try_from(max).unwrap_or(u64::MAX) + 1;
                part.into_async_read().take(limit).read_to_end(&mut bytes).await.map_err(|_| broken())?;
                upload = Some(bytes);
            }
            _ => {}
        }
    }
    if !crate::csrf::matches(session_token, &token) {
        return Ok(Err(poem::Error::from_string(
            "the form has expired; reload the page and try again",
            StatusCode::FORBIDDEN,
        )
        .into_response()));
    }
    Ok(Ok(upload.unwrap_or_default()))
}
