//! The store's guarantees on both backends.

use cairn_store::audit::{self, Actor, AuditAction, NewEvent};
use cairn_store::{DbConn, StoreError};
use cairn_tests::{Backend, TestApp, backend_tests};
use diesel::prelude::*;

backend_tests!(
    migrations_are_idempotent,
    audit_log_is_append_only,
    failed_transactions_leave_nothing_behind,
    tenant_transactions_bind_the_tenant,
    row_level_security_shows_only_the_bound_tenant,
);

async fn migrations_are_idempotent(app: TestApp) {
    let applied = app.db.migrate().await.expect("migrate again");
    assert!(applied.is_empty());
}

async fn audit_log_is_append_only(app: TestApp) {
    let tenant = app.with_tenant("acme").await;
    let id = tenant.id.clone();
    let result = app
        .db
        .tx(move |c| -> Result<(), StoreError> {
            audit::record(c, &id, &NewEvent::new(Actor::System, AuditAction::TenantCreated))?;
            Ok(())
        })
        .await;
    result.expect("append");
    for statement in ["UPDATE audit_events SET action = 'forged'", "DELETE FROM audit_events"] {
        let outcome = app.db.run(move |c| diesel::sql_query(statement).execute(c).map_err(StoreError::from)).await;
        let error = outcome.expect_err(statement).to_string();
        assert!(error.contains("append-only"), "{error}");
    }
    let id = tenant.id.clone();
    let events = app.db.run(move |c| audit::recent(c, &id, 10).map_err(StoreError::from)).await.expect("read");
    assert_eq!(events.len(), 2);
    assert!(events.iter().all(|e| e.action != "forged"));
}

async fn failed_transactions_leave_nothing_behind(app: TestApp) {
    let tenant = app.with_tenant("acme").await;
    let id = tenant.id.clone();
    let outcome = app
        .db
        .tenant_tx(&tenant.id, move |c| -> Result<(), StoreError> {
            audit::record(c, &id, &NewEvent::new(Actor::System, AuditAction::TenantCreated))?;
            Err(StoreError::Interact("simulated failure".into()))
        })
        .await;
    assert!(outcome.is_err());
    let id = tenant.id.clone();
    let events = app.db.run(move |c| audit::recent(c, &id, 10).map_err(StoreError::from)).await.expect("read");
    assert!(events.iter().all(|e| e.action != "half.written"));
}

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    value: Option<String>,
}

