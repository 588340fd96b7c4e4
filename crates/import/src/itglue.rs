//! What an IT Glue account export holds and how its cells are written.

use std::collections::HashMap;

use crate::source::Source;

/// The export's fixed files, in the order they are imported, with the
/// columns each one has. Any other `*.csv` at the top is a flexible asset type.
pub const CORE_FILES: &[(&str, &[&str])] = &[
    (
        "organizations.csv",
        &[
            "id",
            "name",
            "organization_type",
            "organization_status",
            "short_name",
            "quick_notes",
            "alert",
            "description",
        ],
    ),
    (
        "locations.csv",
        &[
            "id",
            "organization",
            "name",
            "primary",
            "address_1",
            "address_2",
            "city",
            "region",
            "country",
            "postal_code",
            "phone",
            "fax",
        ],
    ),
    (
        "configurations.csv",
        &[
            "id",
            "organization",
            "name",
            "configuration_type",
            "configuration_status",
            "manufacturer",
            "model",
            "serial_number",
            "primary_ip",
            "mac_address",
            "hostname",
            "location",
            "position",
            "notes",
            "archived",
            "configuration_interfaces",
        ],
    ),
    (
        "contacts.csv",
        &[
            "id",
            "organization",
            "first_name",
            "last_name",
            "title",
            "contact_type",
            "location",
            "important",
            "notes",
            "emails",
            "phones",
        ],
    ),
    ("domains.csv", &["id", "organization", "name", "registrar", "expires_on", "notes"]),
    (
        "passwords.csv",
        &[
            "id",
            "organization",
            "name",
            "password_category",
            "resource_type",
            "resource_id",
            "username",
            "password",
            "one_time_password",
            "otp_secret",
            "archived",
            "url",
            "notes",
        ],
    ),
    (
        "documents.csv",
        &[
            "id",
            "organization",
            "name",
            "expires_on",
            "owner",
            "publisher",
            "locator",
            "public",
            "archived",
            "help center",
        ],
    ),
];

/// The columns a core file is known to have (`None` for a flexible asset file).
pub fn known_columns(file: &str) -> Option<&'static [&'static str]> {
    CORE_FILES.iter().find(|(name, _)| *name == file).map(|(_, columns)| *columns)
}

/// The flexible asset files of the export (`<slug>.csv` at the top that is
/// not a core file), by slug.
pub fn flexible_asset_files(source: &Source) -> Vec<String> {
    source
        .names()
        .filter(|n| !n.contains('/') && n.ends_with(".csv") && known_columns(n).is_none())
        .map(|n| n.trim_end_matches(".csv").to_owned())
        .collect()
}

/// The display name of a flexible asset type, from its file's slug: IT
/// Glue's own names for its standard types, else the words capitalised.
pub fn type_name(slug: &str) -> String {
    let known = [
        ("internet-wan", "Internet/WAN"),
        ("wireless", "Wireless"),
        ("applications", "Applications"),
        ("licensing", "Licensing"),
        ("vendors", "Vendors"),
        ("ssl-certificates", "SSL Certificates"),
        ("backup", "Backup"),
        ("email", "Email"),
        ("file-sharing", "File Sharing"),
        ("active-directory", "Active Directory"),
        ("lan", "LAN"),
        ("printing", "Printing"),
        ("remote-access", "Remote Access"),
        ("voice-pbx", "Voice/PBX"),
    ];
    if let Some((_, name)) = known.iter().find(|(s, _)| *s == slug) {
        return (*name).to_owned();
    }
    slug.split('-')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map(|c| c.to_uppercase().collect::<String>() + chars.as_str()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A field label as IT Glue writes it into an upload folder's name:
/// lower case ASCII letters and digits, anything else one `-`.
pub fn kebab(label: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in label.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
            dash = false;
        } else if !dash && !out.is_empty() {
            out.push('-');
            dash = true;
        }
    }
    out.trim_matches('-').to_owned()
}

/// The folder holding the files of an upload field.
pub fn upload_folder(slug: &str, label: &str) -> String {
    format!("{slug}-{}/", kebab(label))
}

/// `Yes` (any case) is true; anything else false.
pub fn yes(cell: &str) -> bool {
    cell.trim().eq_ignore_ascii_case("yes")
}

/// Whether a password cell is an encrypted vault entry the export cannot reveal.
pub fn is_vaulted(password: &str) -> bool {
    password.starts_with("AES256GCM") || password.starts_with("AES-256-GCM")
}

/// An OTP secret as typed, normalised to upper-case base32 without spaces
/// or padding (taken from `secret=` of an `otpauth://` URI); `None` when it
/// is not a usable TOTP secret (characters outside `A-Z2-7`, fewer than 16,
/// or a length no byte string encodes to).
pub fn otp_secret(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let raw = if raw.to_ascii_lowercase().starts_with("otpauth://") {
        let query = raw.split_once('?').map(|(_, q)| q).unwrap_or("");
        query.split('&').find_map(|pair| pair.strip_prefix("secret="))?.to_owned()
    } else {
        raw.to_owned()
    };
    let secret: String =
        raw.chars().filter(|c| !c.is_whitespace() && *c != '=' && *c != '-').collect::<String>().to_ascii_uppercase();
    let valid_chars = secret.chars().all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c));
    // 8 base32 characters carry 5 bytes; these remainders decode to whole bytes.
    let decodable = matches!(secret.len() % 8, 0 | 2 | 4 | 5 | 7);
    (valid_chars && secret.len() >= 16 && decodable).then_some(secret)
}

