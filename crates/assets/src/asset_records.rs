//! Records of an asset type: their values are checked against the type's
//! fields, kept under the fields' ids, and stored in the same table as the
//! built-in kinds (kind `asset`), so lists, search, history, reveals and
//! audit work alike.

use std::collections::{BTreeMap, HashMap};

use cairn_auth::User;
use cairn_auth::policy::{Action, Visibility};
use cairn_store::audit::Actor;
use cairn_store::schema::records;
use cairn_store::{DbConn, TenantId};
use cairn_vault::{ExposeSecret, Keyring};
use chrono::NaiveDate;
use diesel::prelude::*;

use crate::asset_types::{AssetType, FieldDef, FieldKind};
use crate::organizations::actor;
use crate::records::{NewRecord, Prepared, Record, RecordInput, check_name, check_secret};
use crate::relations;
use crate::{AssetError, Authorized, Kind};

/// The most links one tag field holds.
const MAX_TAGS: usize = 200;

/// A number as typed (`12`, `-3.5`, `1,25`), normalised to a dot.
fn number(text: &str) -> Option<String> {
    let normal = text.replace(',', ".");
    let digits = normal.strip_prefix('-').unwrap_or(&normal);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let ok = (1..=15).contains(&whole.len())
        && whole.chars().all(|c| c.is_ascii_digit())
        && fraction.len() <= 10
        && fraction.chars().all(|c| c.is_ascii_digit())
        && !(digits.contains('.') && fraction.is_empty());
    ok.then_some(normal)
}

/// Checks one plain value; returns what to store ("" for nothing).
fn plain_value(field: &FieldDef, raw: &str) -> Result<String, AssetError> {
    let bad = |why: &str| Err(AssetError::invalid(&field.name, why));
    let value = if field.kind == FieldKind::Textbox { raw.trim_end().to_owned() } else { raw.trim().to_owned() };
    if value.contains('\0') {
        return bad("no NUL characters");
    }
    if field.kind != FieldKind::Textbox && value.chars().any(char::is_control) {
        return bad("one line");
    }
    if value.is_empty() {
        return Ok(value);
    }
    match field.kind {
        FieldKind::Text if value.chars().count() > 500 => bad("at most 500 characters"),
        FieldKind::Textbox if value.chars().count() > 20_000 => bad("at most 20000 characters"),
        FieldKind::Number => number(&value).map_or_else(|| bad("a number, e.g. 12 or 3.5"), Ok),
        FieldKind::Percent => match number(&value) {
            Some(n) if n.parse::<f64>().is_ok_and(|p| (0.0..=100.0).contains(&p)) => Ok(n),
            _ => bad("a percentage from 0 to 100"),
        },
        FieldKind::Date => match NaiveDate::parse_from_str(&value, "%Y-%m-%d") {
            Ok(date) => Ok(date.format("%Y-%m-%d").to_string()),
            Err(_) => bad("a date as YYYY-MM-DD"),
        },
        FieldKind::Checkbox => {
            Ok(if matches!(value.as_str(), "true" | "on" | "1" | "yes") { "true".to_owned() } else { String::new() })
        }
        FieldKind::Select if !field.options.contains(&value) => bad(&format!("one of {}", field.options.join(", "))),
        _ => Ok(value),
    }
}

impl AssetType {
    /// Checks a record's values against the type's fields. `current` is the
    /// record being changed: its sealed values and links count for required
    /// fields, and values of removed fields are carried over untouched.
    pub(crate) fn prepare(&self, input: &RecordInput, current: Option<&Record>) -> Result<Prepared, AssetError> {
        let mut plain = BTreeMap::new();
        let mut secret_keys = Vec::new();
        let mut expiring = Vec::new();
        let mut search = Vec::new();
        for field in self.active_fields() {
            match field.kind {
                FieldKind::Header | FieldKind::Upload => {}
                FieldKind::Password => {
                    if let Some(secret) = input.secrets.get(&field.id) {
                        check_secret(&field.name, secret)?;
                    }
                    let typed = input.secrets.get(&field.id).is_some_and(|s| !s.expose_secret().is_empty());
                    let kept =
                        current.is_some_and(|r| r.secrets_set.contains(&field.id)) && !input.clear.contains(&field.id);
                    if field.required && !typed && !kept {
                        return Err(AssetError::invalid(&field.name, "required"));
                    }
                    secret_keys.push(field.id.clone());
                }
                FieldKind::Tag => {
                    if let Some(targets) = input.tags.get(&field.id) {
                        if targets.len() > MAX_TAGS {
                            return Err(AssetError::invalid(&field.name, "at most 200 links"));
                        }
                        if field.required && targets.is_empty() {
                            return Err(AssetError::invalid(&field.name, "required"));
                        }
                    } else if field.required && current.is_none() {
                        return Err(AssetError::invalid(&field.name, "required"));
                    }
                }
                _ => {
                    let value = plain_value(field, input.fields.get(&field.id).map(String::as_str).unwrap_or(""))?;
                    if value.is_empty() {
                        if field.required || field.title {
                            return Err(AssetError::invalid(&field.name, "required"));
                        }
                        continue;
                    }
                    if field.expiration
                        && let Ok(date) = NaiveDate::parse_from_str(&value, "%Y-%m-%d")
                    {
                        expiring.push((field.id.clone(), date));
                    }
                    if field.kind.is_searchable() {
                        search.push(value.to_lowercase());
                    }
                    plain.insert(field.id.clone(), value);
                }
            }
        }
        if let Some(current) = current {
            for (key, value) in &current.fields {
                if self.field(key).is_none() {
                    plain.insert(key.clone(), value.clone());
                }
            }
        }
        let name = match self.title_field() {
            Some(title) => plain.get(&title.id).cloned().unwrap_or_default(),
            None => input.name.trim().to_owned(),
        };
        check_name(&name)?;
        let mut search_text = name.to_lowercase();
        for value in search {
            search_text.push(' ');
            search_text.push_str(&value);
        }
        Ok(Prepared { name, plain, secret_keys, search_text, expiring })
    }
}

