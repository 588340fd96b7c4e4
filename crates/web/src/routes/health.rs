//! Liveness and readiness probes.

use std::sync::Arc;

use poem::http::StatusCode;
use poem::web::Data;
use poem::{IntoResponse, Response, handler};

use cairn_app::App;

/// The process is alive.
#[handler]
pub fn healthz() -> &'static str {
    "ok"
}

/// The process can serve: the database answers.
#[handler]
pub async fn readyz(app: Data<&Arc<App>>) -> Response {
    match app.ready().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            "database unavailable".with_status(StatusCode::SERVICE_UNAVAILABLE).into_response()
        }
    }
}
