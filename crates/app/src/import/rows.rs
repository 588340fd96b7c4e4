//! The tables of an export that become organizations and records.

use std::collections::{BTreeMap, HashMap};

use cairn_assets::asset_types::{AssetType, FieldDef, FieldInput, FieldKind};
use cairn_assets::organizations::{self, OrganizationInput};
use cairn_assets::records::{self, RecordInput};
use cairn_assets::relations::{self, Item, ItemKind};
use cairn_assets::{AssetError, Kind, asset_records};
use cairn_auth::policy::Visibility;
use cairn_import::itglue;
use cairn_import::{Row, html};
use cairn_store::DbConn;
use cairn_vault::SecretString;

use super::{Importer, OrgRef, Outcome, actor, cut};
use crate::AppError;

/// Longest name a record, organization or document may have.
const MAX_NAME: usize = 200;

impl Importer {
    /// `organizations.csv`: every organization, duplicate names told apart.
    pub(super) fn organizations(&mut self, conn: &mut DbConn) -> Result<(), AppError> {
        let file = "organizations.csv";
        if self.source.contains(file) {
            // A first pass learns every name, so that the rows naming one
            // that two organizations share are known to be ambiguous.
            let mut table = self.source.table(file).map_err(super::unreadable)?;
            while let Some(row) = table.next_row().map_err(super::unreadable)? {
                if let Ok(row) = row {
                    self.org_names.entry(row.get("name").to_owned()).or_default().push(row.get("id").trim().to_owned());
                }
            }
        }
        self.table(conn, file, "organizations", |this, conn, row| this.organization(conn, row))
    }

    fn organization(&mut self, conn: &mut DbConn, row: &Row) -> Result<Outcome, AppError> {
        let id = row.get("id").trim();
        let name = row.get("name");
        if !self.only.is_empty() && !self.only.contains(name) {
            return Ok(Outcome::skipped("not_selected", "not named by --only-org"));
        }
        if let Some(local) = self.local("organization", id).cloned() {
            self.orgs.insert(id.to_owned(), OrgRef { local });
            return Ok(Outcome::Unchanged);
        }
        let first_of_name = self.org_names.get(name).and_then(|ids| ids.first()).is_none_or(|first| first == id);
        // Room is left for the suffix that tells a second organization of the same name apart.
        let room = if first_of_name { MAX_NAME } else { MAX_NAME - 12 - id.chars().count() };
        let (mut wanted, was_cut) = cut(name.trim(), room);
        if was_cut {
            self.report.warn(
                "organizations.csv",
                row.line,
                id,
                "name_truncated",
                &format!("the name was cut to {room} characters"),
            );
        }
        if !first_of_name {
            wanted = format!("{wanted} (IT Glue {id})");
            self.report.warn(
                "organizations.csv",
                row.line,
                id,
                "duplicate_organization_name",
                &format!("another organization is named {name:?}; this one is called {wanted:?}"),
            );
        }
        let (kind, kind_note) = match row.get("organization_type").trim().to_lowercase().as_str() {
            "internal" => ("internal", None),
            "vendor" => ("vendor", None),
            "customer" | "" => ("customer", None),
            other => ("customer", Some(other.to_owned())),
        };
        let mut notes = self.text_of_html("organizations.csv", row.line, id, row.get("quick_notes"));
        let description = row.get("description").trim();
        if !description.is_empty() {
            notes = join_paragraphs(&notes, description);
        }
        let status = row.get("organization_status").trim();
        if kind_note.is_some() || (!status.is_empty() && !status.eq_ignore_ascii_case("active")) {
            let line = format!("IT Glue: {} {}", row.get("organization_type").trim(), status).trim().to_owned();
            notes = join_paragraphs(&notes, &line);
        }
        let input = OrganizationInput {
            name: wanted.clone(),
            short_name: cut(row.get("short_name").trim(), 50).0,
            kind: kind.to_owned(),
            quick_notes: cut(&notes, 10_000).0,
            alert: cut(row.get("alert").trim(), 1_000).0,
        };
        let made = match organizations::create(conn, &self.tenant, &input, actor()) {
            Err(AssetError::NameTaken) => {
                // A name the tenant uses already: the imported one is told apart.
                let short = cut(&wanted, MAX_NAME - 12 - id.chars().count()).0;
                let input = OrganizationInput { name: format!("{short} (IT Glue {id})"), ..input };
                self.report.warn(
                    "organizations.csv",
                    row.line,
                    id,
                    "organization_name_taken",
                    &format!("named {:?}", input.name),
                );
                organizations::create(conn, &self.tenant, &input, actor())?
            }
            other => other?,
        };
        self.remember(conn, "organization", id, &made.id)?;
        self.orgs.insert(id.to_owned(), OrgRef { local: made.id });
        Ok(Outcome::Created)
    }

