//! `cairn serve --demo`: a tenant with realistic documentation, so a
//! newcomer can walk the customer's path in a browser at once.

use cairn_assets::organizations::{self, OrganizationInput};
use cairn_assets::records::{self, RecordInput};
use cairn_assets::{AssetError, Kind, documents};
use cairn_auth::Role;
use cairn_auth::invitations::NewInvitation;
use cairn_auth::policy::Visibility;
use cairn_store::DbConn;
use cairn_store::audit::Actor;
use cairn_tenancy::{Locale, NewTenant, Tenant, TenantSlug};
use cairn_vault::SecretString;

use crate::state::Tx;
use crate::{App, AppError, Reason};

/// What the demo made, for printing.
#[derive(Debug)]
pub struct DemoSeed {
    /// The tenant.
    pub tenant: Tenant,
    /// The staff owner's invitation link.
    pub owner_link: String,
    /// A customer's invitation link (organization "Muster AG").
    pub customer_link: String,
}

type Fields<'a> = &'a [(&'a str, &'a str)];

fn input(name: &str, fields: Fields<'_>, secrets: Fields<'_>, visibility: Option<Visibility>) -> RecordInput {
    RecordInput {
        name: name.into(),
        fields: fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        secrets: secrets.iter().map(|(k, v)| ((*k).to_owned(), SecretString::from((*v).to_owned()))).collect(),
        clear: Default::default(),
        visibility,
        tags: Default::default(),
    }
}

/// One organization's worth of documentation; `n` varies the details.
fn documentation(
    conn: &mut DbConn,
    keyring: &cairn_vault::Keyring,
    tenant: &Tenant,
    org_id: &str,
    domain: &str,
    n: u8,
) -> Result<(), AssetError> {
    let add = |conn: &mut DbConn, kind: Kind, record: &RecordInput| -> Result<(), AssetError> {
        records::insert(conn, keyring, &tenant.id, org_id, kind, record, Actor::System).map(drop)
    };
    let net = format!("192.168.{}", 10 + n);
    for (name, kind, host_suffix, ip, serial, model, os) in [
        (
            "Server",
            "server",
            "srv01",
            format!("{net}.10"),
            format!("CZ2{n}40ABX1"),
            "HPE ProLiant ML30 Gen11",
            "Windows Server 2022",
        ),
        (
            "Firewall",
            "firewall",
            "fw01",
            format!("{net}.1"),
            format!("FGT60F{n}TK2"),
            "Fortinet FortiGate 60F",
            "FortiOS 7.4",
        ),
        (
            "Laptop Empfang",
            "laptop",
            "nb-empfang",
            format!("{net}.51"),
            format!("PF3{n}K9QZ"),
            "Lenovo ThinkPad T14 Gen 4",
            "Windows 11 Pro",
        ),
    ] {
        add(
            conn,
            Kind::Configuration,
            &input(
                name,
                &[
                    ("configuration_kind", kind),
                    ("hostname", &format!("{host_suffix}.{domain}")),
                    ("ip_addresses", &ip),
                    ("serial_number", &serial),
                    ("manufacturer", model.split(' ').next().unwrap_or_default()),
                    ("model", model),
                    ("operating_system", os),
                    ("location", "Serverraum, 1. OG"),
                    ("warranty_expires", "2027-06-30"),
                    ("status", "active"),
                ],
                &[],
                None,
            ),
        )?;
    }
    for (name, title, email, phone, important) in [
        ("Anna Muster", "Geschäftsführerin", format!("anna.muster@{domain}"), "031 300 10 10", "true"),
        ("Beat Beispiel", "IT-Verantwortlicher", format!("beat.beispiel@{domain}"), "031 300 10 22", ""),
    ] {
        add(
            conn,
            Kind::Contact,
            &input(
                name,
                &[("title", title), ("emails", &email), ("phones", phone), ("important", important)],
                &[],
                None,
            ),
        )?;
    }
    add(
        conn,
        Kind::Password,
        &input(
            "E-Mail Empfang",
            &[("category", "email"), ("username", &format!("empfang@{domain}")), ("url", "https://outlook.office.com")],
            &[("password", "Sommer-Zitrone-Velo-2026")],
            Some(Visibility::Everyone),
        ),
    )?;
    add(
        conn,
        Kind::Password,
        &input(
            "Microsoft 365 Admin",
            &[
                ("category", "application"),
                ("username", &format!("admin@{domain}")),
                ("url", "https://admin.microsoft.com"),
            ],
            &[("password", "Gletscher-Kompass-Murmeli-91"), ("otp_secret", "JBSWY3DPEHPK3PXP")],
            Some(Visibility::Everyone),
        ),
    )?;
    add(
        conn,
        Kind::Password,
        &input(
            "Firewall Admin",
            &[("category", "network"), ("username", "admin"), ("url", &format!("https://{net}.1"))],
            &[("password", "Nur-fuer-Technik-Fw-7731")],
            Some(Visibility::Staff),
        ),
    )?;
    add(
        conn,
        Kind::Wireless,
        &input(
            "Buero",
            &[("security", "WPA2/WPA3-Personal"), ("vlan", "10")],
            &[("passphrase", "Kaffee-Bohne-Mittag-42")],
            None,
        ),
    )?;
    add(
        conn,
        Kind::Wireless,
        &input(
            "Gaeste",
            &[("security", "WPA2-Personal"), ("vlan", "99"), ("guest", "true")],
            &[("passphrase", "Willkommen-2026")],
            None,
        ),
    )?;
    add(
        conn,
        Kind::Vpn,
        &input(
            "Homeoffice",
            &[
                ("vpn_kind", "client"),
                ("gateway", &format!("vpn.{domain}")),
                ("port", "51820"),
                ("protocol", "WireGuard"),
                ("remote_networks", &format!("{net}.0/24")),
            ],
            &[("pre_shared_key", "uJ3lq0vC+8yZ1m5QdR6m2hX0p7Wn4aF9tK1sE3bL6o=")],
            None,
        ),
    )?;
    documents::insert(
        conn,
        &tenant.id,
        Some(org_id),
        "Drucker einrichten",
        "## So richtest Du den Drucker ein\n\n1. Öffne **Einstellungen → Drucker & Scanner**.\n2. Wähle *Drucker hinzufügen*.\n3. Gib die Adresse `\\\\srv01\\Drucker-EG` ein.\n\nFragen? Ruf uns an.",
        None,
    )?;
    Ok(())
}

