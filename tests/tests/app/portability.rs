//! `cairn tenant export` and `cairn tenant import`: a tenant leaves one
//! installation and arrives whole on another of the other backend (SQLite to
//! PostgreSQL and back) with the same rows, the same secrets in clear, its
//! attachments, working API keys and a mail for each person to set a
//! password; a wrong passphrase or a taken slug changes nothing.

use std::path::{Path, PathBuf};

use cairn_store::StoreError;
use cairn_store::portable::{
    ApiKeyRow, AssetTypeRow, AttachmentRow, AuditRow, DocumentRow, ExpirationRow, ExternalIdRow, GrantRow,
    OrganizationRow, Portable, RecordRow, RelationRow, RevisionRow, UserRow,
};
use cairn_tests::{Backend, TestApp, backend_tests};

backend_tests!(a_tenant_moves_to_the_other_backend_whole);

const PASSPHRASE: &str = "Gletscher-Murmeltier-Kompass-7";

/// Runs the `cairn` binary with `app`'s settings and the archive passphrase.
fn cairn(app: &TestApp, passphrase: &str, args: &[&str]) -> (bool, String) {
    let config = app.dir().join("portability.toml");
    std::fs::write(&config, app.settings_toml()).expect("config");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cairn-cli"))
        .arg("--config")
        .arg(&config)
        .args(args)
        .env("CAIRN_EXPORT_PASSPHRASE", passphrase)
        .output()
        .expect("cairn runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

/// Times to the microsecond: what PostgreSQL's TIMESTAMP keeps of SQLite's nanoseconds.
fn microseconds(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(text)
            if text.len() > 26 && text.as_bytes().get(10) == Some(&b'T') && text.as_bytes().get(19) == Some(&b'.') =>
        {
            Value::String(text[..26].to_owned())
        }
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, microseconds(v))).collect()),
        Value::Array(items) => Value::Array(items.into_iter().map(microseconds).collect()),
        other => other,
    }
}

/// Every row of `T` of the tenant `slug`, as JSON (without the tenant's id).
async fn rows<T: Portable + Clone>(app: &TestApp, slug: &str) -> Vec<serde_json::Value> {
    let tenant = app.app.directory().by_slug(&cairn_tenancy::TenantSlug::parse(slug).expect("slug")).await;
    let id = tenant.expect("tenant").id;
    let rows = app.db.run(move |c| T::load(c, &id).map_err(StoreError::from)).await.expect("rows");
    // Sorted as text: the backends' collations may order keys differently.
    let mut rows: Vec<serde_json::Value> =
        rows.iter().map(|row| microseconds(serde_json::to_value(row).expect("json"))).collect();
    rows.sort_by_key(|row| row.to_string());
    rows
}

/// Each record's secrets in clear, by record id.
async fn secrets(app: &TestApp, slug: &str) -> Vec<(String, std::collections::BTreeMap<String, String>)> {
    let tenant = app.app.directory().by_slug(&cairn_tenancy::TenantSlug::parse(slug).expect("slug")).await;
    let (id, master) = (tenant.expect("tenant").id, app.master_key.clone());
    app.db
        .run(move |c| {
            let keyring = cairn_tenancy::keys::keyring(c, &master, &id).expect("keyring");
            let records = RecordRow::load(c, &id)?;
            Ok::<_, StoreError>(
                records
                    .iter()
                    .map(|r| {
                        let clear = cairn_assets::records::open_secrets(&keyring, &r.id, &r.secrets).expect("opens");
                        (r.id.clone(), clear)
                    })
                    .collect(),
            )
        })
        .await
        .map(|mut all: Vec<(String, std::collections::BTreeMap<String, String>)>| {
            all.sort();
            all
        })
        .expect("secrets")
}

