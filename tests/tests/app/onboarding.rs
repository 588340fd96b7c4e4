//! An MSP onboards itself: sign-up on the apex through real mail (open and
//! approval modes), its workspace settings (logo, brand colour, support
//! contact, privacy notice, sender name) seen on the login page, in the
//! header and in mails, custom domains proven by a real DNS TXT lookup, and
//! the first-run checklist. Owners only: everyone else gets 404.

use std::net::SocketAddr;
use std::time::Duration;

use cairn_tests::{Browser, Page, SmtpServer, TestApp, backend_tests, smtp_toml};

use crate::accounts::{enrol, invite, path_of};

backend_tests!(
    an_msp_signs_up_and_ends_signed_in_on_its_own_workspace,
    approval_mode_waits_for_an_operator,
    closed_mode_has_no_signup,
    workspace_settings_show_on_the_login_page_in_the_header_and_in_mails,
    custom_domains_answer_once_their_txt_record_is_found,
);

/// The link in a mail's plain-text part that contains `marker`.
fn link_in(mail: &cairn_tests::ReceivedMail, marker: &str) -> String {
    let parsed = mail.parsed();
    let text = parsed.subparts[0].get_body().expect("text part");
    text.split_whitespace().find(|w| w.contains(marker)).unwrap_or_else(|| panic!("{marker} in {text}")).to_owned()
}

/// The first mail to `address`, waiting for it (other mails may arrive before).
async fn mail_to(smtp: &SmtpServer, address: &str) -> cairn_tests::ReceivedMail {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let found = smtp.messages().into_iter().find(|m| m.header("To").is_some_and(|to| to.contains(address)));
        match found {
            Some(mail) => return mail,
            None if std::time::Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(100)).await,
            None => panic!("no mail to {address}"),
        }
    }
}

async fn signup(browser: &mut Browser, company: &str, subdomain: &str, email: &str) -> Page {
    browser
        .submit(
            "/signup",
            "/signup",
            &[("company", company), ("subdomain", subdomain), ("email", email), ("website", "")],
        )
        .await
}

