//! The e-mail outbox: every message partnerhub sends is written here first, in the transaction
//! of the change that caused it. Without SMTP configured it stays here for staff to read.

use crate::time::{from_db, opt_from_db, to_db};
use crate::{Conn, Result, valid};
use chrono::{DateTime, Utc};
use domain::ids::EmailId;

#[derive(Clone, Debug)]
pub struct OutboxEmail {
    pub id: EmailId,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

fn from_row(row: &crate::sql::Row) -> Result<OutboxEmail> {
    Ok(OutboxEmail {
        id: valid(EmailId::parse(&row.try_get::<String, _>("id")?))?,
        to_address: row.try_get("to_address")?,
        subject: row.try_get("subject")?,
        body: row.try_get("body")?,
        created_at: from_db(row.try_get("created_at")?)?,
        sent_at: opt_from_db(row.try_get("sent_at")?)?,
    })
}

impl crate::bulk::Rows for OutboxEmail {
    const INTO: &'static str = "outbox_emails (id, to_address, subject, body, created_at)";
    const WIDTH: usize = 5;
    fn values(&self, out: &mut Vec<crate::bulk::Value>) {
        out.extend([
            self.id.as_str().into(),
            (&self.to_address).into(),
            (&self.subject).into(),
            (&self.body).into(),
            to_db(self.created_at).into(),
        ]);
    }
}

pub async fn insert(conn: &mut Conn, email: &OutboxEmail) -> Result<()> {
    insert_many(conn, std::slice::from_ref(email)).await
}

pub async fn insert_many(conn: &mut Conn, emails: &[OutboxEmail]) -> Result<()> {
    crate::bulk::insert(conn, emails, "").await?;
    Ok(())
}

/// The newest messages first.
pub async fn list(conn: &mut Conn, limit: i64) -> Result<Vec<OutboxEmail>> {
    list_after(conn, None, limit).await
}

/// Whether a message with this id is in the outbox (a page's cursor must name one).
pub async fn exists(conn: &mut Conn, id: &str) -> Result<bool> {
    let n: i64 =
        crate::sql::query_scalar("SELECT COUNT(*) FROM outbox_emails WHERE id = $1").bind(id).fetch_one(conn).await?;
    Ok(n > 0)
}

/// Newest first, from just after the message `after` (a keyset page: the outbox grows without
/// bound when no SMTP server is configured).
pub async fn list_after(conn: &mut Conn, after: Option<&str>, limit: i64) -> Result<Vec<OutboxEmail>> {
    let rows = match after {
        None => {
            crate::sql::query(
                "SELECT id, to_address, subject, body, created_at, sent_at FROM outbox_emails \
                 ORDER BY created_at DESC, id DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(conn)
            .await?
        }
        Some(after) => {
            crate::sql::query(
                "SELECT id, to_address, subject, body, created_at, sent_at FROM outbox_emails \
                 WHERE (created_at, id) < (SELECT created_at, id FROM outbox_emails WHERE id = $1) \
                 ORDER BY created_at DESC, id DESC LIMIT $2",
            )
            .bind(after)
            .bind(limit)
            .fetch_all(conn)
            .await?
        }
    };
    rows.iter().map(from_row).collect()
}

/// Claims up to `limit` unsent messages whose next attempt is due and that no live lease
/// holds, leasing them until `lease_until`.
pub async fn claim_unsent(
    conn: &mut Conn,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<OutboxEmail>> {
    // As for subscriptions: PostgreSQL skips rows another worker is claiming; SQLite's writers
    // take turns and need no row locks.
    let pick = "SELECT id FROM outbox_emails WHERE sent_at IS NULL AND next_attempt_at <= $1 \
                AND (lease_until IS NULL OR lease_until < $1) ORDER BY created_at, id LIMIT $2";
    let returning = "RETURNING id, to_address, subject, body, created_at, sent_at";
    let sql = match conn.backend() {
        crate::Backend::Postgres => {
            format!("UPDATE outbox_emails SET lease_until = $3 WHERE id IN ({pick} FOR UPDATE SKIP LOCKED) {returning}")
        }
        crate::Backend::Sqlite => format!("UPDATE outbox_emails SET lease_until = $3 WHERE id IN ({pick}) {returning}"),
    };
    let rows = crate::sql::query(crate::sql::AssertSqlSafe(sql))
        .bind(to_db(now))
        .bind(limit)
        .bind(to_db(lease_until))
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn mark_sent(conn: &mut Conn, id: &EmailId, at: DateTime<Utc>) -> Result<()> {
    crate::sql::query("UPDATE outbox_emails SET sent_at = $1, lease_until = NULL, last_error = NULL WHERE id = $2")
        .bind(to_db(at))
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// Records a failed attempt; the message is tried again at `next_attempt_at`.
pub async fn mark_failed(conn: &mut Conn, id: &EmailId, next_attempt_at: DateTime<Utc>, error: &str) -> Result<i64> {
    crate::sql::query_scalar(
        "UPDATE outbox_emails SET attempts = attempts + 1, next_attempt_at = $1, lease_until = NULL, last_error = $2 \
         WHERE id = $3 RETURNING attempts",
    )
    .bind(to_db(next_attempt_at))
    .bind(error)
    .bind(id.as_str())
    .fetch_one(conn)
    .await
}

/// How many attempts a message has had and its last error (for staff and tests).
pub async fn delivery_state(conn: &mut Conn, id: &EmailId) -> Result<(i64, Option<String>)> {
    let row = crate::sql::query("SELECT attempts, last_error FROM outbox_emails WHERE id = $1")
        .bind(id.as_str())
        .fetch_one(conn)
        .await?;
    Ok((row.try_get("attempts")?, row.try_get("last_error")?))
}

/// Keeps the sealed secret of message `email` (see `outbox_secrets` in the migrations): what
/// it opens (`used_for`), until when it is any use, and whether program admins reading the
/// outbox may see it.
pub async fn insert_secret(
    conn: &mut Conn,
    email: &EmailId,
    used_for: &str,
    sealed: &str,
    expires_at: DateTime<Utc>,
    shown_to_staff: bool,
) -> Result<()> {
    crate::sql::query(
        "INSERT INTO outbox_secrets (email_id, used_for, sealed, expires_at, shown_to_staff) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(email.as_str())
    .bind(used_for)
    .bind(sealed)
    .bind(to_db(expires_at))
    .bind(i64::from(shown_to_staff))
    .execute(conn)
    .await?;
    Ok(())
}

/// The sealed secret of message `email`, while it is kept and not expired.
pub async fn secret(conn: &mut Conn, email: &EmailId, now: DateTime<Utc>) -> Result<Option<String>> {
    crate::sql::query_scalar("SELECT sealed FROM outbox_secrets WHERE email_id = $1 AND expires_at > $2")
        .bind(email.as_str())
        .bind(to_db(now))
        .fetch_optional(conn)
        .await
}

/// [`secret`], if it is one that program admins may see.
pub async fn secret_for_staff(conn: &mut Conn, email: &EmailId, now: DateTime<Utc>) -> Result<Option<String>> {
    crate::sql::query_scalar(
        "SELECT sealed FROM outbox_secrets WHERE email_id = $1 AND expires_at > $2 AND shown_to_staff = 1",
    )
    .bind(email.as_str())
    .bind(to_db(now))
    .fetch_optional(conn)
    .await
}

/// Forgets the secret of a message (it has been sent).
pub async fn erase_secret(conn: &mut Conn, email: &EmailId) -> Result<()> {
    crate::sql::query("DELETE FROM outbox_secrets WHERE email_id = $1").bind(email.as_str()).execute(conn).await?;
    Ok(())
}

/// Forgets the secrets that open `used_for` (the invitation was accepted or cancelled).
pub async fn erase_secrets_of(conn: &mut Conn, used_for: &str) -> Result<()> {
    crate::sql::query("DELETE FROM outbox_secrets WHERE used_for = $1").bind(used_for).execute(conn).await?;
    Ok(())
}

/// Forgets the secrets that expired by `now`; returns how many.
pub async fn erase_expired_secrets(conn: &mut Conn, now: DateTime<Utc>) -> Result<u64> {
    let done =
        crate::sql::query("DELETE FROM outbox_secrets WHERE expires_at <= $1").bind(to_db(now)).execute(conn).await?;
    Ok(done.rows_affected())
}
