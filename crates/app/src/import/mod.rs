//! Importing an IT Glue account export into a tenant.
//!
//! The export is read table by table and committed in batches, each row in
//! a savepoint of its own: a row that cannot be stored is reported and the
//! rest of its batch goes on. Every stored row remembers its IT Glue id
//! (`external_ids`), so a second run finds everything and changes nothing,
//! and a run stopped half-way continues where it stopped. A dry run does
//! the same work in one transaction that is rolled back at the end.

mod documents;
mod jobs;
mod report;
mod rows;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use cairn_assets::asset_types::{self, AssetType, FieldInput, TypeInput};
use cairn_assets::external_ids;
use cairn_import::Source;
use cairn_store::audit::{Actor, AuditAction, NewEvent};
use cairn_store::{DbConn, TenantId};
use cairn_vault::Keyring;

pub use jobs::ImportUpload;
pub use report::{Counts, ImportReport, Skipped};

use crate::state::Tx;
use crate::{App, AppError, Reason};

/// The `source` of IT Glue's ids in `external_ids`.
const SOURCE: &str = "itglue";
/// Rows per transaction.
const BATCH: usize = 250;
/// The tables an import fills.
const GROWING_TABLES: &[&str] =
    &["records", "relations", "documents", "attachments", "external_ids", "expirations", "audit_events"];

/// How an import runs.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// Do everything, keep nothing.
    pub dry_run: bool,
    /// Import only the organizations of these names (all when empty).
    pub only_organizations: Vec<String>,
}

/// Where an import tells how far it got (a progress bar, log lines).
pub trait ImportProgress: Send + Sync {
    /// A phase begins; `total` rows or files when known.
    fn phase(&self, name: &str, total: Option<u64>);
    /// One more row or file of the phase is done.
    fn advance(&self);
    /// The phase is over.
    fn finish(&self);
}

/// An organization rows may belong to.
#[derive(Clone, Debug)]
struct OrgRef {
    local: String,
}

/// What the import has learnt so far: where IT Glue's ids went, which
/// rows were skipped, which names each organization's records have.
pub(crate) struct Importer {
    tenant: TenantId,
    keyring: Keyring,
    source: Source,
    files: cairn_files::FileStore,
    runtime: tokio::runtime::Handle,
    max_file_bytes: u64,
    dry_run: bool,
    only: HashSet<String>,
    /// `(kind, IT Glue id)` → local id, as stored.
    ids: HashMap<(String, String), String>,
    /// Rows skipped, as (file, IT Glue id): their attachments are skipped too.
    skipped_rows: HashSet<(String, String)>,
    /// Organization names as the export writes them → their IT Glue ids.
    org_names: HashMap<String, Vec<String>>,
    /// IT Glue organization id → the organization here.
    orgs: HashMap<String, OrgRef>,
    /// Local record or document id → its organization's id.
    owner_org: HashMap<String, String>,
    /// (organization, record name) → record ids, for tag fields.
    names: HashMap<(String, String), Vec<String>>,
    pub(crate) report: ImportReport,
    progress: Arc<dyn ImportProgress>,
    /// The settings page's job this run reports its progress to.
    job: Option<String>,
    /// Rows and files handled so far, for the job's progress.
    rows_done: i64,
    /// `rows_done` when the planner's statistics were last refreshed.
    analyzed_at: i64,
}

impl App {
    /// Imports an IT Glue export (a ZIP or an unpacked folder) into the
    /// tenant `slug`, as the platform's operator. Returns what was made,
    /// found again and skipped, row by row.
    #[tracing::instrument(skip_all, fields(tenant = slug, dry_run = options.dry_run))]
    pub async fn import_itglue(
        &self,
        slug: &str,
        path: PathBuf,
        options: ImportOptions,
        progress: Arc<dyn ImportProgress>,
    ) -> Result<ImportReport, AppError> {
        let slug = cairn_tenancy::TenantSlug::parse(slug).map_err(|e| AppError::invalid("tenant", Reason::Text(e)))?;
        let tenant = self.directory().by_slug(&slug).await?;
        self.run_import(&tenant.id, path, options, progress, None).await
    }

