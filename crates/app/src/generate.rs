//! Bulk set-ups for load tests and benchmarks: many orgs, each with a card on the sandbox
//! gateway and an Action Pack subscription due to renew on one day. Written through the
//! store's own functions, a thousand orgs per transaction and one statement per table and
//! chunk of rows, never the whole set in memory.

use crate::error::AppError;
use crate::state::App;
use crate::{passwords, secrets};
use chrono::NaiveDate;
use domain::account::{CompanyName, EmailAddress, PersonName};
use domain::catalog::NETWORK_LEVEL;
use domain::ids::{MembershipId, OrgId, PartnerId, PaymentMethodId, SubscriptionId, UserId};
use domain::roles::PartnerRole;
use store::orgs::{MembershipRecord, OrgRecord};
use store::payment_methods::{CustomerRecord, PaymentMethodRecord};
use store::sandbox::SandboxCard;
use store::subscriptions::SubscriptionRecord;
use store::users::UserRecord;

/// One batch of generated rows, table by table.
#[derive(Default)]
struct Generated {
    orgs: Vec<OrgRecord>,
    levels: Vec<MembershipRecord>,
    users: Vec<UserRecord>,
    customers: Vec<CustomerRecord>,
    cards: Vec<SandboxCard>,
    methods: Vec<PaymentMethodRecord>,
    subs: Vec<SubscriptionRecord>,
}

/// `n` partner IDs that no org holds and that differ from each other. Drawn until free rather
/// than left to the unique index: a failed insert would abort the batch's transaction on
/// PostgreSQL.
async fn free_partner_ids(app: &App, conn: &mut store::Conn, n: usize) -> Result<Vec<PartnerId>, AppError> {
    let mut chosen: Vec<PartnerId> = Vec::with_capacity(n);
    let mut seen = std::collections::HashSet::new();
    while chosen.len() < n {
        let drawn: Vec<PartnerId> = (chosen.len()..n)
            .map(|_| PartnerId::from_random(secrets::random_u32(app.entropy())))
            .filter(|p| seen.insert(p.to_string()))
            .collect();
        let taken: std::collections::HashSet<String> =
            store::orgs::partner_ids_taken(conn, &drawn).await?.into_iter().collect();
        chosen.extend(drawn.into_iter().filter(|p| !taken.contains(&p.to_string())));
    }
    Ok(chosen)
}

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
        return Err(AppError::Forbidden(crate::text::Text::new(i18n::key("error-generate-sandbox-only"))));
    }
    let catalog = app.catalog();
    let offer = catalog.offer("action-pack").or_else(|| catalog.offers().first()).ok_or(AppError::NotFound("offer"))?;
    let country = catalog.countries().first().ok_or(AppError::NotFound("country"))?;
    let price = offer.price(country.currency()).ok_or(AppError::NotFound("price"))?;
    let hash = passwords::hash(PASSWORD.to_owned(), app.entropy()).await?;
    let anchor = domain::term::anniversary(due, -1);
    let run = secrets::random_u32(app.entropy());
    const BATCH: usize = 1000;
    let mut done = 0;
    while done < count {
        let now = app.now();
        let range = done..(done + BATCH).min(count);
        let mut tx = app.store().write().await?;
        let partner_ids = free_partner_ids(app, &mut tx, range.len()).await?;
        let mut batch = Generated::default();
        for (i, partner_id) in range.clone().zip(partner_ids) {
            let org_id = app.new_id(OrgId::from_random);
            batch.orgs.push(OrgRecord {
                id: org_id.clone(),
                partner_id,
                name: CompanyName::parse(&format!("Generated Org {run:08x}-{i}"))?,
                country: country.code().as_str().to_owned(),
                created_at: now,
            });
            batch.levels.push(MembershipRecord {
                id: app.new_id(MembershipId::from_random),
                org_id: org_id.clone(),
                level: NETWORK_LEVEL.into(),
                started_at: now,
            });
            let user = UserRecord {
                id: app.new_id(UserId::from_random),
                org_id: org_id.clone(),
                email: EmailAddress::parse(&format!("billing-{run:08x}-{i}@generated.example"))?,
                name: PersonName::parse("Billing Admin")?,
                role: PartnerRole::BillingAdmin,
                password_hash: hash.clone(),
                created_at: now,
                // Made by the operator for a load test, not by someone who typed an address.
                email_verified_at: Some(now),
                language: None,
                time_zone: None,
            };
            let customer = format!("cus_sbx_{org_id}");
            let pm_id = app.new_id(PaymentMethodId::from_random);
            let token = format!("card_sbx_{pm_id}");
            batch.cards.push(SandboxCard { token: token.clone(), customer: customer.clone(), declines_with: None });
            batch.customers.push(CustomerRecord {
                org_id: org_id.clone(),
                gateway: "sandbox".into(),
                customer_ref: customer,
            });
            batch.methods.push(PaymentMethodRecord {
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
            });
            batch.users.push(user);
            batch.subs.push(SubscriptionRecord {
                id: app.new_id(SubscriptionId::from_random),
                org_id,
                offer_code: offer.code().as_str().into(),
                offer_name: offer.name().into(),
                status: domain::subscription::Status::Active,
                auto_renew: true,
                anchor_date: anchor,
                term_start: anchor,
                term_end: due,
                price,
                payment_method_id: Some(pm_id),
                created_at: now,
                retries_done: 0,
                next_retry_on: None,
                ends_cancelled: false,
            });
        }
        store::orgs::insert_many(&mut tx, &batch.orgs).await?;
        store::orgs::insert_memberships(&mut tx, &batch.levels).await?;
        store::users::insert_many(&mut tx, &batch.users).await?;
        store::payment_methods::save_customers(&mut tx, &batch.customers).await?;
        store::sandbox::insert_cards_in(&mut tx, &batch.cards).await?;
        store::payment_methods::insert_many(&mut tx, &batch.methods).await?;
        store::subscriptions::insert_many(&mut tx, &batch.subs).await?;
        tx.commit().await?;
        done = range.end;
        progress(done);
    }
    app.store().analyze().await?;
    Ok(done)
}
