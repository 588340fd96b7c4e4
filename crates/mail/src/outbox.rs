//! The `mail_outbox` table: enqueue, claim, settle, report.

use std::time::Duration;

use cairn_store::schema::mail_outbox;
use cairn_store::{DbConn, new_id};
use cairn_tenancy::{Locale, Tenant};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use crate::{MailContent, MailError};

/// Who a mail goes to.
#[derive(Clone, Copy, Debug)]
pub struct Recipient<'a> {
    /// The address; validated at enqueue.
    pub address: &'a str,
    /// The display name, if known.
    pub name: Option<&'a str>,
    /// The language to write in.
    pub locale: Locale,
}

/// Whether text would break a header line. lettre even panics on such
/// display names, so both enqueue and the worker refuse them.
pub(crate) fn has_control(text: &str) -> bool {
    text.chars().any(char::is_control)
}

/// Whether `address` is an e-mail address mail can be sent to.
pub fn is_valid_address(address: &str) -> bool {
    !has_control(address) && address.parse::<lettre::Address>().is_ok()
}

/// Queues a mail for `tenant`. Call it inside the transaction of the change
/// that causes the mail, so both happen or neither. Returns the mail's id.
pub fn enqueue(
    conn: &mut DbConn,
    tenant: &Tenant,
    to: Recipient<'_>,
    content: &MailContent,
) -> Result<String, MailError> {
    let address = to.address.trim();
    if !is_valid_address(address) {
        return Err(MailError::InvalidAddress(to.address.to_owned()));
    }
    if to.name.is_some_and(has_control) {
        return Err(MailError::InvalidHeader("the recipient's name"));
    }
    if has_control(tenant.sender()) {
        return Err(MailError::InvalidHeader("the tenant's name"));
    }
    let rendered = content.render(tenant, to.locale)?;
    if has_control(&rendered.subject) {
        return Err(MailError::InvalidHeader("the subject"));
    }
    let reply_to = content.reply_to().or(Some(tenant.support_email.as_str())).filter(|a| is_valid_address(a));
    let id = new_id();
    let now = cairn_store::now();
    diesel::insert_into(mail_outbox::table)
        .values((
            mail_outbox::tenant_id.eq(tenant.id.as_str()),
            mail_outbox::id.eq(&id),
            mail_outbox::kind.eq(content.kind()),
            mail_outbox::recipient.eq(address),
            mail_outbox::recipient_name.eq(to.name),
            mail_outbox::from_name.eq(tenant.sender()),
            mail_outbox::reply_to.eq(reply_to),
            mail_outbox::locale.eq(to.locale.as_str()),
            mail_outbox::subject.eq(&rendered.subject),
            mail_outbox::body_text.eq(&rendered.text),
            mail_outbox::body_html.eq(&rendered.html),
            mail_outbox::status.eq("queued"),
            mail_outbox::attempts.eq(0),
            mail_outbox::next_attempt_at.eq(now),
            mail_outbox::created_at.eq(now),
            mail_outbox::links_expire_at.eq(content.links_expire_at()),
        ))
        .execute(conn)?;
    Ok(id)
}

/// A mail a worker has claimed and must now send.
#[derive(Clone, Debug, QueryableByName)]
#[diesel(table_name = mail_outbox)]
pub struct Claimed {
    /// The tenant it belongs to.
    pub tenant_id: String,
    /// Its id.
    pub id: String,
    /// The recipient's address.
    pub recipient: String,
    /// The recipient's name.
    pub recipient_name: Option<String>,
    /// The sender's display name (the tenant's name).
    pub from_name: String,
    /// The tenant's support address.
    pub reply_to: Option<String>,
    /// The subject.
    pub subject: String,
    /// The text part.
    pub body_text: String,
    /// The HTML part.
    pub body_html: String,
    /// Attempts so far, this one included.
    pub attempts: i32,
}

const CLAIM_POSTGRES: &str =
    "UPDATE mail_outbox SET status = 'sending', locked_by = $1, locked_until = $2, attempts = attempts + 1
WHERE (tenant_id, id) IN (
    SELECT tenant_id, id FROM mail_outbox
    WHERE (status = 'queued' AND next_attempt_at <= $3) OR (status = 'sending' AND locked_until < $3)
    ORDER BY next_attempt_at
    LIMIT $4
    FOR UPDATE SKIP LOCKED)
