//! The use cases called directly, without HTTP, on SQLite and PostgreSQL:
//! policy inside, audit in the same transaction, refusals that look like
//! absences, read transactions that take no write lock.

use std::sync::Arc;
use std::time::Duration;

use cairn_app::{
    AccountInput, App, AppConfig, AppError, AuditFilter, Caller, Invite, OrganizationId, OrganizationRef, RecordId,
};
use cairn_assets::Kind;
use cairn_assets::records::ListQuery;
use cairn_auth::Role;
use cairn_auth::password::Passwords;
use cairn_auth::sessions::Timeouts;
use cairn_store::scratch::{ScratchDatabase, TestBackend};
use cairn_store::{Database, DatabaseUrl, PoolOptions};
use cairn_tenancy::{PublicUrls, Tenant, TenantDirectory};
use cairn_vault::MasterKey;

/// A fresh folder for the attachments of one fixture.
fn scratch_files() -> std::path::PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::env::temp_dir().join(format!("cairn-app-files-{}-{n}", std::process::id()))
}

/// An application on a fresh database, with the demo tenant.
struct Fixture {
    app: Arc<App>,
    tenant: Arc<Tenant>,
    scratch: ScratchDatabase,
    db: Database,
    master_key: Arc<MasterKey>,
}

/// An application (one node) over `db`.
fn node(db: &Database, master_key: &Arc<MasterKey>) -> Arc<App> {
    Arc::new(App::new(AppConfig {
        db: db.clone(),
        master_key: Arc::clone(master_key),
        directory: TenantDirectory::new(db.clone(), Duration::ZERO),
        public: PublicUrls { scheme: "http".into(), base_domain: "localhost".into(), port: Some(8080) },
        passwords: Passwords::new(64).expect("argon2"),
        timeouts: Timeouts { idle: Duration::from_secs(1800), absolute: Duration::from_secs(3600) },
        invitation_ttl: Duration::from_secs(3600),
        reset_ttl: Duration::from_secs(3600),
        mail_waker: Arc::default(),
        files: cairn_files::FileStore::open(&cairn_files::StorageConfig::Local(scratch_files())).expect("files"),
        max_attachment_bytes: 1024 * 1024,
        import_dir: scratch_files().join("imports"),
        max_import_bytes: 1024 * 1024,
        onboarding: cairn_app::Onboarding::default(),
    }))
}

impl Fixture {
    async fn new(backend: TestBackend) -> Option<Self> {
        let scratch = ScratchDatabase::create(backend)?;
        let url = DatabaseUrl::parse(scratch.url()).expect("url");
        let db = Database::connect(&url, &PoolOptions { max_connections: 4, ..Default::default() }).await.expect("db");
        let owner = scratch.migrate_url().map(|url| DatabaseUrl::parse(&url).expect("migrate url"));
        db.migrate_as(owner.as_ref()).await.expect("migrations");
        let master_key = Arc::new(MasterKey::generate());
        let app = node(&db, &master_key);
        let seed = app.seed_demo("plusundplus.ch").await.expect("seed").expect("demo");
        let tenant = Arc::new(seed.tenant);
        Some(Fixture { app, tenant, scratch, db, master_key })
    }

    /// Another node on the same database, with caches of its own.
    fn second_node(&self) -> Arc<App> {
        node(&self.db, &self.master_key)
    }

    fn operator(&self) -> Caller {
        Caller::operator(Arc::clone(&self.tenant), "test")
    }

    /// A person of `role` (granted `organization` when given), as a caller.
    async fn person(&self, email: &str, role: Role, organization: Option<&str>) -> Caller {
        let invite = Invite {
            email: email.into(),
            role,
            organization: organization.map(|name| OrganizationRef::Name(name.into())),
        };
        let (_, link) = self.app.invite(&self.operator(), invite).await.expect("invite");
        let token = link.rsplit('/').next().expect("token").to_owned();
        let input = AccountInput {
            first_name: "Erika".into(),
            last_name: "Muster".into(),
            password: "Kiesel-Alpaka-Fernrohr-42".into(),
            password_confirm: "Kiesel-Alpaka-Fernrohr-42".into(),
        };
        let session = self.app.accept_invitation(&self.tenant, token, &input, "192.0.2.7").await.expect("account");
        let signed = self.app.session(&self.tenant, session.token).await.expect("lookup").expect("session");
        Caller::user(Arc::clone(&self.tenant), signed.user, "192.0.2.7").expect("caller")
    }

