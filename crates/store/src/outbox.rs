//! The e-mail outbox: every message partnerhub sends is written here first, in the transaction
//! of the change that caused it. Without SMTP configured it stays here for staff to read.

use crate::time::{from_db, opt_from_db, to_db};
use crate::{Conn, Result, valid};
use chrono::{DateTime, Utc};
use domain::ids::EmailId;
use sqlx::Row;

#[derive(Clone, Debug)]
pub struct OutboxEmail {
    pub id: EmailId,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

pub async fn insert(conn: &mut Conn, email: &OutboxEmail) -> Result<()> {
    sqlx::query("INSERT INTO outbox_emails (id, to_address, subject, body, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(email.id.as_str())
        .bind(&email.to_address)
        .bind(&email.subject)
        .bind(&email.body)
        .bind(to_db(email.created_at))
        .execute(conn)
        .await?;
    Ok(())
}

/// The newest messages first.
pub async fn list(conn: &mut Conn, limit: i64) -> Result<Vec<OutboxEmail>> {
    let rows = sqlx::query(
        "SELECT id, to_address, subject, body, created_at, sent_at FROM outbox_emails ORDER BY created_at DESC, id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(OutboxEmail {
                id: valid(EmailId::parse(&row.try_get::<String, _>("id")?))?,
                to_address: row.try_get("to_address")?,
                subject: row.try_get("subject")?,
                body: row.try_get("body")?,
                created_at: from_db(row.try_get("created_at")?)?,
                sent_at: opt_from_db(row.try_get("sent_at")?)?,
            })
        })
        .collect()
}
