//! What the record operations take: one create and one change object per
//! kind, with enums for every choice and validators matching the server's
//! own checks.

use std::collections::BTreeMap;

use poem_openapi::types::ToJSON;
use poem_openapi::{Enum, Object};

/// Who may see a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum VisibilityIn {
    /// Everyone with access to the organization.
    Everyone,
    /// Owners and technicians only.
    Staff,
}

/// A body as a map of form fields, without the fields not given.
pub(super) fn fields_of(body: &impl ToJSON) -> BTreeMap<String, serde_json::Value> {
    match body.to_json() {
        Some(serde_json::Value::Object(map)) => map.into_iter().filter(|(_, v)| !v.is_null()).collect(),
        _ => BTreeMap::new(),
    }
}

/// Declares the create and the change object of a kind of record: the same
/// fields, `name` required on create only.
macro_rules! write_objects {
    (
        $create:ident, $patch:ident, $create_doc:literal, $patch_doc:literal,
        { $( $(#[$meta:meta])* $field:ident : $ty:ty ),* $(,)? }
    ) => {
        #[doc = $create_doc]
        #[derive(Debug, Clone, Object)]
        #[oai(deny_unknown_fields)]
        pub struct $create {
            /// Its name: 1 to 200 characters, one line.
            #[oai(validator(
                min_length = 1,
                max_length = 200,
                pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$"
            ))]
            pub name: crate::text::Text,
            $( $(#[$meta])* pub $field: Option<$ty>, )*
        }

        #[doc = $patch_doc]
        #[derive(Debug, Clone, Object)]
        #[oai(deny_unknown_fields)]
        pub struct $patch {
            /// Its name: 1 to 200 characters, one line.
            #[oai(validator(
                min_length = 1,
                max_length = 200,
                pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$"
            ))]
            pub name: Option<crate::text::Text>,
            $( $(#[$meta])* pub $field: Option<$ty>, )*
        }
    };
}

/// Kinds of device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ConfigurationKind {
    /// A server.
    #[oai(rename = "server")]
    Server,
    /// A workstation.
    #[oai(rename = "workstation")]
    Workstation,
    /// A laptop.
    #[oai(rename = "laptop")]
    Laptop,
    /// A firewall.
    #[oai(rename = "firewall")]
    Firewall,
    /// A switch.
    #[oai(rename = "switch")]
    Switch,
    /// An access point.
    #[oai(rename = "access point")]
    AccessPoint,
    /// A printer.
    #[oai(rename = "printer")]
    Printer,
    /// A NAS.
    #[oai(rename = "nas")]
    Nas,
    /// A phone.
    #[oai(rename = "phone")]
    Phone,
    /// Anything else.
    #[oai(rename = "other")]
    Other,
}

/// A device's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum ConfigurationStatus {
    /// In use.
    Active,
    /// Not in use.
    Inactive,
    /// Gone for good.
    Retired,
}

/// Kinds of credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum PasswordCategory {
    /// Anything.
    General,
    /// An e-mail account.
    Email,
    /// A website.
    Website,
    /// Network equipment.
    Network,
    /// A server.
    Server,
    /// An application.
    Application,
}

/// Wi-Fi security.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum WifiSecurity {
    /// WPA2 with a passphrase.
    #[oai(rename = "WPA2-Personal")]
    Wpa2Personal,
    /// WPA3 with a passphrase.
    #[oai(rename = "WPA3-Personal")]
    Wpa3Personal,
    /// WPA2 and WPA3 with a passphrase.
    #[oai(rename = "WPA2/WPA3-Personal")]
    Wpa2Wpa3Personal,
    /// WPA2 with 802.1X.
    #[oai(rename = "WPA2-Enterprise")]
    Wpa2Enterprise,
    /// No encryption.
    #[oai(rename = "Open")]
    Open,
}

/// Kinds of VPN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum VpnKind {
    /// For clients dialling in.
    #[oai(rename = "client")]
    Client,
    /// Between sites.
    #[oai(rename = "site-to-site")]
    SiteToSite,
}

/// VPN protocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum VpnProtocol {
    /// WireGuard.
    #[oai(rename = "WireGuard")]
    WireGuard,
    /// IPsec/IKEv2.
    #[oai(rename = "IPsec/IKEv2")]
    IpsecIkev2,
    /// OpenVPN.
    #[oai(rename = "OpenVPN")]
    OpenVpn,
    /// SSL VPN.
    #[oai(rename = "SSL VPN")]
    SslVpn,
    /// L2TP/IPsec.
    #[oai(rename = "L2TP/IPsec")]
    L2tpIpsec,
    /// Anything else.
    #[oai(rename = "other")]
    Other,
}

