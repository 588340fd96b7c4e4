//! The command line: `cairn serve | migrate | tenant … | master-key rotate`.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use cairn_app::{AppError, Caller, Invite, NewKey, OrganizationRef, Reason};
use cairn_auth::Role;
use cairn_store::audit::Actor;
use cairn_tenancy::{HostTarget, Locale, NewTenant, TenantSlug, TenantStatus};
use cairn_vault::MasterKey;
use clap::{Parser, Subcommand};

use crate::{Application, Settings, startup, telemetry};

/// Cairn: IT documentation for managed service providers.
#[derive(Debug, Parser)]
#[command(name = "cairn", version, about)]
pub struct Cli {
    /// A TOML file layered over the defaults; may be given more than once,
    /// later files win (environment variables win over all).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Vec<PathBuf>,
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Serve {
        /// On an empty database, create the demo tenant plusundplus.ch with
        /// three organizations and print invitation links to walk through.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage tenants (MSP workspaces).
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Manage the master key.
    #[command(subcommand, name = "master-key")]
    MasterKey(MasterKeyCommand),
    /// Outbound mail: test, status, retry.
    #[command(subcommand)]
    Mail(MailCommand),
    /// API keys for the REST API: create, list, revoke.
    #[command(subcommand, name = "apikey")]
    ApiKey(ApiKeyCommand),
    /// What expires: the weekly digest mail.
    #[command(subcommand)]
    Expirations(ExpirationsCommand),
    /// Write a consistent snapshot of the SQLite database to FILE, while the
    /// server runs (PostgreSQL: use pg_dump). Attachments in <data_dir>/files
    /// and the master key are backed up separately.
    Backup {
        /// Where to write the snapshot (must not exist).
        file: PathBuf,
    },
    /// Put a snapshot made by `cairn backup` in place of the SQLite database.
    /// Stop the server first.
    Restore {
        /// The snapshot.
        file: PathBuf,
    },
    /// Import another product's export into a tenant.
    #[command(subcommand)]
    Import(crate::import::ImportCommand),
    /// Fill an empty database with the benchmark's dataset (bench/run):
    /// tenants × organizations × password records, an owner and a customer
    /// per tenant signed in; writes the tenants, ids and session tokens to FILE.
    #[command(name = "bench-seed")]
    BenchSeed {
        /// Tenants.
        #[arg(long, default_value_t = 1)]
        tenants: usize,
        /// Organizations per tenant.
        #[arg(long, default_value_t = 5)]
        organizations: usize,
        /// Password records per organization.
        #[arg(long, default_value_t = 50)]
        records: usize,
        /// Where to write the dataset's description (JSON, mode 0600; it holds live sessions).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Ask the server on this machine whether it is ready (GET /readyz on
    /// server.bind); exits with status 0 when it is. For container health checks.
    Healthcheck,
    /// Invite someone to a tenant; prints the invitation link as the last line and queues the mail.
    Invite {
        /// The tenant's slug.
        #[arg(long)]
        tenant: String,
        /// The address to invite.
        #[arg(long)]
        email: String,
        /// owner, technician or customer.
        #[arg(long, default_value = "customer")]
        role: String,
        /// The organization (by name) the account may read.
        #[arg(long)]
        org: Option<String>,
    },
}

/// `cairn apikey …`
#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Make an API key; prints the key as the last line (shown once, stored hashed).
    Create {
        /// The tenant's slug.
        #[arg(long)]
        tenant: String,
        /// A name for the key, e.g. "PSA sync".
        #[arg(long)]
        name: String,
        /// owner, technician or customer: the rights the key acts with.
        #[arg(long, default_value = "technician")]
        role: String,
        /// For customer keys: an organization (by name) it may read; repeatable.
        #[arg(long)]
        org: Vec<String>,
        /// Days until the key stops working (default: until revoked).
        #[arg(long)]
        expires_days: Option<u32>,
    },
    /// List a tenant's keys (never the keys themselves).
    List {
        /// The tenant's slug.
        #[arg(long)]
        tenant: String,
    },
    /// Revoke a key: it stops working at once.
    Revoke {
        /// The tenant's slug.
        #[arg(long)]
        tenant: String,
        /// The key's id (from `cairn apikey list`).
        id: String,
    },
}

/// `cairn expirations …`
#[derive(Debug, Subcommand)]
pub enum ExpirationsCommand {
    /// Queue the expiration digest of every tenant whose last one is older
    /// than `expirations.digest_interval_days` (the server does this hourly).
    Digest {
        /// Queue it now even if one went out within the interval.
        #[arg(long)]
        force: bool,
    },
}

/// `cairn mail …`
#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Send a test mail in the tenant's name through the configured transport, now.
    Test {
        /// The tenant whose name and support address the mail carries.
        #[arg(long)]
        tenant: String,
        /// The recipient.
        #[arg(long)]
        to: String,
    },
    /// Show queued, sent and failed counts and the latest errors.
    Status,
    /// Queue every failed mail again.
    Retry,
}