/// Checks the tag links of `input`: record ids of the same organization,
/// live, of the kinds or types each field allows. Returns them by field.
fn checked_tags(
    conn: &mut DbConn,
    tenant: &TenantId,
    organization_id: &str,
    asset_type: &AssetType,
    input: &RecordInput,
) -> Result<Vec<(String, Vec<String>)>, AssetError> {
    let mut out = Vec::new();
    // The types' slugs, loaded once and only when a tag field is given.
    let mut slugs: Option<HashMap<String, (String, String)>> = None;
    for field in asset_type.active_fields().filter(|f| f.kind == FieldKind::Tag) {
        let Some(wanted) = input.tags.get(&field.id) else { continue };
        let slugs = match &mut slugs {
            Some(slugs) => slugs,
            None => slugs.insert(crate::asset_types::labels(conn, tenant)?),
        };
        let mut targets: Vec<String> = Vec::new();
        for id in wanted {
            if !targets.contains(id) {
                targets.push(id.clone());
            }
        }
        let found: Vec<(String, String, Option<String>)> = records::table
            .filter(records::tenant_id.eq(tenant.as_str()))
            .filter(records::organization_id.eq(organization_id))
            .filter(records::archived.eq(false))
            .filter(records::id.eq_any(&targets))
            .select((records::id, records::kind, records::asset_type_id))
            .load(conn)?;
        for id in &targets {
            let Some((_, kind, type_id)) = found.iter().find(|(found, _, _)| found == id) else {
                return Err(AssetError::invalid(&field.name, "links only to live records of this organization"));
            };
            let what = match (Kind::parse(kind), type_id) {
                (Some(Kind::Asset), Some(type_id)) => {
                    slugs.get(type_id).map(|(slug, _)| slug.clone()).unwrap_or_default()
                }
                _ => kind.clone(),
            };
            if !field.tag_targets.is_empty() && !field.tag_targets.contains(&what) {
                return Err(AssetError::invalid(
                    &field.name,
                    format!("links only to {}", field.tag_targets.join(", ")),
                ));
            }
        }
        out.push((field.id.clone(), targets));
    }
    Ok(out)
}

fn visibility_of(input: &RecordInput, current: Option<&Record>) -> Visibility {
    input.visibility.or(current.map(|r| r.visibility)).unwrap_or(Visibility::Everyone)
}

/// Creates a record of `asset_type` in an organization the user may write to.
pub fn create(
    conn: &mut DbConn,
    keyring: &Keyring,
    user: &User,
    organization_id: &str,
    asset_type: &AssetType,
    input: &RecordInput,
) -> Result<Record, AssetError> {
    if asset_type.archived {
        return Err(AssetError::NotFound);
    }
    crate::records::may_create(conn, user, organization_id, visibility_of(input, None))?;
    insert(conn, keyring, &user.tenant_id, organization_id, asset_type, input, actor(user))
}

/// Stores a new asset for whoever `by` is; callers decide access first.
pub fn insert(
    conn: &mut DbConn,
    keyring: &Keyring,
    tenant: &TenantId,
    organization_id: &str,
    asset_type: &AssetType,
    input: &RecordInput,
    by: Actor,
) -> Result<Record, AssetError> {
    let prepared = asset_type.prepare(input, None)?;
    let tags = checked_tags(conn, tenant, organization_id, asset_type, input)?;
    let target = NewRecord {
        tenant,
        organization_id,
        kind: Kind::Asset,
        asset_type_id: Some(&asset_type.id),
        visibility: visibility_of(input, None),
    };
    let record = crate::records::store_new(conn, keyring, &target, &prepared, input, by.clone())?;
    for (field, targets) in tags {
        relations::set_tags(conn, tenant, organization_id, &record.id, &field, &targets, &by)?;
    }
    Ok(record)
}

