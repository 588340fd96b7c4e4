//! Sealing and opening secret fields with a tenant's keyring.

use secrecy::{ExposeSecret, SecretString};

use crate::VaultError;
use crate::keys::{DataKey, open_raw, seal_raw};

/// Names the field a secret belongs to; it becomes the additional data, so a
/// sealed value opens only where it was sealed.
#[derive(Clone, Copy, Debug)]
pub struct FieldRef<'a> {
    /// The table, e.g. `passwords`.
    pub table: &'a str,
    /// The record's id.
    pub record_id: &'a str,
    /// The column, e.g. `value`.
    pub field: &'a str,
}

/// The data keys of one tenant: seals with the newest, opens with any.
#[derive(Debug)]
pub struct Keyring {
    tenant_id: String,
    /// Sorted by version, newest last; never empty.
    keys: Vec<DataKey>,
}

impl Keyring {
    /// A keyring for `tenant_id`; `None` when no key is given.
    pub fn new(tenant_id: impl Into<String>, mut keys: Vec<DataKey>) -> Option<Self> {
        if keys.is_empty() {
            return None;
        }
        keys.sort_by_key(|k| k.version);
        Some(Self { tenant_id: tenant_id.into(), keys })
    }

    /// The tenant this keyring belongs to.
    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    fn aad(&self, field: &FieldRef<'_>, version: i32) -> String {
        format!("{}|{}|{}|{}|{}", self.tenant_id, field.table, field.record_id, field.field, version)
    }

    fn current(&self) -> &DataKey {
        // `new` refuses an empty list.
        &self.keys[self.keys.len() - 1]
    }

    /// Seals `secret` for `field` with the newest key. The result is text
    /// (`v<version>:<base64>`) fit for a TEXT column.
    pub fn seal(&self, field: FieldRef<'_>, secret: &SecretString) -> String {
        let key = self.current();
        let sealed = seal_raw(&key.cipher(), &self.aad(&field, key.version), secret.expose_secret().as_bytes());
        format!("v{}:{sealed}", key.version)
    }

