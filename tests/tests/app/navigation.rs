//! Where pages lead and what they ask the browser for: the brand link, the
//! picture in the header, choices in the reader's words, who invites whom.
//! People here are made by the harness; the accounts tests walk the pages.

use cairn_auth::Role;
use cairn_tests::{TestApp, backend_tests};

backend_tests!(
    the_brand_link_leads_signed_in_people_to_their_organizations,
    pages_ask_for_a_picture_only_when_there_is_one,
    choices_show_their_labels_not_their_keys,
    technicians_invite_customers_but_not_staff,
);

/// The id of the first organization linked on a list page.
fn first_organization(page: &str) -> String {
    page.split("href=\"/organizations/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .find(|id| *id != "new")
        .expect("an organization")
        .to_owned()
}

async fn the_brand_link_leads_signed_in_people_to_their_organizations(app: TestApp) {
    let tenant = app.with_tenant("acme").await;
    let mut stranger = app.browser("acme");
    assert_eq!(stranger.get("/").await.location.as_deref(), Some("/login"));
    let mut owner = app.with_owner(&tenant, "owner@acme.ch").await.browser;
    let root = owner.get("/").await;
    assert_eq!((root.status, root.location.as_deref()), (303, Some("/organizations")), "{}", root.body);
    assert_eq!(owner.get("/organizations").await.status, 200);
}

async fn pages_ask_for_a_picture_only_when_there_is_one(app: TestApp) {
    let tenant = app.with_tenant("acme").await;
    let mut browser = app.with_owner(&tenant, "owner@acme.ch").await.browser;
    let page = browser.get("/organizations").await;
    assert!(!page.body.contains("/profile/avatar"), "no picture, no request for one");
    assert!(page.body.contains("class=\"initials\""), "the initials stand in");

    let mut png = Vec::new();
    image::RgbImage::from_pixel(300, 300, image::Rgb([200, 30, 30]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("png");
    let token = browser.get("/profile").await.csrf();
    let part = reqwest::multipart::Part::bytes(png).file_name("me.png").mime_str("image/png").expect("mime");
    let form = reqwest::multipart::Form::new().text("csrf_token", token).part("avatar", part);
    assert_eq!(browser.post_multipart("/profile/avatar", form).await.status, 303);

    let page = browser.get("/organizations").await;
    let src = page.body.split("src=\"/profile/avatar?v=").nth(1).and_then(|rest| rest.split('"').next());
    let version = src.expect("a versioned picture URL in the header").to_owned();
    let picture = browser.get(&format!("/profile/avatar?v={version}")).await;
    assert_eq!(picture.status, 200);
    let cache = picture.headers["cache-control"].to_str().expect("ascii");
    assert!(cache.contains("private") && cache.contains("immutable"), "{cache}");

    let token = browser.get("/profile").await.csrf();
    assert_eq!(browser.post("/profile/avatar/remove", &[("csrf_token", &token)]).await.status, 303);
    assert!(!browser.get("/organizations").await.body.contains("/profile/avatar"), "removed: not asked for");
}

async fn choices_show_their_labels_not_their_keys(app: TestApp) {
    let seed = app.app.seed_demo("plusundplus.ch").await.expect("seed").expect("demo");
    let mut owner = app.with_owner(&seed.tenant, "chef@plusundplus.ch").await.browser;
    let organizations = owner.get("/organizations").await.body;
    let org = first_organization(&organizations);
    // The tenant speaks German; the demo's e-mail account has the category `email`.
    let list = owner.get(&format!("/organizations/{org}/passwords")).await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("<td>E-Mail</td>"), "the category in words: {}", list.body);
    assert!(!list.body.contains("<td>email</td>"), "never the stored key");
    let form = owner.get(&format!("/organizations/{org}/configurations/new")).await;
    assert!(form.body.contains("<option value=\"access point\">Access Point</option>"), "{}", form.body);
}

async fn technicians_invite_customers_but_not_staff(app: TestApp) {
    let seed = app.app.seed_demo("plusundplus.ch").await.expect("seed").expect("demo");
    let mut tech = app.person(&seed.tenant, "tech@plusundplus.ch").role(Role::Technician).signed_in().await.browser;
    let organizations = tech.get("/organizations").await.body;
    let org = first_organization(&organizations);
    let overview = format!("/organizations/{org}");
    let invited = tech.submit(&overview, &format!("{overview}/invite"), &[("email", "neu@kunde.ch")]).await;
    assert_eq!(invited.status, 200, "a technician invites a customer into an organization");
    let token = tech.get(&overview).await.csrf();
    let staff = tech
        .post(
            "/users/invite",
            &[("email", "boss@evil.ch"), ("role", "owner"), ("organization_id", ""), ("csrf_token", &token)],
        )
        .await;
    assert_eq!(staff.status, 404, "the owners' page does not exist for technicians");
}