impl App {
    /// Creates the demo tenant `slug` with three organizations, an owner and a
    /// customer invitation; `None` when the tenant exists already.
    pub async fn seed_demo(&self, slug: &str) -> Result<Option<DemoSeed>, AppError> {
        let slug = TenantSlug::parse(slug).map_err(|e| AppError::invalid("slug", Reason::Text(e)))?;
        if self.directory().by_slug(&slug).await.is_ok() {
            return Ok(None);
        }
        let new = NewTenant {
            slug,
            name: "plus+plus".into(),
            support_email: Some("team@plusundplus.ch".into()),
            support_phone: Some("031 511 22 33".into()),
            locale: Locale::De,
            time_zone: chrono_tz::Europe::Zurich,
        };
        let (master_key, urls, ttl) = (self.master_key().clone(), self.public().clone(), self.invitation_ttl);
        let types = self.type_cache().clone();
        let (tenant, links) = self
        .directory()
        .create_with(self.master_key(), new, demo(), move |conn, tenant| -> Result<(String, String), AppError> {
            let mut tx = Tx::new(conn, &master_key, &tenant.id, &types);
            let keyring = tx.keyring()?;
            let conn = &mut *tx.conn;
            let mut first_org = String::new();
            for (n, (name, short, domain, notes, alert)) in [
                ("Muster AG", "Muster", "muster-ag.ch", "Büro Bern, 12 Arbeitsplätze. Wartungsfenster: Dienstag 18–20 Uhr.", ""),
                ("Bäckerei Beispiel GmbH", "Beispiel", "baeckerei-beispiel.ch", "Kasse und Backstube getrennt vernetzt.", "Kassensystem nur nach Absprache neu starten."),
                ("Praxis Dr. Sonnenschein", "Sonnenschein", "praxis-sonnenschein.ch", "Arztpraxis; Patientendaten nur auf dem Server.", ""),
            ]
            .into_iter()
            .enumerate()
            {
                let organization = organizations::create(
                    conn,
                    &tenant.id,
                    &OrganizationInput { name: name.into(), short_name: short.into(), kind: "customer".into(), quick_notes: notes.into(), alert: alert.into() },
                    demo(),
                )?;
                documentation(conn, &keyring, tenant, &organization.id, domain, u8::try_from(n).unwrap_or(0))?;
                if first_org.is_empty() {
                    first_org = organization.id.clone();
                }
            }
            documents::insert(
                conn,
                &tenant.id,
                None,
                "So meldest Du Dich an",
                "Gehe auf die Anmeldeseite, gib die Subdomain **plusundplus.ch**, Deine E-Mail und Dein Passwort ein und bestätige mit dem Code aus Microsoft Authenticator.",
                None,
            )?;
            let owner = NewInvitation { email: "owner@plusundplus.ch".into(), role: Role::Owner, organization_id: None, invited_by: None, ttl };
            let (_, owner_link) = crate::invitations::create(&mut tx, tenant, &urls, &owner, demo(), None)?;
            let customer = NewInvitation { email: "max.muster@muster-ag.ch".into(), role: Role::Customer, organization_id: Some(first_org), invited_by: None, ttl };
            let (_, customer_link) = crate::invitations::create(&mut tx, tenant, &urls, &customer, demo(), None)?;
            Ok((owner_link, customer_link))
        })
        .await?;
        self.wake_mail();
        Ok(Some(DemoSeed { tenant, owner_link: links.0, customer_link: links.1 }))
    }
}

fn demo() -> Actor {
    Actor::Operator("demo".into())
}
