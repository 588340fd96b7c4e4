//! Building and running the server.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use cairn_app::{App, AppConfig};
use cairn_auth::password::Passwords;
use cairn_auth::sessions::Timeouts;
use cairn_mail::{MailTransport, OutboxWorker};
use cairn_store::{Database, PoolOptions};
use cairn_tenancy::{PublicUrls, TenantDirectory};
use cairn_vault::{KeyFileOrigin, MasterKey};
use poem::Server;
use poem::listener::{Acceptor, Listener, TcpListener};

use crate::Settings;

/// Opens the database (applying migrations) and loads the master key:
/// everything the server and the CLI share.
pub async fn open(settings: &Settings) -> anyhow::Result<(Database, Arc<MasterKey>)> {
    let db = connect(settings).await?;
    let applied = migrate(settings, &db).await?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "database migrated");
    }
    if db.bypasses_row_security().await? {
        tracing::warn!(
            "database.url connects as a PostgreSQL superuser or BYPASSRLS role: row-level security does not \
             apply; connect as a role of its own and set database.migrate_url (see the README)"
        );
    }
    let master_key = load_master_key(settings)?;
    Ok((db, Arc::new(master_key)))
}

/// Applies pending migrations, as the owner role of `database.migrate_url` when set.
pub async fn migrate(settings: &Settings, db: &Database) -> anyhow::Result<Vec<String>> {
    db.migrate_as(settings.migrate_url().as_ref()).await.context("applying migrations")
}

/// Opens the pool; a wrong URL or unreachable server fails here with its own message.
pub async fn connect(settings: &Settings) -> anyhow::Result<Database> {
    let url = settings.database_url();
    let options = PoolOptions {
        max_connections: settings.database.max_connections,
        acquire_timeout: Duration::from_secs(settings.database.acquire_timeout_secs),
    };
    if url.backend() == cairn_store::Backend::Sqlite {
        let untuned = cairn_store::sqlite_untuned().unwrap_or_default();
        if !untuned.is_empty() {
            tracing::warn!(
                missing = ?untuned,
                "this build's SQLite is slower than it should be; build inside the repository, \
                 whose .cargo/config.toml sets LIBSQLITE3_FLAGS"
            );
        }
    }
    Database::connect(&url, &options).await.with_context(|| format!("opening {url:?}"))
}

/// The configured master key, or the key file (created on first start).
pub fn load_master_key(settings: &Settings) -> anyhow::Result<MasterKey> {
    if let Some(inline) = &settings.security.master_key {
        return Ok(MasterKey::from_base64(inline)?);
    }
    let path = settings.master_key_file();
    let (key, origin) = MasterKey::load_or_create(&path)?;
    if origin == KeyFileOrigin::Created {
        tracing::warn!(
            path = %path.display(),
            "GENERATED A NEW MASTER KEY. Every stored secret depends on it: back this file up, \
             keep it out of the database backups, and set security.master_key_file in production."
        );
    }
    Ok(key)
}

/// The application for `db` and `master_key`: what the server and the CLI
/// call use cases on. `mail_waker` wakes a mail worker after commits that
/// queued mail (the CLI has none; a running server's worker polls).
pub fn application_state(
    settings: &Settings,
    db: Database,
    master_key: Arc<MasterKey>,
    directory: TenantDirectory,
    public: PublicUrls,
    mail_waker: Arc<tokio::sync::Notify>,
) -> anyhow::Result<Arc<App>> {
    let security = &settings.security;
    let files = cairn_files::FileStore::open(&settings.storage()).context("opening the file storage")?;
    Ok(Arc::new(App::new(AppConfig {
        db,
        master_key,
        directory,
        public,
        passwords: Passwords::new(security.argon2_memory_kib)?,
        timeouts: Timeouts {
            idle: Duration::from_secs(security.session_idle_minutes * 60),
            absolute: Duration::from_secs(security.session_absolute_hours * 3600),
        },
        invitation_ttl: settings.invitation_ttl(),
        reset_ttl: Duration::from_secs(security.password_reset_ttl_minutes * 60),
        mail_waker,
        files,
        max_attachment_bytes: settings.attachments.max_bytes,
        import_dir: settings.data_dir.join("imports"),
        max_import_bytes: settings.import.max_bytes,
        onboarding: cairn_app::Onboarding {
            mode: settings.signup.mode,
            reserved: settings.signup.reserved.iter().map(|r| r.to_ascii_lowercase()).collect(),
            link_ttl: Duration::from_secs(settings.signup.link_ttl_hours * 3600),
            dns_server: settings.domains.dns_server,
        },
    })))
}

/// The application for a command-line run: no listener, no mail worker,
/// tenant changes read fresh.
pub async fn cli_state(settings: &Settings) -> anyhow::Result<Arc<App>> {
    let (db, master_key) = open(settings).await?;
    let directory = TenantDirectory::new(db.clone(), Duration::ZERO);
    application_state(settings, db, master_key, directory, settings.public_urls(), Arc::default())
}

/// A server bound to its port, ready to run, with its mail worker.
pub struct Application {
    acceptor: poem::listener::TcpAcceptor,
    port: u16,
    app: Arc<App>,
    trust_forwarded_for: bool,
    api_limit: cairn_app::RateLimit,
    operator_token: Option<secrecy::SecretString>,
    grace: Duration,
    mail_worker: OutboxWorker,
    digest: Option<cairn_app::DigestSchedule>,
    metrics: Option<std::net::SocketAddr>,
}

