//! Program staff: support agents and program admins.

use crate::sql::Row;
use crate::time::{from_db, to_db};
use crate::{Conn, Result, conflict_as, valid};
use chrono::{DateTime, Utc};
use domain::account::{EmailAddress, PersonName};
use domain::ids::StaffId;
use domain::roles::StaffRole;

#[derive(Clone, Debug)]
pub struct StaffRecord {
    pub id: StaffId,
    pub email: EmailAddress,
    pub name: PersonName,
    pub role: StaffRole,
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
    /// When a program admin removed its access; such an account cannot sign in.
    pub disabled_at: Option<DateTime<Utc>>,
    /// The language they chose to read partnerhub in (a shipped tag); `None`: their browser's.
    pub language: Option<String>,
    /// The time zone they chose to read times in; `None`: the program's.
    pub time_zone: Option<chrono_tz::Tz>,
}

fn from_row(row: &Row) -> Result<StaffRecord> {
    Ok(StaffRecord {
        id: valid(StaffId::parse(&row.try_get::<String, _>("id")?))?,
        email: valid(EmailAddress::parse(&row.try_get::<String, _>("email")?))?,
        name: valid(PersonName::parse(&row.try_get::<String, _>("name")?))?,
        role: valid(row.try_get::<String, _>("role")?.parse::<StaffRole>())?,
        password_hash: row.try_get("password_hash")?,
        created_at: from_db(row.try_get("created_at")?)?,
        disabled_at: row.try_get::<Option<i64>, _>("disabled_at")?.map(from_db).transpose()?,
        language: row.try_get("language")?,
        time_zone: crate::time::time_zone(row.try_get("time_zone")?)?,
    })
}

pub async fn insert(conn: &mut Conn, staff: &StaffRecord) -> Result<()> {
    crate::sql::query(
        "INSERT INTO staff_users (id, email, name, role, password_hash, created_at, language, time_zone) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(staff.id.as_str())
    .bind(staff.email.as_str())
    .bind(staff.name.as_str())
    .bind(staff.role.as_str())
    .bind(&staff.password_hash)
    .bind(to_db(staff.created_at))
    .bind(staff.language.as_deref())
    .bind(staff.time_zone.map(|tz| tz.name()))
    .execute(conn)
    .await
    .map_err(conflict_as("email"))?;
    Ok(())
}

const COLUMNS: &str = "id, email, name, role, password_hash, created_at, disabled_at, language, time_zone";

/// An account that may sign in, by its address.
pub async fn find_by_email(conn: &mut Conn, email: &EmailAddress) -> Result<Option<StaffRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM staff_users WHERE email = $1 AND disabled_at IS NULL");
    let row = crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(email.as_str()).fetch_optional(conn).await?;
    row.as_ref().map(from_row).transpose()
}

/// The account with this address, whether or not its access was removed (single sign-on tells
/// a removed account from a missing one).
pub async fn find_any_by_email(conn: &mut Conn, email: &EmailAddress) -> Result<Option<StaffRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM staff_users WHERE email = $1");
    let row = crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(email.as_str()).fetch_optional(conn).await?;
    row.as_ref().map(from_row).transpose()
}

/// An account that may act (its access not removed): what sessions and API tokens resolve to.
pub async fn get(conn: &mut Conn, id: &StaffId) -> Result<Option<StaffRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM staff_users WHERE id = $1 AND disabled_at IS NULL");
    let row = crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(id.as_str()).fetch_optional(conn).await?;
    row.as_ref().map(from_row).transpose()
}

/// Every account, those whose access was removed too.
pub async fn list(conn: &mut Conn) -> Result<Vec<StaffRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM staff_users ORDER BY created_at, id");
    let rows = crate::sql::query(crate::sql::AssertSqlSafe(sql)).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

pub async fn set_role(conn: &mut Conn, id: &StaffId, role: StaffRole) -> Result<()> {
    crate::sql::query("UPDATE staff_users SET role = $1 WHERE id = $2 AND disabled_at IS NULL")
        .bind(role.as_str())
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn disable(conn: &mut Conn, id: &StaffId, at: DateTime<Utc>) -> Result<()> {
    crate::sql::query("UPDATE staff_users SET disabled_at = $1 WHERE id = $2 AND disabled_at IS NULL")
        .bind(to_db(at))
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn count(conn: &mut Conn) -> Result<i64> {
    crate::sql::query_scalar("SELECT COUNT(*) FROM staff_users").fetch_one(conn).await
}

/// Saves the language the staff member reads partnerhub in; `None` follows their browser.
pub async fn set_language(conn: &mut Conn, id: &StaffId, language: Option<&str>) -> Result<()> {
    crate::sql::query("UPDATE staff_users SET language = $1 WHERE id = $2")
        .bind(language)
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// Saves the time zone the staff member reads times in; `None` follows the program's.
pub async fn set_time_zone(conn: &mut Conn, id: &StaffId, time_zone: Option<chrono_tz::Tz>) -> Result<()> {
    crate::sql::query("UPDATE staff_users SET time_zone = $1 WHERE id = $2")
        .bind(time_zone.map(|tz| tz.name()))
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_password_hash(conn: &mut Conn, id: &StaffId, hash: &str) -> Result<()> {
    crate::sql::query("UPDATE staff_users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(id.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// Moves the staff member to a new address; an address in use is `Conflict("email")`.
pub async fn set_email(conn: &mut Conn, id: &StaffId, email: &EmailAddress) -> Result<()> {
    crate::sql::query("UPDATE staff_users SET email = $1 WHERE id = $2")
        .bind(email.as_str())
        .bind(id.as_str())
        .execute(conn)
        .await
        .map_err(conflict_as("email"))?;
    Ok(())
}
