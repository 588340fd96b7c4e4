//! The seed's steps 7–8: organizations and their documentation, access,
//! audited reveals, search, documents, the audit log and cheap queries.

use cairn_store::StoreError;
use cairn_store::schema::{audit_events, organizations, records};
use cairn_tests::{Browser, TestApp, backend_tests};
use diesel::prelude::*;

use super::accounts::enrol;

backend_tests!(
    customer_sees_their_organization_and_nothing_else,
    staff_create_every_kind_of_record_through_the_forms,
    documents_keep_revisions_and_restore_them,
    audit_log_is_for_owners_and_exports_csv,
    section_lists_use_indexes_that_start_with_the_tenant,
);

async fn demo(app: &TestApp, slug: &str) -> cairn_app::DemoSeed {
    app.app.seed_demo(slug).await.expect("seed").expect("a new demo tenant")
}

/// (organization id, record id) of the record named `name` in organization `org` of tenant `slug`.
async fn ids(app: &TestApp, slug: &str, org: &str, name: &str) -> (String, String, String) {
    let tenant =
        app.app.directory().list().await.expect("tenants").into_iter().find(|t| t.slug == slug).expect("tenant");
    let (org, name) = (org.to_owned(), name.to_owned());
    app.db
        .run(move |c| {
            let org_id: String = organizations::table
                .filter(organizations::tenant_id.eq(tenant.id.as_str()))
                .filter(organizations::name.eq(&org))
                .select(organizations::id)
                .first(c)?;
            let (id, kind): (String, String) = records::table
                .filter(records::tenant_id.eq(tenant.id.as_str()))
                .filter(records::organization_id.eq(&org_id))
                .filter(records::name.eq(&name))
                .select((records::id, records::kind))
                .first(c)?;
            Ok::<_, StoreError>((org_id, id, kind))
        })
        .await
        .expect("ids")
}

fn section_of(kind: &str) -> &'static str {
    match kind {
        "configuration" => "configurations",
        "contact" => "contacts",
        "password" => "passwords",
        "wireless" => "wireless",
        _ => "vpn",
    }
}

async fn reveal(browser: &mut Browser, path: &str, field: &str) -> (u16, String, Option<String>) {
    let token = browser.get("/organizations").await.csrf();
    let page =
        browser.post_json_accepting(&format!("{path}/reveal"), &[("field", field), ("csrf_token", &token)]).await;
    let cache = page.headers.get("cache-control").and_then(|v| v.to_str().ok()).map(str::to_owned);
    (page.status, page.body, cache)
}