RETURNING tenant_id, id, recipient, recipient_name, from_name, reply_to, subject, body_text, body_html, attempts";

// SQLite has one writer at a time, so the UPDATE alone is the claim.
const CLAIM_SQLITE: &str =
    "UPDATE mail_outbox SET status = 'sending', locked_by = ?, locked_until = ?, attempts = attempts + 1
WHERE (tenant_id, id) IN (
    SELECT tenant_id, id FROM mail_outbox
    WHERE (status = 'queued' AND next_attempt_at <= ?) OR (status = 'sending' AND locked_until < ?)
    ORDER BY next_attempt_at
    LIMIT ?)
RETURNING tenant_id, id, recipient, recipient_name, from_name, reply_to, subject, body_text, body_html, attempts";

/// Claims up to `limit` due mails for `worker` for the length of `lease`.
/// Mails whose previous worker's lease ran out are due again.
pub fn claim(conn: &mut DbConn, worker: &str, lease: Duration, limit: i64) -> QueryResult<Vec<Claimed>> {
    let now = cairn_store::now();
    let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(60));
    match conn {
        DbConn::Postgres(pg) => diesel::sql_query(CLAIM_POSTGRES)
            .bind::<Text, _>(worker)
            .bind::<Timestamp, _>(until)
            .bind::<Timestamp, _>(now)
            .bind::<BigInt, _>(limit)
            .load(pg),
        DbConn::Sqlite(lite) => diesel::sql_query(CLAIM_SQLITE)
            .bind::<Text, _>(worker)
            .bind::<Timestamp, _>(until)
            .bind::<Timestamp, _>(now)
            .bind::<Timestamp, _>(now)
            .bind::<BigInt, _>(limit)
            .load(lite),
    }
}

/// Marks a claimed mail sent and erases its bodies (they may hold sign-in links).
pub fn mark_sent(conn: &mut DbConn, mail: &Claimed, worker: &str) -> QueryResult<()> {
    diesel::update(
        mail_outbox::table.find((mail.tenant_id.as_str(), mail.id.as_str())).filter(mail_outbox::locked_by.eq(worker)),
    )
    .set((
        mail_outbox::status.eq("sent"),
        mail_outbox::sent_at.eq(cairn_store::now()),
        mail_outbox::locked_by.eq(None::<String>),
        mail_outbox::locked_until.eq(None::<NaiveDateTime>),
        mail_outbox::last_error.eq(None::<String>),
        mail_outbox::body_text.eq(""),
        mail_outbox::body_html.eq(""),
    ))
    .execute(conn)?;
    Ok(())
}

/// How failures are retried.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Attempts before giving up.
    pub max_attempts: i32,
    /// First delay; doubled per failure.
    pub base: Duration,
    /// The longest delay.
    pub max: Duration,
}

impl RetryPolicy {
    /// The delay after the `attempts`-th failed attempt.
    pub fn delay(&self, attempts: i32) -> Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1)).unwrap_or(0).min(30);
        self.base.saturating_mul(2u32.saturating_pow(doublings)).min(self.max)
    }
}

/// Records a failed attempt: queued again after a backoff, or `failed` when
/// the attempts are used up. Returns whether it was given up.
pub fn mark_attempt_failed(
    conn: &mut DbConn,
    mail: &Claimed,
    worker: &str,
    error: &str,
    policy: &RetryPolicy,
) -> QueryResult<bool> {
    let give_up = mail.attempts >= policy.max_attempts;
    let next = cairn_store::now()
        + chrono::Duration::from_std(policy.delay(mail.attempts)).unwrap_or(chrono::Duration::hours(1));
    // Keep the error short; transports' messages never contain the body.
    let error: String = error.chars().take(1000).collect();
    diesel::update(
        mail_outbox::table.find((mail.tenant_id.as_str(), mail.id.as_str())).filter(mail_outbox::locked_by.eq(worker)),
    )
    .set((
        mail_outbox::status.eq(if give_up { "failed" } else { "queued" }),
        mail_outbox::next_attempt_at.eq(next),
        mail_outbox::locked_by.eq(None::<String>),
        mail_outbox::locked_until.eq(None::<NaiveDateTime>),
        mail_outbox::last_error.eq(error),
    ))
    .execute(conn)?;
    Ok(give_up)
}

