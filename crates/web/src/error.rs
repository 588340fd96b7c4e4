//! How the use cases' answers become responses.
//!
//! [`WebError`] wraps [`AppError`], so handlers use `?` on use cases. Not
//! found (which is also "not allowed") becomes the page-not-found page;
//! internal failures are logged by the application layer with their cause
//! and shown as the generic error page, never with the cause.

use cairn_app::AppError;
use poem::IntoResponse;
use poem::error::ResponseError;
use poem::http::StatusCode;

/// An application error on its way to becoming a page.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct WebError(#[from] pub AppError);

impl ResponseError for WebError {
    fn status(&self) -> StatusCode {
        match &self.0 {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict { .. } | AppError::Unconfirmed { .. } | AppError::WrongState(_) => StatusCode::CONFLICT,
            AppError::Rejected => StatusCode::UNAUTHORIZED,
            AppError::SignInRequired => StatusCode::SEE_OTHER,
            AppError::Locked { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::LinkInvalid => StatusCode::GONE,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn as_response(&self) -> poem::Response {
        if matches!(self.0, AppError::SignInRequired) {
            return poem::web::Redirect::see_other("/login").into_response();
        }
        // The error pages render the body; the cause never reaches the visitor.
        poem::Response::builder().status(self.status()).finish()
    }
}

/// What a handler returns.
pub type WebResult<T> = Result<T, WebError>;

/// A plain 404, rendered as the page-not-found page.
pub fn not_found() -> WebError {
    WebError(AppError::NotFound)
}
