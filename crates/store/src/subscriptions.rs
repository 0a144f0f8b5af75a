//! Subscriptions: an org's hold on an offer, term by term.

use crate::bulk::{self, Value};
use crate::orders::{date_from_db, date_to_db};
use crate::sql::Row;
use crate::time::{from_db, to_db};
use crate::{Conn, Result, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use domain::ids::{OrgId, PartnerId, PaymentMethodId, SubscriptionId};
use domain::money::{Currency, Money};
use domain::subscription::Status;

#[derive(Clone, Debug)]
pub struct SubscriptionRecord {
    pub id: SubscriptionId,
    pub org_id: OrgId,
    pub offer_code: String,
    pub offer_name: String,
    pub status: Status,
    pub auto_renew: bool,
    /// The first day of the first term: anniversaries are counted from it.
    pub anchor_date: NaiveDate,
    pub term_start: NaiveDate,
    pub term_end: NaiveDate,
    /// What a term costs before tax.
    pub price: Money,
    pub payment_method_id: Option<PaymentMethodId>,
    pub created_at: DateTime<Utc>,
    /// Failed automatic renewal charges of the current term retried so far.
    pub retries_done: i64,
    pub next_retry_on: Option<NaiveDate>,
    /// Staff cancelled it at the end of its term: it ends as cancelled, with no reminders.
    pub ends_cancelled: bool,
}

fn date(text: String) -> Result<NaiveDate> {
    date_from_db(Some(text))?.ok_or_else(|| StoreError::Corrupt("missing date".into()))
}

fn from_row(r: &Row) -> Result<SubscriptionRecord> {
    Ok(SubscriptionRecord {
        id: r.parse("id")?,
        org_id: r.parse("org_id")?,
        offer_code: r.try_get("offer_code")?,
        offer_name: r.try_get("offer_name")?,
        status: r.parse("status")?,
        auto_renew: r.try_get::<i64, _>("auto_renew")? != 0,
        anchor_date: date(r.try_get("anchor_date")?)?,
        term_start: date(r.try_get("term_start")?)?,
        term_end: date(r.try_get("term_end")?)?,
        price: Money::new(r.try_get("price_minor")?, r.parse::<Currency, _>("currency")?),
        payment_method_id: r.parse_opt("payment_method_id")?,
        created_at: from_db(r.try_get("created_at")?)?,
        retries_done: r.try_get("retries_done")?,
        next_retry_on: date_from_db(r.try_get("next_retry_on")?)?,
        ends_cancelled: r.try_get::<i64, _>("ends_cancelled")? != 0,
    })
}

const COLUMNS: &str = "id, org_id, offer_code, offer_name, status, auto_renew, anchor_date, term_start, term_end, currency, \
    price_minor, payment_method_id, created_at, retries_done, next_retry_on, ends_cancelled";

impl crate::bulk::Rows for SubscriptionRecord {
    const INTO: &'static str = "subscriptions (id, org_id, offer_code, offer_name, status, auto_renew, anchor_date, \
        term_start, term_end, currency, price_minor, payment_method_id, created_at)";
    const WIDTH: usize = 13;
    fn values(&self, out: &mut Vec<Value>) {
        out.extend([
            Value::from(&self.id),
            self.org_id.as_str().into(),
            (&self.offer_code).into(),
            (&self.offer_name).into(),
            self.status.as_str().into(),
            i64::from(self.auto_renew).into(),
            date_to_db(self.anchor_date).into(),
            date_to_db(self.term_start).into(),
            date_to_db(self.term_end).into(),
            self.price.currency().code().into(),
            self.price.minor().into(),
            self.payment_method_id.as_ref().into(),
            to_db(self.created_at).into(),
        ]);
    }
}

pub async fn insert(conn: &mut Conn, s: &SubscriptionRecord) -> Result<()> {
    insert_many(conn, std::slice::from_ref(s)).await
}

pub async fn insert_many(conn: &mut Conn, subs: &[SubscriptionRecord]) -> Result<()> {
    bulk::insert(conn, subs, "").await?;
    Ok(())
}

pub async fn list_in_org(conn: &mut Conn, org: &OrgId) -> Result<Vec<SubscriptionRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM subscriptions WHERE org_id = $1 ORDER BY created_at DESC, id");
    let rows = crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(org.as_str()).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

pub async fn get_in_org(conn: &mut Conn, org: &OrgId, id: &SubscriptionId) -> Result<Option<SubscriptionRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM subscriptions WHERE org_id = $1 AND id = $2");
    let row =
        crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(org.as_str()).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(from_row).transpose()
}