    /// Runs an import into `tenant` on one connection, batch by batch.
    pub(crate) async fn run_import(
        &self,
        tenant: &TenantId,
        path: PathBuf,
        options: ImportOptions,
        progress: Arc<dyn ImportProgress>,
        job: Option<String>,
    ) -> Result<ImportReport, AppError> {
        let source = {
            let path = path.clone();
            self.blocking(move || Source::open(&path)).await?.map_err(unreadable)?
        };
        let (master, files, runtime) =
            (Arc::clone(self.master_key()), self.files.clone(), tokio::runtime::Handle::current());
        let max_file_bytes = self.max_attachment_bytes as u64;
        let types = self.type_cache().clone();
        let tenant_id = tenant.clone();
        let label = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        self.database()
            .run(move |conn| {
                let (keyring, ids) = cairn_store::tenant_read(conn, &tenant_id, |conn| {
                    let keyring = Tx::new(conn, &master, &tenant_id, &types).keyring()?;
                    Ok::<_, AppError>((keyring, external_ids::load(conn, &tenant_id, SOURCE)?))
                })?;
                let mut importer = Importer {
                    tenant: tenant_id,
                    keyring,
                    source,
                    files,
                    runtime,
                    max_file_bytes,
                    dry_run: options.dry_run,
                    only: options.only_organizations.into_iter().collect(),
                    ids,
                    skipped_rows: HashSet::new(),
                    org_names: HashMap::new(),
                    orgs: HashMap::new(),
                    owner_org: HashMap::new(),
                    names: HashMap::new(),
                    report: ImportReport::new(&label, options.dry_run),
                    progress,
                    job,
                    rows_done: 0,
                    analyzed_at: 0,
                };
                if importer.dry_run {
                    let tenant = importer.tenant.clone();
                    cairn_store::rolled_back(conn, &tenant, |conn| importer.run(conn))?;
                } else {
                    importer.run(conn)?;
                }
                Ok::<_, AppError>(importer.report)
            })
            .await
    }
}

impl Importer {
    fn run(&mut self, conn: &mut DbConn) -> Result<(), AppError> {
        self.organizations(conn)?;
        self.locations(conn)?;
        self.configurations(conn)?;
        self.contacts(conn)?;
        self.domains(conn)?;
        for slug in cairn_import::itglue::flexible_asset_files(&self.source) {
            self.flexible_assets(conn, &slug)?;
        }
        self.passwords(conn)?;
        self.documents(conn)?;
        self.attachments(conn)?;
        let total = self.report.total();
        let details = serde_json::json!({
            "source": "itglue",
            "dry_run": self.dry_run,
            "created": total.created,
            "unchanged": total.unchanged,
            "skipped": total.skipped,
        });
        cairn_store::tenant_write(conn, &self.tenant, |c| {
            let event = NewEvent::new(actor(), AuditAction::ImportCompleted).target("import", SOURCE).details(details);
            cairn_store::audit::record(c, &self.tenant, &event).map_err(AppError::from)?;
            Ok(())
        })
    }

