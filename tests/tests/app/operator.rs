//! The operator API: a tenant's whole life over HTTP, with the configured token only.

use cairn_tests::{TestApp, backend_tests};
use serde_json::{Value, json};

backend_tests!(without_a_token_the_operator_api_does_not_exist, an_operator_takes_a_tenant_through_its_whole_life);

const TOKEN: &str = "op-token-0123456789abcdef0123456789abcdef";

async fn call(app: &TestApp, token: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .request(method.parse().expect("method"), format!("{}/operator/v1{path}", app.address))
        .header(reqwest::header::HOST, app.apex_host())
        .header(reqwest::header::AUTHORIZATION, format!("Bearer {token}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn without_a_token_the_operator_api_does_not_exist(app: TestApp) {
    assert_eq!(call(&app, TOKEN, "GET", "/tenants", None).await.0, 404);
    assert_eq!(app.get(&app.apex_host(), "/operator/v1/openapi.json").send().await.expect("spec").status(), 404);
}

async fn an_operator_takes_a_tenant_through_its_whole_life(app: TestApp) {
    let app = TestApp::spawn_with(app.backend, &format!("[operator]\ntoken = \"{TOKEN}\"\n")).await.expect("app");
    assert_eq!(call(&app, "wrong-token-0123456789abcdef0123456789", "GET", "/tenants", None).await.0, 401);
    assert_eq!(call(&app, TOKEN, "GET", "/tenants", None).await.0, 200);
    let spec = app.get(&app.apex_host(), "/operator/v1/openapi.json").send().await.expect("spec");
    assert_eq!(spec.status(), 200);
    // Not on tenant hosts.
    app.with_tenant("other").await;
    let on_tenant =
        app.get(&app.tenant_host("other"), "/operator/v1/tenants").header("authorization", format!("Bearer {TOKEN}"));
    assert_eq!(on_tenant.send().await.expect("request").status(), 404);

    let body = json!({
        "slug": "acme.ch", "name": "Acme IT", "support_email": "help@acme.ch", "locale": "de",
        "time_zone": "Europe/Zurich", "owner_email": "owner@acme.ch"
    });
    let (status, created) = call(&app, TOKEN, "POST", "/tenants", Some(body.clone())).await;
    assert_eq!(status, 201, "{created}");
    let link = created["owner_invitation_url"].as_str().expect("the owner's invitation").to_owned();
    let path = link.split_once(&format!(":{}", app.port)).map(|(_, p)| p.to_owned()).expect("a link to this server");
    assert_eq!(app.get(&app.tenant_host("acme.ch"), &path).send().await.expect("invitation").status(), 200);
    assert_eq!(call(&app, TOKEN, "POST", "/tenants", Some(body)).await.0, 409, "the slug is taken");
    let (status, problem) = call(&app, TOKEN, "POST", "/tenants", Some(json!({ "slug": "www", "name": "X" }))).await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("slug")), "{problem}");

    let (status, changed) =
        call(&app, TOKEN, "PATCH", "/tenants/acme.ch", Some(json!({ "name": "Acme Informatik" }))).await;
    assert_eq!((status, changed["name"].as_str()), (200, Some("Acme Informatik")), "{changed}");
    assert_eq!(changed["support_email"], "help@acme.ch", "fields not given stay");

    let (status, suspended) = call(&app, TOKEN, "POST", "/tenants/acme.ch/suspend", None).await;
    assert_eq!((status, suspended["status"].as_str()), (200, Some("suspended")));
    assert_eq!(app.get(&app.tenant_host("acme.ch"), "/login").send().await.expect("login").status(), 403);
    assert_eq!(call(&app, TOKEN, "POST", "/tenants/acme.ch/resume", None).await.0, 200);
    assert_eq!(app.get(&app.tenant_host("acme.ch"), "/login").send().await.expect("login").status(), 200);

    let (status, with_domain) =
        call(&app, TOKEN, "POST", "/tenants/acme.ch/domains", Some(json!({ "domain": "docs.acme.ch" }))).await;
    assert_eq!((status, with_domain["domains"][0].as_str()), (200, Some("docs.acme.ch")), "{with_domain}");
    let (status, _) =
        call(&app, TOKEN, "POST", "/tenants/acme.ch/domains", Some(json!({ "domain": "x.localhost" }))).await;
    assert_eq!(status, 422, "names under the base domain are no custom domains");

    let (status, list) = call(&app, TOKEN, "GET", "/tenants?q=acme", None).await;
    assert_eq!((status, list["meta"]["total"].as_u64()), (200, Some(1)), "{list}");

    // A tenant full of data (documentation, secrets, invitations, audit) goes whole.
    app.app.seed_demo("plusundplus.ch").await.expect("seed").expect("demo");
    for slug in ["acme.ch", "plusundplus.ch"] {
        let (status, problem) = call(&app, TOKEN, "DELETE", &format!("/tenants/{slug}"), None).await;
        assert_eq!(status, 204, "{slug}: {problem}");
        assert_eq!(call(&app, TOKEN, "GET", &format!("/tenants/{slug}"), None).await.0, 404);
        assert_eq!(app.get(&app.tenant_host(slug), "/login").send().await.expect("login").status(), 404);
    }
    let left = app
        .db
        .run(|c| {
            use diesel::prelude::*;
            let keys: i64 = cairn_store::schema::tenant_keys::table.count().get_result(c)?;
            let records: i64 = cairn_store::schema::records::table.count().get_result(c)?;
            let events: i64 = cairn_store::schema::audit_events::table.count().get_result(c)?;
            Ok::<_, cairn_store::StoreError>((keys, records, events))
        })
        .await
        .expect("count");
    assert_eq!(left.0, 1, "only the other tenant's data key is left");
    assert_eq!(left.1, 0, "no records are left");
    assert!(left.2 >= 1, "the other tenant keeps its audit log");
    // The audit log stays append-only for everything else.
    let refused = app
        .db
        .run(|c| {
            use diesel::prelude::*;
            diesel::delete(cairn_store::schema::audit_events::table).execute(c).map_err(cairn_store::StoreError::from)
        })
        .await;
    assert!(refused.is_err(), "deleting audit events outside a tenant deletion is refused");
}
