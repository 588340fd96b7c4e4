//! The operator CLI against a running server's database.

use cairn_store::audit;
use cairn_tests::{TestApp, backend_tests};

backend_tests!(
    tenant_create_makes_a_reachable_workspace,
    tenant_create_refuses_bad_input_and_changes_nothing,
    suspend_and_resume_from_the_cli,
    master_key_rotation_keeps_secrets_readable,
    logs_on_a_pipe_are_plain_and_mail_follows_data_dir,
);

async fn tenant_create_makes_a_reachable_workspace(app: TestApp) {
    let out = app
        .cli(&[
            "tenant",
            "create",
            "plusundplus.ch",
            "--name",
            "plus+plus",
            "--support-phone",
            "031 511 22 33",
            "--support-email",
            "team@plusundplus.ch",
            "--locale",
            "de",
            "--time-zone",
            "Europe/Zurich",
        ])
        .await
        .expect("tenant create");
    assert!(out.contains("Created tenant plusundplus.ch"));
    assert_eq!(out.lines().last(), Some(format!("http://plusundplus.ch.localhost:{}/login", app.port).as_str()));

    let response = app.get(&app.tenant_host("plusundplus.ch"), "/login").send().await.expect("request");
    assert_eq!(response.status(), 200);
    assert!(response.text().await.expect("body").contains("plus+plus"));

    let list = app.cli(&["tenant", "list"]).await.expect("list");
    assert!(list.contains("plusundplus.ch") && list.contains("Europe/Zurich") && list.contains("active"));

    let tenant = app.app.directory().list().await.expect("list").remove(0);
    let events = app
        .db
        .run(move |c| audit::recent(c, &tenant.id, 10).map_err(cairn_store::StoreError::from))
        .await
        .expect("audit");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].action, "tenant.created");
    assert_eq!(events[0].actor, "operator:cli");
}

async fn tenant_create_refuses_bad_input_and_changes_nothing(app: TestApp) {
    app.cli(&["tenant", "create", "acme", "--name", "Acme"]).await.expect("first");
    for (args, expect) in [
        (vec!["tenant", "create", "acme", "--name", "Again"], "exists already"),
        (vec!["tenant", "create", "ACME", "--name", "Again"], "exists already"),
        (vec!["tenant", "create", "bad_slug", "--name", "X"], "slug"),
        (vec!["tenant", "create", "www", "--name", "X"], "reserved"),
        (vec!["tenant", "create", "ok", "--name", "X", "--time-zone", "Mars/Olympus"], "--time-zone"),
        (vec!["tenant", "create", "ok", "--name", "X", "--locale", "fr"], "--locale"),
        (vec!["tenant", "create", "ok", "--name", "X", "--support-email", "not-an-address"], "support-email"),
        (vec!["tenant", "create", "ok", "--name", "X", "--support-phone", "call me"], "support-phone"),
        (vec!["tenant", "create", "ok", "--name", "  "], "name"),
    ] {
        let error = app.cli(&args).await.expect_err("refused").to_string();
        assert!(error.contains(expect), "{args:?}: {error}");
    }
    let tenants = app.app.directory().list().await.expect("list");
    assert_eq!(tenants.len(), 1, "nothing half-written survives a refusal");
    assert_eq!(tenants[0].name, "Acme");
}

async fn suspend_and_resume_from_the_cli(app: TestApp) {
    app.cli(&["tenant", "create", "acme", "--name", "Acme"]).await.expect("create");
    let host = app.tenant_host("acme");
    app.cli(&["tenant", "suspend", "acme"]).await.expect("suspend");
    // The server's cache lives 0 s in tests; in production at most tenancy.cache_ttl_secs.
    assert_eq!(app.get(&host, "/login").send().await.expect("request").status(), 403);
    assert!(app.cli(&["tenant", "list"]).await.expect("list").contains("suspended"));
    app.cli(&["tenant", "resume", "acme"]).await.expect("resume");
    assert_eq!(app.get(&host, "/login").send().await.expect("request").status(), 200);
    assert!(app.cli(&["tenant", "suspend", "nope"]).await.is_err());
}

async fn master_key_rotation_keeps_secrets_readable(app: TestApp) {
    use cairn_vault::{ExposeSecret, FieldRef, SecretString};
    let tenant = app.with_tenant("acme").await;
    let field = FieldRef { table: "passwords", record_id: "r1", field: "value" };
    let (master, id) = (app.master_key.clone(), tenant.id.clone());
    let sealed = app
        .db
        .run(move |c| {
            cairn_tenancy::keys::keyring(c, &master, &id).map(|ring| ring.seal(field, &SecretString::from("s3cret")))
        })
        .await
        .expect("seal");

    let new_file = app.dir().join("new.key");
    let out =
        app.cli(&["master-key", "rotate", "--new-key-file", new_file.to_str().expect("utf-8")]).await.expect("rotate");
    assert!(out.contains("Re-wrapped 1 data key"), "{out}");

    let (new_key, _) = cairn_vault::MasterKey::load_or_create(&new_file).expect("new key");
    let new_key = std::sync::Arc::new(new_key);
    let (old, id) = (app.master_key.clone(), tenant.id.clone());
    let opened = app
        .db
        .run(move |c| {
            assert!(
                cairn_tenancy::keys::keyring(c, &old, &id).is_err(),
                "the old master key no longer opens the data key"
            );
            cairn_tenancy::keys::keyring(c, &new_key, &id).map(|ring| ring.open(field, &sealed))
        })
        .await
        .expect("keyring")
        .expect("opens");
    assert_eq!(opened.expose_secret(), "s3cret");
}

/// The binary's log on a pipe is plain text (colour codes only on a
/// terminal), and mail files go below data_dir unless told otherwise.
async fn logs_on_a_pipe_are_plain_and_mail_follows_data_dir(app: TestApp) {
    // The binary on a database of its own; the backend does not matter here.
    let data_dir = app.dir().join("elsewhere");
    let config = app.dir().join("plain.toml");
    let settings = format!(
        "data_dir = \"{}\"\n[database]\nurl = \"sqlite://{}\"\n[log]\nfilter = \"info\"\n",
        data_dir.display(),
        data_dir.join("cairn.db").display()
    );
    std::fs::write(&config, settings).expect("config");
    let run = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_cairn-cli"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .output()
            .expect("cairn runs");
        assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let log = run(&["tenant", "create", "acme", "--name", "Acme IT"])
        + &run(&["mail", "test", "--tenant", "acme", "--to", "someone@example.com"]);
    assert!(log.contains("INFO"), "the log was written: {log}");
    assert!(!log.contains('\u{1b}'), "no colour codes on a pipe: {log:?}");
    let mails = std::fs::read_dir(data_dir.join("mail")).expect("mail.file.dir is <data_dir>/mail").count();
    assert_eq!(mails, 1, "the test mail is a file below data_dir");
}
