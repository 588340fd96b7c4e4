//! The seed's walk, steps 1–6 and 9–10, and what must fail along it.

use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine;
use cairn_store::StoreError;
use cairn_tests::{Browser, Page, SmtpServer, TestApp, backend_tests, smtp_toml};
use diesel::prelude::*;

backend_tests!(
    invited_customer_walks_from_mail_to_organizations_and_back_through_the_apex,
    a_totp_code_is_accepted_once,
    used_expired_and_replaced_invitations_do_not_work,
    wrong_password_and_unknown_email_answer_alike,
    repeated_failures_lock_the_account,
    a_locked_address_still_lets_the_right_password_through,
    five_wrong_codes_end_the_challenge,
    wrong_codes_count_across_sign_ins_and_lock_the_second_factor,
    forms_without_csrf_token_or_from_elsewhere_are_refused,
    a_session_of_one_tenant_is_worthless_on_another,
    documentation_views_look_the_session_up_themselves,
    avatar_upload_accepts_pictures_and_refuses_the_rest,
    avatar_decodes_are_bounded_and_a_busy_server_says_so,
    new_recovery_codes_and_password_changes_ask_for_the_password_again,
    password_reset_answers_alike_and_keeps_mfa,
    owner_manages_users,
    access_request_reaches_the_msp,
    cookies_are_host_only_and_secure_under_https,
);

pub(crate) const PASSWORD: &str = "Kiesel-Alpaka-Fernrohr-42";

