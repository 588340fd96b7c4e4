//! Building absolute links to tenant hosts and the apex.

/// How the platform is reached from outside. Links in mails and redirects are
/// built from this and a tenant's slug, never from a request's Host header,
/// so a forged Host cannot point a link elsewhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicUrls {
    /// `http` or `https`.
    pub scheme: String,
    /// The base domain, e.g. `eu.cairn.example`.
    pub base_domain: String,
    /// The port, omitted from links when it is the scheme's default.
    pub port: Option<u16>,
}

impl PublicUrls {
    fn authority(&self, host: &str) -> String {
        match (self.scheme.as_str(), self.port) {
            (_, None) | ("http", Some(80)) | ("https", Some(443)) => host.to_owned(),
            (_, Some(port)) => format!("{host}:{port}"),
        }
    }

    /// `https://<slug>.<base_domain>[:port]<path>`; `path` starts with `/`.
    pub fn tenant(&self, slug: &str, path: &str) -> String {
        format!("{}://{}{path}", self.scheme, self.authority(&format!("{slug}.{}", self.base_domain)))
    }

    /// `https://<base_domain>[:port]<path>`; `path` starts with `/`.
    pub fn apex(&self, path: &str) -> String {
        format!("{}://{}{path}", self.scheme, self.authority(&self.base_domain))
    }

    /// Whether cookies must be `Secure` (and may take the `__Host-` prefix).
    pub fn is_https(&self) -> bool {
        self.scheme == "https"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_ports_are_left_out() {
        let https = PublicUrls { scheme: "https".into(), base_domain: "eu.cairn.example".into(), port: Some(443) };
        assert_eq!(https.tenant("plusundplus.ch", "/login"), "https://plusundplus.ch.eu.cairn.example/login");
        assert_eq!(https.apex("/login"), "https://eu.cairn.example/login");
        let dev = PublicUrls { scheme: "http".into(), base_domain: "localhost".into(), port: Some(8080) };
        assert_eq!(dev.tenant("acme", "/"), "http://acme.localhost:8080/");
        assert!(!dev.is_https());
    }
}
