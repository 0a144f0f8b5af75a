//! The users of partner orgs. Every query that a partner can reach is scoped by org id.

use crate::sql::Row;
use crate::time::{from_db, opt_from_db, to_db};
use crate::{Conn, Result, conflict_as, valid};
use chrono::{DateTime, Utc};
use domain::account::{EmailAddress, PersonName};
use domain::ids::{OrgId, UserId};
use domain::roles::PartnerRole;

#[derive(Clone, Debug)]
pub struct UserRecord {
    pub id: UserId,
    pub org_id: OrgId,
    pub email: EmailAddress,
    pub name: PersonName,
    pub role: PartnerRole,
    /// The argon2id PHC string; never the password.
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
    /// When the user proved they receive mail at `email`; until then they may look around but
    /// not buy, invite or make API tokens.
    pub email_verified_at: Option<DateTime<Utc>>,
    /// The language they chose to read partnerhub in (a shipped tag); `None`: their browser's.
    pub language: Option<String>,
    /// The time zone they chose to read times in; `None`: the program's.
    pub time_zone: Option<chrono_tz::Tz>,
}

/// The columns [`from_row`] reads.
const COLUMNS: &str =
    "id, org_id, email, name, role, password_hash, created_at, email_verified_at, language, time_zone";

fn from_row(row: &Row) -> Result<UserRecord> {
    Ok(UserRecord {
        id: valid(UserId::parse(&row.try_get::<String, _>("id")?))?,
        org_id: valid(OrgId::parse(&row.try_get::<String, _>("org_id")?))?,
        email: valid(EmailAddress::parse(&row.try_get::<String, _>("email")?))?,
        name: valid(PersonName::parse(&row.try_get::<String, _>("name")?))?,
        role: valid(row.try_get::<String, _>("role")?.parse::<PartnerRole>())?,
        password_hash: row.try_get("password_hash")?,
        created_at: from_db(row.try_get("created_at")?)?,
        email_verified_at: opt_from_db(row.try_get("email_verified_at")?)?,
        language: row.try_get("language")?,
        time_zone: crate::time::time_zone(row.try_get("time_zone")?)?,
    })
}

/// Inserts a user; an e-mail address already in use comes back as `Conflict("email")`.
pub async fn insert(conn: &mut Conn, user: &UserRecord) -> Result<()> {
    insert_many(conn, std::slice::from_ref(user)).await
}

impl crate::bulk::Rows for UserRecord {
    const INTO: &'static str =
        "users (id, org_id, email, name, role, password_hash, created_at, email_verified_at, language, time_zone)";
    const WIDTH: usize = 10;
    fn values(&self, out: &mut Vec<crate::bulk::Value>) {
        out.extend([
            self.id.as_str().into(),
            self.org_id.as_str().into(),
            self.email.as_str().into(),
            self.name.as_str().into(),
            self.role.as_str().into(),
            (&self.password_hash).into(),
            to_db(self.created_at).into(),
            self.email_verified_at.map(to_db).into(),
            self.language.as_deref().into(),
            self.time_zone.map(|tz| tz.name()).into(),
        ]);
    }
}

pub async fn insert_many(conn: &mut Conn, users: &[UserRecord]) -> Result<()> {
    crate::bulk::insert(conn, users, "").await.map_err(conflict_as("email"))?;
    Ok(())
}

pub async fn find_by_email(conn: &mut Conn, email: &EmailAddress) -> Result<Option<UserRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE email = $1");
    let row = crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(email.as_str()).fetch_optional(conn).await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn get(conn: &mut Conn, id: &UserId) -> Result<Option<UserRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    let row = crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(id.as_str()).fetch_optional(conn).await?;
    row.as_ref().map(from_row).transpose()
}

/// A user of `org`; a user of another org is `None`, exactly as if it did not exist.
pub async fn get_in_org(conn: &mut Conn, org: &OrgId, id: &UserId) -> Result<Option<UserRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE org_id = $1 AND id = $2");
    let row = crate::sql::query(crate::sql::AssertSqlSafe(sql))
        .bind(org.as_str())
        .bind(id.as_str())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn list_in_org(conn: &mut Conn, org: &OrgId) -> Result<Vec<UserRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE org_id = $1 ORDER BY created_at, id");
    let rows = crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(org.as_str()).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

