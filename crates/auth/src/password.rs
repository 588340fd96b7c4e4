//! Password hashing (Argon2id) and the password rules.

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::AuthError;

/// The shortest and longest passwords accepted.
pub const MIN_LEN: usize = 12;
/// See [`MIN_LEN`].
pub const MAX_LEN: usize = 256;

/// Hashes and verifies passwords with Argon2id at the configured cost.
#[derive(Clone)]
pub struct Passwords {
    params: Params,
    /// A hash of a random password, verified against when the account is
    /// unknown, so that unknown e-mails take as long as wrong passwords.
    dummy_hash: String,
}

impl std::fmt::Debug for Passwords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Passwords").field("params", &self.params).finish_non_exhaustive()
    }
}

impl Passwords {
    /// Argon2id with `memory_kib` of memory, 2 passes, 1 lane (OWASP: 19456 KiB).
    pub fn new(memory_kib: u32) -> Result<Self, AuthError> {
        let params = Params::new(memory_kib, 2, 1, None)
            .map_err(|e| AuthError::invalid("security.argon2_memory_kib", e.to_string()))?;
        let mut hasher = Self { params, dummy_hash: String::new() };
        hasher.dummy_hash = hasher.hash(&crate::new_token())?;
        Ok(hasher)
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// A PHC string of `password` with a fresh salt.
    pub fn hash(&self, password: &str) -> Result<String, AuthError> {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        self.argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AuthError::invalid("password", e.to_string()))
    }

    /// Whether `password` matches `hash` (constant-time inside argon2).
    pub fn verify(&self, password: &str, hash: &str) -> bool {
        match PasswordHash::new(hash) {
            Ok(parsed) => self.argon2().verify_password(password.as_bytes(), &parsed).is_ok(),
            Err(_) => false,
        }
    }

    /// Spends the time of one verification and returns false.
    pub fn verify_dummy(&self, password: &str) -> bool {
        let _ = self.verify(password, &self.dummy_hash);
        false
    }
}

/// What is wrong with a new password; the web layer words it per language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordProblem {
    /// Fewer than [`MIN_LEN`] characters.
    TooShort,
    /// More than [`MAX_LEN`] characters.
    TooLong,
    /// The confirmation differs.
    Mismatch,
    /// It contains the e-mail address or the MSP's name.
    ContainsIdentity,
    /// Common or easy to guess (zxcvbn score below 3).
    Weak,
}

/// Checks a new password: length, confirmation, then that it does not
/// contain the e-mail or the MSP's name, then strength (zxcvbn, which also
/// knows common passwords and the person's names).
pub fn check_new_password(
    password: &str,
    confirm: &str,
    email: &str,
    tenant_name: &str,
    first: &str,
    last: &str,
) -> Result<(), PasswordProblem> {
    let length = password.chars().count();
    if length < MIN_LEN {
        return Err(PasswordProblem::TooShort);
    }
    if length > MAX_LEN {
        return Err(PasswordProblem::TooLong);
    }
    if password != confirm {
        return Err(PasswordProblem::Mismatch);
    }
    let lower = password.to_lowercase();
    let email = email.to_lowercase();
    let local = email.split('@').next().unwrap_or_default();
    let tenant = tenant_name.to_lowercase();
    let contains = |needle: &str| needle.chars().count() >= 3 && lower.contains(needle);
    if contains(&email) || contains(local) || contains(&tenant) {
        return Err(PasswordProblem::ContainsIdentity);
    }
    let inputs = [email.as_str(), local, tenant.as_str(), first, last];
    if (zxcvbn::zxcvbn(password, &inputs).score() as u8) < 3 {
        return Err(PasswordProblem::Weak);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ() {
        let p = Passwords::new(64).expect("params");
        let h1 = p.hash("correct horse battery staple").expect("hash");
        let h2 = p.hash("correct horse battery staple").expect("hash");
        assert_ne!(h1, h2, "salted");
        assert!(h1.starts_with("$argon2id$"));
        assert!(p.verify("correct horse battery staple", &h1));
        assert!(!p.verify("correct horse battery stapl", &h1));
        assert!(!p.verify("x", "not a hash"));
        assert!(!p.verify_dummy("anything"));
    }

    #[test]
    fn password_rules() {
        let check = |pw: &str| check_new_password(pw, pw, "max.muster@example.com", "plus+plus", "Max", "Muster");
        assert!(check("Kiesel-Alpaka-Fernrohr-42").is_ok());
        for weak in [
            "short",
            "password1234",
            "aaaaaaaaaaaa",
            "123456789012",
            "max.muster@example.com!",
            "plus+plus2026rocks",
            "qwertyuiopasdf",
        ] {
            assert!(check(weak).is_err(), "{weak} must be refused");
        }
        assert!(check(&"Kiesel-Alpaka-".repeat(20)).is_err(), "too long");
        assert_eq!(
            check_new_password("Kiesel-Alpaka-Fernrohr-42", "other", "a@b.c", "t", "", ""),
            Err(PasswordProblem::Mismatch)
        );
        assert_eq!(check("short"), Err(PasswordProblem::TooShort));
        assert_eq!(check("max.muster@example.com!"), Err(PasswordProblem::ContainsIdentity));
        assert_eq!(check("password1234"), Err(PasswordProblem::Weak));
    }
}
