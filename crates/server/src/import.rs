//! `cairn import itglue …`: an IT Glue export into a tenant, with a
//! progress bar on a terminal and plain lines elsewhere.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use cairn_app::{App, AppError, ImportOptions, ImportProgress, Reason};
use clap::Subcommand;

/// `cairn import …`
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// An IT Glue account export (the ZIP, or the folder it was unpacked
    /// into). Running it again changes nothing; a run that stopped
    /// continues where it stopped.
    Itglue {
        /// The export: a .zip file or a folder.
        export: PathBuf,
        /// The tenant's slug.
        #[arg(long)]
        tenant: String,
        /// Read and check everything, keep nothing.
        #[arg(long)]
        dry_run: bool,
        /// Write the report (counts, every skipped row and why) as JSON here.
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
        /// Import only the organization of this name (may be given more than once).
        #[arg(long = "only-org", value_name = "NAME")]
        only_org: Vec<String>,
    },
}

/// Runs an import command.
pub async fn run(command: ImportCommand, app: &App, out: &mut (dyn Write + Send)) -> anyhow::Result<()> {
    let ImportCommand::Itglue { export, tenant, dry_run, report, only_org } = command;
    let progress: Arc<dyn ImportProgress> =
        if std::io::stderr().is_terminal() { Arc::new(Bars::default()) } else { Arc::new(Lines::default()) };
    let options = ImportOptions { dry_run, only_organizations: only_org };
    let result = app.import_itglue(&tenant, export, options, progress).await.map_err(|error| match error {
        AppError::NotFound => anyhow::anyhow!("no tenant {tenant}"),
        AppError::Invalid { reason: Reason::Text(message), .. } => anyhow::anyhow!(message),
        other => anyhow::anyhow!(other),
    })?;
    if let Some(path) = report {
        let json = serde_json::to_vec_pretty(&result)?;
        std::fs::write(&path, json).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    }
    out.write_all(result.summary().as_bytes())?;
    Ok(())
}

/// A bar (or a spinner when the total is unknown) per phase.
#[derive(Default)]
struct Bars {
    bar: Mutex<Option<indicatif::ProgressBar>>,
}

impl ImportProgress for Bars {
    fn phase(&self, name: &str, total: Option<u64>) {
        let bar = match total {
            Some(total) => indicatif::ProgressBar::new(total).with_style(
                indicatif::ProgressStyle::with_template("{msg:>28} [{bar:30}] {pos}/{len} {elapsed}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                    .progress_chars("=> "),
            ),
            None => indicatif::ProgressBar::new_spinner().with_style(
                indicatif::ProgressStyle::with_template("{msg:>28} {spinner} {pos} rows {elapsed}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            ),
        };
        bar.set_message(name.to_owned());
        if let Ok(mut slot) = self.bar.lock() {
            *slot = Some(bar);
        }
    }

    fn advance(&self) {
        if let Ok(slot) = self.bar.lock()
            && let Some(bar) = slot.as_ref()
        {
            bar.inc(1);
        }
    }

    fn finish(&self) {
        if let Ok(mut slot) = self.bar.lock()
            && let Some(bar) = slot.take()
        {
            bar.finish();
        }
    }
}

/// Plain lines on standard error: one when a phase starts, one every
/// thousand rows, one when it ends.
#[derive(Default)]
struct Lines {
    state: Mutex<(String, u64)>,
}

impl ImportProgress for Lines {
    fn phase(&self, name: &str, total: Option<u64>) {
        if let Ok(mut state) = self.state.lock() {
            *state = (name.to_owned(), 0);
        }
        match total {
            Some(total) => eprintln!("import: {name}: {total} to do"),
            None => eprintln!("import: {name}"),
        }
    }

    fn advance(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.1 += 1;
            if state.1 % 1000 == 0 {
                eprintln!("import: {}: {} done", state.0, state.1);
            }
        }
    }

    fn finish(&self) {
        if let Ok(state) = self.state.lock() {
            eprintln!("import: {}: {} done", state.0, state.1);
        }
    }
}
