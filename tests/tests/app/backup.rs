//! `cairn backup` / `cairn restore`: a consistent snapshot of the SQLite
//! database while the server runs, put back elsewhere; PostgreSQL refused
//! with advice; damaged files refused without touching the database.

use cairn_tests::{Backend, TestApp, backend_tests};
use clap::Parser;

backend_tests!(a_backup_taken_while_serving_restores_into_another_database);

async fn run(args: &[&str]) -> anyhow::Result<String> {
    let mut argv = vec!["cairn"];
    argv.extend_from_slice(args);
    let cli = cairn_server::cli::Cli::try_parse_from(&argv)?;
    let mut out = Vec::new();
    cairn_server::cli::run(cli, &mut out).await?;
    Ok(String::from_utf8(out)?)
}

async fn tenants_in(path: &std::path::Path) -> Vec<String> {
    let url = cairn_store::DatabaseUrl::Sqlite(path.to_owned());
    let db = cairn_store::Database::connect(&url, &cairn_store::PoolOptions::default()).await.expect("open");
    db.run(|c| {
        use cairn_store::schema::tenants::dsl as t;
        use diesel::prelude::*;
        t::tenants.select(t::slug).order(t::slug).load::<String>(c).map_err(cairn_store::StoreError::from)
    })
    .await
    .expect("tenants")
}

async fn a_backup_taken_while_serving_restores_into_another_database(app: TestApp) {
    let snapshot = app.dir().join("snapshot.db");
    let path = snapshot.to_str().expect("path");
    if app.backend == Backend::Postgres {
        let refused = app.cli(&["backup", path]).await.expect_err("PostgreSQL has its own tools");
        assert!(format!("{refused:#}").contains("pg_dump"), "{refused:#}");
        return;
    }
    app.app.seed_demo("plusundplus.ch").await.expect("seed").expect("demo");
    let out = app.cli(&["backup", path]).await.expect("backup while the server runs");
    assert!(out.contains("backup written"), "{out}");
    assert!(app.cli(&["backup", path]).await.is_err(), "an existing file is never overwritten");
    app.with_tenant("later.example").await;

    // Another machine: the same settings, another database file.
    let base = app.dir().join("restore-base.toml");
    std::fs::write(&base, app.settings_toml()).expect("config");
    let restored = app.dir().join("restored").join("cairn.db");
    let extra = app.dir().join("restore-extra.toml");
    std::fs::write(&extra, format!("[database]\nurl = \"sqlite://{}\"\n", restored.display())).expect("config");
    let config = ["--config", base.to_str().expect("path"), "--config", extra.to_str().expect("path")];

    let garbage = app.dir().join("garbage.db");
    std::fs::write(&garbage, b"not a database at all").expect("file");
    let refused = run(&[&config[..], &["restore", garbage.to_str().expect("path")]].concat()).await;
    assert!(refused.is_err(), "a damaged file is refused");
    assert!(!restored.exists(), "and nothing is written");

    let out = run(&[&config[..], &["restore", path]].concat()).await.expect("restore");
    assert!(out.contains("restored"), "{out}");
    assert_eq!(tenants_in(&restored).await, ["plusundplus.ch"], "the snapshot, not what came after it");
}
