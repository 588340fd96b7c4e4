//! Configuration: `config/default.toml` (compiled in) ← `--config FILE` ←
//! `CAIRN_<SECTION>__<KEY>` environment variables.
//!
//! Every key is known: an unknown key or an invalid value stops start-up
//! with a message naming the key and what is allowed.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use cairn_store::DatabaseUrl;
use cairn_tenancy::{HostTarget, PublicUrls, classify_host};
use figment::Figment;
use figment::providers::{Env, Format, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// The documented defaults, compiled into the binary.
pub const DEFAULT_TOML: &str = include_str!("../../../config/default.toml");

/// Top-level keys that may be set from the environment without a section.
const TOP_LEVEL_ENV_KEYS: &[&str] = &["data_dir"];

/// All settings.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Where Cairn keeps files: the SQLite database and key file by default.
    pub data_dir: PathBuf,
    /// HTTP server and public address.
    pub server: ServerSettings,
    /// Database connection.
    pub database: DatabaseSettings,
    /// Keys and password hashing.
    pub security: SecuritySettings,
    /// Platform operators.
    pub operator: OperatorSettings,
    /// The REST API.
    pub api: ApiSettings,
    /// Tenant resolution.
    pub tenancy: TenancySettings,
    /// Outbound mail.
    pub mail: cairn_mail::MailSettings,
    /// Where attachments' bytes are kept.
    pub storage: StorageSettings,
    /// Attachments.
    pub attachments: AttachmentSettings,
    /// Imports started from the settings page.
    pub import: ImportSettings,
    /// Prometheus metrics.
    pub metrics: MetricsSettings,
    /// Expirations and their digest mail.
    pub expirations: ExpirationSettings,
    /// Logging.
    pub log: LogSettings,
    /// Self-service sign-up on the apex.
    pub signup: SignupSettings,
    /// Custom domains.
    pub domains: DomainSettings,
}

/// `[signup]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignupSettings {
    /// `closed`, `open` or `approval`.
    pub mode: cairn_app::SignupMode,
    /// Subdomains nobody may sign up for, beyond the built-in ones.
    pub reserved: Vec<String>,
    /// How long a confirmation link works, in hours.
    pub link_ttl_hours: u64,
}

/// `[domains]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainSettings {
    /// The DNS server that checks TXT records; unset: the system's resolver.
    pub dns_server: Option<std::net::SocketAddr>,
}

/// `[storage]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageSettings {
    /// `local` or `s3`.
    pub backend: StorageBackend,
    /// The folder of the local backend; unset: `<data_dir>/files`.
    pub dir: Option<PathBuf>,
    /// The S3 backend.
    pub s3: S3Settings,
}

/// Which storage keeps files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageBackend {
    /// A folder on this machine.
    Local,
    /// An S3-compatible bucket.
    S3,
}

/// `[storage.s3]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Settings {
    /// The bucket.
    pub bucket: String,
    /// The region.
    pub region: String,
    /// The endpoint of a non-AWS provider; "" for AWS.
    pub endpoint: String,
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: Option<SecretString>,
    /// Whether a plain-HTTP endpoint is allowed.
    pub allow_http: bool,
}

/// `[attachments]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentSettings {
    /// The largest file accepted, in bytes.
    pub max_bytes: usize,
}

/// `[metrics]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSettings {
    /// Where `/metrics` answers (e.g. `127.0.0.1:9100`); unset: no metrics.
    pub bind: Option<std::net::SocketAddr>,
}

/// `[import]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportSettings {
    /// The largest export an owner may upload on `/settings/import`, in bytes.
    pub max_bytes: u64,
}

/// `[expirations]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpirationSettings {
    /// Whether owners and technicians get the digest mail.
    pub digest: bool,
    /// Days between two digests of one tenant.
    pub digest_interval_days: u32,
    /// Days ahead a digest lists.
    pub digest_within_days: u32,
}

/// `[server]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    /// Address and port to listen on.
    pub bind: SocketAddr,
    /// The apex domain; tenants are its subdomains.
    pub base_domain: String,
    /// The scheme users reach Cairn by (a TLS proxy in front makes it `https`).
    pub public_scheme: PublicScheme,
    /// The port users reach Cairn by; unset: the default port of the scheme
    /// for https, the bound port for http.
    pub public_port: Option<u16>,
    /// Seconds in-flight requests get to finish on shutdown.
    pub shutdown_grace_secs: u64,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy that sets it).
    pub trust_forwarded_for: bool,
}

