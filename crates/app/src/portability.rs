//! Tenant export and import: how an MSP leaves with all its data, and how an
//! operator moves a tenant to another installation (another cell, another
//! backend).
//!
//! The archive is a tar file encrypted with a passphrase in the `age` format
//! (scrypt). Inside, in this order: `manifest.json` (format, version, the
//! tenant's settings, row counts), one JSON-lines file per table in the
//! order they are inserted ([`cairn_store::portable`]), `logo.png` when the
//! workspace has a logo, then
//! `attachments/<id>` with each attachment's bytes. Secrets are in clear
//! inside (records' `secrets` is an object of values); password hashes, MFA
//! secrets, sessions, tokens and data keys never leave.
//!
//! An import creates the tenant and inserts everything in one transaction:
//! all or nothing. Secrets are sealed under the receiving installation's
//! keys; every active person gets a mail to set a password (and then enrols
//! MFA anew); API keys keep working.

use std::collections::BTreeMap;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use age::secrecy::SecretString;
use cairn_assets::attachments::object_key;
use cairn_assets::records::{open_secrets, seal_secrets};
use cairn_store::audit::{self, Actor, AuditAction, NewEvent};
use cairn_store::portable::{
    ApiKeyRow, AssetTypeRow, AttachmentRow, AuditRow, AvatarRow, DocumentRow, ExpirationRow, ExternalIdRow, GrantRow,
    OrganizationRow, Portable, RecordRow, RelationRow, RevisionRow, UserRow,
};
use cairn_store::schema::tenants;
use cairn_store::{DbConn, TenantId};
use cairn_tenancy::{Locale, NewTenant, Tenant, TenantSlug};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{App, AppError, Reason};

/// What the manifest says the archive is.
const FORMAT: &str = "cairn-tenant-export";
/// The layout's version; an import refuses others.
const VERSION: u32 = 1;
/// The workspace's logo in an archive (PNG), when it has one.
const LOGO_FILE: &str = "logo.png";
/// The shortest passphrase an export accepts.
const MIN_PASSPHRASE: usize = 12;

/// `manifest.json`: the first entry of an archive.
#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: String,
    version: u32,
    exported_at: chrono::NaiveDateTime,
    tenant: TenantSettings,
    /// Rows per file, attachments' bytes included as `attachments/`.
    counts: BTreeMap<String, usize>,
}

/// The tenant's own settings, as they travel.
#[derive(Debug, Serialize, Deserialize)]
struct TenantSettings {
    slug: String,
    name: String,
    support_email: String,
    support_phone: String,
    locale: String,
    time_zone: String,
    accent_color: String,
    privacy_url: Option<String>,
    mfa_required: bool,
    /// The privacy notice (Markdown); absent in older archives.
    #[serde(default)]
    privacy_notice: String,
    /// The mails' sender name; absent in older archives.
    #[serde(default)]
    sender_name: String,
    /// Custom domains: listed, not taken along (DNS moves with the operator).
    domains: Vec<String>,
}

/// What an export or import moved: rows per file.
#[derive(Debug, Clone)]
pub struct PortabilitySummary {
    /// The tenant's slug (the new one after an import with `--slug`).
    pub slug: String,
    /// Rows per file of the archive; `attachments/` counts files.
    pub counts: BTreeMap<String, usize>,
    /// Mails queued for people to set a password (imports).
    pub invited: usize,
    /// Custom domains the tenant had (imports do not take them along).
    pub domains: Vec<String>,
}

impl PortabilitySummary {
    /// One line per file, then a total line.
    pub fn lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self.counts.iter().map(|(file, n)| format!("{file}: {n}")).collect();
        lines.push(format!("{} rows and files", self.counts.values().sum::<usize>()));
        lines
    }
}

/// The archive's JSON-lines files in the order an import inserts them.
fn table_files() -> [&'static str; 14] {
    [
        UserRow::FILE,
        AvatarRow::FILE,
        OrganizationRow::FILE,
        GrantRow::FILE,
        ApiKeyRow::FILE,
        AssetTypeRow::FILE,
        RecordRow::FILE,
        RelationRow::FILE,
        DocumentRow::FILE,
        RevisionRow::FILE,
        AttachmentRow::FILE,
        ExpirationRow::FILE,
        ExternalIdRow::FILE,
        AuditRow::FILE,
    ]
}

fn invalid(message: impl Into<String>) -> AppError {
    AppError::invalid("archive", Reason::Text(message.into()))
}

