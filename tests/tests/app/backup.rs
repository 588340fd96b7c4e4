//! `cairn backup` / `cairn restore`: a consistent snapshot of the SQLite
//! database while the server runs, put back elsewhere; PostgreSQL refused
//! with advice; damaged files refused without touching the database.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use cairn_store::audit::Actor;
use cairn_tenancy::{Locale, NewTenant, TenantSlug};
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
    // Writes go on while the backup runs; each is noted once acknowledged.
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let load = {
        let (app, master, acknowledged, stop) =
            (Arc::clone(&app.app), Arc::clone(&app.master_key), Arc::clone(&acknowledged), Arc::clone(&stop));
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let slug = format!("load-{n:05}.example");
                let new = NewTenant {
                    slug: TenantSlug::parse(&slug).expect("slug"),
                    name: format!("Load {n}"),
                    support_email: None,
                    support_phone: None,
                    locale: Locale::De,
                    time_zone: "Europe/Zurich".parse().expect("tz"),
                };
                app.directory().create(&master, new, Actor::System).await.expect("a write under load");
                acknowledged.lock().expect("lock").push(slug);
                n += 1;
            }
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let before_backup: Vec<String> = acknowledged.lock().expect("lock").clone();
    let out = app.cli(&["backup", path]).await.expect("backup while the server runs");
    assert!(out.contains("backup written"), "{out}");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    load.await.expect("load");
    let all_writes = acknowledged.lock().expect("lock").clone();
    assert!(before_backup.len() > 5 && all_writes.len() > before_backup.len(), "writes ran before, during and after");
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
    let tenants = tenants_in(&restored).await;
    assert!(tenants.contains(&"plusundplus.ch".to_owned()) && !tenants.contains(&"later.example".to_owned()));
    let loaded: Vec<String> = tenants.into_iter().filter(|slug| slug.starts_with("load-")).collect();
    assert!(
        before_backup.iter().all(|slug| loaded.contains(slug)),
        "every write acknowledged before the backup began is in it"
    );
    // A consistent snapshot: the writes it holds are exactly the first ones, no gaps.
    assert_eq!(loaded, all_writes[..loaded.len()], "a prefix of the writes, in order");
}