/// `label: value` lines (e-mails, phones); a line without `: ` is a value
/// without a label.
pub fn labelled_lines(cell: &str) -> Vec<(Option<String>, String)> {
    cell.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| match line.split_once(": ") {
            Some((label, value)) => (Some(label.trim().to_owned()), value.trim().to_owned()),
            None => (None, line.to_owned()),
        })
        .collect()
}

/// One network interface of a configuration.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Interface {
    /// Its name (`LAN`).
    #[serde(default)]
    pub name: Option<String>,
    /// Its address, v4 or v6.
    #[serde(default)]
    pub ip_address: Option<String>,
    /// Its MAC address as written.
    #[serde(default)]
    pub mac_address: Option<String>,
    /// Whether it is the primary interface.
    #[serde(default)]
    pub primary: Option<bool>,
    /// Notes.
    #[serde(default)]
    pub notes: Option<String>,
}

/// The `configuration_interfaces` cell: a JSON array, `[]` or empty.
pub fn interfaces(cell: &str) -> Result<Vec<Interface>, String> {
    if cell.trim().is_empty() {
        return Ok(Vec::new());
    }
    serde_json::from_str(cell).map_err(|e| format!("not a JSON list of interfaces ({e})"))
}

/// Where a document's files are, found by its locator (`DOC-<org>-<doc>`).
#[derive(Clone, Debug, Default)]
pub struct DocumentFiles {
    /// The document's folder (ends with `/`).
    pub dir: String,
    /// The folders between the organization's folder and the document's.
    pub folders: Vec<String>,
    /// The HTML file in the folder, if there is one.
    pub html: Option<String>,
}

/// Every document folder of the export, by locator. Folder names are made
/// from titles and may differ from them, so only the locator is trusted.
pub fn document_files(source: &Source) -> HashMap<String, DocumentFiles> {
    let mut found: HashMap<String, DocumentFiles> = HashMap::new();
    for name in source.names_under("documents/") {
        let parts: Vec<&str> = name.split('/').collect();
        // documents/<Org>/[<folder>/…]DOC-… <Title>/…
        let Some(position) = parts.iter().position(|p| p.starts_with("DOC-")) else { continue };
        if position < 2 || position + 1 >= parts.len() {
            continue;
        }
        let locator = parts[position].split(' ').next().unwrap_or_default().to_owned();
        let entry = found.entry(locator).or_insert_with(|| DocumentFiles {
            dir: parts[..=position].join("/") + "/",
            folders: parts[2..position].iter().map(|s| (*s).to_owned()).collect(),
            html: None,
        });
        if position + 2 == parts.len() && parts[position + 1].to_ascii_lowercase().ends_with(".html") {
            entry.html = Some(name.to_owned());
        }
    }
    found
}

/// Joins a path relative to `dir` (which ends with `/`), resolving `.` and
/// `..`; `None` when it climbs out of the export.
pub fn join(dir: &str, relative: &str) -> Option<String> {
    let relative = relative.split(['?', '#']).next().unwrap_or_default();
    let decoded = percent_decode(relative);
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in decoded.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(byte) = u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn otp_secrets_are_normalised_or_refused() {
        assert_eq!(otp_secret("jbsw y3dp ehpk 3pxp").as_deref(), Some("JBSWY3DPEHPK3PXP"));
        assert_eq!(
            otp_secret("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP======").as_deref(),
            Some("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        );
        assert_eq!(
            otp_secret("otpauth://totp/X:a%40b?secret=JBSWY3DPEHPK3PXP&issuer=X").as_deref(),
            Some("JBSWY3DPEHPK3PXP")
        );
        assert_eq!(otp_secret("ABCD1234EFGH5678IJKL"), None);
        assert_eq!(otp_secret("3132333435363738393031323334353637383930"), None);
        assert_eq!(otp_secret("JBSWY3DP"), None);
    }

    #[test]
    fn vault_placeholders_only_at_the_start() {
        assert!(is_vaulted("AES256GCM:abc") && is_vaulted("AES-256-GCM"));
        assert!(!is_vaulted("x9AES256GCM-kein-Tresor"));
    }

    #[test]
    fn paths_join_and_never_climb_out() {
        assert_eq!(
            join("documents/A/DOC-1-2 T/", "1/docs/2/images/3").as_deref(),
            Some("documents/A/DOC-1-2 T/1/docs/2/images/3")
        );
        assert_eq!(join("a/b/", "../c%20d").as_deref(), Some("a/c d"));
        assert_eq!(join("a/", "../../x"), None);
    }

    #[test]
    fn upload_folders_are_kebab_case() {
        assert_eq!(upload_folder("applications", "Install Media"), "applications-install-media/");
    }
}
