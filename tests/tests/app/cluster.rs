//! Two `cairn serve` processes on one PostgreSQL behind a real proxy
//! (haproxy, started here on loopback) behave as one server: a session made
//! on one node works on the other, tenant changes through one node reach the
//! other within a second, invitations issued on both give each mail once, and
//! when one node is killed mid-load the other keeps serving.

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use cairn_tests::{Backend, Browser, SmtpServer, TestApp, backend_tests, free_port, smtp_toml};
use tokio::process::{Child, Command};

backend_tests!(two_nodes_behind_a_proxy_behave_as_one);

const OPERATOR_TOKEN: &str = "cluster-test-operator-token-0123456789abcdef";

/// A `cairn serve` process; killed when dropped.
struct Node {
    port: u16,
    child: Child,
}

impl Node {
    async fn start(app: &TestApp, name: &str, proxy_port: u16, smtp_port: u16) -> Node {
        let port = free_port();
        let base = app.dir().join(format!("{name}.toml"));
        std::fs::write(&base, app.settings_toml()).expect("config");
        let own = app.dir().join(format!("{name}-own.toml"));
        // A cache that would hold a minute: only the announcement can explain a change seen sooner.
        let toml = format!(
            "{smtp}[server]\nbind = \"127.0.0.1:{port}\"\npublic_port = {proxy_port}\n\
             [operator]\ntoken = \"{OPERATOR_TOKEN}\"\n[tenancy]\ncache_ttl_secs = 60\n",
            smtp = smtp_toml(smtp_port, 8)
        );
        std::fs::write(&own, toml).expect("config");
        let child = Command::new(env!("CARGO_BIN_EXE_cairn-cli"))
            .arg("--config")
            .arg(&base)
            .arg("--config")
            .arg(&own)
            .arg("serve")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("cairn serve starts");
        let node = Node { port, child };
        wait_until_ready(port, &format!("node {name}")).await;
        node
    }

