//! Host → tenant resolution through real HTTP.

use cairn_store::audit::Actor;
use cairn_tenancy::{TenantSlug, TenantStatus};
use cairn_tests::{TestApp, backend_tests};

backend_tests!(
    tenant_host_answers_with_its_login_page,
    unknown_and_lookalike_hosts_get_the_same_404,
    malformed_and_missing_hosts_get_404,
    apex_login_asks_for_the_subdomain,
    suspended_tenant_gets_403_until_resumed,
    custom_domain_reaches_its_tenant,
    health_answers_on_every_host,
    two_host_headers_are_refused_and_an_absolute_uri_decides,
    hsts_only_when_served_over_https,
);

async fn tenant_host_answers_with_its_login_page(app: TestApp) {
    app.with_tenant("plusundplus.ch").await;
    for host in [
        app.tenant_host("plusundplus.ch"),
        app.tenant_host("PlusUndPlus.CH"),
        format!("plusundplus.ch.localhost.:{}", app.port),
    ] {
        let response = app.get(&host, "/login").send().await.expect("request");
        assert_eq!(response.status(), 200, "{host}");
        let body = response.text().await.expect("body");
        assert!(body.contains("plusundplus.ch IT"), "tenant name on the page for {host}");
        assert!(
            body.contains("031 511 22 33") && body.contains("team@plusundplus.ch"),
            "support contact in the footer"
        );
        assert!(body.contains(r#"name="email""#) && body.contains(r#"name="password""#));
        assert!(!body.contains(r#"name="subdomain""#));
    }
}

async fn unknown_and_lookalike_hosts_get_the_same_404(app: TestApp) {
    app.with_tenant("acme").await;
    let mut bodies = Vec::new();
    for host in [
        app.tenant_host("nope"),
        format!("evillocalhost:{}", app.port),
        format!("acme.evillocalhost:{}", app.port),
        format!("acme.localhost.evil.example:{}", app.port),
        format!("x.acme.localhost:{}", app.port),
        format!("www.localhost:{}", app.port),
    ] {
        let response = app.get(&host, "/login").send().await.expect("request");
        assert_eq!(response.status(), 404, "{host}");
        bodies.push(response.text().await.expect("body"));
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "unknown hosts must be indistinguishable");
    assert!(!bodies[0].contains("acme"), "a 404 names no tenant");
}

async fn malformed_and_missing_hosts_get_404(app: TestApp) {
    app.with_tenant("acme").await;
    for host in [
        "127.0.0.1",
        "[::1]:8080",
        "acme.localhost:http",
        "acme..localhost",
        "a_b.localhost",
        "-.localhost",
        "acme.localhost:1:2",
    ] {
        let request = format!("GET /login HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        assert_eq!(app.raw_status(request.as_bytes()).await, 404, "{host:?}");
    }
    // HTTP/1.0 allows leaving Host out.
    assert_eq!(app.raw_status(b"GET /login HTTP/1.0\r\n\r\n").await, 404);
    // Bytes that are no valid header value at all.
    assert_eq!(
        app.raw_status(b"GET /login HTTP/1.1\r\nHost: acme.localhost\xff\xfe\r\nConnection: close\r\n\r\n").await,
        404
    );
}

async fn apex_login_asks_for_the_subdomain(app: TestApp) {
    let response = app.get(&app.apex_host(), "/login").send().await.expect("request");
    assert_eq!(response.status(), 200);
    let body = response.text().await.expect("body");
    for field in ["subdomain", "email", "password"] {
        assert!(body.contains(&format!(r#"name="{field}""#)), "apex login has {field}");
    }
    let root = app.get(&app.apex_host(), "/").send().await.expect("request");
    assert_eq!(root.status(), 303);
    assert_eq!(root.headers()["location"], "/login");
}

async fn suspended_tenant_gets_403_until_resumed(app: TestApp) {
    app.with_tenant("acme").await;
    let slug = TenantSlug::parse("acme").expect("slug");
    let host = app.tenant_host("acme");
    app.app.directory().set_status(&slug, TenantStatus::Suspended, Actor::System).await.expect("suspend");
    let response = app.get(&host, "/login").send().await.expect("request");
    assert_eq!(response.status(), 403);
    let body = response.text().await.expect("body");
    assert!(body.contains("acme IT") && body.contains("031 511 22 33"), "the suspended page says whom to call");
    assert!(!body.contains(r#"name="password""#));

    app.app.directory().set_status(&slug, TenantStatus::Active, Actor::System).await.expect("resume");
    assert_eq!(app.get(&host, "/login").send().await.expect("request").status(), 200);
}

async fn custom_domain_reaches_its_tenant(app: TestApp) {
    app.with_tenant("plusundplus.ch").await;
    app.with_tenant("other").await;
    let slug = TenantSlug::parse("plusundplus.ch").expect("slug");
    let host = format!("docs.plusundplus.ch:{}", app.port);
    assert_eq!(app.get(&host, "/login").send().await.expect("request").status(), 404);
    app.app.directory().add_domain(&slug, "Docs.PlusUndPlus.ch", Actor::System).await.expect("domain");
    let response = app.get(&host, "/login").send().await.expect("request");
    assert_eq!(response.status(), 200);
    assert!(response.text().await.expect("body").contains("plusundplus.ch IT"));
    // A domain belongs to one tenant only.
    let other = TenantSlug::parse("other").expect("slug");
    assert!(app.app.directory().add_domain(&other, "docs.plusundplus.ch", Actor::System).await.is_err());
    assert!(app.app.directory().add_domain(&other, "not a domain", Actor::System).await.is_err());
}

async fn health_answers_on_every_host(app: TestApp) {
    app.with_tenant("acme").await;
    for host in [app.apex_host(), app.tenant_host("acme"), app.tenant_host("unknown"), "10.0.0.5:8080".into()] {
        assert_eq!(app.get(&host, "/healthz").send().await.expect("request").status(), 200, "{host}");
        let ready = app.get(&host, "/readyz").send().await.expect("request");
        assert_eq!(ready.status(), 200, "{host}");
        // Static files too: the router sends these paths past the tenant
        // resolver by name (`ByPath`), so a host without a workspace gets them.
        for path in ["/favicon.ico", "/static/cairn.css"] {
            assert_eq!(app.get(&host, path).send().await.expect("request").status(), 200, "{host}{path}");
        }
    }
}

async fn two_host_headers_are_refused_and_an_absolute_uri_decides(app: TestApp) {
    app.with_tenant("plusundplus.ch").await;
    let (tenant, apex) = (app.tenant_host("plusundplus.ch"), app.apex_host());
    let two = format!("GET /password-reset HTTP/1.1\r\nHost: {tenant}\r\nHost: {apex}\r\nConnection: close\r\n\r\n");
    assert_eq!(app.raw_status(two.as_bytes()).await, 400, "two Host headers");
    // The password-reset page exists on tenant hosts only.
    let absolute = format!("GET http://{tenant}/password-reset HTTP/1.1\r\nHost: {apex}\r\nConnection: close\r\n\r\n");
    assert_eq!(app.raw_status(absolute.as_bytes()).await, 200, "the request line's authority decides");
    let absolute = format!("GET http://{apex}/password-reset HTTP/1.1\r\nHost: {tenant}\r\nConnection: close\r\n\r\n");
    assert_eq!(app.raw_status(absolute.as_bytes()).await, 404, "whatever the Host header says");
}

async fn hsts_only_when_served_over_https(app: TestApp) {
    app.with_tenant("plusundplus.ch").await;
    let plain = app.get(&app.tenant_host("plusundplus.ch"), "/login").send().await.expect("request");
    assert!(plain.headers().get("strict-transport-security").is_none(), "not over plain http");
    let https = TestApp::spawn_with(app.backend, "[server]\npublic_scheme = \"https\"\n").await.expect("app");
    https.with_tenant("plusundplus.ch").await;
    let response = https.get(&https.tenant_host("plusundplus.ch"), "/login").send().await.expect("request");
    let hsts = response.headers().get("strict-transport-security").expect("HSTS under https");
    assert!(hsts.to_str().expect("ascii").starts_with("max-age=31536000"), "{hsts:?}");
}