/// Counts per status and the latest errors, for `cairn mail status`.
#[derive(Clone, Debug, Default)]
pub struct StatusReport {
    /// Waiting to be sent (including retries).
    pub queued: i64,
    /// Claimed by a worker right now.
    pub sending: i64,
    /// Delivered to the transport.
    pub sent: i64,
    /// Given up after all attempts.
    pub failed: i64,
    /// The newest unsent mails with an error: (id, recipient, attempts, error).
    pub latest_errors: Vec<(String, String, i32, String)>,
    /// When the oldest mail still waiting was queued.
    pub oldest_queued_at: Option<NaiveDateTime>,
}

/// Reads the outbox's state.
pub fn status(conn: &mut DbConn) -> QueryResult<StatusReport> {
    let counts: Vec<(String, i64)> = mail_outbox::table
        .group_by(mail_outbox::status)
        .select((mail_outbox::status, diesel::dsl::count_star()))
        .load(conn)?;
    let mut report = StatusReport::default();
    for (status, count) in counts {
        match status.as_str() {
            "queued" => report.queued = count,
            "sending" => report.sending = count,
            "sent" => report.sent = count,
            _ => report.failed += count,
        }
    }
    report.latest_errors = mail_outbox::table
        .filter(mail_outbox::last_error.is_not_null())
        .filter(mail_outbox::status.ne("sent"))
        .order(mail_outbox::next_attempt_at.desc())
        .limit(10)
        .select((
            mail_outbox::id,
            mail_outbox::recipient,
            mail_outbox::attempts,
            mail_outbox::last_error.assume_not_null(),
        ))
        .load(conn)?;
    report.oldest_queued_at = mail_outbox::table
        .filter(mail_outbox::status.eq_any(["queued", "sending"]))
        .select(diesel::dsl::min(mail_outbox::created_at))
        .first::<Option<NaiveDateTime>>(conn)?;
    Ok(report)
}

/// Where one mail stands: its status, attempts so far and last error.
pub fn outcome(conn: &mut DbConn, id: &str) -> QueryResult<(String, i32, Option<String>)> {
    mail_outbox::table
        .filter(mail_outbox::id.eq(id))
        .select((mail_outbox::status, mail_outbox::attempts, mail_outbox::last_error))
        .first(conn)
}

/// Gives up mails whose link expired before they could be sent, and erases
/// their bodies: the outbox never keeps a live link of a mail that failed.
/// Returns how many.
pub fn expire_links(conn: &mut DbConn) -> QueryResult<usize> {
    let now = cairn_store::now();
    diesel::update(
        mail_outbox::table
            .filter(mail_outbox::links_expire_at.le(now))
            .filter(mail_outbox::status.eq_any(["queued", "failed"])),
    )
    .set((
        mail_outbox::status.eq("failed"),
        mail_outbox::last_error.eq("the link in the mail expired before the mail could be sent"),
        mail_outbox::body_text.eq(""),
        mail_outbox::body_html.eq(""),
        mail_outbox::links_expire_at.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)
}

/// Queues every failed mail again with fresh attempts (not those given up
/// with an expired link); returns how many.
pub fn retry_failed(conn: &mut DbConn) -> QueryResult<usize> {
    diesel::update(mail_outbox::table.filter(mail_outbox::status.eq("failed")).filter(mail_outbox::body_text.ne("")))
        .set((
            mail_outbox::status.eq("queued"),
            mail_outbox::attempts.eq(0),
            mail_outbox::next_attempt_at.eq(cairn_store::now()),
        ))
        .execute(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy { max_attempts: 8, base: Duration::from_secs(30), max: Duration::from_secs(3600) };
        assert_eq!(policy.delay(1), Duration::from_secs(30));
        assert_eq!(policy.delay(2), Duration::from_secs(60));
        assert_eq!(policy.delay(4), Duration::from_secs(240));
        assert_eq!(policy.delay(20), Duration::from_secs(3600));
        assert_eq!(policy.delay(i32::MAX), Duration::from_secs(3600));
    }
}
