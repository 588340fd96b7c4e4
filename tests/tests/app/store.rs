//! The store's guarantees on both backends.

use cairn_store::audit::{self, Actor, AuditAction, NewEvent};
use cairn_store::{DbConn, StoreError};
use cairn_tests::{TestApp, backend_tests};
use diesel::prelude::*;

backend_tests!(
    migrations_are_idempotent,
    audit_log_is_append_only,
    failed_transactions_leave_nothing_behind,
    tenant_transactions_bind_the_tenant,
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
