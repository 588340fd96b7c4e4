//! The black-box test harness.
//!
//! [`TestApp::spawn`] starts the real server on port 0 with a fresh database:
//! a new SQLite file, or a new PostgreSQL database on the server named by
//! `CAIRN_TEST_DATABASE_URL` (dropped afterwards). Tests talk to it over HTTP
//! with any Host header, as browsers on `*.localhost` would.
//!
//! [`backend_tests!`] runs each test on both backends. Without
//! `CAIRN_TEST_DATABASE_URL` the PostgreSQL runs are skipped with a note,
//! except under `CI=true`, where they fail: CI must test both.

use std::sync::Arc;

use cairn_app::App;
use cairn_server::{Application, Settings};
use cairn_store::audit::Actor;
use cairn_tenancy::{Locale, NewTenant, Tenant, TenantSlug};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub use cairn_store::scratch::PG_ENV;
use cairn_store::scratch::{ScratchDatabase, TestBackend};

mod browser;
mod people;
mod s3;
mod smtp;
mod webdriver;
pub use browser::{Browser, Page, field_value};
pub use people::{PersonBuilder, TEST_PASSWORD, TestUser};
pub use s3::S3Server;
pub use smtp::{ReceivedMail, SmtpServer, free_port};
pub use webdriver::{Chrome, browser_available};

/// Which database a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// A fresh SQLite file.
    Sqlite,
    /// A fresh PostgreSQL database.
    Postgres,
}

/// Runs each named `async fn(TestApp)` on SQLite and on PostgreSQL, as
/// `<name>::sqlite` and `<name>::postgres`.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let app = $crate::TestApp::spawn($crate::Backend::Sqlite).await.expect("SQLite is always available");
                    super::$name(app).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    match $crate::TestApp::spawn($crate::Backend::Postgres).await {
                        Some(app) => super::$name(app).await,
                        None => eprintln!("skipped: {} is not set", $crate::PG_ENV),
                    }
                }
            }
        )*
    };
}

/// Settings that send mail to an SMTP server on `port` and retry quickly.
pub fn smtp_toml(port: u16, max_attempts: u32) -> String {
    format!(
        "[mail]\ntransport = \"smtp\"\nfrom = \"cairn@localhost\"\n\
         [mail.smtp]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\ntimeout_secs = 5\n\
         [mail.outbox]\nmax_attempts = {max_attempts}\nretry_base_secs = 1\nretry_max_secs = 1\npoll_interval_ms = 100\nlease_secs = 30\n"
    )
}

/// A running server with its own database.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// The bound port.
    pub port: u16,
    /// The server's application: arrange data through its use cases.
    pub app: Arc<App>,
    /// A pool of its own on the app's database, for checks beneath the use
    /// cases (rows, audit events, triggers), as another node would have.
    pub db: cairn_store::Database,
    /// The app's master key (from its key file), for checks of sealed data.
    pub master_key: Arc<cairn_vault::MasterKey>,
    /// Which backend this app runs on.
    pub backend: Backend,
    /// The URL of this app's database.
    pub database_url: String,
    /// The TOML the app was started with beyond the test defaults.
    pub extra_toml: String,
    client: reqwest::Client,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    // Dropped last: the server must be gone before its database is.
    scratch: ScratchDatabase,
}

impl TestApp {
    /// Starts a server on `backend`; `None` for PostgreSQL when no server is
    /// configured outside CI.
    pub async fn spawn(backend: Backend) -> Option<Self> {
        Self::spawn_with(backend, "").await
    }

    /// Like [`TestApp::spawn`], with extra TOML settings layered on top.
    pub async fn spawn_with(backend: Backend, extra_toml: &str) -> Option<Self> {
        let scratch = ScratchDatabase::create(match backend {
            Backend::Sqlite => TestBackend::Sqlite,
            Backend::Postgres => TestBackend::Postgres,
        })?;
        let (dir, database_url) = (scratch.dir(), scratch.url().to_owned());
        let migrate_url = scratch.migrate_url().map(|url| format!("migrate_url = \"{url}\"\n")).unwrap_or_default();
        // The key lives in the data folder, where CLI commands run beside the server find it too.
        let master_key = cairn_vault::MasterKey::generate();
        master_key.write_new_file(&dir.join("master.key")).expect("master key file");
        let toml = format!(
            r#"
data_dir = "{data_dir}"
[server]
bind = "127.0.0.1:0"
[database]
url = "{database_url}"
{migrate_url}max_connections = 4
[security]
argon2_memory_kib = 64
[tenancy]
cache_ttl_secs = 0
[log]
filter = "warn"
[mail.file]
dir = "{mail_dir}"
"#,
            mail_dir = dir.join("mail").display(),
            data_dir = dir.display(),
        );
        let settings = Settings::from_toml_layers(&[&toml, extra_toml]).expect("test settings are valid");
        let application = Application::build(&settings).await.expect("server starts");
        // The tests' own pool looks into the database past row-level security.
        let url = cairn_store::DatabaseUrl::parse(&scratch.admin_url()).expect("url");
        let db = cairn_store::Database::connect(
            &url,
            &cairn_store::PoolOptions { max_connections: 2, ..Default::default() },
        )
        .await
        .expect("test pool");
        let port = application.port();
        let app = application.app();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(application.run_until(async {
            let _ = rx.await;
        }));
        let client =
            reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http client");
        Some(TestApp {
            address: format!("http://127.0.0.1:{port}"),
            port,
            app,
            db,
            master_key: Arc::new(master_key),
            backend,
            database_url,
            extra_toml: extra_toml.to_owned(),
            client,
            shutdown: Some(tx),
            server: Some(server),
            scratch,
        })
    }