/// `cairn tenant …`
#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant, reachable at <slug>.<base_domain>.
    Create {
        /// The subdomain, e.g. plusundplus.ch (dots allowed).
        slug: String,
        /// The MSP's display name.
        #[arg(long)]
        name: String,
        /// Support e-mail shown to customers.
        #[arg(long)]
        support_email: Option<String>,
        /// Support phone shown to customers.
        #[arg(long)]
        support_phone: Option<String>,
        /// Default language: de or en.
        #[arg(long, default_value = "en")]
        locale: String,
        /// Default time zone (IANA name, e.g. Europe/Zurich).
        #[arg(long, default_value = "UTC")]
        time_zone: String,
        /// Invite the tenant's first owner; the link is printed as the last line.
        #[arg(long)]
        owner_email: Option<String>,
    },
    /// List tenants.
    List,
    /// Suspend a tenant: its workspace answers 403 until resumed.
    Suspend {
        /// The tenant's slug.
        slug: String,
    },
    /// Resume a suspended tenant.
    Resume {
        /// The tenant's slug.
        slug: String,
    },
    /// Open a signed-up tenant that awaits approval (signup.mode = "approval");
    /// its owner is mailed the link to set up their account.
    Approve {
        /// The tenant's slug.
        slug: String,
    },
    /// Verify a custom domain an owner added on /settings: by its DNS TXT
    /// record, or on the operator's word with --skip-dns-check.
    VerifyDomain {
        /// The tenant's slug.
        slug: String,
        /// The domain, e.g. docs.plusundplus.ch.
        domain: String,
        /// Do not look up the TXT record (the operator vouches for the domain).
        #[arg(long)]
        skip_dns_check: bool,
    },
    /// Let a tenant answer at a custom domain too.
    AddDomain {
        /// The tenant's slug.
        slug: String,
        /// The domain, e.g. docs.plusundplus.ch.
        domain: String,
    },
    /// Write all of a tenant's data, secrets in clear, to an archive
    /// encrypted with the passphrase in CAIRN_EXPORT_PASSPHRASE.
    Export {
        /// The tenant's slug.
        slug: String,
        /// The archive to write (must not exist).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Restore an archive made by `cairn tenant export` as a new tenant
    /// (passphrase in CAIRN_EXPORT_PASSPHRASE); people get a mail to set a password.
    Import {
        /// The archive.
        file: PathBuf,
        /// The new tenant's slug (default: the exported tenant's).
        #[arg(long)]
        slug: Option<String>,
    },
}

/// Writes `bytes` to a new file only its owner may read.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    file.write_all(bytes)?;
    Ok(())
}

/// The passphrase of tenant archives, from the environment (never an argument:
/// those show in process lists and shell histories).
fn export_passphrase() -> anyhow::Result<age::secrecy::SecretString> {
    match std::env::var("CAIRN_EXPORT_PASSPHRASE") {
        Ok(passphrase) if !passphrase.is_empty() => Ok(passphrase.into()),
        _ => anyhow::bail!("set CAIRN_EXPORT_PASSPHRASE to the archive's passphrase"),
    }
}

