//! Flexible asset types, related items, attachments and expirations:
//! an owner defines a type in the browser, technicians fill it, customers
//! read it; files in a folder and in S3; nothing crosses a tenant or an
//! organization; the digest mail.

use cairn_app::{Caller, OrganizationId};
use cairn_assets::Kind;
use cairn_assets::records::ListQuery;
use cairn_tests::{Browser, S3Server, SmtpServer, TestApp, TestUser, backend_tests, smtp_toml};
use chrono::{Duration, Utc};
use serde_json::{Value, json};

backend_tests!(
    owners_define_types_technicians_fill_them_customers_read_them,
    fields_are_renamed_reordered_and_removed_only_when_confirmed,
    attachments_live_in_s3_and_leave_with_their_tenant,
    attachments_live_in_a_folder_and_leave_with_their_tenant,
    nothing_crosses_tenants_or_organizations,
    the_expiration_digest_goes_to_staff_once_per_interval,
    asset_types_assets_relations_and_attachments_through_the_api,
);

const PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2Fpcm4=\n-----END CERTIFICATE-----\n";

/// The demo tenant, its owner, a technician and a customer of Muster AG.
struct Demo {
    tenant: cairn_tenancy::Tenant,
    owner: TestUser,
    tech: TestUser,
    customer: TestUser,
    muster: String,
}

async fn demo(app: &TestApp, slug: &str) -> Demo {
    let seed = app.app.seed_demo(slug).await.expect("seed").expect("a new demo tenant");
    let tenant = seed.tenant;
    let owner = app.with_owner(&tenant, &format!("chef@{slug}")).await;
    let tech = app.person(&tenant, &format!("tech@{slug}")).signed_in().await;
    let customer = app.with_customer(&tenant, &format!("kunde@muster-{slug}"), "Muster AG").await;
    let orgs = app.app.organizations(&owner.caller).await.expect("organizations");
    let muster = orgs.into_iter().find(|o| o.name == "Muster AG").expect("Muster AG").id;
    Demo { tenant, owner, tech, customer, muster }
}

/// The editor's fields for a type: name, slug and rows of (id, name, kind, flags, position).
fn type_form(name: &str, rows: &[(&str, &str, &str, &str)]) -> Vec<(String, String)> {
    let mut form = vec![("name".to_owned(), name.to_owned()), ("rows".to_owned(), rows.len().to_string())];
    for (i, (id, field, kind, flags)) in rows.iter().enumerate() {
        form.push((format!("f{i}_id"), (*id).to_owned()));
        form.push((format!("f{i}_name"), (*field).to_owned()));
        form.push((format!("f{i}_kind"), (*kind).to_owned()));
        form.push((format!("f{i}_position"), (i + 1).to_string()));
        for (flag, key) in [('t', "title"), ('l', "list"), ('e', "expiration"), ('r', "required")] {
            if flags.contains(flag) {
                form.push((format!("f{i}_{key}"), "true".to_owned()));
            }
        }
    }
    form
}

async fn submit(
    browser: &mut Browser,
    form_page: &str,
    action: &str,
    fields: &[(String, String)],
) -> cairn_tests::Page {
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    browser.submit(form_page, action, &refs).await
}

/// Defines the certificate type through the editor; returns its id and field ids by name.
async fn define_certificates(app: &TestApp, owner: &mut TestUser) -> (String, Vec<(String, String)>) {
    let form = type_form(
        "SSL-Zertifikat",
        &[
            ("", "Common Name", "text", "tlr"),
            ("", "Aussteller", "text", "l"),
            ("", "Gültig bis", "date", "ler"),
            ("", "Privater Schlüssel", "password", ""),
            ("", "Notizen", "textbox", ""),
        ],
    );
    let created = submit(&mut owner.browser, "/asset-types/new", "/asset-types", &form).await;
    assert_eq!(created.status, 303, "{}", created.body);
    let asset_type = app.app.asset_type(&owner.caller, "ssl-zertifikat").await.expect("the type, slug from its name");
    let ids = asset_type.active_fields().map(|f| (f.name.clone(), f.id.clone())).collect();
    (asset_type.id, ids)
}

fn id_of<'a>(ids: &'a [(String, String)], name: &str) -> &'a str {
    &ids.iter().find(|(n, _)| n == name).expect(name).1
}