/// Every row of `T` as JSON lines.
fn lines_of<T: Portable>(conn: &mut DbConn, tenant: &TenantId) -> Result<(Vec<u8>, usize), AppError> {
    let rows = T::load(conn, tenant)?;
    Ok((to_lines(&rows)?, rows.len()))
}

/// Rows (or any values) as JSON lines.
fn to_lines<T: Serialize>(rows: &[T]) -> Result<Vec<u8>, AppError> {
    let mut out = Vec::new();
    for row in rows {
        serde_json::to_writer(&mut out, row).map_err(AppError::internal)?;
        out.push(b'\n');
    }
    Ok(out)
}

/// A file of the archive, appended to the tar stream.
fn append<W: Write>(tar: &mut tar::Builder<W>, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o600);
    header.set_mtime(chrono::Utc::now().timestamp().max(0) as u64);
    header.set_cksum();
    tar.append_data(&mut header, name, bytes)
}

impl App {
    /// Writes tenant `slug`'s whole data to `out`, encrypted with
    /// `passphrase` (at least 12 characters). `out` must not exist; it
    /// appears only when complete.
    pub async fn export_tenant(
        &self,
        slug: &str,
        out: &Path,
        passphrase: SecretString,
    ) -> Result<PortabilitySummary, AppError> {
        use age::secrecy::ExposeSecret;
        if passphrase.expose_secret().chars().count() < MIN_PASSPHRASE {
            return Err(AppError::invalid(
                "passphrase",
                Reason::Text(format!("the passphrase needs at least {MIN_PASSPHRASE} characters")),
            ));
        }
        if out.exists() {
            return Err(AppError::invalid("out", Reason::Text(format!("{} exists already", out.display()))));
        }
        let slug = TenantSlug::parse(slug).map_err(|e| AppError::invalid("tenant", Reason::Text(e)))?;
        let tenant = self.directory().by_slug(&slug).await?;
        let domains = self.directory().domains(&tenant.id).await?;
        let partial = partial_path(out);
        let settings = settings_of(&tenant, domains);
        let (master, files, runtime) =
            (Arc::clone(self.master_key()), self.files.clone(), tokio::runtime::Handle::current());
        let tenant_id = tenant.id.clone();
        let result = self
            .database()
            .run(move |conn| {
                cairn_store::tenant_read(conn, &tenant_id, |conn| {
                    let keyring = cairn_tenancy::keys::keyring(conn, &master, &tenant_id)?;
                    let mut tables: Vec<(&'static str, Vec<u8>, usize)> = Vec::new();
                    macro_rules! table {
                        ($row:ty) => {{
                            let (bytes, n) = lines_of::<$row>(conn, &tenant_id)?;
                            tables.push((<$row>::FILE, bytes, n));
                        }};
                    }
                    table!(UserRow);
                    table!(AvatarRow);
                    table!(OrganizationRow);
                    table!(GrantRow);
                    table!(ApiKeyRow);
                    table!(AssetTypeRow);
                    // Records leave with their secrets opened.
                    let records = RecordRow::load(conn, &tenant_id)?
                        .iter()
                        .map(|record| {
                            let clear = open_secrets(&keyring, &record.id, &record.secrets)?;
                            let mut value = serde_json::to_value(record).map_err(AppError::internal)?;
                            value["secrets"] = serde_json::to_value(clear).map_err(AppError::internal)?;
                            Ok(value)
                        })
                        .collect::<Result<Vec<_>, AppError>>()?;
                    tables.push((RecordRow::FILE, to_lines(&records)?, records.len()));
                    table!(RelationRow);
                    table!(DocumentRow);
                    table!(RevisionRow);
                    let attachments = AttachmentRow::load(conn, &tenant_id)?;
                    tables.push((AttachmentRow::FILE, to_lines(&attachments)?, attachments.len()));
                    table!(ExpirationRow);
                    table!(ExternalIdRow);
                    table!(AuditRow);
                    let logo = cairn_tenancy::settings::logo(conn, &tenant_id)?;
                    let mut counts: BTreeMap<String, usize> =
                        tables.iter().map(|(file, _, n)| ((*file).to_owned(), *n)).collect();
                    counts.insert(LOGO_FILE.into(), usize::from(logo.is_some()));
                    counts.insert("attachments/".into(), attachments.len());
                    let manifest = Manifest {
                        format: FORMAT.into(),
                        version: VERSION,
                        exported_at: cairn_store::now(),
                        tenant: settings,
                        counts: counts.clone(),
                    };
                    let sink = BufWriter::new(std::fs::File::create_new(&partial).map_err(AppError::internal)?);
                    let encrypted = age::Encryptor::with_user_passphrase(passphrase)
                        .wrap_output(sink)
                        .map_err(AppError::internal)?;
                    let mut tar = tar::Builder::new(encrypted);
                    let manifest = serde_json::to_vec_pretty(&manifest).map_err(AppError::internal)?;
                    append(&mut tar, "manifest.json", &manifest).map_err(AppError::internal)?;
                    for (file, bytes, _) in &tables {
                        append(&mut tar, file, bytes).map_err(AppError::internal)?;
                    }
                    if let Some(logo) = &logo {
                        append(&mut tar, LOGO_FILE, logo).map_err(AppError::internal)?;
                    }
                    for attachment in &attachments {
                        let bytes = runtime.block_on(files.get(&attachment.object_key)).map_err(AppError::internal)?;
                        append(&mut tar, &format!("attachments/{}", attachment.id), &bytes)
                            .map_err(AppError::internal)?;
                    }
                    let sink = tar.into_inner().map_err(AppError::internal)?.finish().map_err(AppError::internal)?;
                    let file = sink.into_inner().map_err(|e| AppError::internal(e.into_error()))?;
                    file.sync_all().map_err(AppError::internal)?;
                    Ok::<_, AppError>(counts)
                })
            })
            .await;
        let counts = match result {
            Ok(counts) => counts,
            Err(error) => {
                let _ = std::fs::remove_file(partial_path(out));
                return Err(error);
            }
        };
        std::fs::rename(partial_path(out), out).map_err(AppError::internal)?;
        let tenant_id = tenant.id.clone();
        self.write(&tenant_id, move |tx| {
            let event = NewEvent::new(Actor::Operator("cli".into()), AuditAction::TenantExported)
                .target("tenant", tx.tenant.as_str());
            audit::record(tx.conn, tx.tenant, &event)?;
            Ok(())
        })
        .await?;
        Ok(PortabilitySummary { slug: tenant.slug, counts, invited: 0, domains: Vec::new() })
    }

    /// Restores an archive made by [`App::export_tenant`] as a new tenant
    /// (`slug`, or the archive's own). Nothing is kept unless everything is.
    pub async fn import_tenant(
        &self,
        archive: &Path,
        passphrase: SecretString,
        slug: Option<&str>,
    ) -> Result<PortabilitySummary, AppError> {
        let staging = tempfile::tempdir_in(std::env::temp_dir()).map_err(AppError::internal)?;
        let (source, dir) = (archive.to_owned(), staging.path().to_owned());
        let manifest = self.blocking(move || unpack(&source, passphrase, &dir)).await??;
        let settings = manifest.tenant;
        let domains = settings.domains.clone();
        let slug = TenantSlug::parse(slug.unwrap_or(&settings.slug))
            .map_err(|e| AppError::invalid("slug", Reason::Text(e)))?;
        let new = NewTenant {
            slug,
            name: settings.name.clone(),
            support_email: Some(settings.support_email.clone()).filter(|e| !e.is_empty()),
            support_phone: Some(settings.support_phone.clone()).filter(|p| !p.is_empty()),
            locale: settings.locale.parse().unwrap_or(Locale::En),
            time_zone: settings.time_zone.parse().unwrap_or(chrono_tz::UTC),
        };
        // One hash nobody knows the password of: people set their own by mail.
        let unknown = cairn_auth::new_token();
        let placeholder = self.hash_password(&unknown).await?;
        let (master, files, runtime) =
            (Arc::clone(self.master_key()), self.files.clone(), tokio::runtime::Handle::current());
        let (urls, ttl, dir) = (self.public().clone(), self.invitation_ttl, staging.path().to_owned());
        let counts = manifest.counts;
        let (tenant, invited) = self
            .directory()
            .create_with(self.master_key(), new, Actor::Operator("cli".into()), move |conn, tenant| {
                let mut stored = Vec::new();
                let result = restore(conn, tenant, &master, &dir, &placeholder, &settings, |key, bytes| {
                    runtime.block_on(files.put(key, bytes)).map_err(AppError::internal)?;
                    stored.push(key.to_owned());
                    Ok(())
                })
                .and_then(|()| invite_people(conn, tenant, &urls, ttl));
                if result.is_err() {
                    // The rows roll back; the files put so far go too.
                    for key in &stored {
                        let _ = runtime.block_on(files.delete(key));
                    }
                }
                result
            })
            .await?;
        self.wake_mail();
        Ok(PortabilitySummary { slug: tenant.slug, counts, invited, domains })
    }
}

/// `out` with `.partial` appended: where the archive grows until complete.
fn partial_path(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

fn settings_of(tenant: &Tenant, domains: Vec<String>) -> TenantSettings {
    TenantSettings {
        slug: tenant.slug.clone(),
        name: tenant.name.clone(),
        support_email: tenant.support_email.clone(),
        support_phone: tenant.support_phone.clone(),
        locale: tenant.locale.as_str().to_owned(),
        time_zone: tenant.time_zone.name().to_owned(),
        accent_color: tenant.accent_color.clone(),
        privacy_url: tenant.privacy_url.clone(),
        mfa_required: tenant.mfa_required,
        privacy_notice: tenant.privacy_notice.clone(),
        sender_name: tenant.sender_name.clone(),
        domains,
    }
}

/// Decrypts and unpacks `archive` into `dir`, checking every entry's name;
/// returns the manifest.
fn unpack(archive: &Path, passphrase: SecretString, dir: &Path) -> Result<Manifest, AppError> {
    let file = std::fs::File::open(archive).map_err(|e| invalid(format!("{}: {e}", archive.display())))?;
    let decryptor = age::Decryptor::new(BufReader::new(file))
        .map_err(|_| invalid("this is not a Cairn tenant export (an age-encrypted archive)"))?;
    let identity = age::scrypt::Identity::new(passphrase);
    let reader = decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .map_err(|_| invalid("the passphrase does not open this archive"))?;
    let allowed = table_files();
    let mut tar = tar::Archive::new(reader);
    let mut manifest = None;
    std::fs::create_dir_all(dir.join("attachments")).map_err(AppError::internal)?;
    for entry in tar.entries().map_err(|e| invalid(format!("the archive is damaged: {e}")))? {
        let mut entry = entry.map_err(|e| invalid(format!("the archive is damaged: {e}")))?;
        let name = entry.path().map_err(|_| invalid("an entry has no readable name"))?.to_string_lossy().into_owned();
        let target = if name == "manifest.json" || name == LOGO_FILE || allowed.contains(&name.as_str()) {
            dir.join(&name)
        } else if let Some(id) = name.strip_prefix("attachments/").filter(|id| is_plain_id(id)) {
            dir.join("attachments").join(id)
        } else {
            return Err(invalid(format!("unexpected entry {name:?}")));
        };
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).map_err(|e| invalid(format!("{name}: {e}")))?;
        if name == "manifest.json" {
            let read: Manifest = serde_json::from_slice(&bytes).map_err(|e| invalid(format!("manifest.json: {e}")))?;
            if read.format != FORMAT || read.version != VERSION {
                return Err(invalid(format!(
                    "the archive is {} version {}; this Cairn reads {FORMAT} version {VERSION}",
                    read.format, read.version
                )));
            }
            manifest = Some(read);
        }
        std::fs::write(&target, bytes).map_err(AppError::internal)?;
    }
    manifest.ok_or_else(|| invalid("the archive has no manifest.json"))
}

/// Ids as Cairn makes them: letters, digits and dashes.
fn is_plain_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// The JSON lines of `file` in the staging folder (none when absent).
fn read_lines(dir: &Path, file: &str) -> Result<Vec<serde_json::Value>, AppError> {
    let path = dir.join(file);
    let Ok(text) = std::fs::read_to_string(&path) else { return Ok(Vec::new()) };
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| serde_json::from_str(line).map_err(|e| invalid(format!("{file} line {}: {e}", i + 1))))
        .collect()
}

