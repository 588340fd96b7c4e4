//! Prometheus metrics on their own listener (`metrics.bind`, off unless
//! set): requests by route pattern and status with latencies, the database
//! pool, the outbox, mail, sign-in failures and locks, build info.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use anyhow::Context;
use cairn_app::App;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use poem::listener::TcpListener;
use poem::{Endpoint, IntoResponse, Request, Response, Route, Server, get, handler};

/// Latency buckets, in seconds: a page takes well under a millisecond of
/// work, an import upload may take minutes.
const BUCKETS: &[f64] = &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// The words of Cairn's paths; any other segment (ids, slugs, tokens) is
/// shown as `:id`, so the number of series stays bounded.
const ROUTE_WORDS: &[&str] = &[
    "access",
    "access-request",
    "api",
    "api-keys",
    "archive",
    "asset-types",
    "assets",
    "attachments",
    "audit",
    "audit.csv",
    "avatar",
    "brand.css",
    "configurations",
    "contacts",
    "delete",
    "disable",
    "docs",
    "documents",
    "edit",
    "enable",
    "expirations",
    "favicon.ico",
    "guides",
    "handoff",
    "healthz",
    "import",
    "invitations",
    "invite",
    "login",
    "logout",
    "mfa",
    "new",
    "openapi.json",
    "operator",
    "organizations",
    "password",
    "password-reset",
    "passwords",
    "privacy-notice",
    "profile",
    "qr",
    "readyz",
    "recovery-codes",
    "related",
    "remove",
    "report.json",
    "resend",
    "reset-mfa",
    "restore",
    "reveal",
    "revisions",
    "revoke",
    "role",
    "search",
    "settings",
    "setup",
    "signup",
    "static",
    "tenants",
    "users",
    "v1",
    "vpns",
    "wireless",
];

/// The one recorder of this process (several servers in one test process share it).
fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new();
        let builder = builder.set_buckets(BUCKETS).unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was installed already");
        }
        handle
    })
}

/// A request's path as a pattern: `/organizations/:id/passwords/:id`.
pub fn route_pattern(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for segment in path.split('/').filter(|s| !s.is_empty()).take(8) {
        out.push('/');
        out.push_str(if ROUTE_WORDS.contains(&segment) { segment } else { ":id" });
    }
    if out.is_empty() { "/".to_owned() } else { out }
}

/// Counts and times every request of `endpoint`.
pub fn track<E: Endpoint + 'static>(endpoint: E) -> impl Endpoint<Output = Response> {
    poem::EndpointExt::around(endpoint, |inner, req: Request| async move {
        let started = Instant::now();
        let (method, route) = (req.method().to_string(), route_pattern(req.uri().path()));
        let response = match inner.call(req).await {
            Ok(response) => response.into_response(),
            Err(error) => error.into_response(),
        };
        let status = response.status().as_u16().to_string();
        let labels = [("method", method), ("route", route), ("status", status)];
        metrics::counter!("cairn_http_requests_total", &labels).increment(1);
        metrics::histogram!("cairn_http_request_duration_seconds", &labels).record(started.elapsed().as_secs_f64());
        Ok(response)
    })
}

#[handler]
async fn scrape(app: poem::web::Data<&Arc<App>>) -> Response {
    let (size, idle, waiting) = app.pool_status();
    metrics::gauge!("cairn_db_pool_connections").set(size as f64);
    metrics::gauge!("cairn_db_pool_idle").set(idle as f64);
    metrics::gauge!("cairn_db_pool_waiting").set(waiting as f64);
    match app.mail_status().await {
        Ok(outbox) => {
            metrics::gauge!("cairn_outbox_depth").set((outbox.queued + outbox.sending) as f64);
            metrics::gauge!("cairn_outbox_failed").set(outbox.failed as f64);
            let age = outbox
                .oldest_queued_at
                .map_or(0.0, |at| (chrono::Utc::now().naive_utc() - at).num_milliseconds().max(0) as f64 / 1000.0);
            metrics::gauge!("cairn_outbox_oldest_age_seconds").set(age);
        }
        Err(error) => tracing::warn!(%error, "the outbox could not be measured"),
    }
    let handle = handle();
    handle.run_upkeep();
    Response::builder().content_type("text/plain; version=0.0.4; charset=utf-8").body(handle.render())
}

/// Starts recording, and serves `/metrics` on `bind` until `shutdown`.
pub async fn serve(
    bind: SocketAddr,
    app: Arc<App>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    handle();
    metrics::gauge!("cairn_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
    let acceptor = poem::listener::Listener::into_acceptor(TcpListener::bind(bind))
        .await
        .with_context(|| format!("binding metrics.bind {bind}"))?;
    let route = poem::EndpointExt::data(Route::new().at("/metrics", get(scrape)), app);
    Ok(tokio::spawn(async move {
        if let Err(error) = Server::new_with_acceptor(acceptor).run_with_graceful_shutdown(route, shutdown, None).await
        {
            tracing::error!(%error, "the metrics listener stopped");
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::route_pattern;

    #[test]
    fn ids_and_slugs_become_placeholders() {
        assert_eq!(
            route_pattern("/organizations/01a2-b3/passwords/77/reveal"),
            "/organizations/:id/passwords/:id/reveal"
        );
        assert_eq!(route_pattern("/organizations/o/ssl-zertifikate"), "/organizations/:id/:id");
        assert_eq!(route_pattern("/invitations/secret-token"), "/invitations/:id");
        assert_eq!(route_pattern("/"), "/");
    }
}