write_objects!(ConfigurationCreate, ConfigurationPatch, "A new configuration (device).", "Changes to a configuration: only the fields given change.", {
    /// The kind of device.
    configuration_kind: ConfigurationKind,
    /// Hostname.
    #[oai(validator(max_length = 500, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"))]
    hostname: crate::text::Text,
    /// IP addresses.
    #[oai(validator(max_length = 500, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"))]
    ip_addresses: crate::text::Text,
    /// MAC address.
    #[oai(validator(max_length = 500, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"))]
    mac_address: crate::text::Text,
    /// Serial number.
    #[oai(validator(max_length = 500, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"))]
    serial_number: crate::text::Text,
    /// Manufacturer.
    #[oai(validator(max_length = 500, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"))]
    manufacturer: crate::text::Text,
    /// Model.
    #[oai(validator(max_length = 500, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"))]
    model: crate::text::Text,
    /// Operating system.
    #[oai(validator(max_length = 500, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"))]
    operating_system: crate::text::Text,
    /// Location.
    #[oai(validator(max_length = 500, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"))]
    location: crate::text::Text,
    /// Warranty end.
    warranty_expires: chrono::NaiveDate,
    /// Its state.
    status: ConfigurationStatus,
    /// Notes (several lines).
    #[oai(validator(max_length = 20000, pattern = "^[^\\u0000]*$"))]
    notes: crate::text::Text,
});

write_objects!(ContactCreate, ContactPatch, "A new contact.", "Changes to a contact: only the fields given change.", {
    /// Title or function.
    #[oai(validator(max_length = 500, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"))]
    title: crate::text::Text,
    /// E-mail addresses.
    #[oai(validator(max_length = 500, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"))]
    emails: crate::text::Text,
    /// Phone numbers.
    #[oai(validator(max_length = 500, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"))]
    phones: crate::text::Text,
    /// Whether they are a key contact.
    important: bool,
    /// Notes (several lines).
    #[oai(validator(max_length = 20000, pattern = "^[^\\u0000]*$"))]
    notes: crate::text::Text,
});

write_objects!(PasswordCreate, PasswordPatch, "A new password or e-mail account.", "Changes to a password: only the fields given change; an empty secret clears it.", {
    /// The kind of credential.
    category: PasswordCategory,
    /// User name.
    #[oai(validator(max_length = 500, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"))]
    username: crate::text::Text,
    /// The password: sealed on the way in, never answered.
    #[oai(validator(max_length = 4000, pattern = "^[^\\u0000]*$"))]
    password: crate::text::Text,
    /// Where it is used.
    #[oai(validator(max_length = 500, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"))]
    url: crate::text::Text,
    /// A TOTP secret (base32): sealed; `reveal` answers the current code.
    #[oai(validator(max_length = 4000, pattern = "^[^\\u0000]*$"))]
    otp_secret: crate::text::Text,
    /// Notes (several lines).
    #[oai(validator(max_length = 20000, pattern = "^[^\\u0000]*$"))]
    notes: crate::text::Text,
    /// Who may see it.
    visibility: VisibilityIn,
});

write_objects!(WirelessCreate, WirelessPatch, "A new Wi-Fi network (`name` is the SSID).", "Changes to a Wi-Fi network: only the fields given change; an empty passphrase clears it.", {
    /// Its security.
    security: WifiSecurity,
    /// The passphrase: sealed on the way in, never answered.
    #[oai(validator(max_length = 4000, pattern = "^[^\\u0000]*$"))]
    passphrase: crate::text::Text,
    /// VLAN.
    #[oai(validator(max_length = 500, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"))]
    vlan: crate::text::Text,
    /// Whether it is a guest network.
    guest: bool,
    /// Notes (several lines).
    #[oai(validator(max_length = 20000, pattern = "^[^\\u0000]*$"))]
    notes: crate::text::Text,
});

write_objects!(VpnCreate, VpnPatch, "A new VPN.", "Changes to a VPN: only the fields given change; an empty key clears it.", {
    /// The kind of VPN.
    vpn_kind: VpnKind,
    /// Gateway.
    #[oai(validator(max_length = 500, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"))]
    gateway: crate::text::Text,
    /// Port.
    #[oai(validator(max_length = 500, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"))]
    port: crate::text::Text,
    /// Protocol.
    protocol: VpnProtocol,
    /// The pre-shared key: sealed on the way in, never answered.
    #[oai(validator(max_length = 4000, pattern = "^[^\\u0000]*$"))]
    pre_shared_key: crate::text::Text,
    /// User name.
    #[oai(validator(max_length = 500, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"))]
    username: crate::text::Text,
    /// The networks behind it.
    #[oai(validator(max_length = 500, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"))]
    remote_networks: crate::text::Text,
    /// Notes (several lines).
    #[oai(validator(max_length = 20000, pattern = "^[^\\u0000]*$"))]
    notes: crate::text::Text,
});
