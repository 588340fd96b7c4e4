//! The page frame: language, privacy notice, static files, headers.

use cairn_tests::{TestApp, backend_tests};

backend_tests!(
    language_follows_the_browser_then_the_tenant,
    privacy_notice_is_dismissed_and_stays_dismissed,
    static_files_and_brand_are_served_from_the_binary,
    every_page_carries_security_headers,
    unknown_paths_get_a_branded_404,
);

async fn language_follows_the_browser_then_the_tenant(app: TestApp) {
    app.with_tenant("acme").await; // default locale: de
    let host = app.tenant_host("acme");
    let german = app.get(&host, "/login").send().await.expect("request").text().await.expect("body");
    assert!(german.contains(r#"lang="de""#) && german.contains("Anmelden"));
    let english = app
        .get(&host, "/login")
        .header("accept-language", "en-GB,en;q=0.9,de;q=0.5")
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("body");
    assert!(english.contains(r#"lang="en""#) && english.contains("Log in"));
    let french = app
        .get(&host, "/login")
        .header("accept-language", "fr-CH")
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("body");
    assert!(french.contains(r#"lang="de""#), "an unsupported language falls back to the tenant's default");
    let apex = app.get(&app.apex_host(), "/login").send().await.expect("request").text().await.expect("body");
    assert!(apex.contains(r#"lang="en""#), "the apex defaults to English");
}

async fn privacy_notice_is_dismissed_and_stays_dismissed(app: TestApp) {
    app.with_tenant("acme").await;
    let mut browser = app.browser("acme");
    let page = browser.get("/login").await;
    assert!(page.body.contains("privacy-notice") && page.body.contains("Datenschutzerklärung"));

    let dismissed = browser.submit("/login", "/privacy-notice", &[("next", "/login")]).await;
    assert_eq!(dismissed.status, 303);
    assert_eq!(dismissed.location.as_deref(), Some("/login"));
    let cookie = dismissed.headers["set-cookie"].to_str().expect("ascii").to_owned();
    assert!(cookie.starts_with("cairn_privacy_ack=1") && cookie.contains("HttpOnly"), "{cookie}");
    assert!(!browser.get("/login").await.body.contains("privacy-notice"));

    let elsewhere = browser.submit("/login", "/privacy-notice", &[("next", "https://evil.example/")]).await;
    assert_eq!(elsewhere.location.as_deref(), Some("/"), "no open redirect");
    // Without the form's token, nothing is set.
    assert_eq!(app.browser("acme").post("/privacy-notice", &[("next", "/login")]).await.status, 403);
}

async fn static_files_and_brand_are_served_from_the_binary(app: TestApp) {
    app.with_tenant("acme").await;
    let css = app.get(&app.tenant_host("acme"), "/static/cairn.css").send().await.expect("request");
    assert_eq!(css.status(), 200);
    assert!(css.headers()["content-type"].to_str().expect("ascii").starts_with("text/css"));
    let etag = css.headers()["etag"].clone();
    assert!(css.text().await.expect("body").contains("prefers-color-scheme: dark"));
    let again =
        app.get(&app.apex_host(), "/static/cairn.css").header("if-none-match", etag).send().await.expect("request");
    assert_eq!(again.status(), 304);
    assert!(css_headers_cache(&app, "/static/cairn.css").await.contains("must-revalidate"));
    // Pages link URLs that name the content: those are cached for good.
    let login = app.get(&app.tenant_host("acme"), "/login").send().await.expect("login").text().await.expect("body");
    let linked = login.split("href=\"").find(|s| s.starts_with("/static/cairn.css?v=")).expect("a versioned link");
    let linked = &linked[..linked.find('"').expect("end")];
    assert!(css_headers_cache(&app, linked).await.contains("immutable"), "{linked}");
    let stale = linked.replace("?v=", "?v=0");
    assert!(css_headers_cache(&app, &stale).await.contains("must-revalidate"), "another version is not this one");
    assert_eq!(app.get(&app.apex_host(), "/static/nope.css").send().await.expect("request").status(), 404);
    let traversal =
        format!("GET /static/../../Cargo.toml HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", app.apex_host());
    let status = app.raw_status(traversal.as_bytes()).await;
    assert!((400..500).contains(&status), "path traversal answered {status}");

    let brand = app.get(&app.tenant_host("acme"), "/brand.css").send().await.expect("request");
    assert_eq!(brand.status(), 200);
    assert!(brand.text().await.expect("body").contains("--accent: #1d4ed8"));
}

/// The Cache-Control of a static URL.
async fn css_headers_cache(app: &TestApp, path: &str) -> String {
    let response = app.get(&app.apex_host(), path).send().await.expect("request");
    assert_eq!(response.status(), 200, "{path}");
    response.headers()["cache-control"].to_str().expect("ascii").to_owned()
}

async fn every_page_carries_security_headers(app: TestApp) {
    app.with_tenant("acme").await;
    for (host, path) in
        [(app.tenant_host("acme"), "/login"), (app.apex_host(), "/login"), (app.tenant_host("nope"), "/login")]
    {
        let response = app.get(&host, path).send().await.expect("request");
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{host}");
        let csp = headers["content-security-policy"].to_str().expect("ascii");
        assert!(
            csp.contains("frame-ancestors 'none'")
                && csp.contains("script-src 'self'")
                && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        assert!(headers.contains_key("x-request-id"));
    }
}

async fn unknown_paths_get_a_branded_404(app: TestApp) {
    app.with_tenant("acme").await;
    // Without a session, every page but the sign-in pages leads to /login.
    let response = app.get(&app.tenant_host("acme"), "/no-such-page").send().await.expect("request");
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/login");
    let response = app.get(&app.apex_host(), "/no-such-page").send().await.expect("request");
    assert_eq!(response.status(), 404);
    assert!(response.text().await.expect("body").contains("Page not found"));
}