async fn check(app: &TestApp, subdomain: &str) -> serde_json::Value {
    let response =
        app.get(&app.apex_host(), &format!("/signup/check?subdomain={subdomain}")).send().await.expect("check");
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

/// Confirms a sign-up link (the page, then its button); returns the answer to the button.
async fn confirm(app: &TestApp, link: &str) -> Page {
    let mut apex = app.apex_browser();
    let path = path_of(link);
    let page = apex.get(&path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.headers["referrer-policy"], "no-referrer");
    let token = page.csrf();
    apex.post(&path, &[("csrf_token", &token)]).await
}

async fn an_msp_signs_up_and_ends_signed_in_on_its_own_workspace(app: TestApp) {
    let smtp = SmtpServer::start(None);
    let toml = format!("{}[signup]\nmode = \"open\"\n", smtp_toml(smtp.port, 8));
    let app = TestApp::spawn_with(app.backend, &toml).await.expect("app");
    app.with_tenant("taken.ch").await;

    // The live check: reserved (built in and configured), taken, invalid, free.
    for (subdomain, why) in
        [("www", "reserved"), ("support", "reserved"), ("taken.ch", "taken"), ("a_b", "may hold only")]
    {
        let answer = check(&app, subdomain).await;
        assert_eq!(answer["available"], false, "{subdomain}");
        assert!(answer["message"].as_str().expect("message").contains(why), "{subdomain}: {answer}");
    }
    assert_eq!(check(&app, "Neu.CH").await["subdomain"], "neu.ch");

    // Refused with a clear message next to the field; nothing is created.
    let mut apex = app.apex_browser();
    assert!(apex.get("/login").await.body.contains("href=\"/signup\""), "the sign-in page links sign-up");
    for (subdomain, why) in [("admin", "reserved"), ("taken.ch", "taken")] {
        let refused = signup(&mut apex, "Neu IT AG", subdomain, "chefin@neu.ch").await;
        assert_eq!(refused.status, 422);
        assert!(refused.body.contains(why), "{}", refused.body);
    }
    let bot = apex
        .submit(
            "/signup",
            "/signup",
            &[("company", "Bot"), ("subdomain", "bot"), ("email", "bot@example.com"), ("website", "http://spam")],
        )
        .await;
    let sent = signup(&mut apex, "Neu IT AG", "neu.ch", "chefin@neu.ch").await;
    assert_eq!((bot.status, sent.status), (200, 200));
    assert_eq!(bot.body.replace("Bot", ""), sent.body.replace("Neu IT AG", ""), "the honeypot gets the same answer");
    assert!(sent.body.contains("Check your inbox"));
    let slugs: Vec<String> = app.app.directory().list().await.expect("list").into_iter().map(|t| t.slug).collect();
    assert_eq!(slugs, ["neu.ch", "taken.ch"], "the bot created nothing");
    assert_eq!(app.get(&app.tenant_host("neu.ch"), "/login").send().await.expect("get").status(), 404, "not yet");
    assert_eq!(check(&app, "neu.ch").await["available"], false, "held while the link works");

    // The mail's link confirms once and continues to the owner's account.
    let mails = smtp.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(mails.len(), 1, "the honeypot mailed nobody");
    assert!(mails[0].header("Subject").expect("subject").contains("Neu IT AG"));
    let link = link_in(&mails[0], "/signup/");
    assert!(link.starts_with(&format!("http://localhost:{}/signup/", app.port)), "{link}");
    let confirmed = confirm(&app, &link).await;
    assert_eq!(confirmed.status, 303, "{}", confirmed.body);
    let invitation = confirmed.location.expect("onwards");
    assert!(invitation.starts_with(&format!("http://neu.ch.localhost:{}/invitations/", app.port)), "{invitation}");
    assert_eq!(confirm(&app, &link).await.status, 410, "a link works once");

    let (mut owner, _) = enrol(&app, "neu.ch", &invitation).await;
    let organizations = owner.get("/organizations").await;
    assert_eq!(organizations.status, 200);
    assert!(organizations.body.contains("First steps") && organizations.body.contains("Invite a technician"));
    assert_eq!(owner.get("/settings").await.status, 200, "the owner runs the workspace");
    let ready = smtp.wait_for(2, Duration::from_secs(20)).await;
    assert!(
        ready.iter().any(|m| m.header("Subject").is_some_and(|s| s.contains("Neu IT AG is ready"))),
        "a mail keeps the link too"
    );

    // Without an operator: its logo and support contact on its own sign-in page.
    let token = owner.get("/settings").await.csrf();
    let part = reqwest::multipart::Part::bytes(png(120, 40)).file_name("logo.png").mime_str("image/png").expect("mime");
    let form = reqwest::multipart::Form::new().text("csrf_token", token.clone()).part("logo", part);
    assert_eq!(owner.post_multipart("/settings/logo", form).await.status, 303);
    let contact = [
        ("name", "Neu IT AG"),
        ("support_phone", "044 999 00 11"),
        ("support_email", "support@neu.ch"),
        ("locale", "en"),
        ("time_zone", "Europe/Zurich"),
        ("brand_color", "#1d4ed8"),
        ("privacy_notice", ""),
        ("sender_name", ""),
        ("csrf_token", &token),
    ];
    assert_eq!(owner.post("/settings", &contact).await.status, 200);
    let login = app.browser("neu.ch").get("/login").await;
    assert!(login.body.contains("class=\"logo\" src=\"/logo.png?v="), "{}", login.body);
    assert!(login.body.contains("044 999 00 11") && login.body.contains("support@neu.ch"));

    // The checklist ticks what is done and goes when dismissed.
    let page = owner.get("/organizations").await;
    assert!(page.body.contains("class=\"done\"><a href=\"/settings\">"), "the support contact is set");
    invite(&app, "neu.ch", "techniker@neu.ch", "technician").await;
    let page = owner.get("/organizations").await;
    assert!(page.body.contains("class=\"done\"><a href=\"/users\">Invite a technician"), "{}", page.body);
    let token = page.csrf();
    assert_eq!(owner.post("/settings/checklist/dismiss", &[("csrf_token", &token)]).await.status, 303);
    assert!(!owner.get("/organizations").await.body.contains("First steps"));

    // Throttles: an address that keeps signing up is ignored (same answer,
    // nothing held, no mail); a client address that keeps trying is refused.
    for n in 1..=4 {
        let sent = signup(&mut apex, "Neu IT AG", &format!("noch{n}.ch"), "chefin@neu.ch").await;
        assert_eq!(sent.status, 200);
    }
    let (third, fourth) = (check(&app, "noch3.ch").await, check(&app, "noch4.ch").await);
    assert_eq!(
        (&third["available"], &fourth["available"]),
        (&false.into(), &true.into()),
        "past three free tries an e-mail waits: the fourth retry at once holds nothing"
    );
    let mut statuses = Vec::new();
    for n in 1..=4 {
        statuses
            .push(signup(&mut apex, "Andere AG", &format!("andere{n}.ch"), &format!("chef{n}@andere.ch")).await.status);
    }
    assert_eq!(statuses.last(), Some(&429), "the client address is slowed down: {statuses:?}");
}

async fn approval_mode_waits_for_an_operator(app: TestApp) {
    let smtp = SmtpServer::start(None);
    let toml = format!(
        "{}[signup]\nmode = \"approval\"\n[operator]\ntoken = \"{}\"\n",
        smtp_toml(smtp.port, 8),
        "o".repeat(40)
    );
    let app = TestApp::spawn_with(app.backend, &toml).await.expect("app");
    let mut apex = app.apex_browser();
    assert_eq!(signup(&mut apex, "Warte GmbH", "warte.ch", "chef@warte.ch").await.status, 200);
    assert_eq!(signup(&mut apex, "Zweite AG", "zweite.ch", "chef@zweite.ch").await.status, 200);
    let mails = smtp.wait_for(2, Duration::from_secs(20)).await;
    let link_of = |name: &str| {
        let mail = mails.iter().find(|m| m.header("Subject").is_some_and(|s| s.contains(name))).expect("mail");
        link_in(mail, "/signup/")
    };

    let confirmed = confirm(&app, &link_of("Warte")).await;
    assert_eq!(confirmed.status, 200);
    assert!(confirmed.body.contains("being reviewed"), "{}", confirmed.body);
    assert_eq!(app.get(&app.tenant_host("warte.ch"), "/login").send().await.expect("get").status(), 404);
    let listed = app.cli(&["tenant", "list"]).await.expect("list");
    assert!(listed.contains("awaiting_approval"), "{listed}");
    let resumed = app.cli(&["tenant", "resume", "warte.ch"]).await;
    assert!(resumed.is_err(), "resuming is no way around the approval");

    // The CLI approves; the owner is mailed and walks in.
    let out = app.cli(&["tenant", "approve", "warte.ch"]).await.expect("approve");
    let link = out.lines().last().expect("link").to_owned();
    let ready = smtp.wait_for(3, Duration::from_secs(20)).await;
    assert!(ready.iter().any(|m| m.header("Subject").is_some_and(|s| s.contains("Warte GmbH is ready"))));
    enrol(&app, "warte.ch", &link).await;
    assert!(app.cli(&["tenant", "approve", "warte.ch"]).await.is_err(), "only once");

    // The operator API approves too, once the address is confirmed.
    confirm(&app, &link_of("Zweite")).await;
    let approve = |slug: &str| {
        app.post(&app.apex_host(), &format!("/operator/v1/tenants/{slug}/approve")).bearer_auth("o".repeat(40)).send()
    };
    let approved = approve("zweite.ch").await.expect("approve");
    assert_eq!(approved.status(), 200);
    let body: serde_json::Value = approved.json().await.expect("json");
    assert_eq!(body["status"], "active");
    assert!(body["owner_invitation_url"].as_str().expect("link").contains("/invitations/"));
    assert_eq!(app.get(&app.tenant_host("zweite.ch"), "/login").send().await.expect("get").status(), 200);

    // A sign-up nobody confirms gives its subdomain back when its link expires.
    assert_eq!(signup(&mut apex, "Verfall AG", "verfall.ch", "chef@verfall.ch").await.status, 200);
    let link = link_in(&mail_to(&smtp, "chef@verfall.ch").await, "/signup/");
    assert_eq!(check(&app, "verfall.ch").await["available"], false);
    assert_eq!(app.app.sweep_signups().await.expect("sweep"), 0, "nothing expired yet");
    app.db
        .run(|conn| {
            use diesel::prelude::*;
            diesel::update(cairn_store::schema::signups::table)
                .set(cairn_store::schema::signups::expires_at.eq(cairn_store::now() - chrono::Duration::minutes(1)))
                .execute(conn)
                .map_err(cairn_store::StoreError::from)
        })
        .await
        .expect("expire");
    assert_eq!(check(&app, "verfall.ch").await["available"], true, "an expired hold is no hold");
    assert_eq!(confirm(&app, &link).await.status, 410);
    assert_eq!(app.app.sweep_signups().await.expect("sweep"), 1);
    let slugs: Vec<String> = app.app.directory().list().await.expect("list").into_iter().map(|t| t.slug).collect();
    assert_eq!(slugs, ["warte.ch", "zweite.ch"], "the expired sign-up is gone");
}

async fn closed_mode_has_no_signup(app: TestApp) {
    let apex = app.apex_host();
    for path in ["/signup", "/signup/check?subdomain=neu", "/signup/abc"] {
        assert_eq!(app.get(&apex, path).send().await.expect("get").status(), 404, "{path}");
    }
    let mut browser = app.apex_browser();
    assert!(!browser.get("/login").await.body.contains("/signup"));
    let token = browser.get("/login").await.csrf();
    let posted = browser
        .post("/signup", &[("company", "X"), ("subdomain", "x"), ("email", "x@example.com"), ("csrf_token", &token)])
        .await;
    assert_eq!(posted.status, 404);
    assert!(app.app.directory().list().await.expect("list").is_empty());
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    image::RgbaImage::from_pixel(width, height, image::Rgba([15, 118, 110, 255]))
        .write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)
        .expect("png");
    bytes
}

