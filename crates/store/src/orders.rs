//! Orders (the checkout wizard's drafts and the paid orders), the terms acceptances recorded on
//! them, and their payment attempts.

use crate::bulk::{self, Value};
use crate::sql::Row;
use crate::time::{from_db, opt_from_db, to_db};
use crate::{Conn, Result, conflict_as, valid};
use chrono::{DateTime, NaiveDate, Utc};
use domain::ids::{AcceptanceId, InvoiceId, OrderId, OrgId, PaymentAttemptId, PaymentMethodId, SubscriptionId, UserId};
use domain::money::{Currency, Money};
use domain::order::{AttemptStatus, OrderKind, OrderStatus, Step};

#[derive(Clone, Debug)]
pub struct OrderRecord {
    pub id: OrderId,
    pub org_id: OrgId,
    pub offer_code: String,
    pub offer_name: String,
    pub status: OrderStatus,
    pub step: Step,
    pub country: String,
    /// Before tax and after the credit.
    pub net: Money,
    pub tax: Money,
    pub total: Money,
    pub tax_rate_bp: i64,
    pub terms_code: String,
    pub terms_version: Option<String>,
    pub payment_method_id: Option<PaymentMethodId>,
    pub last_decline: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    pub term_start: Option<NaiveDate>,
    pub term_end: Option<NaiveDate>,
    pub subscription_id: Option<SubscriptionId>,
    pub invoice_id: Option<InvoiceId>,
    pub kind: OrderKind,
    /// For renewals: the end of the term being renewed.
    pub renews_term_end: Option<NaiveDate>,
    /// Taken off the price before tax (the unused Silver time on a Gold order).
    pub credit: Money,
    /// The subscription that ends when this order is paid (Silver, on a Gold order).
    pub replaces_subscription_id: Option<SubscriptionId>,
}

const COLUMNS: &str = "id, org_id, offer_code, offer_name, status, step, country, currency, net_minor, tax_minor, \
    total_minor, tax_rate_bp, terms_code, terms_version, payment_method_id, last_decline, created_by, created_at, \
    paid_at, term_start, term_end, subscription_id, invoice_id, kind, renews_term_end, credit_minor, replaces_subscription_id";

pub(crate) fn date_from_db(text: Option<String>) -> Result<Option<NaiveDate>> {
    text.map(|t| valid(NaiveDate::parse_from_str(&t, "%Y-%m-%d"))).transpose()
}

pub(crate) fn date_to_db(date: NaiveDate) -> String {
    // NaiveDate's Display is YYYY-MM-DD for the years we keep, without parsing a format string
    // on every call (which showed in the renewal run's profile).
    date.to_string()
}

impl OrderRecord {
    /// The currency the order is priced and paid in.
    pub fn currency(&self) -> Currency {
        self.total.currency()
    }
}

fn from_row(row: &Row) -> Result<OrderRecord> {
    let currency: Currency = row.parse("currency")?;
    let money = |column: &str| -> Result<Money> { Ok(Money::new(row.try_get(column)?, currency)) };
    Ok(OrderRecord {
        id: row.parse("id")?,
        org_id: row.parse("org_id")?,
        offer_code: row.try_get("offer_code")?,
        offer_name: row.try_get("offer_name")?,
        status: row.parse("status")?,
        step: row.parse("step")?,
        country: row.try_get("country")?,
        net: money("net_minor")?,
        tax: money("tax_minor")?,
        total: money("total_minor")?,
        tax_rate_bp: row.try_get("tax_rate_bp")?,
        terms_code: row.try_get("terms_code")?,
        terms_version: row.try_get("terms_version")?,
        payment_method_id: row.parse_opt("payment_method_id")?,
        last_decline: row.try_get("last_decline")?,
        created_by: row.try_get("created_by")?,
        created_at: from_db(row.try_get("created_at")?)?,
        paid_at: opt_from_db(row.try_get("paid_at")?)?,
        term_start: date_from_db(row.try_get("term_start")?)?,
        term_end: date_from_db(row.try_get("term_end")?)?,
        subscription_id: row.parse_opt("subscription_id")?,
        invoice_id: row.parse_opt("invoice_id")?,
        kind: row.parse("kind")?,
        renews_term_end: date_from_db(row.try_get("renews_term_end")?)?,
        credit: money("credit_minor")?,
        replaces_subscription_id: row.parse_opt("replaces_subscription_id")?,
    })
}

