//! Faults: PostgreSQL crashes and comes back under load. Requests during the
//! gap answer 503 at once (never hang, never 500), the pool recovers by
//! itself within seconds, and no acknowledged write is lost.
//!
//! The database server is one of the test's own (initdb in a temporary
//! folder, on a port of its own), so stopping it disturbs no other test.
//!
//! SQLite on a full disk (a small tmpfs of the test's own): writes answer
//! 503, reads go on, the file stays sound, and writes work again once there
//! is space.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use cairn_server::{Application, Settings};
use cairn_tests::{Backend, TestApp, backend_tests, free_port};

backend_tests!(postgresql_restarted_under_load, a_full_disk_stops_sqlite_writes_and_keeps_reads);

const OPERATOR_TOKEN: &str = "faults-test-operator-token-0123456789abcdef";

/// A PostgreSQL server of this test's own; stopped when dropped.
struct PrivateCluster {
    dir: tempfile::TempDir,
    port: u16,
    bin: PathBuf,
}

impl PrivateCluster {
    fn start() -> PrivateCluster {
        let versions = std::fs::read_dir("/usr/lib/postgresql").expect("PostgreSQL's server binaries are installed");
        let mut versions: Vec<PathBuf> = versions.filter_map(|v| v.ok().map(|v| v.path())).collect();
        versions.sort();
        let bin = versions.pop().expect("a PostgreSQL version").join("bin");
        let dir = tempfile::tempdir().expect("tempdir");
        let cluster = PrivateCluster { dir, port: free_port(), bin };
        if is_root() {
            // The server refuses to run as root: the folder goes to the postgres user.
            let status = Command::new("chown").arg("-R").arg("postgres:").arg(cluster.dir.path()).status();
            assert!(status.expect("chown").success());
        }
        let data = cluster.data();
        cluster.run("initdb", &["-D", data.to_str().expect("path"), "-A", "trust", "-U", "postgres", "--no-sync"]);
        cluster.ctl(&["start"]);
        cluster
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// One of PostgreSQL's programs, as the postgres user when this is root.
    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        let mut command = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        command.current_dir(self.dir.path());
        command
    }