/// `http` or `https`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PublicScheme {
    /// Plain HTTP (development).
    Http,
    /// HTTPS (production, behind a TLS-terminating proxy).
    Https,
}

/// `[database]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://<path>` or `postgres://…`; may carry a password, so secret.
    pub url: SecretString,
    /// PostgreSQL only: the URL of the role that owns the tables, used to
    /// apply migrations and grant `url`'s role row access. Unset: `url`.
    pub migrate_url: Option<SecretString>,
    /// The most connections per process.
    pub max_connections: usize,
    /// Seconds to wait for a free connection.
    pub acquire_timeout_secs: u64,
}

/// `[security]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecuritySettings {
    /// The master key as base64 (32 bytes); takes the place of the key file.
    pub master_key: Option<SecretString>,
    /// The master key file; unset: `<data_dir>/master.key`, created on first start.
    pub master_key_file: Option<PathBuf>,
    /// Argon2id memory cost in KiB.
    pub argon2_memory_kib: u32,
    /// Minutes a session may sit unused before it ends.
    pub session_idle_minutes: u64,
    /// Hours after sign-in when every session ends.
    pub session_absolute_hours: u64,
    /// Days an invitation link works.
    pub invitation_ttl_days: u64,
    /// Minutes a password-reset link works.
    pub password_reset_ttl_minutes: u64,
}

/// `[operator]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorSettings {
    /// Bearer token of the operator API; unset: the operator API is off.
    pub token: Option<SecretString>,
}

/// `[api]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiSettings {
    /// Requests one API key may make per window, across all nodes.
    pub rate_limit: u32,
    /// The window's length in seconds.
    pub rate_window_secs: u32,
}

/// `[tenancy]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenancySettings {
    /// Seconds a host → tenant lookup is cached (changes from other processes
    /// show after at most this long).
    pub cache_ttl_secs: u64,
}

/// `[log]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// `human` or `json`.
    pub format: LogFormat,
    /// A tracing filter, e.g. `info` or `info,cairn_web=debug`.
    pub filter: String,
}

/// How log lines look.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Readable lines for a terminal.
    Human,
    /// One JSON object per line, for log collectors.
    Json,
}

/// A setting that was refused.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(String);

