//! Reading other products' exports, for Cairn's importers.
//!
//! This crate only reads: it opens an export (a ZIP or an unpacked folder),
//! streams its tables row by row, turns its HTML into Markdown without
//! anything active, and knows how IT Glue writes its cells. What becomes of
//! the rows is decided by the import use case of the application layer.

pub mod html;
pub mod itglue;
pub mod source;

pub use source::{Row, Source, Table};

/// Why an export cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file or folder cannot be opened as an export.
    #[error("cannot open the export: {0}")]
    Open(String),
    /// A file the export should hold is not there.
    #[error("{0}: not in the export")]
    Missing(String),
    /// A file cannot be read.
    #[error("{0}: cannot be read ({1})")]
    Read(String, String),
    /// A file is larger than the importer accepts.
    #[error("{0}: {1} bytes, more than accepted")]
    TooLarge(String, u64),
}
