//! Several `cairn serve` nodes on one PostgreSQL behave as one: a tenant
//! changed through one is seen by the others at once, not when their cache
//! expires.

use cairn_server::{Application, Settings};
use cairn_tests::{Backend, TestApp, backend_tests};

backend_tests!(a_tenant_change_reaches_another_node_within_a_second);

async fn status_of(app: &TestApp, port: u16) -> u16 {
    reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/login"))
        .header(reqwest::header::HOST, app.tenant_host("acme"))
        .send()
        .await
        .expect("answer")
        .status()
        .as_u16()
}

async fn a_tenant_change_reaches_another_node_within_a_second(app: TestApp) {
    if app.backend == Backend::Sqlite {
        // SQLite is one file for one node; several nodes need PostgreSQL.
        return;
    }
    let app = TestApp::spawn_with(app.backend, "[tenancy]\ncache_ttl_secs = 60\n").await.expect("node a");
    app.with_tenant("acme").await;
    // Node B: the same database and keys, its own port, a cache that would hold a minute.
    let base = app.dir().join("node-b.toml");
    std::fs::write(&base, app.settings_toml()).expect("config");
    let extra = app.dir().join("node-b-extra.toml");
    std::fs::write(&extra, "[server]\nbind = \"127.0.0.1:0\"\n[tenancy]\ncache_ttl_secs = 60\n").expect("config");
    let settings = Settings::load(&[base.as_path(), extra.as_path()]).expect("settings");
    let node_b = Application::build(&settings).await.expect("node b");
    let port_b = node_b.port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(node_b.run_until(async {
        let _ = stopped.await;
    }));
    assert_eq!(status_of(&app, port_b).await, 200, "node b knows the tenant (and caches it)");

    for (command, open) in [("suspend", false), ("resume", true)] {
        app.cli(&["tenant", command, "acme"]).await.expect(command);
        let started = std::time::Instant::now();
        loop {
            let status = status_of(&app, port_b).await;
            if (status == 200) == open {
                break;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(5),
                "node b still answers {status} after {command}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
    let _ = stop.send(());
    server.await.expect("node b stops").expect("node b ran");
}