    /// An organization other than `name`.
    async fn all_but(&self, staff: &Caller, name: &str) -> OrganizationId {
        let all = self.app.organizations(staff).await.expect("organizations");
        OrganizationId::new(all.into_iter().find(|o| o.name != name).expect("another").id)
    }

    async fn organization(&self, staff: &Caller, name: &str) -> OrganizationId {
        let all = self.app.organizations(staff).await.expect("organizations");
        OrganizationId::new(all.into_iter().find(|o| o.name == name).expect(name).id)
    }
}

/// Runs each named `async fn(Fixture)` on SQLite and PostgreSQL.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let fixture = super::Fixture::new(cairn_store::scratch::TestBackend::Sqlite).await.expect("sqlite");
                    super::$name(fixture).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    match super::Fixture::new(cairn_store::scratch::TestBackend::Postgres).await {
                        Some(fixture) => super::$name(fixture).await,
                        None => eprintln!("skipped: {} is not set", cairn_store::scratch::PG_ENV),
                    }
                }
            }
        )*
    };
}

on_both!(
    refusals_look_exactly_like_absences,
    a_reveal_is_audited_with_who_and_where,
    invitations_follow_the_policy_whoever_asks,
    reads_do_not_wait_for_the_write_lock,
    a_customer_never_sees_staff_only_entries,
    search_finds_a_customers_document_behind_many_others,
    section_lists_page_sort_and_filter_in_the_database,
    asset_type_changes_reach_every_node_with_their_commit,
);

async fn refusals_look_exactly_like_absences(f: Fixture) {
    let owner = f.person("chef@plusundplus.ch", Role::Owner, None).await;
    let customer = f.person("kunde@muster-ag.ch", Role::Customer, Some("Muster AG")).await;
    let other = f.organization(&owner, "Bäckerei Beispiel GmbH").await;
    let missing = OrganizationId::new("0190a0a0-0000-7000-8000-000000000000");
    for organization in [&other, &missing] {
        let refused = f.app.organization_overview(&customer, organization).await;
        assert!(matches!(refused, Err(AppError::NotFound)), "{refused:?}");
        let list = f.app.records(&customer, organization, Kind::Password, ListQuery::default()).await;
        assert!(matches!(list, Err(AppError::NotFound)), "{list:?}");
    }
    // A record of another organization, named under the customer's own: not found either.
    let own = f.organization(&owner, "Muster AG").await;
    let foreign = f.app.records(&owner, &other, Kind::Password, ListQuery::default()).await.expect("list");
    let foreign_id = RecordId::new(foreign.page.records[0].id.clone());
    let crossed = f.app.reveal(&customer, &own, Kind::Password, &foreign_id, "").await;
    assert!(matches!(crossed, Err(AppError::NotFound)), "{crossed:?}");
    // Owner-only use cases: not found for everyone else.
    assert!(matches!(f.app.users_overview(&customer).await, Err(AppError::NotFound)));
    assert!(matches!(f.app.audit_log(&customer, AuditFilter::default()).await, Err(AppError::NotFound)));
    assert!(f.app.users_overview(&owner).await.is_ok());
}

async fn a_reveal_is_audited_with_who_and_where(f: Fixture) {
    let customer = f.person("kunde@muster-ag.ch", Role::Customer, Some("Muster AG")).await;
    let owner = f.person("chef@plusundplus.ch", Role::Owner, None).await;
    let org = f.organization(&owner, "Muster AG").await;
    let listed = f.app.records(&customer, &org, Kind::Password, ListQuery::default()).await.expect("list");
    let record = listed.page.records.iter().find(|r| r.name.contains("E-Mail")).expect("the mail account");
    let id = RecordId::new(record.id.clone());
    let revealed = f.app.reveal(&customer, &org, Kind::Password, &id, "").await.expect("reveal");
    assert!(!secrecy::ExposeSecret::expose_secret(&revealed.value).is_empty());
    let filter = AuditFilter { target_id: Some(record.id.clone()), ..Default::default() };
    let events = f.app.audit_log(&owner, filter).await.expect("log").events;
    let event = events.iter().find(|e| e.action == "record.revealed").expect("a reveal event");
    assert_eq!(event.actor, "kunde@muster-ag.ch");
    assert_eq!(event.ip.as_deref(), Some("192.0.2.7"));
    assert_eq!(event.organization_id.as_deref(), Some(org.as_str()));
    assert!(event.details.contains("\"field\":\"password\""), "{}", event.details);
}

