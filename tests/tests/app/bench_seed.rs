//! `cairn bench-seed`: the benchmark's dataset is made as real data is
//! (secrets sealed and revealed alike, grants that hold), its sessions work,
//! and it never lands in a database that has tenants; on PostgreSQL the
//! planner has statistics of the new rows before the benchmark starts.

use cairn_store::StoreError;
use cairn_tests::{Backend, Browser, TestApp, backend_tests};
use diesel::prelude::*;

backend_tests!(the_benchmark_dataset_is_real_data);

async fn the_benchmark_dataset_is_real_data(app: TestApp) {
    let out = app.dir().join("seed.json");
    let path = out.to_str().expect("path");
    let args = ["bench-seed", "--tenants", "2", "--organizations", "2", "--records", "3", "--out", path];
    let printed = app.cli(&args).await.expect("seeded");
    assert!(printed.contains("2 tenant(s)"), "{printed}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&out).expect("file").permissions().mode() & 0o777, 0o600, "it holds sessions");
    let seed: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).expect("read")).expect("json");
    let tenants = seed["tenants"].as_array().expect("tenants");
    assert_eq!(tenants.len(), 2);

    let tenant = &tenants[0];
    let slug = tenant["slug"].as_str().expect("slug");
    let orgs: Vec<&str> = tenant["organizations"].as_array().expect("orgs").iter().filter_map(|o| o.as_str()).collect();
    assert_eq!(orgs.len(), 2);
    let browser = |who: &str| {
        let mut browser = Browser::new(&app.address, &app.tenant_host(slug));
        browser.cookies.insert("cairn_session".into(), tenant[who]["session"].as_str().expect("session").to_owned());
        browser
    };
    let mut customer = browser("customer");
    let list = customer.get(&format!("/organizations/{}/passwords", orgs[0])).await;
    assert_eq!(list.status, 200, "the customer's session works");
    assert_eq!(list.body.matches("Password 000").count(), 3, "three records listed");
    assert_eq!(
        customer.get(&format!("/organizations/{}/passwords", orgs[1])).await.status,
        404,
        "only their organization"
    );

    let mut owner = browser("owner");
    let record = tenant["record"].as_str().expect("record");
    let page = owner.get(&format!("/organizations/{}/passwords/{record}", orgs[0])).await;
    assert_eq!(page.status, 200);
    let revealed = owner
        .post_json_accepting(
            &format!("/organizations/{}/passwords/{record}/reveal", orgs[0]),
            &[("csrf_token", &page.csrf())],
        )
        .await;
    assert_eq!(revealed.status, 200, "{}", revealed.body);
    assert!(revealed.body.contains("Sommer-Zitrone-0-0"), "the sealed secret opens: {}", revealed.body);

    if app.backend == Backend::Postgres {
        // Seeded as the server's own role, which does not own the tables.
        #[derive(QueryableByName)]
        struct Analyzed {
            #[diesel(sql_type = diesel::sql_types::Text)]
            relname: String,
        }
        let analyzed: Vec<String> = app
            .db
            .run(|conn| -> Result<Vec<String>, StoreError> {
                let rows: Vec<Analyzed> = diesel::sql_query(
                    "SELECT relname::text AS relname FROM pg_stat_user_tables \
                     WHERE last_analyze IS NOT NULL ORDER BY relname",
                )
                .load(conn)?;
                Ok(rows.into_iter().map(|r| r.relname).collect())
            })
            .await
            .expect("statistics");
        for table in ["organizations", "records", "sessions", "users"] {
            assert!(analyzed.iter().any(|t| t == table), "{table} has no statistics: {analyzed:?}");
        }
    }

    let again = app.cli(&args).await.expect_err("a database with tenants is refused");
    assert!(format!("{again:#}").contains("empty database"), "{again:#}");
}
