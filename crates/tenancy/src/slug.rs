//! Tenant slugs: the subdomain that names a tenant.

use std::fmt;

/// Names no tenant may take: they are or may become the platform's own hosts.
const RESERVED: &[&str] =
    &["www", "api", "app", "admin", "operator", "mail", "smtp", "static", "assets", "status", "cairn"];

/// A tenant's subdomain, validated: lower-case DNS labels joined by dots
/// (`plusundplus.ch`), each 1–63 characters of `a-z`, `0-9` and inner `-`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TenantSlug(String);

impl TenantSlug {
    /// The longest slug accepted; it leaves room for the base domain in a
    /// 253-character host name.
    pub const MAX_LEN: usize = 120;

    /// Validates a slug; upper case is folded, anything else invalid is refused
    /// with the reason.
    pub fn parse(input: &str) -> Result<Self, String> {
        let slug = input.trim().to_ascii_lowercase();
        if slug.is_empty() {
            return Err("the slug is empty".into());
        }
        if slug.len() > Self::MAX_LEN {
            return Err(format!("the slug is longer than {} characters", Self::MAX_LEN));
        }
        for label in slug.split('.') {
            validate_label(label)?;
        }
        if !slug.bytes().any(|b| b.is_ascii_lowercase()) {
            return Err("the slug needs at least one letter".into());
        }
        if RESERVED.contains(&slug.as_str()) {
            return Err(format!("{slug} is reserved"));
        }
        Ok(Self(slug))
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks one DNS label (LDH rule).
pub(crate) fn validate_label(label: &str) -> Result<(), String> {
    if label.is_empty() {
        return Err("empty label (two dots in a row, or a leading or trailing dot)".into());
    }
    if label.len() > 63 {
        return Err(format!("the label {label:?} is longer than 63 characters"));
    }
    if !label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        return Err(format!("the label {label:?} may hold only a-z, 0-9 and -"));
    }
    if label.starts_with('-') || label.ends_with('-') {
        return Err(format!("the label {label:?} may not start or end with -"));
    }
    Ok(())
}

impl fmt::Display for TenantSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_dotted_and_folds_case() {
        assert_eq!(TenantSlug::parse("plusundplus.ch").expect("valid").as_str(), "plusundplus.ch");
        assert_eq!(TenantSlug::parse("ACME").expect("valid").as_str(), "acme");
        assert!(TenantSlug::parse("a-b.c-d.e1").is_ok());
    }

    #[test]
    fn refuses_invalid() {
        for bad in [
            "",
            ".",
            "a..b",
            ".a",
            "a.",
            "-a",
            "a-",
            "a_b",
            "a b",
            "ä",
            "123",
            "1.2.3.4",
            "www",
            "a/b",
            "a:1",
            &"x".repeat(64),
            &"ab.".repeat(50),
        ] {
            assert!(TenantSlug::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
