//! The sections of an organization and the fields of each kind of record.
//!
//! One table holds every record kind; these specifications say which
//! fields a kind has, how they are entered, listed and searched, and which
//! are secrets (stored only sealed).

use std::fmt;

/// How a field is entered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    /// One line of text.
    Text,
    /// Several lines.
    Textarea,
    /// E-mail addresses (free text, one or more).
    Email,
    /// A date, `YYYY-MM-DD`.
    Date,
    /// One of the given values.
    Select(&'static [&'static str]),
    /// Yes or no (`"true"` or absent).
    Checkbox,
    /// A secret: stored sealed, shown only through an audited reveal.
    Secret,
}

/// One field of a record kind.
#[derive(Clone, Copy, Debug)]
pub struct FieldSpec {
    /// The form field name and JSON key.
    pub key: &'static str,
    /// How it is entered.
    pub input: Input,
    /// Whether it is shown as a column of the section list.
    pub list: bool,
    /// Whether search finds records by it (never for secrets).
    pub searchable: bool,
}

impl FieldSpec {
    /// Whether the field is a secret.
    pub fn is_secret(&self) -> bool {
        self.input == Input::Secret
    }
}

const fn field(key: &'static str, input: Input, list: bool, searchable: bool) -> FieldSpec {
    FieldSpec { key, input, list, searchable }
}

const CONFIGURATION_KINDS: &[&str] =
    &["server", "workstation", "laptop", "firewall", "switch", "access point", "printer", "nas", "phone", "other"];
const STATUSES: &[&str] = &["active", "inactive", "retired"];
const PASSWORD_CATEGORIES: &[&str] = &["general", "email", "website", "network", "server", "application"];
const WIFI_SECURITY: &[&str] = &["WPA2-Personal", "WPA3-Personal", "WPA2/WPA3-Personal", "WPA2-Enterprise", "Open"];
const VPN_KINDS: &[&str] = &["client", "site-to-site"];
const VPN_PROTOCOLS: &[&str] = &["WireGuard", "IPsec/IKEv2", "OpenVPN", "SSL VPN", "L2TP/IPsec", "other"];

const CONFIGURATION_FIELDS: &[FieldSpec] = &[
    field("configuration_kind", Input::Select(CONFIGURATION_KINDS), true, true),
    field("hostname", Input::Text, true, true),
    field("ip_addresses", Input::Text, true, true),
    field("mac_address", Input::Text, false, true),
    field("serial_number", Input::Text, true, true),
    field("manufacturer", Input::Text, false, true),
    field("model", Input::Text, false, true),
    field("operating_system", Input::Text, false, true),
    field("location", Input::Text, false, true),
    field("warranty_expires", Input::Date, false, false),
    field("status", Input::Select(STATUSES), true, false),
    field("notes", Input::Textarea, false, false),
];

const CONTACT_FIELDS: &[FieldSpec] = &[
    field("title", Input::Text, true, true),
    field("emails", Input::Email, true, true),
    field("phones", Input::Text, true, true),
    field("important", Input::Checkbox, false, false),
    field("notes", Input::Textarea, false, false),
];

const PASSWORD_FIELDS: &[FieldSpec] = &[
    field("category", Input::Select(PASSWORD_CATEGORIES), true, true),
    field("username", Input::Text, true, true),
    field("password", Input::Secret, false, false),
    field("url", Input::Text, true, true),
    field("otp_secret", Input::Secret, false, false),
    field("notes", Input::Textarea, false, false),
];

const WIRELESS_FIELDS: &[FieldSpec] = &[
    field("security", Input::Select(WIFI_SECURITY), true, false),
    field("passphrase", Input::Secret, false, false),
    field("vlan", Input::Text, true, true),
    field("guest", Input::Checkbox, true, false),
    field("notes", Input::Textarea, false, false),
];

const VPN_FIELDS: &[FieldSpec] = &[
    field("vpn_kind", Input::Select(VPN_KINDS), true, false),
    field("gateway", Input::Text, true, true),
    field("port", Input::Text, false, false),
    field("protocol", Input::Select(VPN_PROTOCOLS), true, true),
    field("pre_shared_key", Input::Secret, false, false),
    field("username", Input::Text, false, true),
    field("remote_networks", Input::Text, false, true),
    field("notes", Input::Textarea, false, false),
];