impl Settings {
    /// Reads the defaults, the given files (each over the one before) and
    /// the process environment.
    pub fn load(files: &[&Path]) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Toml::string(DEFAULT_TOML));
        for path in files {
            if !path.is_file() {
                return Err(ConfigError(format!("--config {}: no such file", path.display())));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        let env = Env::prefixed("CAIRN_");
        // Variables without a `__` are not settings (e.g. CAIRN_TEST_DATABASE_URL),
        // except the few top-level keys.
        let env =
            env.filter(|key| key.as_str().contains("__") || TOP_LEVEL_ENV_KEYS.iter().any(|k| key == *k)).split("__");
        let settings: Settings = figment.merge(env).extract().map_err(describe)?;
        settings.validate()?;
        Ok(settings.resolved())
    }

    /// Settings for tests and tools: the defaults plus the given TOML.
    pub fn from_toml(toml: &str) -> Result<Self, ConfigError> {
        Self::from_toml_layers(&[toml])
    }

    /// The defaults plus several TOML documents, each over the one before.
    pub fn from_toml_layers(layers: &[&str]) -> Result<Self, ConfigError> {
        let figment =
            layers.iter().fold(Figment::from(Toml::string(DEFAULT_TOML)), |f, layer| f.merge(Toml::string(layer)));
        let settings: Settings = figment.extract().map_err(describe)?;
        settings.validate()?;
        Ok(settings.resolved())
    }

    /// Folders left unset follow `data_dir`, as the master key file does.
    fn resolved(mut self) -> Self {
        if self.mail.file.dir.is_none() {
            self.mail.file.dir = Some(self.data_dir.join("mail"));
        }
        self
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let fail = |key: &str, why: &str| Err(ConfigError(format!("{key}: {why}")));
        let base = &self.server.base_domain;
        if base != &base.to_ascii_lowercase() || classify_host(Some(base), base) != HostTarget::Apex {
            return fail("server.base_domain", "must be a lower-case host name such as localhost or eu.cairn.example");
        }
        if self.server.public_port == Some(0) {
            return fail("server.public_port", "must be between 1 and 65535");
        }
        if let Err(e) = DatabaseUrl::parse(self.database.url.expose_secret()) {
            return fail("database.url", &e.to_string().replace("database.url: ", ""));
        }
        if let Some(migrate) = &self.database.migrate_url {
            match DatabaseUrl::parse(migrate.expose_secret()) {
                Ok(DatabaseUrl::Postgres(_)) if self.database_url().backend() == cairn_store::Backend::Postgres => {}
                Ok(_) => {
                    return fail(
                        "database.migrate_url",
                        "applies to PostgreSQL only, beside a postgres:// database.url",
                    );
                }
                Err(e) => return fail("database.migrate_url", &e.to_string().replace("database.url: ", "")),
            }
        }
        if self.database.max_connections == 0 || self.database.max_connections > 1000 {
            return fail("database.max_connections", "must be between 1 and 1000");
        }
        if self.database.acquire_timeout_secs == 0 {
            return fail("database.acquire_timeout_secs", "must be at least 1");
        }
        if self.security.master_key.is_some() && self.security.master_key_file.is_some() {
            return fail("security.master_key", "set either security.master_key or security.master_key_file, not both");
        }
        if let Some(key) = &self.security.master_key
            && let Err(e) = cairn_vault::MasterKey::from_base64(key)
        {
            return fail("security.master_key", &e.to_string());
        }
        if !(64..=4 * 1024 * 1024).contains(&self.security.argon2_memory_kib) {
            return fail("security.argon2_memory_kib", "must be between 64 and 4194304 (KiB)");
        }
        if !(1..=24 * 60).contains(&self.security.session_idle_minutes) {
            return fail("security.session_idle_minutes", "must be between 1 and 1440");
        }
        if !(1..=24 * 30).contains(&self.security.session_absolute_hours) {
            return fail("security.session_absolute_hours", "must be between 1 and 720");
        }
        if !(1..=90).contains(&self.security.invitation_ttl_days) {
            return fail("security.invitation_ttl_days", "must be between 1 and 90");
        }
        if !(5..=24 * 60).contains(&self.security.password_reset_ttl_minutes) {
            return fail("security.password_reset_ttl_minutes", "must be between 5 and 1440");
        }
        if let Some(token) = &self.operator.token
            && token.expose_secret().len() < 32
        {
            return fail("operator.token", "must be at least 32 characters");
        }
        if !(1..=1_000_000).contains(&self.api.rate_limit) {
            return fail("api.rate_limit", "must be between 1 and 1000000");
        }
        if !(1..=86_400).contains(&self.api.rate_window_secs) {
            return fail("api.rate_window_secs", "must be between 1 and 86400");
        }
        if self.tenancy.cache_ttl_secs > 3600 {
            return fail("tenancy.cache_ttl_secs", "must be at most 3600");
        }
        self.mail.validate().map_err(ConfigError)?;
        if self.storage.backend == StorageBackend::S3 {
            let s3 = &self.storage.s3;
            if s3.bucket.trim().is_empty() {
                return fail("storage.s3.bucket", "must be set when storage.backend is s3");
            }
            if s3.access_key_id.trim().is_empty() || s3.secret_access_key.is_none() {
                return fail("storage.s3.access_key_id", "and storage.s3.secret_access_key must be set for s3");
            }
            if !(s3.endpoint.is_empty() || s3.endpoint.starts_with("https://") || s3.endpoint.starts_with("http://")) {
                return fail("storage.s3.endpoint", "must be an http:// or https:// URL, or empty for AWS");
            }
            if s3.endpoint.starts_with("http://") && !s3.allow_http {
                return fail("storage.s3.allow_http", "must be true for a plain-HTTP endpoint");
            }
        }
        if !(1..=1024 * 1024 * 1024).contains(&self.attachments.max_bytes) {
            return fail("attachments.max_bytes", "must be between 1 and 1073741824");
        }
        if !(1..=24 * 30).contains(&self.signup.link_ttl_hours) {
            return fail("signup.link_ttl_hours", "must be between 1 and 720");
        }
        let subdomain_like =
            |r: &String| !r.is_empty() && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
        if let Some(bad) = self.signup.reserved.iter().find(|r| !subdomain_like(r)) {
            return fail("signup.reserved", &format!("{bad:?} is no subdomain"));
        }
        if !(1..=64 * 1024 * 1024 * 1024).contains(&self.import.max_bytes) {
            return fail("import.max_bytes", "must be between 1 and 68719476736");
        }
        if !(1..=365).contains(&self.expirations.digest_interval_days) {
            return fail("expirations.digest_interval_days", "must be between 1 and 365");
        }
        if !(1..=3650).contains(&self.expirations.digest_within_days) {
            return fail("expirations.digest_within_days", "must be between 1 and 3650");
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log.filter).is_err() {
            return fail("log.filter", "is not a tracing filter (e.g. info, or info,cairn_web=debug)");
        }
        Ok(())
    }

    /// The parsed database URL (validated on load).
    pub fn database_url(&self) -> DatabaseUrl {
        DatabaseUrl::parse(self.database.url.expose_secret())
            .unwrap_or_else(|_| DatabaseUrl::Sqlite(self.data_dir.join("cairn.db")))
    }

    /// The URL migrations run with: `database.migrate_url` when set.
    pub fn migrate_url(&self) -> Option<DatabaseUrl> {
        self.database.migrate_url.as_ref().and_then(|url| DatabaseUrl::parse(url.expose_secret()).ok())
    }

    /// How users reach the platform.
    pub fn public_urls(&self) -> PublicUrls {
        let port = match (self.server.public_scheme, self.server.public_port) {
            (_, Some(port)) => Some(port),
            (PublicScheme::Https, None) => None,
            (PublicScheme::Http, None) => Some(self.server.bind.port()),
        };
        let scheme = match self.server.public_scheme {
            PublicScheme::Http => "http",
            PublicScheme::Https => "https",
        };
        PublicUrls { scheme: scheme.into(), base_domain: self.server.base_domain.clone(), port }
    }

    /// How long invitation links work.
    pub fn invitation_ttl(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.security.invitation_ttl_days * 24 * 3600)
    }

    /// The configured file storage.
    pub fn storage(&self) -> cairn_files::StorageConfig {
        match self.storage.backend {
            StorageBackend::Local => cairn_files::StorageConfig::Local(
                self.storage.dir.clone().unwrap_or_else(|| self.data_dir.join("files")),
            ),
            StorageBackend::S3 => {
                let s3 = &self.storage.s3;
                cairn_files::StorageConfig::S3(cairn_files::S3Config {
                    bucket: s3.bucket.clone(),
                    region: s3.region.clone(),
                    endpoint: s3.endpoint.clone(),
                    access_key_id: s3.access_key_id.clone(),
                    secret_access_key: s3
                        .secret_access_key
                        .clone()
                        .unwrap_or_else(|| SecretString::from(String::new())),
                    allow_http: s3.allow_http,
                })
            }
        }
    }

    /// The master key file in use when no inline key is configured.
    pub fn master_key_file(&self) -> PathBuf {
        self.security.master_key_file.clone().unwrap_or_else(|| self.data_dir.join("master.key"))
    }
}