async fn customer_sees_their_organization_and_nothing_else(app: TestApp) {
    let seed = demo(&app, "plusundplus.ch").await;
    demo(&app, "other-msp").await;
    let (mut customer, _) = enrol(&app, "plusundplus.ch", &seed.customer_link).await;

    // 7: the list holds the one organization granted.
    let list = customer.get("/organizations").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("Muster AG"));
    assert!(!list.body.contains("Bäckerei") && !list.body.contains("Sonnenschein"));

    // 8: the sidebar of the seed, with counts; every section lists.
    let (muster, email_pw, _) = ids(&app, "plusundplus.ch", "Muster AG", "E-Mail Empfang").await;
    let overview = customer.get(&format!("/organizations/{muster}")).await;
    assert_eq!(overview.status, 200);
    for section in ["configurations", "contacts", "passwords", "wireless", "vpn", "documents"] {
        assert!(overview.body.contains(&format!("/organizations/{muster}/{section}\"")), "sidebar links {section}");
        let page = customer.get(&format!("/organizations/{muster}/{section}")).await;
        assert_eq!(page.status, 200, "{section}");
    }
    assert!(overview.body.contains("031 511 22 33"), "the MSP's support contact");
    let configurations = customer.get(&format!("/organizations/{muster}/configurations")).await;
    assert!(configurations.body.contains("srv01.muster-ag.ch") && configurations.body.contains("Firewall"));
    let passwords = customer.get(&format!("/organizations/{muster}/passwords")).await;
    assert!(passwords.body.contains("E-Mail Empfang"));
    assert!(!passwords.body.contains("Firewall Admin"), "staff-only entries are not listed");
    assert!(!passwords.body.contains("Sommer-Zitrone"), "secrets are never in lists");

    // Reveal an `everyone` password: the value, no-store, and an audit event.
    let detail = format!("/organizations/{muster}/passwords/{email_pw}");
    let page = customer.get(&detail).await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("Sommer-Zitrone"), "masked until revealed");
    let (status, body, cache) = reveal(&mut customer, &detail, "password").await;
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&body).expect("json")["value"], "Sommer-Zitrone-Velo-2026");
    assert_eq!(cache.as_deref(), Some("no-store"));
    let (_, otp_pw, _) = ids(&app, "plusundplus.ch", "Muster AG", "Microsoft 365 Admin").await;
    let (status, body, _) =
        reveal(&mut customer, &format!("/organizations/{muster}/passwords/{otp_pw}"), "otp_secret").await;
    assert_eq!(status, 200);
    let code =
        serde_json::from_str::<serde_json::Value>(&body).expect("json")["value"].as_str().expect("code").to_owned();
    assert!(code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()), "a live 6-digit code: {code}");
    let target = email_pw.clone();
    let reveals: Vec<(String, Option<String>, Option<String>)> = app
        .db
        .run(move |c| {
            audit_events::table
                .filter(audit_events::action.eq("record.revealed"))
                .filter(audit_events::target_id.eq(&target))
                .select((audit_events::actor, audit_events::ip, audit_events::organization_id))
                .load(c)
                .map_err(StoreError::from)
        })
        .await
        .expect("audit");
    assert_eq!(reveals.len(), 1);
    assert_eq!(reveals[0].0, "max.muster@muster-ag.ch");
    assert_eq!(reveals[0].1.as_deref(), Some("127.0.0.1"));
    assert_eq!(reveals[0].2.as_deref(), Some(muster.as_str()));

    // The Wi-Fi join code of their own network.
    let (_, wifi, _) = ids(&app, "plusundplus.ch", "Muster AG", "Buero").await;
    // It reveals the passphrase, so never on a GET (an image in a document
    // would make every reader send one): only the form's POST shows it.
    for path in [
        format!("/organizations/{muster}/wireless/{wifi}/qr.png"),
        format!("/organizations/{muster}/wireless/{wifi}/qr"),
    ] {
        assert!(matches!(customer.get(&path).await.status, 404 | 405), "{path}");
    }
    let token = customer.get(&format!("/organizations/{muster}/wireless/{wifi}")).await.csrf();
    let qr = customer.post(&format!("/organizations/{muster}/wireless/{wifi}/qr"), &[("csrf_token", &token)]).await;
    assert_eq!(qr.status, 200);
    assert_eq!(qr.headers.get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
    let encoded = qr.body.split("data:image/png;base64,").nth(1).and_then(|r| r.split('"').next()).expect("the code");
    let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, encoded).expect("base64");
    let image = image::load_from_memory(&bytes).expect("png").to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let (_, payload) = prepared.detect_grids()[0].decode().expect("readable");
    assert_eq!(payload, "WIFI:T:WPA;S:Buero;P:Kaffee-Bohne-Mittag-42;;");

    // A staff-only entry of their own organization: 404, reveal included.
    let (_, staff_pw, _) = ids(&app, "plusundplus.ch", "Muster AG", "Firewall Admin").await;
    let staff_path = format!("/organizations/{muster}/passwords/{staff_pw}");
    assert_eq!(customer.get(&staff_path).await.status, 404);
    assert_eq!(reveal(&mut customer, &staff_path, "password").await.0, 404);

    // Every record of another organization and of another tenant: 404, never 403.
    for (slug, org) in [("plusundplus.ch", "Bäckerei Beispiel GmbH"), ("other-msp", "Muster AG")] {
        for name in ["Server", "Anna Muster", "E-Mail Empfang", "Firewall Admin", "Buero", "Homeoffice"] {
            let (org_id, record, kind) = ids(&app, slug, org, name).await;
            let section = section_of(&kind);
            for path in [
                format!("/organizations/{org_id}"),
                format!("/organizations/{org_id}/{section}"),
                format!("/organizations/{org_id}/{section}/{record}"),
                format!("/organizations/{org_id}/{section}/{record}/edit"),
                format!("/organizations/{muster}/{section}/{record}"),
            ] {
                assert_eq!(customer.get(&path).await.status, 404, "{slug} {name}: {path}");
            }
            let secret = match kind.as_str() {
                "password" => Some("password"),
                "wireless" => Some("passphrase"),
                "vpn" => Some("pre_shared_key"),
                _ => None,
            };
            if let Some(field) = secret {
                for path in [
                    format!("/organizations/{org_id}/{section}/{record}"),
                    format!("/organizations/{muster}/{section}/{record}"),
                ] {
                    assert_eq!(reveal(&mut customer, &path, field).await.0, 404, "{slug} {name} reveal via {path}");
                }
            }
        }
    }

    // Documents of another organization and of another tenant too.
    for slug in ["plusundplus.ch", "other-msp"] {
        let tenant =
            app.app.directory().list().await.expect("tenants").into_iter().find(|t| t.slug == slug).expect("tenant");
        let docs: Vec<(Option<String>, String)> = app
            .db
            .run(move |c| {
                use cairn_store::schema::documents::dsl as d;
                d::documents
                    .filter(d::tenant_id.eq(tenant.id.as_str()))
                    .select((d::organization_id, d::id))
                    .load(c)
                    .map_err(StoreError::from)
            })
            .await
            .expect("documents");
        for (org_id, doc) in docs.into_iter().filter(|(org, _)| org.as_deref() != Some(muster.as_str())) {
            let path = match (&org_id, slug) {
                (Some(org), _) => format!("/organizations/{org}/documents/{doc}"),
                (None, "other-msp") => format!("/guides/{doc}"),
                (None, _) => continue,
            };
            assert_eq!(customer.get(&path).await.status, 404, "{slug}: {path}");
            assert_eq!(customer.get(&format!("/organizations/{muster}/documents/{doc}")).await.status, 404);
        }
    }

    // Search finds what they may see, and nothing else.
    let found = customer.get("/search?q=E-Mail%20Empfang").await;
    assert!(found.body.contains(&email_pw), "their own password entry is found");
    for needle in
        ["Bäckerei", "baeckerei-beispiel", "Firewall%20Admin", "Sonnenschein", "Kaffee-Bohne", "Sommer-Zitrone"]
    {
        let page = customer.get(&format!("/search?q={needle}")).await;
        assert_eq!(page.status, 200);
        assert!(!page.body.contains("<li><a href="), "{needle} must find nothing: {}", page.body);
    }
}

