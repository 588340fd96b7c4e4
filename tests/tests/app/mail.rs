//! Mail through a real SMTP server (aiosmtpd on a local port).

use std::collections::HashSet;
use std::time::{Duration, Instant};

use cairn_mail::outbox::{self, Recipient};
use cairn_mail::{MailContent, MailError, MailTransport, OutboxWorker};
use cairn_store::StoreError;
use cairn_store::schema::mail_outbox::dsl as m;
use cairn_tenancy::{Locale, Tenant};
use cairn_tests::{SmtpServer, TestApp, backend_tests, free_port, smtp_toml};
use diesel::prelude::*;

backend_tests!(
    invitation_arrives_branded_multipart_in_the_recipients_language,
    smtp_outage_keeps_mail_queued_then_delivers_it_once,
    a_mail_whose_link_expired_unsent_is_given_up_and_erased,
    two_workers_deliver_200_mails_exactly_once,
    invalid_recipients_are_refused_and_nothing_is_queued,
    cli_sends_test_mail_reports_and_retries,
);

fn invitation(app: &TestApp, tenant: &Tenant) -> MailContent {
    MailContent::Invitation {
        inviter: "Anna Muster".into(),
        organization: Some("Muster AG".into()),
        link: app.app.public().tenant(&tenant.slug, "/invitations/tok3n"),
        expires_at: chrono::Utc::now().naive_utc() + chrono::Duration::days(7),
    }
}

async fn enqueue(
    app: &TestApp,
    tenant: &Tenant,
    address: &str,
    locale: Locale,
    content: MailContent,
) -> Result<String, MailError> {
    let (tenant, address) = (tenant.clone(), address.to_owned());
    app.db
        .tenant_tx(&tenant.id.clone(), move |conn| {
            outbox::enqueue(conn, &tenant, Recipient { address: &address, name: Some("Max Muster"), locale }, &content)
        })
        .await
}

/// (status, attempts, last_error, body_text) of a mail.
async fn row(app: &TestApp, id: &str) -> (String, i32, Option<String>, String) {
    let id = id.to_owned();
    app.db
        .run(move |c| {
            m::mail_outbox
                .filter(m::id.eq(&id))
                .select((m::status, m::attempts, m::last_error, m::body_text))
                .first(c)
                .map_err(StoreError::from)
        })
        .await
        .expect("row")
}

async fn invitation_arrives_branded_multipart_in_the_recipients_language(app: TestApp) {
    let smtp = SmtpServer::start(None);
    let app = TestApp::spawn_with(app.backend, &smtp_toml(smtp.port, 8)).await.expect("app");
    let tenant = app.with_tenant("plusundplus.ch").await;
    let link = format!("http://plusundplus.ch.localhost:{}/invitations/tok3n", app.port);

    enqueue(&app, &tenant, "max@muster.ch", Locale::De, invitation(&app, &tenant)).await.expect("queued");
    let mails = smtp.wait_for(1, Duration::from_secs(20)).await;
    let mail = &mails[0];
    assert_eq!(mail.header("From").as_deref(), Some("\"plusundplus.ch IT\" <cairn@localhost>"));
    assert!(mail.header("Reply-To").expect("reply-to").contains("team@plusundplus.ch"));
    assert!(mail.header("To").expect("to").contains("max@muster.ch"));
    assert_eq!(mail.header("Subject").as_deref(), Some("Einladung zur IT-Dokumentation von plusundplus.ch IT"));
    let parsed = mail.parsed();
    assert_eq!(parsed.ctype.mimetype, "multipart/alternative");
    let parts: Vec<(String, String)> =
        parsed.subparts.iter().map(|p| (p.ctype.mimetype.clone(), p.get_body().expect("body"))).collect();
    assert_eq!(parts.len(), 2);
    let (text, html) = (&parts[0], &parts[1]);
    assert_eq!(text.0, "text/plain");
    assert_eq!(html.0, "text/html");
    for body in [&text.1, &html.1] {
        assert!(body.contains(&link), "the link is in both parts: {body}");
        assert!(body.contains("Einladung annehmen") && body.contains("Muster AG") && body.contains("Anna Muster"));
        assert!(body.contains("031 511 22 33") && body.contains("team@plusundplus.ch"), "support contact");
        assert!(body.contains("(Europe/Zurich)"), "expiry in the tenant's time zone");
    }
    assert!(html.1.contains(&format!("href=\"{link}\"")));

    enqueue(&app, &tenant, "jane@example.com", Locale::En, invitation(&app, &tenant)).await.expect("queued");
    let mails = smtp.wait_for(2, Duration::from_secs(20)).await;
    let english =
        mails.iter().find(|m| m.header("To").is_some_and(|t| t.contains("jane@example.com"))).expect("english mail");
    assert_eq!(english.header("Subject").as_deref(), Some("Invitation to plusundplus.ch IT's IT documentation"));
    assert!(english.parsed().subparts[0].get_body().expect("text").contains("Accept invitation"));
}

