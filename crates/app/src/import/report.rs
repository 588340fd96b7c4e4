//! What an import did: counts per kind and every row it did not take as it
//! was, with the file, line, IT Glue id and the reason.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Counts of one kind of row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Stored by this run.
    pub created: u64,
    /// Found from an earlier run and left as they were.
    pub unchanged: u64,
    /// Not stored (see `skipped`).
    pub skipped: u64,
}

/// A row skipped, or imported without a part of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The file of the export.
    pub file: String,
    /// Its line (1 is the header; 0 when not a table's row).
    pub line: u64,
    /// The row's IT Glue id (or the file's path in the export).
    pub id: String,
    /// A stable code: `ambiguous_organization`, `vaulted_password`, …
    pub code: String,
    /// What was wrong, for people.
    pub reason: String,
}

/// The whole account of an import run, written as JSON by `--report`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ImportReport {
    /// The export read.
    pub source: String,
    /// Whether nothing was kept.
    pub dry_run: bool,
    /// Counts by kind (`organizations`, `configurations`, …).
    pub counts: BTreeMap<String, Counts>,
    /// Rows not stored.
    pub skipped: Vec<Skipped>,
    /// Rows stored without a part of them, or with a change (a cut name).
    pub warnings: Vec<Skipped>,
    /// Files the export does not have (an export without passwords).
    pub missing_files: Vec<String>,
}

impl ImportReport {
    pub(crate) fn new(source: &str, dry_run: bool) -> Self {
        ImportReport {
            source: source.to_owned(),
            dry_run,
            counts: BTreeMap::new(),
            skipped: Vec::new(),
            warnings: Vec::new(),
            missing_files: Vec::new(),
        }
    }

    pub(crate) fn created(&mut self, kind: &str) {
        self.counts.entry(kind.to_owned()).or_default().created += 1;
    }

    pub(crate) fn unchanged(&mut self, kind: &str) {
        self.counts.entry(kind.to_owned()).or_default().unchanged += 1;
    }

    pub(crate) fn skip(&mut self, kind: &str, file: &str, line: u64, id: &str, code: &str, reason: &str) {
        self.counts.entry(kind.to_owned()).or_default().skipped += 1;
        self.skipped.push(entry(file, line, id, code, reason));
    }

    pub(crate) fn warn(&mut self, file: &str, line: u64, id: &str, code: &str, reason: &str) {
        self.warnings.push(entry(file, line, id, code, reason));
    }

    pub(crate) fn note_missing_file(&mut self, file: &str) {
        self.missing_files.push(file.to_owned());
    }

    /// The sums over every kind.
    pub fn total(&self) -> Counts {
        self.counts.values().fold(Counts::default(), |sum, c| Counts {
            created: sum.created + c.created,
            unchanged: sum.unchanged + c.unchanged,
            skipped: sum.skipped + c.skipped,
        })
    }

    /// The summary for people: a line per kind, then one starting with `imported:`.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        for (kind, c) in &self.counts {
            out.push_str(&format!("{kind}: {} created, {} unchanged, {} skipped\n", c.created, c.unchanged, c.skipped));
        }
        for file in &self.missing_files {
            out.push_str(&format!("{file}: not in the export\n"));
        }
        let total = self.total();
        let verb = if self.dry_run { "would be created (dry run, nothing was kept)" } else { "created" };
        out.push_str(&format!(
            "imported: {} {verb}, {} unchanged, {} skipped, {} with warnings{}\n",
            total.created,
            total.unchanged,
            total.skipped,
            self.warnings.len(),
            if total.created == 0 && !self.dry_run { "; nothing changed" } else { "" },
        ));
        out
    }
}

fn entry(file: &str, line: u64, id: &str, code: &str, reason: &str) -> Skipped {
    Skipped { file: file.to_owned(), line, id: id.to_owned(), code: code.to_owned(), reason: reason.to_owned() }
}