impl crate::bulk::Rows for OrderRecord {
    const INTO: &'static str = "orders (id, org_id, offer_code, offer_name, status, step, country, currency, net_minor, \
        tax_minor, total_minor, tax_rate_bp, terms_code, created_by, created_at, kind, subscription_id, renews_term_end, \
        payment_method_id, credit_minor, replaces_subscription_id)";
    const WIDTH: usize = 21;
    fn values(&self, out: &mut Vec<Value>) {
        out.extend([
            Value::from(&self.id),
            (&self.org_id).into(),
            (&self.offer_code).into(),
            (&self.offer_name).into(),
            self.status.as_str().into(),
            self.step.as_str().into(),
            (&self.country).into(),
            self.currency().code().into(),
            self.net.minor().into(),
            self.tax.minor().into(),
            self.total.minor().into(),
            self.tax_rate_bp.into(),
            (&self.terms_code).into(),
            (&self.created_by).into(),
            to_db(self.created_at).into(),
            self.kind.as_str().into(),
            self.subscription_id.as_ref().into(),
            self.renews_term_end.map(date_to_db).into(),
            self.payment_method_id.as_ref().into(),
            self.credit.minor().into(),
            self.replaces_subscription_id.as_ref().into(),
        ]);
    }
}

/// Inserts a draft; a second open draft for the same org and offer is `Conflict("open draft")`.
pub async fn insert(conn: &mut Conn, o: &OrderRecord) -> Result<()> {
    bulk::insert(conn, std::slice::from_ref(o), "").await.map_err(conflict_as("open draft"))?;
    Ok(())
}

/// Inserts the orders of a renewal batch (one statement per chunk of rows).
pub async fn insert_many(conn: &mut Conn, orders: &[OrderRecord]) -> Result<()> {
    bulk::insert(conn, orders, "").await.map_err(conflict_as("order"))?;
    Ok(())
}

/// An order of `org`; another org's order is `None`.
pub async fn get_in_org(conn: &mut Conn, org: &OrgId, id: &OrderId) -> Result<Option<OrderRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM orders WHERE org_id = $1 AND id = $2");
    let row =
        crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(org.as_str()).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn get(conn: &mut Conn, id: &OrderId) -> Result<Option<OrderRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM orders WHERE id = $1");
    let row = crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(from_row).transpose()
}

/// The open draft (draft or paying) of `org` for `offer_code`, if any.
pub async fn open_draft(conn: &mut Conn, org: &OrgId, offer_code: &str) -> Result<Option<OrderRecord>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM orders WHERE org_id = $1 AND offer_code = $2 AND status IN ('draft', 'paying') \
         AND kind <> 'auto_renewal'"
    );
    let row = crate::sql::query(crate::sql::AssertSqlSafe(sql))
        .bind(org.as_str())
        .bind(offer_code)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn list_in_org(conn: &mut Conn, org: &OrgId) -> Result<Vec<OrderRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM orders WHERE org_id = $1 ORDER BY created_at DESC, id");
    let rows = crate::sql::query(crate::sql::AssertSqlSafe(sql)).bind(org.as_str()).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