async fn a_mail_whose_link_expired_unsent_is_given_up_and_erased(app: TestApp) {
    let port = free_port();
    let app = TestApp::spawn_with(app.backend, &smtp_toml(port, 50)).await.expect("app");
    let tenant = app.with_tenant("acme").await;
    let expiring = MailContent::Invitation {
        inviter: "Anna Muster".into(),
        organization: None,
        link: app.app.public().tenant(&tenant.slug, "/invitations/tok3n"),
        expires_at: chrono::Utc::now().naive_utc() + chrono::Duration::seconds(2),
    };
    let id = enqueue(&app, &tenant, "max@muster.ch", Locale::De, expiring).await.expect("queued");
    // Nothing listens, so it cannot be sent; once its link has expired it is given up, its body erased.
    let started = Instant::now();
    let (status, _, error, body) = loop {
        let state = row(&app, &id).await;
        if state.0 == "failed" {
            break state;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "never given up: {state:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(status, "failed");
    assert!(error.is_some_and(|e| e.contains("expired")));
    assert!(body.is_empty() && !body.contains("tok3n"), "no live link stays in the outbox");
    let html: String = app
        .db
        .run(move |c| m::mail_outbox.filter(m::id.eq(&id)).select(m::body_html).first(c).map_err(StoreError::from))
        .await
        .expect("row");
    assert!(html.is_empty());
    // `cairn mail retry` does not send an empty mail later.
    let out = app.cli(&["mail", "retry"]).await.expect("retry");
    assert_eq!(out.trim(), "0 failed mail(s) queued again");
}

async fn smtp_outage_keeps_mail_queued_then_delivers_it_once(app: TestApp) {
    let port = free_port();
    let app = TestApp::spawn_with(app.backend, &smtp_toml(port, 50)).await.expect("app");
    let tenant = app.with_tenant("acme").await;
    let id = enqueue(&app, &tenant, "max@muster.ch", Locale::De, invitation(&app, &tenant)).await.expect("queued");

    // Nothing listens: the attempt fails, the error is kept, the mail stays queued.
    let started = Instant::now();
    let (status, attempts, error, body) = loop {
        let state = row(&app, &id).await;
        if state.1 >= 2 && state.0 == "queued" {
            break state;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "no failed attempt recorded: {state:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(status, "queued");
    assert!(attempts >= 2);
    assert!(error.is_some_and(|e| !e.is_empty()), "the transport's error is recorded");
    assert!(body.contains("tok3n"), "the mail is intact while queued");

    let smtp = SmtpServer::start(Some(port));
    smtp.wait_for(1, Duration::from_secs(20)).await;
    // Give the worker several more passes: still exactly one delivery.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(smtp.messages().len(), 1);
    let (status, _, error, body) = row(&app, &id).await;
    assert_eq!(status, "sent");
    assert!(error.is_none());
    assert!(body.is_empty(), "a sent mail's body (with its sign-in link) is erased");
}

async fn two_workers_deliver_200_mails_exactly_once(app: TestApp) {
    const COUNT: usize = 200;
    let smtp = SmtpServer::start(None);
    let toml = smtp_toml(smtp.port, 8);
    let app = TestApp::spawn_with(app.backend, &toml).await.expect("app");
    let tenant = app.with_tenant("acme").await;
    let recipients: Vec<String> = (0..COUNT).map(|i| format!("user{i}@example.com")).collect();
    let (ten, list) = (tenant.clone(), recipients.clone());
    app.db
        .tenant_tx(&tenant.id, move |conn| -> Result<(), MailError> {
            for address in &list {
                outbox::enqueue(conn, &ten, Recipient { address, name: None, locale: Locale::En }, &MailContent::Test)?;
            }
            Ok(())
        })
        .await
        .expect("queued");

    // The app's own worker is one node; this is a second, with its own pool.
    let settings = cairn_server::Settings::from_toml(&toml).expect("settings");
    let second = OutboxWorker::new(
        app.another_node_db().await,
        MailTransport::from_settings(&settings.mail).expect("transport"),
        &settings.mail,
    )
    .expect("worker");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let second_task = tokio::spawn(second.run(async {
        let _ = stopped.await;
    }));

    let mails = smtp.wait_for(COUNT, Duration::from_secs(120)).await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let _ = stop.send(());
    let _ = second_task.await;
    let mails = if mails.len() == COUNT { smtp.messages() } else { mails };
    assert_eq!(mails.len(), COUNT, "no duplicates");
    let received: HashSet<String> = mails.iter().map(|m| m.header("To").expect("to")).collect();
    let expected: HashSet<String> = recipients.into_iter().collect();
    assert_eq!(received, expected, "none missing");
    let sent: i64 = app
        .db
        .run(|c| m::mail_outbox.filter(m::status.eq("sent")).count().get_result(c).map_err(StoreError::from))
        .await
        .expect("count");
    assert_eq!(sent, COUNT as i64);
}

async fn invalid_recipients_are_refused_and_nothing_is_queued(app: TestApp) {
    let tenant = app.with_tenant("acme").await;
    for bad in ["not-an-address", "", "a b@example.com", "max@muster.ch\r\nBcc: evil@example.com", "<max@muster.ch>"] {
        let result = enqueue(&app, &tenant, bad, Locale::De, MailContent::Test).await;
        assert!(matches!(result, Err(MailError::InvalidAddress(_))), "{bad:?}: {result:?}");
    }
    let (ten, tenant_id) = (tenant.clone(), tenant.id.clone());
    let injected = app
        .db
        .tenant_tx(&tenant_id, move |conn| {
            let to =
                Recipient { address: "max@muster.ch", name: Some("Max\r\nBcc: evil@example.com"), locale: Locale::De };
            outbox::enqueue(conn, &ten, to, &MailContent::Test)
        })
        .await;
    assert!(matches!(injected, Err(MailError::InvalidHeader(_))), "{injected:?}");
    let queued: i64 =
        app.db.run(|c| m::mail_outbox.count().get_result(c).map_err(StoreError::from)).await.expect("count");
    assert_eq!(queued, 0);
}

async fn cli_sends_test_mail_reports_and_retries(app: TestApp) {
    let smtp = SmtpServer::start(None);
    let app = TestApp::spawn_with(app.backend, &smtp_toml(smtp.port, 1)).await.expect("app");
    app.with_tenant("acme").await;
    let out = app.cli(&["mail", "test", "--tenant", "acme", "--to", "ops@example.com"]).await.expect("test mail");
    assert!(out.contains("sent"), "{out}");
    let mails = smtp.wait_for(1, Duration::from_secs(10)).await;
    assert!(mails[0].header("Subject").expect("subject").contains("acme IT"));
    assert!(app.cli(&["mail", "test", "--tenant", "acme", "--to", "broken address"]).await.is_err());
    assert!(app.cli(&["mail", "test", "--tenant", "nope", "--to", "ops@example.com"]).await.is_err());

    // With the server gone and one attempt allowed, the mail fails for good.
    drop(smtp);
    let error =
        app.cli(&["mail", "test", "--tenant", "acme", "--to", "ops@example.com"]).await.expect_err("server down");
    assert!(error.to_string().contains("not sent"), "{error}");
    let status = app.cli(&["mail", "status"]).await.expect("status");
    assert!(status.contains("sent 1") && status.contains("failed 1"), "{status}");
    assert!(status.contains("ops@example.com"), "the latest error names the mail: {status}");
    let retried = app.cli(&["mail", "retry"]).await.expect("retry");
    assert!(retried.contains("1 failed mail(s) queued again"), "{retried}");
}
