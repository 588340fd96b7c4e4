//! Documents (HTML to Markdown, their images as attachments), the files of
//! upload fields and the export's `attachments/` folder.

use std::collections::HashMap;

use cairn_assets::attachments::{self, NewAttachment};
use cairn_assets::documents::{self, NewDocument};
use cairn_assets::relations::{Item, ItemKind};
use cairn_import::html::{self, Image};
use cairn_import::itglue::{self, DocumentFiles};
use cairn_store::{DbConn, new_id};

use super::{Importer, Outcome, actor, cut};
use crate::AppError;

/// The largest HTML page read.
const MAX_HTML: u64 = 20 * 1024 * 1024;
/// Attachments per transaction.
const FILE_BATCH: usize = 25;

/// A file to attach once its owner is stored.
struct Pending {
    id: String,
    file_name: String,
    bytes: Vec<u8>,
}

impl Importer {
    /// `documents.csv` with each document's folder, found by locator.
    pub(super) fn documents(&mut self, conn: &mut DbConn) -> Result<(), AppError> {
        let folders = itglue::document_files(&self.source);
        self.table(conn, "documents.csv", "documents", |this, conn, row| this.document(conn, row, &folders))
    }

    fn document(
        &mut self,
        conn: &mut DbConn,
        row: &cairn_import::Row,
        folders: &HashMap<String, DocumentFiles>,
    ) -> Result<Outcome, AppError> {
        let (file, id) = ("documents.csv", row.get("id").trim());
        if itglue::yes(row.get("archived")) {
            return Ok(Outcome::skipped("archived", "archived in IT Glue"));
        }
        let locator = row.get("locator").trim();
        // The locator names the organization by id: it decides even when two share a name.
        let by_locator =
            locator.strip_prefix("DOC-").and_then(|rest| rest.split('-').next()).and_then(|org| self.orgs.get(org));
        let org = match by_locator.cloned().map_or_else(|| self.organization_of(row), Ok) {
            Ok(org) => org,
            Err(outcome) => return Ok(outcome),
        };
        if let Some(local) = self.local("document", id).cloned() {
            self.owner_org.insert(local, org.local);
            return Ok(Outcome::Unchanged);
        }
        let Some(found) = folders.get(locator) else {
            return Ok(Outcome::skipped("missing_html", format!("no folder {locator} in documents/")));
        };
        let Some(html_name) = found.html.clone() else {
            return Ok(Outcome::skipped("missing_html", format!("{} holds no .html file", found.dir)));
        };
        let bytes = self
            .source
            .read(&html_name, MAX_HTML)
            .map_err(|e| AppError::invalid("export", crate::Reason::Text(e.to_string())))?;
        let page = String::from_utf8_lossy(&bytes);
        let page = page.trim_start_matches('\u{feff}');
        let document_id = new_id();
        let base = format!("/organizations/{}/documents/{document_id}/attachments/", org.local);
        let mut pending: Vec<Pending> = Vec::new();
        let mut by_path: HashMap<String, String> = HashMap::new();
        let mut problems: Vec<String> = Vec::new();
        let dir = found.dir.clone();
        let converted = {
            let source = &mut self.source;
            let max = self.max_file_bytes;
            html::to_markdown(page, &mut |image| match image {
                Image::File(relative) => {
                    let path = itglue::join(&dir, &relative)?;
                    if let Some(url) = by_path.get(&path) {
                        return Some(url.clone());
                    }
                    match source.read(&path, max) {
                        Ok(bytes) => {
                            let id = new_id();
                            let name = path.rsplit('/').next().unwrap_or("image").to_owned();
                            let url = format!("{base}{id}");
                            pending.push(Pending { id, file_name: with_extension(&name, &bytes), bytes });
                            by_path.insert(path, url.clone());
                            Some(url)
                        }
                        Err(error) => {
                            // A link to a page or file that is not an image of the export stays a link.
                            if source.contains(&path) || looks_like_image(&relative) {
                                problems.push(error.to_string());
                            }
                            None
                        }
                    }
                }
                Image::Embedded(bytes) => {
                    let id = new_id();
                    let url = format!("{base}{id}");
                    let name = format!("image-{}", pending.len() + 1);
                    pending.push(Pending { id, file_name: with_extension(&name, &bytes), bytes });
                    Some(url)
                }
                Image::Broken => {
                    problems.push("an embedded data: image cannot be decoded".into());
                    None
                }
            })
        };
        for problem in problems {
            self.report.warn(file, row.line, id, "missing_image", &problem);
        }
        if converted.active_content_removed {
            self.report.warn(
                file,
                row.line,
                id,
                "active_content_removed",
                "scripts, event handlers or frames were removed",
            );
        }
        let title = self.name_within_document(row.line, id, row.get("name"));
        let folder = found.folders.join("/");
        let (body, body_cut) = cut(&converted.markdown, 200_000);
        if body_cut {
            self.report.warn(file, row.line, id, "body_truncated", "the text was cut to 200000 characters");
        }
        let new = NewDocument {
            id: &document_id,
            organization_id: Some(&org.local),
            title: &title,
            body: &body,
            folder: &folder,
        };
        documents::insert_new(conn, &self.tenant, &new, None)?;
        let owner = Item { id: document_id.clone(), kind: ItemKind::Document };
        for image in pending {
            self.attach(conn, &owner, &org.local, "", image)?;
        }
        self.remember(conn, "document", id, &document_id)?;
        self.owner_org.insert(document_id, org.local);
        Ok(Outcome::Created)
    }