async fn workspace_settings_show_on_the_login_page_in_the_header_and_in_mails(app: TestApp) {
    let smtp = SmtpServer::start(None);
    let app = TestApp::spawn_with(app.backend, &smtp_toml(smtp.port, 8)).await.expect("app");
    let tenant = app.with_tenant("neu.ch").await;
    let owner = app.with_owner(&tenant, "chefin@neu.ch").await;
    let muster = cairn_assets::organizations::OrganizationInput {
        name: "Muster AG".into(),
        short_name: String::new(),
        kind: "customer".into(),
        quick_notes: String::new(),
        alert: String::new(),
    };
    app.app.create_organization(&owner.caller, muster).await.expect("organization");
    let mut owner = owner.browser;
    let mut technician = app.person(&tenant, "tech@neu.ch").signed_in().await.browser;
    let mut customer = app.with_customer(&tenant, "kunde@muster.ch", "Muster AG").await.browser;
    for (who, browser) in [("technician", &mut technician), ("customer", &mut customer)] {
        assert_eq!(browser.get("/settings").await.status, 404, "{who}");
        let token = browser.get("/profile").await.csrf();
        let posted = browser.post("/settings", &[("name", "Hijacked"), ("csrf_token", &token)]).await;
        assert_eq!(posted.status, 404, "{who}");
    }

    let page = owner.get("/settings").await;
    let token = page.csrf();
    let mut fields = vec![
        ("name", "Neu Informatik"),
        ("support_phone", "044 123 45 67"),
        ("support_email", "hilfe@neu.ch"),
        ("locale", "en"),
        ("time_zone", "Europe/Zurich"),
        ("brand_color", "#ffff00"),
        ("privacy_notice", "# Datenschutz\n\nWir speichern nur, was nötig ist."),
        ("sender_name", "Neu Support"),
        ("csrf_token", &token),
    ];
    let refused = owner.post("/settings", &fields).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("contrast"), "{}", refused.body);
    assert_eq!(
        app.app.directory().by_slug(&cairn_tenancy::TenantSlug::parse("neu.ch").expect("slug")).await.expect("t").name,
        "neu.ch IT",
        "nothing changed"
    );
    fields[5] = ("brand_color", "#0f766e");
    let saved = owner.post("/settings", &fields).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(saved.body.contains("Saved.") || saved.body.contains("Gespeichert."), "{}", saved.body);

    let part =
        reqwest::multipart::Part::bytes(png(900, 300)).file_name("logo.png").mime_str("image/png").expect("mime");
    let form = reqwest::multipart::Form::new().text("csrf_token", token.clone()).part("logo", part);
    let uploaded = owner.post_multipart("/settings/logo", form).await;
    assert_eq!(uploaded.status, 303, "{}", uploaded.body);

    // The login page of a stranger: name, logo, support contact, colour, privacy notice.
    let mut stranger = app.browser("neu.ch");
    let login = stranger.get("/login").await;
    assert!(login.body.contains("Neu Informatik") && login.body.contains("044 123 45 67"));
    assert!(login.body.contains("hilfe@neu.ch") && login.body.contains("href=\"/privacy\""));
    let src =
        login.body.split("class=\"logo\" src=\"").nth(1).expect("logo in the header").split('"').next().expect("src");
    let logo = stranger.get(src).await;
    assert_eq!(logo.status, 200);
    assert!(logo.headers["cache-control"].to_str().expect("text").contains("immutable"));
    let decoded = image::load_from_memory(&logo.bytes).expect("png");
    assert_eq!((decoded.width(), decoded.height()), (480, 160), "fitted, proportions kept");
    assert!(stranger.get("/brand.css").await.body.contains("#0f766e"));
    assert!(stranger.get("/privacy").await.body.contains("<h1>Datenschutz</h1>"));
    assert!(technician.get("/organizations").await.body.contains(src), "the header of every page");

    // Mails: the sender's name, the support address, the logo inline.
    invite(&app, "neu.ch", "neu@kunde.ch", "customer").await;
    let mail = mail_to(&smtp, "neu@kunde.ch").await;
    assert!(mail.header("From").expect("from").contains("Neu Support"), "{:?}", mail.header("From"));
    assert!(mail.header("Reply-To").expect("reply-to").contains("hilfe@neu.ch"));
    let raw = String::from_utf8_lossy(&mail.raw);
    assert!(raw.contains("cid:cairn-logo") && raw.contains("Content-ID: <cairn-logo>"), "{raw}");
    assert!(raw.contains("Neu Informatik") && raw.contains("044 123 45 67"));

    // Every change is in the audit log.
    let audit = owner.get("/audit").await.body;
    assert!(audit.contains("tenant.updated") && audit.contains("tenant.logo_changed"), "{audit}");
}