async fn invitations_follow_the_policy_whoever_asks(f: Fixture) {
    let technician = f.person("tech@plusundplus.ch", Role::Technician, None).await;
    let customer = f.person("kunde@muster-ag.ch", Role::Customer, Some("Muster AG")).await;
    let as_owner = |email: &str| Invite { email: email.into(), role: Role::Owner, organization: None };
    let into_muster = |email: &str| Invite {
        email: email.into(),
        role: Role::Customer,
        organization: Some(OrganizationRef::Name("Muster AG".into())),
    };
    assert!(matches!(f.app.invite(&technician, as_owner("boss@evil.ch")).await, Err(AppError::NotFound)));
    assert!(matches!(f.app.invite(&customer, into_muster("friend@evil.ch")).await, Err(AppError::NotFound)));
    f.app.invite(&technician, into_muster("neu@muster-ag.ch")).await.expect("staff invite customers");
    f.app.invite(&f.operator(), as_owner("zweite@plusundplus.ch")).await.expect("operators invite anyone");
    let taken = f.app.invite(&f.operator(), as_owner("tech@plusundplus.ch")).await;
    assert!(matches!(taken, Err(AppError::Conflict { field: "email" })), "{taken:?}");
    let unknown = Invite { organization: Some(OrganizationRef::Name("Nope AG".into())), ..into_muster("x@y.ch") };
    assert!(matches!(f.app.invite(&f.operator(), unknown).await, Err(AppError::Invalid { .. })));
    let broken = f.app.invite(&f.operator(), as_owner("not an address")).await;
    assert!(matches!(broken, Err(AppError::Invalid { .. })), "{broken:?}");

    let owner = f.person("chef@plusundplus.ch", Role::Owner, None).await;
    let pending = f.app.users_overview(&owner).await.expect("overview").invitations;
    let emails: Vec<&str> = pending.iter().map(|i| i.email.as_str()).collect();
    assert!(emails.contains(&"neu@muster-ag.ch") && emails.contains(&"zweite@plusundplus.ch"), "{emails:?}");
    assert!(!emails.contains(&"boss@evil.ch") && !emails.contains(&"friend@evil.ch"), "refused: nothing written");
    let events = f.app.audit_log(&owner, AuditFilter::default()).await.expect("log").events;
    let invited = events.iter().filter(|e| e.action == "invitation.created").count();
    assert!(invited >= 6, "every invitation is audited: {invited}");
}

async fn reads_do_not_wait_for_the_write_lock(f: Fixture) {
    let owner = f.person("chef@plusundplus.ch", Role::Owner, None).await;
    let org = f.organization(&owner, "Muster AG").await;
    let Some(path) = f.scratch.url().strip_prefix("sqlite://").map(str::to_owned) else {
        // PostgreSQL readers never wait for writers; the read path runs READ ONLY there.
        f.app.records(&owner, &org, Kind::Password, ListQuery::default()).await.expect("read");
        return;
    };
    // Another connection holds SQLite's write lock while the reads run.
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let (held_tx, held_rx) = std::sync::mpsc::channel::<()>();
    let writer = std::thread::spawn(move || {
        use diesel::Connection;
        use diesel::connection::SimpleConnection;
        let mut conn = diesel::SqliteConnection::establish(&path).expect("writer");
        conn.batch_execute("BEGIN IMMEDIATE").expect("write lock");
        held_tx.send(()).expect("signal");
        let _ = release_rx.recv_timeout(Duration::from_secs(30));
        conn.batch_execute("ROLLBACK").expect("release");
    });
    held_rx.recv().expect("the writer holds the lock");
    let started = std::time::Instant::now();
    let page = f.app.records(&owner, &org, Kind::Password, ListQuery::default()).await.expect("a read during a write");
    assert!(!page.page.records.is_empty());
    assert!(f.app.organizations(&owner).await.is_ok());
    let waited = started.elapsed();
    release_tx.send(()).expect("release");
    writer.join().expect("writer");
    // A write transaction would have waited out the busy timeout (seconds) here.
    assert!(waited < Duration::from_secs(2), "reads went past the lock: {waited:?}");
}

