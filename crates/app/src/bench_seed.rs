//! The benchmark's dataset: tenants × organizations × password records,
//! made through the domain layer as real ones are (every secret sealed),
//! with an owner and a customer per tenant signed in through the use cases
//! (invitation, account, MFA enrolment), whose sessions the benchmark uses.

use std::sync::Arc;

use cairn_assets::Kind;
use cairn_assets::organizations::{self, OrganizationInput};
use cairn_assets::records::{self, RecordInput};
use cairn_auth::Role;
use cairn_auth::invitations::NewInvitation;
use cairn_auth::policy::Visibility;
use cairn_store::audit::Actor;
use cairn_tenancy::{Locale, NewTenant, TenantSlug};
use cairn_vault::SecretString;
use serde::Serialize;

use crate::state::Tx;
use crate::{AccountInput, App, AppError, Reason};

/// How big the dataset is.
#[derive(Clone, Copy, Debug)]
pub struct SeedSpec {
    /// Tenants, `bench-0000.example` and on.
    pub tenants: usize,
    /// Organizations per tenant.
    pub organizations: usize,
    /// Password records per organization.
    pub records: usize,
}

/// What the benchmark needs to know of a seeded tenant.
#[derive(Debug, Serialize)]
pub struct SeededTenant {
    /// The tenant's slug.
    pub slug: String,
    /// Its organizations' ids; the customer may read the first.
    pub organizations: Vec<String>,
    /// A password record of the first organization.
    pub record: String,
    /// The owner, signed in.
    pub owner: SeededUser,
    /// A customer of the first organization, signed in.
    pub customer: SeededUser,
}

/// A signed-in person of the dataset.
#[derive(Debug, Serialize)]
pub struct SeededUser {
    /// Their address.
    pub email: String,
    /// The token of their full session (the `cairn_session` cookie).
    pub session: String,
}

/// The password every seeded person has.
const PASSWORD: &str = "Bench-Gletscher-Alpaka-2026";

/// The tables the seed fills, whose statistics it refreshes.
const SEEDED_TABLES: &[&str] = &[
    "tenants",
    "tenant_keys",
    "organizations",
    "records",
    "audit_events",
    "users",
    "invitations",
    "organization_grants",
    "sessions",
    "recovery_codes",
];

fn actor() -> Actor {
    Actor::Operator("bench-seed".into())
}

impl App {
    /// Fills an empty database with the benchmark's dataset. Refuses a
    /// database that has tenants: the sessions it makes are printed.
    pub async fn seed_bench(&self, spec: SeedSpec) -> Result<Vec<SeededTenant>, AppError> {
        if !self.directory().list().await?.is_empty() {
            return Err(AppError::invalid(
                "database",
                Reason::Text("the benchmark seeds an empty database only; this one has tenants".into()),
            ));
        }
        if spec.tenants == 0 || spec.organizations == 0 || spec.records == 0 {
            return Err(AppError::invalid(
                "spec",
                Reason::Text("tenants, organizations and records must be at least 1".into()),
            ));
        }
        let mut seeded = Vec::with_capacity(spec.tenants);
        for n in 0..spec.tenants {
            seeded.push(self.seed_bench_tenant(n, spec).await?);
        }
        // The benchmark starts at once, before autovacuum would look at the
        // new rows, which a real database of this size has been through.
        // Without statistics PostgreSQL read a section list through the
        // index by name, filtering and sorting every record of the tenant:
        // about 290 us a statement instead of about 110 (250 records).
        self.database()
            .run(|conn| cairn_store::refresh_statistics(conn, SEEDED_TABLES).map_err(AppError::from))
            .await?;
        Ok(seeded)
    }