/// The rows of `T` from the staging folder.
fn rows_of<T: Portable>(dir: &Path) -> Result<Vec<T>, AppError> {
    read_lines(dir, T::FILE)?
        .into_iter()
        .enumerate()
        .map(|(i, value)| {
            serde_json::from_value(value).map_err(|e| invalid(format!("{} line {}: {e}", T::FILE, i + 1)))
        })
        .collect()
}

/// Inserts every row of the staged archive as rows of `tenant`, inside the
/// transaction that created it; `put` stores an attachment's bytes.
fn restore(
    conn: &mut DbConn,
    tenant: &Tenant,
    master: &cairn_vault::MasterKey,
    dir: &Path,
    placeholder: &str,
    settings: &TenantSettings,
    mut put: impl FnMut(&str, bytes::Bytes) -> Result<(), AppError>,
) -> Result<(), AppError> {
    let id = &tenant.id;
    diesel::update(tenants::table.filter(tenants::id.eq(id.as_str())))
        .set((
            tenants::accent_color.eq(&settings.accent_color),
            tenants::privacy_url.eq(&settings.privacy_url),
            tenants::mfa_required.eq(settings.mfa_required),
            tenants::privacy_notice.eq(&settings.privacy_notice),
            tenants::sender_name.eq(&settings.sender_name),
        ))
        .execute(conn)?;
    if let Ok(logo) = std::fs::read(dir.join(LOGO_FILE)) {
        // Re-encoded like any upload: an archive's bytes are not trusted as a picture.
        let png = cairn_auth::avatar::process_logo(&logo).map_err(|_| invalid(format!("{LOGO_FILE} is no picture")))?;
        cairn_tenancy::settings::set_logo(conn, id, Some(&png), Actor::Operator("cli".into()))?;
    }
    for user in rows_of::<UserRow>(dir)? {
        user.insert_with_password(conn, id, placeholder)?;
    }
    insert_all::<AvatarRow>(conn, id, dir)?;
    insert_all::<OrganizationRow>(conn, id, dir)?;
    insert_all::<GrantRow>(conn, id, dir)?;
    insert_all::<ApiKeyRow>(conn, id, dir)?;
    insert_all::<AssetTypeRow>(conn, id, dir)?;
    let keyring = cairn_tenancy::keys::keyring(conn, master, id)?;
    for (i, mut value) in read_lines(dir, RecordRow::FILE)?.into_iter().enumerate() {
        let line = || format!("{} line {}", RecordRow::FILE, i + 1);
        let record_id = value["id"].as_str().ok_or_else(|| invalid(format!("{}: no id", line())))?.to_owned();
        let clear: BTreeMap<String, String> = serde_json::from_value(value["secrets"].take())
            .map_err(|e| invalid(format!("{}: secrets: {e}", line())))?;
        value["secrets"] = serde_json::Value::String(seal_secrets(&keyring, &record_id, clear));
        let row: RecordRow = serde_json::from_value(value).map_err(|e| invalid(format!("{}: {e}", line())))?;
        row.insert(conn, id)?;
    }
    insert_all::<RelationRow>(conn, id, dir)?;
    insert_all::<DocumentRow>(conn, id, dir)?;
    insert_all::<RevisionRow>(conn, id, dir)?;
    for mut attachment in rows_of::<AttachmentRow>(dir)? {
        let bytes = std::fs::read(dir.join("attachments").join(&attachment.id))
            .map_err(|_| invalid(format!("attachment {} has no file in the archive", attachment.id)))?;
        if cairn_files::sha256_hex(&bytes) != attachment.sha256 {
            return Err(invalid(format!("attachment {} does not match its checksum", attachment.id)));
        }
        attachment.object_key = object_key(id, &attachment.id);
        put(&attachment.object_key, bytes.into())?;
        attachment.insert(conn, id)?;
    }
    insert_all::<ExpirationRow>(conn, id, dir)?;
    insert_all::<ExternalIdRow>(conn, id, dir)?;
    insert_all::<AuditRow>(conn, id, dir)?;
    let event = NewEvent::new(Actor::Operator("cli".into()), AuditAction::TenantImported)
        .target("tenant", id.as_str())
        .details(serde_json::json!({ "from": settings.slug }));
    audit::record(conn, id, &event)?;
    Ok(())
}

fn insert_all<T: Portable>(conn: &mut DbConn, tenant: &TenantId, dir: &Path) -> Result<(), AppError> {
    for row in rows_of::<T>(dir)? {
        row.insert(conn, tenant)?;
    }
    Ok(())
}

/// Queues a mail to every active person to set a password; returns how many.
fn invite_people(
    conn: &mut DbConn,
    tenant: &Tenant,
    urls: &cairn_tenancy::PublicUrls,
    ttl: std::time::Duration,
) -> Result<usize, AppError> {
    let people: Vec<_> = cairn_auth::users::list(conn, &tenant.id)?.into_iter().filter(|u| u.active).collect();
    for person in &people {
        cairn_auth::resets::request(conn, tenant, urls, &person.email, ttl)?;
    }
    Ok(people.len())
}