/// `cairn master-key …`
#[derive(Debug, Subcommand)]
pub enum MasterKeyCommand {
    /// Re-wrap every tenant's data key with a new master key (secrets stay as they are).
    Rotate {
        /// The new key file: used if it exists, else created (mode 0600).
        #[arg(long, value_name = "FILE")]
        new_key_file: PathBuf,
    },
}

/// The `cairn` binary: parses the command line, runs it, prints an error
/// and fails when it fails.
pub async fn main() -> std::process::ExitCode {
    let cli = <Cli as Parser>::parse();
    match run(cli, &mut std::io::stdout()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Runs a command; what it prints for the user goes to `out`.
pub async fn run(cli: Cli, out: &mut (dyn Write + Send)) -> anyhow::Result<()> {
    let files: Vec<&std::path::Path> = cli.config.iter().map(PathBuf::as_path).collect();
    let settings = Settings::load(&files)?;
    telemetry::init(&settings.log);
    match cli.command.unwrap_or(Command::Serve { demo: false }) {
        Command::Serve { demo } => {
            let application = Application::build(&settings).await?;
            if demo {
                let app = application.app();
                let seeded = if app.directory().list().await?.is_empty() {
                    app.seed_demo("plusundplus.ch").await.map_err(|e| anyhow::anyhow!("seeding the demo: {e}"))?
                } else {
                    None
                };
                match seeded {
                    Some(seed) => {
                        writeln!(
                            out,
                            "Demo tenant {} ({}) created with three organizations.",
                            seed.tenant.slug, seed.tenant.name
                        )?;
                        writeln!(out, "Staff owner (owner@plusundplus.ch), open:\n  {}", seed.owner_link)?;
                        writeln!(
                            out,
                            "Customer of Muster AG (max.muster@muster-ag.ch), open:\n  {}",
                            seed.customer_link
                        )?;
                    }
                    None => writeln!(out, "--demo: the database is not empty; nothing was added.")?,
                }
            }
            writeln!(
                out,
                "Cairn listens on http://{} (tenants at {})",
                settings.server.bind,
                settings.public_urls().tenant("<slug>", "/")
            )?;
            application.run_until_stopped().await?;
        }
        Command::BenchSeed { tenants, organizations, records, out: file } => {
            let app = startup::cli_state(&settings).await?;
            let spec = cairn_app::SeedSpec { tenants, organizations, records };
            let seeded = app.seed_bench(spec).await.map_err(describe)?;
            let json = serde_json::to_vec_pretty(&serde_json::json!({ "tenants": seeded }))?;
            write_private(&file, &json)?;
            writeln!(
                out,
                "{tenants} tenant(s) with {organizations} organization(s) of {records} record(s) each; see {}",
                file.display()
            )?;
        }
        Command::Healthcheck => {
            let address = crate::healthcheck::local_address(settings.server.bind);
            tokio::task::spawn_blocking(move || crate::healthcheck::check(address)).await??;
            writeln!(out, "ready")?;
        }
        Command::Migrate => {
            let db = startup::connect(&settings).await?;
            let applied = startup::migrate(&settings, &db).await?;
            writeln!(out, "{} migration(s) applied", applied.len())?;
        }
        Command::Tenant(command) => {
            let app = startup::cli_state(&settings).await?;
            tenant_command(command, &app, &settings, out).await?;
        }
        Command::Mail(command) => {
            let app = startup::cli_state(&settings).await?;
            mail_command(command, &app, &settings, out).await?;
        }
        Command::Expirations(ExpirationsCommand::Digest { force }) => {
            let app = startup::cli_state(&settings).await?;
            let mut schedule = startup::digest_schedule(&settings);
            if force {
                schedule.interval_days = 0;
            }
            let queued = app.queue_expiration_digests(schedule).await?;
            writeln!(out, "{queued} digest mail(s) queued")?;
        }
        Command::Backup { file } => {
            let url = settings.database_url();
            let dest = file.clone();
            tokio::task::spawn_blocking(move || cairn_store::backup::snapshot(&url, &dest)).await??;
            writeln!(out, "backup written to {}", file.display())?;
        }
        Command::Restore { file } => {
            let url = settings.database_url();
            let source = file.clone();
            tokio::task::spawn_blocking(move || cairn_store::backup::restore(&url, &source)).await??;
            writeln!(out, "restored from {}; start the server again", file.display())?;
        }
        Command::Import(command) => {
            let app = startup::cli_state(&settings).await?;
            crate::import::run(command, &app, out).await?;
        }
        Command::ApiKey(command) => {
            let app = startup::cli_state(&settings).await?;
            apikey_command(command, &app, out).await?;
        }
        Command::Invite { tenant, email, role, org } => {
            let app = startup::cli_state(&settings).await?;
            let slug = TenantSlug::parse(&tenant).map_err(|e| anyhow::anyhow!("--tenant: {e}"))?;
            let tenant = Arc::new(app.directory().by_slug(&slug).await?);
            let role: Role = role.parse().map_err(|e| anyhow::anyhow!("--role: {e}"))?;
            let invite = Invite { email, role, organization: org.map(OrganizationRef::Name) };
            let (_, link) = app.invite(&Caller::operator(tenant, "cli"), invite).await.map_err(describe)?;
            writeln!(out, "Invitation queued; it works for {} days.", settings.security.invitation_ttl_days)?;
            writeln!(out, "{link}")?;
        }
        Command::MasterKey(MasterKeyCommand::Rotate { new_key_file }) => {
            let app = startup::cli_state(&settings).await?;
            let (new, _) = MasterKey::load_or_create(&new_key_file)?;
            let count = app.rotate_master_key(Arc::new(new)).await.map_err(|e| match e {
                AppError::Invalid { reason: Reason::Text(message), .. } => anyhow::anyhow!(message),
                other => anyhow::anyhow!(other).context("re-wrapping data keys (nothing was changed)"),
            })?;
            writeln!(
                out,
                "Re-wrapped {count} data key(s). Point security.master_key_file at {} and restart every node.",
                new_key_file.display()
            )?;
        }
    }
    Ok(())
}

/// The operator acting in the tenant named by `slug`.
async fn operator_in(app: &cairn_app::App, slug: &str) -> anyhow::Result<Caller> {
    let slug = TenantSlug::parse(slug).map_err(|e| anyhow::anyhow!("--tenant: {e}"))?;
    let tenant = Arc::new(app.directory().by_slug(&slug).await?);
    Ok(Caller::operator(tenant, "cli"))
}

async fn apikey_command(
    command: ApiKeyCommand,
    app: &cairn_app::App,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<()> {
    match command {
        ApiKeyCommand::Create { tenant, name, role, org, expires_days } => {
            let caller = operator_in(app, &tenant).await?;
            let role: Role = role.parse().map_err(|e| anyhow::anyhow!("--role: {e}"))?;
            let new = NewKey {
                name,
                role,
                organizations: org.into_iter().map(OrganizationRef::Name).collect(),
                expires_days,
            };
            let (key, secret) = app.create_api_key(&caller, new).await.map_err(describe)?;
            let expiry = key.expires_at.map(|at| format!("until {at} UTC")).unwrap_or_else(|| "until revoked".into());
            writeln!(out, "API key {} ({}, {}, {expiry}) created; it is shown once:", key.name, key.prefix, key.role)?;
            writeln!(out, "{secret}")?;
        }
        ApiKeyCommand::List { tenant } => {
            let caller = operator_in(app, &tenant).await?;
            writeln!(out, "{:<38} {:<12} {:<11} {:<8} NAME", "ID", "PREFIX", "ROLE", "STATE")?;
            let now = chrono_now();
            for key in app.api_keys(&caller).await.map_err(describe)? {
                let state = if key.is_live(now) {
                    "live"
                } else if key.revoked_at.is_some() {
                    "revoked"
                } else {
                    "expired"
                };
                writeln!(out, "{:<38} {:<12} {:<11} {:<8} {}", key.id, key.prefix, key.role, state, key.name)?;
            }
        }
        ApiKeyCommand::Revoke { tenant, id } => {
            let caller = operator_in(app, &tenant).await?;
            app.revoke_api_key(&caller, &id).await.map_err(describe)?;
            writeln!(out, "Revoked {id}")?;
        }
    }
    Ok(())
}

fn chrono_now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

/// Words a use case's refusal for the command line, naming the option.
fn describe(error: AppError) -> anyhow::Error {
    match error {
        AppError::Conflict { field: "email" } => {
            anyhow::anyhow!("--email: a user with this e-mail exists already in the tenant")
        }
        AppError::Conflict { field } => anyhow::anyhow!("--{field}: taken already"),
        AppError::Invalid { field, reason: Reason::Email } => {
            anyhow::anyhow!("--{field}: not an address mail can be sent to")
        }
        AppError::Invalid { field, reason: Reason::Text(message) } => anyhow::anyhow!("--{field}: {message}"),
        AppError::Invalid { field, reason } => anyhow::anyhow!("--{field}: {reason:?}"),
        AppError::NotFound => anyhow::anyhow!("not found"),
        other => anyhow::anyhow!(other),
    }
}

async fn tenant_command(
    command: TenantCommand,
    app: &cairn_app::App,
    settings: &Settings,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<()> {
    let directory = app.directory();
    let operator = || Actor::Operator("cli".into());
    let parse_slug = |slug: &str| TenantSlug::parse(slug).map_err(|e| anyhow::anyhow!("slug {slug:?}: {e}"));
    match command {
        TenantCommand::Create { slug, name, support_email, support_phone, locale, time_zone, owner_email } => {
            let new = NewTenant {
                slug: parse_slug(&slug)?,
                name,
                support_email,
                support_phone,
                locale: locale.parse::<Locale>().map_err(|e| anyhow::anyhow!("--locale: {e}"))?,
                time_zone: time_zone.parse().map_err(|_| {
                    anyhow::anyhow!("--time-zone: {time_zone:?} is not an IANA time zone such as Europe/Zurich")
                })?,
            };
            let slug = new.slug.clone();
            let (tenant, owner_link) = app.create_tenant(new, owner_email, "cli").await.map_err(|e| match e {
                AppError::Conflict { field: "slug" } => anyhow::anyhow!("a tenant with the slug {slug} exists already"),
                other => describe(other),
            })?;
            writeln!(out, "Created tenant {} ({})", tenant.slug, tenant.name)?;
            match owner_link {
                Some(link) => {
                    writeln!(out, "Invited the first owner; the invitation mail is queued. Link:")?;
                    writeln!(out, "{link}")?;
                }
                None => writeln!(out, "{}", settings.public_urls().tenant(&tenant.slug, "/login"))?,
            }
        }
        TenantCommand::List => {
            let tenants = directory.list().await?;
            writeln!(out, "{:<32} {:<10} {:<6} {:<20} NAME", "SLUG", "STATUS", "LOCALE", "TIME ZONE")?;
            for t in tenants {
                writeln!(
                    out,
                    "{:<32} {:<10} {:<6} {:<20} {}",
                    t.slug,
                    t.status.as_str(),
                    t.locale,
                    t.time_zone.name(),
                    t.name
                )?;
            }
        }
        TenantCommand::Suspend { slug } => {
            let tenant = app.set_tenant_status(&slug, TenantStatus::Suspended, "cli").await.map_err(describe)?;
            writeln!(out, "Suspended {}", tenant.slug)?;
        }
        TenantCommand::Resume { slug } => {
            let tenant = app.set_tenant_status(&slug, TenantStatus::Active, "cli").await.map_err(describe)?;
            writeln!(out, "Resumed {}", tenant.slug)?;
        }
        TenantCommand::Approve { slug } => {
            let (tenant, link) = app.approve_tenant(&slug, "cli").await.map_err(describe)?;
            writeln!(out, "Approved {}; the owner's mail is queued. Link:", tenant.slug)?;
            writeln!(out, "{link}")?;
        }
        TenantCommand::VerifyDomain { slug, domain, skip_dns_check } => {
            let verified = app.verify_tenant_domain(&slug, &domain, !skip_dns_check, "cli").await.map_err(describe)?;
            writeln!(out, "{slug} now also answers at {}", verified.domain)?;
        }
        TenantCommand::Export { slug, out: file } => {
            let summary = app.export_tenant(&slug, &file, export_passphrase()?).await.map_err(describe)?;
            for line in summary.lines() {
                writeln!(out, "{line}")?;
            }
            writeln!(out, "tenant {} exported to {}", summary.slug, file.display())?;
        }
        TenantCommand::Import { file, slug } => {
            let summary = app.import_tenant(&file, export_passphrase()?, slug.as_deref()).await.map_err(describe)?;
            for line in summary.lines() {
                writeln!(out, "{line}")?;
            }
            writeln!(out, "{} people were mailed a link to set a password", summary.invited)?;
            if !summary.domains.is_empty() {
                writeln!(
                    out,
                    "custom domains to add again once DNS points here (cairn tenant add-domain): {}",
                    summary.domains.join(", ")
                )?;
            }
            writeln!(out, "tenant {} imported", summary.slug)?;
        }
        TenantCommand::AddDomain { slug, domain } => {
            if matches!(
                cairn_tenancy::classify_host(Some(&domain), &settings.server.base_domain),
                HostTarget::Apex | HostTarget::Subdomain(_)
            ) {
                anyhow::bail!(
                    "{domain} is under the base domain {}; custom domains are other names",
                    settings.server.base_domain
                );
            }
            directory.add_domain(&parse_slug(&slug)?, &domain, operator()).await?;
            writeln!(out, "{slug} now also answers at {domain}")?;
        }
    }
    Ok(())
}

async fn mail_command(
    command: MailCommand,
    app: &cairn_app::App,
    settings: &Settings,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<()> {
    match command {
        MailCommand::Test { tenant, to } => {
            let slug = TenantSlug::parse(&tenant).map_err(|e| anyhow::anyhow!("--tenant: {e}"))?;
            let tenant = Arc::new(app.directory().by_slug(&slug).await?);
            let id = app.queue_test_mail(&Caller::operator(tenant, "cli"), &to).await.map_err(describe)?;
            let transport = cairn_mail::MailTransport::from_settings(&settings.mail)?;
            let worker = app.mail_worker(transport, &settings.mail)?;
            // A running server's worker may take the mail first; either way,
            // wait for the first attempt's outcome.
            let deadline =
                std::time::Instant::now() + std::time::Duration::from_secs(settings.mail.smtp.timeout_secs + 30);
            loop {
                worker.run_once().await?;
                let outcome = app.mail_outcome(&id).await?;
                let (status, attempts) = (outcome.status, outcome.attempts);
                match (status.as_str(), outcome.error) {
                    ("sent", _) => {
                        writeln!(out, "Test mail {id} sent")?;
                        break;
                    }
                    ("failed", error) | ("queued", error @ Some(_)) if attempts > 0 => anyhow::bail!(
                        "the test mail was not sent: {}; status {status}, see `cairn mail status` ({id})",
                        error.unwrap_or_else(|| "no transport answer".into())
                    ),
                    _ if std::time::Instant::now() > deadline => {
                        anyhow::bail!("the test mail is still {status} after waiting; see `cairn mail status` ({id})")
                    }
                    _ => tokio::time::sleep(std::time::Duration::from_millis(200)).await,
                }
            }
        }
        MailCommand::Status => {
            let report = app.mail_status().await?;
            writeln!(
                out,
                "queued {}  sending {}  sent {}  failed {}",
                report.queued, report.sending, report.sent, report.failed
            )?;
            for (id, recipient, attempts, error) in report.latest_errors {
                writeln!(out, "{id}  {recipient}  attempt {attempts}: {error}")?;
            }
        }
        MailCommand::Retry => {
            let count = app.retry_failed_mail().await?;
            writeln!(out, "{count} failed mail(s) queued again")?;
        }
    }
    Ok(())
}