    /// Opens a value sealed by [`Keyring::seal`] for the same tenant and field.
    pub fn open(&self, field: FieldRef<'_>, sealed: &str) -> Result<SecretString, VaultError> {
        let (version, body) =
            sealed.strip_prefix('v').and_then(|rest| rest.split_once(':')).ok_or(VaultError::Malformed)?;
        let version: i32 = version.parse().map_err(|_| VaultError::Malformed)?;
        let key = self.keys.iter().find(|k| k.version == version).ok_or(VaultError::UnknownKeyVersion(version))?;
        let plain = open_raw(&key.cipher(), &self.aad(&field, version), body)?;
        let text = std::str::from_utf8(&plain).map_err(|_| VaultError::Malformed)?;
        Ok(SecretString::from(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MasterKey;

    fn secret(text: &str) -> SecretString {
        SecretString::from(text.to_owned())
    }

    const FIELD: FieldRef<'static> = FieldRef { table: "passwords", record_id: "r1", field: "value" };

    #[test]
    fn seals_and_opens_round_trip() {
        let ring = Keyring::new("t1", vec![DataKey::generate(1)]).expect("one key");
        let sealed = ring.seal(FIELD, &secret("hunter2-correct-horse"));
        assert!(sealed.starts_with("v1:"));
        assert!(!sealed.contains("hunter2"));
        assert_eq!(ring.open(FIELD, &sealed).expect("opens").expose_secret(), "hunter2-correct-horse");
    }

    #[test]
    fn same_secret_seals_differently_each_time() {
        let ring = Keyring::new("t1", vec![DataKey::generate(1)]).expect("one key");
        assert_ne!(ring.seal(FIELD, &secret("x")), ring.seal(FIELD, &secret("x")));
    }

    #[test]
    fn tampered_ciphertext_does_not_open() {
        use base64::Engine;
        let ring = Keyring::new("t1", vec![DataKey::generate(1)]).expect("one key");
        let sealed = ring.seal(FIELD, &secret("value"));
        let body = sealed.strip_prefix("v1:").expect("prefix");
        let mut bytes = base64::engine::general_purpose::STANDARD.decode(body).expect("base64");
        let last = bytes.len() - 1;
        bytes[last] ^= 0x01;
        let tampered = format!("v1:{}", base64::engine::general_purpose::STANDARD.encode(bytes));
        assert!(matches!(ring.open(FIELD, &tampered), Err(VaultError::Unseal)));
    }

    #[test]
    fn swapped_additional_data_does_not_open() {
        let ring = Keyring::new("t1", vec![DataKey::generate(1)]).expect("one key");
        let sealed = ring.seal(FIELD, &secret("value"));
        for other in [
            FieldRef { table: "vpns", ..FIELD },
            FieldRef { record_id: "r2", ..FIELD },
            FieldRef { field: "otp_secret", ..FIELD },
        ] {
            assert!(matches!(ring.open(other, &sealed), Err(VaultError::Unseal)), "{other:?}");
        }
        // The version is bound too: relabelling the value does not help.
        let relabelled = sealed.replacen("v1:", "v2:", 1);
        let ring2 = Keyring::new("t1", vec![DataKey::generate(1), DataKey::generate(2)]).expect("keys");
        assert!(ring2.open(FIELD, &relabelled).is_err());
    }

    #[test]
    fn another_tenants_key_does_not_open() {
        let a = Keyring::new("tenant-a", vec![DataKey::generate(1)]).expect("key");
        let b = Keyring::new("tenant-b", vec![DataKey::generate(1)]).expect("key");
        let sealed = a.seal(FIELD, &secret("value"));
        assert!(matches!(b.open(FIELD, &sealed), Err(VaultError::Unseal)));
    }

    #[test]
    fn malformed_values_are_refused_without_panicking() {
        let ring = Keyring::new("t1", vec![DataKey::generate(1)]).expect("key");
        for bad in ["", "v1:", "v:abc", "x1:abc", "v1:!!!", "v1:AAAA", "v9:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"] {
            assert!(ring.open(FIELD, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn wrapped_data_key_is_bound_to_tenant_and_master_key() {
        let master = MasterKey::generate();
        let key = DataKey::generate(1);
        let ring = Keyring::new("t1", vec![DataKey { key: key.key.clone(), version: 1 }]).expect("key");
        let sealed = ring.seal(FIELD, &secret("value"));
        let wrapped = master.wrap(&key, "t1");

        let unwrapped = master.unwrap(&wrapped, master.id(), "t1", 1).expect("unwraps");
        let ring_again = Keyring::new("t1", vec![unwrapped]).expect("key");
        assert_eq!(ring_again.open(FIELD, &sealed).expect("opens").expose_secret(), "value");

        assert!(matches!(master.unwrap(&wrapped, master.id(), "t2", 1), Err(VaultError::Unseal)));
        assert!(matches!(master.unwrap(&wrapped, master.id(), "t1", 2), Err(VaultError::Unseal)));
        let other = MasterKey::generate();
        assert!(matches!(other.unwrap(&wrapped, master.id(), "t1", 1), Err(VaultError::WrongMasterKey { .. })));
        // Even when the stored id is forged, another master key cannot open it.
        assert!(matches!(other.unwrap(&wrapped, other.id(), "t1", 1), Err(VaultError::Unseal)));
    }

    #[test]
    fn rotation_rewraps_data_keys_and_secrets_still_open() {
        let old = MasterKey::generate();
        let new = MasterKey::generate();
        let key = DataKey::generate(1);
        let wrapped = old.wrap(&key, "t1");
        let ring = Keyring::new("t1", vec![old.unwrap(&wrapped, old.id(), "t1", 1).expect("key")]).expect("key");
        let sealed = ring.seal(FIELD, &secret("value"));

        let rewrapped = new.wrap(&old.unwrap(&wrapped, old.id(), "t1", 1).expect("key"), "t1");
        let ring = Keyring::new("t1", vec![new.unwrap(&rewrapped, new.id(), "t1", 1).expect("key")]).expect("key");
        assert_eq!(ring.open(FIELD, &sealed).expect("opens").expose_secret(), "value");
        assert!(old.unwrap(&rewrapped, new.id(), "t1", 1).is_err());
    }

    #[test]
    fn key_file_is_created_private_and_read_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub/master.key");
        let (created, origin) = MasterKey::load_or_create(&path).expect("creates");
        assert_eq!(origin, crate::KeyFileOrigin::Created);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let (read, origin) = MasterKey::load_or_create(&path).expect("reads");
        assert_eq!(origin, crate::KeyFileOrigin::Existing);
        assert_eq!(created.id(), read.id());
    }

    #[test]
    fn master_key_text_is_validated() {
        assert!(MasterKey::from_base64(&secret("not base64 !")).is_err());
        assert!(MasterKey::from_base64(&secret("AAAA")).is_err());
        let key = MasterKey::generate();
        assert_eq!(MasterKey::from_base64(&key.to_base64()).expect("parses").id(), key.id());
        assert!(!format!("{key:?}").contains(key.to_base64().expose_secret()));
    }
}