async fn upload(browser: &mut Browser, path: &str, name: &str, bytes: &[u8], token: Option<&str>) -> cairn_tests::Page {
    let part = reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_owned());
    let mut form = reqwest::multipart::Form::new();
    if let Some(token) = token {
        form = form.text("csrf_token", token.to_owned());
    }
    browser.post_multipart(path, form.part("file", part)).await
}

/// The path of the first link on `html` whose text is `text`.
fn link_to(html: &str, text: &str) -> String {
    let end = html.find(&format!(">{text}</a>")).unwrap_or_else(|| panic!("a link to {text}"));
    let start = html[..end].rfind("href=\"").expect("href") + 6;
    html[start..end].split('"').next().expect("path").to_owned()
}

/// A guide of organization `org`, made by `caller`: its id and its page's path.
async fn org_guide(app: &TestApp, caller: &Caller, org: &str, title: &str, body: &str) -> (String, String) {
    let place = cairn_app::Place::Organization(OrganizationId::new(org.to_owned()));
    let guide = app.app.create_document(caller, &place, title.into(), body.into()).await.expect("guide");
    let path = format!("/organizations/{org}/documents/{}", guide.id);
    (guide.id, path)
}

async fn first_configuration(app: &TestApp, caller: &Caller, org: &str) -> (String, String) {
    let listed = app
        .app
        .records(caller, &OrganizationId::new(org.to_owned()), Kind::Configuration, ListQuery::default())
        .await
        .expect("configurations");
    let record = listed.page.records.first().expect("a configuration").clone();
    (record.id, record.name)
}

