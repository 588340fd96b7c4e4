//! Where Cairn keeps files: the bytes of attachments, in a local folder
//! (the default, under `data_dir`) or in S3-compatible object storage, so
//! that several nodes share them. Both go through the `object_store` crate;
//! this crate only names objects, bounds their size and tells their type.
//!
//! Nothing here decides access: the application authorizes first and
//! stores or reads by key afterwards.

use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt;
use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// Why storing or reading a file failed.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// No object under that key.
    #[error("no such file")]
    NotFound,
    /// The storage is misconfigured.
    #[error("file storage: {0}")]
    Config(String),
    /// The storage failed (unreachable, refused, full).
    #[error("file storage failed: {0}")]
    Storage(String),
}

impl From<object_store::Error> for FileError {
    fn from(error: object_store::Error) -> Self {
        match error {
            object_store::Error::NotFound { .. } => FileError::NotFound,
            // The error's text may carry the bucket and key, never credentials.
            other => FileError::Storage(other.to_string()),
        }
    }
}

/// S3-compatible storage (AWS S3, MinIO, Ceph, Garage, …).
#[derive(Clone, Debug)]
pub struct S3Config {
    /// The bucket (created beforehand).
    pub bucket: String,
    /// The region (`us-east-1` unless the provider says otherwise).
    pub region: String,
    /// The endpoint for non-AWS providers, e.g. `http://127.0.0.1:9000`; empty for AWS.
    pub endpoint: String,
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: SecretString,
    /// Whether a plain-HTTP endpoint is allowed (a provider on the same host).
    pub allow_http: bool,
}

/// Which storage to use.
#[derive(Clone, Debug)]
pub enum StorageConfig {
    /// A folder on this machine (one node, or a shared file system).
    Local(PathBuf),
    /// An S3-compatible bucket.
    S3(S3Config),
}

/// The file store: cheap to clone, shared by every request.
#[derive(Clone)]
pub struct FileStore {
    store: Arc<dyn ObjectStore>,
    description: String,
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.description)
    }
}

/// A file read back: its bytes.
pub type FileBytes = Bytes;

impl FileStore {
    /// Opens the configured storage (creating a local folder if needed).
    pub fn open(config: &StorageConfig) -> Result<Self, FileError> {
        match config {
            StorageConfig::Local(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| FileError::Config(format!("cannot create {}: {e}", dir.display())))?;
                let store = LocalFileSystem::new_with_prefix(dir)
                    .map_err(|e| FileError::Config(format!("{}: {e}", dir.display())))?;
                Ok(Self { store: Arc::new(store), description: format!("local folder {}", dir.display()) })
            }
            StorageConfig::S3(s3) => {
                let mut builder = AmazonS3Builder::new()
                    .with_bucket_name(&s3.bucket)
                    .with_region(&s3.region)
                    .with_access_key_id(&s3.access_key_id)
                    .with_secret_access_key(s3.secret_access_key.expose_secret())
                    .with_allow_http(s3.allow_http);
                if !s3.endpoint.is_empty() {
                    builder = builder.with_endpoint(&s3.endpoint);
                }
                let store = builder.build().map_err(|e| FileError::Config(e.to_string()))?;
                Ok(Self { store: Arc::new(store), description: format!("S3 bucket {}", s3.bucket) })
            }
        }
    }

    /// Stores `bytes` under `key`, replacing what was there.
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), FileError> {
        self.store.put(&Path::from(key), bytes.into()).await?;
        Ok(())
    }

    /// The bytes under `key`.
    pub async fn get(&self, key: &str) -> Result<FileBytes, FileError> {
        Ok(self.store.get(&Path::from(key)).await?.bytes().await?)
    }

    /// Removes the object under `key`; an absent one is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), FileError> {
        match self.store.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Removes every object whose key starts with `prefix` (a folder-like
    /// prefix ending in `/`); returns how many were removed.
    pub async fn delete_prefix(&self, prefix: &str) -> Result<usize, FileError> {
        let prefix = Path::from(prefix.trim_end_matches('/'));
        let locations = self.store.list(Some(&prefix)).map(|meta| meta.map(|m| m.location)).boxed();
        let deleted: Vec<_> = self.store.delete_stream(locations).collect().await;
        let mut count = 0;
        for result in deleted {
            match result {
                Ok(_) | Err(object_store::Error::NotFound { .. }) => count += 1,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(count)
    }

    /// The keys below `prefix`, for tests and operators' checks.
    pub async fn keys(&self, prefix: &str) -> Result<Vec<String>, FileError> {
        let prefix = Path::from(prefix.trim_end_matches('/'));
        let mut keys = Vec::new();
        let mut listing = self.store.list(Some(&prefix));
        while let Some(meta) = listing.next().await {
            keys.push(meta?.location.to_string());
        }
        Ok(keys)
    }
}

/// SHA-256 of `bytes`, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The type of a file, from its content (never from its name or from what
/// the client claimed): the magic numbers `infer` knows, else plain text
/// when it is UTF-8 without NUL, else bytes.
pub fn sniff(bytes: &[u8]) -> &'static str {
    if let Some(kind) = infer::get(bytes) {
        return kind.mime_type();
    }
    let head = &bytes[..bytes.len().min(8192)];
    let text = match std::str::from_utf8(head) {
        Ok(text) => Some(text),
        // The sample may end inside a character.
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).ok(),
        Err(_) => None,
    };
    match text {
        Some(text) if !text.contains('\0') => {
            let start =
                text.trim_start().get(..256.min(text.trim_start().len())).unwrap_or_default().to_ascii_lowercase();
            if start.starts_with("<svg") || (start.starts_with("<?xml") && start.contains("<svg")) {
                "image/svg+xml"
            } else if start.starts_with("<!doctype html") || start.starts_with("<html") {
                "text/html"
            } else {
                "text/plain"
            }
        }
        _ => "application/octet-stream",
    }
}

