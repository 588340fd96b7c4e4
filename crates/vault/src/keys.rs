//! Master and data keys.

use std::io::Write;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::VaultError;

const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;

/// The platform's master key. It wraps tenant data keys and nothing else.
pub struct MasterKey {
    key: Zeroizing<[u8; KEY_LEN]>,
    id: String,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MasterKey").field("id", &self.id).finish_non_exhaustive()
    }
}

/// Where a master key came from, so start-up can warn about a fresh one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyFileOrigin {
    /// Read from an existing file.
    Existing,
    /// Generated now and written to the file.
    Created,
}

impl MasterKey {
    /// A new random master key.
    pub fn generate() -> Self {
        Self::from_bytes(XChaCha20Poly1305::generate_key(&mut OsRng).into())
    }

    fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        // The id names the key in wrapped rows without revealing it.
        let digest = Sha256::new_with_prefix(b"cairn master key id\0").chain_update(bytes).finalize();
        let id = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        Self { key: Zeroizing::new(bytes), id }
    }

    /// Parses the base64 text of a key (configuration or key file).
    pub fn from_base64(text: &SecretString) -> Result<Self, VaultError> {
        let decoded = Zeroizing::new(
            STANDARD
                .decode(text.expose_secret().trim())
                .map_err(|_| VaultError::InvalidMasterKey("not valid base64"))?,
        );
        let bytes: [u8; KEY_LEN] =
            decoded.as_slice().try_into().map_err(|_| VaultError::InvalidMasterKey("wrong length"))?;
        Ok(Self::from_bytes(bytes))
    }

    /// The key as base64 text, for writing a key file.
    pub fn to_base64(&self) -> SecretString {
        STANDARD.encode(self.key.as_slice()).into()
    }

    /// Reads the key file, or creates it (mode 0600) with a new key when absent.
    pub fn load_or_create(path: &Path) -> Result<(Self, KeyFileOrigin), VaultError> {
        let file_error = |reason: String| VaultError::KeyFile { path: path.display().to_string(), reason };
        match std::fs::read_to_string(path) {
            Ok(text) => Ok((Self::from_base64(&SecretString::from(text))?, KeyFileOrigin::Existing)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = Self::generate();
                key.write_new_file(path).map_err(|e| file_error(e.to_string()))?;
                Ok((key, KeyFileOrigin::Created))
            }
            Err(e) => Err(file_error(e.to_string())),
        }
    }

    /// Writes the key to a file that must not exist yet, readable by the owner only.
    pub fn write_new_file(&self, path: &Path) -> std::io::Result<()> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path)?;
        file.write_all(self.to_base64().expose_secret().as_bytes())?;
        file.write_all(b"\n")?;
        file.sync_all()
    }

    /// A short public identifier of this key (a hash prefix), stored beside wrapped keys.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.key.as_slice().into())
    }

    /// Wraps a tenant's data key, bound to the tenant and the key's version.
    pub fn wrap(&self, key: &DataKey, tenant_id: &str) -> String {
        let aad = wrap_aad(tenant_id, key.version);
        seal_raw(&self.cipher(), &aad, key.key.as_slice())
    }

    /// Unwraps a tenant's data key; `master_key_id` is what was stored with it.
    pub fn unwrap(
        &self,
        wrapped: &str,
        master_key_id: &str,
        tenant_id: &str,
        version: i32,
    ) -> Result<DataKey, VaultError> {
        if master_key_id != self.id {
            return Err(VaultError::WrongMasterKey { expected: self.id.clone(), found: master_key_id.to_owned() });
        }
        let plain = open_raw(&self.cipher(), &wrap_aad(tenant_id, version), wrapped)?;
        let bytes: [u8; KEY_LEN] = plain.as_slice().try_into().map_err(|_| VaultError::Malformed)?;
        Ok(DataKey { key: Zeroizing::new(bytes), version })
    }
}

fn wrap_aad(tenant_id: &str, version: i32) -> String {
    format!("cairn-data-key|{tenant_id}|{version}")
}

/// A tenant's data key of one version. It seals the tenant's secret fields.
pub struct DataKey {
    pub(crate) key: Zeroizing<[u8; KEY_LEN]>,
    pub(crate) version: i32,
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataKey").field("version", &self.version).finish_non_exhaustive()
    }
}

impl DataKey {
    /// A new random data key of the given version.
    pub fn generate(version: i32) -> Self {
        Self { key: Zeroizing::new(XChaCha20Poly1305::generate_key(&mut OsRng).into()), version }
    }

    /// The version recorded in every value sealed with this key.
    pub fn version(&self) -> i32 {
        self.version
    }

    pub(crate) fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.key.as_slice().into())
    }
}

/// Encrypts with a fresh random nonce; returns base64(nonce ‖ ciphertext ‖ tag).
pub(crate) fn seal_raw(cipher: &XChaCha20Poly1305, aad: &str, plaintext: &[u8]) -> String {
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let ciphertext = cipher
        .encrypt(&nonce, Payload { msg: plaintext, aad: aad.as_bytes() })
        // Encryption fails only for inputs beyond 2^38 bytes; ours are tiny.
        .unwrap_or_default();
    let mut out = Vec::with_capacity(NONCE_LEN + ciphertext.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    STANDARD.encode(out)
}

/// Reverses [`seal_raw`]; any mismatch of key, additional data or bytes fails.
pub(crate) fn open_raw(cipher: &XChaCha20Poly1305, aad: &str, sealed: &str) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    let bytes = STANDARD.decode(sealed).map_err(|_| VaultError::Malformed)?;
    if bytes.len() < NONCE_LEN {
        return Err(VaultError::Malformed);
    }
    let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
    cipher
        .decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: aad.as_bytes() })
        .map(Zeroizing::new)
        .map_err(|_| VaultError::Unseal)
}