async fn a_customer_never_sees_staff_only_entries(f: Fixture) {
    let owner = f.person("chef@plusundplus.ch", Role::Owner, None).await;
    let customer = f.person("kunde@muster-ag.ch", Role::Customer, Some("Muster AG")).await;
    let org = f.organization(&owner, "Muster AG").await;
    let all = f.app.records(&owner, &org, Kind::Password, ListQuery::default()).await.expect("staff list");
    let seen = f.app.records(&customer, &org, Kind::Password, ListQuery::default()).await.expect("customer list");
    let hidden: Vec<_> = all.page.records.iter().filter(|r| !seen.page.records.iter().any(|s| s.id == r.id)).collect();
    assert!(!hidden.is_empty(), "the demo has staff-only passwords");
    // The sidebar counts what each one may see, as the list does.
    let count = |page: &cairn_app::SectionPage| {
        page.org.counts.iter().find(|(s, _)| *s == cairn_assets::Section::Passwords).map(|(_, n)| *n)
    };
    assert_eq!(count(&all), Some(i64::try_from(all.page.total).expect("total")), "staff count every password");
    assert_eq!(count(&seen), Some(i64::try_from(seen.page.total).expect("total")), "customers count only theirs");
    assert!(count(&seen) < count(&all));
    for record in hidden {
        let id = RecordId::new(record.id.clone());
        assert!(matches!(f.app.record(&customer, &org, Kind::Password, &id).await, Err(AppError::NotFound)));
        assert!(matches!(f.app.reveal(&customer, &org, Kind::Password, &id, "").await, Err(AppError::NotFound)));
    }
}

async fn search_finds_a_customers_document_behind_many_others(f: Fixture) {
    let owner = f.person("chef@plusundplus.ch", Role::Owner, None).await;
    let customer = f.person("kunde@muster-ag.ch", Role::Customer, Some("Muster AG")).await;
    let muster = f.organization(&owner, "Muster AG").await;
    let other = f.all_but(&owner, "Muster AG").await;
    // More hits in an organization the customer may not see than one page of results holds.
    for n in 0..60 {
        let place = cairn_app::Place::Organization(other.clone());
        f.app.create_document(&owner, &place, format!("Druckeranleitung {n:02}"), String::new()).await.expect("doc");
    }
    let place = cairn_app::Place::Organization(muster);
    f.app.create_document(&owner, &place, "Druckeranleitung Empfang".into(), String::new()).await.expect("doc");
    let hits = f.app.search(&customer, "druckeranleitung").await.expect("search");
    let titles: Vec<&str> = hits.iter().map(|h| h.title.as_str()).collect();
    assert_eq!(titles, ["Druckeranleitung Empfang"], "the grant filters before the limit");
}

async fn section_lists_page_sort_and_filter_in_the_database(f: Fixture) {
    use cairn_assets::organizations::OrganizationInput;
    use cairn_assets::records::RecordInput;
    use cairn_auth::policy::Visibility;
    let owner = f.person("chef@plusundplus.ch", Role::Owner, None).await;
    let input = OrganizationInput { name: "Listen AG".into(), kind: "customer".into(), ..Default::default() };
    let org = OrganizationId::new(f.app.create_organization(&owner, input).await.expect("organization").id);
    // 30 passwords, named out of order; every third is staff-only; the user
    // names run the other way round.
    for n in
        [17, 3, 29, 8, 0, 22, 11, 26, 5, 14, 1, 20, 9, 27, 4, 12, 24, 7, 18, 2, 28, 10, 15, 6, 25, 13, 21, 16, 19, 23]
    {
        let mut record = RecordInput { name: format!("Konto {n:02}"), ..Default::default() };
        record.fields.insert("username".into(), format!("user-{:02}", 29 - n));
        record.visibility = Some(if n % 3 == 0 { Visibility::Staff } else { Visibility::Everyone });
        f.app.create_record(&owner, &org, Kind::Password, record).await.expect("record");
    }
    let list = |sort: &str, desc: bool, page: usize, q: &str| ListQuery {
        q: q.into(),
        sort: sort.into(),
        desc,
        page,
        per_page: 7,
    };
    let names =
        |page: &cairn_assets::records::ListPage| page.records.iter().map(|r| r.name.clone()).collect::<Vec<_>>();
    let first = f.app.records(&owner, &org, Kind::Password, list("", false, 1, "")).await.expect("page 1").page;
    assert_eq!((first.total, first.pages, first.page), (30, 5, 1));
    assert_eq!(names(&first), (0..7).map(|n| format!("Konto {n:02}")).collect::<Vec<_>>());
    let last =
        f.app.records(&owner, &org, Kind::Password, list("name", false, 9, "")).await.expect("past the end").page;
    assert_eq!(last.page, 5, "a page past the end shows the last");
    assert_eq!(names(&last), ["Konto 28", "Konto 29"]);
    let down = f.app.records(&owner, &org, Kind::Password, list("name", true, 2, "")).await.expect("desc").page;
    assert_eq!(names(&down), (16..=22).rev().map(|n| format!("Konto {n:02}")).collect::<Vec<_>>());
    let by_user =
        f.app.records(&owner, &org, Kind::Password, list("username", false, 1, "")).await.expect("field").page;
    assert_eq!(names(&by_user), (23..=29).rev().map(|n| format!("Konto {n:02}")).collect::<Vec<_>>());
    let odd = f.app.records(&owner, &org, Kind::Password, list("nicht'da", false, 1, "")).await.expect("odd key").page;
    assert_eq!(names(&odd), names(&first), "an unknown sort key sorts by name");
    let odd_down =
        f.app.records(&owner, &org, Kind::Password, list("nicht'da", true, 1, "")).await.expect("odd key desc").page;
    assert_eq!(
        names(&odd_down),
        (23..=29).rev().map(|n| format!("Konto {n:02}")).collect::<Vec<_>>(),
        "and keeps the direction"
    );
    let filtered = f.app.records(&owner, &org, Kind::Password, list("", false, 1, "konto 1")).await.expect("q").page;
    assert_eq!(filtered.total, 10);
    assert_eq!(names(&filtered), (10..17).map(|n| format!("Konto {n:02}")).collect::<Vec<_>>());
    // A page that holds every match, exactly or with room to spare, knows
    // the total without counting; a page past the end of it shows the first.
    for (per_page, page, q, expected) in [
        (30, 1, "", (30, 1, 1, 30)),
        (40, 1, "", (30, 1, 1, 30)),
        (10, 1, "konto 1", (10, 1, 1, 10)),
        (10, 2, "konto 1", (10, 1, 1, 10)),
        (10, 0, "konto 2", (10, 1, 1, 10)),
        (9, 2, "konto 2", (10, 2, 2, 1)),
        (100, 1, "nirgends", (0, 1, 1, 0)),
    ] {
        let query = ListQuery { per_page, ..list("", false, page, q) };
        let got = f.app.records(&owner, &org, Kind::Password, query).await.expect("one page").page;
        assert_eq!(
            (got.total, got.pages, got.page, got.records.len()),
            expected,
            "{per_page} a page, page {page}, {q:?}"
        );
    }
    // A customer counts and pages only what they may see.
    let customer = f.person("kunde@listen.ch", Role::Customer, Some("Listen AG")).await;
    let seen = f.app.records(&customer, &org, Kind::Password, list("", false, 3, "")).await.expect("customer").page;
    assert_eq!((seen.total, seen.pages), (20, 3));
    assert_eq!(names(&seen), ["Konto 22", "Konto 23", "Konto 25", "Konto 26", "Konto 28", "Konto 29"]);
}