/// PostgreSQL: the tenant is bound to the transaction (for row-level security).
/// SQLite: the transaction holds the write lock from its first statement, so
/// another writer waits instead of failing later with SQLITE_BUSY.
async fn tenant_transactions_bind_the_tenant(app: TestApp) {
    let tenant = app.with_tenant("acme").await;
    let path = app.database_url.strip_prefix("sqlite://").map(str::to_owned);
    let seen = app
        .db
        .tenant_tx(&tenant.id, move |c| -> Result<Option<String>, StoreError> {
            match c {
                DbConn::Postgres(pg) => Ok(diesel::sql_query("SELECT current_setting('app.tenant_id', true) AS value")
                    .get_result::<Setting>(pg)?
                    .value),
                DbConn::Sqlite(_) => {
                    use diesel::connection::SimpleConnection;
                    let mut other = diesel::SqliteConnection::establish(&path.unwrap_or_default())
                        .map_err(|e| StoreError::Connect(e.to_string()))?;
                    // No statement has run in this transaction yet; still, a second writer is shut out.
                    let outcome = other.batch_execute("PRAGMA busy_timeout = 0; BEGIN IMMEDIATE; ROLLBACK;");
                    Ok(outcome.err().map(|e| e.to_string()))
                }
            }
        })
        .await
        .expect("tx");
    match app.backend {
        cairn_tests::Backend::Postgres => assert_eq!(seen.as_deref(), Some(tenant.id.as_str())),
        cairn_tests::Backend::Sqlite => {
            let error = seen.expect("a second writer is refused while the transaction is open");
            assert!(error.contains("locked") || error.contains("busy"), "{error}");
        }
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn count(c: &mut DbConn, sql: &'static str) -> Result<i64, StoreError> {
    Ok(diesel::sql_query(sql).get_result::<Count>(c)?.n)
}

/// PostgreSQL: the server's role sees, in a tenant transaction, only that
/// tenant's rows even when a query forgets the tenant filter, and outside any
/// transaction no tenant rows at all; every table with a tenant_id is covered.
async fn row_level_security_shows_only_the_bound_tenant(app: TestApp) {
    if app.backend == Backend::Sqlite {
        // A SQLite file has one user, the server; there is no role to bind.
        return;
    }
    let (a, b) = (app.with_tenant("acme").await, app.with_tenant("other").await);
    let server = app.another_node_db().await;
    assert!(!server.bypasses_row_security().await.expect("role"), "the server's role is bound by the policies");
    assert!(app.db.bypasses_row_security().await.expect("role"), "the tests' own pool is a superuser");
    let all = app.db.run(|c| count(c, "SELECT count(*) AS n FROM audit_events")).await.expect("count");
    let mut expected = Vec::new();
    for tenant in [&a, &b] {
        let id = tenant.id.clone();
        let own = app.db.run(move |c| Ok::<_, StoreError>(audit::recent(c, &id, 100)?.len() as i64)).await;
        expected.push((tenant, own.expect("count")));
    }
    assert!(expected.iter().all(|(_, n)| *n > 0), "both tenants have events");
    assert_eq!(all, expected.iter().map(|(_, n)| n).sum::<i64>());

    for (tenant, own) in expected {
        let id = tenant.id.clone();
        let (seen, tenants, keys) = server
            .tenant_read_tx(&tenant.id, move |c| -> Result<_, StoreError> {
                let seen = count(c, "SELECT count(*) AS n FROM audit_events")?;
                let tenants = count(c, "SELECT count(DISTINCT tenant_id) AS n FROM audit_events")?;
                let keys = count(c, "SELECT count(*) AS n FROM tenant_keys")?;
                assert_eq!(audit::recent(c, &id, 100)?.len() as i64, seen);
                Ok((seen, tenants, keys))
            })
            .await
            .expect("read");
        assert_eq!((seen, tenants, keys), (own, 1, 1), "{}: only its own rows", tenant.slug);
    }
    let outside = server
        .run(|c| {
            Ok::<_, StoreError>((
                count(c, "SELECT count(*) AS n FROM audit_events")?,
                count(c, "SELECT count(*) AS n FROM tenant_keys")?,
            ))
        })
        .await
        .expect("read");
    assert_eq!(outside, (0, 0), "no tenant bound: no tenant rows");
    let platform = server.tx(|c| count(c, "SELECT count(*) AS n FROM audit_events")).await.expect("read");
    assert_eq!(platform, all, "platform work sees every tenant");

    // Writing another tenant's row from inside a tenant transaction is refused.
    let other = b.id.clone();
    let forged = server
        .tenant_tx(&a.id, move |c| -> Result<(), StoreError> {
            audit::record(c, &other, &NewEvent::new(Actor::System, AuditAction::TenantCreated))?;
            Ok(())
        })
        .await
        .expect_err("a row of another tenant");
    assert!(forged.to_string().contains("row-level security"), "{forged}");

    // Every table with a tenant_id column is covered, now and when tables are added.
    #[derive(QueryableByName)]
    struct Table {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let uncovered = app
        .db
        .run(|c| {
            diesel::sql_query(
                "SELECT c.relname::text AS name FROM pg_class c
                   JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
                   JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'
                  WHERE c.relkind = 'r' AND NOT (c.relrowsecurity AND c.relforcerowsecurity)",
            )
            .load::<Table>(c)
            .map_err(StoreError::from)
        })
        .await
        .expect("catalog");
    let uncovered: Vec<String> = uncovered.into_iter().map(|t| t.name).collect();
    assert!(uncovered.is_empty(), "tables without row-level security: {uncovered:?}");
}