    fn run(&self, program: &str, args: &[&str]) {
        let output = self.command(program).args(args).output().expect("PostgreSQL program runs");
        assert!(output.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    }

    fn ctl(&self, action: &[&str]) {
        let data = self.data();
        let log = self.dir.path().join("server.log");
        let options = format!("-p {} -k {} -c listen_addresses=127.0.0.1", self.port, self.dir.path().display());
        let mut args =
            vec!["-D", data.to_str().expect("path"), "-l", log.to_str().expect("path"), "-w", "-o", &options];
        args.extend_from_slice(action);
        self.run("pg_ctl", &args);
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let data = self.data();
        let _ =
            self.command("pg_ctl").args(["-D", data.to_str().unwrap_or_default(), "-m", "immediate", "stop"]).output();
    }
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// Starts a server with `toml`; returns its port, the switch that stops it and its task.
async fn serve(toml: &str) -> (u16, tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<std::io::Result<()>>) {
    let settings = Settings::from_toml(toml).expect("settings");
    let application = Application::build(&settings).await.expect("server starts");
    let port = application.port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(application.run_until(async {
        let _ = stopped.await;
    }));
    (port, stop, server)
}

/// One request's outcome: when it was sent, how long it took, its status (0: no answer).
type Outcome = (Instant, Duration, u16);

async fn postgresql_restarted_under_load(app: TestApp) {
    if app.backend == Backend::Sqlite {
        // The fault is a database server going away; SQLite has none.
        return;
    }
    let cluster = PrivateCluster::start();
    let dir = app.dir().join("faults");
    std::fs::create_dir_all(&dir).expect("dir");
    let toml = format!(
        "data_dir = \"{dir}\"\n[server]\nbind = \"127.0.0.1:0\"\n[database]\nurl = \"{url}\"\n\
         max_connections = 4\nacquire_timeout_secs = 2\n[security]\nargon2_memory_kib = 64\n\
         [tenancy]\ncache_ttl_secs = 0\n[log]\nfilter = \"error\"\n[operator]\ntoken = \"{OPERATOR_TOKEN}\"\n",
        dir = dir.display(),
        url = cluster.url(),
    );
    let (port, stop_server, server) = serve(&toml).await;
    let address = format!("http://127.0.0.1:{port}");
    let apex = format!("localhost:{port}");
    let client = reqwest::Client::builder().timeout(Duration::from_secs(15)).build().expect("client");
    let created = client
        .post(format!("{address}/operator/v1/tenants"))
        .header(reqwest::header::HOST, &apex)
        .bearer_auth(OPERATOR_TOKEN)
        .json(&serde_json::json!({"slug": "acme", "name": "Acme IT"}))
        .send()
        .await
        .expect("create");
    assert_eq!(created.status(), 201);

    // Writers create tenants (each acknowledged one is noted); readers load a page.
    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut tasks = Vec::new();
    for worker in 0..4 {
        let (client, address, apex, stop, acknowledged) =
            (client.clone(), address.clone(), apex.clone(), Arc::clone(&stop), Arc::clone(&acknowledged));
        tasks.push(tokio::spawn(async move {
            let mut outcomes: Vec<Outcome> = Vec::new();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let started = Instant::now();
                let (status, slug) = if worker % 2 == 0 {
                    let slug = format!("w{worker}-{n:05}.example");
                    n += 1;
                    let sent = client
                        .post(format!("{address}/operator/v1/tenants"))
                        .header(reqwest::header::HOST, &apex)
                        .bearer_auth(OPERATOR_TOKEN)
                        .json(&serde_json::json!({"slug": slug, "name": "Load"}))
                        .send()
                        .await;
                    (sent.map_or(0, |r| r.status().as_u16()), Some(slug))
                } else {
                    let sent = client
                        .get(format!("{address}/login"))
                        .header(reqwest::header::HOST, format!("acme.localhost:{port}"))
                        .send()
                        .await;
                    (sent.map_or(0, |r| r.status().as_u16()), None)
                };
                if let (201, Some(slug)) = (status, slug) {
                    acknowledged.lock().expect("lock").push(slug);
                }
                outcomes.push((started, started.elapsed(), status));
                if status != 200 && status != 201 {
                    // A client backs off a little on errors, as real ones do.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
            outcomes
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let down = Instant::now();
    cluster.ctl(&["-m", "immediate", "stop"]);
    tokio::time::sleep(Duration::from_secs(2)).await;
    cluster.ctl(&["start"]);
    let up = Instant::now();
    tokio::time::sleep(Duration::from_secs(5)).await;
    stop.store(true, Ordering::Relaxed);
    let mut outcomes: Vec<Outcome> = Vec::new();
    for task in tasks {
        outcomes.extend(task.await.expect("load task"));
    }

    let slowest = outcomes.iter().map(|(_, took, _)| *took).max().unwrap_or_default();
    assert!(slowest < Duration::from_secs(5), "a request waited {slowest:?}: requests must not hang");
    let unanswered = outcomes.iter().filter(|(_, _, status)| *status == 0).count();
    assert_eq!(unanswered, 0, "every request got an answer");
    let gap: Vec<u16> =
        outcomes.iter().filter(|(at, _, _)| *at > down && *at < up).map(|(_, _, status)| *status).collect();
    assert!(gap.iter().filter(|s| **s == 503).count() > 5, "the gap answered 503: {gap:?}");
    let wrong: Vec<&Outcome> = outcomes.iter().filter(|(_, _, s)| ![200, 201, 503].contains(s)).collect();
    assert!(wrong.is_empty(), "only 200/201 or 503, never 500: {wrong:?}");
    // Recovered by itself: everything sent from 3 s after the restart on succeeded.
    let late: Vec<&Outcome> = outcomes.iter().filter(|(at, _, _)| *at > up + Duration::from_secs(3)).collect();
    assert!(late.len() > 10 && late.iter().all(|(_, _, s)| *s == 200 || *s == 201), "recovered: {late:?}");

    // No acknowledged write was lost.
    let url = cairn_store::DatabaseUrl::parse(&cluster.url()).expect("url");
    let db = cairn_store::Database::connect(&url, &cairn_store::PoolOptions::default()).await.expect("db");
    let stored: Vec<String> = db
        .run(|c| {
            use cairn_store::schema::tenants::dsl as t;
            use diesel::prelude::*;
            t::tenants.select(t::slug).load::<String>(c).map_err(cairn_store::StoreError::from)
        })
        .await
        .expect("tenants");
    let acknowledged = acknowledged.lock().expect("lock").clone();
    assert!(acknowledged.len() > 20, "writes were acknowledged before and after: {}", acknowledged.len());
    let lost: Vec<&String> = acknowledged.iter().filter(|slug| !stored.contains(slug)).collect();
    assert!(lost.is_empty(), "acknowledged writes lost: {lost:?}");
    let _ = stop_server.send(());
    let _ = server.await;
    drop(cluster);
}

/// A small tmpfs of the test's own; unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(megabytes: u32) -> SmallDisk {
        let dir = tempfile::tempdir().expect("tempdir");
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("mount runs");
        assert!(status.success(), "mounting a tmpfs needs root (CI runs as root)");
        SmallDisk { dir }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.dir.path()).status();
    }
}

async fn a_full_disk_stops_sqlite_writes_and_keeps_reads(app: TestApp) {
    if app.backend == Backend::Postgres {
        // A full disk under PostgreSQL is the database server's own fault handling.
        return;
    }
    if !is_root() && std::env::var("CI").is_err() {
        eprintln!("skipped: mounting a small disk needs root");
        return;
    }
    let disk = SmallDisk::mount(8);
    let dir = disk.dir.path();
    let toml = format!(
        "data_dir = \"{dir}\"\n[server]\nbind = \"127.0.0.1:0\"\n[database]\nurl = \"sqlite://{dir}/cairn.db\"\n\
         [security]\nargon2_memory_kib = 64\n[tenancy]\ncache_ttl_secs = 0\n[log]\nfilter = \"off\"\n\
         [operator]\ntoken = \"{OPERATOR_TOKEN}\"\n",
        dir = dir.display(),
    );
    let (port, stop_server, server) = serve(&toml).await;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(15)).build().expect("client");
    let create = |slug: String| {
        let client = client.clone();
        async move {
            let response = client
                .post(format!("http://127.0.0.1:{port}/operator/v1/tenants"))
                .header(reqwest::header::HOST, format!("localhost:{port}"))
                .bearer_auth(OPERATOR_TOKEN)
                .json(&serde_json::json!({"slug": slug, "name": "Disk IT"}))
                .send()
                .await
                .expect("an answer");
            (response.status().as_u16(), response.text().await.unwrap_or_default())
        }
    };
    let read = || async {
        let response = client
            .get(format!("http://127.0.0.1:{port}/login"))
            .header(reqwest::header::HOST, format!("acme.localhost:{port}"))
            .send()
            .await
            .expect("an answer");
        response.status().as_u16()
    };
    assert_eq!(create("acme".into()).await.0, 201);

    // Fill the disk to the last byte.
    let filler = dir.join("filler");
    {
        use std::io::Write;
        let mut file = std::fs::File::create(&filler).expect("filler");
        let chunk = vec![0u8; 64 * 1024];
        while file.write_all(&chunk).is_ok() {}
        while file.write_all(&chunk[..512]).is_ok() {}
        let _ = file.flush();
    }
    let mut refused = None;
    for n in 0..200 {
        let (status, body) = create(format!("full-{n}.example")).await;
        if status != 201 {
            refused = Some((status, body));
            break;
        }
    }
    let (status, body) = refused.expect("a write failed on the full disk");
    assert_eq!(status, 503, "a clear, retryable answer: {body}");
    assert!(body.contains("unavailable"), "{body}");
    for _ in 0..5 {
        assert_eq!(read().await, 200, "reads go on while the disk is full");
    }

    // Space again: writes work, and the database is sound.
    std::fs::remove_file(&filler).expect("free the disk");
    assert_eq!(create("after.example".into()).await.0, 201, "writes work again");
    let url = cairn_store::DatabaseUrl::parse(&format!("sqlite://{}/cairn.db", dir.display())).expect("url");
    let db = cairn_store::Database::connect(&url, &cairn_store::PoolOptions::default()).await.expect("db");
    #[derive(diesel::QueryableByName)]
    struct Check {
        #[diesel(sql_type = diesel::sql_types::Text)]
        integrity_check: String,
    }
    let check = db
        .run(|c| {
            use diesel::RunQueryDsl;
            diesel::sql_query("PRAGMA integrity_check").get_result::<Check>(c).map_err(cairn_store::StoreError::from)
        })
        .await
        .expect("integrity check");
    assert_eq!(check.integrity_check, "ok");
    let _ = stop_server.send(());
    let _ = server.await;
}