    fn name_within_document(&mut self, line: u64, id: &str, name: &str) -> String {
        let (kept, was_cut) = cut(name.trim(), 200);
        if was_cut {
            self.report.warn("documents.csv", line, id, "name_truncated", "the title was cut to 200 characters");
        }
        kept
    }

    /// Stores a file and its attachment row.
    fn attach(
        &mut self,
        conn: &mut DbConn,
        owner: &Item,
        organization: &str,
        field: &str,
        file: Pending,
    ) -> Result<(), AppError> {
        let content_type = cairn_files::sniff(&file.bytes).to_owned();
        let sha256 = cairn_files::sha256_hex(&file.bytes);
        let size = i64::try_from(file.bytes.len()).unwrap_or(i64::MAX);
        let key = self.put(&file.id, file.bytes)?;
        let name = attachments::sanitize_file_name(&file.file_name);
        let new = NewAttachment {
            id: &file.id,
            organization_id: Some(organization),
            owner,
            field_id: field,
            file_name: &name,
            content_type: &content_type,
            size,
            sha256: &sha256,
            object_key: &key,
        };
        attachments::add(conn, &self.tenant, &new, actor())?;
        Ok(())
    }

    /// The files an upload field's cell names (`, `-separated; a file name
    /// may itself hold `, `, so the folder's files are matched, longest first).
    pub(super) fn upload_field(
        &mut self,
        conn: &mut DbConn,
        (file, line, id): (&str, u64, &str),
        (slug, label, field_id): (&str, &str, &str),
        (organization, asset): (&str, &str),
        cell: &str,
    ) -> Result<(), AppError> {
        let folder = itglue::upload_folder(slug, label);
        let mut present: Vec<String> =
            self.source.names_under(&folder).filter_map(|n| n.strip_prefix(&folder)).map(str::to_owned).collect();
        present.sort_by_key(|n| std::cmp::Reverse(n.len()));
        let mut rest = cell.trim().to_owned();
        let owner = Item { id: asset.to_owned(), kind: ItemKind::Record };
        while !rest.is_empty() {
            let matched = present.iter().find(|name| {
                rest == **name || rest.starts_with(&format!("{name}, ")) || rest.ends_with(&format!(", {name}"))
            });
            let name = match matched {
                Some(name) => name.clone(),
                None => {
                    let (missing, tail) = rest.split_once(", ").unwrap_or((&rest, ""));
                    self.report.warn(
                        file,
                        line,
                        id,
                        "missing_upload_file",
                        &format!("{label}: {missing:?} is not in {folder}"),
                    );
                    rest = tail.to_owned();
                    continue;
                }
            };
            rest = if rest == name {
                String::new()
            } else if let Some(tail) = rest.strip_prefix(&format!("{name}, ")) {
                tail.to_owned()
            } else {
                rest[..rest.len() - name.len() - 2].to_owned()
            };
            let path = format!("{folder}{name}");
            match self.source.read(&path, self.max_file_bytes) {
                Ok(bytes) => {
                    self.attach(conn, &owner, organization, field_id, Pending { id: new_id(), file_name: name, bytes })?
                }
                Err(error) => self.report.warn(file, line, id, "missing_upload_file", &error.to_string()),
            }
        }
        Ok(())
    }