    /// HTML as Markdown, active content dropped and reported.
    pub(super) fn text_of_html(&mut self, file: &str, line: u64, id: &str, cell: &str) -> String {
        if cell.trim().is_empty() {
            return String::new();
        }
        let converted = html::to_markdown(cell, &mut |_| None);
        if converted.active_content_removed {
            self.report.warn(
                file,
                line,
                id,
                "active_content_removed",
                "scripts, event handlers or frames were removed",
            );
        }
        converted.markdown
    }

    /// `locations.csv`: records of an asset type "Locations".
    pub(super) fn locations(&mut self, conn: &mut DbConn) -> Result<(), AppError> {
        if !self.source.contains("locations.csv") {
            return Ok(());
        }
        let fields = vec![
            field("Name", FieldKind::Text, true),
            field("Primary", FieldKind::Checkbox, false),
            field("Address 1", FieldKind::Text, true),
            field("Address 2", FieldKind::Text, false),
            field("City", FieldKind::Text, true),
            field("Region", FieldKind::Text, false),
            field("Country", FieldKind::Text, false),
            field("Postal Code", FieldKind::Text, false),
            field("Phone", FieldKind::Text, false),
            field("Fax", FieldKind::Text, false),
        ];
        let kind = self.asset_type(conn, "locations", "Locations", fields)?;
        self.table(conn, "locations.csv", "locations", |this, conn, row| {
            let values = [
                ("Name", row.get("name")),
                ("Primary", if itglue::yes(row.get("primary")) { "true" } else { "" }),
                ("Address 1", row.get("address_1")),
                ("Address 2", row.get("address_2")),
                ("City", row.get("city")),
                ("Region", row.get("region")),
                ("Country", row.get("country")),
                ("Postal Code", row.get("postal_code")),
                ("Phone", row.get("phone")),
                ("Fax", row.get("fax")),
            ];
            this.asset_row(conn, row, ("locations.csv", "location"), &kind, &values, &BTreeMap::new())
        })
    }

    /// Stores one row as an asset of `asset_type` (values by field label).
    fn asset_row(
        &mut self,
        conn: &mut DbConn,
        row: &Row,
        (file, ext_kind): (&str, &str),
        asset_type: &AssetType,
        values: &[(&str, &str)],
        tags: &BTreeMap<String, Vec<String>>,
    ) -> Result<Outcome, AppError> {
        let id = row.get("id").trim();
        let org = match self.organization_of(row) {
            Ok(org) => org,
            Err(outcome) => return Ok(outcome),
        };
        if let Some(local) = self.local(ext_kind, id).cloned() {
            let title = values.first().map(|(_, v)| *v).unwrap_or_default();
            self.name_record(&org.local, title, &local);
            return Ok(Outcome::Unchanged);
        }
        let mut input =
            RecordInput { visibility: Some(Visibility::Everyone), tags: tags.clone(), ..Default::default() };
        for (label, value) in values {
            let Some(field) = asset_type.field_named(label) else { continue };
            let value = if field.title { self.name_within(file, row.line, id, value) } else { (*value).to_owned() };
            input.fields.insert(field.id.clone(), value);
        }
        let made = asset_records::insert(conn, &self.keyring, &self.tenant, &org.local, asset_type, &input, actor())?;
        self.remember(conn, ext_kind, id, &made.id)?;
        self.name_record(&org.local, &made.name, &made.id);
        Ok(Outcome::Created)
    }