    /// The test's own folder (data_dir).
    pub fn dir(&self) -> &std::path::Path {
        self.scratch.dir()
    }

    /// Settings pointing at this app's database, for running CLI commands beside it.
    /// The server's public address is repeated, so the CLI's links match the server's.
    pub fn settings_toml(&self) -> String {
        let port = self.app.public().port.map(|p| format!("public_port = {p}\n")).unwrap_or_default();
        format!(
            "data_dir = \"{}\"\n[server]\npublic_scheme = \"{}\"\n{port}[database]\nurl = \"{}\"\n{}[log]\nfilter = \"warn\"\n[mail.file]\ndir = \"{}\"\n",
            self.scratch.dir().display(),
            self.app.public().scheme,
            self.database_url,
            self.scratch.migrate_url().map(|url| format!("migrate_url = \"{url}\"\n")).unwrap_or_default(),
            self.scratch.dir().join("mail").display(),
        )
    }

    /// A second database pool on this app's database, as another node would have.
    pub async fn another_node_db(&self) -> cairn_store::Database {
        let url = cairn_store::DatabaseUrl::parse(&self.database_url).expect("url");
        cairn_store::Database::connect(&url, &cairn_store::PoolOptions::default()).await.expect("second pool")
    }

    /// Creates a tenant with realistic contact details; returns it.
    pub async fn with_tenant(&self, slug: &str) -> Tenant {
        self.app
            .directory()
            .create(
                &self.master_key,
                NewTenant {
                    slug: TenantSlug::parse(slug).expect("valid slug"),
                    name: format!("{slug} IT"),
                    support_email: Some(format!("team@{slug}")),
                    support_phone: Some("031 511 22 33".into()),
                    locale: Locale::De,
                    time_zone: "Europe/Zurich".parse().expect("tz"),
                },
                Actor::System,
            )
            .await
            .expect("tenant created")
    }

    /// A browser on a tenant's host.
    pub fn browser(&self, slug: &str) -> Browser {
        Browser::new(&self.address, &self.tenant_host(slug))
    }

    /// A browser on the apex.
    pub fn apex_browser(&self) -> Browser {
        Browser::new(&self.address, &self.apex_host())
    }

    /// `<slug>.localhost:<port>`, the Host of a tenant.
    pub fn tenant_host(&self, slug: &str) -> String {
        format!("{slug}.localhost:{}", self.port)
    }

    /// `localhost:<port>`, the Host of the apex.
    pub fn apex_host(&self) -> String {
        format!("localhost:{}", self.port)
    }

    /// A GET request to `path` with the given Host header.
    pub fn get(&self, host: &str, path: &str) -> reqwest::RequestBuilder {
        self.client.get(format!("{}{path}", self.address)).header(reqwest::header::HOST, host)
    }

    /// A POST request to `path` with the given Host header.
    pub fn post(&self, host: &str, path: &str) -> reqwest::RequestBuilder {
        self.client.post(format!("{}{path}", self.address)).header(reqwest::header::HOST, host)
    }

    /// Sends raw bytes as a request and returns the response's status code;
    /// for requests no well-behaved client would send.
    pub async fn raw_status(&self, request: &[u8]) -> u16 {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.expect("connect");
        stream.write_all(request).await.expect("write");
        let mut response = Vec::new();
        let mut buf = [0u8; 4096];
        // The status line is all we need; read until it is complete.
        while !response.windows(2).any(|w| w == b"\r\n") {
            let n = stream.read(&mut buf).await.expect("read");
            if n == 0 {
                break;
            }
            response.extend_from_slice(&buf[..n]);
        }
        let line = String::from_utf8_lossy(&response);
        line.split_whitespace().nth(1).and_then(|code| code.parse().ok()).unwrap_or(0)
    }

    /// Runs a `cairn` CLI command against this app's database; returns what it printed.
    pub async fn cli(&self, args: &[&str]) -> anyhow::Result<String> {
        let config = self.scratch.dir().join("cli.toml");
        std::fs::write(&config, self.settings_toml())?;
        let extra = self.scratch.dir().join("cli-extra.toml");
        std::fs::write(&extra, &self.extra_toml)?;
        let mut argv = vec![
            "cairn",
            "--config",
            config.to_str().unwrap_or_default(),
            "--config",
            extra.to_str().unwrap_or_default(),
        ];
        argv.extend_from_slice(args);
        let cli = <cairn_server::cli::Cli as clap::Parser>::try_parse_from(&argv)?;
        let mut out = Vec::new();
        cairn_server::cli::run(cli, &mut out).await?;
        Ok(String::from_utf8(out)?)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        // The server stops on the signal; the test's runtime ends the rest.
        drop(self.server.take());
    }
}
