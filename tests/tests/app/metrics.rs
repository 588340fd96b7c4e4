//! Prometheus metrics on `metrics.bind`: requests by route pattern and
//! status with latencies, the pool, the outbox, sign-in failures, build info.

use cairn_tests::{TestApp, backend_tests, free_port};

backend_tests!(metrics_describe_requests_pool_outbox_and_sign_ins);

async fn metrics_describe_requests_pool_outbox_and_sign_ins(app: TestApp) {
    let port = free_port();
    let app =
        TestApp::spawn_with(app.backend, &format!("[metrics]\nbind = \"127.0.0.1:{port}\"\n")).await.expect("app");
    app.with_tenant("acme").await;
    let mut browser = app.browser("acme");
    assert_eq!(browser.get("/login").await.status, 200);
    let refused =
        browser.submit("/login", "/login", &[("email", "nobody@acme.ch"), ("password", "Wrong-Password-1")]).await;
    assert_eq!(refused.status, 401);
    assert_eq!(browser.get("/organizations/01a2b3c4/passwords").await.status / 100, 3, "to the sign-in");

    let text =
        reqwest::get(format!("http://127.0.0.1:{port}/metrics")).await.expect("scrape").text().await.expect("body");
    for expected in [
        r#"cairn_http_requests_total{method="GET",route="/login",status="200"}"#,
        r#"cairn_http_requests_total{method="POST",route="/login",status="401"}"#,
        r#"route="/organizations/:id/passwords""#,
        "cairn_http_request_duration_seconds_bucket{",
        "cairn_db_pool_connections ",
        "cairn_db_pool_wait_seconds",
        "cairn_outbox_depth ",
        "cairn_outbox_oldest_age_seconds ",
        r#"cairn_sign_in_failures_total{step="password"}"#,
        "cairn_build_info{version=",
    ] {
        assert!(text.contains(expected), "{expected} in:\n{text}");
    }
    assert!(!text.contains("01a2b3c4"), "ids never become labels");
    // Not on the public listener.
    let public = browser.get("/metrics").await;
    assert!(public.status != 200 && !public.body.contains("cairn_http_requests_total"), "{}", public.status);
}