/// A kind of documentation record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A device.
    Configuration,
    /// A person.
    Contact,
    /// A credential (incl. e-mail accounts).
    Password,
    /// A Wi-Fi network.
    Wireless,
    /// A VPN.
    Vpn,
    /// A record of one of the tenant's own asset types; its fields are the type's.
    Asset,
}

impl Kind {
    /// Every built-in kind, in the sidebar's order (assets follow them, by type).
    pub const ALL: [Kind; 5] = [Kind::Configuration, Kind::Contact, Kind::Password, Kind::Wireless, Kind::Vpn];

    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Configuration => "configuration",
            Kind::Contact => "contact",
            Kind::Password => "password",
            Kind::Wireless => "wireless",
            Kind::Vpn => "vpn",
            Kind::Asset => "asset",
        }
    }

    /// Parses the stored text.
    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().chain([Kind::Asset]).find(|k| k.as_str() == text)
    }

    /// The fields besides the name (none for assets: their type has them).
    pub fn fields(self) -> &'static [FieldSpec] {
        match self {
            Kind::Configuration => CONFIGURATION_FIELDS,
            Kind::Contact => CONTACT_FIELDS,
            Kind::Password => PASSWORD_FIELDS,
            Kind::Wireless => WIRELESS_FIELDS,
            Kind::Vpn => VPN_FIELDS,
            Kind::Asset => &[],
        }
    }

    /// The secret a plain reveal shows (the first secret field).
    pub fn main_secret(self) -> Option<&'static str> {
        self.fields().iter().find(|f| f.is_secret()).map(|f| f.key)
    }

    /// Whether records of this kind carry a visibility (staff-only entries).
    pub fn has_visibility(self) -> bool {
        self == Kind::Password
    }

    /// The built-in section this kind is listed in (assets are listed by type).
    pub fn section(self) -> Option<Section> {
        match self {
            Kind::Configuration => Some(Section::Configurations),
            Kind::Contact => Some(Section::Contacts),
            Kind::Password => Some(Section::Passwords),
            Kind::Wireless => Some(Section::Wireless),
            Kind::Vpn => Some(Section::Vpn),
            Kind::Asset => None,
        }
    }

    /// The date fields that expire (a warranty's end), by key.
    pub fn expiring_fields(self) -> &'static [&'static str] {
        match self {
            Kind::Configuration => &["warranty_expires"],
            _ => &[],
        }
    }
}

/// A section of the organization page, in the seed's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Section {
    /// Devices.
    Configurations,
    /// People.
    Contacts,
    /// Credentials incl. e-mail.
    Passwords,
    /// Wi-Fi.
    Wireless,
    /// VPNs.
    Vpn,
    /// Guides.
    Documents,
}

impl Section {
    /// Every section, in the sidebar's order.
    pub const ALL: [Section; 6] = [
        Section::Configurations,
        Section::Contacts,
        Section::Passwords,
        Section::Wireless,
        Section::Vpn,
        Section::Documents,
    ];

    /// The path segment (`/organizations/{id}/<slug>`).
    pub fn slug(self) -> &'static str {
        match self {
            Section::Configurations => "configurations",
            Section::Contacts => "contacts",
            Section::Passwords => "passwords",
            Section::Wireless => "wireless",
            Section::Vpn => "vpn",
            Section::Documents => "documents",
        }
    }

    /// The section of a path segment.
    pub fn from_slug(slug: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.slug() == slug)
    }

    /// The record kind listed here (`None` for documents).
    pub fn kind(self) -> Option<Kind> {
        match self {
            Section::Configurations => Some(Kind::Configuration),
            Section::Contacts => Some(Kind::Contact),
            Section::Passwords => Some(Kind::Password),
            Section::Wireless => Some(Kind::Wireless),
            Section::Vpn => Some(Kind::Vpn),
            Section::Documents => None,
        }
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}