    /// Streams a table in batches; `each` handles one row inside its own
    /// savepoint and says how it went. A missing table is no rows.
    fn table<F>(&mut self, conn: &mut DbConn, file: &str, kind: &str, mut each: F) -> Result<(), AppError>
    where
        F: FnMut(&mut Self, &mut DbConn, &cairn_import::Row) -> Result<Outcome, AppError>,
    {
        if !self.source.contains(file) {
            self.report.note_missing_file(file);
            return Ok(());
        }
        let mut table =
            self.source.table(file).map_err(|e| AppError::invalid("export", Reason::Text(e.to_string())))?;
        if let Some(known) = cairn_import::itglue::known_columns(file) {
            for header in table.headers() {
                if !known.contains(&header.as_str()) {
                    self.report.warn(file, 1, "", "unknown_column", &format!("column {header:?} is not imported"));
                }
            }
        }
        self.progress.phase(kind, None);
        self.checkpoint(conn, kind);
        loop {
            let mut batch = Vec::with_capacity(BATCH);
            while batch.len() < BATCH {
                match table.next_row().map_err(|e| AppError::invalid("export", Reason::Text(e.to_string())))? {
                    None => break,
                    Some(Ok(row)) => batch.push(row),
                    Some(Err(bad)) => self.report.skip(kind, file, bad.line, "", "unreadable_row", &bad.reason),
                }
            }
            if batch.is_empty() {
                break;
            }
            let tenant = self.tenant.clone();
            cairn_store::tenant_write(conn, &tenant, |c| {
                for row in &batch {
                    let outcome = diesel::Connection::transaction(c, |c| each(self, c, row));
                    self.tally(kind, (file, row.line, row.get("id").trim()), outcome)?;
                }
                Ok::<_, AppError>(())
            })?;
            self.rows_done += batch.len() as i64;
            self.checkpoint(conn, kind);
        }
        self.progress.finish();
        Ok(())
    }

    /// Counts how one row or file went (a bad one is reported; a failure
    /// of the database ends the import), and moves the progress on.
    pub(crate) fn tally(
        &mut self,
        kind: &str,
        (file, line, id): (&str, u64, &str),
        outcome: Result<Outcome, AppError>,
    ) -> Result<(), AppError> {
        match outcome {
            Ok(Outcome::Created) => self.report.created(kind),
            Ok(Outcome::Unchanged) => self.report.unchanged(kind),
            Ok(Outcome::Skipped(code, reason)) => {
                self.report.skip(kind, file, line, id, code, &reason);
                self.skipped_rows.insert((file.to_owned(), id.to_owned()));
            }
            Err(AppError::Internal(cause)) => return Err(AppError::Internal(cause)),
            Err(other) => {
                self.report.skip(kind, file, line, id, "invalid", &describe(&other));
                self.skipped_rows.insert((file.to_owned(), id.to_owned()));
            }
        }
        self.progress.advance();
        Ok(())
    }

    /// Tells the settings page's job how far the import got (in a
    /// transaction of its own, so the page sees it at once).
    pub(crate) fn checkpoint(&mut self, conn: &mut DbConn, phase: &str) {
        // Every few thousand rows the planner learns how big the tables got.
        if self.rows_done - self.analyzed_at >= 2_000 || self.rows_done == 0 {
            self.analyzed_at = self.rows_done;
            if let Err(error) = cairn_store::refresh_statistics(conn, GROWING_TABLES) {
                tracing::warn!(%error, "statistics could not be refreshed");
            }
        }
        let Some(job) = &self.job else { return };
        let noted = cairn_store::tenant_write(conn, &self.tenant, |c| {
            cairn_assets::import_jobs::progress(c, &self.tenant, job, phase, self.rows_done)
        });
        if let Err(error) = noted {
            tracing::warn!(%error, "an import's progress could not be noted");
        }
    }

    /// The organization a row names, or why it has none.
    fn organization_of(&self, row: &cairn_import::Row) -> Result<OrgRef, Outcome> {
        let name = row.get("organization");
        match self.org_names.get(name).map(Vec::as_slice) {
            None | Some([]) => {
                Err(Outcome::skipped("unknown_organization", format!("no organization {name:?} in organizations.csv")))
            }
            Some([one]) => self.orgs.get(one).cloned().ok_or_else(|| {
                Outcome::skipped("organization_not_imported", format!("organization {name:?} was not imported"))
            }),
            Some(many) => Err(Outcome::skipped(
                "ambiguous_organization",
                format!("{} organizations are named {name:?}; the row cannot say which", many.len()),
            )),
        }
    }

    /// The local id an IT Glue id of `kind` became, if it was stored.
    fn local(&self, kind: &str, id: &str) -> Option<&String> {
        self.ids.get(&(kind.to_owned(), id.to_owned()))
    }