async fn owners_define_types_technicians_fill_them_customers_read_them(app: TestApp) {
    let Demo { mut owner, mut tech, mut customer, muster, .. } = demo(&app, "plusundplus.ch").await;
    assert_eq!(owner.browser.get("/asset-types").await.status, 200);
    assert_eq!(tech.browser.get("/asset-types").await.status, 404, "owners only");
    assert_eq!(customer.browser.get("/asset-types/new").await.status, 404, "owners only");
    let (_, ids) = define_certificates(&app, &mut owner).await;

    // A technician fills two certificates through the form.
    let base = format!("/organizations/{muster}/ssl-zertifikat");
    assert_eq!(tech.browser.get(&format!("{base}/new")).await.status, 200);
    let soon = (Utc::now().date_naive() + Duration::days(10)).format("%Y-%m-%d").to_string();
    let later = (Utc::now().date_naive() + Duration::days(200)).format("%Y-%m-%d").to_string();
    let cert = |name: &str, until: &str, visibility: &str| -> Vec<(String, String)> {
        vec![
            (id_of(&ids, "Common Name").to_owned(), name.to_owned()),
            (id_of(&ids, "Aussteller").to_owned(), "Let's Encrypt".to_owned()),
            (id_of(&ids, "Gültig bis").to_owned(), until.to_owned()),
            (id_of(&ids, "Privater Schlüssel").to_owned(), "-----BEGIN PRIVATE KEY-----geheim".to_owned()),
            ("visibility".to_owned(), visibility.to_owned()),
        ]
    };
    let bad =
        submit(&mut tech.browser, &format!("{base}/new"), &base, &cert("x.muster-ag.ch", "morgen", "everyone")).await;
    assert_eq!(bad.status, 422, "a date is checked on the server");
    assert!(bad.body.contains("YYYY-MM-DD") && bad.body.contains("x.muster-ag.ch"), "the form again, with the error");
    let www =
        submit(&mut tech.browser, &format!("{base}/new"), &base, &cert("www.muster-ag.ch", &soon, "everyone")).await;
    assert_eq!(www.status, 303, "{}", www.body);
    let www = www.location.expect("the new record");
    let mail =
        submit(&mut tech.browser, &format!("{base}/new"), &base, &cert("mail.muster-ag.ch", &later, "staff")).await;
    assert_eq!(mail.status, 303, "{}", mail.body);
    let mail = mail.location.expect("the new record");
    let list = tech.browser.get(&base).await;
    assert!(list.body.contains("www.muster-ag.ch") && list.body.contains("Encrypt"), "{}", list.body);
    assert!(!list.body.contains("x.muster-ag.ch"), "the refused one was not stored");
    assert!(!list.body.contains("geheim"), "secrets never in lists");

    // Related to a configuration: both pages list it.
    let (config, config_name) = first_configuration(&app, &tech.caller, &muster).await;
    let page = tech.browser.get(&www).await;
    let related = tech
        .browser
        .post(&format!("{www}/related"), &[("target", &config), ("note", "Webserver"), ("csrf_token", &page.csrf())])
        .await;
    assert_eq!(related.status, 303, "{}", related.body);
    let page = tech.browser.get(&www).await;
    assert!(page.body.contains(&config_name) && page.body.contains("Webserver"));
    let config_path = format!("/organizations/{muster}/configurations/{config}");
    let config_page = tech.browser.get(&config_path).await;
    assert!(config_page.body.contains("www.muster-ag.ch"), "the relation shows from the other end");
    // Related to a guide, its only relation: the record's page names the
    // guide, and the guide's page (whose only relation it is) the record.
    let mail_id = mail.rsplit('/').next().expect("id");
    let (guide, guide_path) =
        org_guide(&app, &tech.caller, &muster, "Zertifikate erneuern", "Ablauf der Erneuerung.").await;
    let page = tech.browser.get(&mail).await;
    let related =
        tech.browser.post(&format!("{mail}/related"), &[("target", &guide), ("csrf_token", &page.csrf())]).await;
    assert_eq!(related.status, 303, "{}", related.body);
    // Links, not the picker's options, which name every item of the organization.
    let mail_page = tech.browser.get(&mail).await;
    assert!(
        mail_page.body.contains(&format!("href=\"{guide_path}\"")),
        "the record links the guide: {}",
        mail_page.body
    );
    let guide_page = tech.browser.get(&guide_path).await;
    assert!(guide_page.body.contains(&format!("href=\"{mail}\"")), "the guide links the record: {}", guide_page.body);
    // Related from a built-in section's page, back to that page.
    let back = tech
        .browser
        .post(&format!("{config_path}/related"), &[("target", mail_id), ("csrf_token", &config_page.csrf())])
        .await;
    assert_eq!((back.status, back.location.as_deref()), (303, Some(config_path.as_str())));

    // A PEM attached; a form without the token is refused and stores nothing.
    let refused = upload(&mut tech.browser, &format!("{www}/attachments"), "evil.pem", PEM.as_bytes(), None).await;
    assert_eq!(refused.status, 403, "multipart needs the CSRF token too");
    let token = tech.browser.get(&www).await.csrf();
    let added =
        upload(&mut tech.browser, &format!("{www}/attachments"), "www.muster-ag.ch.pem", PEM.as_bytes(), Some(&token))
            .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
    assert_eq!(
        upload(&mut tech.browser, &format!("{www}/attachments"), "bild.svg", svg, Some(&token)).await.status,
        303
    );
    let page = tech.browser.get(&www).await;
    assert!(!page.body.contains("evil.pem"));
    let pem = tech.browser.get(&link_to(&page.body, "www.muster-ag.ch.pem")).await;
    assert_eq!(pem.status, 200);
    assert_eq!(pem.bytes, PEM.as_bytes());
    assert!(pem.headers["content-disposition"].to_str().expect("ascii").starts_with("attachment;"));
    assert_eq!(pem.headers["x-content-type-options"], "nosniff");
    let image = tech.browser.get(&link_to(&page.body, "bild.svg")).await;
    assert_eq!(image.headers["content-type"], "application/octet-stream", "SVG is never served as an image");

    // The customer: the type in the sidebar, the certificate, its file, its reveal; not the staff-only one.
    let overview = customer.browser.get(&format!("/organizations/{muster}")).await;
    assert!(overview.body.contains(&format!("{base}\"")), "the type in the sidebar");
    assert!(overview.body.contains("SSL-Zertifikat"));
    let page = customer.browser.get(&www).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&config_name) && page.body.contains("www.muster-ag.ch.pem"));
    assert_eq!(customer.browser.get(&link_to(&page.body, "www.muster-ag.ch.pem")).await.status, 200);
    let token = page.csrf();
    let field = id_of(&ids, "Privater Schlüssel");
    let revealed = customer
        .browser
        .post_json_accepting(&format!("{www}/reveal"), &[("field", field), ("csrf_token", &token)])
        .await;
    assert_eq!(revealed.status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&revealed.body).expect("json")["value"],
        "-----BEGIN PRIVATE KEY-----geheim"
    );
    assert_eq!(customer.browser.get(&mail).await.status, 404, "staff-only assets are not found");
    assert!(!customer.browser.get(&base).await.body.contains("mail.muster-ag.ch"));
    let denied = customer.browser.post(&format!("{www}/related"), &[("target", &config), ("csrf_token", &token)]).await;
    assert_eq!(denied.status, 404, "customers read, they do not relate");
    let denied = upload(&mut customer.browser, &format!("{www}/attachments"), "x.txt", b"hello", Some(&token)).await;
    assert_eq!(denied.status, 404, "nor attach");

    // What expires: the certificate in ten days, not the one in two hundred (staff view).
    let soon_list = tech.browser.get("/expirations").await;
    assert!(soon_list.body.contains("www.muster-ag.ch") && !soon_list.body.contains("mail.muster-ag.ch"));
    let year = tech.browser.get("/expirations?within_days=365").await;
    let (www_at, mail_at) = (year.body.find("www.muster-ag.ch"), year.body.find("mail.muster-ag.ch"));
    assert!(www_at.is_some() && mail_at.is_some() && www_at < mail_at, "both, soonest first");
    assert!(customer.browser.get("/expirations?within_days=365").await.body.contains("www.muster-ag.ch"));
    assert!(!customer.browser.get("/expirations?within_days=365").await.body.contains("mail.muster-ag.ch"));
    // The search finds assets by their fields, never by secrets.
    let found = tech.browser.get("/search?q=muster-ag.ch").await;
    assert!(found.body.contains(&format!("href=\"{www}\"")), "an asset's hit links its type's page");
    assert!(!tech.browser.get("/search?q=geheim").await.body.contains("www.muster-ag.ch"));
}