/// The TXT record a test has published, if any.
type Published = std::sync::Arc<std::sync::Mutex<Option<String>>>;

/// A DNS server on loopback answering TXT queries for `name` with the
/// published text (NXDOMAIN for anything else), as the registrar's would.
async fn dns_server(name: &'static str, published: Published) -> SocketAddr {
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.expect("udp");
    let address = socket.local_addr().expect("address");
    tokio::spawn(async move {
        let mut buf = [0u8; 1500];
        while let Ok((n, peer)) = socket.recv_from(&mut buf).await {
            let query = &buf[..n];
            if n < 12 {
                continue;
            }
            // The question: labels up to the root, then type and class.
            let mut at = 12;
            let mut labels = Vec::new();
            while at < n && query[at] != 0 {
                let len = usize::from(query[at]);
                labels.push(String::from_utf8_lossy(&query[at + 1..(at + 1 + len).min(n)]).to_lowercase());
                at += 1 + len;
            }
            let end = (at + 5).min(n);
            let qtype = u16::from_be_bytes([query[(at + 1).min(n - 1)], query[(at + 2).min(n - 1)]]);
            let text = published.lock().expect("lock").clone();
            let hit = labels.join(".") == name && qtype == 16 && text.is_some();
            let mut answer = query[..2].to_vec();
            answer.extend_from_slice(&[0x81, if hit { 0x80 } else { 0x83 }, 0, 1, 0, u8::from(hit), 0, 0, 0, 0]);
            answer.extend_from_slice(&query[12..end]);
            if hit {
                let text = text.unwrap_or_default();
                let data = text.as_bytes();
                answer.extend_from_slice(&[0xc0, 0x0c, 0, 16, 0, 1, 0, 0, 0, 60]);
                answer.extend_from_slice(&u16::try_from(data.len() + 1).expect("short").to_be_bytes());
                answer.push(u8::try_from(data.len()).expect("short"));
                answer.extend_from_slice(data);
            }
            let _ = socket.send_to(&answer, peer).await;
        }
    });
    address
}

