//! The owner's audit log: sign-ins, failures, reveals, changes; filters and CSV.

use askama::Template;
use cairn_app::{AuditEvent as Event, AuditFilter as Filter};
use poem::http::{StatusCode, header};
use poem::web::Query;
use poem::{Request, Response, handler};
use serde::Deserialize;

use crate::error::WebResult;
use crate::extract::{AppData, Signed};
use crate::page::{Frame, render};

/// An event row.
struct EventRow {
    when: String,
    actor: String,
    action: String,
    what: String,
    ip: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    frame: Frame,
    events: Vec<EventRow>,
    users: Vec<(String, String)>,
    organizations: Vec<(String, String)>,
    filter_user: String,
    filter_org: String,
    filter_action: String,
}

/// The filters.
#[derive(Deserialize, Default, Clone)]
pub struct AuditQuery {
    #[serde(default)]
    user: String,
    #[serde(default)]
    organization: String,
    #[serde(default)]
    action: String,
}

impl AuditQuery {
    fn filter(&self) -> Filter {
        let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        Filter {
            user_id: some(&self.user),
            organization_id: some(&self.organization),
            action_prefix: some(&self.action),
            ..Default::default()
        }
    }
}

fn what(event: &Event) -> String {
    let details: serde_json::Value = serde_json::from_str(&event.details).unwrap_or_default();
    let name = details
        .get("name")
        .or(details.get("title"))
        .or(details.get("email"))
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    let field = details.get("field").and_then(|v| v.as_str()).map(|f| format!(" ({f})")).unwrap_or_default();
    match (&event.target_type, name.is_empty()) {
        (Some(kind), false) => format!("{kind}: {name}{field}"),
        (Some(kind), true) => kind.clone(),
        (None, false) => name.to_owned(),
        (None, true) => String::new(),
    }
}

/// `GET /audit`.
#[handler]
pub async fn audit_page(
    req: &Request,
    app: AppData<'_>,
    signed: Signed,
    Query(query): Query<AuditQuery>,
) -> WebResult<Response> {
    let log = app.audit_log(&signed.caller, query.filter()).await?;
    let (events, people, orgs) = (log.events, log.users, log.organizations);
    let frame = Frame::for_request(req);
    let rows = events
        .iter()
        .map(|e| EventRow {
            when: frame.time(&e.occurred_at),
            actor: e.actor.clone(),
            action: e.action.clone(),
            what: what(e),
            ip: e.ip.clone().unwrap_or_default(),
        })
        .collect();
    let page = AuditPage {
        frame,
        events: rows,
        users: people,
        organizations: orgs,
        filter_user: query.user,
        filter_org: query.organization,
        filter_action: query.action,
    };
    Ok(render(StatusCode::OK, &page))
}

/// One CSV cell: quoted, quotes doubled, and formula-looking text defused
/// so a spreadsheet does not execute it.
fn cell(value: &str) -> String {
    let defused =
        if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_owned() };
    format!("\"{}\"", defused.replace('"', "\"\""))
}

/// `GET /audit.csv`: the filtered log as CSV.
#[handler]
pub async fn audit_csv(app: AppData<'_>, signed: Signed, Query(query): Query<AuditQuery>) -> WebResult<Response> {
    let events = app.audit_export(&signed.caller, query.filter()).await?;
    let mut out = String::from("occurred_at_utc,actor,action,target_type,target_id,organization_id,ip,details\r\n");
    for e in &events {
        let row = [
            e.occurred_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            e.actor.clone(),
            e.action.clone(),
            e.target_type.clone().unwrap_or_default(),
            e.target_id.clone().unwrap_or_default(),
            e.organization_id.clone().unwrap_or_default(),
            e.ip.clone().unwrap_or_default(),
            e.details.clone(),
        ];
        out.push_str(&row.iter().map(|v| cell(v)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    Ok(Response::builder()
        .content_type("text/csv; charset=utf-8")
        .header(header::CONTENT_DISPOSITION, "attachment; filename=\"audit-log.csv\"")
        .header(header::CACHE_CONTROL, "no-store")
        .body(out))
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn csv_cells_are_quoted_and_defused() {
        assert_eq!(cell("plain"), "\"plain\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("-1"), "\"'-1\"");
    }
}
