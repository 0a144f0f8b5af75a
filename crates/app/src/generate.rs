//! Bulk set-ups for load tests and benchmarks: many orgs, each with a card on the sandbox
//! gateway and an Action Pack subscription due to renew on one day. Written through the
//! store's own functions, in batches, never the whole set in memory.

use crate::{App, AppError, passwords, secrets};
use chrono::NaiveDate;
use domain::account::{CompanyName, EmailAddress, PersonName};
use domain::catalog::NETWORK_LEVEL;
use domain::ids::{MembershipId, OrgId, PartnerId, PaymentMethodId, SubscriptionId, UserId};
use domain::roles::PartnerRole;
use store::orgs::{MembershipRecord, OrgRecord};
use store::payment_methods::PaymentMethodRecord;
use store::subscriptions::SubscriptionRecord;
use store::users::UserRecord;

/// The password of every generated user.
pub const PASSWORD: &str = "generated orgs password";

/// Creates `count` orgs in the first country of the catalog whose Action Pack renews on `due`;
/// `progress` hears how many are done after each batch. Returns how many were made.
pub async fn due_subscriptions(
    app: &App,
    count: usize,
    due: NaiveDate,
    mut progress: impl FnMut(usize),
) -> Result<usize, AppError> {
    if !matches!(app.gateway(), payments::Gateway::Sandbox(_)) {
        return Err(AppError::Forbidden("generated orgs pay with sandbox cards; use the sandbox gateway".into()));
    }
    let catalog = app.catalog();
    let offer = catalog.offer("action-pack").or_else(|| catalog.offers().first()).ok_or(AppError::NotFound("offer"))?;
    let country = catalog.countries().first().ok_or(AppError::NotFound("country"))?;
    let price = offer.price(country.currency()).ok_or(AppError::NotFound("price"))?;
    let hash = passwords::hash(PASSWORD.to_owned(), app.entropy()).await?;
    let anchor = domain::term::anniversary(due, -1);
    let run = secrets::random_u32(app.entropy());
    const BATCH: usize = 500;
    let mut done = 0;
    while done < count {
        let now = app.now();
        let mut tx = app.store().write().await?;
        for i in done..(done + BATCH).min(count) {
            let org_id = app.new_id(OrgId::from_random);
            let name = CompanyName::parse(&format!("Generated Org {run:08x}-{i}"))?;
            // Draw until the partner ID is free: a failed insert would abort the whole batch's
            // transaction on PostgreSQL.
            let mut partner_id = PartnerId::from_random(secrets::random_u32(app.entropy()));
            while store::orgs::partner_id_taken(&mut tx, partner_id).await? {
                partner_id = PartnerId::from_random(secrets::random_u32(app.entropy()));
            }
            let org = OrgRecord {
                id: org_id.clone(),
                partner_id,
                name,
                country: country.code().as_str().to_owned(),
                created_at: now,
            };
            store::orgs::insert(&mut tx, &org).await?;
            let level = MembershipRecord {
                id: app.new_id(MembershipId::from_random),
                org_id: org_id.clone(),
                level: NETWORK_LEVEL.into(),
                started_at: now,
            };
            store::orgs::insert_membership(&mut tx, &level).await?;
            let user = UserRecord {
                id: app.new_id(UserId::from_random),
                org_id: org_id.clone(),
                email: EmailAddress::parse(&format!("billing-{run:08x}-{i}@generated.example"))?,
                name: PersonName::parse("Billing Admin")?,
                role: PartnerRole::BillingAdmin,
                password_hash: hash.clone(),
                created_at: now,
            };
            store::users::insert(&mut tx, &user).await?;
            let customer = format!("cus_sbx_{org_id}");
            store::payment_methods::save_customer(&mut tx, &org_id, "sandbox", &customer).await?;
            let pm_id = app.new_id(PaymentMethodId::from_random).to_string();
            let token = format!("card_sbx_{pm_id}");
            store::sandbox::insert_card_in(
                &mut tx,
                &store::sandbox::SandboxCard { token: token.clone(), customer, declines_with: None },
            )
            .await?;
            let pm = PaymentMethodRecord {
                id: pm_id.clone(),
                org_id: org_id.clone(),
                gateway: "sandbox".into(),
                gateway_ref: token,
                brand: "visa".into(),
                last4: "4242".into(),
                exp_month: 12,
                exp_year: i64::from(chrono::Datelike::year(&due)) + 3,
                created_by: user.id.to_string(),
                created_at: now,
            };
            store::payment_methods::insert(&mut tx, &pm).await?;
            let sub = SubscriptionRecord {
                id: app.new_id(SubscriptionId::from_random).to_string(),
                org_id,
                offer_code: offer.code().as_str().into(),
                offer_name: offer.name().into(),
                status: "active".into(),
                auto_renew: true,
                anchor_date: anchor,
                term_start: anchor,
                term_end: due,
                currency: price.currency().code().into(),
                price_minor: price.minor(),
                payment_method_id: Some(pm_id),
                created_at: now,
                retries_done: 0,
                next_retry_on: None,
            };
            store::subscriptions::insert(&mut tx, &sub).await?;
        }
        tx.commit().await?;
        done = (done + BATCH).min(count);
        progress(done);
    }
    Ok(done)
}