async fn a_tenant_moves_to_the_other_backend_whole(source: TestApp) {
    let other = match source.backend {
        Backend::Sqlite => Backend::Postgres,
        Backend::Postgres => Backend::Sqlite,
    };
    let Some(target) = TestApp::spawn(other).await else {
        eprintln!("skipped: {} is not set", cairn_tests::PG_ENV);
        return;
    };
    // A realistic tenant: the IT Glue sample (asset types, relations,
    // documents with images, passwords with OTP secrets), an owner, an API key.
    let tenant = source.with_tenant("helvetic.ch").await;
    let export = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/itglue/sample-export.zip");
    let (ok, out) =
        cairn(&source, PASSPHRASE, &["import", "itglue", export.to_str().expect("path"), "--tenant", "helvetic.ch"]);
    assert!(ok, "{out}");
    let owner = source.with_owner(&tenant, "chefin@helvetic.ch").await;
    let mut logo = Vec::new();
    image::RgbaImage::from_pixel(300, 100, image::Rgba([200, 30, 30, 255]))
        .write_to(&mut std::io::Cursor::new(&mut logo), image::ImageFormat::Png)
        .expect("png");
    source.app.set_logo(&owner.caller, logo).await.expect("logo");
    let change = cairn_tenancy::TenantChange {
        privacy_notice: Some("# Datenschutz".into()),
        sender_name: Some("Helvetic Support".into()),
        ..Default::default()
    };
    source.app.update_workspace(&owner.caller, change).await.expect("settings");
    let (ok, out) = cairn(
        &source,
        PASSPHRASE,
        &["apikey", "create", "--tenant", "helvetic.ch", "--name", "PSA", "--role", "owner"],
    );
    assert!(ok, "{out}");
    let key = out.lines().rfind(|l| !l.trim().is_empty()).expect("the key").trim().to_owned();

    let archive: PathBuf = source.dir().join("helvetic.cairn");
    let (ok, out) =
        cairn(&source, "too short", &["tenant", "export", "helvetic.ch", "--out", archive.to_str().expect("path")]);
    assert!(!ok && out.contains("at least 12 characters"), "{out}");
    let (ok, out) =
        cairn(&source, PASSPHRASE, &["tenant", "export", "helvetic.ch", "--out", archive.to_str().expect("path")]);
    assert!(ok, "{out}");
    assert!(out.contains("records.jsonl: ") && out.contains("attachments/: "), "{out}");
    let bytes = std::fs::read(&archive).expect("archive");
    assert!(bytes.starts_with(b"age-encryption.org/v1"), "an age file");
    assert!(!String::from_utf8_lossy(&bytes).contains("helvetic"), "nothing readable without the passphrase");
    let (ok, out) =
        cairn(&source, PASSPHRASE, &["tenant", "export", "helvetic.ch", "--out", archive.to_str().expect("path")]);
    assert!(!ok && out.contains("exists already"), "an archive is never overwritten: {out}");

    // A wrong passphrase and a taken slug change nothing on the target.
    let copied = target.dir().join("helvetic.cairn");
    std::fs::copy(&archive, &copied).expect("copy");
    let copied = copied.to_str().expect("path");
    let (ok, out) = cairn(&target, "Gletscher-Murmeltier-Kompass-8", &["tenant", "import", copied]);
    assert!(!ok && out.contains("the passphrase does not open this archive"), "{out}");
    target.with_tenant("taken.ch").await;
    let (ok, out) = cairn(&target, PASSPHRASE, &["tenant", "import", copied, "--slug", "taken.ch"]);
    assert!(!ok && out.contains("taken"), "{out}");
    let slugs: Vec<String> = target.app.directory().list().await.expect("list").into_iter().map(|t| t.slug).collect();
    assert_eq!(slugs, ["taken.ch"], "nothing was created");

    let (ok, out) = cairn(&target, PASSPHRASE, &["tenant", "import", copied, "--slug", "helvetic.moved"]);
    assert!(ok, "{out}");
    assert!(out.contains("1 people were mailed a link to set a password"), "{out}");

    // The same rows, the same secrets in clear.
    macro_rules! same {
        ($row:ty) => {{
            let (before, after) =
                (rows::<$row>(&source, "helvetic.ch").await, rows::<$row>(&target, "helvetic.moved").await);
            assert_eq!(before, after, "{}", <$row>::FILE);
            before.len()
        }};
    }
    assert!(same!(OrganizationRow) > 0);
    assert!(same!(AssetTypeRow) > 0);
    assert!(same!(RelationRow) > 0);
    assert!(same!(DocumentRow) > 0);
    same!(RevisionRow);
    same!(ExpirationRow);
    assert!(same!(ExternalIdRow) > 0);
    same!(GrantRow);
    assert_eq!(same!(ApiKeyRow), 1);
    assert!(same!(UserRow) >= 2, "the owner and the key's user");
    let records = |rows: Vec<serde_json::Value>| -> Vec<serde_json::Value> {
        let mut rows = rows
            .into_iter()
            .map(|mut r| {
                r["secrets"] = serde_json::Value::Null;
                r
            })
            .collect::<Vec<_>>();
        // Sealed values differ between installations: order without them.
        rows.sort_by_key(|row| row.to_string());
        rows
    };
    let before = records(rows::<RecordRow>(&source, "helvetic.ch").await);
    assert!(!before.is_empty());
    assert_eq!(before, records(rows::<RecordRow>(&target, "helvetic.moved").await));
    let clear = secrets(&source, "helvetic.ch").await;
    assert!(clear.iter().filter(|(_, s)| !s.is_empty()).count() > 5, "passwords travelled");
    assert_eq!(clear, secrets(&target, "helvetic.moved").await, "secrets open alike under the new keys");

    // Attachments: the same descriptions and bytes, under the new tenant's keys.
    let (before, after) =
        (rows::<AttachmentRow>(&source, "helvetic.ch").await, rows::<AttachmentRow>(&target, "helvetic.moved").await);
    assert!(!before.is_empty() && before.len() == after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!((&b["id"], &b["sha256"], &b["file_name"]), (&a["id"], &a["sha256"], &a["file_name"]));
        let read = |app: &TestApp, row: &serde_json::Value| {
            std::fs::read(app.dir().join("files").join(row["object_key"].as_str().expect("key"))).expect("bytes")
        };
        assert_eq!(read(&source, b), read(&target, a));
    }
    // The workspace's own settings and logo came along.
    let moved = target
        .app
        .directory()
        .by_slug(&cairn_tenancy::TenantSlug::parse("helvetic.moved").expect("slug"))
        .await
        .expect("tenant");
    assert_eq!((moved.privacy_notice.as_str(), moved.sender_name.as_str()), ("# Datenschutz", "Helvetic Support"));
    let logo = target.app.logo(&std::sync::Arc::new(moved)).await.expect("logo");
    let logo = image::load_from_memory(&logo).expect("png");
    assert_eq!((logo.width(), logo.height()), (300, 100));

    // The audit log came along, and says what happened.
    let (before, after) =
        (rows::<AuditRow>(&source, "helvetic.ch").await, rows::<AuditRow>(&target, "helvetic.moved").await);
    let exported = before.iter().filter(|e| e["action"] != "tenant.exported").count();
    assert!(after.len() > exported && after.iter().any(|e| e["action"] == "tenant.imported"));

    // The API key works on the new installation; the owner is mailed a link.
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/organizations", target.address))
        .header(reqwest::header::HOST, target.tenant_host("helvetic.moved"))
        .bearer_auth(&key)
        .send()
        .await
        .expect("api");
    assert_eq!(response.status(), 200, "the API key moved with its tenant");
    let mailed = || {
        std::fs::read_dir(target.dir().join("mail")).is_ok_and(|mut dir| {
            dir.any(|e| {
                std::fs::read_to_string(e.expect("entry").path())
                    .is_ok_and(|m| m.contains("chefin@helvetic.ch") && m.contains("/password-reset/"))
            })
        })
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !mailed() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(mailed(), "the owner got a link to set a password on the new installation");
}