/// Saves a changed asset the user was authorized to edit.
pub fn update(
    conn: &mut DbConn,
    keyring: &Keyring,
    user: &User,
    proof: &Authorized<Record>,
    asset_type: &AssetType,
    input: &RecordInput,
) -> Result<(), AssetError> {
    let record = proof.require(Action::Edit)?;
    if record.asset_type_id.as_deref() != Some(asset_type.id.as_str()) {
        return Err(AssetError::NotFound);
    }
    let prepared = asset_type.prepare(input, Some(record))?;
    let tags = checked_tags(conn, &user.tenant_id, &record.organization_id, asset_type, input)?;
    crate::records::store_change(conn, keyring, user, proof, &prepared, input, visibility_of(input, Some(record)))?;
    let by = actor(user);
    for (field, targets) in tags {
        relations::set_tags(conn, &user.tenant_id, &record.organization_id, &record.id, &field, &targets, &by)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_vault::SecretString;

    fn def(name: &str, kind: FieldKind) -> FieldDef {
        FieldDef {
            id: name.to_lowercase().replace(' ', "_"),
            name: name.into(),
            kind,
            required: false,
            hint: String::new(),
            options: Vec::new(),
            show_in_list: false,
            title: false,
            expiration: false,
            tag_targets: Vec::new(),
            removed_at: None,
        }
    }

    fn certificate() -> AssetType {
        let mut cn = def("Common name", FieldKind::Text);
        cn.title = true;
        let mut until = def("Valid until", FieldKind::Date);
        until.expiration = true;
        let mut kind = def("Type", FieldKind::Select);
        kind.options = vec!["DV".into(), "OV".into(), "EV".into()];
        let mut key = def("Private key", FieldKind::Password);
        key.required = true;
        AssetType {
            id: "t".into(),
            name: "SSL".into(),
            slug: "ssl".into(),
            icon: String::new(),
            fields: vec![
                cn,
                def("Details", FieldKind::Header),
                until,
                kind,
                key,
                def("Seats", FieldKind::Number),
                def("Usage", FieldKind::Percent),
                def("Wildcard", FieldKind::Checkbox),
            ],
            archived: false,
            updated_at: cairn_store::now(),
            updated_by: None,
        }
    }

    fn input(values: &[(&str, &str)]) -> RecordInput {
        let mut input = RecordInput::default();
        for (k, v) in values {
            input.fields.insert((*k).into(), (*v).into());
        }
        input.secrets.insert("private_key".into(), SecretString::from("-----BEGIN PRIVATE KEY-----"));
        input
    }

    #[test]
    fn values_are_checked_per_kind() {
        let kind = certificate();
        let ok = kind
            .prepare(
                &input(&[
                    ("common_name", "www.muster.ch"),
                    ("valid_until", "2027-01-31"),
                    ("type", "DV"),
                    ("seats", "1,5"),
                    ("usage", "99.5"),
                    ("wildcard", "on"),
                ]),
                None,
            )
            .expect("valid");
        assert_eq!(ok.name, "www.muster.ch", "the title field names the record");
        assert_eq!(ok.plain.get("seats").map(String::as_str), Some("1.5"));
        assert_eq!(ok.plain.get("wildcard").map(String::as_str), Some("true"));
        assert_eq!(ok.expiring.len(), 1);
        assert_eq!(ok.secret_keys, vec!["private_key".to_owned()]);
        for bad in [
            &[("common_name", "")][..],
            &[("common_name", "a"), ("valid_until", "31.01.2027")],
            &[("common_name", "a"), ("type", "XV")],
            &[("common_name", "a"), ("seats", "zwölf")],
            &[("common_name", "a"), ("usage", "120")],
            &[("common_name", "a\nb")],
        ] {
            assert!(kind.prepare(&input(bad), None).is_err(), "{bad:?}");
        }
        let mut no_key = input(&[("common_name", "a")]);
        no_key.secrets.clear();
        assert!(kind.prepare(&no_key, None).is_err(), "a required password must be set");
    }

    #[test]
    fn numbers_are_read_strictly() {
        assert_eq!(number("12").as_deref(), Some("12"));
        assert_eq!(number("-3,25").as_deref(), Some("-3.25"));
        for bad in ["", "1.", ".5", "1e5", "1 000", "--1", "NaN"] {
            assert!(number(bad).is_none(), "{bad}");
        }
    }
}