/// Offer codes the org holds a live subscription to.
pub async fn live_offer_codes(conn: &mut Conn, org: &OrgId) -> Result<Vec<String>> {
    crate::sql::query_scalar(
        "SELECT offer_code FROM subscriptions WHERE org_id = $1 AND status IN ('active', 'past_due')",
    )
    .bind(org.as_str())
    .fetch_all(conn)
    .await
}

/// A subscription by id, whichever org holds it (for the renewal run).
pub async fn get(conn: &mut Conn, id: &SubscriptionId) -> Result<Option<SubscriptionRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM subscriptions WHERE id = $1");
    let row = crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(from_row).transpose()
}

/// Claims up to `limit` subscriptions with work due on `today` (a renewal, a retry, an expiry)
/// that no live lease holds, leasing them until `lease_until`: renewals first, then retries.
pub async fn claim_due(
    conn: &mut Conn,
    today: NaiveDate,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<SubscriptionRecord>> {
    // One query per status, each ordered by the index on (status, term_end) alone, so that a
    // claim reads only the rows it takes: on a big anniversary a million subscriptions share
    // one term end, and an OR of the two, or a tie-break on id, would sort them all each time.
    let renewals = "status = 'active' AND term_end <= $1";
    let retries = "status = 'past_due' AND next_retry_on <= $1";
    let mut claimed = claim_where(conn, renewals, today, now, lease_until, limit).await?;
    let left = limit - i64::try_from(claimed.len()).unwrap_or(limit);
    if left > 0 {
        claimed.extend(claim_where(conn, retries, today, now, lease_until, left).await?);
    }
    Ok(claimed)
}

async fn claim_where(
    conn: &mut Conn,
    due: &str,
    today: NaiveDate,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<SubscriptionRecord>> {
    // The texts differ: PostgreSQL skips rows another worker is claiming (SKIP LOCKED); SQLite
    // has no row locks and needs none, since its writers take turns.
    let pick = format!(
        "SELECT id FROM subscriptions WHERE {due} AND (lease_until IS NULL OR lease_until < $2) ORDER BY term_end LIMIT $3"
    );
    let sql = match conn.backend() {
        crate::Backend::Postgres => format!(
            "UPDATE subscriptions SET lease_until = $4 WHERE id IN ({pick} FOR UPDATE SKIP LOCKED) RETURNING {COLUMNS}"
        ),
        crate::Backend::Sqlite => {
            format!("UPDATE subscriptions SET lease_until = $4 WHERE id IN ({pick}) RETURNING {COLUMNS}")
        }
    };
    let rows = crate::sql::query(crate::sql::AssertSqlSafe(sql))
        .bind(date_to_db(today))
        .bind(to_db(now))
        .bind(limit)
        .bind(to_db(lease_until))
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Work due that is not done: a subscription due on or before the day, with its lease and the
/// time its oldest pending payment attempt was written, if any.
#[derive(Clone, Debug)]
pub struct DueLeft {
    pub id: SubscriptionId,
    pub lease_until: Option<DateTime<Utc>>,
    pub pending_since: Option<DateTime<Utc>>,
}

/// Up to `limit` subscriptions with work due on or before `today` (the same conditions as
/// [`claim_due`], whatever their leases).
pub async fn due_left(conn: &mut Conn, today: NaiveDate, limit: i64) -> Result<Vec<DueLeft>> {
    let rows = crate::sql::query(
        "SELECT s.id, s.lease_until, (SELECT MIN(a.created_at) FROM orders r JOIN payment_attempts a ON a.order_id = r.id              WHERE r.subscription_id = s.id AND a.status = 'pending') AS pending_since          FROM subscriptions s WHERE (s.status = 'active' AND s.term_end <= $1)              OR (s.status = 'past_due' AND s.next_retry_on <= $1)          ORDER BY s.id LIMIT $2",
    )
    .bind(date_to_db(today))
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(DueLeft {
                id: r.parse("id")?,
                lease_until: r.try_get::<Option<i64>, _>("lease_until")?.map(from_db).transpose()?,
                pending_since: r.try_get::<Option<i64>, _>("pending_since")?.map(from_db).transpose()?,
            })
        })
        .collect()
}

/// Shortens (or lengthens) a lease: a worker that must wait for an earlier try to run out
/// keeps the subscription until then, not for a whole lease.
pub async fn lease_until(conn: &mut Conn, id: &SubscriptionId, until: DateTime<Utc>) -> Result<()> {
    crate::sql::query("UPDATE subscriptions SET lease_until = $1 WHERE id = $2")
        .bind(to_db(until))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn release(conn: &mut Conn, id: &SubscriptionId) -> Result<()> {
    crate::sql::query("UPDATE subscriptions SET lease_until = NULL WHERE id = $1").bind(id).execute(conn).await?;
    Ok(())
}

/// Moves a subscription to its new term, but only if it still ends on `expected_end`: a second
/// renewer of the same term changes nothing and gets `false`.
pub async fn renew(
    conn: &mut Conn,
    id: &SubscriptionId,
    expected_end: NaiveDate,
    anchor: NaiveDate,
    start: NaiveDate,
    end: NaiveDate,
    payment_method_id: &PaymentMethodId,
) -> Result<bool> {
    let done = crate::sql::query(
        "UPDATE subscriptions SET status = 'active', auto_renew = 1, ends_cancelled = 0, anchor_date = $1, term_start = $2, term_end = $3, \
         payment_method_id = $4, retries_done = 0, next_retry_on = NULL, lease_until = NULL \
         WHERE id = $5 AND term_end = $6 AND status <> 'cancelled'",
    )
    .bind(date_to_db(anchor))
    .bind(date_to_db(start))
    .bind(date_to_db(end))
    .bind(payment_method_id)
    .bind(id)
    .bind(date_to_db(expected_end))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One subscription's move to its next term in a renewal batch.
pub struct Renewed<'a> {
    pub id: &'a SubscriptionId,
    /// The end of the term renewed: the move happens only if the subscription still ends there.
    pub expected_end: NaiveDate,
    pub anchor: NaiveDate,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub payment_method_id: &'a PaymentMethodId,
}

/// [`renew`] for many subscriptions at once; returns the ids that moved. Neither ever brings a
/// cancelled subscription back (a Silver term replaced by Gold while its renewal was charged).
pub async fn renew_many(conn: &mut Conn, renewed: &[Renewed<'_>]) -> Result<Vec<SubscriptionId>> {
    let mut rows = Vec::with_capacity(renewed.len() * 6);
    for r in renewed {
        rows.extend([
            Value::from(r.id),
            date_to_db(r.expected_end).into(),
            date_to_db(r.anchor).into(),
            date_to_db(r.start).into(),
            date_to_db(r.end).into(),
            r.payment_method_id.into(),
        ]);
    }
    let done = bulk::with_values(
        conn,
        "UPDATE subscriptions SET status = 'active', auto_renew = 1, ends_cancelled = 0, anchor_date = v.column3, term_start = v.column4, \
         term_end = v.column5, payment_method_id = v.column6, retries_done = 0, next_retry_on = NULL, lease_until = NULL \
         FROM (VALUES {values}) AS v WHERE subscriptions.id = v.column1 AND subscriptions.term_end = v.column2 \
         AND subscriptions.status <> 'cancelled' RETURNING subscriptions.id",
        6,
        rows,
    )
    .await?;
    done.iter().map(|r| r.parse(0)).collect()
}

/// What a renewal batch reads about each of its subscriptions, in one query.
#[derive(Clone, Debug)]
pub struct RenewalInputs {
    pub subscription_id: SubscriptionId,
    pub org_name: String,
    pub partner_id: PartnerId,
    pub country: String,
    /// The org's default card at the gateway (its newest): id, gateway reference, brand, last four.
    pub card: Option<(PaymentMethodId, String, String, String)>,
    pub customer_ref: Option<String>,
    /// An automatic renewal order of the current term exists already (an earlier try).
    pub has_order: bool,
    /// A payment for the subscription is out at the gateway (an order of it is `paying`).
    pub has_pending_attempt: bool,
    /// The subscription as it is now, read under the orgs' locks: its claimed copy was read
    /// before them and may be stale.
    pub status: Status,
    pub auto_renew: bool,
    pub term_end: NaiveDate,
}

/// What the batch renewal needs of each subscription, in one query. The order checks are
/// scalar subqueries on purpose: PostgreSQL may turn an `EXISTS` into one hashed scan of the
/// whole orders table per batch (seen: a million-renewal run slowed to 900 renewals/s), while a
/// correlated scalar subquery is always a lookup by subscription.
pub async fn renewal_inputs(conn: &mut Conn, ids: &[&SubscriptionId], gateway: &str) -> Result<Vec<RenewalInputs>> {
    let mut rows = Vec::with_capacity(ids.len() * 2);
    for id in ids {
        rows.extend([Value::from(*id), gateway.into()]);
    }
    let found = bulk::with_values(
        conn,
        "SELECT s.id, s.status, s.auto_renew, s.term_end, o.name, o.partner_id, o.country, pm.id AS pm_id, pm.gateway_ref, pm.brand, pm.last4, gc.customer_ref, \
         CAST((SELECT COUNT(*) FROM orders r WHERE r.subscription_id = s.id AND r.renews_term_end = s.term_end \
             AND r.kind = 'auto_renewal') AS BIGINT) AS has_order, \
         CAST((SELECT COUNT(*) FROM orders r WHERE r.subscription_id = s.id AND r.status = 'paying') AS BIGINT) \
             AS has_pending \
         FROM (VALUES {values}) AS v JOIN subscriptions s ON s.id = v.column1 JOIN orgs o ON o.id = s.org_id \
         LEFT JOIN gateway_customers gc ON gc.org_id = s.org_id AND gc.gateway = v.column2 \
         LEFT JOIN payment_methods pm ON pm.org_id = s.org_id AND pm.gateway = v.column2 AND NOT EXISTS \
             (SELECT 1 FROM payment_methods newer WHERE newer.org_id = pm.org_id AND newer.gateway = pm.gateway \
              AND (newer.created_at > pm.created_at OR (newer.created_at = pm.created_at AND newer.id < pm.id)))",
        2,
        rows,
    )
    .await?;
    found
        .iter()
        .map(|r| {
            let card = match r.parse_opt::<PaymentMethodId, _>("pm_id")? {
                Some(id) => Some((id, r.try_get("gateway_ref")?, r.try_get("brand")?, r.try_get("last4")?)),
                None => None,
            };
            Ok(RenewalInputs {
                subscription_id: r.parse("id")?,
                org_name: r.try_get("name")?,
                partner_id: r.parse("partner_id")?,
                country: r.try_get("country")?,
                card,
                customer_ref: r.try_get("customer_ref")?,
                has_order: r.try_get::<i64, _>("has_order")? != 0,
                has_pending_attempt: r.try_get::<i64, _>("has_pending")? != 0,
                status: r.parse("status")?,
                auto_renew: r.try_get::<i64, _>("auto_renew")? != 0,
                term_end: date(r.try_get("term_end")?)?,
            })
        })
        .collect()
}

pub async fn set_past_due(
    conn: &mut Conn,
    id: &SubscriptionId,
    retries_done: i64,
    next_retry_on: Option<NaiveDate>,
) -> Result<()> {
    crate::sql::query("UPDATE subscriptions SET status = 'past_due', retries_done = $1, next_retry_on = $2, lease_until = NULL WHERE id = $3")
        .bind(retries_done)
        .bind(next_retry_on.map(date_to_db))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// How a subscription ends without being cancelled by staff at once (that is [`cancel_now`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Its term ran out unrenewed.
    Expired,
    /// It was cancelled at its term's end, or replaced (Silver by Gold).
    Cancelled,
}

/// Ends a subscription: no more retries, and no lease held on it.
pub async fn end(conn: &mut Conn, id: &SubscriptionId, how: Ending) -> Result<()> {
    let status = match how {
        Ending::Expired => Status::Expired,
        Ending::Cancelled => Status::Cancelled,
    };
    crate::sql::query("UPDATE subscriptions SET status = $1, next_retry_on = NULL, lease_until = NULL WHERE id = $2")
        .bind(status.as_str())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Staff cancel at the end of the term: no renewal, and the end is a cancellation.
pub async fn cancel_at_term_end(conn: &mut Conn, org: &OrgId, id: &SubscriptionId) -> Result<()> {
    crate::sql::query("UPDATE subscriptions SET auto_renew = 0, ends_cancelled = 1 WHERE org_id = $1 AND id = $2")
        .bind(org.as_str())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Turns automatic renewal off; `false` if it was off already.
pub async fn turn_off_auto_renew(conn: &mut Conn, org: &OrgId, id: &SubscriptionId) -> Result<bool> {
    let done =
        crate::sql::query("UPDATE subscriptions SET auto_renew = 0 WHERE org_id = $1 AND id = $2 AND auto_renew = 1")
            .bind(org.as_str())
            .bind(id)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Live subscriptions that may be due a reminder on `today`: their term ends by `to`, and not
/// before today (on the last day itself only those that will not renew: a renewing one is
/// being charged, and its reminders are past). A page of `limit` after the cursor
/// (term end, id), in that order; no id yet starts at the first of that day's.
pub async fn reminder_candidates(
    conn: &mut Conn,
    today: NaiveDate,
    to: NaiveDate,
    after: (NaiveDate, Option<&SubscriptionId>),
    limit: i64,
) -> Result<Vec<SubscriptionRecord>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM subscriptions WHERE status IN ('active', 'past_due') AND term_end <= $2 \
         AND (term_end > $1 OR (term_end = $1 AND auto_renew = 0)) AND (term_end > $3 OR (term_end = $3 AND id > $4)) \
         ORDER BY term_end, id LIMIT $5"
    );
    let rows = crate::sql::query(crate::sql::AssertSqlSafe(sql))
        .bind(date_to_db(today))
        .bind(date_to_db(to))
        .bind(date_to_db(after.0))
        .bind(after.1.map_or("", SubscriptionId::as_str))
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Ends a live subscription at once (staff cancelled it): renewal off, no retries; `false` if
/// it is not live any more or a worker is renewing it right now (its lease is live).
/// `wall` is the wall clock's time, which leases are judged by.
pub async fn cancel_now(conn: &mut Conn, id: &SubscriptionId, at: DateTime<Utc>, wall: DateTime<Utc>) -> Result<bool> {
    let done = crate::sql::query(
        "UPDATE subscriptions SET status = 'cancelled', auto_renew = 0, cancelled_at = $1, next_retry_on = NULL \
         WHERE id = $2 AND status IN ('active', 'past_due') AND (lease_until IS NULL OR lease_until < $3)",
    )
    .bind(to_db(at))
    .bind(id)
    .bind(to_db(wall))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