    /// A name cut to what the product keeps, reported when cut.
    fn name_within(&mut self, file: &str, line: u64, id: &str, name: &str) -> String {
        let (kept, was_cut) = cut(name.trim(), MAX_NAME);
        if was_cut {
            self.report.warn(file, line, id, "name_truncated", &format!("the name was cut to {MAX_NAME} characters"));
        }
        kept
    }

    /// `configurations.csv`: devices, with their interfaces.
    pub(super) fn configurations(&mut self, conn: &mut DbConn) -> Result<(), AppError> {
        self.table(conn, "configurations.csv", "configurations", |this, conn, row| this.configuration(conn, row))
    }

    fn configuration(&mut self, conn: &mut DbConn, row: &Row) -> Result<Outcome, AppError> {
        let (file, id) = ("configurations.csv", row.get("id").trim());
        if itglue::yes(row.get("archived")) {
            return Ok(Outcome::skipped("archived", "archived in IT Glue"));
        }
        let org = match self.organization_of(row) {
            Ok(org) => org,
            Err(outcome) => return Ok(outcome),
        };
        if let Some(local) = self.local("configuration", id).cloned() {
            self.name_record(&org.local, row.get("name"), &local);
            return Ok(Outcome::Unchanged);
        }
        let interfaces = itglue::interfaces(row.get("configuration_interfaces")).unwrap_or_else(|reason| {
            self.report.warn(file, row.line, id, "invalid_interfaces_json", &reason);
            Vec::new()
        });
        let mut addresses: Vec<String> = Vec::new();
        for ip in std::iter::once(row.get("primary_ip").trim().to_owned())
            .chain(interfaces.iter().filter_map(|i| i.ip_address.clone()))
        {
            if !ip.is_empty() && !addresses.contains(&ip) {
                addresses.push(ip);
            }
        }
        let kind_text = row.get("configuration_type").trim();
        let mut notes = row.get("notes").trim_end().to_owned();
        let position = row.get("position").trim();
        if !position.is_empty() {
            notes = join_paragraphs(&notes, &format!("Position: {position}"));
        }
        let mapped_kind = configuration_kind(kind_text);
        if !kind_text.is_empty() && !kind_text.eq_ignore_ascii_case(mapped_kind) {
            notes = join_paragraphs(&notes, &format!("Type (IT Glue): {kind_text}"));
        }
        if !interfaces.is_empty() {
            let lines: Vec<String> = interfaces
                .iter()
                .map(|i| {
                    let mut line = format!("- {}", i.name.as_deref().unwrap_or("Interface"));
                    for part in [i.ip_address.as_deref(), i.mac_address.as_deref()].into_iter().flatten() {
                        line.push_str(&format!(" {part}"));
                    }
                    if i.primary == Some(true) {
                        line.push_str(" (primary)");
                    }
                    if let Some(note) = i.notes.as_deref().filter(|n| !n.is_empty()) {
                        line.push_str(&format!(": {note}"));
                    }
                    line
                })
                .collect();
            notes = join_paragraphs(&notes, &format!("Interfaces:\n{}", lines.join("\n")));
        }
        let status = match row.get("configuration_status").trim().to_lowercase().as_str() {
            "inactive" => "inactive",
            "retired" | "decommissioned" | "disposed" => "retired",
            _ => "active",
        };
        let name = self.name_within(file, row.line, id, row.get("name"));
        let input = RecordInput {
            name,
            fields: [
                ("configuration_kind", mapped_kind.to_owned()),
                ("hostname", one_line(row.get("hostname"))),
                ("ip_addresses", cut(&addresses.join(", "), 500).0),
                ("mac_address", one_line(row.get("mac_address"))),
                ("serial_number", one_line(row.get("serial_number"))),
                ("manufacturer", one_line(row.get("manufacturer"))),
                ("model", one_line(row.get("model"))),
                ("location", one_line(row.get("location"))),
                ("status", status.to_owned()),
                ("notes", cut(&notes, 20_000).0),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
            ..Default::default()
        };
        let made =
            records::insert(conn, &self.keyring, &self.tenant, &org.local, Kind::Configuration, &input, actor())?;
        self.remember(conn, "configuration", id, &made.id)?;
        self.name_record(&org.local, &made.name, &made.id);
        Ok(Outcome::Created)
    }

    /// `contacts.csv`: people, with their e-mails and phones.
    pub(super) fn contacts(&mut self, conn: &mut DbConn) -> Result<(), AppError> {
        self.table(conn, "contacts.csv", "contacts", |this, conn, row| {
            let (file, id) = ("contacts.csv", row.get("id").trim());
            let org = match this.organization_of(row) {
                Ok(org) => org,
                Err(outcome) => return Ok(outcome),
            };
            if this.local("contact", id).is_some() {
                return Ok(Outcome::Unchanged);
            }
            let full = format!("{} {}", row.get("first_name").trim(), row.get("last_name").trim());
            let name = this.name_within(file, row.line, id, &full);
            let emails: Vec<String> = itglue::labelled_lines(row.get("emails")).into_iter().map(|(_, v)| v).collect();
            let phones: Vec<String> = itglue::labelled_lines(row.get("phones"))
                .into_iter()
                .map(|(label, value)| label.map_or(value.clone(), |l| format!("{l}: {value}")))
                .collect();
            let mut notes = row.get("notes").trim_end().to_owned();
            for (label, column) in [("Type", "contact_type"), ("Location", "location")] {
                let value = row.get(column).trim();
                if !value.is_empty() {
                    notes = join_paragraphs(&notes, &format!("{label}: {value}"));
                }
            }
            let input = RecordInput {
                name,
                fields: [
                    ("title", one_line(row.get("title"))),
                    ("emails", cut(&emails.join(", "), 500).0),
                    ("phones", cut(&phones.join(", "), 500).0),
                    ("important", if itglue::yes(row.get("important")) { "true".into() } else { String::new() }),
                    ("notes", cut(&notes, 20_000).0),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
                ..Default::default()
            };
            let made = records::insert(conn, &this.keyring, &this.tenant, &org.local, Kind::Contact, &input, actor())?;
            this.remember(conn, "contact", id, &made.id)?;
            this.name_record(&org.local, &made.name, &made.id);
            Ok(Outcome::Created)
        })
    }

    /// `domains.csv`: records of an asset type "Domains", expiring.
    pub(super) fn domains(&mut self, conn: &mut DbConn) -> Result<(), AppError> {
        if !self.source.contains("domains.csv") {
            return Ok(());
        }
        let mut expires = field("Expires On", FieldKind::Date, true);
        expires.expiration = true;
        let fields = vec![
            field("Name", FieldKind::Text, true),
            field("Registrar", FieldKind::Text, true),
            expires,
            field("Notes", FieldKind::Textbox, false),
        ];
        let kind = self.asset_type(conn, "domains", "Domains", fields)?;
        self.table(conn, "domains.csv", "domains", |this, conn, row| {
            let values = [
                ("Name", row.get("name")),
                ("Registrar", row.get("registrar")),
                ("Expires On", row.get("expires_on")),
                ("Notes", row.get("notes")),
            ];
            this.asset_row(conn, row, ("domains.csv", "domain"), &kind, &values, &BTreeMap::new())
        })
    }

    /// `<slug>.csv`: a flexible asset type, its fields from the columns
    /// (labels verbatim, the first the title), and its assets.
    pub(super) fn flexible_assets(&mut self, conn: &mut DbConn, slug: &str) -> Result<(), AppError> {
        let file = format!("{slug}.csv");
        let kind = match self.known_asset_type(conn, slug)? {
            Some(known) => known,
            None => {
                let fields = self.infer_fields(slug, &file)?;
                if fields.is_empty() {
                    self.report.warn(&file, 1, "", "no_fields", "the file has no field columns");
                    return Ok(());
                }
                self.asset_type(conn, slug, &itglue::type_name(slug), fields)?
            }
        };
        let labels: Vec<FieldDef> = kind.active_fields().cloned().collect();
        let kind_name = format!("{} (flexible assets)", kind.name);
        self.table(conn, &file, &kind_name, |this, conn, row| {
            let id = row.get("id").trim();
            if itglue::yes(row.get("archived")) {
                return Ok(Outcome::skipped("archived", "archived in IT Glue"));
            }
            let org = match this.organization_of(row) {
                Ok(org) => org,
                Err(outcome) => return Ok(outcome),
            };
            let mut values: Vec<(&str, String)> = Vec::new();
            let mut tags = BTreeMap::new();
            let mut uploads = Vec::new();
            for field in &labels {
                let cell = row.get(&field.name);
                match field.kind {
                    FieldKind::Tag => {
                        let (found, missing) = this.resolve_names(&org.local, cell);
                        for name in missing {
                            this.report.warn(
                                &file,
                                row.line,
                                id,
                                "unresolved_tag",
                                &format!("{}: no record {name:?}", field.name),
                            );
                        }
                        tags.insert(field.id.clone(), found);
                    }
                    FieldKind::Upload => uploads.push((field.id.clone(), field.name.clone(), cell.to_owned())),
                    FieldKind::Checkbox => {
                        values.push((&field.name, if itglue::yes(cell) { "true".into() } else { String::new() }))
                    }
                    _ => values.push((&field.name, cell.to_owned())),
                }
            }
            let borrowed: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let outcome = this.asset_row(conn, row, (&file, "flexible_asset"), &kind, &borrowed, &tags)?;
            if matches!(outcome, Outcome::Created) {
                let local = this.local("flexible_asset", id).cloned().unwrap_or_default();
                for (field_id, label, cell) in uploads {
                    this.upload_field(
                        conn,
                        (&file, row.line, id),
                        (slug, &label, &field_id),
                        (&org.local, &local),
                        &cell,
                    )?;
                }
            }
            Ok(outcome)
        })
    }

    /// Reads a flexible asset file once to choose each column's kind: tag
    /// when every value names records of the row's organization, upload
    /// when the export has the field's folder, date or checkbox when every
    /// value is one, a text box when a value spans lines, else text.
    fn infer_fields(&mut self, slug: &str, file: &str) -> Result<Vec<FieldInput>, AppError> {
        let mut table = self.source.table(file).map_err(super::unreadable)?;
        let labels: Vec<String> = table
            .headers()
            .iter()
            .filter(|h| !matches!(h.as_str(), "id" | "organization" | "archived"))
            .cloned()
            .collect();
        #[derive(Default)]
        struct Seen {
            values: u64,
            dates: u64,
            yes_no: u64,
            multiline: bool,
            names: u64,
        }
        let mut seen: HashMap<String, Seen> = HashMap::new();
        while let Some(row) = table.next_row().map_err(super::unreadable)? {
            let Ok(row) = row else { continue };
            let org = self.organization_of(&row).ok();
            for label in &labels {
                let cell = row.get(label).trim();
                if cell.is_empty() {
                    continue;
                }
                let s = seen.entry(label.clone()).or_default();
                s.values += 1;
                s.dates += u64::from(chrono::NaiveDate::parse_from_str(cell, "%Y-%m-%d").is_ok());
                s.yes_no += u64::from(cell.eq_ignore_ascii_case("yes") || cell.eq_ignore_ascii_case("no"));
                s.multiline |= cell.contains('\n');
                if let Some(org) = &org {
                    let (_, missing) = self.resolve_names(&org.local, cell);
                    s.names += u64::from(missing.is_empty());
                }
            }
        }
        let mut fields = Vec::new();
        for (index, label) in labels.iter().enumerate() {
            let s = seen.remove(label).unwrap_or_default();
            let lower = label.to_lowercase();
            let kind = if index > 0 && self.source.names_under(&itglue::upload_folder(slug, label)).next().is_some() {
                FieldKind::Upload
            } else if index > 0 && s.values > 0 && s.names == s.values {
                FieldKind::Tag
            } else if s.values > 0 && s.dates == s.values {
                FieldKind::Date
            } else if index > 0 && s.values > 0 && s.yes_no == s.values {
                FieldKind::Checkbox
            } else if index > 0 && (s.multiline || lower.contains("notes")) {
                FieldKind::Textbox
            } else {
                FieldKind::Text
            };
            let mut input = field(label, kind, index < 4 && kind != FieldKind::Textbox);
            input.title = index == 0;
            input.expiration = kind == FieldKind::Date
                && ["expir", "renewal", "ablauf", "valid until"].iter().any(|w| lower.contains(w));
            fields.push(input);
        }
        Ok(fields)
    }

    /// Record ids of the organization by the `, `-separated names of a tag
    /// cell; and the names that match none.
    fn resolve_names(&self, organization: &str, cell: &str) -> (Vec<String>, Vec<String>) {
        let (mut found, mut missing) = (Vec::new(), Vec::new());
        for name in cell.split(", ").map(str::trim).filter(|n| !n.is_empty()) {
            match self.names.get(&(organization.to_owned(), name.to_lowercase())) {
                Some(ids) => found.extend(ids.iter().cloned()),
                None => missing.push(name.to_owned()),
            }
        }
        (found, missing)
    }

    /// `passwords.csv`: credentials, sealed on the way in, linked to their
    /// configuration or asset.
    pub(super) fn passwords(&mut self, conn: &mut DbConn) -> Result<(), AppError> {
        self.table(conn, "passwords.csv", "passwords", |this, conn, row| this.password(conn, row))
    }

    fn password(&mut self, conn: &mut DbConn, row: &Row) -> Result<Outcome, AppError> {
        let (file, id) = ("passwords.csv", row.get("id").trim());
        if itglue::yes(row.get("archived")) {
            return Ok(Outcome::skipped("archived", "archived in IT Glue"));
        }
        let secret = row.get("password");
        if itglue::is_vaulted(secret) {
            return Ok(Outcome::skipped("vaulted_password", "an encrypted vault entry the export cannot reveal"));
        }
        let org = match self.organization_of(row) {
            Ok(org) => org,
            Err(outcome) => return Ok(outcome),
        };
        if let Some(local) = self.local("password", id).cloned() {
            self.owner_org.insert(local, org.local);
            return Ok(Outcome::Unchanged);
        }
        if secret.is_empty() {
            self.report.warn(file, row.line, id, "blank_password", "imported with an empty password");
        }
        let mut secrets = BTreeMap::new();
        secrets.insert("password".to_owned(), SecretString::from(secret.to_owned()));
        let otp = row.get("otp_secret");
        if !otp.trim().is_empty() {
            match itglue::otp_secret(otp) {
                Some(normal) => {
                    secrets.insert("otp_secret".to_owned(), SecretString::from(normal));
                }
                None => self.report.warn(
                    file,
                    row.line,
                    id,
                    "invalid_otp_secret",
                    "not a base32 TOTP secret; imported without it",
                ),
            }
        }
        let category_text = row.get("password_category").trim();
        let category = password_category(category_text);
        let mut notes = row.get("notes").trim_end().to_owned();
        if !category_text.is_empty() && !category_text.eq_ignore_ascii_case(category) {
            notes = join_paragraphs(&notes, &format!("Category (IT Glue): {category_text}"));
        }
        let name = self.name_within(file, row.line, id, row.get("name"));
        let input = RecordInput {
            name,
            fields: [
                ("category", category.to_owned()),
                ("username", one_line(row.get("username"))),
                ("url", one_line(row.get("url"))),
                ("notes", cut(&notes, 20_000).0),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
            secrets,
            // Credentials come in for staff only; the MSP opens those customers may see.
            visibility: Some(Visibility::Staff),
            ..Default::default()
        };
        let made = records::insert(conn, &self.keyring, &self.tenant, &org.local, Kind::Password, &input, actor())?;
        let resource = row.get("resource_id").trim();
        let target = match row.get("resource_type").trim() {
            "" => None,
            "Configuration" => Some(("configuration", resource)),
            "StructuredData::Row" | "StructuredData::Cell" => Some(("flexible_asset", resource)),
            other => {
                self.report.warn(file, row.line, id, "dangling_resource", &format!("unknown resource type {other:?}"));
                None
            }
        };
        if let Some((kind, resource)) = target {
            match self.local(kind, resource).cloned() {
                Some(target) if self.owner_org.get(&target) == Some(&org.local) => {
                    let (source, target) = (
                        Item { id: made.id.clone(), kind: ItemKind::Record },
                        Item { id: target, kind: ItemKind::Record },
                    );
                    relations::add(conn, &self.tenant, &org.local, &source, &target, "", actor())?;
                }
                _ => self.report.warn(
                    file,
                    row.line,
                    id,
                    "dangling_resource",
                    &format!("{kind} {resource} was not imported; the password is not linked"),
                ),
            }
        }
        self.remember(conn, "password", id, &made.id)?;
        self.owner_org.insert(made.id.clone(), org.local);
        Ok(Outcome::Created)
    }
}

/// A field of an imported type.
fn field(label: &str, kind: FieldKind, in_list: bool) -> FieldInput {
    FieldInput {
        name: label.to_owned(),
        kind: kind.as_str().to_owned(),
        show_in_list: in_list,
        title: label == "Name",
        ..Default::default()
    }
}

/// One line of text (line breaks become spaces), at most 500 characters.
fn one_line(text: &str) -> String {
    let joined: String = text.trim().chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    cut(&joined, 500).0
}

fn join_paragraphs(first: &str, second: &str) -> String {
    if first.trim().is_empty() { second.to_owned() } else { format!("{}\n\n{second}", first.trim_end()) }
}

/// IT Glue's configuration types, as the kinds Cairn lists.
fn configuration_kind(text: &str) -> &'static str {
    let lower = text.to_lowercase();
    let pick = [
        ("access point", "access point"),
        ("wireless", "access point"),
        ("firewall", "firewall"),
        ("router", "firewall"),
        ("switch", "switch"),
        ("server", "server"),
        ("virtual", "server"),
        ("laptop", "laptop"),
        ("notebook", "laptop"),
        ("workstation", "workstation"),
        ("desktop", "workstation"),
        ("printer", "printer"),
        ("nas", "nas"),
        ("storage", "nas"),
        ("phone", "phone"),
    ];
    pick.iter().find(|(word, _)| lower.contains(word)).map_or("other", |(_, kind)| kind)
}

/// IT Glue's password categories, as the categories Cairn lists.
fn password_category(text: &str) -> &'static str {
    let lower = text.to_lowercase();
    let pick = [
        ("mail", "email"),
        ("web", "website"),
        ("portal", "website"),
        ("network", "network"),
        ("wi-fi", "network"),
        ("wifi", "network"),
        ("vpn", "network"),
        ("firewall", "network"),
        ("directory", "server"),
        ("local admin", "server"),
        ("server", "server"),
        ("database", "server"),
        ("365", "application"),
        ("service", "application"),
        ("application", "application"),
        ("api", "application"),
    ];
    pick.iter().find(|(word, _)| lower.contains(word)).map_or("general", |(_, c)| c)
}
