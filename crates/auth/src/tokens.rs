//! Random tokens and their stored hashes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// 32 random bytes as base64url: invitation, session, reset and handoff tokens.
///
/// From the thread's CSPRNG (ChaCha, seeded and reseeded from the OS), not
/// from the OS on each call: every anonymous page issues a CSRF token, and
/// a `getrandom` system call per page was measurable on the login page.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The SHA-256 of a token, hex: only this is stored, so a database leak
/// yields no usable token.
pub fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}