async fn asset_type_changes_reach_every_node_with_their_commit(f: Fixture) {
    use cairn_assets::asset_types::TEMPLATES;
    let owner = f.person("chef@plusundplus.ch", Role::Owner, None).await;
    let org = f.organization(&owner, "Muster AG").await;
    let other = f.second_node();
    // The sections' names in each node's sidebar, each node keeping its own copy.
    let sidebars = || async {
        let mut seen = Vec::new();
        for app in [&f.app, &other] {
            let view = app.organization_overview(&owner, &org).await.expect("overview").org;
            seen.push(view.asset_sections.into_iter().map(|(s, _)| s.name).collect::<Vec<_>>());
        }
        seen
    };
    let before = sidebars().await;
    assert_eq!(before[0], before[1]);
    // Each change made on the second node shows on the first at once,
    // although the first has the list from before it.
    let template = &TEMPLATES[0];
    let made = other.create_asset_type_from_template(&owner, template.key).await.expect("create");
    let after = sidebars().await;
    assert!(after[0].contains(&made.name), "a new type: {after:?}");
    assert_eq!(after[0], after[1]);
    let mut renamed = made.input();
    renamed.name = "Umbenannter Typ".into();
    other.update_asset_type(&owner, &made.id, renamed, false).await.expect("rename");
    let after = sidebars().await;
    assert!(after[0].contains(&"Umbenannter Typ".to_owned()) && !after[0].contains(&made.name), "{after:?}");
    other.set_asset_type_archived(&owner, &made.id, true).await.expect("archive");
    assert_eq!(sidebars().await, before, "an archived type leaves every sidebar");
    f.app.set_asset_type_archived(&owner, &made.id, false).await.expect("restore");
    let after = sidebars().await;
    assert!(after[1].contains(&"Umbenannter Typ".to_owned()), "restored on the other node: {after:?}");
    // A failed change raises nothing: the sidebar is as it was.
    let mut clash = made.input();
    clash.name = "Umbenannter Typ".into();
    clash.slug = "zweiter".into();
    assert!(other.create_asset_type(&owner, clash).await.is_err(), "a name is taken once");
    assert_eq!(sidebars().await, after);
}