async fn staff_create_every_kind_of_record_through_the_forms(app: TestApp) {
    demo(&app, "plusundplus.ch").await;
    let link = super::accounts::invite(&app, "plusundplus.ch", "tech@plusundplus.ch", "technician").await;
    let (mut staff, _) = enrol(&app, "plusundplus.ch", &link).await;
    let created = staff
        .submit(
            "/organizations/new",
            "/organizations",
            &[
                ("name", "Neue Kunde AG"),
                ("short_name", "Neu"),
                ("kind", "customer"),
                ("quick_notes", ""),
                ("alert", ""),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let org = created.location.clone().expect("location");
    let taken =
        staff.submit("/organizations/new", "/organizations", &[("name", "Neue Kunde AG"), ("kind", "customer")]).await;
    assert_eq!(taken.status, 422, "names are unique in the tenant");

    // (section, form fields, a value the detail page shows)
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);
    let kinds: [Case<'_>; 5] = [
        (
            "configurations",
            vec![
                ("name", "NAS"),
                ("configuration_kind", "nas"),
                ("hostname", "nas01.neu.ch"),
                ("ip_addresses", "10.0.0.5"),
                ("serial_number", "SYN123"),
                ("warranty_expires", "2028-01-31"),
                ("status", "active"),
            ],
            "nas01.neu.ch",
        ),
        (
            "contacts",
            vec![
                ("name", "Clara Neu"),
                ("title", "CEO"),
                ("emails", "clara@neu.ch"),
                ("phones", "044 000 00 00"),
                ("important", "true"),
            ],
            "clara@neu.ch",
        ),
        (
            "passwords",
            vec![
                ("name", "Router"),
                ("category", "network"),
                ("username", "admin"),
                ("password", "Router-Secret-Value-1"),
                ("url", "https://10.0.0.1"),
                ("visibility", "staff"),
            ],
            "admin",
        ),
        (
            "wireless",
            vec![
                ("name", "Neu-WLAN"),
                ("security", "WPA3-Personal"),
                ("passphrase", "Wlan-Secret-Value-2"),
                ("vlan", "20"),
            ],
            "WPA3-Personal",
        ),
        (
            "vpn",
            vec![
                ("name", "Standort Zürich"),
                ("vpn_kind", "site-to-site"),
                ("gateway", "vpn.neu.ch"),
                ("protocol", "IPsec/IKEv2"),
                ("pre_shared_key", "Psk-Secret-Value-3"),
            ],
            "vpn.neu.ch",
        ),
    ];
    for (section, fields, shown) in kinds {
        let page = staff.submit(&format!("{org}/{section}/new"), &format!("{org}/{section}"), &fields).await;
        assert_eq!(page.status, 303, "{section}: {}", page.body);
        let detail = staff.get(page.location.as_deref().expect("location")).await;
        assert_eq!(detail.status, 200);
        assert!(detail.body.contains(shown), "{section} shows {shown}");
        assert!(!detail.body.contains("Secret-Value"), "{section}: secrets stay masked");
        let list = staff.get(&format!("{org}/{section}")).await;
        assert!(list.body.contains(fields[0].1), "{section} lists the new record");
    }
    let passwords = staff.get(&format!("{org}/passwords")).await;
    let record = passwords
        .body
        .split(&format!("href=\"{org}/passwords/"))
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .find(|id| *id != "new")
        .expect("a password row")
        .to_owned();
    let (status, body, _) = reveal(&mut staff, &format!("{org}/passwords/{record}"), "password").await;
    assert_eq!(status, 200);
    assert!(body.contains("Router-Secret-Value-1"));

    // Server-side validation: nothing stored on bad input.
    let bad = staff
        .submit(
            &format!("{org}/configurations/new"),
            &format!("{org}/configurations"),
            &[("name", "Bad"), ("warranty_expires", "31.01.2028")],
        )
        .await;
    assert_eq!(bad.status, 422);
    let bad = staff
        .submit(
            &format!("{org}/configurations/new"),
            &format!("{org}/configurations"),
            &[("name", "Bad"), ("configuration_kind", "toaster")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(!staff.get(&format!("{org}/configurations")).await.body.contains(">Bad<"));

    // Edit keeps an untouched secret; archive removes from the list.
    let edit = staff
        .submit(
            &format!("{org}/passwords/{record}/edit"),
            &format!("{org}/passwords/{record}/edit"),
            &[
                ("name", "Router Core"),
                ("category", "network"),
                ("username", "root"),
                ("password", ""),
                ("visibility", "staff"),
            ],
        )
        .await;
    assert_eq!(edit.status, 303, "{}", edit.body);
    let (_, body, _) = reveal(&mut staff, &format!("{org}/passwords/{record}"), "password").await;
    assert!(body.contains("Router-Secret-Value-1"), "an empty secret field keeps the value");
    let archived = staff
        .submit(&format!("{org}/passwords/{record}/edit"), &format!("{org}/passwords/{record}/archive"), &[])
        .await;
    assert_eq!(archived.status, 303);
    assert_eq!(staff.get(&format!("{org}/passwords/{record}")).await.status, 404);

    // Staff invite a customer straight into the organization.
    let invited = staff.submit(&org, &format!("{org}/invite"), &[("email", "kunde@neu.ch")]).await;
    assert_eq!(invited.status, 200, "{}", invited.body);
    let pending: i64 = app
        .db
        .run(|c| {
            use cairn_store::schema::invitations::dsl as i;
            i::invitations
                .filter(i::email.eq("kunde@neu.ch"))
                .filter(i::organization_id.is_not_null())
                .count()
                .get_result(c)
                .map_err(StoreError::from)
        })
        .await
        .expect("count");
    assert_eq!(pending, 1, "an invitation into the organization");
    assert_eq!(staff.get("/users").await.status, 404, "technicians do not manage users");
}

async fn documents_keep_revisions_and_restore_them(app: TestApp) {
    let seed = demo(&app, "plusundplus.ch").await;
    let (mut staff, _) = enrol(&app, "plusundplus.ch", &seed.owner_link).await;
    let (muster, _, _) = ids(&app, "plusundplus.ch", "Muster AG", "Server").await;
    let base = format!("/organizations/{muster}/documents");
    let created = staff
        .submit(
            &format!("{base}/new"),
            &base,
            &[("title", "Backup"), ("body", "Version **eins** <script>alert(1)</script>")],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let doc = created.location.clone().expect("location");
    let shown = staff.get(&doc).await;
    assert!(
        shown.body.contains("<strong>eins</strong>") && !shown.body.contains("<script>alert"),
        "rendered and sanitized"
    );
    let edited = staff
        .submit(&format!("{doc}/edit"), &format!("{doc}/edit"), &[("title", "Backup"), ("body", "Version zwei")])
        .await;
    assert_eq!(edited.status, 303);
    assert!(staff.get(&doc).await.body.contains("Version zwei"));
    let restored = staff.submit(&doc, &format!("{doc}/restore"), &[("revision", "1")]).await;
    assert_eq!(restored.status, 200);
    assert!(restored.body.contains("<strong>eins</strong>"), "revision 1 is current again");
    assert!(restored.body.contains(">3<"), "as a new revision 3: history stays");

    // Tenant-wide guides reach every customer; customers cannot write them.
    let (mut customer, _) = enrol(&app, "plusundplus.ch", &seed.customer_link).await;
    let guides = customer.get("/guides").await;
    assert!(guides.body.contains("So meldest Du Dich an"));
    assert_eq!(customer.get("/guides/new").await.status, 404);
    let own = customer.get(&format!("/organizations/{muster}/documents")).await;
    assert!(own.body.contains("Backup") && own.body.contains("Drucker einrichten"));
}

async fn audit_log_is_for_owners_and_exports_csv(app: TestApp) {
    let seed = demo(&app, "plusundplus.ch").await;
    let (mut owner, _) = enrol(&app, "plusundplus.ch", &seed.owner_link).await;
    let (mut customer, _) = enrol(&app, "plusundplus.ch", &seed.customer_link).await;
    let (muster, pw, _) = ids(&app, "plusundplus.ch", "Muster AG", "E-Mail Empfang").await;
    reveal(&mut customer, &format!("/organizations/{muster}/passwords/{pw}"), "password").await;
    assert_eq!(customer.get("/audit").await.status, 404);
    let page = owner.get("/audit?action=record.revealed").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("max.muster@muster-ag.ch") && page.body.contains("E-Mail Empfang"));
    assert!(!page.body.contains("tenant.created"), "filtered by action");
    let csv = owner.get("/audit.csv?action=record.").await;
    assert_eq!(csv.status, 200);
    assert!(csv.headers["content-type"].to_str().expect("ascii").starts_with("text/csv"));
    assert!(csv.body.starts_with("occurred_at_utc,actor,action"));
    assert!(csv.body.contains("record.revealed") && csv.body.contains("record.created"));
    assert!(!csv.body.contains("Sommer-Zitrone"), "never a secret in the log");
}

/// The queries of the hottest pages, written with `{tenant}`, `{org}` and
/// `{no}` (false) for each backend to fill in; and the index each must use
/// on SQLite, whose choice does not depend on statistics.
const PAGE_QUERIES: [(&str, &str, &str); 6] = [
    (
        "section list",
        "SELECT id, name FROM records WHERE tenant_id = '{tenant}' AND organization_id = '{org}' AND kind = 'password' AND archived = {no} AND visibility = 'everyone' ORDER BY name, id LIMIT 50",
        "records_section",
    ),
    (
        "sidebar counts",
        "SELECT kind, asset_type_id, count(*) FROM records WHERE tenant_id = '{tenant}' AND organization_id = '{org}' AND archived = {no} AND visibility = 'everyone' GROUP BY kind, asset_type_id",
        "COVERING INDEX records_counts",
    ),
    (
        "search",
        "SELECT id, name FROM records WHERE tenant_id = '{tenant}' AND archived = {no} AND search_text LIKE '%server%' ORDER BY name LIMIT 50",
        "records_by_name",
    ),
    (
        "record history",
        "SELECT id FROM audit_events WHERE tenant_id = '{tenant}' AND target_id = 'bulk-7' ORDER BY occurred_at DESC, id DESC LIMIT 50",
        "audit_events_tenant_target",
    ),
    (
        "audit log",
        "SELECT id FROM audit_events WHERE tenant_id = '{tenant}' ORDER BY occurred_at DESC, id DESC LIMIT 50",
        "audit_events_tenant_time",
    ),
    (
        "audit log by action",
        "SELECT id FROM audit_events WHERE tenant_id = '{tenant}' AND action LIKE 'record.%' ESCAPE '\\' ORDER BY occurred_at DESC, id DESC LIMIT 50",
        "audit_events_tenant_",
    ),
];

/// A page's query plan, with the index it must use where that is certain.
type Plan = (&'static str, String, Option<&'static str>);

/// Fills one tenant with many more records and audit events than another,
/// then asks each backend how it runs the hot pages' queries for the small
/// one: through an index that starts with tenant_id, never a scan of the
/// table, so other tenants' rows cost it nothing.
async fn section_lists_use_indexes_that_start_with_the_tenant(app: TestApp) {
    demo(&app, "plusundplus.ch").await;
    demo(&app, "small-msp").await;
    let tenants = app.app.directory().list().await.expect("tenants");
    let big = tenants.iter().find(|t| t.slug == "plusundplus.ch").expect("big").id.clone();
    let small = tenants.iter().find(|t| t.slug == "small-msp").expect("small").id.clone();
    let (big_id, small_id) = (big.to_string(), small.to_string());
    let plans: Vec<Plan> = app
        .db
        .run(move |conn| -> Result<Vec<Plan>, StoreError> {
            use cairn_store::DbConn;
            let org: String = organizations::table
                .filter(organizations::tenant_id.eq(&big_id))
                .select(organizations::id)
                .first(conn)?;
            let now = cairn_store::now();
            for i in 0..3000 {
                let kind = ["configuration", "contact", "password", "wireless", "vpn"][i % 5];
                diesel::insert_into(records::table)
                    .values((
                        records::tenant_id.eq(&big_id),
                        records::id.eq(format!("bulk-{i}")),
                        records::organization_id.eq(&org),
                        records::kind.eq(kind),
                        records::name.eq(format!("Gerät {i}")),
                        records::search_text.eq(format!("gerät {i}")),
                        records::created_at.eq(now),
                        records::updated_at.eq(now),
                    ))
                    .execute(conn)?;
                diesel::insert_into(audit_events::table)
                    .values((
                        audit_events::tenant_id.eq(&big_id),
                        audit_events::id.eq(format!("bulk-event-{i}")),
                        audit_events::occurred_at.eq(now),
                        audit_events::actor.eq("bulk"),
                        audit_events::action.eq("record.revealed"),
                        audit_events::target_id.eq(format!("bulk-{}", i % 300)),
                        audit_events::organization_id.eq(&org),
                        audit_events::details.eq("{}"),
                    ))
                    .execute(conn)?;
            }
            let small_org: String = organizations::table
                .filter(organizations::tenant_id.eq(&small_id))
                .select(organizations::id)
                .first(conn)?;
            let fill = |sql: &str, no: &str| {
                sql.replace("{tenant}", &small_id).replace("{org}", &small_org).replace("{no}", no)
            };
            let mut plans = Vec::new();
            match conn {
                DbConn::Postgres(pg) => {
                    diesel::sql_query("ANALYZE records, audit_events").execute(pg)?;
                    for (page, sql, _) in PAGE_QUERIES {
                        let lines: Vec<QueryPlanPg> =
                            diesel::sql_query(format!("EXPLAIN {}", fill(sql, "false"))).load(pg)?;
                        plans.push((
                            page,
                            lines.into_iter().map(|l| l.query_plan).collect::<Vec<_>>().join("\n"),
                            None,
                        ));
                    }
                }
                DbConn::Sqlite(lite) => {
                    diesel::sql_query("ANALYZE").execute(lite)?;
                    for (page, sql, index) in PAGE_QUERIES {
                        let lines: Vec<QueryPlanSqlite> =
                            diesel::sql_query(format!("EXPLAIN QUERY PLAN {}", fill(sql, "0"))).load(lite)?;
                        plans.push((
                            page,
                            lines.into_iter().map(|l| l.detail).collect::<Vec<_>>().join("\n"),
                            Some(index),
                        ));
                    }
                }
            }
            Ok(plans)
        })
        .await
        .expect("plans");
    for (page, plan, index) in plans {
        let lower = plan.to_lowercase();
        assert!(
            !lower.contains("seq scan") && !plan.lines().any(|l| l.starts_with("SCAN ")),
            "{page}: no scan of a whole table: {plan}"
        );
        // PostgreSQL picks among the tenant's indexes by its statistics.
        if let Some(index) = index {
            assert!(plan.contains(index), "{page}: through {index}: {plan}");
            // Search and the section list read in their order and stop at
            // the limit: no sort of every match, nor of names that tie.
            if page == "search" || page == "section list" {
                assert!(!plan.contains("TEMP B-TREE"), "{page}: no sort: {plan}");
            }
        }
        assert!(
            plan.contains("records_")
                || plan.contains("audit_events_")
                || plan.contains("_pkey")
                || plan.contains("sqlite_autoindex_"),
            "{page}: through an index: {plan}"
        );
    }
}

#[derive(QueryableByName)]
struct QueryPlanPg {
    #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
    query_plan: String,
}

#[derive(QueryableByName)]
struct QueryPlanSqlite {
    #[diesel(sql_type = diesel::sql_types::Text)]
    detail: String,
}
