//! The REST API: keys from the CLI, every kind of record through curl-like
//! calls, keys that reach nothing beyond their tenant and organizations,
//! audited reveals, problem+json errors, the rate limit and the documents.

use cairn_tests::{TestApp, backend_tests};
use serde_json::{Value, json};

backend_tests!(
    a_key_lists_creates_changes_reveals_and_archives_every_kind,
    keys_reach_nothing_beyond_their_tenant_and_organizations,
    revoked_and_expired_keys_are_refused,
    reveals_through_the_api_are_audited_like_the_pages,
    errors_are_problem_json_and_unknown_fields_are_refused,
    the_rate_limit_holds_and_says_when_to_retry,
    the_api_documents_itself,
    owners_make_and_revoke_keys_on_the_settings_page,
    documents_users_invitations_and_the_audit_log,
);

/// Makes a key with the CLI; returns it (the last line printed).
async fn key(app: &TestApp, slug: &str, args: &[&str]) -> String {
    let mut argv = vec!["apikey", "create", "--tenant", slug, "--name", "PSA sync"];
    argv.extend_from_slice(args);
    let out = app.cli(&argv).await.expect("apikey create");
    let key = out.lines().last().expect("a key").to_owned();
    assert!(key.starts_with("cairn_"), "{out}");
    key
}