async fn fields_are_renamed_reordered_and_removed_only_when_confirmed(app: TestApp) {
    let Demo { mut owner, mut tech, muster, .. } = demo(&app, "plusundplus.ch").await;
    let (type_id, ids) = define_certificates(&app, &mut owner).await;
    let base = format!("/organizations/{muster}/ssl-zertifikat");
    let values = vec![
        (id_of(&ids, "Common Name").to_owned(), "vpn.muster-ag.ch".to_owned()),
        (id_of(&ids, "Aussteller").to_owned(), "SwissSign".to_owned()),
        (id_of(&ids, "Gültig bis").to_owned(), "2027-03-01".to_owned()),
    ];
    let created = submit(&mut tech.browser, &format!("{base}/new"), &base, &values).await;
    let record = created.location.expect("created");
    let editor = format!("/asset-types/{type_id}");
    // Renamed and moved first: the value stays.
    let renamed = type_form(
        "SSL-Zertifikat",
        &[
            (id_of(&ids, "Aussteller"), "Zertifizierungsstelle", "text", "l"),
            (id_of(&ids, "Common Name"), "Common Name", "text", "tlr"),
            (id_of(&ids, "Gültig bis"), "Gültig bis", "date", "ler"),
            (id_of(&ids, "Privater Schlüssel"), "Privater Schlüssel", "password", ""),
            (id_of(&ids, "Notizen"), "Notizen", "textbox", ""),
        ],
    );
    assert_eq!(submit(&mut owner.browser, &editor, &editor, &renamed).await.status, 303);
    let page = tech.browser.get(&record).await;
    assert!(page.body.contains("Zertifizierungsstelle") && page.body.contains("SwissSign"));
    let (issuer_at, name_at) = (page.body.find("Zertifizierungsstelle"), page.body.find("Common Name"));
    assert!(issuer_at.is_some() && name_at.is_some() && issuer_at < name_at, "the new order");
    // Removing a field with values asks first and changes nothing.
    let mut without = renamed.clone();
    without.retain(|(k, _)| !k.starts_with("f0_"));
    without.iter_mut().for_each(|(k, v)| {
        if k == "rows" {
            *v = "5".into();
        }
    });
    let asked = submit(&mut owner.browser, &editor, &editor, &without).await;
    assert_eq!(asked.status, 422);
    assert!(asked.body.contains("Zertifizierungsstelle: 1"), "names the field and its count: {}", asked.body);
    assert!(tech.browser.get(&record).await.body.contains("SwissSign"), "nothing removed yet");
    let mut confirmed = without.clone();
    confirmed.push(("confirm_removal".into(), "true".into()));
    assert_eq!(submit(&mut owner.browser, &editor, &editor, &confirmed).await.status, 303);
    let page = tech.browser.get(&record).await;
    assert!(!page.body.contains("SwissSign") && !page.body.contains("Zertifizierungsstelle"));
    // The record's history keeps what the type said: the audit log names the change.
    let audit = owner.browser.get("/audit").await;
    assert!(audit.body.contains("asset_type.updated"), "{}", audit.body);
    // An archived type leaves the sidebar; its records are not found through it.
    let token = owner.browser.get(&editor).await.csrf();
    assert_eq!(owner.browser.post(&format!("{editor}/archive"), &[("csrf_token", &token)]).await.status, 303);
    assert_eq!(tech.browser.get(&record).await.status, 404);
    assert!(!tech.browser.get(&format!("/organizations/{muster}")).await.body.contains("ssl-zertifikat"));
}

