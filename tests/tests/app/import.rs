//! `cairn import itglue`: the sample export and a nasty one (made with the
//! fixture generator) imported and checked through the REST API; a second
//! run changes nothing; a run killed half-way continues where it stopped.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use cairn_auth::Role;
use cairn_tests::{TestApp, backend_tests};
use serde_json::Value;

backend_tests!(
    the_sample_export_arrives_whole_and_a_second_run_changes_nothing,
    the_nasty_export_is_imported_without_guessing,
    an_import_killed_half_way_continues_where_it_stopped,
    owners_import_from_the_settings_page_and_others_cannot,
);

const SLUG: &str = "helvetic.ch";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/itglue")
}

/// Makes an export with the fixture generator.
fn generate(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let status = std::process::Command::new("python3")
        .arg(fixtures().join("make_export.py"))
        .arg(&out)
        .args(args)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("python3 runs the fixture generator");
    assert!(status.success(), "make_export.py {args:?}");
    out
}

async fn import(app: &TestApp, export: &Path, extra: &[&str]) -> (String, Value) {
    let report = app.dir().join(format!("report-{}.json", uuid::Uuid::now_v7()));
    let mut args = vec!["import", "itglue", export.to_str().expect("utf-8 path"), "--tenant", SLUG];
    args.extend(["--report", report.to_str().expect("utf-8 path")]);
    args.extend_from_slice(extra);
    let out = app.cli(&args).await.expect("import runs");
    let json = serde_json::from_slice(&std::fs::read(&report).expect("report written")).expect("report is JSON");
    (out, json)
}

fn last_line(out: &str) -> &str {
    out.lines().last().unwrap_or_default()
}

/// A small REST client for the tenant.
struct Api<'a> {
    app: &'a TestApp,
    key: String,
}

impl Api<'_> {
    async fn new(app: &TestApp) -> Api<'_> {
        let out =
            app.cli(&["apikey", "create", "--tenant", SLUG, "--name", "check", "--role", "owner"]).await.expect("key");
        Api { app, key: out.lines().last().expect("key").to_owned() }
    }

    async fn raw(&self, method: &str, path: &str) -> (u16, Vec<u8>) {
        let response = reqwest::Client::new()
            .request(method.parse().expect("method"), format!("{}/api/v1{path}", self.app.address))
            .header(reqwest::header::HOST, self.app.tenant_host(SLUG))
            .header(reqwest::header::AUTHORIZATION, format!("Bearer {}", self.key))
            .send()
            .await
            .expect("request");
        (response.status().as_u16(), response.bytes().await.expect("body").to_vec())
    }

    async fn get(&self, path: &str) -> Value {
        let (status, body) = self.raw("GET", path).await;
        assert_eq!(status, 200, "GET {path}: {}", String::from_utf8_lossy(&body));
        serde_json::from_slice(&body).expect("JSON")
    }

    async fn data(&self, path: &str) -> Vec<Value> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let value = self.get(&format!("{path}{sep}per_page=1000")).await;
        value["data"].as_array().or(value.as_array()).cloned().unwrap_or_default()
    }

    async fn reveal(&self, path: &str) -> String {
        let (status, body) = self.raw("POST", path).await;
        assert_eq!(status, 200, "POST {path}: {}", String::from_utf8_lossy(&body));
        let value: Value = serde_json::from_slice(&body).expect("JSON");
        value["value"].as_str().expect("value").to_owned()
    }

    /// Organizations by name → id.
    async fn organizations(&self) -> BTreeMap<String, String> {
        self.data("/organizations")
            .await
            .into_iter()
            .map(|o| {
                (o["name"].as_str().unwrap_or_default().to_owned(), o["id"].as_str().unwrap_or_default().to_owned())
            })
            .collect()
    }

    async fn named<'v>(&self, list: &'v [Value], name: &str) -> &'v Value {
        list.iter().find(|r| r["name"] == name).unwrap_or_else(|| panic!("no record {name:?}"))
    }
}