/// The current TOTP code of a base32 secret, from oathtool (an independent implementation).
pub(crate) fn totp(secret: &str, offset_secs: i64) -> String {
    let when = format!("now {offset_secs:+} seconds");
    let output =
        Command::new("oathtool").args(["--totp", "-b", "-N", &when, secret]).output().expect("oathtool is installed");
    assert!(output.status.success(), "oathtool: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("utf-8").trim().to_owned()
}

/// The secret of the `otpauth://` URI in the QR code of the MFA setup page, decoded from the PNG.
pub(crate) fn secret_from_qr(page: &Page) -> String {
    let start = page.body.find(r#"class="qr" src="data:image/png;base64,"#).expect("a QR image")
        + r#"class="qr" src="data:image/png;base64,"#.len();
    let data = &page.body[start..start + page.body[start..].find('"').expect("end of src")];
    let png = base64::engine::general_purpose::STANDARD.decode(data).expect("base64 PNG");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let image = image::load_from_memory(&png).expect("a PNG").to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    let (_, uri) = grids[0].decode().expect("readable QR");
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    assert!(uri.contains("issuer="), "{uri}");
    uri.split("secret=").nth(1).expect("secret").split('&').next().expect("secret").to_owned()
}

/// The path of a link on the tenant host.
pub(crate) fn path_of(link: &str) -> String {
    let after_scheme = link.split("://").nth(1).expect("absolute link");
    after_scheme[after_scheme.find('/').expect("path")..].to_owned()
}

/// Invites through the CLI; returns the link (its last line).
pub(crate) async fn invite(app: &TestApp, slug: &str, email: &str, role: &str) -> String {
    let out = app.cli(&["invite", "--tenant", slug, "--email", email, "--role", role]).await.expect("invite");
    out.lines().last().expect("a link").to_owned()
}

/// Creates the account of an invitation link and enrols MFA; returns the signed-in browser and the TOTP secret.
pub(crate) async fn enrol(app: &TestApp, slug: &str, link: &str) -> (Browser, String) {
    let mut browser = app.browser(slug);
    let path = path_of(link);
    let created = browser
        .submit(
            &path,
            &path,
            &[("first_name", "Max"), ("last_name", "Muster"), ("password", PASSWORD), ("password_confirm", PASSWORD)],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    assert_eq!(created.location.as_deref(), Some("/mfa/setup"));
    let setup = browser.get("/mfa/setup").await;
    assert_eq!(setup.status, 200);
    let secret = secret_from_qr(&setup);
    let token = setup.csrf();
    let saved = browser.post("/mfa/setup", &[("code", &totp(&secret, 0)), ("csrf_token", &token)]).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(saved.location.as_deref(), Some("/profile"));
    (browser, secret)
}

/// A tenant and one enrolled customer of it.
async fn customer(app: &TestApp, slug: &str, email: &str) -> (Browser, String) {
    if app.app.directory().list().await.expect("list").iter().all(|t| t.slug != slug) {
        app.with_tenant(slug).await;
    }
    let link = invite(app, slug, email, "customer").await;
    enrol(app, slug, &link).await
}

/// Signs in on the tenant host with password and code.
pub(crate) async fn sign_in(app: &TestApp, slug: &str, email: &str, secret: &str, offset: i64) -> (Browser, Page) {
    let mut browser = app.browser(slug);
    let login = browser.submit("/login", "/login", &[("email", email), ("password", PASSWORD)]).await;
    assert_eq!(login.status, 303, "{}", login.body);
    assert_eq!(login.location.as_deref(), Some("/login/mfa"));
    let token = browser.get("/login/mfa").await.csrf();
    let done = browser.post("/login/mfa", &[("code", &totp(secret, offset)), ("csrf_token", &token)]).await;
    (browser, done)
}

async fn invited_customer_walks_from_mail_to_organizations_and_back_through_the_apex(app: TestApp) {
    let smtp = SmtpServer::start(None);
    let app = TestApp::spawn_with(app.backend, &smtp_toml(smtp.port, 8)).await.expect("app");
    app.with_tenant("plusundplus.ch").await;

    // 0–1: invited by e-mail; the mail's button opens the link on the MSP's own host.
    let cli_link = invite(&app, "plusundplus.ch", "max@muster.ch", "customer").await;
    let mails = smtp.wait_for(1, Duration::from_secs(20)).await;
    let text = mails[0].parsed().subparts[0].get_body().expect("text part");
    let link = text.split_whitespace().find(|w| w.contains("/invitations/")).expect("link in the mail").to_owned();
    assert_eq!(link, cli_link);
    assert!(link.starts_with(&format!("http://plusundplus.ch.localhost:{}/invitations/", app.port)));

    // 2: create the account; the e-mail is shown and fixed.
    let mut browser = app.browser("plusundplus.ch");
    let form = browser.get(&path_of(&link)).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("max@muster.ch") && form.body.contains("readonly"));
    assert_eq!(form.headers["referrer-policy"], "no-referrer");
    let (mut browser, secret) = enrol(&app, "plusundplus.ch", &link).await;

    // 6: the profile shows the recovery codes once; time zone Bern; Save → organizations.
    let profile = browser.get("/profile").await;
    assert_eq!(profile.status, 200);
    assert_eq!(profile.headers["cache-control"], "no-store");
    assert_eq!(profile.body.matches("<li><code>").count(), 10, "ten recovery codes");
    assert!(profile.body.contains("(GMT+01:00) Bern") || profile.body.contains("(GMT+02:00) Bern"));
    let again = browser.get("/profile").await;
    assert_eq!(again.body.matches("<li><code>").count(), 0, "recovery codes are shown once");
    let token = again.csrf();
    let saved = browser
        .post(
            "/profile",
            &[
                ("first_name", "Max"),
                ("last_name", "Muster"),
                ("theme", "dark"),
                ("time_zone", "Europe/Zurich"),
                ("locale", "de"),
                ("csrf_token", &token),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(saved.location.as_deref(), Some("/organizations"));
    let organizations = browser.follow(&saved).await;
    assert_eq!(organizations.status, 200);
    assert!(organizations.body.contains(r#"data-theme="dark""#));
    let profile = browser.get("/profile").await;
    assert!(profile.body.contains(r#"<option value="Europe/Zurich" selected>"#), "the chosen zone is kept");
    let missing = browser.get("/no-such-page").await;
    assert_eq!(missing.status, 404);
    assert!(
        missing.body.contains("Seite nicht gefunden") && missing.body.contains("plusundplus.ch IT"),
        "a branded 404"
    );

    // Log out: the session ends server-side.
    let session_cookie = browser.cookies.get("cairn_session").cloned().expect("a session cookie");
    let token = browser.get("/organizations").await.csrf();
    let out = browser.post("/logout", &[("csrf_token", &token)]).await;
    assert_eq!(out.status, 303);
    assert_eq!(out.location.as_deref(), Some("/login"));
    let mut replay = app.browser("plusundplus.ch");
    replay.cookies.insert("cairn_session".into(), session_cookie);
    assert_eq!(replay.get("/organizations").await.location.as_deref(), Some("/login"));
    assert_eq!(replay.get("/search?q=x").await.location.as_deref(), Some("/login"), "on documentation views too");

    // 9–10: the apex sign-in with the subdomain, the handoff, then the MFA code.
    let mut apex = app.apex_browser();
    let handed = apex
        .submit(
            "/login",
            "/login",
            &[("subdomain", "plusundplus.ch"), ("email", "max@muster.ch"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(handed.status, 303, "{}", handed.body);
    let target = handed.location.clone().expect("redirect");
    assert!(
        target.starts_with(&format!("http://plusundplus.ch.localhost:{}/login/handoff?code=", app.port)),
        "{target}"
    );
    let mut tenant = app.browser("plusundplus.ch");
    let arrived = tenant.get(&path_of(&target)).await;
    assert_eq!(arrived.status, 303);
    assert_eq!(arrived.location.as_deref(), Some("/login/mfa"));
    assert_eq!(tenant.get(&path_of(&target)).await.status, 410, "the handoff works once");
    let token = tenant.get("/login/mfa").await.csrf();
    // A fresh code: the enrolment used the current one.
    let done = tenant.post("/login/mfa", &[("code", &totp(&secret, 30)), ("csrf_token", &token)]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some("/organizations"));
    assert_eq!(tenant.follow(&done).await.status, 200);
}

async fn a_totp_code_is_accepted_once(app: TestApp) {
    let (_, secret) = customer(&app, "acme", "max@muster.ch").await;
    let (_, first) = sign_in(&app, "acme", "max@muster.ch", &secret, 30).await;
    assert_eq!(first.status, 303);
    let (_, replay) = sign_in(&app, "acme", "max@muster.ch", &secret, 30).await;
    assert_eq!(replay.status, 401, "the same code twice");
    let (_, older) = sign_in(&app, "acme", "max@muster.ch", &secret, 0).await;
    assert_eq!(older.status, 401, "an older step after a newer one");
}

async fn used_expired_and_replaced_invitations_do_not_work(app: TestApp) {
    app.with_tenant("acme").await;
    let link = invite(&app, "acme", "max@muster.ch", "customer").await;
    let (_, _) = enrol(&app, "acme", &link).await;
    let mut stranger = app.browser("acme");
    let used = stranger.get(&path_of(&link)).await;
    assert_eq!(used.status, 410);
    assert!(used.body.contains("031 511 22 33"), "the page says whom to contact");
    let token = used.csrf();
    let posted = stranger
        .post(
            &path_of(&link),
            &[
                ("first_name", "Eve"),
                ("last_name", "X"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
                ("csrf_token", &token),
            ],
        )
        .await;
    assert_eq!(posted.status, 410, "a used link creates nothing");

    let expiring = invite(&app, "acme", "anna@muster.ch", "customer").await;
    app.db
        .run(|c| {
            use cairn_store::schema::invitations::dsl as i;
            diesel::update(i::invitations.filter(i::email.eq("anna@muster.ch")))
                .set(i::expires_at.eq(chrono::Utc::now().naive_utc() - chrono::Duration::minutes(1)))
                .execute(c)
                .map_err(StoreError::from)
        })
        .await
        .expect("expire");
    assert_eq!(stranger.get(&path_of(&expiring)).await.status, 410);

    let old = invite(&app, "acme", "paul@muster.ch", "customer").await;
    let new = invite(&app, "acme", "paul@muster.ch", "customer").await;
    assert_eq!(stranger.get(&path_of(&old)).await.status, 410, "a new invitation voids the old link");
    assert_eq!(stranger.get(&path_of(&new)).await.status, 200);
    assert_eq!(stranger.get("/invitations/not-a-token").await.status, 410);
    let error = app.cli(&["invite", "--tenant", "acme", "--email", "max@muster.ch"]).await.expect_err("taken");
    assert!(error.to_string().contains("exists already"));
}

fn login_error(page: &Page) -> String {
    page.body
        .split(r#"<p class="error" role="alert">"#)
        .nth(1)
        .and_then(|s| s.split("</p>").next())
        .unwrap_or_default()
        .to_owned()
}

async fn wrong_password_and_unknown_email_answer_alike(app: TestApp) {
    let (_, _) = customer(&app, "acme", "max@muster.ch").await;
    let mut browser = app.browser("acme");
    let wrong =
        browser.submit("/login", "/login", &[("email", "max@muster.ch"), ("password", "Wrong-Password-123!")]).await;
    let unknown =
        browser.submit("/login", "/login", &[("email", "nobody@muster.ch"), ("password", "Wrong-Password-123!")]).await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.status, unknown.status);
    assert!(!login_error(&wrong).is_empty());
    assert_eq!(login_error(&wrong), login_error(&unknown));
    assert!(
        !wrong.headers.contains_key("set-cookie")
            || !wrong.headers["set-cookie"].to_str().unwrap_or("").contains("cairn_session")
    );

    // On the apex: unknown workspace, suspended workspace, wrong password: one answer.
    let mut apex = app.apex_browser();
    let a = apex
        .submit(
            "/login",
            "/login",
            &[("subdomain", "acme"), ("email", "max@muster.ch"), ("password", "Wrong-Password-123!")],
        )
        .await;
    let b = apex
        .submit("/login", "/login", &[("subdomain", "nope"), ("email", "max@muster.ch"), ("password", PASSWORD)])
        .await;
    let c = apex
        .submit("/login", "/login", &[("subdomain", "bad_slug!"), ("email", "max@muster.ch"), ("password", PASSWORD)])
        .await;
    assert_eq!((a.status, b.status, c.status), (401, 401, 401));
    assert_eq!(login_error(&a), login_error(&b));
    assert_eq!(login_error(&b), login_error(&c));
}

async fn repeated_failures_lock_the_account(app: TestApp) {
    let (_, _) = customer(&app, "acme", "max@muster.ch").await;
    let mut browser = app.browser("acme");
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let page = browser
            .submit("/login", "/login", &[("email", "max@muster.ch"), ("password", "Wrong-Password-123!")])
            .await;
        statuses.push(page.status);
    }
    assert_eq!(&statuses[..4], &[401, 401, 401, 401], "{statuses:?}");
    assert!(statuses[4..].iter().all(|s| *s == 429), "locked after repeated failures: {statuses:?}");
    let locked = browser.submit("/login", "/login", &[("email", "max@muster.ch"), ("password", PASSWORD)]).await;
    assert_eq!(locked.status, 429, "even the right password waits out the lock");
    // Unknown accounts lock the same way: no way to tell them apart.
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(
            browser
                .submit("/login", "/login", &[("email", "ghost@muster.ch"), ("password", "Wrong-Password-123!")])
                .await
                .status,
        );
    }
    assert!(statuses[4..].iter().all(|s| *s == 429), "{statuses:?}");
}

async fn a_locked_address_still_lets_the_right_password_through(app: TestApp) {
    let (_, _) = customer(&app, "acme", "max@muster.ch").await;
    let mut browser = app.browser("acme");
    // Twenty-one failures from one address (one office behind one NAT), each for another account.
    let mut last = 0;
    for i in 0..22 {
        let email = format!("guess{i}@muster.ch");
        last =
            browser.submit("/login", "/login", &[("email", &email), ("password", "Wrong-Password-123!")]).await.status;
    }
    assert_eq!(last, 429, "the address is locked for wrong passwords");
    let wrong =
        browser.submit("/login", "/login", &[("email", "max@muster.ch"), ("password", "Wrong-Password-9")]).await;
    assert_eq!(wrong.status, 429, "a wrong password from it is still refused");
    let right = browser.submit("/login", "/login", &[("email", "max@muster.ch"), ("password", PASSWORD)]).await;
    assert_eq!(
        right.location.as_deref(),
        Some("/login/mfa"),
        "the right password goes on to the code: {}",
        right.status
    );
}

async fn five_wrong_codes_end_the_challenge(app: TestApp) {
    let (_, secret) = customer(&app, "acme", "max@muster.ch").await;
    let mut browser = app.browser("acme");
    let login = browser.submit("/login", "/login", &[("email", "max@muster.ch"), ("password", PASSWORD)]).await;
    assert_eq!(login.location.as_deref(), Some("/login/mfa"));
    let good = totp(&secret, 30);
    let bad = if good == "000000" { "111111" } else { "000000" };
    for attempt in 1..=5 {
        let token = browser.get("/login/mfa").await.csrf();
        let page = browser.post("/login/mfa", &[("code", bad), ("csrf_token", &token)]).await;
        assert_eq!(page.status, 401, "attempt {attempt}");
    }
    // The challenge is over: even the right code needs a new sign-in.
    let page = browser.get("/login/mfa").await;
    assert_eq!(page.location.as_deref(), Some("/login"));
    let token = browser.get("/login").await.csrf();
    let late = browser.post("/login/mfa", &[("code", &good), ("csrf_token", &token)]).await;
    assert_eq!(late.location.as_deref(), Some("/login"));
}

async fn wrong_codes_count_across_sign_ins_and_lock_the_second_factor(app: TestApp) {
    let smtp = SmtpServer::start(None);
    let app = TestApp::spawn_with(app.backend, &smtp_toml(smtp.port, 8)).await.expect("app");
    let tenant = app.with_tenant("acme").await;
    let link = invite(&app, "acme", "max@muster.ch", "customer").await;
    let (_, secret) = enrol(&app, "acme", &link).await;
    let good = totp(&secret, 30);
    let bad = if good == "000000" { "111111" } else { "000000" };
    let mut browser = app.browser("acme");
    let sign_in = |browser: &mut Browser| {
        let mut browser = std::mem::replace(browser, app.browser("acme"));
        async move {
            let login = browser.submit("/login", "/login", &[("email", "max@muster.ch"), ("password", PASSWORD)]).await;
            assert_eq!(login.location.as_deref(), Some("/login/mfa"), "the password is right");
            browser
        }
    };
    browser = sign_in(&mut browser).await;
    for attempt in 1..=5 {
        let token = browser.get("/login/mfa").await.csrf();
        let page = browser.post("/login/mfa", &[("code", bad), ("csrf_token", &token)]).await;
        assert_eq!(page.status, 401, "attempt {attempt}");
    }
    // A new sign-in with the right password does not buy five more guesses.
    browser = sign_in(&mut browser).await;
    let token = browser.get("/login/mfa").await.csrf();
    assert_eq!(browser.post("/login/mfa", &[("code", bad), ("csrf_token", &token)]).await.status, 401);
    let token = browser.get("/login/mfa").await.csrf();
    let locked = browser.post("/login/mfa", &[("code", &good), ("csrf_token", &token)]).await;
    assert_eq!(locked.status, 429, "even the right code waits out the lock");

    // The account's owner is told, and the MSP's owners see it.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !smtp.messages().iter().any(|m| {
        m.header("To").is_some_and(|to| to.contains("max@muster.ch"))
            && m.header("Subject").is_some_and(|s| s.contains("gesperrt") || s.contains("locked"))
    }) {
        assert!(Instant::now() < deadline, "a mail about the lock");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut owner = app.with_owner(&tenant, "owner@acme.ch").await;
    let users = owner.browser.get("/users").await;
    assert!(users.body.contains("gesperrt bis") || users.body.contains("locked until"), "{}", users.body);

    // Once the lock is over, the right code signs in and forgives the failures.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let token = browser.get("/login/mfa").await.csrf();
    let done = browser.post("/login/mfa", &[("code", &good), ("csrf_token", &token)]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert!(!owner.browser.get("/users").await.body.contains("gesperrt bis"));
}

async fn forms_without_csrf_token_or_from_elsewhere_are_refused(app: TestApp) {
    let (mut browser, _) = customer(&app, "acme", "max@muster.ch").await;
    let refused = browser
        .post(
            "/profile",
            &[("first_name", "Eve"), ("last_name", "X"), ("theme", "dark"), ("time_zone", "UTC"), ("locale", "en")],
        )
        .await;
    assert_eq!(refused.status, 403);
    let forged = browser
        .post(
            "/profile",
            &[
                ("first_name", "Eve"),
                ("last_name", "X"),
                ("theme", "dark"),
                ("time_zone", "UTC"),
                ("locale", "en"),
                ("csrf_token", "forged"),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);
    let profile = browser.get("/profile").await;
    assert!(profile.body.contains(r#"value="Max""#), "nothing changed");

    let token = profile.csrf();
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let cookies: String = browser.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
    for (header, value) in
        [("origin", format!("http://evil.localhost:{}", app.port)), ("sec-fetch-site", "same-site".to_owned())]
    {
        let response = client
            .post(format!("{}/profile", app.address))
            .header("host", browser.host())
            .header("cookie", &cookies)
            .header(header, value)
            .form(&[
                ("first_name", "Eve"),
                ("last_name", "X"),
                ("theme", "dark"),
                ("time_zone", "UTC"),
                ("locale", "en"),
                ("csrf_token", token.as_str()),
            ])
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 403, "{header}");
    }
    // Sign-in forms too, before any session exists.
    let mut stranger = app.browser("acme");
    assert_eq!(stranger.post("/login", &[("email", "max@muster.ch"), ("password", PASSWORD)]).await.status, 403);
    let json = client
        .post(format!("{}/login", app.address))
        .header("host", app.tenant_host("acme"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .expect("request");
    assert_eq!(json.status(), 415, "wrong content types are refused");
}

async fn a_session_of_one_tenant_is_worthless_on_another(app: TestApp) {
    let (mut a, _) = customer(&app, "tenant-a", "max@muster.ch").await;
    let (_, _) = customer(&app, "tenant-b", "max@muster.ch").await;
    assert_eq!(a.get("/organizations").await.status, 200);
    let mut b = app.browser("tenant-b");
    b.cookies = a.cookies.clone();
    let page = b.get("/organizations").await;
    assert_eq!(page.status, 303, "a cookie of tenant A on tenant B's host");
    assert_eq!(page.location.as_deref(), Some("/login"));
    assert_eq!(b.get("/profile").await.location.as_deref(), Some("/login"));
}

/// A PNG whose header claims `width`×`height`, with a tiny valid (but short) image stream.
fn claimed_png(width: u32, height: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&u32::try_from(data.len()).expect("len").to_be_bytes());
        let mut crc = crc32fast::Hasher::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc.finalize().to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    // zlib stream of a few zero bytes: far fewer than the header promises.
    chunk(&mut out, b"IDAT", &[0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01]);
    chunk(&mut out, b"IEND", &[]);
    out
}

async fn upload(browser: &mut Browser, bytes: Vec<u8>, name: &str, mime: &str) -> Page {
    let token = browser.get("/profile").await.csrf();
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()).mime_str(mime).expect("mime");
    let form = reqwest::multipart::Form::new().text("csrf_token", token).part("avatar", part);
    browser.post_multipart("/profile/avatar", form).await
}

/// Sets a column of the session rows of `email` (any tenant) by raw SQL.
async fn set_on_sessions_of(app: &TestApp, email: &'static str, assignment: String) {
    app.db
        .run(move |c| {
            let sql = format!(
                "UPDATE sessions SET {assignment} WHERE user_id IN (SELECT id FROM users WHERE email = '{email}')"
            );
            diesel::sql_query(sql).execute(c).map_err(StoreError::from)
        })
        .await
        .expect("update");
}

/// Sets the status (`active`, `disabled`) of the users with `email` behind the application's back.
async fn set_status(app: &TestApp, email: &'static str, status: &'static str) {
    app.db
        .run(move |c| {
            use cairn_store::schema::users::dsl as u;
            diesel::update(u::users.filter(u::email.eq(email)))
                .set(u::status.eq(status))
                .execute(c)
                .map_err(StoreError::from)
        })
        .await
        .expect("status");
}

async fn documentation_views_look_the_session_up_themselves(app: TestApp) {
    // Organization pages, section lists, records and search look the
    // session up in their own transaction: whatever the session's state,
    // they must answer as the pages that load it first do.
    let views = [
        "/search?q=router",
        "/organizations/no-such-org",
        "/organizations/no-such-org/passwords",
        "/organizations/no-such-org/passwords/no-such-record",
    ];
    let (mut browser, _) = customer(&app, "acme", "max@muster.ch").await;
    let search = browser.get(views[0]).await;
    assert_eq!(search.status, 200);
    assert_eq!(search.headers["cache-control"], "no-store");
    assert_eq!(search.csrf(), browser.get("/profile").await.csrf(), "forms carry the session's own token");
    for path in &views[1..] {
        assert_eq!(browser.get(path).await.status, 404, "{path}: not there, for a signed-in customer");
    }

    // Due for its idle deadline to move: the view writes it first, then answers.
    let stale = cairn_store::now() - chrono::Duration::minutes(5);
    let at = stale.format("%Y-%m-%d %H:%M:%S").to_string();
    set_on_sessions_of(&app, "max@muster.ch", format!("last_seen_at = '{at}'")).await;
    assert_eq!(browser.get(views[0]).await.status, 200);
    let seen = app
        .db
        .run(|c| {
            use cairn_store::schema::sessions::dsl as s;
            s::sessions
                .select(diesel::dsl::max(s::last_seen_at))
                .first::<Option<chrono::NaiveDateTime>>(c)
                .map_err(StoreError::from)
        })
        .await
        .expect("last seen")
        .expect("a session");
    assert!(seen > stale + chrono::Duration::minutes(4), "the idle deadline moved: {seen}");

    // Half signed in (password only), an unknown cookie, another tenant's
    // session: sent to sign in, on every view.
    let mut half = app.browser("acme");
    let login = half.submit("/login", "/login", &[("email", "max@muster.ch"), ("password", PASSWORD)]).await;
    assert_eq!(login.location.as_deref(), Some("/login/mfa"));
    let mut unknown = app.browser("acme");
    unknown.cookies.insert("cairn_session".into(), "x".repeat(43));
    let (other, _) = customer(&app, "other-msp", "moritz@muster.ch").await;
    let mut foreign = app.browser("acme");
    foreign.cookies = other.cookies.clone();
    for visitor in [&mut half, &mut unknown, &mut foreign] {
        for path in views {
            let page = visitor.get(path).await;
            assert_eq!((page.status, page.location.as_deref()), (303, Some("/login")), "{path}");
        }
    }

    // A disabled user's session ends at the next view, for good.
    set_status(&app, "max@muster.ch", "disabled").await;
    assert_eq!(browser.get(views[0]).await.location.as_deref(), Some("/login"), "disabled");
    set_status(&app, "max@muster.ch", "active").await;
    assert_eq!(browser.get(views[0]).await.location.as_deref(), Some("/login"), "the session ended");
}

async fn avatar_upload_accepts_pictures_and_refuses_the_rest(app: TestApp) {
    let (mut browser, _) = customer(&app, "acme", "max@muster.ch").await;
    assert_eq!(browser.get("/profile/avatar").await.status, 404, "no picture yet");

    let started = Instant::now();
    let huge = upload(&mut browser, claimed_png(20_000, 20_000), "huge.png", "image/png").await;
    assert!((400..500).contains(&huge.status), "20000×20000 refused: {}", huge.status);
    assert!(started.elapsed() < Duration::from_secs(5), "refused from the header, not by decoding");
    let text = upload(&mut browser, b"#!/bin/sh\necho not a picture\n".to_vec(), "photo.png", "image/png").await;
    assert!((400..500).contains(&text.status), "a renamed text file: {}", text.status);
    // Refused on the declared size alone: the body is never sent.
    let cookies: String = browser.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
    let request = format!(
        "POST /profile/avatar HTTP/1.1\r\nHost: {}\r\nCookie: {cookies}\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        browser.host(),
        6 * 1024 * 1024
    );
    assert_eq!(app.raw_status(request.as_bytes()).await, 413);
    assert_eq!(browser.get("/profile/avatar").await.status, 404, "nothing stored");

    let mut photo = Vec::new();
    image::RgbImage::from_pixel(800, 600, image::Rgb([10, 120, 200]))
        .write_to(&mut std::io::Cursor::new(&mut photo), image::ImageFormat::Jpeg)
        .expect("jpeg");
    let saved = upload(&mut browser, photo, "me.jpg", "image/jpeg").await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let stored = browser.get("/profile/avatar").await;
    assert_eq!(stored.status, 200);
    assert_eq!(stored.headers["content-type"], "image/png");
    let decoded = image::load_from_memory(&stored.bytes).expect("png");
    assert_eq!((decoded.width(), decoded.height()), (256, 256));

    // A new picture replaces the old one.
    let mut red = Vec::new();
    image::RgbImage::from_pixel(300, 300, image::Rgb([220, 20, 20]))
        .write_to(&mut std::io::Cursor::new(&mut red), image::ImageFormat::Png)
        .expect("png");
    assert_eq!(upload(&mut browser, red, "red.png", "image/png").await.status, 303);
    let replaced = image::load_from_memory(&browser.get("/profile/avatar").await.bytes).expect("png").to_rgb8();
    let image::Rgb([r, g, b]) = *replaced.get_pixel(128, 128);
    assert!(r > 200 && g < 60 && b < 60, "the new picture is served: {:?}", (r, g, b));
}

async fn avatar_decodes_are_bounded_and_a_busy_server_says_so(app: TestApp) {
    let (mut browser, _) = customer(&app, "acme", "max@muster.ch").await;
    // 4896×4896 (24 megapixels, 90 KiB as a PNG) took about 100 MiB to decode: refused from the header.
    let mut big = Vec::new();
    image::GrayImage::from_pixel(4896, 4896, image::Luma([200]))
        .write_to(&mut std::io::Cursor::new(&mut big), image::ImageFormat::Png)
        .expect("png");
    let big = upload(&mut browser, big, "big.png", "image/png").await;
    assert_eq!(big.status, 422, "a real 24-megapixel picture is refused");
    assert_eq!(browser.get("/profile/avatar").await.status, 404, "nothing stored");

    // Eight pictures at once: a few are decoded, the others are told to retry (429), none fails.
    let mut photo = Vec::new();
    image::RgbImage::from_fn(4000, 4000, |x, y| image::Rgb([(x / 16) as u8, (y / 16) as u8, 128]))
        .write_to(&mut std::io::Cursor::new(&mut photo), image::ImageFormat::Png)
        .expect("png");
    let token = browser.get("/profile").await.csrf();
    let cookies: String = browser.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
    let client = reqwest::Client::new();
    let sends = (0..8).map(|_| {
        let part =
            reqwest::multipart::Part::bytes(photo.clone()).file_name("me.png").mime_str("image/png").expect("mime");
        let form = reqwest::multipart::Form::new().text("csrf_token", token.clone()).part("avatar", part);
        client
            .post(format!("{}/profile/avatar", app.address))
            .header(reqwest::header::HOST, browser.host())
            .header(reqwest::header::COOKIE, cookies.clone())
            .multipart(form)
            .send()
    });
    let statuses: Vec<u16> =
        futures_util::future::join_all(sends).await.into_iter().map(|r| r.expect("answer").status().as_u16()).collect();
    // A saved picture redirects to the profile (followed: 200).
    assert!(statuses.iter().all(|s| matches!(s, 200 | 429)), "{statuses:?}");
    assert!(statuses.contains(&200) && statuses.contains(&429), "some decoded, some asked to retry: {statuses:?}");
}

async fn new_recovery_codes_and_password_changes_ask_for_the_password_again(app: TestApp) {
    let (mut browser, _) = customer(&app, "acme", "max@muster.ch").await;
    browser.get("/profile").await;
    let left = |page: &Page| page.body.contains("class=\"codes\"");
    assert!(!left(&browser.get("/profile").await), "codes are shown once only");
    // A stolen session alone gets no new codes: the password is asked again.
    for password in ["", "Wrong-Password-123!"] {
        let token = browser.get("/profile").await.csrf();
        let refused =
            browser.post("/profile/recovery-codes", &[("recovery_password", password), ("csrf_token", &token)]).await;
        assert_eq!(refused.status, 422, "{password:?}");
        assert!(!left(&refused), "no codes for {password:?}");
    }
    let token = browser.get("/profile").await.csrf();
    let renewed =
        browser.post("/profile/recovery-codes", &[("recovery_password", PASSWORD), ("csrf_token", &token)]).await;
    assert_eq!(renewed.status, 303);
    let shown = browser.get("/profile").await;
    assert!(left(&shown), "the new codes are shown once");
    let code = shown.body.split("<li><code>").nth(1).and_then(|r| r.split('<').next()).expect("a code").to_owned();

    // A code signs in once, in place of the app's code (stored salted per user).
    for (attempt, expected) in [(1, 303), (2, 401)] {
        let mut other = app.browser("acme");
        other.submit("/login", "/login", &[("email", "max@muster.ch"), ("password", PASSWORD)]).await;
        let token = other.get("/login/mfa").await.csrf();
        let page = other.post("/login/mfa", &[("recovery_code", &code), ("csrf_token", &token)]).await;
        assert_eq!(page.status, expected, "use {attempt} of a recovery code");
    }

    // Guessing the current password on the change form locks like sign-in does.
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let token = browser.get("/profile").await.csrf();
        let fields = [
            ("current_password", "Wrong-Password-123!"),
            ("new_password", "Gletscher-Murmeltier-Kompass-7"),
            ("new_password_confirm", "Gletscher-Murmeltier-Kompass-7"),
            ("csrf_token", token.as_str()),
        ];
        statuses.push(browser.post("/profile/password", &fields).await.status);
    }
    assert!(statuses.starts_with(&[422, 422]) && statuses.ends_with(&[429]), "{statuses:?}");
    let token = browser.get("/profile").await.csrf();
    let fields = [
        ("current_password", PASSWORD),
        ("new_password", "Gletscher-Murmeltier-Kompass-7"),
        ("new_password_confirm", "Gletscher-Murmeltier-Kompass-7"),
        ("csrf_token", token.as_str()),
    ];
    assert_eq!(browser.post("/profile/password", &fields).await.status, 429, "even the right one waits out the lock");
}

async fn password_reset_answers_alike_and_keeps_mfa(app: TestApp) {
    let smtp = SmtpServer::start(None);
    let app = TestApp::spawn_with(app.backend, &smtp_toml(smtp.port, 8)).await.expect("app");
    app.with_tenant("acme").await;
    let link = invite(&app, "acme", "max@muster.ch", "customer").await;
    let (_, secret) = enrol(&app, "acme", &link).await;
    smtp.wait_for(1, Duration::from_secs(20)).await;

    let mut browser = app.browser("acme");
    let known = browser.submit("/password-reset", "/password-reset", &[("email", "max@muster.ch")]).await;
    let unknown = browser.submit("/password-reset", "/password-reset", &[("email", "nobody@muster.ch")]).await;
    assert_eq!(known.status, unknown.status);
    assert_eq!(known.body, unknown.body.replace(&unknown.csrf(), &known.csrf()));
    let mails = smtp.wait_for(2, Duration::from_secs(20)).await;
    assert_eq!(mails.len(), 2, "only the existing account gets a mail");
    let reset = mails.iter().find_map(|m| {
        let text = m.parsed().subparts[0].get_body().ok()?;
        text.split_whitespace().find(|w| w.contains("/password-reset/")).map(str::to_owned)
    });
    let reset = path_of(&reset.expect("a reset link"));
    let new_password = "Gletscher-Murmeltier-Kompass-7";
    let done =
        browser.submit(&reset, &reset, &[("new_password", new_password), ("new_password_confirm", new_password)]).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(browser.get(&reset).await.status, 410, "a reset link works once");

    let login = browser.submit("/login", "/login", &[("email", "max@muster.ch"), ("password", new_password)]).await;
    assert_eq!(login.location.as_deref(), Some("/login/mfa"), "the reset does not bypass MFA");
    let token = browser.get("/login/mfa").await.csrf();
    let done = browser.post("/login/mfa", &[("code", &totp(&secret, 30)), ("csrf_token", &token)]).await;
    assert_eq!(done.location.as_deref(), Some("/organizations"));

    // Nobody can flood the mailbox: after a few requests, the same page and no more mail.
    for _ in 0..6 {
        let page = browser.submit("/password-reset", "/password-reset", &[("email", "max@muster.ch")]).await;
        assert_eq!(page.status, 200);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let resets = smtp
        .messages()
        .iter()
        .filter(|m| m.header("Subject").is_some_and(|s| s.contains("Passwort") || s.contains("password")))
        .count();
    assert!(resets <= 3, "three reset mails, then the account waits out growing locks: {resets}");
}

async fn owner_manages_users(app: TestApp) {
    let smtp = SmtpServer::start(None);
    let app = TestApp::spawn_with(app.backend, &smtp_toml(smtp.port, 8)).await.expect("app");
    let out = app
        .cli(&[
            "tenant",
            "create",
            "acme",
            "--name",
            "Acme",
            "--support-email",
            "team@acme.example",
            "--owner-email",
            "owner@acme.example",
        ])
        .await
        .expect("tenant with owner");
    let owner_link = out.lines().last().expect("link").to_owned();
    assert!(owner_link.contains("/invitations/"), "{out}");
    let (mut owner, _) = enrol(&app, "acme", &owner_link).await;
    let users = owner.get("/users").await;
    assert_eq!(users.status, 200);
    assert!(users.body.contains("owner@acme.example"));

    let invited = owner
        .submit("/users", "/users/invite", &[("email", "max@muster.ch"), ("role", "customer"), ("organization_id", "")])
        .await;
    assert_eq!(invited.status, 200, "{}", invited.body);
    assert!(invited.body.contains("max@muster.ch"), "listed as pending");
    let taken = owner
        .submit(
            "/users",
            "/users/invite",
            &[("email", "owner@acme.example"), ("role", "customer"), ("organization_id", "")],
        )
        .await;
    assert_eq!(taken.status, 422);
    let broken = owner
        .submit(
            "/users",
            "/users/invite",
            &[("email", "not an address"), ("role", "customer"), ("organization_id", "")],
        )
        .await;
    assert_eq!(broken.status, 422);

    // The customer enrols; the owner resets their MFA and they must enrol again.
    let mails = smtp.wait_for(2, Duration::from_secs(20)).await;
    let link = mails
        .iter()
        .filter_map(|m| m.parsed().subparts[0].get_body().ok())
        .filter(|text| text.contains("max@muster.ch") || text.contains("/invitations/"))
        .flat_map(|text| {
            text.split_whitespace().filter(|w| w.contains("/invitations/")).map(str::to_owned).collect::<Vec<_>>()
        })
        .find(|l| *l != owner_link)
        .expect("the customer's link");
    let (mut customer, _) = enrol(&app, "acme", &link).await;
    assert_eq!(customer.get("/users").await.status, 404, "customers do not manage users");
    let id = app
        .db
        .run(|c| {
            use cairn_store::schema::users::dsl as u;
            u::users.filter(u::email.eq("max@muster.ch")).select(u::id).first::<String>(c).map_err(StoreError::from)
        })
        .await
        .expect("id");
    let reset = owner.submit("/users", &format!("/users/{id}/reset-mfa"), &[]).await;
    assert_eq!(reset.status, 303);
    assert_eq!(customer.get("/organizations").await.location.as_deref(), Some("/login"), "their sessions ended");
    let mails = smtp.wait_for(3, Duration::from_secs(20)).await;
    assert!(
        mails
            .iter()
            .any(|m| m.header("Subject").is_some_and(|s| s.contains("Zwei-Faktor") || s.contains("Two-factor")))
    );
    let mut again = app.browser("acme");
    let login = again.submit("/login", "/login", &[("email", "max@muster.ch"), ("password", PASSWORD)]).await;
    assert_eq!(login.location.as_deref(), Some("/mfa/setup"), "enrol again");

    let disabled = owner.submit("/users", &format!("/users/{id}/disable"), &[]).await;
    assert_eq!(disabled.status, 303);
    let mut late = app.browser("acme");
    let refused = late.submit("/login", "/login", &[("email", "max@muster.ch"), ("password", PASSWORD)]).await;
    assert_eq!(refused.status, 401, "a disabled account cannot sign in");
}

async fn access_request_reaches_the_msp(app: TestApp) {
    let smtp = SmtpServer::start(None);
    let app = TestApp::spawn_with(app.backend, &smtp_toml(smtp.port, 8)).await.expect("app");
    app.with_tenant("acme").await;
    let mut visitor = app.browser("acme");
    assert!(visitor.get("/login").await.body.contains("/access-request"), "offered on the sign-in page");
    let bad =
        visitor.submit("/access-request", "/access-request", &[("name", "Max"), ("email", "not an address")]).await;
    assert_eq!(bad.status, 422);
    let sent = visitor
        .submit(
            "/access-request",
            "/access-request",
            &[
                ("name", "Max Muster"),
                ("email", "max@muster.ch"),
                ("company", "Muster AG"),
                ("message", "Bitte Zugang"),
            ],
        )
        .await;
    assert_eq!(sent.status, 200);
    let mails = smtp.wait_for(1, Duration::from_secs(20)).await;
    let mail = &mails[0];
    assert!(mail.header("To").expect("to").contains("team@acme"), "to the MSP's support address");
    assert!(mail.header("Reply-To").expect("reply-to").contains("max@muster.ch"), "replies go to the person asking");
    let text = mail.parsed().subparts[0].get_body().expect("text");
    assert!(text.contains("Muster AG") && text.contains("Bitte Zugang"));
    // A flood from one address is throttled: the same answer, no more mail.
    for _ in 0..8 {
        let page = visitor
            .submit("/access-request", "/access-request", &[("name", "Spam"), ("email", "spam@example.com")])
            .await;
        assert_eq!(page.status, 200);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(smtp.messages().len() <= 6, "throttled: {}", smtp.messages().len());
}

async fn cookies_are_host_only_and_secure_under_https(app: TestApp) {
    let app = TestApp::spawn_with(app.backend, "[server]\npublic_scheme = \"https\"\n").await.expect("app");
    app.with_tenant("acme").await;
    let link = invite(&app, "acme", "max@muster.ch", "customer").await;
    assert!(link.starts_with("https://acme.localhost/invitations/"), "links use the public scheme and no port: {link}");
    let mut browser = app.browser("acme");
    let path = path_of(&link);
    let form = browser.get(&path).await;
    let csrf_cookie = form.headers["set-cookie"].to_str().expect("ascii").to_owned();
    assert!(csrf_cookie.starts_with("__Host-cairn_csrf=") && csrf_cookie.contains("Secure"), "{csrf_cookie}");
    let token = form.csrf();
    let created = browser
        .post(
            &path,
            &[
                ("first_name", "Max"),
                ("last_name", "Muster"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
                ("csrf_token", &token),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let cookie = created
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("ascii").to_owned())
        .find(|c| c.starts_with("__Host-cairn_session="))
        .expect("a __Host- session cookie");
    for part in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(part), "{part} in {cookie}");
    }
    assert!(!cookie.to_ascii_lowercase().contains("domain="), "host-only: {cookie}");
}