/// Where the attachments of a test are stored: S3 or a folder, listed alike.
enum Store {
    S3(S3Server),
    Folder(std::path::PathBuf),
}

impl Store {
    /// The stored objects' keys (paths below the folder).
    async fn keys(&self) -> Vec<String> {
        match self {
            Store::S3(s3) => s3.keys().await,
            Store::Folder(dir) => {
                let mut keys = Vec::new();
                let mut pending = vec![dir.clone()];
                while let Some(next) = pending.pop() {
                    for entry in std::fs::read_dir(&next).into_iter().flatten().flatten() {
                        let path = entry.path();
                        if path.is_dir() {
                            pending.push(path);
                        } else {
                            let key = path.strip_prefix(dir).expect("below").to_string_lossy().replace('\\', "/");
                            keys.push(key);
                        }
                    }
                }
                keys
            }
        }
    }
}

async fn attachments_live_in_s3_and_leave_with_their_tenant(app: TestApp) {
    let s3 = S3Server::start("cairn-files").await;
    let app = TestApp::spawn_with(app.backend, &s3.storage_toml()).await.expect("app on S3");
    attachments_round_trip(&app, Store::S3(s3)).await;
}

async fn attachments_live_in_a_folder_and_leave_with_their_tenant(app: TestApp) {
    let dir = app.dir().join("files");
    attachments_round_trip(&app, Store::Folder(dir)).await;
}

/// The same checks on every storage: the bytes round-trip under the
/// tenant's prefix, an oversized upload stores nothing, guides take files,
/// and the tenant's deletion removes them all.
async fn attachments_round_trip(app: &TestApp, store: Store) {
    let Demo { tenant, mut tech, muster, .. } = demo(app, "plusundplus.ch").await;
    let (_, page_path) = org_guide(app, &tech.caller, &muster, "Netzplan", "Siehe Anhang.").await;
    let token = tech.browser.get(&page_path).await.csrf();
    let plan: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let added =
        upload(&mut tech.browser, &format!("{page_path}/attachments"), "netzplan.bin", &plan, Some(&token)).await;
    assert_eq!(added.status, 303, "{}", added.body);
    let keys = store.keys().await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(keys[0].starts_with(&format!("tenants/{}/attachments/", tenant.id)), "{keys:?}");
    let page = tech.browser.get(&page_path).await;
    let download = tech.browser.get(&link_to(&page.body, "netzplan.bin")).await;
    assert_eq!(download.bytes, plan, "the same bytes back");
    // Too large: refused from the declared length, nothing stored.
    let cookies: String = tech.browser.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
    let request = format!(
        "POST {page_path}/attachments HTTP/1.1\r\nHost: {}\r\nCookie: {cookies}\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        tech.browser.host(),
        app.app.max_attachment_bytes() + 100 * 1024
    );
    assert_eq!(app.raw_status(request.as_bytes()).await, 413, "the body is never read");
    let chunked = format!(
        "POST {page_path}/attachments HTTP/1.1\r\nHost: {}\r\nCookie: {cookies}\r\nContent-Type: multipart/form-data; boundary=x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        tech.browser.host(),
    );
    assert_eq!(app.raw_status(chunked.as_bytes()).await, 411, "an upload declares its length");
    assert_eq!(store.keys().await.len(), 1);
    // A guide takes attachments too.
    let guide =
        app.app.create_document(&tech.caller, &cairn_app::Place::Guides, "VPN".into(), "".into()).await.expect("guide");
    let added =
        upload(&mut tech.browser, &format!("/guides/{}/attachments", guide.id), "vpn.txt", b"vpn", Some(&token)).await;
    assert_eq!(added.status, 303);
    assert_eq!(store.keys().await.len(), 2);
    app.app.delete_tenant("plusundplus.ch", "test").await.expect("deleted");
    assert!(store.keys().await.is_empty(), "the tenant's files leave with it");
}