impl Application {
    /// Opens the database, migrates, loads keys and binds the listener.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let (db, master_key) = open(settings).await?;
        let directory = TenantDirectory::new(db.clone(), Duration::from_secs(settings.tenancy.cache_ttl_secs));
        let transport = MailTransport::from_settings(&settings.mail)?;
        let mail_worker = OutboxWorker::new(db.clone(), transport, &settings.mail)?;
        let acceptor = TcpListener::bind(settings.server.bind)
            .into_acceptor()
            .await
            .with_context(|| format!("binding {}", settings.server.bind))?;
        let port = acceptor
            .local_addr()
            .first()
            .and_then(|addr| addr.as_socket_addr().map(|a| a.port()))
            .context("the listener has no TCP address")?;
        let mut public = settings.public_urls();
        if public.port == Some(0) {
            // Bound to "any free port": links must name the port actually bound.
            public.port = Some(port);
        }
        let app = application_state(settings, db, master_key, directory, public, mail_worker.waker())?;
        Ok(Self {
            acceptor,
            port,
            app,
            trust_forwarded_for: settings.server.trust_forwarded_for,
            api_limit: cairn_app::RateLimit {
                requests: settings.api.rate_limit,
                window_secs: settings.api.rate_window_secs,
            },
            operator_token: settings.operator.token.clone(),
            grace: Duration::from_secs(settings.server.shutdown_grace_secs),
            mail_worker,
            digest: settings.expirations.digest.then(|| digest_schedule(settings)),
            metrics: settings.metrics.bind,
        })
    }

    /// The port actually bound (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared state, for tools and tests that act beside the server.
    pub fn app(&self) -> Arc<App> {
        Arc::clone(&self.app)
    }

    /// Serves (and sends mail) until `shutdown` completes, then lets
    /// in-flight requests finish and stops the mail worker between mails.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send) -> std::io::Result<()> {
        tracing::info!(port = self.port, base_domain = %self.app.public().base_domain, "listening");
        let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
        let mut digest_stop = stop_rx.clone();
        let worker = tokio::spawn(self.mail_worker.run(async move {
            let _ = stop_rx.changed().await;
        }));
        let digests = self.digest.map(|schedule| {
            let app = Arc::clone(&self.app);
            tokio::spawn(async move {
                // Each node looks hourly; the database lets one of them send each tenant's digest.
                let mut tick = tokio::time::interval(DIGEST_CHECK);
                loop {
                    tokio::select! {
                        _ = tick.tick() => {
                            if let Err(error) = app.queue_expiration_digests(schedule).await {
                                tracing::warn!(%error, "expiration digests could not be queued");
                            }
                        }
                        _ = digest_stop.changed() => break,
                    }
                }
            })
        });
        // Sign-ups whose link expired unused give their subdomain back.
        let mut sweep_stop = stop_tx.subscribe();
        let sweeper = {
            let app = Arc::clone(&self.app);
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(SIGNUP_SWEEP);
                loop {
                    tokio::select! {
                        _ = tick.tick() => {
                            if let Err(error) = app.sweep_signups().await {
                                tracing::warn!(%error, "expired sign-ups could not be deleted");
                            }
                        }
                        _ = sweep_stop.changed() => break,
                    }
                }
            })
        };
        // Tenant changes made on other nodes reach this one's cache within a second.
        let follow_stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let follower = self.app.directory().follow_changes(Arc::clone(&follow_stop));
        let metrics = match self.metrics {
            Some(bind) => {
                let mut stop = stop_tx.subscribe();
                let shutdown = async move {
                    let _ = stop.changed().await;
                };
                match crate::metrics::serve(bind, Arc::clone(&self.app), shutdown).await {
                    Ok(task) => Some(task),
                    Err(error) => return Err(std::io::Error::other(format!("{error:#}"))),
                }
            }
            None => None,
        };
        let endpoint = poem::EndpointExt::boxed(poem::EndpointExt::map_to_response(cairn_web::endpoint(
            self.app,
            self.trust_forwarded_for,
            poem::EndpointExt::boxed(poem::EndpointExt::map_to_response(cairn_api::tenant_api(self.api_limit))),
            self.operator_token.map(|token| {
                poem::EndpointExt::boxed(poem::EndpointExt::map_to_response(cairn_api::operator_api(token)))
            }),
        )));
        // Requests are counted only when metrics are on: otherwise nothing on the hot path.
        let endpoint =
            if metrics.is_some() { poem::EndpointExt::boxed(crate::metrics::track(endpoint)) } else { endpoint };
        let served = Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(endpoint, shutdown, Some(self.grace))
            .await;
        let _ = stop_tx.send(true);
        follow_stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let _ = worker.await;
        let _ = sweeper.await;
        if let Some(follower) = follower {
            let _ = follower.await;
        }
        if let Some(metrics) = metrics {
            let _ = metrics.await;
        }
        if let Some(digests) = digests {
            let _ = digests.await;
        }
        served
    }

    /// Serves until SIGTERM or Ctrl-C.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }
}

/// How often a node looks for tenants whose expiration digest is due.
const DIGEST_CHECK: Duration = Duration::from_secs(3600);
/// How often expired sign-ups are looked for.
const SIGNUP_SWEEP: Duration = Duration::from_secs(3600);

/// The expiration digest's schedule from the settings.
pub fn digest_schedule(settings: &Settings) -> cairn_app::DigestSchedule {
    cairn_app::DigestSchedule {
        interval_days: i64::from(settings.expirations.digest_interval_days),
        within_days: i64::from(settings.expirations.digest_within_days),
    }
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}