    fn address(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// haproxy in front of the nodes, checking `/readyz`; stopped when dropped.
struct Proxy {
    port: u16,
    _child: Child,
}

impl Proxy {
    async fn start(dir: &Path, port: u16, nodes: &[&Node]) -> Proxy {
        let servers: String = nodes
            .iter()
            .enumerate()
            .map(|(i, node)| format!("    server node{i} 127.0.0.1:{} check\n", node.port))
            .collect();
        let config = format!(
            "global\n    maxconn 2000\n\
             defaults\n    mode http\n    timeout connect 1s\n    timeout client 10s\n    timeout server 10s\n\
             \x20   retries 3\n    option redispatch 1\n    retry-on conn-failure empty-response response-timeout\n\
             frontend web\n    bind 127.0.0.1:{port}\n    default_backend cairn\n\
             backend cairn\n    balance roundrobin\n    option httpchk GET /readyz\n\
             \x20   default-server inter 200ms fall 1 rise 2\n{servers}"
        );
        let path = dir.join("haproxy.cfg");
        std::fs::write(&path, config).expect("haproxy config");
        let child = Command::new("haproxy")
            .arg("-db")
            .arg("-f")
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("haproxy starts (apt-get install haproxy; ./test --setup installs it)");
        wait_until_ready(port, "haproxy").await;
        Proxy { port, _child: child }
    }

    fn address(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

async fn wait_until_ready(port: u16, what: &str) {
    let started = Instant::now();
    loop {
        let ready = reqwest::get(format!("http://127.0.0.1:{port}/readyz")).await.is_ok_and(|r| r.status() == 200);
        if ready {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{what} is not ready after 30 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The status of a tenant's login page on one node.
async fn login_status(address: &str, host: &str) -> u16 {
    let client = reqwest::Client::new();
    let response = client.get(format!("{address}/login")).header(reqwest::header::HOST, host).send().await;
    response.expect("an answer").status().as_u16()
}

/// How long until `address` answers `/login` on `host` as `wanted` says; fails after two seconds.
async fn time_until(address: &str, host: &str, wanted: impl Fn(u16) -> bool) -> Duration {
    let started = Instant::now();
    loop {
        let status = login_status(address, host).await;
        if wanted(status) {
            return started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(2), "{address} still answers {status} for {host}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Calls the operator API of one node.
async fn operator(address: &str, app: &TestApp, method: reqwest::Method, path: &str, body: Option<serde_json::Value>) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{address}/operator/v1{path}"))
        .header(reqwest::header::HOST, app.apex_host())
        .bearer_auth(OPERATOR_TOKEN);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("operator API answers");
    assert!(response.status().is_success(), "{path}: {}", response.status());
}

/// A browser on `address` carrying `cookies`.
fn browser_at(address: &str, host: &str, cookies: &std::collections::BTreeMap<String, String>) -> Browser {
    let mut browser = Browser::new(address, host);
    browser.cookies = cookies.clone();
    browser
}

async fn two_nodes_behind_a_proxy_behave_as_one(app: TestApp) {
    if app.backend == Backend::Sqlite {
        // Several nodes share one PostgreSQL; a SQLite file serves one node.
        return;
    }
    // The test's own server stays idle for mail: the nodes send it.
    let app = TestApp::spawn_with(app.backend, "[mail.outbox]\npoll_interval_ms = 3600000\n").await.expect("app");
    let smtp = SmtpServer::start(None);
    let proxy_port = free_port();
    let a = Node::start(&app, "a", proxy_port, smtp.port).await;
    let mut b = Node::start(&app, "b", proxy_port, smtp.port).await;
    let proxy = Proxy::start(app.dir(), proxy_port, &[&a, &b]).await;

    // A tenant created through node A is known to node B within a second,
    // though B had looked for it before and its cache would hold a minute.
    let host = format!("acme.localhost:{proxy_port}");
    assert_eq!(login_status(&b.address(), &host).await, 404, "not there yet (and cached so on B)");
    let body = serde_json::json!({"slug": "acme", "name": "Acme IT"});
    operator(&a.address(), &app, reqwest::Method::POST, "/tenants", Some(body)).await;
    let seen = time_until(&b.address(), &host, |s| s == 200).await;
    assert!(seen < Duration::from_secs(1), "node B saw the new tenant after {seen:?}");

    // Signed in on node A, browsing on both and through the proxy.
    let tenant =
        app.app.directory().by_slug(&cairn_tenancy::TenantSlug::parse("acme").expect("slug")).await.expect("tenant");
    let owner = app.with_owner(&tenant, "owner@acme.example").await;
    let mut on_a = Browser::new(&a.address(), &host);
    let login = on_a
        .submit("/login", "/login", &[("email", "owner@acme.example"), ("password", cairn_tests::TEST_PASSWORD)])
        .await;
    assert_eq!(login.location.as_deref(), Some("/login/mfa"), "{}", login.body);
    let token = on_a.get("/login/mfa").await.csrf();
    let code = crate::accounts::totp(&owner.secret, 30);
    let done = on_a.post("/login/mfa", &[("code", &code), ("csrf_token", &token)]).await;
    assert_eq!(done.location.as_deref(), Some("/organizations"), "signed in on node A");
    let mut on_b = browser_at(&b.address(), &host, &on_a.cookies);
    let mut via_proxy = browser_at(&proxy.address(), &host, &on_a.cookies);
    assert_eq!(on_a.get("/organizations").await.status, 200);
    assert_eq!(on_b.get("/organizations").await.status, 200, "node B knows node A's session");
    for _ in 0..6 {
        assert_eq!(via_proxy.get("/organizations").await.status, 200);
    }

    // 100 invitations, half on each node: 100 mails, each once, sent by both workers.
    let csrf_a = on_a.get("/users").await.csrf();
    let csrf_b = on_b.get("/users").await.csrf();
    for i in 0..100 {
        let email = format!("invitee-{i}@example.com");
        let (browser, csrf) = if i % 2 == 0 { (&mut on_a, &csrf_a) } else { (&mut on_b, &csrf_b) };
        let fields = [("email", email.as_str()), ("role", "technician"), ("organization_id", ""), ("csrf_token", csrf)];
        let invited = browser.post("/users/invite", &fields).await;
        assert_eq!(invited.status, 200, "invitation {i}: {}", invited.body);
    }
    let invitees = |mails: &[cairn_tests::ReceivedMail]| -> Vec<String> {
        mails.iter().filter_map(|m| m.header("To")).filter(|to| to.starts_with("invitee-")).collect()
    };
    let started = Instant::now();
    while invitees(&smtp.messages()).len() < 100 {
        assert!(started.elapsed() < Duration::from_secs(60), "{} of 100 mails", invitees(&smtp.messages()).len());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Time for a duplicate to show up, were there one.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut sent = invitees(&smtp.messages());
    sent.sort();
    let count = sent.len();
    sent.dedup();
    assert_eq!((count, sent.len()), (100, 100), "every invitation mailed exactly once");

    // A tenant suspended through node A is refused by node B within a second.
    operator(&a.address(), &app, reqwest::Method::POST, "/tenants/acme/suspend", None).await;
    let seen = time_until(&b.address(), &host, |s| s != 200).await;
    assert!(seen < Duration::from_secs(1), "node B saw the suspension after {seen:?}");
    operator(&b.address(), &app, reqwest::Method::POST, "/tenants/acme/resume", None).await;
    let seen = time_until(&a.address(), &host, |s| s == 200).await;
    assert!(seen < Duration::from_secs(1), "node A saw the resumption after {seen:?}");

    // Load through the proxy; node B is killed half-way; node A carries on.
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for _ in 0..4 {
        let (stop, mut browser) = (Arc::clone(&stop), browser_at(&proxy.address(), &host, &on_a.cookies));
        workers.push(tokio::spawn(async move {
            let mut outcomes = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let page = browser.get("/organizations").await;
                outcomes.push((Instant::now(), page.status));
            }
            outcomes
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    b.child.start_kill().expect("SIGKILL node B");
    let killed = Instant::now();
    b.child.wait().await.expect("node B is gone");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    stop.store(true, Ordering::Relaxed);
    let mut outcomes = Vec::new();
    for worker in workers {
        outcomes.extend(worker.await.expect("load worker"));
    }
    let before = outcomes.iter().filter(|(at, _)| *at < killed).count();
    let after: Vec<u16> = outcomes.iter().filter(|(at, _)| *at >= killed).map(|(_, s)| *s).collect();
    let failed: Vec<&(Instant, u16)> = outcomes.iter().filter(|(_, status)| *status != 200).collect();
    assert!(
        before > 20 && after.len() > 20,
        "load ran on both sides of the kill: {before} before, {} after",
        after.len()
    );
    assert!(failed.is_empty(), "{} of {} requests failed around the kill: {failed:?}", failed.len(), outcomes.len());
    assert_eq!(on_a.get("/organizations").await.status, 200, "node A still serves");
}