async fn nothing_crosses_tenants_or_organizations(app: TestApp) {
    let Demo { mut owner, mut tech, muster, .. } = demo(&app, "plusundplus.ch").await;
    let Demo { tech: mut other_tech, .. } = demo(&app, "andere.ch").await;
    let (_, ids) = define_certificates(&app, &mut owner).await;
    let base = format!("/organizations/{muster}/ssl-zertifikat");
    let values = vec![
        (id_of(&ids, "Common Name").to_owned(), "intranet.muster-ag.ch".to_owned()),
        (id_of(&ids, "Gültig bis").to_owned(), "2027-01-01".to_owned()),
    ];
    let record = submit(&mut tech.browser, &format!("{base}/new"), &base, &values).await.location.expect("created");
    let token = tech.browser.get(&record).await.csrf();
    upload(&mut tech.browser, &format!("{record}/attachments"), "key.pem", PEM.as_bytes(), Some(&token)).await;
    let file = link_to(&tech.browser.get(&record).await.body, "key.pem");
    // Another tenant with the same paths: its own type does not exist, the record is not found.
    for path in [base.clone(), record.clone(), file.clone(), format!("{record}/edit")] {
        assert_eq!(other_tech.browser.get(&path).await.status, 404, "{path}");
    }
    // A customer of another organization of the same tenant.
    let demo_tenant = app
        .app
        .directory()
        .list()
        .await
        .expect("tenants")
        .into_iter()
        .find(|t| t.slug == "plusundplus.ch")
        .expect("tenant");
    let mut outsider = app.with_customer(&demo_tenant, "chef@baeckerei.ch", "Bäckerei Beispiel GmbH").await;
    for path in [record.clone(), file.clone(), base.clone()] {
        assert_eq!(outsider.browser.get(&path).await.status, 404, "{path}");
    }
    // A relation to a record of another organization is refused.
    let other_org = app
        .app
        .organizations(&owner.caller)
        .await
        .expect("orgs")
        .into_iter()
        .find(|o| o.name != "Muster AG")
        .expect("another org");
    let (foreign, _) = first_configuration(&app, &owner.caller, &other_org.id).await;
    let refused =
        tech.browser.post(&format!("{record}/related"), &[("target", &foreign), ("csrf_token", &token)]).await;
    assert_eq!(refused.status, 422, "only items of the same organization");
}

