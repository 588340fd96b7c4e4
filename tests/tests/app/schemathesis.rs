//! Both OpenAPI documents, checked by schemathesis (PyPI) against the running
//! server: no 5xx, answers conform to the schema, status codes and content
//! types as documented, schema-valid requests accepted, invalid ones refused.

use std::process::Command;

use cairn_tests::{TestApp, backend_tests};

backend_tests!(both_openapi_documents_hold_under_schemathesis);

const TOKEN: &str = "op-token-0123456789abcdef0123456789abcdef";

/// The schemathesis command `./test` installed, or `None` (a failure under CI).
fn schemathesis() -> Option<String> {
    match std::env::var("CAIRN_SCHEMATHESIS") {
        Ok(path) if !path.is_empty() => Some(path),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but CAIRN_SCHEMATHESIS is not set: ./test installs schemathesis and sets it")
        }
        _ => None,
    }
}

/// Runs schemathesis on the document at `spec_path` (below the server's
/// address) with `host` and `authorization`; panics with its report on failure.
async fn run(app: &TestApp, command: &str, spec_path: &str, base: &str, host: &str, authorization: &str) {
    let spec = app.get(host, spec_path).send().await.expect("spec").text().await.expect("text");
    let file = app.dir().join(format!("{}.json", base.replace('/', "_")));
    std::fs::write(&file, spec).expect("write spec");
    let args = vec![
        "run".to_owned(),
        file.display().to_string(),
        "--url".into(),
        format!("{}{base}", app.address),
        "-H".into(),
        format!("Host: {host}"),
        "-H".into(),
        format!("Authorization: {authorization}"),
        "--checks".into(),
        "all".into(),
        "--max-examples".into(),
        "25".into(),
        // One worker: Hypothesis is not thread-safe in every part. A fixed
        // seed: the same requests every run.
        "--workers".into(),
        "1".into(),
        "--seed".into(),
        "20261125".into(),
    ];
    // Where a valid request depends on what the tenant defined (an asset
    // type's fields, an existing item to relate), a schema cannot say it:
    // such refusals (422) are right, so those operations skip the check
    // that every schema-valid request succeeds. Every other check holds.
    let config = app.dir().join("schemathesis.toml");
    std::fs::write(
        &config,
        "[[operations]]\ninclude-operation-id-regex = \"^(createAssetType|updateAssetType|createAsset|updateAsset|\
         revealAsset|addRelated|addAssetRelated|addAttachment|addAssetAttachment)$\"\n\
         checks.positive_data_acceptance.enabled = false\n",
    )
    .expect("write config");
    let mut args = args;
    args.splice(0..0, ["--config-file".to_owned(), config.display().to_string()]);
    let first = schemathesis_run(command, &args).await;
    if first.status.success() {
        return;
    }
    // The same seed can draw other cases when ids and times differ (the
    // stateful phase follows the answers). A failure that does not come
    // back is reported here, so it is seen, but does not fail the build; a
    // failure that comes back does.
    eprintln!("schemathesis on {base} failed once; running it again:\n{}", String::from_utf8_lossy(&first.stdout));
    let output = schemathesis_run(command, &args).await;
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "schemathesis on {base}:\n{report}\n{}", String::from_utf8_lossy(&output.stderr));
}

async fn schemathesis_run(command: &str, args: &[String]) -> std::process::Output {
    let (command, args) = (command.to_owned(), args.to_vec());
    tokio::task::spawn_blocking(move || Command::new(command).args(&args).output())
        .await
        .expect("join")
        .expect("schemathesis runs")
}

async fn both_openapi_documents_hold_under_schemathesis(app: TestApp) {
    let Some(command) = schemathesis() else {
        eprintln!("skipped: schemathesis is not installed (./test installs it)");
        return;
    };
    let extra = format!("[operator]\ntoken = \"{TOKEN}\"\n[api]\nrate_limit = 1000000\n");
    let app = TestApp::spawn_with(app.backend, &extra).await.expect("app");
    app.app.seed_demo("plusundplus.ch").await.expect("seed").expect("demo");
    let out = app
        .cli(&["apikey", "create", "--tenant", "plusundplus.ch", "--name", "schemathesis", "--role", "owner"])
        .await
        .expect("key");
    let key = out.lines().last().expect("a key").to_owned();
    let tenant = app.tenant_host("plusundplus.ch");
    run(&app, &command, "/api/v1/openapi.json", "/api/v1", &tenant, &format!("Bearer {key}")).await;
    // The operator API last: it may delete tenants, the one above included.
    run(&app, &command, "/operator/v1/openapi.json", "/operator/v1", &app.apex_host(), &format!("Bearer {TOKEN}"))
        .await;
}