/// A call to the API of `slug`'s host.
async fn call(app: &TestApp, slug: &str, key: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let url = format!("{}/api/v1{path}", app.address);
    let client = reqwest::Client::new();
    let mut request = client
        .request(method.parse().expect("method"), url)
        .header(reqwest::header::HOST, app.tenant_host(slug))
        .header(reqwest::header::AUTHORIZATION, format!("Bearer {key}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn organization_id(app: &TestApp, slug: &str, key: &str, name: &str) -> String {
    let (status, list) =
        call(app, slug, key, "GET", &format!("/organizations?q={}", name.replace(' ', "%20")), None).await;
    assert_eq!(status, 200, "{list}");
    list["data"].as_array().and_then(|d| d.first()).and_then(|o| o["id"].as_str()).expect(name).to_owned()
}

async fn a_key_lists_creates_changes_reveals_and_archives_every_kind(app: TestApp) {
    app.app.seed_demo("plusundplus.ch").await.expect("seed").expect("demo");
    let key = key(&app, "plusundplus.ch", &[]).await;
    let slug = "plusundplus.ch";
    let (status, created) =
        call(&app, slug, &key, "POST", "/organizations", Some(json!({ "name": "Neu AG", "kind": "customer" }))).await;
    assert_eq!(status, 201, "{created}");
    let org = created["id"].as_str().expect("id").to_owned();
    let (status, changed) = call(
        &app,
        slug,
        &key,
        "PATCH",
        &format!("/organizations/{org}"),
        Some(json!({ "alert": "Nur nach Absprache" })),
    )
    .await;
    assert_eq!((status, changed["alert"].as_str()), (200, Some("Nur nach Absprache")), "{changed}");

    let kinds = [
        ("configurations", json!({ "name": "SRV-01", "hostname": "srv01", "configuration_kind": "server" }), None),
        ("contacts", json!({ "name": "Erika Muster", "emails": "erika@neu.ch", "important": true }), None),
        (
            "passwords",
            json!({ "name": "M365 Admin", "username": "admin@neu.ch", "password": "Sehr-Geheim-1" }),
            Some("Sehr-Geheim-1"),
        ),
        (
            "wireless",
            json!({ "name": "Neu-WLAN", "security": "WPA2-Personal", "passphrase": "Wlan-Geheim-2" }),
            Some("Wlan-Geheim-2"),
        ),
        (
            "vpns",
            json!({ "name": "Zentrale", "gateway": "vpn.neu.ch", "pre_shared_key": "Psk-Geheim-3" }),
            Some("Psk-Geheim-3"),
        ),
    ];
    for (resource, body, secret) in kinds {
        let base = format!("/organizations/{org}/{resource}");
        let (status, record) = call(&app, slug, &key, "POST", &base, Some(body.clone())).await;
        assert_eq!(status, 201, "{resource}: {record}");
        let id = record["id"].as_str().expect("id").to_owned();
        assert!(record.to_string().find("Geheim").is_none(), "secrets never come out in objects: {record}");
        let (status, list) = call(&app, slug, &key, "GET", &format!("{base}?per_page=10"), None).await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(list["meta"]["total"], 1, "{list}");
        assert_eq!(list["meta"]["per_page"], 10);
        assert_eq!(list["data"][0]["id"], id.as_str());
        let (status, patched) =
            call(&app, slug, &key, "PATCH", &format!("{base}/{id}"), Some(json!({ "notes": "geändert" }))).await;
        assert_eq!((status, patched["fields"]["notes"].as_str()), (200, Some("geändert")), "{patched}");
        assert_eq!(patched["name"], body["name"], "fields not given stay as they were");
        if let Some(secret) = secret {
            let (status, revealed) = call(&app, slug, &key, "POST", &format!("{base}/{id}/reveal"), None).await;
            assert_eq!((status, revealed["value"].as_str()), (200, Some(secret)), "{revealed}");
        }
        let (status, _) = call(&app, slug, &key, "DELETE", &format!("{base}/{id}"), None).await;
        assert_eq!(status, 204);
        let (status, gone) = call(&app, slug, &key, "GET", &format!("{base}/{id}"), None).await;
        assert_eq!(status, 404, "{gone}");
    }
    let (status, _) = call(&app, slug, &key, "DELETE", &format!("/organizations/{org}"), None).await;
    assert_eq!(status, 204);
    let (status, _) = call(&app, slug, &key, "GET", &format!("/organizations/{org}"), None).await;
    assert_eq!(status, 404);
}

async fn keys_reach_nothing_beyond_their_tenant_and_organizations(app: TestApp) {
    app.app.seed_demo("plusundplus.ch").await.expect("seed").expect("demo");
    app.with_tenant("acme").await;
    let slug = "plusundplus.ch";
    let staff = key(&app, slug, &[]).await;
    let customer = key(&app, slug, &["--role", "customer", "--org", "Muster AG"]).await;
    let other_tenant = key(&app, "acme", &["--role", "owner"]).await;

    let muster = organization_id(&app, slug, &staff, "Muster AG").await;
    let baeckerei = organization_id(&app, slug, &staff, "Bäckerei").await;
    // Another tenant's key is no key here at all.
    let (status, problem) = call(&app, slug, &other_tenant, "GET", "/organizations", None).await;
    assert_eq!(status, 401, "{problem}");
    let (status, _) = call(&app, slug, &other_tenant, "GET", &format!("/organizations/{muster}/passwords"), None).await;
    assert_eq!(status, 401);
    // And tenant A's ids answer 404 on tenant B, as missing ones do.
    let (status, _) = call(&app, "acme", &other_tenant, "GET", &format!("/organizations/{muster}"), None).await;
    assert_eq!(status, 404);

    let (status, list) = call(&app, slug, &customer, "GET", "/organizations", None).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = list["data"].as_array().expect("data").iter().filter_map(|o| o["name"].as_str()).collect();
    assert_eq!(names, ["Muster AG"], "a customer key sees its organizations only");
    let foreign = format!("/organizations/{baeckerei}/passwords");
    let (status, _) = call(&app, slug, &customer, "GET", &foreign, None).await;
    assert_eq!(status, 404);
    let (_, staff_list) = call(&app, slug, &staff, "GET", &format!("/organizations/{muster}/passwords"), None).await;
    let (_, customer_list) =
        call(&app, slug, &customer, "GET", &format!("/organizations/{muster}/passwords"), None).await;
    let staff_only: Vec<&Value> =
        staff_list["data"].as_array().expect("data").iter().filter(|r| r["visibility"] == "staff").collect();
    assert!(!staff_only.is_empty(), "the demo has staff-only entries");
    assert!(customer_list["data"].as_array().expect("data").iter().all(|r| r["visibility"] == "everyone"));
    for record in staff_only {
        let path = format!("/organizations/{muster}/passwords/{}", record["id"].as_str().expect("id"));
        assert_eq!(call(&app, slug, &customer, "GET", &path, None).await.0, 404);
        assert_eq!(call(&app, slug, &customer, "POST", &format!("{path}/reveal"), None).await.0, 404);
    }
    let (_, baeckerei_list) = call(&app, slug, &staff, "GET", &foreign, None).await;
    let other_record = baeckerei_list["data"][0]["id"].as_str().expect("a record").to_owned();
    let crossed = format!("/organizations/{muster}/passwords/{other_record}");
    assert_eq!(
        call(&app, slug, &customer, "GET", &crossed, None).await.0,
        404,
        "another organization's id under one's own"
    );
    assert_eq!(call(&app, slug, &staff, "GET", &crossed, None).await.0, 404, "ids belong to their organization");
    let (status, _) = call(&app, slug, &customer, "POST", "/organizations", Some(json!({ "name": "Eigene AG" }))).await;
    assert_eq!(status, 404, "customer keys create no organizations");
}

async fn revoked_and_expired_keys_are_refused(app: TestApp) {
    app.with_tenant("acme").await;
    let live = key(&app, "acme", &[]).await;
    assert_eq!(call(&app, "acme", &live, "GET", "/organizations", None).await.0, 200);
    for garbage in ["", "cairn_", "cairn_x_y", "not-a-key", &live[..live.len() - 1]] {
        assert_eq!(call(&app, "acme", garbage, "GET", "/organizations", None).await.0, 401, "{garbage:?}");
    }
    let listed = app.cli(&["apikey", "list", "--tenant", "acme"]).await.expect("list");
    let id = listed.lines().nth(1).and_then(|l| l.split_whitespace().next()).expect("an id").to_owned();
    app.cli(&["apikey", "revoke", "--tenant", "acme", &id]).await.expect("revoke");
    let (status, problem) = call(&app, "acme", &live, "GET", "/organizations", None).await;
    assert_eq!(status, 401, "{problem}");
    assert!(app.cli(&["apikey", "list", "--tenant", "acme"]).await.expect("list").contains("revoked"));

    let expiring = key(&app, "acme", &["--expires-days", "1"]).await;
    assert_eq!(call(&app, "acme", &expiring, "GET", "/organizations", None).await.0, 200);
    use diesel::prelude::*;
    let past = chrono::Utc::now().naive_utc() - chrono::Duration::minutes(1);
    app.db
        .run(move |c| {
            use cairn_store::schema::api_keys::dsl as k;
            diesel::update(k::api_keys.filter(k::revoked_at.is_null()))
                .set(k::expires_at.eq(Some(past)))
                .execute(c)
                .map_err(cairn_store::StoreError::from)
        })
        .await
        .expect("expire");
    assert_eq!(call(&app, "acme", &expiring, "GET", "/organizations", None).await.0, 401);
}

async fn reveals_through_the_api_are_audited_like_the_pages(app: TestApp) {
    app.app.seed_demo("plusundplus.ch").await.expect("seed").expect("demo");
    let slug = "plusundplus.ch";
    let key = key(&app, slug, &["--role", "owner"]).await;
    let muster = organization_id(&app, slug, &key, "Muster AG").await;
    let (_, list) = call(&app, slug, &key, "GET", &format!("/organizations/{muster}/passwords?q=Empfang"), None).await;
    let id = list["data"][0]["id"].as_str().expect("the mail account").to_owned();
    let (status, revealed) =
        call(&app, slug, &key, "POST", &format!("/organizations/{muster}/passwords/{id}/reveal"), None).await;
    assert_eq!(status, 200, "{revealed}");
    let events = app.cli(&["apikey", "list", "--tenant", slug]).await.expect("list");
    let prefix = events.lines().nth(1).and_then(|l| l.split_whitespace().nth(1)).expect("prefix").to_owned();
    let audit = app
        .db
        .run(move |c| {
            use cairn_store::schema::audit_events::dsl as a;
            use diesel::prelude::*;
            a::audit_events
                .filter(a::action.eq("record.revealed"))
                .filter(a::target_id.eq(id))
                .select((a::actor, a::ip))
                .load::<(String, Option<String>)>(c)
                .map_err(cairn_store::StoreError::from)
        })
        .await
        .expect("audit");
    assert_eq!(audit.len(), 1, "one reveal, one event");
    assert_eq!(audit[0].0, format!("api-key:{prefix}"), "attributed to the key");
    assert_eq!(audit[0].1.as_deref(), Some("127.0.0.1"));
}

async fn errors_are_problem_json_and_unknown_fields_are_refused(app: TestApp) {
    app.with_tenant("acme").await;
    let key = key(&app, "acme", &[]).await;
    let (status, created) =
        call(&app, "acme", &key, "POST", "/organizations", Some(json!({ "name": "Acme AG" }))).await;
    assert_eq!(status, 201);
    let org = created["id"].as_str().expect("id").to_owned();
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/organizations/{org}/passwords", app.address))
        .header(reqwest::header::HOST, app.tenant_host("acme"))
        .header(reqwest::header::AUTHORIZATION, format!("Bearer {key}"))
        .json(&json!({ "name": "X", "pasword": "typo" }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 422);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    let problem: Value = response.json().await.expect("json");
    assert_eq!((problem["status"].as_u64(), problem["field"].as_str()), (Some(422), Some("pasword")), "{problem}");
    let (status, _) =
        call(&app, "acme", &key, "POST", "/organizations", Some(json!({ "name": "Other", "colour": "red" }))).await;
    assert_eq!(status, 422, "unknown fields of typed objects too");
    let (status, problem) =
        call(&app, "acme", &key, "POST", "/organizations", Some(json!({ "name": "Acme AG" }))).await;
    assert_eq!((status, problem["status"].as_u64()), (409, Some(409)), "{problem}");
    // NUL, which no text may hold (PostgreSQL refuses it deep in a query): refused up front.
    let (status, problem) = call(&app, "acme", &key, "GET", "/organizations?q=a%00b", None).await;
    assert_eq!((status, problem["status"].as_u64()), (400, Some(400)), "{problem}");
    let nul = json!({ "name": "Nul", "notes": "a\u{0}b" });
    let (status, problem) =
        call(&app, "acme", &key, "POST", &format!("/organizations/{org}/contacts"), Some(nul)).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(app.get(&app.tenant_host("acme"), "/search?q=%00").send().await.expect("page").status(), 400);
    let (status, problem) = call(&app, "acme", &key, "GET", "/organizations?per_page=1001", None).await;
    assert_eq!(status, 400, "{problem}");
    assert!(problem["detail"].as_str().is_some_and(|d| d.contains("per_page")), "{problem}");
    let listed = app.db.run(|c| {
        use cairn_store::schema::records::dsl as r;
        use diesel::prelude::*;
        r::records.count().get_result::<i64>(c).map_err(cairn_store::StoreError::from)
    });
    assert_eq!(listed.await.expect("count"), 0, "refused: nothing written");
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/organizations", app.address))
        .header(reqwest::header::HOST, app.tenant_host("acme"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 401);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    let apex = reqwest::Client::new()
        .get(format!("{}/api/v1/organizations", app.address))
        .header(reqwest::header::HOST, app.apex_host())
        .header(reqwest::header::AUTHORIZATION, format!("Bearer {key}"))
        .send()
        .await
        .expect("request");
    assert_eq!(apex.status().as_u16(), 404, "the tenant API lives on tenant hosts");
}

async fn the_rate_limit_holds_and_says_when_to_retry(app: TestApp) {
    let app = TestApp::spawn_with(app.backend, "[api]\nrate_limit = 3\nrate_window_secs = 60\n").await.expect("app");
    app.with_tenant("acme").await;
    let key = key(&app, "acme", &[]).await;
    // Windows are fixed and aligned to the clock (a minute starts a new
    // one): begin well inside a window, so that every call below shares it.
    let into = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() % 60;
    if into > 40 {
        tokio::time::sleep(std::time::Duration::from_secs(61 - into)).await;
    }
    for _ in 0..3 {
        assert_eq!(call(&app, "acme", &key, "GET", "/organizations", None).await.0, 200);
    }
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/organizations", app.address))
        .header(reqwest::header::HOST, app.tenant_host("acme"))
        .header(reqwest::header::AUTHORIZATION, format!("Bearer {key}"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 429);
    let retry: i64 = response.headers()["retry-after"].to_str().expect("ascii").parse().expect("seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    // Another node on the same database sees the same count: the limit lives in the database.
    assert_eq!(status_on_another_node(&app, &key).await, 429);
}

/// The status of one API call with `key` through a second server on the app's database.
async fn status_on_another_node(app: &TestApp, key: &str) -> u16 {
    let settings = cairn_server::Settings::from_toml_layers(&[
        &app.settings_toml(),
        "[server]\nbind = \"127.0.0.1:0\"\n[api]\nrate_limit = 3\nrate_window_secs = 60\n",
    ])
    .expect("settings");
    let node = cairn_server::Application::build(&settings).await.expect("second node");
    let port = node.port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(node.run_until(async {
        let _ = stopped.await;
    }));
    let status = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/api/v1/organizations"))
        .header(reqwest::header::HOST, format!("acme.localhost:{port}"))
        .header(reqwest::header::AUTHORIZATION, format!("Bearer {key}"))
        .send()
        .await
        .expect("request")
        .status()
        .as_u16();
    let _ = stop.send(());
    let _ = server.await;
    status
}

async fn the_api_documents_itself(app: TestApp) {
    app.with_tenant("acme").await;
    let host = app.tenant_host("acme");
    let spec: Value = app.get(&host, "/api/v1/openapi.json").send().await.expect("spec").json().await.expect("json");
    assert!(spec["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "{spec}");
    let paths = spec["paths"].as_object().expect("paths");
    for path in ["/organizations", "/organizations/{org}", "/organizations/{org}/passwords/{id}/reveal"] {
        assert!(paths.contains_key(path), "{path} in {:?}", paths.keys().collect::<Vec<_>>());
    }
    let docs = app.get(&host, "/api/docs").send().await.expect("docs");
    assert_eq!(docs.status().as_u16(), 200);
    let html = docs.text().await.expect("html");
    assert!(html.contains("swagger"), "the Swagger UI");
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"), "served from the binary, no CDN");
}

async fn owners_make_and_revoke_keys_on_the_settings_page(app: TestApp) {
    let tenant = app.with_tenant("acme").await;
    let mut owner = app.with_owner(&tenant, "owner@acme.ch").await.browser;
    let form = [("name", "RMM"), ("role", "technician"), ("organization_id", ""), ("expires_days", "")];
    let created = owner.submit("/settings/api-keys", "/settings/api-keys", &form).await;
    assert_eq!(created.status, 200, "{}", created.body);
    let key = created
        .body
        .split("<code class=\"secret-key\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the key, shown once")
        .to_owned();
    assert_eq!(call(&app, "acme", &key, "GET", "/organizations", None).await.0, 200);
    let listed = owner.get("/settings/api-keys").await;
    assert!(!listed.body.contains(&key), "never shown again");
    let revoke =
        listed.body.split("action=\"/settings/api-keys/").nth(1).and_then(|r| r.split('"').next()).expect("revoke");
    let token = listed.csrf();
    let revoked = owner.post(&format!("/settings/api-keys/{revoke}"), &[("csrf_token", &token)]).await;
    assert_eq!(revoked.status, 303);
    assert_eq!(call(&app, "acme", &key, "GET", "/organizations", None).await.0, 401);

    let mut technician = app.person(&tenant, "tech@acme.ch").signed_in().await.browser;
    assert_eq!(technician.get("/settings/api-keys").await.status, 404, "owners only");
    let blank = owner.submit("/settings/api-keys", "/settings/api-keys", &[("name", " "), ("role", "owner")]).await;
    assert_eq!(blank.status, 422);
}

async fn documents_users_invitations_and_the_audit_log(app: TestApp) {
    app.app.seed_demo("plusundplus.ch").await.expect("seed").expect("demo");
    let slug = "plusundplus.ch";
    let owner = key(&app, slug, &["--role", "owner"]).await;
    let staff = key(&app, slug, &[]).await;
    let customer = key(&app, slug, &["--role", "customer", "--org", "Muster AG"]).await;
    let muster = organization_id(&app, slug, &owner, "Muster AG").await;

    let base = format!("/organizations/{muster}/documents");
    let (status, document) =
        call(&app, slug, &staff, "POST", &base, Some(json!({ "title": "Backup", "body": "# Täglich" }))).await;
    assert_eq!(status, 201, "{document}");
    let id = document["id"].as_str().expect("id").to_owned();
    let (status, changed) =
        call(&app, slug, &staff, "PATCH", &format!("{base}/{id}"), Some(json!({ "body": "# Stündlich" }))).await;
    assert_eq!((status, changed["revision"].as_i64()), (200, Some(2)), "{changed}");
    let (_, revisions) = call(&app, slug, &customer, "GET", &format!("{base}/{id}/revisions"), None).await;
    assert_eq!(revisions.as_array().map(Vec::len), Some(2), "{revisions}");
    assert_eq!(
        call(&app, slug, &customer, "PATCH", &format!("{base}/{id}"), Some(json!({ "title": "X" }))).await.0,
        404
    );
    assert_eq!(call(&app, slug, &staff, "DELETE", &format!("{base}/{id}"), None).await.0, 204);

    let (status, users) = call(&app, slug, &owner, "GET", "/users", None).await;
    assert_eq!(status, 200, "{users}");
    assert!(
        users["data"]
            .as_array()
            .expect("data")
            .iter()
            .all(|u| !u["email"].as_str().unwrap_or("").starts_with("api-key:")),
        "keys are no people"
    );
    assert_eq!(call(&app, slug, &staff, "GET", "/users", None).await.0, 404, "owner keys only");

    let invite = json!({ "email": "neu@muster-ag.ch", "role": "customer", "organization_id": muster });
    let (status, invitation) = call(&app, slug, &staff, "POST", "/invitations", Some(invite)).await;
    assert_eq!(status, 201, "{invitation}");
    let boss = json!({ "email": "boss@evil.ch", "role": "owner" });
    assert_eq!(
        call(&app, slug, &staff, "POST", "/invitations", Some(boss)).await.0,
        404,
        "staff keys invite customers only"
    );
    let invitation_id = invitation["id"].as_str().expect("id").to_owned();
    assert_eq!(call(&app, slug, &owner, "POST", &format!("/invitations/{invitation_id}/resend"), None).await.0, 204);
    let (_, pending) = call(&app, slug, &owner, "GET", "/invitations", None).await;
    let latest = pending["data"][0]["id"].as_str().expect("the new invitation").to_owned();
    assert_eq!(call(&app, slug, &owner, "DELETE", &format!("/invitations/{latest}"), None).await.0, 204);

    let (status, events) = call(&app, slug, &owner, "GET", "/audit-events?action=document.&per_page=10", None).await;
    assert_eq!(status, 200, "{events}");
    let actions: Vec<&str> =
        events["data"].as_array().expect("data").iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"document.created") && actions.contains(&"document.archived"), "{actions:?}");
    let (_, future) = call(&app, slug, &owner, "GET", "/audit-events?since=2100-01-01T00:00:00Z", None).await;
    assert_eq!(future["meta"]["total"], 0);
    assert_eq!(call(&app, slug, &customer, "GET", "/audit-events", None).await.0, 404);
}