async fn the_expiration_digest_goes_to_staff_once_per_interval(app: TestApp) {
    let smtp = SmtpServer::start(None);
    let app = TestApp::spawn_with(app.backend, &smtp_toml(smtp.port, 8)).await.expect("app");
    let Demo { mut owner, mut tech, muster, .. } = demo(&app, "plusundplus.ch").await;
    let (_, ids) = define_certificates(&app, &mut owner).await;
    let base = format!("/organizations/{muster}/ssl-zertifikat");
    let soon = (Utc::now().date_naive() + Duration::days(5)).format("%Y-%m-%d").to_string();
    let values = vec![
        (id_of(&ids, "Common Name").to_owned(), "shop.muster-ag.ch".to_owned()),
        (id_of(&ids, "Gültig bis").to_owned(), soon.clone()),
    ];
    assert_eq!(submit(&mut tech.browser, &format!("{base}/new"), &base, &values).await.status, 303);
    let out = app.cli(&["expirations", "digest"]).await.expect("digest");
    assert!(out.contains("2 digest mail(s) queued"), "owner and technician, not the customer: {out}");
    let text_of = |mail: &cairn_tests::ReceivedMail| -> String {
        let parsed = mail.parsed();
        let mut text = parsed.get_body().unwrap_or_default();
        for part in &parsed.subparts {
            text.push_str(&part.get_body().unwrap_or_default());
        }
        text
    };
    let started = std::time::Instant::now();
    let digests = loop {
        let digests: Vec<_> =
            smtp.messages().into_iter().filter(|m| text_of(m).contains("shop.muster-ag.ch")).collect();
        if digests.len() >= 2 || started.elapsed() > std::time::Duration::from_secs(30) {
            break digests;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(digests.len(), 2);
    let recipients: Vec<String> = digests.iter().filter_map(|m| m.header("To")).collect();
    assert!(
        recipients.iter().any(|r| r.contains("chef@plusundplus.ch"))
            && recipients.iter().any(|r| r.contains("tech@plusundplus.ch")),
        "{recipients:?}"
    );
    let german = (Utc::now().date_naive() + Duration::days(5)).format("%d.%m.%Y").to_string();
    assert!(text_of(&digests[0]).contains(&german), "the date, as the tenant's language writes it");
    let again = app.cli(&["expirations", "digest"]).await.expect("digest");
    assert!(again.contains("0 digest mail(s) queued"), "once per interval: {again}");
}

async fn api_call(app: &TestApp, key: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let client = reqwest::Client::new();
    let mut request = client
        .request(method.parse().expect("method"), format!("{}/api/v1{path}", app.address))
        .header(reqwest::header::HOST, app.tenant_host("plusundplus.ch"))
        .header(reqwest::header::AUTHORIZATION, format!("Bearer {key}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn asset_types_assets_relations_and_attachments_through_the_api(app: TestApp) {
    let Demo { tech, muster, .. } = demo(&app, "plusundplus.ch").await;
    let out = app
        .cli(&["apikey", "create", "--tenant", "plusundplus.ch", "--name", "PSA", "--role", "owner"])
        .await
        .expect("key");
    let key = out.lines().last().expect("key").to_owned();
    let body = json!({
        "name": "Lizenz",
        "icon": "🔑",
        "fields": [
            {"name": "Produkt", "kind": "text", "title": true, "required": true, "show_in_list": true},
            {"name": "Plätze", "kind": "number"},
            {"name": "Ablauf", "kind": "date", "expiration": true},
            {"name": "Schlüssel", "kind": "password"},
            {"name": "Geräte", "kind": "tag", "tag_targets": ["configuration"]},
            {"name": "Vertrag", "kind": "upload"}
        ]
    });
    let (status, created) = api_call(&app, &key, "POST", "/asset-types", Some(body)).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["slug"], "lizenz");
    let (status, problem) =
        api_call(&app, &key, "POST", "/asset-types", Some(json!({"name": "Lizenz", "fields": []}))).await;
    assert_eq!(status, 409, "{problem}");
    let (config, _) = first_configuration(&app, &tech.caller, &muster).await;
    let soon = (Utc::now().date_naive() + Duration::days(20)).format("%Y-%m-%d").to_string();
    let assets = format!("/organizations/{muster}/assets/lizenz");
    let (status, asset) = api_call(
        &app,
        &key,
        "POST",
        &assets,
        Some(json!({"fields": {"Produkt": "Microsoft 365 E3", "Plätze": 25, "Ablauf": soon, "Schlüssel": "XXXX-YYYY", "Geräte": [config]}})),
    )
    .await;
    assert_eq!(status, 201, "{asset}");
    assert_eq!(asset["name"], "Microsoft 365 E3");
    assert_eq!(asset["fields"]["Plätze"], "25");
    assert_eq!(asset["fields"]["Geräte"], json!([config]));
    assert_eq!(asset["secrets_set"], json!(["Schlüssel"]));
    assert!(!asset.to_string().contains("XXXX-YYYY"), "secrets never answered");
    let id = asset["id"].as_str().expect("id").to_owned();
    let (status, problem) =
        api_call(&app, &key, "POST", &assets, Some(json!({"fields": {"Produkt": "x", "Farbe": "rot"}}))).await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("Farbe")), "{problem}");
    let (status, problem) =
        api_call(&app, &key, "POST", &assets, Some(json!({"fields": {"Produkt": "x", "Plätze": "viele"}}))).await;
    assert_eq!(status, 422, "{problem}");
    let (status, patched) =
        api_call(&app, &key, "PATCH", &format!("{assets}/{id}"), Some(json!({"fields": {"Plätze": 30}}))).await;
    assert_eq!(
        (status, patched["fields"]["Plätze"].as_str(), patched["fields"]["Produkt"].as_str()),
        (200, Some("30"), Some("Microsoft 365 E3"))
    );
    let (status, revealed) =
        api_call(&app, &key, "POST", &format!("{assets}/{id}/reveal"), Some(json!({"field": "Schlüssel"}))).await;
    assert_eq!((status, revealed["value"].as_str()), (200, Some("XXXX-YYYY")));
    // Related: the tag link shows on the configuration's side; a plain relation added and removed.
    let (status, related) =
        api_call(&app, &key, "GET", &format!("/organizations/{muster}/configurations/{config}/related"), None).await;
    assert_eq!(status, 200);
    assert!(
        related.as_array().expect("list").iter().any(|r| r["id"] == id.as_str() && r["asset_type"] == "lizenz"),
        "{related}"
    );
    let contacts = app
        .app
        .records(&tech.caller, &OrganizationId::new(muster.clone()), Kind::Contact, ListQuery::default())
        .await
        .expect("contacts");
    let contact = contacts.page.records[0].id.clone();
    let (status, _) = api_call(
        &app,
        &key,
        "POST",
        &format!("{assets}/{id}/related"),
        Some(json!({"target": contact, "note": "Ansprechperson"})),
    )
    .await;
    assert_eq!(status, 201);
    let (_, related) =
        api_call(&app, &key, "GET", &format!("/organizations/{muster}/contacts/{contact}/related"), None).await;
    assert_eq!(related[0]["note"], "Ansprechperson", "{related}");
    let (status, _) = api_call(&app, &key, "DELETE", &format!("{assets}/{id}/related/{contact}"), None).await;
    assert_eq!(status, 204);
    let (_, related) =
        api_call(&app, &key, "GET", &format!("/organizations/{muster}/contacts/{contact}/related"), None).await;
    assert_eq!(related, json!([]));
    // Attachments through multipart, in the upload field.
    let asset_type = app.app.asset_type(&tech.caller, "lizenz").await.expect("type");
    let upload_field = asset_type.field_named("Vertrag").expect("field").id.clone();
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(b"%PDF-1.7\n".to_vec()).file_name("Vertrag 2026.pdf"))
        .text("field", upload_field.clone());
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1{assets}/{id}/attachments", app.address))
        .header(reqwest::header::HOST, app.tenant_host("plusundplus.ch"))
        .header(reqwest::header::AUTHORIZATION, format!("Bearer {key}"))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(response.status().as_u16(), 201);
    let attachment: Value = response.json().await.expect("json");
    assert_eq!(
        (attachment["content_type"].as_str(), attachment["field_id"].as_str()),
        (Some("application/pdf"), Some(upload_field.as_str()))
    );
    let (status, list) = api_call(&app, &key, "GET", &format!("{assets}/{id}/attachments"), None).await;
    assert_eq!((status, list.as_array().map(Vec::len)), (200, Some(1)));
    let (status, bytes) = api_call(
        &app,
        &key,
        "GET",
        &format!("{assets}/{id}/attachments/{}", attachment["id"].as_str().expect("id")),
        None,
    )
    .await;
    assert_eq!((status, bytes), (200, Value::String("%PDF-1.7\n".into())));
    // An upload that does not declare its length is refused before it is spooled anywhere.
    let chunked = format!(
        "POST /api/v1{assets}/{id}/attachments HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {key}\r\nContent-Type: multipart/form-data; boundary=x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        app.tenant_host("plusundplus.ch")
    );
    assert_eq!(app.raw_status(chunked.as_bytes()).await, 411);
    // Expirations.
    let (status, expiring) = api_call(&app, &key, "GET", "/expirations?within_days=30", None).await;
    assert_eq!(status, 200);
    assert!(
        expiring.as_array().expect("list").iter().any(|e| e["record_id"] == id.as_str() && e["field"] == "Ablauf"),
        "{expiring}"
    );
    let (_, later) = api_call(&app, &key, "GET", "/expirations?within_days=5", None).await;
    assert!(!later.as_array().expect("list").iter().any(|e| e["record_id"] == id.as_str()));
    // Another tenant's key reaches none of it.
    app.app.seed_demo("andere.ch").await.expect("seed").expect("demo");
    let out = app.cli(&["apikey", "create", "--tenant", "andere.ch", "--name", "PSA"]).await.expect("key");
    let other = out.lines().last().expect("key").to_owned();
    let client = reqwest::Client::new();
    for path in [format!("{assets}/{id}"), format!("{assets}/{id}/attachments"), "/asset-types/lizenz".to_owned()] {
        let status = client
            .get(format!("{}/api/v1{path}", app.address))
            .header(reqwest::header::HOST, app.tenant_host("andere.ch"))
            .header(reqwest::header::AUTHORIZATION, format!("Bearer {other}"))
            .send()
            .await
            .expect("request")
            .status()
            .as_u16();
        assert_eq!(status, 404, "{path}");
    }
}