    /// Remembers a stored row's IT Glue id, in the row's transaction.
    fn remember(&mut self, conn: &mut DbConn, kind: &str, id: &str, local: &str) -> Result<(), AppError> {
        external_ids::remember(conn, &self.tenant, SOURCE, kind, id, local)?;
        self.ids.insert((kind.to_owned(), id.to_owned()), local.to_owned());
        Ok(())
    }

    /// Records a record's name in its organization, for tag fields.
    fn name_record(&mut self, organization: &str, name: &str, id: &str) {
        self.owner_org.insert(id.to_owned(), organization.to_owned());
        self.names.entry((organization.to_owned(), name.trim().to_lowercase())).or_default().push(id.to_owned());
    }

    /// The asset type an earlier run made for `key`, if one did.
    fn known_asset_type(&mut self, conn: &mut DbConn, key: &str) -> Result<Option<AssetType>, AppError> {
        let Some(local) = self.local("asset_type", key).cloned() else { return Ok(None) };
        self.report.unchanged("asset types");
        cairn_store::tenant_read(conn, &self.tenant, |c| Ok(Some(asset_types::get(c, &self.tenant, &local)?)))
    }

    /// The asset type made for `key` (`locations`, a flexible asset
    /// slug), made now from `fields` if this is its first import.
    fn asset_type(
        &mut self,
        conn: &mut DbConn,
        key: &str,
        name: &str,
        fields: Vec<FieldInput>,
    ) -> Result<AssetType, AppError> {
        if let Some(known) = self.known_asset_type(conn, key)? {
            return Ok(known);
        }
        let tenant = self.tenant.clone();
        let made = cairn_store::tenant_write(conn, &tenant, |c| {
            let existing: HashSet<String> =
                asset_types::list(c, &tenant, true)?.into_iter().flat_map(|t| [t.name, t.slug]).collect();
            // A tenant may have a type of that name already: the import's is told apart.
            let mut type_name = name.to_owned();
            if existing.contains(&type_name) || existing.contains(&asset_types::slug_from(&type_name)) {
                type_name = format!("{name} (IT Glue)");
            }
            let input =
                TypeInput { slug: asset_types::slug_from(&type_name), name: type_name, icon: String::new(), fields };
            let made = asset_types::create(c, &tenant, &input, actor())?;
            self.remember(c, "asset_type", key, &made.id)?;
            Ok::<_, AppError>(made)
        })?;
        self.report.created("asset types");
        Ok(made)
    }

    /// Stores a file's bytes (not in a dry run); returns the object key.
    fn put(&self, id: &str, bytes: Vec<u8>) -> Result<String, AppError> {
        let key = cairn_assets::attachments::object_key(&self.tenant, id);
        if !self.dry_run {
            self.runtime.block_on(self.files.put(&key, bytes.into())).map_err(AppError::internal)?;
        }
        Ok(key)
    }
}

/// How one row went.
pub(crate) enum Outcome {
    /// Stored now.
    Created,
    /// Stored by an earlier run.
    Unchanged,
    /// Not stored: a report code and why.
    Skipped(&'static str, String),
}

impl Outcome {
    fn skipped(code: &'static str, reason: impl Into<String>) -> Self {
        Outcome::Skipped(code, reason.into())
    }
}

fn unreadable(error: cairn_import::ImportError) -> AppError {
    AppError::invalid("export", Reason::Text(error.to_string()))
}

fn describe(error: &AppError) -> String {
    match error {
        AppError::Invalid { field, reason: Reason::Text(text) } => format!("{field}: {text}"),
        AppError::Conflict { field } => format!("{field} is taken"),
        other => other.to_string(),
    }
}

/// Who the audit log names for imported rows.
fn actor() -> Actor {
    Actor::Operator("itglue-import".into())
}

/// Cuts `text` to `max` characters; says whether it did.
fn cut(text: &str, max: usize) -> (String, bool) {
    if text.chars().count() <= max { (text.to_owned(), false) } else { (text.chars().take(max).collect(), true) }
}
