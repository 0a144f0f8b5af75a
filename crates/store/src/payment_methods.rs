//! Payment methods of an org as the gateway described them (brand, last four, expiry, its
//! reference) and the org's customer at each gateway. Never a card number.

use crate::sql::Row;
use crate::time::{from_db, to_db};
use crate::{Conn, Result};
use chrono::{DateTime, Utc};
use domain::ids::{OrgId, PaymentMethodId};

#[derive(Clone, Debug)]
pub struct PaymentMethodRecord {
    pub id: PaymentMethodId,
    pub org_id: OrgId,
    pub gateway: String,
    pub gateway_ref: String,
    pub brand: String,
    pub last4: String,
    pub exp_month: i64,
    pub exp_year: i64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

fn from_row(r: &Row) -> Result<PaymentMethodRecord> {
    Ok(PaymentMethodRecord {
        id: r.parse("id")?,
        org_id: r.parse("org_id")?,
        gateway: r.try_get("gateway")?,
        gateway_ref: r.try_get("gateway_ref")?,
        brand: r.try_get("brand")?,
        last4: r.try_get("last4")?,
        exp_month: r.try_get("exp_month")?,
        exp_year: r.try_get("exp_year")?,
        created_by: r.try_get("created_by")?,
        created_at: from_db(r.try_get("created_at")?)?,
    })
}

impl crate::bulk::Rows for PaymentMethodRecord {
    const INTO: &'static str =
        "payment_methods (id, org_id, gateway, gateway_ref, brand, last4, exp_month, exp_year, created_by, created_at)";
    const WIDTH: usize = 10;
    fn values(&self, out: &mut Vec<crate::bulk::Value>) {
        out.extend([
            (&self.id).into(),
            self.org_id.as_str().into(),
            (&self.gateway).into(),
            (&self.gateway_ref).into(),
            (&self.brand).into(),
            (&self.last4).into(),
            self.exp_month.into(),
            self.exp_year.into(),
            (&self.created_by).into(),
            to_db(self.created_at).into(),
        ]);
    }
}

pub async fn insert(conn: &mut Conn, pm: &PaymentMethodRecord) -> Result<()> {
    insert_many(conn, std::slice::from_ref(pm)).await
}

pub async fn insert_many(conn: &mut Conn, pms: &[PaymentMethodRecord]) -> Result<()> {
    crate::bulk::insert(conn, pms, "").await?;
    Ok(())
}

/// The org's payment methods at `gateway`, newest first (the newest is the default).
pub async fn list_in_org(conn: &mut Conn, org: &OrgId, gateway: &str) -> Result<Vec<PaymentMethodRecord>> {
    let rows = crate::sql::query(
        "SELECT id, org_id, gateway, gateway_ref, brand, last4, exp_month, exp_year, created_by, created_at \
         FROM payment_methods WHERE org_id = $1 AND gateway = $2 ORDER BY created_at DESC, id",
    )
    .bind(org.as_str())
    .bind(gateway)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn get_in_org(conn: &mut Conn, org: &OrgId, id: &PaymentMethodId) -> Result<Option<PaymentMethodRecord>> {
    let row = crate::sql::query(
        "SELECT id, org_id, gateway, gateway_ref, brand, last4, exp_month, exp_year, created_by, created_at \
         FROM payment_methods WHERE org_id = $1 AND id = $2",
    )
    .bind(org.as_str())
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn customer(conn: &mut Conn, org: &OrgId, gateway: &str) -> Result<Option<String>> {
    crate::sql::query_scalar("SELECT customer_ref FROM gateway_customers WHERE org_id = $1 AND gateway = $2")
        .bind(org.as_str())
        .bind(gateway)
        .fetch_optional(conn)
        .await
}

/// Records the org's customer at a gateway; a racing second record keeps the first.
pub async fn save_customer(conn: &mut Conn, org: &OrgId, gateway: &str, customer_ref: &str) -> Result<()> {
    let customer =
        CustomerRecord { org_id: org.clone(), gateway: gateway.to_owned(), customer_ref: customer_ref.to_owned() };
    save_customers(conn, std::slice::from_ref(&customer)).await
}

/// An org's customer at a gateway.
pub struct CustomerRecord {
    pub org_id: OrgId,
    pub gateway: String,
    pub customer_ref: String,
}

impl crate::bulk::Rows for CustomerRecord {
    const INTO: &'static str = "gateway_customers (org_id, gateway, customer_ref)";
    const WIDTH: usize = 3;
    fn values(&self, out: &mut Vec<crate::bulk::Value>) {
        out.extend([self.org_id.as_str().into(), (&self.gateway).into(), (&self.customer_ref).into()]);
    }
}

/// Records customers; an org that has one at the gateway keeps it.
pub async fn save_customers(conn: &mut Conn, customers: &[CustomerRecord]) -> Result<()> {
    crate::bulk::insert(conn, customers, "ON CONFLICT (org_id, gateway) DO NOTHING").await?;
    Ok(())
}