    /// `attachments/<kind>/<IT Glue id>/<file>`: files of records and documents.
    pub(super) fn attachments(&mut self, conn: &mut DbConn) -> Result<(), AppError> {
        let paths: Vec<String> = self.source.names_under("attachments/").map(str::to_owned).collect();
        self.progress.phase("attachments", Some(paths.len() as u64));
        self.checkpoint(conn, "attachments");
        for chunk in paths.chunks(FILE_BATCH) {
            let tenant = self.tenant.clone();
            cairn_store::tenant_write(conn, &tenant, |c| {
                for path in chunk {
                    let outcome = diesel::Connection::transaction(c, |c| self.attachment(c, path));
                    self.tally("attachments", ("attachments", 0, path), outcome)?;
                }
                Ok::<_, AppError>(())
            })?;
            self.rows_done += chunk.len() as i64;
            self.checkpoint(conn, "attachments");
        }
        self.progress.finish();
        Ok(())
    }

    fn attachment(&mut self, conn: &mut DbConn, path: &str) -> Result<Outcome, AppError> {
        let parts: Vec<&str> = path.splitn(4, '/').collect();
        let [_, entity, record, name] = parts.as_slice() else {
            return Ok(Outcome::skipped("orphan_attachment", "not under attachments/<kind>/<id>/"));
        };
        let kind = match *entity {
            "configurations" => "configuration",
            "documents" => "document",
            "passwords" => "password",
            "contacts" => "contact",
            "locations" => "location",
            "domains" => "domain",
            _ => "flexible_asset",
        };
        if self.local("attachment", path).is_some() {
            return Ok(Outcome::Unchanged);
        }
        let Some(owner_id) = self.local(kind, record).cloned() else {
            // Files are kept under the name of the table their record came from.
            return Ok(if self.skipped_rows.contains(&(format!("{entity}.csv"), (*record).to_owned())) {
                Outcome::skipped("attachment_of_skipped_record", format!("{kind} {record} was not imported"))
            } else {
                Outcome::skipped("orphan_attachment", format!("no {kind} {record} in the export"))
            });
        };
        let Some(organization) = self.owner_org.get(&owner_id).cloned() else {
            return Ok(Outcome::skipped(
                "orphan_attachment",
                format!("{kind} {record} is not in an imported organization"),
            ));
        };
        let bytes = match self.source.read(path, self.max_file_bytes) {
            Ok(bytes) => bytes,
            Err(error) => return Ok(Outcome::skipped("attachment_too_large", error.to_string())),
        };
        let owner = Item { id: owner_id, kind: if kind == "document" { ItemKind::Document } else { ItemKind::Record } };
        let file = Pending { id: new_id(), file_name: (*name).rsplit('/').next().unwrap_or(name).to_owned(), bytes };
        let attachment_id = file.id.clone();
        self.attach(conn, &owner, &organization, "", file)?;
        self.remember(conn, "attachment", path, &attachment_id)?;
        Ok(Outcome::Created)
    }
}

/// A file name with the extension its content calls for, when it has none.
fn with_extension(name: &str, bytes: &[u8]) -> String {
    if name.contains('.') {
        return name.to_owned();
    }
    match cairn_files::sniff(bytes) {
        "image/png" => format!("{name}.png"),
        "image/jpeg" => format!("{name}.jpg"),
        "image/gif" => format!("{name}.gif"),
        "image/webp" => format!("{name}.webp"),
        "image/svg+xml" => format!("{name}.svg"),
        _ => name.to_owned(),
    }
}

fn looks_like_image(relative: &str) -> bool {
    relative.contains("/images/")
        || [".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg"].iter().any(|e| relative.to_lowercase().ends_with(e))
}