/// The users of several orgs (a renewal batch's receipts), in each org by creation.
/// Who the receipt of a paid order goes to: one of the org's Billing admins or Global admins.
pub struct Recipient {
    pub org_id: OrgId,
    pub email: EmailAddress,
    pub name: PersonName,
    /// The language of their receipts: the org's billing language, else their own saved one.
    pub language: Option<String>,
}

/// The receipt recipients of these orgs, oldest user first within each org. Reads only what a
/// receipt needs (a renewal batch asks for a thousand orgs' at once).
pub async fn receipt_recipients(conn: &mut Conn, orgs: &[&OrgId]) -> Result<Vec<Recipient>> {
    let ids = orgs.iter().map(|o| crate::bulk::Value::from(o.as_str())).collect();
    let rows = crate::bulk::with_values(
        conn,
        "SELECT u.org_id, u.email, u.name, COALESCE(o.billing_language, u.language) AS language \
         FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.org_id IN ({values}) \
         AND u.role IN ('billing_admin', 'global_admin') ORDER BY u.created_at, u.id",
        1,
        ids,
    )
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Recipient {
                org_id: valid(OrgId::parse(&row.try_get::<String, _>("org_id")?))?,
                email: valid(EmailAddress::parse(&row.try_get::<String, _>("email")?))?,
                name: valid(PersonName::parse(&row.try_get::<String, _>("name")?))?,
                language: row.try_get("language")?,
            })
        })
        .collect()
}

pub async fn count_with_role(conn: &mut Conn, org: &OrgId, role: PartnerRole) -> Result<usize> {
    let n: i64 = crate::sql::query_scalar("SELECT COUNT(*) FROM users WHERE org_id = $1 AND role = $2")
        .bind(org.as_str())
        .bind(role.as_str())
        .fetch_one(conn)
        .await?;
    Ok(usize::try_from(n).unwrap_or(0))
}

pub async fn set_role(conn: &mut Conn, org: &OrgId, id: &UserId, role: PartnerRole) -> Result<bool> {
    let done = crate::sql::query("UPDATE users SET role = $1 WHERE org_id = $2 AND id = $3")
        .bind(role.as_str())
        .bind(org.as_str())
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_password_hash(conn: &mut Conn, id: &UserId, hash: &str) -> Result<()> {
    crate::sql::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete(conn: &mut Conn, org: &OrgId, id: &UserId) -> Result<bool> {
    let done = crate::sql::query("DELETE FROM users WHERE org_id = $1 AND id = $2")
        .bind(org.as_str())
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Saves the language the user reads partnerhub in; `None` follows their browser.
pub async fn set_language(conn: &mut Conn, id: &UserId, language: Option<&str>) -> Result<()> {
    crate::sql::query("UPDATE users SET language = $1 WHERE id = $2")
        .bind(language)
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// Saves the time zone the user reads times in; `None` follows the program's.
pub async fn set_time_zone(conn: &mut Conn, id: &UserId, time_zone: Option<chrono_tz::Tz>) -> Result<()> {
    crate::sql::query("UPDATE users SET time_zone = $1 WHERE id = $2")
        .bind(time_zone.map(|tz| tz.name()))
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// Records that the user proved they receive mail at their address, unless they had already.
pub async fn mark_email_verified(conn: &mut Conn, id: &UserId, at: DateTime<Utc>) -> Result<()> {
    crate::sql::query("UPDATE users SET email_verified_at = $1 WHERE id = $2 AND email_verified_at IS NULL")
        .bind(to_db(at))
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// Moves the user to a new address, proved at `verified_at`; an address in use is
/// `Conflict("email")`.
pub async fn set_email(conn: &mut Conn, id: &UserId, email: &EmailAddress, verified_at: DateTime<Utc>) -> Result<()> {
    crate::sql::query("UPDATE users SET email = $1, email_verified_at = $2 WHERE id = $3")
        .bind(email.as_str())
        .bind(to_db(verified_at))
        .bind(id.as_str())
        .execute(conn)
        .await
        .map_err(conflict_as("email"))?;
    Ok(())
}
