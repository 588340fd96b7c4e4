//! Errors of the vault. None of them ever carries key material or plaintext.

/// Why a key could not be loaded or a value could not be sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The master key text is not 32 bytes of base64.
    #[error("the master key must be 32 bytes, base64-encoded ({0})")]
    InvalidMasterKey(&'static str),
    /// The key file could not be read or written.
    #[error("master key file {path}: {reason}")]
    KeyFile {
        /// The file concerned.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// A wrapped data key was made with another master key.
    #[error("the data key was wrapped by master key {found}, not by the configured key {expected}")]
    WrongMasterKey {
        /// Id of the configured master key.
        expected: String,
        /// Id recorded with the wrapped key.
        found: String,
    },
    /// Ciphertext, additional data or key do not match: tampered, moved or foreign.
    #[error("the sealed value does not open with this key and context")]
    Unseal,
    /// The stored text is not in the sealed format.
    #[error("the sealed value is malformed")]
    Malformed,
    /// The value was sealed under a data-key version this keyring does not hold.
    #[error("no data key of version {0} is available")]
    UnknownKeyVersion(i32),
}
