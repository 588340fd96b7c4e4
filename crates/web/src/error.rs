//! How failures become responses: internal errors are logged with their
//! cause and shown as the generic error page (500); the cause never reaches
//! the visitor.

use poem::http::StatusCode;

/// Logs an unexpected failure and turns it into a 500.
pub fn internal(error: impl std::fmt::Display) -> poem::Error {
    tracing::error!(error = %error, "internal error");
    poem::Error::from_status(StatusCode::INTERNAL_SERVER_ERROR)
}

/// A plain 404, rendered as the page-not-found page.
pub fn not_found() -> poem::Error {
    poem::Error::from_status(StatusCode::NOT_FOUND)
}