/// The content type a download is served with: what cannot run in a
/// browser keeps its sniffed type; HTML, SVG, XML, scripts and anything
/// unknown go out as bytes, so no attachment ever renders as a page.
pub fn served_type(sniffed: &str) -> &'static str {
    const SAFE: &[&str] = &[
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "image/bmp",
        "application/pdf",
        "application/x-x509-ca-cert",
        "application/zip",
        "application/gzip",
        "application/x-7z-compressed",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "audio/mpeg",
        "video/mp4",
    ];
    if sniffed == "text/plain" {
        return "text/plain; charset=utf-8";
    }
    SAFE.iter().find(|t| **t == sniffed).copied().unwrap_or("application/octet-stream")
}

/// Whether a sniffed type may be shown inline (raster images only, e.g.
/// pictures in documents): never HTML, SVG or anything that runs.
pub fn is_inline_image(sniffed: &str) -> bool {
    matches!(sniffed, "image/png" | "image/jpeg" | "image/gif" | "image/webp")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_content() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png");
        assert_eq!(sniff(b"%PDF-1.7\n"), "application/pdf");
        assert_eq!(sniff(b"-----BEGIN CERTIFICATE-----\nMIIB\n"), "application/x-x509-ca-cert");
        assert_eq!(sniff(b"hostname: srv01\nip: 10.0.0.1\n"), "text/plain");
        assert_eq!(sniff("Grüezi\n".as_bytes()), "text/plain");
        assert_eq!(sniff(b"\0\x01\x02garbage\xff"), "application/octet-stream");
        assert_eq!(sniff(b"  <svg xmlns=\"http://www.w3.org/2000/svg\"><script>x</script></svg>"), "image/svg+xml");
        assert_eq!(sniff(b"<!DOCTYPE html><script>alert(1)</script>"), "text/html");
        for dangerous in ["text/html", "image/svg+xml", "text/xml", "application/x-sh", "application/x-unknown"] {
            assert_eq!(served_type(dangerous), "application/octet-stream", "{dangerous}");
        }
        assert_eq!(served_type("image/png"), "image/png");
        assert!(!is_inline_image("image/svg+xml"));
    }

    #[tokio::test]
    async fn a_local_folder_stores_reads_and_deletes_by_prefix() {
        let dir = tempfile::tempdir().expect("dir");
        let store = FileStore::open(&StorageConfig::Local(dir.path().join("files"))).expect("store");
        store.put("tenants/a/attachments/1", Bytes::from_static(b"one")).await.expect("put");
        store.put("tenants/a/attachments/2", Bytes::from_static(b"two")).await.expect("put");
        store.put("tenants/b/attachments/3", Bytes::from_static(b"three")).await.expect("put");
        assert_eq!(store.get("tenants/a/attachments/2").await.expect("get").as_ref(), b"two");
        assert!(matches!(store.get("tenants/a/attachments/9").await, Err(FileError::NotFound)));
        assert_eq!(store.delete_prefix("tenants/a/").await.expect("delete"), 2);
        assert!(store.keys("tenants/a/").await.expect("keys").is_empty());
        assert_eq!(store.keys("tenants/b/").await.expect("keys").len(), 1);
        store.delete("tenants/b/attachments/3").await.expect("delete");
        store.delete("tenants/b/attachments/3").await.expect("deleting twice is fine");
    }
}
