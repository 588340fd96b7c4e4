//! Imports started by an owner on the settings page: the upload is kept in
//! the imports folder, the import runs in the background on this node, and
//! its phase, count and report are kept in the database for the page.

use std::sync::Arc;

use cairn_assets::import_jobs::{self, ImportJob};
use cairn_auth::policy::{Action, Resource, can};
use cairn_store::new_id;
use tokio::io::AsyncWriteExt;

use super::{ImportOptions, ImportProgress};
use crate::{App, AppError, Caller, Reason};

/// An export being uploaded: its bytes go to a file, never into memory.
pub struct ImportUpload {
    spool: tempfile::NamedTempFile,
    file: tokio::fs::File,
    written: u64,
    limit: u64,
}

impl std::fmt::Debug for ImportUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportUpload").field("written", &self.written).finish_non_exhaustive()
    }
}

impl ImportUpload {
    /// Appends the next bytes; refuses an upload over the limit.
    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), AppError> {
        self.written += bytes.len() as u64;
        if self.written > self.limit {
            return Err(AppError::invalid("export", Reason::TooLarge));
        }
        self.file.write_all(bytes).await.map_err(AppError::internal)
    }
}

/// Progress of a background import goes to its job row, not to a terminal.
struct Quiet;

impl ImportProgress for Quiet {
    fn phase(&self, _: &str, _: Option<u64>) {}
    fn advance(&self) {}
    fn finish(&self) {}
}

impl App {
    /// Whether the caller may import into the tenant (owners).
    pub fn may_import(&self, caller: &Caller) -> bool {
        can(&caller.principal(), Action::Import, &Resource::Tenant)
    }

    /// The largest export accepted from the settings page, in bytes.
    pub fn max_import_bytes(&self) -> u64 {
        self.max_import_bytes
    }

    /// A new upload of an export, written to the imports folder as it
    /// arrives; removed when dropped unless an import takes it.
    pub fn import_upload(&self) -> Result<ImportUpload, AppError> {
        std::fs::create_dir_all(&self.import_dir).map_err(AppError::internal)?;
        let spool = tempfile::NamedTempFile::new_in(&self.import_dir).map_err(AppError::internal)?;
        let file = tokio::fs::File::from_std(spool.reopen().map_err(AppError::internal)?);
        Ok(ImportUpload { spool, file, written: 0, limit: self.max_import_bytes })
    }

    /// Starts importing an uploaded IT Glue export in the background.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label()))]
    pub async fn start_import(
        self: &Arc<Self>,
        caller: &Caller,
        file_name: &str,
        mut upload: ImportUpload,
    ) -> Result<ImportJob, AppError> {
        if !self.may_import(caller) {
            return Err(AppError::NotFound);
        }
        upload.file.flush().await.map_err(AppError::internal)?;
        let ImportUpload { spool: upload, written: size, .. } = upload;
        if size == 0 {
            return Err(AppError::invalid("export", Reason::Text("the file is empty".into())));
        }
        let id = new_id();
        let path = self.import_dir.join(format!("{id}.zip"));
        upload.persist(&path).map_err(AppError::internal)?;
        let tenant = caller.tenant().id.clone();
        let (job_id, name, by) =
            (id.clone(), file_name.chars().take(200).collect::<String>(), caller.label().to_owned());
        let created = self
            .write(&tenant, move |tx| Ok(import_jobs::create(tx.conn, tx.tenant, &job_id, "itglue", &name, &by)?))
            .await;
        let job = match created {
            Ok(job) => job,
            Err(error) => {
                let _ = std::fs::remove_file(&path);
                return Err(error);
            }
        };
        let app = Arc::clone(self);
        tokio::spawn(async move {
            let outcome = app
                .run_import(&tenant, path.clone(), ImportOptions::default(), Arc::new(Quiet), Some(id.clone()))
                .await;
            let _ = tokio::fs::remove_file(&path).await;
            let result = match &outcome {
                Ok(report) => Ok(serde_json::to_string(report).unwrap_or_default()),
                Err(AppError::Invalid { reason: Reason::Text(text), .. }) => Err(text.clone()),
                Err(error) => {
                    tracing::error!(%error, "an import failed");
                    Err("the import stopped on an internal error; start it again to continue where it stopped"
                        .to_owned())
                }
            };
            let finished = app
                .write(&tenant, move |tx| {
                    Ok(import_jobs::finish(tx.conn, tx.tenant, &id, result.as_deref().map_err(String::as_str))?)
                })
                .await;
            if let Err(error) = finished {
                tracing::error!(%error, "an import's end could not be noted");
            }
        });
        Ok(job)
    }

    /// The tenant's imports, newest first (owners).
    pub async fn import_jobs(&self, caller: &Caller) -> Result<Vec<ImportJob>, AppError> {
        if !self.may_import(caller) {
            return Err(AppError::NotFound);
        }
        let jobs = self.read(&caller.tenant().id.clone(), |tx| Ok(import_jobs::list(tx.conn, tx.tenant)?)).await?;
        Ok(jobs.into_iter().map(stalled_as_failed).collect())
    }

    /// One import, with its report once done (owners).
    pub async fn import_job(&self, caller: &Caller, id: &str) -> Result<ImportJob, AppError> {
        if !self.may_import(caller) {
            return Err(AppError::NotFound);
        }
        let id = id.to_owned();
        let job =
            self.read(&caller.tenant().id.clone(), move |tx| Ok(import_jobs::get(tx.conn, tx.tenant, &id)?)).await?;
        Ok(stalled_as_failed(job))
    }
}

/// A running import notes its progress every few seconds; one silent for
/// this long died with its node.
const STALLED_AFTER: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

/// Shows an import whose node stopped as failed, and how to go on.
fn stalled_as_failed(mut job: ImportJob) -> ImportJob {
    let silent = cairn_store::now() - job.updated_at;
    if matches!(job.status.as_str(), "queued" | "running") && silent > STALLED_AFTER {
        job.status = "failed".into();
        job.error = Some(
            "The import stopped with the server that ran it. Upload the export again: it continues where it stopped."
                .into(),
        );
    }
    job
}
