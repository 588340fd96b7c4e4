//! Attachments of records and documents: the bytes go to the file store
//! (a local folder or S3), the description to the database, each upload,
//! download and removal to the audit log.
//!
//! The bytes are stored before the row is committed and removed again if
//! the commit fails, so no row ever names missing bytes. A crash between
//! the two leaves at most an unnamed object, never a broken attachment.

use bytes::Bytes;
use cairn_assets::asset_types::FieldKind;
use cairn_assets::attachments::{self, Attachment, NewAttachment};
use cairn_auth::policy::Action;
use cairn_store::new_id;

use crate::relations::{AuthorizedItem, ItemRef, authorize_item};
use crate::{App, AppError, Caller, Reason};

/// A download: what it is and its bytes.
#[derive(Debug)]
pub struct Download {
    /// The attachment.
    pub attachment: Attachment,
    /// Its content.
    pub bytes: Bytes,
    /// The type to serve it as: its sniffed type if browsers cannot run
    /// it as a page, else `application/octet-stream`.
    pub served_type: &'static str,
}

/// Checks that `field` (if any) is an upload field of the item's asset type.
fn check_field(found: &AuthorizedItem, field: &str) -> Result<(), AppError> {
    if field.is_empty() {
        return Ok(());
    }
    let is_upload = found.asset_type.as_ref().and_then(|t| t.field(field)).is_some_and(|f| f.kind == FieldKind::Upload);
    if is_upload { Ok(()) } else { Err(AppError::invalid("field", Reason::Text("not an upload field".into()))) }
}

impl App {
    /// The largest attachment accepted, in bytes.
    pub fn max_attachment_bytes(&self) -> usize {
        self.max_attachment_bytes
    }

    /// The attachments of an item the caller may see.
    pub async fn attachments(&self, caller: &Caller, item: &ItemRef) -> Result<Vec<Attachment>, AppError> {
        let (caller, item) = (caller.clone(), item.clone());
        self.read(&caller.tenant().id.clone(), move |tx| {
            let found = authorize_item(tx, &caller, &item, Action::View)?;
            Ok(attachments::list(tx.conn, tx.tenant, &found.item.id)?)
        })
        .await
    }

    /// Attaches a file to an item the caller may edit (in an asset's upload
    /// field when `field` names one). The type is sniffed from the content;
    /// the name is kept, made safe.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), size = bytes.len()))]
    pub async fn attach(
        &self,
        caller: &Caller,
        item: &ItemRef,
        field: &str,
        file_name: &str,
        bytes: Bytes,
    ) -> Result<Attachment, AppError> {
        if bytes.len() > self.max_attachment_bytes {
            return Err(AppError::invalid("file", Reason::TooLarge));
        }
        // Refuse early, before the bytes go anywhere; checked again below, in the write.
        {
            let (caller, item, field) = (caller.clone(), item.clone(), field.to_owned());
            self.read(&caller.tenant().id.clone(), move |tx| {
                check_field(&authorize_item(tx, &caller, &item, Action::Edit)?, &field)
            })
            .await?;
        }
        let tenant = caller.tenant().id.clone();
        let id = new_id();
        let key = attachments::object_key(&tenant, &id);
        let content_type = cairn_files::sniff(&bytes).to_owned();
        let sha256 = cairn_files::sha256_hex(&bytes);
        let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        self.files.put(&key, bytes).await.map_err(AppError::internal)?;
        let (caller_tx, item, field, name) =
            (caller.clone(), item.clone(), field.to_owned(), attachments::sanitize_file_name(file_name));
        let key_tx = key.clone();
        let stored = self
            .write(&tenant, move |tx| {
                let found = authorize_item(tx, &caller_tx, &item, Action::Edit)?;
                check_field(&found, &field)?;
                let new = NewAttachment {
                    id: &id,
                    organization_id: found.organization_id.as_deref(),
                    owner: &found.item,
                    field_id: &field,
                    file_name: &name,
                    content_type: &content_type,
                    size,
                    sha256: &sha256,
                    object_key: &key_tx,
                };
                Ok(attachments::add(tx.conn, tx.tenant, &new, caller_tx.actor())?)
            })
            .await;
        if stored.is_err()
            && let Err(error) = self.files.delete(&key).await
        {
            tracing::warn!(%error, "an upload's bytes could not be removed after its row failed");
        }
        stored
    }

    /// An attachment's bytes, for a caller who may see its item; the
    /// download is written to the audit log.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), attachment = id))]
    pub async fn download(&self, caller: &Caller, item: &ItemRef, id: &str) -> Result<Download, AppError> {
        let (caller_tx, item, id) = (caller.clone(), item.clone(), id.to_owned());
        let attachment = self
            .write(&caller.tenant().id.clone(), move |tx| {
                let found = authorize_item(tx, &caller_tx, &item, Action::View)?;
                let attachment = attachments::get(tx.conn, tx.tenant, &found.item.id, &id)?;
                attachments::downloaded(tx.conn, tx.tenant, &attachment, caller_tx.actor(), caller_tx.event_ip())?;
                Ok(attachment)
            })
            .await?;
        let bytes = self.files.get(&attachment.object_key).await.map_err(AppError::internal)?;
        let served_type = cairn_files::served_type(&attachment.content_type);
        Ok(Download { attachment, bytes, served_type })
    }

    /// Removes an attachment of an item the caller may edit.
    #[tracing::instrument(skip_all, fields(tenant = %caller.tenant().slug, user = caller.label(), attachment = id))]
    pub async fn remove_attachment(&self, caller: &Caller, item: &ItemRef, id: &str) -> Result<(), AppError> {
        let (caller_tx, item, id) = (caller.clone(), item.clone(), id.to_owned());
        let attachment = self
            .write(&caller.tenant().id.clone(), move |tx| {
                let found = authorize_item(tx, &caller_tx, &item, Action::Edit)?;
                let attachment = attachments::get(tx.conn, tx.tenant, &found.item.id, &id)?;
                attachments::remove(tx.conn, tx.tenant, &attachment, caller_tx.actor())?;
                Ok(attachment)
            })
            .await?;
        if let Err(error) = self.files.delete(&attachment.object_key).await {
            // The row is gone, so nothing names the bytes any more; the
            // tenant's deletion removes them at the latest.
            tracing::warn!(%error, "a removed attachment's bytes could not be deleted");
        }
        Ok(())
    }
}
