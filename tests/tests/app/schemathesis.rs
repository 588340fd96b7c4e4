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
    run_with(app, command, (spec_path, base), host, authorization, &[]).await;
}

/// Operations whose valid requests depend on what the tenant defined (an
/// asset type's fields and their rules, an existing item to relate, an
/// upload field): a schema cannot say it, so their refusals (422) are right.
const TENANT_DEFINED: &str = "^(createAssetType|updateAssetType|createAsset|updateAsset|revealAsset|addRelated|\
                              addAssetRelated|addAttachment|addAssetAttachment)$";

/// Runs the tenant API: every check on every other operation, and every
/// check but "schema-valid requests succeed" on [`TENANT_DEFINED`] ones.
async fn run_tenant_api(app: &TestApp, command: &str, host: &str, authorization: &str) {
    let document = ("/api/v1/openapi.json", "/api/v1");
    let others = ["--exclude-operation-id-regex", TENANT_DEFINED];
    run_with(app, command, document, host, authorization, &others).await;
    let defined = ["--include-operation-id-regex", TENANT_DEFINED, "--exclude-checks", "positive_data_acceptance"];
    run_with(app, command, document, host, authorization, &defined).await;
}

/// Like [`run`], with more arguments for schemathesis.
async fn run_with(
    app: &TestApp,
    command: &str,
    (spec_path, base): (&str, &str),
    host: &str,
    authorization: &str,
    extra: &[&str],
) {
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
    let mut args = args;
    args.extend(extra.iter().map(|a| (*a).to_owned()));
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
    run_tenant_api(&app, &command, &tenant, &format!("Bearer {key}")).await;
    // The operator API last: it may delete tenants, the one above included.
    run(&app, &command, "/operator/v1/openapi.json", "/operator/v1", &app.apex_host(), &format!("Bearer {TOKEN}"))
        .await;
}