async fn custom_domains_answer_once_their_txt_record_is_found(app: TestApp) {
    let published = Published::default();
    let dns = dns_server("_cairn-verify.docs.neu-it.test", published.clone()).await;
    let toml = format!("[domains]\ndns_server = \"{dns}\"\n");
    let app = TestApp::spawn_with(app.backend, &toml).await.expect("app");
    let tenant = app.with_tenant("neu.ch").await;
    let mut owner = app.with_owner(&tenant, "chefin@neu.ch").await.browser;
    let token_field = owner.get("/settings").await.csrf();

    let under_base = owner.post("/settings/domains", &[("domain", "x.localhost"), ("csrf_token", &token_field)]).await;
    assert_eq!(under_base.status, 422, "names under the base domain are not custom");
    let added = owner.post("/settings/domains", &[("domain", "Docs.Neu-IT.test"), ("csrf_token", &token_field)]).await;
    assert_eq!(added.status, 303, "{}", added.body);
    let settings = owner.get("/settings").await.body;
    assert!(settings.contains("_cairn-verify.docs.neu-it.test"), "the TXT record to set is shown");
    let value = settings.split("cairn-verify=").nth(1).expect("value").split('<').next().expect("value").to_owned();
    let id = settings.split("/settings/domains/").nth(1).expect("id").split('/').next().expect("id").to_owned();
    assert_eq!(
        app.get("docs.neu-it.test", "/login").send().await.expect("get").status(),
        404,
        "not before it is proven"
    );

    // No record yet: a clear refusal.
    let verify = format!("/settings/domains/{id}/verify");
    let missing = owner.post(&verify, &[("csrf_token", &token_field)]).await;
    assert_eq!(missing.status, 422);
    assert!(missing.body.contains("no TXT record"), "{}", missing.body);

    // The record is set: the lookup finds it and the domain answers.
    *published.lock().expect("lock") = Some(format!("cairn-verify={value}"));
    let verified = owner.post(&verify, &[("csrf_token", &token_field)]).await;
    assert_eq!(verified.status, 303, "{}", verified.body);
    let login = app.get("docs.neu-it.test", "/login").send().await.expect("get");
    assert_eq!(login.status(), 200);
    assert!(login.text().await.expect("body").contains("neu.ch IT"));

    // Another tenant cannot take it; the operator vouches for another name.
    let other = app.with_tenant("anders.ch").await;
    let mut other_owner = app.with_owner(&other, "chef@anders.ch").await.browser;
    let t = other_owner.get("/settings").await.csrf();
    let taken = other_owner.post("/settings/domains", &[("domain", "docs.neu-it.test"), ("csrf_token", &t)]).await;
    assert_eq!(taken.status, 422);
    assert!(taken.body.contains("another workspace"));
    other_owner.post("/settings/domains", &[("domain", "wiki.anders.test"), ("csrf_token", &t)]).await;
    let out = app
        .cli(&["tenant", "verify-domain", "anders.ch", "wiki.anders.test", "--skip-dns-check"])
        .await
        .expect("verify");
    assert!(out.contains("wiki.anders.test"), "{out}");
    assert_eq!(app.get("wiki.anders.test", "/login").send().await.expect("get").status(), 200);

    // Removing it stops the answers.
    let removed = owner.post(&format!("/settings/domains/{id}/remove"), &[("csrf_token", &token_field)]).await;
    assert_eq!(removed.status, 303);
    assert_eq!(app.get("docs.neu-it.test", "/login").send().await.expect("get").status(), 404);
}
