//! Reading a Host header: apex, tenant subdomain, custom domain or nothing.

use crate::slug::validate_label;

/// What a Host header names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostTarget {
    /// The base domain itself: the platform's own pages.
    Apex,
    /// `<slug>.<base_domain>`; the slug is lower-case and syntactically valid.
    Subdomain(String),
    /// Another well-formed host name, possibly a tenant's custom domain.
    Custom(String),
    /// Missing, malformed, an IP literal, or otherwise no workspace.
    Invalid,
}

/// Classifies a Host header against the configured base domain.
///
/// The host is lower-cased, the port and one trailing dot are removed; then
/// it is the apex, a subdomain of the base domain (the rest is the slug), a
/// candidate custom domain, or invalid. Only well-formed DNS names pass, so
/// nothing odd ever reaches a query or a log line unescaped.
pub fn classify_host(header: Option<&str>, base_domain: &str) -> HostTarget {
    let Some(host) = header.and_then(normalize) else {
        return HostTarget::Invalid;
    };
    if host == base_domain {
        return HostTarget::Apex;
    }
    if let Some(slug) = host.strip_suffix(base_domain).and_then(|rest| rest.strip_suffix('.')) {
        // The labels were validated with the whole host; only emptiness is left.
        return if slug.is_empty() { HostTarget::Invalid } else { HostTarget::Subdomain(slug.to_owned()) };
    }
    if host.split('.').all(|label| label.bytes().all(|b| b.is_ascii_digit())) || !host.contains('.') {
        // IPv4 literals and single-label names are never workspaces.
        return HostTarget::Invalid;
    }
    HostTarget::Custom(host)
}

/// Lower-cases, strips the port and a trailing dot, and checks the syntax.
fn normalize(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > 260 || raw.starts_with('[') {
        // Empty, absurdly long, or an IPv6 literal.
        return None;
    }
    let host = match raw.rsplit_once(':') {
        Some((host, port)) => {
            if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            host
        }
        None => raw,
    };
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    if host.is_empty() || host.len() > 253 {
        return None;
    }
    host.split('.').all(|label| validate_label(label).is_ok()).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use HostTarget::*;

    fn classify(host: &str) -> HostTarget {
        classify_host(Some(host), "localhost")
    }

    #[test]
    fn apex_with_and_without_port_case_and_trailing_dot() {
        for host in ["localhost", "localhost:8080", "LOCALHOST", "localhost.", "localhost.:8080"] {
            assert_eq!(classify(host), Apex, "{host}");
        }
    }

    #[test]
    fn subdomains_may_contain_dots() {
        assert_eq!(classify("plusundplus.ch.localhost:8080"), Subdomain("plusundplus.ch".into()));
        assert_eq!(classify("PlusUndPlus.CH.Localhost."), Subdomain("plusundplus.ch".into()));
        assert_eq!(classify("acme.localhost"), Subdomain("acme".into()));
    }

    #[test]
    fn lookalikes_are_not_subdomains() {
        assert_eq!(classify("evillocalhost"), Invalid);
        assert_eq!(classify("evillocalhost:8080"), Invalid);
        assert_eq!(classify("acme.evillocalhost"), Custom("acme.evillocalhost".into()));
        assert_eq!(classify(".localhost"), Invalid);
        assert_eq!(classify("a..localhost"), Invalid);
        assert_eq!(classify_host(Some("acme.eu.cairn.example"), "eu.cairn.example"), Subdomain("acme".into()));
        assert_eq!(classify_host(Some("xeu.cairn.example"), "eu.cairn.example"), Custom("xeu.cairn.example".into()));
    }

    #[test]
    fn custom_domains_pass_as_candidates() {
        assert_eq!(classify("docs.plusundplus.ch"), Custom("docs.plusundplus.ch".into()));
        assert_eq!(classify("Docs.PlusUndPlus.ch:443"), Custom("docs.plusundplus.ch".into()));
    }

    #[test]
    fn garbage_ip_literals_and_missing_hosts_are_invalid() {
        assert_eq!(classify_host(None, "localhost"), Invalid);
        for host in [
            "",
            " ",
            "127.0.0.1",
            "127.0.0.1:8080",
            "[::1]",
            "[::1]:8080",
            "::1",
            "a b.localhost",
            "a_b.localhost",
            "acme.localhost:",
            "acme.localhost:99999999",
            "acme.localhost:80:80",
            "acme.localhost:http",
            "ä.localhost",
            "acme.localhost/evil",
            "acme.localhost\r\nx",
            "-a.localhost",
            "user@acme.localhost",
            "intranet",
        ] {
            assert_eq!(classify(host), Invalid, "{host:?}");
        }
        let long = format!("{}.localhost", "a.".repeat(200));
        assert_eq!(classify(&long), Invalid);
    }
}