/// Names each refused key with its source and what was expected.
fn describe(error: figment::Error) -> ConfigError {
    let lines: Vec<String> = error
        .into_iter()
        .map(|e| {
            let key = e.path.join(".");
            let source =
                e.metadata.as_ref().and_then(|m| m.source.as_ref()).map(|s| format!(" (from {s})")).unwrap_or_default();
            if key.is_empty() { format!("{}{source}", e.kind) } else { format!("{key}: {}{source}", e.kind) }
        })
        .collect();
    ConfigError(lines.join("; "))
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail's closures return figment::Error.
mod tests {
    use super::*;

    #[test]
    fn defaults_run_without_setup() {
        let s = Settings::from_toml("").expect("defaults are valid");
        assert_eq!(s.server.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.server.base_domain, "localhost");
        assert!(matches!(s.database_url(), DatabaseUrl::Sqlite(_)));
        assert_eq!(s.public_urls().tenant("acme", "/login"), "http://acme.localhost:8080/login");
        assert_eq!(s.master_key_file(), PathBuf::from("data/master.key"));
    }

    #[test]
    fn unknown_keys_and_bad_values_name_the_key() {
        for (toml, expect) in [
            ("[server]\nbindd = \"x\"", "bindd"),
            ("colour = 1", "colour"),
            ("[server]\nbind = \"nonsense\"", "server.bind"),
            ("[server]\npublic_scheme = \"ftp\"", "server.public_scheme"),
            ("[server]\nbase_domain = \"Not A Domain\"", "server.base_domain"),
            ("[database]\nurl = \"mysql://x\"", "database.url"),
            ("[database]\nmigrate_url = \"postgres://owner@h/db\"", "database.migrate_url"),
            ("[database]\nurl = \"postgres://app@h/db\"\nmigrate_url = \"mysql://x\"", "database.migrate_url"),
            ("[log]\nformat = \"xml\"", "log.format"),
            ("[security]\nargon2_memory_kib = 1", "security.argon2_memory_kib"),
            ("[security]\nmaster_key = \"short\"", "security.master_key"),
            ("[operator]\ntoken = \"short\"", "operator.token"),
            ("[mail]\ntransport = \"pigeon\"", "mail.transport"),
            ("[mail]\nfrom = \"not an address\"", "mail.from"),
            ("[mail.smtp]\ntls = \"maybe\"", "mail.smtp.tls"),
            ("[mail.smtp]\nport = 99999", "mail.smtp.port"),
            ("[mail.smtp]\nusername = \"u\"", "mail.smtp.username"),
            ("[storage]\nbackend = \"ftp\"", "storage.backend"),
            ("[storage]\nbackend = \"s3\"", "storage.s3.bucket"),
            ("[storage]\nbackend = \"s3\"\n[storage.s3]\nbucket = \"b\"", "storage.s3.access_key_id"),
            (
                "[storage]\nbackend = \"s3\"\n[storage.s3]\nbucket = \"b\"\naccess_key_id = \"k\"\nsecret_access_key = \"s\"\nendpoint = \"http://127.0.0.1:9000\"",
                "storage.s3.allow_http",
            ),
            ("[attachments]\nmax_bytes = 0", "attachments.max_bytes"),
            ("[expirations]\ndigest_interval_days = 0", "expirations.digest_interval_days"),
        ] {
            let error = Settings::from_toml(toml).expect_err(toml).to_string();
            assert!(error.contains(expect), "{toml:?} gave {error:?}");
        }
    }

    #[test]
    fn environment_overrides_with_sections() {
        figment::Jail::expect_with(|jail| {
            jail.clear_env();
            jail.set_env("CAIRN_SERVER__BASE_DOMAIN", "eu.cairn.example");
            jail.set_env("CAIRN_SERVER__PUBLIC_SCHEME", "https");
            jail.set_env("CAIRN_DATABASE__URL", "postgres://postgres@127.0.0.1/cairn");
            jail.set_env("CAIRN_DATA_DIR", "/var/lib/cairn");
            // Not a setting: must be ignored, not refused.
            jail.set_env("CAIRN_TEST_DATABASE_URL", "postgres://elsewhere");
            let s = Settings::load(&[]).map_err(|e| e.to_string())?;
            assert_eq!(s.server.base_domain, "eu.cairn.example");
            assert_eq!(s.public_urls().tenant("acme", "/"), "https://acme.eu.cairn.example/");
            assert!(matches!(s.database_url(), DatabaseUrl::Postgres(_)));
            assert_eq!(s.data_dir, PathBuf::from("/var/lib/cairn"));
            Ok(())
        });
    }

    #[test]
    fn unknown_environment_keys_are_refused() {
        figment::Jail::expect_with(|jail| {
            jail.clear_env();
            jail.set_env("CAIRN_SERVER__BINDD", "0.0.0.0:80");
            let error = Settings::load(&[]).expect_err("unknown key").to_string();
            assert!(error.contains("server.bindd") && error.contains("`bind`"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn config_file_is_layered_and_must_exist() {
        figment::Jail::expect_with(|jail| {
            jail.clear_env();
            jail.create_file("cairn.toml", "[server]\nbase_domain = \"docs.example\"\n")?;
            let s = Settings::load(&[Path::new("cairn.toml")]).map_err(|e| e.to_string())?;
            assert_eq!(s.server.base_domain, "docs.example");
            jail.set_env("CAIRN_SERVER__BASE_DOMAIN", "env.example");
            let s = Settings::load(&[Path::new("cairn.toml")]).map_err(|e| e.to_string())?;
            assert_eq!(s.server.base_domain, "env.example");
            let error = Settings::load(&[Path::new("missing.toml")]).expect_err("missing").to_string();
            assert!(error.contains("missing.toml"));
            Ok(())
        });
    }
}
