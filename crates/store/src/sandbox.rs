//! The sandbox payment gateway's own books: its cards and its charges and refunds, keyed so
//! that a repeated request with the same idempotency key gets the first answer.

use crate::{Result, Store, StoreError};

pub struct SandboxCard {
    pub token: String,
    pub customer: String,
    /// The decline code every charge gets, for the card that "saves fine but every charge fails".
    pub declines_with: Option<String>,
}

#[derive(Clone)]
pub struct SandboxCharge {
    pub idempotency_key: String,
    pub card_token: String,
    pub amount_minor: i64,
    pub currency: String,
    pub charge_ref: String,
    pub declined_with: Option<String>,
}

pub async fn insert_card(store: &Store, card: &SandboxCard) -> Result<()> {
    let mut tx = store.write().await?;
    insert_card_in(&mut tx, card).await?;
    tx.commit().await?;
    Ok(())
}

impl crate::bulk::Rows for SandboxCard {
    const INTO: &'static str = "sandbox_cards (token, customer, declines_with)";
    const WIDTH: usize = 3;
    fn values(&self, out: &mut Vec<crate::bulk::Value>) {
        out.extend([(&self.token).into(), (&self.customer).into(), self.declines_with.as_deref().into()]);
    }
}

/// Inserts a card inside the caller's transaction.
pub async fn insert_card_in(conn: &mut crate::Conn, card: &SandboxCard) -> Result<()> {
    insert_cards_in(conn, std::slice::from_ref(card)).await
}

/// Inserts cards inside the caller's transaction (bulk set-ups).
pub async fn insert_cards_in(conn: &mut crate::Conn, cards: &[SandboxCard]) -> Result<()> {
    crate::bulk::insert(conn, cards, "").await?;
    Ok(())
}

/// Cards by token (those that exist).
pub async fn get_cards_in(conn: &mut crate::Conn, tokens: &[&str]) -> Result<Vec<SandboxCard>> {
    let keys = tokens.iter().map(|t| crate::bulk::Value::from(*t)).collect();
    let rows = crate::bulk::with_values(
        conn,
        "SELECT token, customer, declines_with FROM sandbox_cards WHERE token IN ({values})",
        1,
        keys,
    )
    .await?;
    rows.iter().map(card_from_row).collect()
}

fn card_from_row(r: &crate::sql::Row) -> Result<SandboxCard> {
    Ok(SandboxCard {
        token: r.try_get("token")?,
        customer: r.try_get("customer")?,
        declines_with: r.try_get("declines_with")?,
    })
}

impl crate::bulk::Rows for SandboxCharge {
    const INTO: &'static str =
        "sandbox_charges (idempotency_key, card_token, amount_minor, currency, charge_ref, declined_with)";
    const WIDTH: usize = 6;
    fn values(&self, out: &mut Vec<crate::bulk::Value>) {
        out.extend([
            (&self.idempotency_key).into(),
            (&self.card_token).into(),
            self.amount_minor.into(),
            (&self.currency).into(),
            (&self.charge_ref).into(),
            self.declined_with.as_deref().into(),
        ]);
    }
}

/// Records each charge unless one with its key exists, in the caller's transaction; returns
/// the charges that stand for those keys (in no particular order).
pub async fn insert_charges_once_in(conn: &mut crate::Conn, charges: &[SandboxCharge]) -> Result<Vec<SandboxCharge>> {
    let inserted = crate::bulk::insert(conn, charges, "ON CONFLICT (idempotency_key) DO NOTHING").await?;
    if usize::try_from(inserted).is_ok_and(|n| n == charges.len()) {
        // Every key was new: the charges that stand are these (the usual case, no read-back).
        return Ok(charges.iter().map(SandboxCharge::clone).collect());
    }
    let keys = charges.iter().map(|c| crate::bulk::Value::from(&c.idempotency_key)).collect();
    let rows = crate::bulk::with_values(
        conn,
        "SELECT idempotency_key, card_token, amount_minor, currency, charge_ref, declined_with FROM sandbox_charges \
         WHERE idempotency_key IN ({values})",
        1,
        keys,
    )
    .await?;
    rows.iter().map(charge_from_row).collect()
}

pub async fn find_charge(store: &Store, key: &str) -> Result<Option<SandboxCharge>> {
    let mut conn = store.read().await?;
    charge_by_key(&mut conn, key).await
}

async fn charge_by_key(conn: &mut crate::Conn, key: &str) -> Result<Option<SandboxCharge>> {
    let row = crate::sql::query(
        "SELECT idempotency_key, card_token, amount_minor, currency, charge_ref, declined_with FROM sandbox_charges WHERE idempotency_key = $1",
    )
    .bind(key)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(charge_from_row).transpose()
}

fn charge_from_row(r: &crate::sql::Row) -> Result<SandboxCharge> {
    Ok(SandboxCharge {
        idempotency_key: r.try_get("idempotency_key")?,
        card_token: r.try_get("card_token")?,
        amount_minor: r.try_get("amount_minor")?,
        currency: r.try_get("currency")?,
        charge_ref: r.try_get("charge_ref")?,
        declined_with: r.try_get("declined_with")?,
    })
}

/// Records a refund once per key, never more in total than the charge (unlike localstripe, the
/// sandbox refuses over-refunds as a real gateway does). Returns the refund reference.
pub async fn insert_refund_once(
    store: &Store,
    key: &str,
    charge_ref: &str,
    amount_minor: i64,
    refund_ref: &str,
) -> Result<String> {
    let mut tx = store.write().await?;
    if let Some(existing) =
        crate::sql::query_scalar::<_, String>("SELECT refund_ref FROM sandbox_refunds WHERE idempotency_key = $1")
            .bind(key)
            .fetch_optional(&mut tx)
            .await?
    {
        return Ok(existing);
    }
    let charged: Option<i64> = crate::sql::query_scalar(
        "SELECT amount_minor FROM sandbox_charges WHERE charge_ref = $1 AND declined_with IS NULL",
    )
    .bind(charge_ref)
    .fetch_optional(&mut tx)
    .await?;
    let charged = charged.ok_or_else(|| StoreError::Conflict(format!("no successful charge {charge_ref}")))?;
    let refunded: i64 = crate::sql::query_scalar(
        "SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM sandbox_refunds WHERE charge_ref = $1",
    )
    .bind(charge_ref)
    .fetch_one(&mut tx)
    .await?;
    if amount_minor <= 0 || refunded + amount_minor > charged {
        return Err(StoreError::Conflict("the refund is more than what is left of the charge".into()));
    }
    crate::sql::query(
        "INSERT INTO sandbox_refunds (idempotency_key, charge_ref, amount_minor, refund_ref) VALUES ($1, $2, $3, $4)",
    )
    .bind(key)
    .bind(charge_ref)
    .bind(amount_minor)
    .bind(refund_ref)
    .execute(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(refund_ref.to_owned())
}