/// The rows of one CSV of an export (read with the importer's own reader:
/// the values compared are the generator's, byte for byte).
fn rows(export: &Path, file: &str) -> Vec<BTreeMap<String, String>> {
    let mut source = cairn_import::Source::open(export).expect("export");
    let mut table = source.table(file).expect("table");
    let mut out = Vec::new();
    while let Some(row) = table.next_row().expect("readable") {
        let row = row.expect("row");
        out.push(row.cells().map(|(k, v)| (k.to_owned(), v.to_owned())).collect());
    }
    out
}

async fn the_sample_export_arrives_whole_and_a_second_run_changes_nothing(app: TestApp) {
    app.with_tenant(SLUG).await;
    let export = fixtures().join("sample-export.zip");
    let api = Api::new(&app).await;

    let (out, _) = import(&app, &export, &["--dry-run"]).await;
    assert!(last_line(&out).starts_with("imported: 148 would be created"), "{out}");
    assert!(api.organizations().await.is_empty(), "a dry run keeps nothing");

    let (out, report) = import(&app, &export, &[]).await;
    assert_eq!(last_line(&out), "imported: 148 created, 0 unchanged, 2 skipped, 0 with warnings", "{out}");
    let skipped: Vec<(&str, &str)> = report["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .map(|s| (s["file"].as_str().unwrap_or_default(), s["code"].as_str().unwrap_or_default()))
        .collect();
    assert_eq!(skipped, [("configurations.csv", "archived"), ("passwords.csv", "archived")]);
    assert_eq!(report["counts"]["configurations"]["created"], 29);
    assert_eq!(report["counts"]["passwords"]["created"], 24);

    let orgs = api.organizations().await;
    let names: HashSet<&str> = orgs.keys().map(String::as_str).collect();
    let expected: HashSet<String> = rows(&export, "organizations.csv").into_iter().map(|r| r["name"].clone()).collect();
    assert_eq!(names, expected.iter().map(String::as_str).collect());

    // Every password of an organization, revealed, is the export's, byte for byte; OTP secrets too.
    let org_name = "Alpenblick Treuhand AG";
    let org = &orgs[org_name];
    let passwords = api.data(&format!("/organizations/{org}/passwords")).await;
    let exported: Vec<_> =
        rows(&export, "passwords.csv").into_iter().filter(|r| r["organization"] == org_name).collect();
    assert_eq!(passwords.len(), exported.len());
    let mut otp_checked = 0;
    for row in &exported {
        let record = api.named(&passwords, &row["name"]).await;
        let id = record["id"].as_str().expect("id");
        assert_eq!(record["visibility"], "staff", "imported credentials are for staff first");
        assert_eq!(api.reveal(&format!("/organizations/{org}/passwords/{id}/reveal")).await, row["password"]);
        if !row["otp_secret"].is_empty() {
            let code = api.reveal(&format!("/organizations/{org}/passwords/{id}/reveal?field=otp_secret")).await;
            assert!(totp_codes(&row["otp_secret"]).contains(&code), "the code of the exported secret: {code}");
            otp_checked += 1;
        }
        // A password of a configuration is related to it.
        if row["resource_type"] == "Configuration" {
            let related = api.get(&format!("/organizations/{org}/passwords/{id}/related")).await;
            assert_eq!(related.as_array().map(Vec::len), Some(1), "{related}");
        }
    }
    assert!(otp_checked > 0);

    // Documents: Markdown, in their folders, images served as attachments.
    let documents = api.data(&format!("/organizations/{org}/documents")).await;
    let with_image =
        documents.iter().find(|d| d["body"].as_str().unwrap_or_default().contains("![Screenshot](")).expect("an image");
    let body = with_image["body"].as_str().expect("body");
    assert!(body.starts_with("# ") && !body.contains('<'), "{body}");
    let url = body.split("![Screenshot](").nth(1).and_then(|r| r.split(')').next()).expect("image url");
    // The page's URL is the API's too, below /api/v1.
    let (status, bytes) = api.raw("GET", url).await;
    assert_eq!(status, 200, "{url}");
    assert!(bytes.starts_with(b"\x89PNG"), "the image's bytes");

    // Flexible assets: types from the CSVs, labels verbatim, tags linked.
    let types = api.data("/asset-types").await;
    let wan = types.iter().find(|t| t["name"] == "Internet/WAN").expect("Internet/WAN type");
    let labels: Vec<&str> =
        wan["fields"].as_array().expect("fields").iter().filter_map(|f| f["name"].as_str()).collect();
    assert_eq!(labels[..3], ["Provider", "Location(s)", "Router/Firewall"]);
    let router =
        wan["fields"].as_array().expect("fields").iter().find(|f| f["name"] == "Router/Firewall").expect("field");
    assert_eq!(router["kind"], "tag");
    let slug = wan["slug"].as_str().expect("slug");
    let assets = api.data(&format!("/organizations/{org}/assets/{slug}")).await;
    assert_eq!(assets.len(), 1);

    // Attachments of configurations arrive too.
    let configurations = api.data(&format!("/organizations/{org}/configurations")).await;
    let mut attached = 0;
    for c in &configurations {
        let id = c["id"].as_str().expect("id");
        attached += api.data(&format!("/organizations/{org}/configurations/{id}/attachments")).await.len();
    }
    assert!(attached >= 1);

    // A second run finds everything and changes nothing.
    let before = (api.organizations().await, configurations.len(), documents.len());
    let (out, report) = import(&app, &export, &[]).await;
    assert!(last_line(&out).starts_with("imported: 0 created, 148 unchanged, 2 skipped"), "{out}");
    assert!(last_line(&out).ends_with("nothing changed"), "{out}");
    assert_eq!(report["counts"]["attachments"]["created"], 0);
    let after = (
        api.organizations().await,
        api.data(&format!("/organizations/{org}/configurations")).await.len(),
        api.data(&format!("/organizations/{org}/documents")).await.len(),
    );
    assert_eq!(before, after);
}

/// The TOTP codes of a base32 secret (as exported: any case, spaces,
/// padding) from half a minute ago to half a minute ahead, by `oathtool`.
fn totp_codes(secret: &str) -> Vec<String> {
    let secret: String = secret.chars().filter(|c| !c.is_whitespace() && *c != '=').collect::<String>().to_uppercase();
    let out = std::process::Command::new("oathtool")
        .args(["--totp", "-b", "-N", "now - 30 seconds", "-w", "2", &secret])
        .output()
        .expect("oathtool runs");
    assert!(out.status.success(), "oathtool: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned).collect()
}

fn codes(report: &Value, list: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for entry in report[list].as_array().expect("list") {
        *out.entry(entry["code"].as_str().unwrap_or_default().to_owned()).or_default() += 1;
    }
    out
}

async fn the_nasty_export_is_imported_without_guessing(app: TestApp) {
    app.with_tenant(SLUG).await;
    let export = generate(app.dir(), "nasty.zip", &["--profile", "nasty"]);
    let api = Api::new(&app).await;
    let (out, report) = import(&app, &export, &[]).await;
    assert!(last_line(&out).starts_with("imported: 93 created, 0 unchanged, 25 skipped"), "{out}");

    let skipped = codes(&report, "skipped");
    let expected_skips = [
        ("ambiguous_organization", 9),
        ("unknown_organization", 5),
        ("archived", 4),
        ("vaulted_password", 2),
        ("missing_html", 2),
        ("attachment_of_skipped_record", 2),
        ("orphan_attachment", 1),
    ];
    assert_eq!(skipped, expected_skips.iter().map(|(c, n)| ((*c).to_owned(), *n)).collect(), "{report:#}");
    let warnings = codes(&report, "warnings");
    for code in [
        "duplicate_organization_name",
        "active_content_removed",
        "unknown_column",
        "invalid_interfaces_json",
        "blank_password",
        "invalid_otp_secret",
        "dangling_resource",
        "missing_image",
        "missing_upload_file",
        "name_truncated",
    ] {
        assert!(warnings.contains_key(code), "{code} reported: {warnings:?}");
    }
    assert_eq!(warnings["invalid_otp_secret"], 3);
    for entry in report["skipped"].as_array().expect("skipped") {
        assert!(
            entry["file"].as_str().is_some_and(|f| !f.is_empty())
                && !entry["reason"].as_str().unwrap_or_default().is_empty()
        );
    }

    // Both organizations of one name, the second told apart; odd names verbatim.
    let orgs = api.organizations().await;
    assert!(orgs.contains_key("Schneider Elektro AG"));
    assert_eq!(orgs.keys().filter(|n| n.starts_with("Schneider Elektro AG (IT Glue ")).count(), 1);
    for name in
        ["Treuhand \"Zürichsee\", Meier & Co.", "🚀 Startrampe GmbH", "IT/OT Systeme Zürich GmbH", "Müller & Söhne AG"]
    {
        assert!(orgs.contains_key(name), "{name} in {:?}", orgs.keys());
    }
    assert!(!orgs.keys().any(|n| n.contains("Gelöschte")), "no organization made from rows");
    let rocket = api.get(&format!("/organizations/{}", orgs["🚀 Startrampe GmbH"])).await;
    let notes = rocket["quick_notes"].as_str().unwrap_or_default();
    assert!(notes.contains("Neukunde ab Q3 ⭐") && !notes.contains("alert") && !notes.contains("script"), "{notes}");

    // Secrets byte for byte; vault placeholders never stored.
    let mueller = &orgs["Müller & Söhne AG"];
    let passwords = api.data(&format!("/organizations/{mueller}/passwords")).await;
    let exported = rows(&export, "passwords.csv");
    for name in ["Abacus Datenbank", "Archiv-NAS", "Notfall-Konto Domäne"] {
        let row = exported.iter().find(|r| r["name"] == name).expect("row");
        let id = api.named(&passwords, name).await["id"].as_str().expect("id").to_owned();
        assert_eq!(
            api.reveal(&format!("/organizations/{mueller}/passwords/{id}/reveal")).await,
            row["password"],
            "{name}"
        );
    }
    let treuhand = &orgs["Treuhand \"Zürichsee\", Meier & Co."];
    let list = api.data(&format!("/organizations/{treuhand}/passwords")).await;
    let id = api.named(&list, "Abacus Mandant").await["id"].as_str().expect("id").to_owned();
    assert_eq!(api.reveal(&format!("/organizations/{treuhand}/passwords/{id}/reveal")).await, "a\"b,c\\d");
    for p in &passwords {
        let id = p["id"].as_str().expect("id");
        if p["secrets_set"].as_array().is_some_and(|s| s.iter().any(|k| k == "password")) {
            let value = api.reveal(&format!("/organizations/{mueller}/passwords/{id}/reveal")).await;
            assert!(!value.starts_with("AES256GCM") && !value.starts_with("AES-256-GCM"), "{value}");
        }
    }
    let hostpoint = api.named(&passwords, "Hostpoint Control Panel").await["id"].as_str().expect("id").to_owned();
    let code = api.reveal(&format!("/organizations/{mueller}/passwords/{hostpoint}/reveal?field=otp_secret")).await;
    let uri = &exported.iter().find(|r| r["name"] == "Hostpoint Control Panel").expect("row")["otp_secret"];
    let secret = uri.split("secret=").nth(1).and_then(|s| s.split('&').next()).expect("secret in the URI");
    assert!(totp_codes(secret).contains(&code), "the otpauth URI's secret: {code}");

    // Documents: active content gone, text kept, embedded images stored; the folder kept.
    let documents = api.data(&format!("/organizations/{mueller}/documents")).await;
    let handbook = documents.iter().find(|d| d["title"] == "Notfallhandbuch").expect("handbook");
    let body = handbook["body"].as_str().expect("body");
    assert!(body.contains("Telefon Pikett") && body.contains("Notfallkontakte anzeigen"), "{body}");
    for active in ["<script", "onclick", "onmouseover", "javascript:", "<iframe", "evil.example", "display:none"] {
        assert!(!body.contains(active), "{active} in {body}");
    }
    assert!(body.contains("![Eskalationsschema](/organizations/"), "{body}");
    let vpn = documents.iter().find(|d| d["title"] == "VPN / Remote Access").expect("slash in the title");
    assert_eq!(vpn["folder"], "Anleitungen");
    assert_eq!(
        documents.iter().find(|d| d["title"] == "Netzwerkübersicht").expect("doc")["folder"],
        "Anleitungen/Netzwerk"
    );
    let id = vpn["id"].as_str().expect("id");
    let images = api.data(&format!("/organizations/{mueller}/documents/{id}/attachments")).await;
    assert_eq!(images.len(), 1, "the full-size image, not the thumbnail: {images:?}");
    // The two documents of the organizations sharing a name went where their locators say.
    let old = &orgs.iter().find(|(n, _)| n.starts_with("Schneider Elektro AG (IT Glue ")).expect("second").1;
    let old_docs = api.data(&format!("/organizations/{old}/documents")).await;
    assert_eq!(old_docs.len(), 1);
    assert_eq!(old_docs[0]["title"], "Altes Netzwerk (vor Fusion)");

    // Upload field: the file whose name holds ", " is found.
    let types = api.data("/asset-types").await;
    let apps = types.iter().find(|t| t["name"] == "Applications").expect("type");
    let slug = apps["slug"].as_str().expect("slug");
    let assets = api.data(&format!("/organizations/{mueller}/assets/{slug}")).await;
    let mut files = Vec::new();
    for asset in &assets {
        let id = asset["id"].as_str().expect("id");
        for a in api.data(&format!("/organizations/{mueller}/assets/{slug}/{id}/attachments")).await {
            files.push(a["file_name"].as_str().unwrap_or_default().to_owned());
        }
    }
    assert!(files.iter().any(|f| f == "Abacus Setup, v2024.1.msi"), "{files:?}");

    // Again: nothing changes.
    let (out, _) = import(&app, &export, &[]).await;
    assert!(last_line(&out).starts_with("imported: 0 created, "), "{out}");
    assert_eq!(api.organizations().await, orgs);
}

async fn an_import_killed_half_way_continues_where_it_stopped(app: TestApp) {
    use std::io::{BufRead, BufReader};
    app.with_tenant(SLUG).await;
    let export = generate(app.dir(), "large.zip", &["--profile", "large", "--orgs", "12"]);
    let config = app.dir().join("kill.toml");
    std::fs::write(&config, app.settings_toml()).expect("config");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cairn-cli"))
        .args(["--config", config.to_str().expect("path"), "import", "itglue", export.to_str().expect("path")])
        .args(["--tenant", SLUG])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("cairn-cli runs");
    let stderr = child.stderr.take().expect("stderr");
    let mut killed = false;
    for line in BufReader::new(stderr).lines() {
        let line = line.expect("line");
        // Half-way: the configurations are being stored.
        if line.starts_with("import: configurations: 1000 done") {
            child.kill().expect("SIGKILL");
            killed = true;
            break;
        }
    }
    let _ = child.wait();
    assert!(killed, "the import was stopped half-way");

    let (out, report) = import(&app, &export, &[]).await;
    let total = report["counts"].as_object().expect("counts").values().fold((0, 0, 0), |t, c| {
        (
            t.0 + c["created"].as_u64().unwrap_or(0),
            t.1 + c["unchanged"].as_u64().unwrap_or(0),
            t.2 + c["skipped"].as_u64().unwrap_or(0),
        )
    });
    assert!(total.0 > 0 && total.1 >= 500, "some made before, the rest now: {out}");
    assert_eq!(total.2, 0, "{out}");

    // Everything is there once: a run after it finds all of it, as many as a clean import makes.
    let (out, again) = import(&app, &export, &[]).await;
    assert!(last_line(&out).starts_with("imported: 0 created, "), "{out}");
    let unchanged: u64 =
        again["counts"].as_object().expect("counts").values().map(|c| c["unchanged"].as_u64().unwrap_or(0)).sum();
    assert_eq!(unchanged, total.0 + total.1, "{out}");
    let expected: usize = [
        "organizations.csv",
        "locations.csv",
        "configurations.csv",
        "contacts.csv",
        "domains.csv",
        "passwords.csv",
        "documents.csv",
    ]
    .iter()
    .map(|f| rows(&export, f).len())
    .sum();
    let records: u64 =
        ["organizations", "locations", "configurations", "contacts", "domains", "passwords", "documents"]
            .iter()
            .map(|k| again["counts"][k]["unchanged"].as_u64().unwrap_or(0))
            .sum();
    assert_eq!(records, expected as u64);
}

async fn owners_import_from_the_settings_page_and_others_cannot(app: TestApp) {
    let tenant = app.with_tenant(SLUG).await;
    let bytes = std::fs::read(fixtures().join("sample-export.zip")).expect("sample");
    // Refused requests carry a small file: a server may answer before it has
    // read a body, and a big one would then break the client's pipe.
    let form_of = |token: &str, bytes: Vec<u8>| {
        let part = reqwest::multipart::Part::bytes(bytes).file_name("itglue-export.zip");
        reqwest::multipart::Form::new().text("csrf_token", token.to_owned()).part("export", part)
    };

    for role in [Role::Technician, Role::Customer] {
        let mut other =
            app.person(&tenant, &format!("{role:?}@example.ch").to_lowercase()).role(role).signed_in().await;
        assert_eq!(other.browser.get("/settings/import").await.status, 404, "{role:?}");
        let token = other.browser.get("/profile").await.csrf();
        let refused = other.browser.post_multipart("/settings/import", form_of(&token, b"PK".to_vec())).await;
        assert_eq!(refused.status, 404, "{role:?}");
    }

    let mut owner = app.with_owner(&tenant, "owner@helvetic.ch").await;
    let page = owner.browser.get("/settings/import").await;
    assert_eq!(page.status, 200);
    // Without the form's token nothing starts.
    assert_eq!(owner.browser.post_multipart("/settings/import", form_of("wrong", b"PK".to_vec())).await.status, 403);
    let started = owner.browser.post_multipart("/settings/import", form_of(&page.csrf(), bytes.clone())).await;
    assert_eq!(started.status, 303, "{}", started.body);
    let job = started.location.clone().expect("the job's page");
    assert!(job.starts_with("/settings/import/"), "{job}");

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let done = loop {
        let page = owner.browser.get(&job).await;
        assert_eq!(page.status, 200);
        if page.body.contains("imported: 148 created") {
            break page;
        }
        assert!(page.headers.contains_key("refresh"), "the page reloads while the import runs: {}", page.body);
        assert!(std::time::Instant::now() < deadline, "the import ends: {}", page.body);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert!(!done.headers.contains_key("refresh"));
    assert!(done.body.contains("configurations.csv") && done.body.contains("archived"), "skipped rows listed");
    let report = owner.browser.get(&format!("{job}/report.json")).await;
    assert_eq!(report.status, 200);
    let json: Value = serde_json::from_slice(&report.bytes).expect("JSON");
    assert_eq!(json["counts"]["organizations"]["created"], 5);
    // The list shows it done; the data is there for everyone with access.
    assert!(owner.browser.get("/organizations").await.body.contains("Alpenblick Treuhand AG"));
    assert!(!app.dir().join("imports").read_dir().expect("imports folder").any(|e| e.is_ok()), "the upload is removed");
}
