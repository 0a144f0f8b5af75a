//! Notifications in the portal: reminders and notices about subscriptions. Each has a key
//! naming it within its subscription and term, so that it is sent exactly once.

use crate::time::{from_db, to_db};
use crate::{Conn, Result, valid};
use chrono::{DateTime, Utc};
use domain::ids::{NotificationId, OrgId, SubscriptionId};

#[derive(Clone, Debug)]
pub struct Notification {
    pub id: NotificationId,
    pub org_id: OrgId,
    pub subscription_id: Option<SubscriptionId>,
    pub dedupe_key: String,
    /// The title and body in the program's default language, as they were when written.
    pub title: String,
    pub body: String,
    /// The title and body as message keys and values, kept by the app to write them in each
    /// reader's language; `None` on notifications from before.
    pub message: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Inserts the notification unless one with its key exists; `true` if this call inserted it
/// (and so its e-mail should go out).
pub async fn insert_once(conn: &mut Conn, n: &Notification) -> Result<bool> {
    let done = crate::sql::query(
        "INSERT INTO notifications (id, org_id, subscription_id, dedupe_key, title, body, message, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(n.id.as_str())
    .bind(n.org_id.as_str())
    .bind(n.subscription_id.as_ref())
    .bind(&n.dedupe_key)
    .bind(&n.title)
    .bind(&n.body)
    .bind(n.message.as_deref())
    .bind(to_db(n.created_at))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The org's notifications, newest first.
pub async fn list_in_org(conn: &mut Conn, org: &OrgId, limit: i64) -> Result<Vec<Notification>> {
    let rows = crate::sql::query(
        "SELECT id, org_id, subscription_id, dedupe_key, title, body, message, created_at FROM notifications \
         WHERE org_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
    )
    .bind(org.as_str())
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Notification {
                id: valid(NotificationId::parse(&r.try_get::<String, _>("id")?))?,
                org_id: valid(OrgId::parse(&r.try_get::<String, _>("org_id")?))?,
                subscription_id: r.parse_opt("subscription_id")?,
                dedupe_key: r.try_get("dedupe_key")?,
                title: r.try_get("title")?,
                body: r.try_get("body")?,
                message: r.try_get("message")?,
                created_at: from_db(r.try_get("created_at")?)?,
            })
        })
        .collect()
}
