//! The users of partner orgs. Every query that a partner can reach is scoped by org id.

use crate::sql::Row;
use crate::time::{from_db, to_db};
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
}

fn from_row(row: &Row) -> Result<UserRecord> {
    Ok(UserRecord {
        id: valid(UserId::parse(&row.try_get::<String, _>("id")?))?,
        org_id: valid(OrgId::parse(&row.try_get::<String, _>("org_id")?))?,
        email: valid(EmailAddress::parse(&row.try_get::<String, _>("email")?))?,
        name: valid(PersonName::parse(&row.try_get::<String, _>("name")?))?,
        role: valid(row.try_get::<String, _>("role")?.parse::<PartnerRole>())?,
        password_hash: row.try_get("password_hash")?,
        created_at: from_db(row.try_get("created_at")?)?,
    })
}

/// Inserts a user; an e-mail address already in use comes back as `Conflict("email")`.
pub async fn insert(conn: &mut Conn, user: &UserRecord) -> Result<()> {
    insert_many(conn, std::slice::from_ref(user)).await
}

impl crate::bulk::Rows for UserRecord {
    const INTO: &'static str = "users (id, org_id, email, name, role, password_hash, created_at)";
    const WIDTH: usize = 7;
    fn values(&self, out: &mut Vec<crate::bulk::Value>) {
        out.extend([
            self.id.as_str().into(),
            self.org_id.as_str().into(),
            self.email.as_str().into(),
            self.name.as_str().into(),
            self.role.as_str().into(),
            (&self.password_hash).into(),
            to_db(self.created_at).into(),
        ]);
    }
}

pub async fn insert_many(conn: &mut Conn, users: &[UserRecord]) -> Result<()> {
    crate::bulk::insert(conn, users, "").await.map_err(conflict_as("email"))?;
    Ok(())
}

pub async fn find_by_email(conn: &mut Conn, email: &EmailAddress) -> Result<Option<UserRecord>> {
    let row = crate::sql::query(
        "SELECT id, org_id, email, name, role, password_hash, created_at FROM users WHERE email = $1",
    )
    .bind(email.as_str())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn get(conn: &mut Conn, id: &UserId) -> Result<Option<UserRecord>> {
    let row =
        crate::sql::query("SELECT id, org_id, email, name, role, password_hash, created_at FROM users WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(conn)
            .await?;
    row.as_ref().map(from_row).transpose()
}

/// A user of `org`; a user of another org is `None`, exactly as if it did not exist.
pub async fn get_in_org(conn: &mut Conn, org: &OrgId, id: &UserId) -> Result<Option<UserRecord>> {
    let row = crate::sql::query(
        "SELECT id, org_id, email, name, role, password_hash, created_at FROM users WHERE org_id = $1 AND id = $2",
    )
    .bind(org.as_str())
    .bind(id.as_str())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn list_in_org(conn: &mut Conn, org: &OrgId) -> Result<Vec<UserRecord>> {
    let rows = crate::sql::query(
        "SELECT id, org_id, email, name, role, password_hash, created_at FROM users WHERE org_id = $1 ORDER BY created_at, id",
    )
    .bind(org.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The users of several orgs (a renewal batch's receipts), in each org by creation.
/// Who the receipt of a paid order goes to: one of the org's Billing admins or Global admins.
pub struct Recipient {
    pub org_id: OrgId,
    pub email: EmailAddress,
    pub name: PersonName,
}

/// The receipt recipients of these orgs, oldest user first within each org. Reads only what a
/// receipt needs (a renewal batch asks for a thousand orgs' at once).
pub async fn receipt_recipients(conn: &mut Conn, orgs: &[&OrgId]) -> Result<Vec<Recipient>> {
    let ids = orgs.iter().map(|o| crate::bulk::Value::from(o.as_str())).collect();
    let rows = crate::bulk::with_values(
        conn,
        "SELECT org_id, email, name FROM users WHERE org_id IN ({values}) \
         AND role IN ('billing_admin', 'global_admin') ORDER BY created_at, id",
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
