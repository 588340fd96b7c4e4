//! Labels of the documentation's sections, fields and choices, in the
//! reader's language. The domain stores keys (`email`, `access point`);
//! what a person reads is decided here.

use cairn_assets::{Kind, Section};

/// The sidebar label of a section.
pub fn section(section: Section, lang: &str) -> &'static str {
    let (de, en) = match section {
        Section::Configurations => ("Konfigurationen", "Configurations"),
        Section::Contacts => ("Kontakte", "Contacts"),
        Section::Passwords => ("Passwörter", "Passwords"),
        Section::Wireless => ("WLAN", "Wireless"),
        Section::Vpn => ("VPN", "VPN"),
        Section::Documents => ("Dokumente", "Documents"),
    };
    pick(lang, de, en)
}

/// The label of a kind's name field.
pub fn name(kind: Kind, lang: &str) -> &'static str {
    match (kind, lang) {
        (Kind::Wireless, _) => "SSID",
        (Kind::Contact, "de") => "Name",
        (_, "de") => "Bezeichnung",
        _ => "Name",
    }
}

/// The label of a kind's field.
pub fn field(kind: Kind, key: &str, lang: &str) -> &'static str {
    let (de, en) = match (kind, key) {
        (Kind::Configuration, "configuration_kind") => ("Typ", "Kind"),
        (Kind::Configuration, "hostname") => ("Hostname", "Hostname"),
        (Kind::Configuration, "ip_addresses") => ("IP-Adressen", "IP addresses"),
        (Kind::Configuration, "mac_address") => ("MAC-Adresse", "MAC address"),
        (Kind::Configuration, "serial_number") => ("Seriennummer", "Serial number"),
        (Kind::Configuration, "manufacturer") => ("Hersteller", "Manufacturer"),
        (Kind::Configuration, "model") => ("Modell", "Model"),
        (Kind::Configuration, "operating_system") => ("Betriebssystem", "Operating system"),
        (Kind::Configuration, "location") => ("Standort", "Location"),
        (Kind::Configuration, "warranty_expires") => ("Garantie bis", "Warranty until"),
        (Kind::Configuration, "status") => ("Status", "Status"),
        (Kind::Configuration, "notes") => ("Notizen", "Notes"),
        (Kind::Contact, "title") => ("Funktion", "Title"),
        (Kind::Contact, "emails") => ("E-Mail", "E-mail"),
        (Kind::Contact, "phones") => ("Telefon", "Phone"),
        (Kind::Contact, "important") => ("Wichtig", "Important"),
        (Kind::Contact, "notes") => ("Notizen", "Notes"),
        (Kind::Password, "category") => ("Kategorie", "Category"),
        (Kind::Password, "username") => ("Benutzername", "Username"),
        (Kind::Password, "password") => ("Passwort", "Password"),
        (Kind::Password, "url") => ("URL", "URL"),
        (Kind::Password, "otp_secret") => ("OTP-Schlüssel", "OTP secret"),
        (Kind::Password, "notes") => ("Notizen", "Notes"),
        (Kind::Wireless, "security") => ("Sicherheit", "Security"),
        (Kind::Wireless, "passphrase") => ("Passwort", "Passphrase"),
        (Kind::Wireless, "vlan") => ("VLAN", "VLAN"),
        (Kind::Wireless, "guest") => ("Gästenetz", "Guest network"),
        (Kind::Wireless, "notes") => ("Notizen", "Notes"),
        (Kind::Vpn, "vpn_kind") => ("Art", "Kind"),
        (Kind::Vpn, "gateway") => ("Gateway", "Gateway"),
        (Kind::Vpn, "port") => ("Port", "Port"),
        (Kind::Vpn, "protocol") => ("Protokoll", "Protocol"),
        (Kind::Vpn, "pre_shared_key") => ("Pre-Shared Key", "Pre-shared key"),
        (Kind::Vpn, "username") => ("Benutzername", "Username"),
        (Kind::Vpn, "remote_networks") => ("Entfernte Netze", "Remote networks"),
        (Kind::Vpn, "notes") => ("Notizen", "Notes"),
        _ => ("", ""),
    };
    pick(lang, de, en)
}

/// The label of a stored choice value (a select field's option); values
/// that are already what people read (`WPA2-Personal`) stay as they are.
pub fn choice<'a>(value: &'a str, lang: &str) -> &'a str {
    let (de, en) = match value {
        "server" => ("Server", "Server"),
        "workstation" => ("Arbeitsplatz", "Workstation"),
        "laptop" => ("Notebook", "Laptop"),
        "firewall" => ("Firewall", "Firewall"),
        "switch" => ("Switch", "Switch"),
        "access point" => ("Access Point", "Access point"),
        "printer" => ("Drucker", "Printer"),
        "nas" => ("NAS", "NAS"),
        "phone" => ("Telefon", "Phone"),
        "other" => ("Andere", "Other"),
        "active" => ("Aktiv", "Active"),
        "inactive" => ("Inaktiv", "Inactive"),
        "retired" => ("Ausgemustert", "Retired"),
        "general" => ("Allgemein", "General"),
        "email" => ("E-Mail", "E-mail"),
        "website" => ("Website", "Website"),
        "network" => ("Netzwerk", "Network"),
        "application" => ("Anwendung", "Application"),
        "client" => ("Client", "Client"),
        "Open" => ("Offen", "Open"),
        "site-to-site" => ("Standortvernetzung", "Site-to-site"),
        _ => return value,
    };
    pick(lang, de, en)
}

fn pick(lang: &str, de: &'static str, en: &'static str) -> &'static str {
    if lang == "de" { de } else { en }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_and_choice_has_labels() {
        for kind in Kind::ALL {
            for spec in kind.fields() {
                for lang in ["de", "en"] {
                    assert!(!field(kind, spec.key, lang).is_empty(), "{kind:?}.{} in {lang}", spec.key);
                }
                if let cairn_assets::Input::Select(options) = spec.input {
                    for option in options {
                        // Every option reads as words, never as a raw key with a dash or lower case only.
                        let label = choice(option, "en");
                        assert!(label.chars().next().is_some_and(char::is_uppercase), "{option:?} -> {label:?}");
                    }
                }
            }
        }
        assert_eq!(choice("email", "de"), "E-Mail");
        assert_eq!(choice("WPA2-Personal", "de"), "WPA2-Personal");
    }
}
