//! The seed's whole walk in a real browser (headless Chromium): invitation
//! link → account → MFA with the code from the key on the page → profile
//! with Bern → the organization's passwords, revealed in place → log out →
//! sign in on the apex with the subdomain and a fresh code.

use std::time::Duration;

use cairn_tests::{Backend, Chrome, TestApp, browser_available};

use super::accounts::{PASSWORD, totp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customer_walk_in_a_real_browser() {
    if !browser_available() {
        eprintln!("skipped: chromium and chromium-driver are not installed");
        return;
    }
    let app = TestApp::spawn(Backend::Sqlite).await.expect("app");
    let seed = app.app.seed_demo("plusundplus.ch").await.expect("seed").expect("demo");
    let chrome = Chrome::start().await;

    // 1–2: the invitation link, the account form.
    chrome.goto(&seed.customer_link).await;
    assert!(chrome.text("h1").await.contains("plus+plus"));
    // 12: the privacy notice, "understood" (dismissed in place, remembered by cookie).
    chrome.click(".privacy-notice button").await;
    let started = std::time::Instant::now();
    while chrome.script("return document.querySelector('.privacy-notice') !== null;").await.as_bool() == Some(true) {
        assert!(started.elapsed() < Duration::from_secs(5), "the notice goes away");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    chrome.type_into("#first_name", "Max").await;
    chrome.type_into("#last_name", "Muster").await;
    chrome.type_into("#password", PASSWORD).await;
    chrome.type_into("#password_confirm", PASSWORD).await;
    chrome.click("button.primary").await;

    // 3–5: MFA setup; the key from the page, the code from an independent implementation.
    chrome.wait_for_path("/mfa/setup").await;
    let key: String = chrome.text(".secret-key").await.split_whitespace().collect();
    assert_eq!(key.len(), 32, "a 160-bit base32 key: {key}");
    chrome.type_into("#code", &totp(&key, 0)).await;
    chrome.click("form[action='/mfa/setup'] button.primary").await;

    // 6: the profile, with the recovery codes once; Bern; Save.
    chrome.wait_for_path("/profile").await;
    assert!(chrome.text(".codes").await.contains('-'), "recovery codes are shown");
    chrome.click(".recovery input[type=checkbox]").await;
    chrome.script("document.getElementById('time_zone').value = 'Europe/Zurich';").await;
    chrome.click("#profile-form button.primary").await;

    // 7–8: the organization, its passwords, a reveal in place.
    chrome.wait_for_path("/organizations").await;
    chrome.click(".org-card a").await;
    chrome.wait_for_path("/organizations/").await;
    assert!(chrome.text(".sidebar").await.contains("Passwörter"));
    chrome.click(".sidebar a[href$='/passwords']").await;
    chrome.wait_for_path("/organizations/").await;
    let rows = chrome.text("table").await;
    assert!(rows.contains("E-Mail Empfang") && !rows.contains("Firewall Admin"));
    let link = chrome.script("return [...document.querySelectorAll('td a')].find(a => a.textContent.includes('E-Mail Empfang')).getAttribute('href');").await;
    chrome.goto(&format!("http://plusundplus.ch.localhost:{}{}", app.port, link.as_str().expect("href"))).await;
    assert_eq!(chrome.text("output.secret").await, "••••••••");
    chrome.click("form.reveal button[type=submit]").await;
    let started = std::time::Instant::now();
    while chrome.text("output.secret").await != "Sommer-Zitrone-Velo-2026" {
        assert!(started.elapsed() < Duration::from_secs(10), "the secret is revealed in place");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(chrome.text(".countdown").await.ends_with('s'), "a countdown until it hides again");

    // Log out; 9–10: the apex with the subdomain, then a fresh code.
    chrome.click(".usermenu form button").await;
    chrome.wait_for_path("/login").await;
    chrome.goto(&format!("http://localhost:{}/login", app.port)).await;
    chrome.type_into("#subdomain", "plusundplus.ch").await;
    chrome.type_into("#email", "max.muster@muster-ag.ch").await;
    chrome.type_into("#password", PASSWORD).await;
    chrome.click("button.primary").await;
    let url = chrome.wait_for_path("/login/mfa").await;
    assert!(
        url.starts_with(&format!("http://plusundplus.ch.localhost:{}/", app.port)),
        "handed off to the tenant's host: {url}"
    );
    chrome.type_into("#code", &totp(&key, 30)).await;
    chrome.click("button.primary").await;
    chrome.wait_for_path("/organizations").await;
    assert!(chrome.text("main").await.contains("Muster AG"));
    let errors = chrome.console_errors().await;
    assert!(errors.is_empty(), "the walk logs no console errors: {errors:#?}");
}
