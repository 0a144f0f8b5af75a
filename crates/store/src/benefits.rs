//! Benefits: the live benefits of activated subscriptions, their units (license keys, seats,
//! service accounts) and the ledger of credit and balance grants and uses.

use crate::bulk::{self, Rows, Value};
use crate::orders::{date_from_db, date_to_db};
use crate::sql::Row;
use crate::time::{from_db, opt_from_db, to_db};
use crate::{Conn, Result};
use chrono::{DateTime, NaiveDate, Utc};
use domain::benefit::{BenefitKind, BenefitStatus, Cadence, EntryKind, UnitStatus};
use domain::ids::{BenefitId, BenefitUnitId, LedgerEntryId, OrgId, SubscriptionId, UserId};
use domain::money::Currency;
use domain::subscription::Status as SubscriptionStatus;

#[derive(Clone, Debug)]
pub struct BenefitRecord {
    pub id: BenefitId,
    pub org_id: OrgId,
    pub subscription_id: SubscriptionId,
    pub position: i64,
    pub kind: BenefitKind,
    pub product: String,
    pub units: i64,
    pub grant_amount: Option<i64>,
    pub currency: Option<Currency>,
    pub cadence: Option<Cadence>,
    pub status: BenefitStatus,
    pub activated_at: DateTime<Utc>,
    pub activated_by: UserId,
    pub ended_at: Option<DateTime<Utc>>,
    pub next_grant_on: Option<NaiveDate>,
}

const BENEFIT_COLUMNS: &str = "id, org_id, subscription_id, position, kind, product, units, grant_amount, currency, \
    cadence, status, activated_at, activated_by, ended_at, next_grant_on";

impl Rows for BenefitRecord {
    const INTO: &'static str = "benefits (id, org_id, subscription_id, position, kind, product, units, grant_amount, \
        currency, cadence, status, activated_at, activated_by, ended_at, next_grant_on)";
    const WIDTH: usize = 15;
    fn values(&self, out: &mut Vec<Value>) {
        out.extend([
            Value::from(&self.id),
            (&self.org_id).into(),
            (&self.subscription_id).into(),
            self.position.into(),
            self.kind.as_str().into(),
            (&self.product).into(),
            self.units.into(),
            self.grant_amount.into(),
            self.currency.map(Currency::code).into(),
            self.cadence.map(Cadence::as_str).into(),
            self.status.as_str().into(),
            to_db(self.activated_at).into(),
            (&self.activated_by).into(),
            self.ended_at.map(to_db).into(),
            self.next_grant_on.map(date_to_db).into(),
        ]);
    }
}

fn benefit_from_row(r: &Row) -> Result<BenefitRecord> {
    Ok(BenefitRecord {
        id: r.parse("id")?,
        org_id: r.parse("org_id")?,
        subscription_id: r.parse("subscription_id")?,
        position: r.try_get("position")?,
        kind: r.parse("kind")?,
        product: r.try_get("product")?,
        units: r.try_get("units")?,
        grant_amount: r.try_get("grant_amount")?,
        currency: r.parse_opt("currency")?,
        cadence: r.parse_opt("cadence")?,
        status: r.parse("status")?,
        activated_at: from_db(r.try_get("activated_at")?)?,
        activated_by: r.parse("activated_by")?,
        ended_at: opt_from_db(r.try_get("ended_at")?)?,
        next_grant_on: date_from_db(r.try_get("next_grant_on")?)?,
    })
}

#[derive(Clone, Debug)]
pub struct UnitRecord {
    pub id: BenefitUnitId,
    pub benefit_id: BenefitId,
    pub org_id: OrgId,
    pub seq: i64,
    /// The license key or account name; `None` for a seat.
    pub code: Option<String>,
    pub user_id: Option<UserId>,
    pub assigned_at: Option<DateTime<Utc>>,
    pub status: UnitStatus,
}

const UNIT_COLUMNS: &str = "id, benefit_id, org_id, seq, code, user_id, assigned_at, status";

impl Rows for UnitRecord {
    const INTO: &'static str = "benefit_units (id, benefit_id, org_id, seq, code, user_id, assigned_at, status)";
    const WIDTH: usize = 8;
    fn values(&self, out: &mut Vec<Value>) {
        out.extend([
            Value::from(&self.id),
            (&self.benefit_id).into(),
            (&self.org_id).into(),
            self.seq.into(),
            self.code.as_deref().into(),
            self.user_id.as_ref().into(),
            self.assigned_at.map(to_db).into(),
            self.status.as_str().into(),
        ]);
    }
}