    async fn seed_bench_tenant(&self, n: usize, spec: SeedSpec) -> Result<SeededTenant, AppError> {
        let slug = format!("bench-{n:04}.example");
        let new = NewTenant {
            slug: TenantSlug::parse(&slug).map_err(|e| AppError::invalid("slug", Reason::Text(e)))?,
            name: format!("Bench IT {n}"),
            support_email: Some(format!("support@bench-{n}.example")),
            support_phone: Some("031 000 00 00".into()),
            locale: Locale::De,
            time_zone: chrono_tz::Europe::Zurich,
        };
        let (master, urls, ttl) = (self.master_key().clone(), self.public().clone(), self.invitation_ttl);
        let types = self.type_cache().clone();
        let (tenant, (organizations, record, links)) = self
            .directory()
            .create_with(self.master_key(), new, actor(), move |conn, tenant| {
                let mut tx = Tx::new(conn, &master, &tenant.id, &types);
                let keyring = tx.keyring()?;
                let mut organizations_made = Vec::with_capacity(spec.organizations);
                let mut first_record = String::new();
                for o in 0..spec.organizations {
                    let input = OrganizationInput {
                        name: format!("Kunde {o:03} AG"),
                        short_name: format!("K{o:03}"),
                        kind: "customer".into(),
                        quick_notes: "Büro mit 12 Arbeitsplätzen; Wartungsfenster Dienstag 18–20 Uhr.".into(),
                        alert: String::new(),
                    };
                    let organization = organizations::create(tx.conn, &tenant.id, &input, actor())?;
                    for r in 0..spec.records {
                        let record = RecordInput {
                            name: format!("Password {r:04} Microsoft 365"),
                            fields: [
                                ("category", "application".to_owned()),
                                ("username", format!("user{r}@kunde-{o}.example")),
                                ("url", "https://admin.microsoft.com".to_owned()),
                                ("notes", "Für den Zugang zum Admin-Center; MFA auf dem Diensthandy.".to_owned()),
                            ]
                            .into_iter()
                            .map(|(k, v)| (k.to_owned(), v))
                            .collect(),
                            secrets: [("password".to_owned(), SecretString::from(format!("Sommer-Zitrone-{o}-{r}")))]
                                .into_iter()
                                .collect(),
                            clear: Default::default(),
                            visibility: Some(Visibility::Everyone),
                            tags: Default::default(),
                        };
                        let made = records::insert(
                            tx.conn,
                            &keyring,
                            &tenant.id,
                            &organization.id,
                            Kind::Password,
                            &record,
                            actor(),
                        )?;
                        if first_record.is_empty() {
                            first_record = made.id.clone();
                        }
                    }
                    organizations_made.push(organization.id);
                }
                let mut links = Vec::new();
                for (email, role, organization) in [
                    (format!("owner@bench-{n}.example"), Role::Owner, None),
                    (format!("kunde@bench-{n}.example"), Role::Customer, organizations_made.first().cloned()),
                ] {
                    let invitation = NewInvitation {
                        email: email.clone(),
                        role,
                        organization_id: organization,
                        invited_by: None,
                        ttl,
                    };
                    let (_, link) = crate::invitations::create(&mut tx, tenant, &urls, &invitation, actor(), None)?;
                    links.push((email, link));
                }
                Ok::<_, AppError>((organizations_made, first_record, links))
            })
            .await?;
        let tenant = Arc::new(tenant);
        let mut people = Vec::with_capacity(2);
        for (email, link) in links {
            let token = link.rsplit('/').next().unwrap_or_default().to_owned();
            let account = AccountInput {
                first_name: "Bench".into(),
                last_name: "Person".into(),
                password: PASSWORD.into(),
                password_confirm: PASSWORD.into(),
            };
            let session = self.accept_invitation(&tenant, token, &account, "127.0.0.1").await?;
            let enrolling = self.session(&tenant, session.token.clone()).await?.ok_or(AppError::NotFound)?;
            let enrolment = self.mfa_enrolment(&tenant, &enrolling).await?;
            let secret = cairn_vault::ExposeSecret::expose_secret(&enrolment.secret_base32).to_owned();
            let code = cairn_auth::mfa::current_code(&secret).ok_or(AppError::NotFound)?;
            let enrolling = self.session(&tenant, session.token).await?.ok_or(AppError::NotFound)?;
            let full = self.complete_mfa_enrolment(&tenant, &enrolling, &code, "127.0.0.1").await?;
            people.push(SeededUser { email, session: full.token });
        }
        let customer = people.pop().ok_or(AppError::NotFound)?;
        let owner = people.pop().ok_or(AppError::NotFound)?;
        Ok(SeededTenant { slug: tenant.slug.clone(), organizations, record, owner, customer })
    }
}