/// Moves a draft to `step`, with the terms version or payment method chosen on the way; the
/// reason of an earlier decline no longer applies.
pub async fn set_step(
    conn: &mut Conn,
    id: &OrderId,
    step: Step,
    terms_version: Option<&str>,
    payment_method_id: Option<&PaymentMethodId>,
) -> Result<()> {
    crate::sql::query(
        "UPDATE orders SET step = $1, terms_version = COALESCE($2, terms_version), \
         payment_method_id = COALESCE($3, payment_method_id), last_decline = NULL WHERE id = $4",
    )
    .bind(step.as_str())
    .bind(terms_version)
    .bind(payment_method_id)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// A change of an order's status other than being paid (that is [`mark_paid`], which records
/// the term, the subscription and the invoice with it). Each is one move of the order's life,
/// so that no caller can write a status the wizard and the payment do not know.
#[derive(Clone, Copy, Debug)]
pub enum OrderUpdate<'a> {
    /// A payment attempt went out for the reviewed draft: `draft` → `paying`.
    Paying,
    /// The attempt was declined or never reached the gateway: back to a `draft` at `step`,
    /// saying why.
    Declined { step: Step, reason: &'a str },
    /// An unpaid draft set aside for a draft of another kind.
    Abandoned,
}

pub async fn update(conn: &mut Conn, id: &OrderId, change: OrderUpdate<'_>) -> Result<()> {
    let (status, step, last_decline) = match change {
        OrderUpdate::Paying => (OrderStatus::Paying, Some(Step::Review), None),
        OrderUpdate::Declined { step, reason } => (OrderStatus::Draft, Some(step), Some(reason)),
        OrderUpdate::Abandoned => (OrderStatus::Abandoned, None, None),
    };
    crate::sql::query("UPDATE orders SET status = $1, step = COALESCE($2, step), last_decline = $3 WHERE id = $4")
        .bind(status.as_str())
        .bind(step.map(Step::as_str))
        .bind(last_decline)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Sets a draft's price anew (its credit changed before Buy).
pub async fn set_quote(
    conn: &mut Conn,
    id: &OrderId,
    (net, tax, total, credit): (Money, Money, Money, Money),
    replaces_subscription_id: Option<&SubscriptionId>,
) -> Result<()> {
    crate::sql::query(
        "UPDATE orders SET net_minor = $1, tax_minor = $2, total_minor = $3, credit_minor = $4, \
         replaces_subscription_id = $5 WHERE id = $6 AND status = 'draft'",
    )
    .bind(net.minor())
    .bind(tax.minor())
    .bind(total.minor())
    .bind(credit.minor())
    .bind(replaces_subscription_id)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

pub struct Paid<'a> {
    pub paid_at: DateTime<Utc>,
    pub term_start: NaiveDate,
    pub term_end: NaiveDate,
    pub subscription_id: &'a SubscriptionId,
    pub invoice_id: &'a InvoiceId,
}

pub async fn mark_paid(conn: &mut Conn, id: &OrderId, paid: &Paid<'_>) -> Result<()> {
    crate::sql::query(
        "UPDATE orders SET status = 'paid', last_decline = NULL, paid_at = $1, term_start = $2, term_end = $3, \
         subscription_id = $4, invoice_id = $5 WHERE id = $6",
    )
    .bind(to_db(paid.paid_at))
    .bind(date_to_db(paid.term_start))
    .bind(date_to_db(paid.term_end))
    .bind(paid.subscription_id)
    .bind(paid.invoice_id)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks a renewal batch's orders paid: (order id, what was paid).
pub async fn mark_paid_many(conn: &mut Conn, paid: &[(&OrderId, Paid<'_>)]) -> Result<()> {
    let mut rows = Vec::with_capacity(paid.len() * 6);
    for (id, p) in paid {
        rows.extend([
            Value::from(*id),
            to_db(p.paid_at).into(),
            date_to_db(p.term_start).into(),
            date_to_db(p.term_end).into(),
            p.subscription_id.into(),
            p.invoice_id.into(),
        ]);
    }
    bulk::with_values(
        conn,
        "UPDATE orders SET status = 'paid', last_decline = NULL, paid_at = v.column2, term_start = v.column3, \
         term_end = v.column4, subscription_id = v.column5, invoice_id = v.column6 \
         FROM (VALUES {values}) AS v WHERE orders.id = v.column1",
        6,
        rows,
    )
    .await?;
    Ok(())
}

/// The automatic renewal order of a subscription's term, if the run made one.
pub async fn auto_renewal(
    conn: &mut Conn,
    subscription_id: &SubscriptionId,
    term_end: NaiveDate,
) -> Result<Option<OrderRecord>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM orders WHERE subscription_id = $1 AND renews_term_end = $2 AND kind = 'auto_renewal'"
    );
    let row = crate::sql::query(crate::sql::AssertSqlSafe(sql))
        .bind(subscription_id)
        .bind(date_to_db(term_end))
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Takes the order's row lock (a no-op update) so that two requests for one order go one at a
/// time on PostgreSQL; SQLite's write transactions are serial already (see `orgs::lock`).
pub async fn lock(conn: &mut Conn, org: &OrgId, id: &OrderId) -> Result<()> {
    if conn.backend() != crate::Backend::Postgres {
        return Ok(());
    }
    crate::sql::query("UPDATE orders SET id = id WHERE org_id = $1 AND id = $2")
        .bind(org.as_str())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub struct TermsAcceptance<'a> {
    pub id: &'a AcceptanceId,
    pub org_id: &'a OrgId,
    pub order_id: &'a OrderId,
    pub user_id: &'a UserId,
    pub user_name: &'a str,
    pub terms_code: &'a str,
    pub terms_version: &'a str,
    pub accepted_at: DateTime<Utc>,
    pub address: Option<&'a str>,
}

pub async fn record_acceptance(conn: &mut Conn, a: &TermsAcceptance<'_>) -> Result<()> {
    crate::sql::query(
        "INSERT INTO terms_acceptances (id, org_id, order_id, user_id, user_name, terms_code, terms_version, accepted_at, address) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(a.id)
    .bind(a.org_id.as_str())
    .bind(a.order_id)
    .bind(a.user_id)
    .bind(a.user_name)
    .bind(a.terms_code)
    .bind(a.terms_version)
    .bind(to_db(a.accepted_at))
    .bind(a.address)
    .execute(conn)
    .await?;
    Ok(())
}

/// The acceptance on record for an order: (user name, version, time, address).
pub async fn acceptance(
    conn: &mut Conn,
    order_id: &OrderId,
) -> Result<Option<(String, String, DateTime<Utc>, Option<String>)>> {
    let row = crate::sql::query(
        "SELECT user_name, terms_version, accepted_at, address FROM terms_acceptances WHERE order_id = $1 \
         ORDER BY accepted_at DESC, id DESC LIMIT 1",
    )
    .bind(order_id)
    .fetch_optional(conn)
    .await?;
    match row {
        Some(r) => Ok(Some((
            r.try_get("user_name")?,
            r.try_get("terms_version")?,
            from_db(r.try_get("accepted_at")?)?,
            r.try_get("address")?,
        ))),
        None => Ok(None),
    }
}

#[derive(Clone, Debug)]
pub struct AttemptRecord {
    pub id: PaymentAttemptId,
    pub order_id: OrderId,
    pub idempotency_key: String,
    pub payment_method_id: PaymentMethodId,
    pub gateway: String,
    pub amount: Money,
    pub status: AttemptStatus,
    pub created_at: DateTime<Utc>,
}

fn attempt_from_row(r: &Row) -> Result<AttemptRecord> {
    Ok(AttemptRecord {
        id: r.parse("id")?,
        order_id: r.parse("order_id")?,
        idempotency_key: r.try_get("idempotency_key")?,
        payment_method_id: r.parse("payment_method_id")?,
        gateway: r.try_get("gateway")?,
        amount: Money::new(r.try_get("amount_minor")?, r.parse("currency")?),
        status: r.parse("status")?,
        created_at: from_db(r.try_get("created_at")?)?,
    })
}

impl crate::bulk::Rows for AttemptRecord {
    const INTO: &'static str = "payment_attempts (id, order_id, idempotency_key, payment_method_id, gateway, amount_minor, currency, status, created_at)";
    const WIDTH: usize = 9;
    fn values(&self, out: &mut Vec<Value>) {
        out.extend([
            Value::from(&self.id),
            (&self.order_id).into(),
            (&self.idempotency_key).into(),
            (&self.payment_method_id).into(),
            (&self.gateway).into(),
            self.amount.minor().into(),
            self.amount.currency().code().into(),
            AttemptStatus::Pending.as_str().into(),
            to_db(self.created_at).into(),
        ]);
    }
}

/// Records an attempt as pending before the gateway is called; a second pending attempt for
/// the order is `Conflict("pending attempt")`.
pub async fn insert_attempt(conn: &mut Conn, a: &AttemptRecord) -> Result<()> {
    insert_attempts(conn, std::slice::from_ref(a)).await
}

/// Records attempts as pending (a renewal batch's, before its charges are sent).
pub async fn insert_attempts(conn: &mut Conn, attempts: &[AttemptRecord]) -> Result<()> {
    bulk::insert(conn, attempts, "").await.map_err(conflict_as("pending attempt"))?;
    Ok(())
}

pub async fn pending_attempt(conn: &mut Conn, order_id: &OrderId) -> Result<Option<AttemptRecord>> {
    let row = crate::sql::query(
        "SELECT id, order_id, idempotency_key, payment_method_id, gateway, amount_minor, currency, status, created_at \
         FROM payment_attempts WHERE order_id = $1 AND status = 'pending'",
    )
    .bind(order_id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(attempt_from_row).transpose()
}

/// Every pending attempt created before `before`, oldest first, for reconciliation.
pub async fn pending_attempts_before(conn: &mut Conn, before: DateTime<Utc>) -> Result<Vec<AttemptRecord>> {
    let rows = crate::sql::query(
        "SELECT id, order_id, idempotency_key, payment_method_id, gateway, amount_minor, currency, status, created_at \
         FROM payment_attempts WHERE status = 'pending' AND created_at <= $1 ORDER BY created_at",
    )
    .bind(to_db(before))
    .fetch_all(conn)
    .await?;
    rows.iter().map(attempt_from_row).collect()
}

/// What an attempt came to.
pub async fn attempt_status(conn: &mut Conn, id: &PaymentAttemptId) -> Result<Option<AttemptStatus>> {
    let status: Option<String> = crate::sql::query_scalar("SELECT status FROM payment_attempts WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    status.map(|s| valid(s.parse())).transpose()
}

/// How a pending attempt ends.
#[derive(Clone, Copy, Debug)]
pub enum Settlement<'a> {
    Succeeded {
        charge_ref: &'a str,
    },
    /// The gateway refused the card.
    Declined {
        code: &'a str,
        message: &'a str,
    },
    /// It never reached the gateway, or was given up on.
    Abandoned {
        code: &'a str,
        message: &'a str,
    },
}

/// Settles a pending attempt; `false` if it was settled already (by a racing request or node).
pub async fn settle_attempt(
    conn: &mut Conn,
    id: &PaymentAttemptId,
    settlement: Settlement<'_>,
    at: DateTime<Utc>,
) -> Result<bool> {
    let (status, charge_ref, decline) = match settlement {
        Settlement::Succeeded { charge_ref } => (AttemptStatus::Succeeded, Some(charge_ref), None),
        Settlement::Declined { code, message } => (AttemptStatus::Declined, None, Some((code, message))),
        Settlement::Abandoned { code, message } => (AttemptStatus::Abandoned, None, Some((code, message))),
    };
    let done = crate::sql::query(
        "UPDATE payment_attempts SET status = $1, charge_ref = $2, decline_code = $3, decline_message = $4, settled_at = $5 \
         WHERE id = $6 AND status = 'pending'",
    )
    .bind(status.as_str())
    .bind(charge_ref)
    .bind(decline.map(|d| d.0))
    .bind(decline.map(|d| d.1))
    .bind(to_db(at))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Settles pending attempts as succeeded: (attempt id, charge reference). Returns the ids of
/// those that were still pending; the others were settled already (by a reconciler).
pub async fn settle_succeeded_many(
    conn: &mut Conn,
    settled: &[(&PaymentAttemptId, &str)],
    at: DateTime<Utc>,
) -> Result<Vec<PaymentAttemptId>> {
    let mut rows = Vec::with_capacity(settled.len() * 3);
    for (id, charge_ref) in settled {
        rows.extend([Value::from(*id), (*charge_ref).into(), to_db(at).into()]);
    }
    let done = bulk::with_values(
        conn,
        "UPDATE payment_attempts SET status = 'succeeded', charge_ref = v.column2, settled_at = v.column3 \
         FROM (VALUES {values}) AS v WHERE payment_attempts.id = v.column1 AND payment_attempts.status = 'pending' \
         RETURNING payment_attempts.id",
        3,
        rows,
    )
    .await?;
    done.iter().map(|r| r.parse(0)).collect()
}

/// Records the success of an attempt that had been given up on (abandoned or declined): the
/// gateway took the money after all. `false` if it was not in such a state.
pub async fn settle_late_success(
    conn: &mut Conn,
    id: &PaymentAttemptId,
    charge_ref: &str,
    at: DateTime<Utc>,
) -> Result<bool> {
    let done = crate::sql::query(
        "UPDATE payment_attempts SET status = 'succeeded', charge_ref = $1, settled_at = $2 \
         WHERE id = $3 AND status IN ('abandoned', 'declined')",
    )
    .bind(charge_ref)
    .bind(to_db(at))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// How many attempts an order has had (to number the next one's key).
pub async fn count_attempts(conn: &mut Conn, order_id: &OrderId) -> Result<i64> {
    crate::sql::query_scalar("SELECT COUNT(*) FROM payment_attempts WHERE order_id = $1")
        .bind(order_id)
        .fetch_one(conn)
        .await
}

/// Whether any order of the subscription has a payment out at the gateway (an order is
/// `paying` exactly while its attempt is pending). Asked of the orders by subscription, not of
/// the attempts by status: on PostgreSQL a range of the status index keeps every attempt that
/// ever was pending until vacuum runs, and after a big renewal day that is a million entries.
pub async fn pending_attempt_for_subscription(conn: &mut Conn, subscription_id: &SubscriptionId) -> Result<bool> {
    let n: i64 =
        crate::sql::query_scalar("SELECT COUNT(*) FROM orders WHERE subscription_id = $1 AND status = 'paying'")
            .bind(subscription_id)
            .fetch_one(conn)
            .await?;
    Ok(n > 0)
}

#[cfg(test)]
mod date_tests {
    use chrono::NaiveDate;

    #[test]
    fn dates_are_stored_as_padded_iso_days_and_read_back() {
        for (y, m, d, text) in [(2027, 1, 5, "2027-01-05"), (2028, 2, 29, "2028-02-29"), (999, 12, 31, "0999-12-31")] {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(super::date_to_db(date), text);
            assert_eq!(super::date_from_db(Some(text.to_owned())).unwrap(), Some(date));
        }
    }
}