fn unit_from_row(r: &Row) -> Result<UnitRecord> {
    Ok(UnitRecord {
        id: r.parse("id")?,
        benefit_id: r.parse("benefit_id")?,
        org_id: r.parse("org_id")?,
        seq: r.try_get("seq")?,
        code: r.try_get("code")?,
        user_id: r.parse_opt("user_id")?,
        assigned_at: opt_from_db(r.try_get("assigned_at")?)?,
        status: r.parse("status")?,
    })
}

#[derive(Clone, Debug)]
pub struct LedgerEntry {
    pub id: LedgerEntryId,
    pub benefit_id: BenefitId,
    pub org_id: OrgId,
    pub entry: EntryKind,
    /// Positive for a grant, negative for a use.
    pub amount: i64,
    pub dedupe_key: String,
    pub period: Option<NaiveDate>,
    pub memo: String,
    /// Who wrote it: a user's id, a staff member's, or the job's name ("grant job"), so text.
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

const LEDGER_COLUMNS: &str = "id, benefit_id, org_id, entry, amount, dedupe_key, period, memo, created_by, created_at";

impl Rows for LedgerEntry {
    const INTO: &'static str = "benefit_ledger (id, benefit_id, org_id, entry, amount, dedupe_key, period, memo, \
        created_by, created_at)";
    const WIDTH: usize = 10;
    fn values(&self, out: &mut Vec<Value>) {
        out.extend([
            Value::from(&self.id),
            (&self.benefit_id).into(),
            (&self.org_id).into(),
            self.entry.as_str().into(),
            self.amount.into(),
            (&self.dedupe_key).into(),
            self.period.map(date_to_db).into(),
            (&self.memo).into(),
            (&self.created_by).into(),
            to_db(self.created_at).into(),
        ]);
    }
}

fn ledger_from_row(r: &Row) -> Result<LedgerEntry> {
    Ok(LedgerEntry {
        id: r.parse("id")?,
        benefit_id: r.parse("benefit_id")?,
        org_id: r.parse("org_id")?,
        entry: r.parse("entry")?,
        amount: r.try_get("amount")?,
        dedupe_key: r.try_get("dedupe_key")?,
        period: date_from_db(r.try_get("period")?)?,
        memo: r.try_get("memo")?,
        created_by: r.try_get("created_by")?,
        created_at: from_db(r.try_get("created_at")?)?,
    })
}

/// Writes the benefits of one activation and their units. The unique index on live benefits
/// refuses a second activation of the same subscription.
pub async fn insert_activation(conn: &mut Conn, benefits: &[BenefitRecord], units: &[UnitRecord]) -> Result<()> {
    bulk::insert(conn, benefits, "").await.map_err(crate::conflict_as("benefits of this subscription"))?;
    bulk::insert(conn, units, "").await?;
    Ok(())
}

/// Writes a ledger entry unless one with its key exists; `true` if this call wrote it.
pub async fn insert_entry_once(conn: &mut Conn, entry: &LedgerEntry) -> Result<bool> {
    let n = bulk::insert(conn, std::slice::from_ref(entry), "ON CONFLICT (dedupe_key) DO NOTHING").await?;
    Ok(n == 1)
}

pub async fn entry_by_key(conn: &mut Conn, dedupe_key: &str) -> Result<Option<LedgerEntry>> {
    let sql = format!("SELECT {LEDGER_COLUMNS} FROM benefit_ledger WHERE dedupe_key = $1");
    crate::sql::query(crate::sql::AssertSqlSafe(sql))
        .bind(dedupe_key)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(ledger_from_row)
        .transpose()
}

/// Whether the subscription's benefits are live (activated and not ended).
pub async fn live_for_subscription(conn: &mut Conn, subscription_id: &SubscriptionId) -> Result<bool> {
    let n: i64 =
        crate::sql::query_scalar("SELECT COUNT(*) FROM benefits WHERE subscription_id = $1 AND status = 'active'")
            .bind(subscription_id)
            .fetch_one(conn)
            .await?;
    Ok(n > 0)
}

/// Every benefit the org ever had, newest activation first, in catalog order within one.
pub async fn list_in_org(conn: &mut Conn, org: &OrgId) -> Result<Vec<BenefitRecord>> {
    let sql = format!(
        "SELECT {BENEFIT_COLUMNS} FROM benefits WHERE org_id = $1 ORDER BY activated_at DESC, subscription_id, position"
    );
    let rows = crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(org.as_str()).fetch_all(conn).await?;
    rows.iter().map(benefit_from_row).collect()
}

pub async fn get_in_org(conn: &mut Conn, org: &OrgId, id: &BenefitId) -> Result<Option<BenefitRecord>> {
    let sql = format!("SELECT {BENEFIT_COLUMNS} FROM benefits WHERE org_id = $1 AND id = $2");
    let row =
        crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(org.as_str()).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(benefit_from_row).transpose()
}

/// Every unit of the org's benefits, in benefit and sequence order.
pub async fn units_in_org(conn: &mut Conn, org: &OrgId) -> Result<Vec<UnitRecord>> {
    let sql = format!("SELECT {UNIT_COLUMNS} FROM benefit_units WHERE org_id = $1 ORDER BY benefit_id, seq");
    let rows = crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(org.as_str()).fetch_all(conn).await?;
    rows.iter().map(unit_from_row).collect()
}

pub async fn unit_in_org(conn: &mut Conn, org: &OrgId, id: &BenefitUnitId) -> Result<Option<UnitRecord>> {
    let sql = format!("SELECT {UNIT_COLUMNS} FROM benefit_units WHERE org_id = $1 AND id = $2");
    let row =
        crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(org.as_str()).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(unit_from_row).transpose()
}

/// The first live unit of the benefit that nobody holds.
pub async fn free_unit(conn: &mut Conn, benefit_id: &BenefitId) -> Result<Option<BenefitUnitId>> {
    let row = crate::sql::query(
        "SELECT id FROM benefit_units WHERE benefit_id = $1 AND status = 'active' AND user_id IS NULL \
         ORDER BY seq LIMIT 1",
    )
    .bind(benefit_id)
    .fetch_optional(conn)
    .await?;
    row.map(|r| r.parse(0)).transpose()
}

/// Whether `user` holds a live unit of the benefit.
pub async fn holds(conn: &mut Conn, benefit_id: &BenefitId, user_id: &UserId) -> Result<bool> {
    let n: i64 = crate::sql::query_scalar(
        "SELECT COUNT(*) FROM benefit_units WHERE benefit_id = $1 AND user_id = $2 AND status = 'active'",
    )
    .bind(benefit_id)
    .bind(user_id)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

/// Gives a free unit to `user`; `false` if it was taken meanwhile.
pub async fn assign(conn: &mut Conn, unit_id: &BenefitUnitId, user_id: &UserId, at: DateTime<Utc>) -> Result<bool> {
    let done = crate::sql::query(
        "UPDATE benefit_units SET user_id = $2, assigned_at = $3 WHERE id = $1 AND user_id IS NULL AND status = 'active'",
    )
    .bind(unit_id)
    .bind(user_id)
    .bind(to_db(at))
    .execute(conn)
    .await
    .map_err(crate::conflict_as("a unit of this benefit held by the user"))?;
    Ok(done.rows_affected() == 1)
}

/// Takes a live unit back from whoever holds it; `false` if nobody did.
pub async fn unassign(conn: &mut Conn, unit_id: &BenefitUnitId) -> Result<bool> {
    let done = crate::sql::query(
        "UPDATE benefit_units SET user_id = NULL, assigned_at = NULL \
         WHERE id = $1 AND user_id IS NOT NULL AND status = 'active'",
    )
    .bind(unit_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives back every live unit a user holds (the user is leaving the org); returns how many.
pub async fn release_user(conn: &mut Conn, org: &OrgId, user_id: &UserId) -> Result<u64> {
    let done = crate::sql::query(
        "UPDATE benefit_units SET user_id = NULL, assigned_at = NULL \
         WHERE org_id = $1 AND user_id = $2 AND status = 'active'",
    )
    .bind(org.as_str())
    .bind(user_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Granted and used per benefit of the org: `(benefit id, granted, used)`, used as a positive
/// number.
pub async fn totals_in_org(conn: &mut Conn, org: &OrgId) -> Result<Vec<(BenefitId, i64, i64)>> {
    let rows = crate::sql::query(
        "SELECT benefit_id, \
           CAST(COALESCE(SUM(CASE WHEN amount > 0 THEN amount ELSE 0 END), 0) AS BIGINT) AS granted, \
           CAST(COALESCE(SUM(CASE WHEN amount < 0 THEN -amount ELSE 0 END), 0) AS BIGINT) AS used \
         FROM benefit_ledger WHERE org_id = $1 GROUP BY benefit_id",
    )
    .bind(org.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok((r.parse("benefit_id")?, r.try_get("granted")?, r.try_get("used")?))).collect()
}

/// What is left of a benefit's balance.
pub async fn balance(conn: &mut Conn, benefit_id: &BenefitId) -> Result<i64> {
    crate::sql::query_scalar(
        "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM benefit_ledger WHERE benefit_id = $1",
    )
    .bind(benefit_id)
    .fetch_one(conn)
    .await
}

/// A benefit's ledger, oldest first.
pub async fn ledger(conn: &mut Conn, org: &OrgId, benefit_id: &BenefitId) -> Result<Vec<LedgerEntry>> {
    let sql = format!(
        "SELECT {LEDGER_COLUMNS} FROM benefit_ledger WHERE org_id = $1 AND benefit_id = $2 ORDER BY created_at, id"
    );
    let rows =
        crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(org.as_str()).bind(benefit_id).fetch_all(conn).await?;
    rows.iter().map(ledger_from_row).collect()
}

/// Ends the subscription's live benefits: no more grants, keys and accounts revoked, seats
/// released. Returns how many benefits ended.
pub async fn end_for_subscription(conn: &mut Conn, subscription_id: &SubscriptionId, at: DateTime<Utc>) -> Result<u64> {
    crate::sql::query(
        "UPDATE benefit_units SET status = 'revoked' WHERE status = 'active' AND benefit_id IN \
         (SELECT id FROM benefits WHERE subscription_id = $1 AND status = 'active')",
    )
    .bind(subscription_id)
    .execute(&mut *conn)
    .await?;
    let done = crate::sql::query(
        "UPDATE benefits SET status = 'ended', ended_at = $2, next_grant_on = NULL \
         WHERE subscription_id = $1 AND status = 'active'",
    )
    .bind(subscription_id)
    .bind(to_db(at))
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// A live benefit with a grant due, with what the grant job needs of its subscription.
#[derive(Clone, Debug)]
pub struct GrantDue {
    pub benefit: BenefitRecord,
    pub subscription_status: SubscriptionStatus,
    pub anchor_date: NaiveDate,
}

/// Live benefits whose next grant is due on or before `today`, after `after` in id order (from
/// the first when `None`).
pub async fn grants_due(
    conn: &mut Conn,
    today: NaiveDate,
    after: Option<&BenefitId>,
    limit: i64,
) -> Result<Vec<GrantDue>> {
    let columns: String = BENEFIT_COLUMNS.split(", ").map(|c| format!("b.{c}")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT {columns}, s.status AS subscription_status, s.anchor_date FROM benefits b \
         JOIN subscriptions s ON s.id = b.subscription_id \
         WHERE b.status = 'active' AND b.next_grant_on <= $1 AND b.id > $2 ORDER BY b.id LIMIT $3"
    );
    let rows = crate::sql::query(crate::sql::AssertSqlSafe(sql))
        .bind(date_to_db(today))
        .bind(after.map_or("", BenefitId::as_str))
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(GrantDue {
                benefit: benefit_from_row(r)?,
                subscription_status: r.parse("subscription_status")?,
                anchor_date: date_from_db(r.try_get("anchor_date")?)?
                    .ok_or_else(|| crate::StoreError::Corrupt("missing anchor date".into()))?,
            })
        })
        .collect()
}

/// Moves a live benefit's next grant day on, unless it moved already (another worker).
pub async fn advance_grant(conn: &mut Conn, id: &BenefitId, from: NaiveDate, to: NaiveDate) -> Result<bool> {
    let done = crate::sql::query(
        "UPDATE benefits SET next_grant_on = $3 WHERE id = $1 AND next_grant_on = $2 AND status = 'active'",
    )
    .bind(id)
    .bind(date_to_db(from))
    .bind(date_to_db(to))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
