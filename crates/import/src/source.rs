//! Where an export is read from: its ZIP file, or the folder it was
//! unpacked into. Entries are read one at a time; the archive is never
//! loaded whole, so memory stays bounded whatever the export's size.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use crate::ImportError;

/// An opened export.
pub struct Source {
    kind: Kind,
    /// Every file entry (no directories), by its `/`-separated name, with
    /// its size; for a ZIP also its index.
    files: BTreeMap<String, Entry>,
}

enum Kind {
    Zip(zip::ZipArchive<BufReader<File>>),
    Folder(PathBuf),
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    index: usize,
    size: u64,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source").field("files", &self.files.len()).finish_non_exhaustive()
    }
}

impl Source {
    /// Opens a ZIP file or a folder. Only the ZIP's central directory (the
    /// list of entries) is read here.
    pub fn open(path: &Path) -> Result<Self, ImportError> {
        let meta = std::fs::metadata(path).map_err(|e| ImportError::Open(format!("{}: {e}", path.display())))?;
        if meta.is_dir() {
            let mut files = BTreeMap::new();
            walk(path, path, &mut files)?;
            return Ok(Source { kind: Kind::Folder(path.to_owned()), files });
        }
        let file = File::open(path).map_err(|e| ImportError::Open(format!("{}: {e}", path.display())))?;
        let mut archive = zip::ZipArchive::new(BufReader::new(file))
            .map_err(|e| ImportError::Open(format!("{}: not a readable ZIP file ({e})", path.display())))?;
        let mut files = BTreeMap::new();
        for index in 0..archive.len() {
            let entry = archive.by_index_raw(index).map_err(|e| ImportError::Open(e.to_string()))?;
            if entry.is_dir() {
                continue;
            }
            // `name()` is the stored name, decoded as UTF-8 (the flag) or CP437;
            // it is looked up, never used as a path on disk.
            let name = entry.name().trim_start_matches('/').to_owned();
            files.insert(name, Entry { index, size: entry.size() });
        }
        Ok(Source { kind: Kind::Zip(archive), files })
    }

    /// The names of every file entry, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// The names of the files below `prefix` (e.g. `attachments/`), sorted;
    /// found in the sorted index, not by reading every name.
    pub fn names_under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        use std::ops::Bound;
        self.files
            .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
            .map(|(name, _)| name.as_str())
            .take_while(move |name| name.starts_with(prefix))
    }

    /// Whether the export holds a file of that name.
    pub fn contains(&self, name: &str) -> bool {
        self.files.contains_key(name)
    }

    /// A file's size as the export states it.
    pub fn size(&self, name: &str) -> Option<u64> {
        self.files.get(name).map(|e| e.size)
    }

    /// Streams one file's content to `f`.
    pub fn with_reader<T>(
        &mut self,
        name: &str,
        f: impl FnOnce(&mut dyn Read) -> Result<T, ImportError>,
    ) -> Result<T, ImportError> {
        let entry = *self.files.get(name).ok_or_else(|| ImportError::Missing(name.to_owned()))?;
        match &mut self.kind {
            Kind::Zip(archive) => {
                let mut file =
                    archive.by_index(entry.index).map_err(|e| ImportError::Read(name.to_owned(), e.to_string()))?;
                f(&mut file)
            }
            Kind::Folder(root) => {
                let mut file = BufReader::new(
                    File::open(root.join(name)).map_err(|e| ImportError::Read(name.to_owned(), e.to_string()))?,
                );
                f(&mut file)
            }
        }
    }

    /// Reads one whole file of at most `limit` bytes (larger ones are refused
    /// before they are read).
    pub fn read(&mut self, name: &str, limit: u64) -> Result<Vec<u8>, ImportError> {
        let size = self.size(name).ok_or_else(|| ImportError::Missing(name.to_owned()))?;
        if size > limit {
            return Err(ImportError::TooLarge(name.to_owned(), size));
        }
        self.with_reader(name, |reader| {
            let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
            // The stated size is not trusted: read one byte beyond the limit at most.
            reader
                .take(limit + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| ImportError::Read(name.to_owned(), e.to_string()))?;
            if bytes.len() as u64 > limit {
                return Err(ImportError::TooLarge(name.to_owned(), bytes.len() as u64));
            }
            Ok(bytes)
        })
    }
}

fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<String, Entry>) -> Result<(), ImportError> {
    let read = std::fs::read_dir(dir).map_err(|e| ImportError::Open(format!("{}: {e}", dir.display())))?;
    for item in read {
        let item = item.map_err(|e| ImportError::Open(e.to_string()))?;
        let path = item.path();
        let kind = item.file_type().map_err(|e| ImportError::Open(e.to_string()))?;
        if kind.is_dir() {
            walk(root, &path, files)?;
        } else if kind.is_file() {
            let relative = path.strip_prefix(root).map_err(|e| ImportError::Open(e.to_string()))?;
            let name = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            let size = item.metadata().map(|m| m.len()).unwrap_or(0);
            files.insert(name, Entry { index: 0, size });
        }
    }
    Ok(())
}

impl Source {
    /// Opens one CSV file of the export as a table read row by row. A ZIP
    /// entry is first copied to a temporary file, so that other entries
    /// can be read while the table is (its rows are never all in memory).
    pub fn table(&mut self, name: &str) -> Result<Table, ImportError> {
        let reader: Box<dyn Read + Send> = match &self.kind {
            Kind::Folder(root) => Box::new(BufReader::new(
                File::open(root.join(name)).map_err(|e| ImportError::Read(name.to_owned(), e.to_string()))?,
            )),
            Kind::Zip(_) => {
                let mut spool = tempfile::tempfile().map_err(|e| ImportError::Read(name.to_owned(), e.to_string()))?;
                self.with_reader(name, |reader| {
                    std::io::copy(reader, &mut spool).map_err(|e| ImportError::Read(name.to_owned(), e.to_string()))
                })?;
                use std::io::Seek;
                spool.rewind().map_err(|e| ImportError::Read(name.to_owned(), e.to_string()))?;
                Box::new(BufReader::new(spool))
            }
        };
        Table::new(name, reader)
    }
}

/// One CSV file, read row by row (RFC 4180; a UTF-8 BOM, CRLF or LF line
/// ends and multi-line quoted cells are all read as they are).
pub struct Table {
    name: String,
    headers: Vec<String>,
    reader: csv::Reader<Box<dyn Read + Send>>,
    record: csv::ByteRecord,
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table").field("name", &self.name).field("headers", &self.headers).finish_non_exhaustive()
    }
}

/// A row that cannot be read, and why.
#[derive(Clone, Debug)]
pub struct BadRow {
    /// Its line.
    pub line: u64,
    /// Why.
    pub reason: String,
}

/// One row of a [`Table`].
#[derive(Clone, Debug)]
pub struct Row {
    /// The line the row starts on (the header is line 1).
    pub line: u64,
    cells: Vec<(String, String)>,
}

impl Row {
    /// The cell of a column (`""` when the column is absent or empty).
    pub fn get(&self, column: &str) -> &str {
        self.cells.iter().find(|(name, _)| name == column).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    /// Every cell, with its column's name, in the file's order.
    pub fn cells(&self) -> impl Iterator<Item = (&str, &str)> {
        self.cells.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl Table {
    fn new(name: &str, reader: Box<dyn Read + Send>) -> Result<Self, ImportError> {
        let mut reader = csv::ReaderBuilder::new().flexible(true).has_headers(true).from_reader(reader);
        let headers = reader
            .byte_headers()
            .map_err(|e| ImportError::Read(name.to_owned(), e.to_string()))?
            .iter()
            .map(|h| String::from_utf8_lossy(h).trim_start_matches('\u{feff}').trim().to_owned())
            .collect();
        Ok(Table { name: name.to_owned(), headers, reader, record: csv::ByteRecord::new() })
    }

    /// The column names, in order.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The next row: `None` at the end, `Some(Err((line, reason)))` for a
    /// row that cannot be read (bad UTF-8; reading goes on after it), an
    /// error when the file itself cannot be read further.
    pub fn next_row(&mut self) -> Result<Option<Result<Row, BadRow>>, ImportError> {
        let more = self
            .reader
            .read_byte_record(&mut self.record)
            .map_err(|e| ImportError::Read(self.name.clone(), e.to_string()))?;
        if !more {
            return Ok(None);
        }
        let line = self.record.position().map(|p| p.line()).unwrap_or(0);
        let mut cells = Vec::with_capacity(self.headers.len());
        for (index, cell) in self.record.iter().enumerate() {
            let Ok(text) = std::str::from_utf8(cell) else {
                return Ok(Some(Err(BadRow { line, reason: format!("column {} is not UTF-8", index + 1) })));
            };
            let name = self.headers.get(index).cloned().unwrap_or_else(|| format!("column {}", index + 1));
            cells.push((name, text.to_owned()));
        }
        Ok(Some(Ok(Row { line, cells })))
    }
}
