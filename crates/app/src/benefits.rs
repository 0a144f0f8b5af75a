//! Benefits: activating a subscription's benefits, assigning seats and license keys to users,
//! revealing a key, drawing on monthly credits, and the job that grants credits and support
//! balances on their days. The rules (what activation allocates, grant days, never below
//! zero) live in `domain::benefit`.
//!
//! Exactly once: one live set of benefits per subscription (a unique index), one ledger entry
//! per grant day and per idempotency key of a use (a unique key), and every change under the
//! org's lock so that two admins cannot give away the same last seat.

use crate::actor::{Actor, Origin, PartnerUser};
use crate::audit::{self, Change, Who};
use crate::error::AppError;
use crate::state::App;
use crate::text::Text;
use domain::account::InvalidInput;
use domain::benefit::{self, BenefitKind, BenefitStatus, Cadence, EntryKind, UnitStatus};
use domain::ids::{BenefitId, BenefitUnitId, LedgerEntryId, SubscriptionId, UserId};
use domain::money::Currency;
use domain::roles::{PartnerPermission, PartnerRole};
use domain::term::program_day;
use store::benefits::{BenefitRecord, LedgerEntry, UnitRecord};
use store::subscriptions::SubscriptionRecord;

fn who(actor: &PartnerUser) -> Who {
    Who::actor(&Actor::Partner(actor.clone()))
}

fn today(app: &App) -> chrono::NaiveDate {
    program_day(app.now(), app.catalog().program().time_zone())
}

/// The ledger entry of a grant, keyed by its benefit and day so that it is written once.
fn grant_entry(app: &App, b: &BenefitRecord, day: chrono::NaiveDate, by: &str) -> LedgerEntry {
    LedgerEntry {
        id: app.new_id(LedgerEntryId::from_random),
        benefit_id: b.id.clone(),
        org_id: b.org_id.clone(),
        entry: EntryKind::Grant,
        amount: b.grant_amount.unwrap_or(0),
        dedupe_key: format!("grant:{}:{day}", b.id),
        period: Some(day),
        memo: match b.cadence {
            Some(Cadence::Monthly) => format!("{} credits for the month from {day}", b.product),
            _ => format!("{} for the term from {day}", b.product),
        },
        created_by: by.to_owned(),
        created_at: app.now(),
    }
}

/// **Activate**: makes the benefits of a live subscription live (Account admin, Global admin).
/// Credits and support balances get their first grant at once.
pub async fn activate(
    app: &App,
    actor: &PartnerUser,
    subscription_id: &SubscriptionId,
    origin: &Origin,
) -> Result<Vec<BenefitRecord>, AppError> {
    actor.require(PartnerPermission::ManageOffers, i18n::key("error-act-activate-benefits-ask"))?;
    let catalog = app.catalog();
    let mut tx = app.store().write().await?;
    store::orgs::lock(&mut tx, &actor.org_id).await?;
    let sub = store::subscriptions::get_in_org(&mut tx, &actor.org_id, subscription_id)
        .await?
        .ok_or(AppError::NotFound("subscription"))?;
    if !sub.status.is_live() {
        return Err(AppError::Conflict {
            code: "subscription_not_live",
            message: Text::new(i18n::key("error-subscription-ended-benefits")).arg("offer", &sub.offer_name),
        });
    }
    if store::benefits::live_for_subscription(&mut tx, &sub.id).await? {
        return Err(AppError::Conflict {
            code: "already_activated",
            message: Text::new(i18n::key("error-benefits-active-already")).arg("offer", &sub.offer_name),
        });
    }
    let offer = catalog.offer(&sub.offer_code).ok_or(AppError::NotFound("offer"))?;
    let org = store::orgs::get(&mut tx, &actor.org_id).await?.ok_or(AppError::NotFound("org"))?;
    let (today, now) = (today(app), app.now());
    let (mut benefits, mut units) = (Vec::new(), Vec::new());
    for (position, a) in benefit::allocate(offer.benefits()).into_iter().enumerate() {
        let b = BenefitRecord {
            id: app.new_id(BenefitId::from_random),
            org_id: actor.org_id.clone(),
            subscription_id: sub.id.clone(),
            position: position as i64,
            kind: a.kind,
            product: a.product.clone(),
            units: i64::from(a.units),
            grant_amount: a.grant,
            currency: a.currency,
            cadence: a.cadence,
            status: BenefitStatus::Active,
            activated_at: now,
            activated_by: actor.id.clone(),
            ended_at: None,
            next_grant_on: a.cadence.map(|c| c.next(sub.anchor_date, today)),
        };
        for seq in 0..a.units {
            let code = match (a.coded, a.kind) {
                (true, BenefitKind::SoftwareLicense) => {
                    let mut bytes = [0u8; 25];
                    app.entropy().fill(&mut bytes);
                    Some(benefit::license_key(&bytes))
                }
                (true, _) => Some(benefit::service_account_name(&a.product, &org.partner_id.to_string())),
                (false, _) => None,
            };
            units.push(UnitRecord {
                id: app.new_id(BenefitUnitId::from_random),
                benefit_id: b.id.clone(),
                org_id: actor.org_id.clone(),
                seq: i64::from(seq),
                code,
                user_id: None,
                assigned_at: None,
                status: UnitStatus::Active,
            });
        }
        benefits.push(b);
    }
    store::benefits::insert_activation(&mut tx, &benefits, &units).await.map_err(|e| match e {
        store::StoreError::Conflict(_) => AppError::Conflict {
            code: "already_activated",
            message: Text::new(i18n::key("error-benefits-active-already")).arg("offer", &sub.offer_name),
        },
        other => other.into(),
    })?;
    for b in &benefits {
        if let Some(c) = b.cadence {
            store::benefits::insert_entry_once(
                &mut tx,
                &grant_entry(app, b, c.current(sub.anchor_date, today), "activation"),
            )
            .await?;
        }
    }
    let detail = format!("activated the benefits of the {} subscription", sub.offer_name);
    let change = Change { org: Some(&actor.org_id), action: "benefits.activated", subject: sub.id.as_str(), detail };
    audit::record(app, &mut tx, who(actor), origin, change).await?;
    let told = benefits
        .iter()
        .map(|b| crate::webhooks::Event {
            event_type: "benefit.activated",
            org: Some(&actor.org_id),
            ordering_key: sub.id.as_str(),
            data: serde_json::json!({
                "benefit_id": b.id,
                "subscription_id": sub.id,
                "kind": b.kind.as_str(),
                "product": b.product,
                "units": b.units,
            }),
        })
        .collect();
    crate::webhooks::emit(app, &mut tx, told).await?;
    tx.commit().await?;
    Ok(benefits)
}

/// One benefit as a person sees it: its units (a Member sees only theirs) and its balance.
#[derive(Clone, Debug)]
pub struct BenefitView {
    pub benefit: BenefitRecord,
    pub units: Vec<UnitView>,
    pub granted: i64,
    pub used: i64,
}

#[derive(Clone, Debug)]
pub struct UnitView {
    pub unit: UnitRecord,
    /// The holder's name and e-mail address.
    pub holder: Option<String>,
}

/// A subscription with its benefits, live and past.
#[derive(Clone, Debug)]
pub struct SubscriptionBenefits {
    pub subscription: SubscriptionRecord,
    /// Live, with no live benefits yet: **Activate** is open.
    pub can_activate: bool,
    pub benefits: Vec<BenefitView>,
}

pub struct BenefitsOverview {
    pub subscriptions: Vec<SubscriptionBenefits>,
    /// The org's users, for assigning seats and keys (admins only; empty otherwise).
    pub users: Vec<(UserId, String)>,
    /// Whether the caller sees every benefit, or only what is assigned to them (a Member).
    pub everything: bool,
}

fn sees_everything(actor: &PartnerUser) -> bool {
    actor.role != PartnerRole::Member
}

/// The Benefits page: every subscription of the org with its benefits. A Member sees only the
/// seats and keys assigned to them.
pub async fn overview(app: &App, actor: &PartnerUser) -> Result<BenefitsOverview, AppError> {
    actor.require(PartnerPermission::ViewMembership, i18n::key("error-act-see-benefits"))?;
    let mut conn = app.store().read().await?;
    let subs = store::subscriptions::list_in_org(&mut conn, &actor.org_id).await?;
    let benefits = store::benefits::list_in_org(&mut conn, &actor.org_id).await?;
    let units = store::benefits::units_in_org(&mut conn, &actor.org_id).await?;
    let totals = store::benefits::totals_in_org(&mut conn, &actor.org_id).await?;
    let users = store::users::list_in_org(&mut conn, &actor.org_id).await?;
    let name_of = |id: &UserId| users.iter().find(|u| &u.id == id).map(|u| format!("{} <{}>", u.name, u.email));
    let everything = sees_everything(actor);
    let mut out = Vec::new();
    for sub in subs {
        let live = sub.status.is_live();
        let mut views = Vec::new();
        for b in benefits.iter().filter(|b| b.subscription_id == sub.id) {
            let units: Vec<UnitView> = units
                .iter()
                .filter(|u| u.benefit_id == b.id)
                .filter(|u| everything || u.user_id.as_ref() == Some(&actor.id))
                .map(|u| UnitView { unit: u.clone(), holder: u.user_id.as_ref().and_then(name_of) })
                .collect();
            if !everything && units.is_empty() {
                continue;
            }
            let (granted, used) = totals.iter().find(|t| t.0 == b.id).map_or((0, 0), |t| (t.1, t.2));
            views.push(BenefitView { benefit: b.clone(), units, granted, used });
        }
        let can_activate = live && !views.iter().any(|v| v.benefit.status == BenefitStatus::Active);
        if !everything && views.is_empty() {
            continue;
        }
        out.push(SubscriptionBenefits { subscription: sub, can_activate: can_activate && everything, benefits: views });
    }
    let users = if actor.role.allows(PartnerPermission::ManageOffers) {
        users.iter().map(|u| (u.id.clone(), format!("{} <{}>", u.name, u.email))).collect()
    } else {
        Vec::new()
    };
    Ok(BenefitsOverview { subscriptions: out, users, everything })
}

async fn live_benefit(tx: &mut store::Conn, actor: &PartnerUser, id: &BenefitId) -> Result<BenefitRecord, AppError> {
    let b = store::benefits::get_in_org(tx, &actor.org_id, id).await?.ok_or(AppError::NotFound("benefit"))?;
    if b.status != BenefitStatus::Active {
        return Err(AppError::Conflict {
            code: "benefit_ended",
            message: Text::new(i18n::key("error-benefit-ended")).arg("product", &b.product),
        });
    }
    Ok(b)
}

/// Which word a message uses for a benefit's units: a Fluent selector, not shown as is.
fn unit_kind(kind: BenefitKind) -> &'static str {
    if kind == BenefitKind::SoftwareLicense { "license" } else { "seat" }
}

fn unit_word(kind: BenefitKind) -> &'static str {
    if kind == BenefitKind::SoftwareLicense { "license key" } else { "seat" }
}

/// Assigns one free seat or license key of a benefit to a user of the org (Account admin,
/// Global admin). Never more than the benefit's quantity; one per user.
pub async fn assign(
    app: &App,
    actor: &PartnerUser,
    benefit_id: &BenefitId,
    user_id: &UserId,
    origin: &Origin,
) -> Result<UnitRecord, AppError> {
    actor.require(PartnerPermission::ManageOffers, i18n::key("error-act-assign-benefits-ask"))?;
    let mut tx = app.store().write().await?;
    store::orgs::lock(&mut tx, &actor.org_id).await?;
    let b = live_benefit(&mut tx, actor, benefit_id).await?;
    if !matches!(b.kind, BenefitKind::Seats | BenefitKind::SoftwareLicense) {
        return Err(AppError::Conflict {
            code: "not_assignable",
            message: Text::new(i18n::key("error-benefit-not-assignable")).arg("product", &b.product),
        });
    }
    let user = store::users::get_in_org(&mut tx, &actor.org_id, user_id).await?.ok_or(AppError::NotFound("user"))?;
    let word = unit_word(b.kind);
    if store::benefits::holds(&mut tx, &b.id, &user.id).await? {
        return Err(AppError::Conflict {
            code: "already_assigned",
            message: Text::new(i18n::key("error-benefit-already-assigned"))
                .arg("name", &user.name)
                .arg("product", &b.product)
                .arg("kind", unit_kind(b.kind)),
        });
    }
    let Some(unit_id) = store::benefits::free_unit(&mut tx, &b.id).await? else {
        return Err(AppError::Conflict {
            code: "none_left",
            message: Text::new(i18n::key("error-benefit-none-left"))
                .count("units", b.units)
                .arg("product", &b.product)
                .arg("kind", unit_kind(b.kind)),
        });
    };
    if !store::benefits::assign(&mut tx, &unit_id, &user.id, app.now()).await? {
        return Err(AppError::Conflict {
            code: "none_left",
            message: Text::new(i18n::key("error-benefit-just-taken"))
                .arg("product", &b.product)
                .arg("kind", unit_kind(b.kind)),
        });
    }
    let detail = format!("assigned a {} {word} to {}", b.product, user.email);
    let change = Change { org: Some(&actor.org_id), action: "benefit.assigned", subject: unit_id.as_str(), detail };
    audit::record(app, &mut tx, who(actor), origin, change).await?;
    let unit =
        store::benefits::unit_in_org(&mut tx, &actor.org_id, &unit_id).await?.ok_or(AppError::NotFound("unit"))?;
    tx.commit().await?;
    Ok(unit)
}

/// Takes a seat or key back from its holder (Account admin, Global admin).
pub async fn unassign(
    app: &App,
    actor: &PartnerUser,
    unit_id: &BenefitUnitId,
    origin: &Origin,
) -> Result<(), AppError> {
    actor.require(PartnerPermission::ManageOffers, i18n::key("error-act-assign-benefits-ask"))?;
    let mut tx = app.store().write().await?;
    store::orgs::lock(&mut tx, &actor.org_id).await?;
    let unit =
        store::benefits::unit_in_org(&mut tx, &actor.org_id, unit_id).await?.ok_or(AppError::NotFound("unit"))?;
    let b = live_benefit(&mut tx, actor, &unit.benefit_id).await?;
    if !store::benefits::unassign(&mut tx, &unit.id).await? {
        return Err(AppError::Conflict {
            code: "not_assigned",
            message: crate::text::Text::new(i18n::key("error-unit-not-assigned")),
        });
    }
    let detail = format!(
        "took back a {} {} from {}",
        b.product,
        unit_word(b.kind),
        unit.user_id.map(String::from).unwrap_or_default()
    );
    let change = Change { org: Some(&actor.org_id), action: "benefit.unassigned", subject: unit.id.as_str(), detail };
    audit::record(app, &mut tx, who(actor), origin, change).await?;
    tx.commit().await?;
    Ok(())
}

/// Shows a license key in full, to an Account admin or Global admin or to the user it is
/// assigned to; every reveal is audited.
pub async fn reveal_key(
    app: &App,
    actor: &PartnerUser,
    unit_id: &BenefitUnitId,
    origin: &Origin,
) -> Result<String, AppError> {
    let mut tx = app.store().write().await?;
    let unit =
        store::benefits::unit_in_org(&mut tx, &actor.org_id, unit_id).await?.ok_or(AppError::NotFound("unit"))?;
    let b = store::benefits::get_in_org(&mut tx, &actor.org_id, &unit.benefit_id)
        .await?
        .ok_or(AppError::NotFound("benefit"))?;
    let key = unit
        .code
        .clone()
        .filter(|_| b.kind == BenefitKind::SoftwareLicense)
        .ok_or(AppError::NotFound("license key"))?;
    let holder = unit.user_id.as_ref() == Some(&actor.id);
    if !holder && !actor.role.allows(PartnerPermission::ManageOffers) {
        return Err(AppError::forbidden(i18n::key("error-act-see-this-license-key-ask")));
    }
    if unit.status != UnitStatus::Active {
        return Err(AppError::Conflict {
            code: "key_revoked",
            message: Text::new(i18n::key("error-license-key-revoked")),
        });
    }
    let detail = format!("revealed a {} license key (ending {})", b.product, key.rsplit('-').next().unwrap_or(""));
    let change = Change { org: Some(&actor.org_id), action: "license_key.revealed", subject: unit.id.as_str(), detail };
    audit::record(app, &mut tx, who(actor), origin, change).await?;
    tx.commit().await?;
    Ok(key)
}

/// A draw on monthly credits: what was written and what is left.
#[derive(Clone, Debug)]
pub struct CreditUse {
    pub entry: LedgerEntry,
    pub left: i64,
    pub currency: Currency,
}

/// Draws `amount` (in the credit's currency, e.g. "12.50") from a monthly-credit benefit
/// (Account admin, Global admin). Recorded once per `key`: a repeat returns the first draw.
/// Never takes the balance below zero.
pub async fn use_credit(
    app: &App,
    actor: &PartnerUser,
    benefit_id: &BenefitId,
    amount: &str,
    memo: &str,
    key: &str,
    origin: &Origin,
) -> Result<CreditUse, AppError> {
    actor.require(PartnerPermission::ManageOffers, i18n::key("error-act-use-credits-ask"))?;
    if key.is_empty() || key.len() > 255 || key.chars().any(char::is_control) {
        return Err(InvalidInput::new("key", "send an idempotency key of 1 to 255 characters").into());
    }
    let memo = memo.trim();
    if memo.chars().count() > 200 || memo.chars().any(char::is_control) {
        return Err(InvalidInput::new("memo", "write at most 200 characters on one line").into());
    }
    let mut tx = app.store().write().await?;
    store::orgs::lock(&mut tx, &actor.org_id).await?;
    let b = live_benefit(&mut tx, actor, benefit_id).await?;
    let currency = b.currency.filter(|_| b.kind == BenefitKind::MonthlyCredit).ok_or_else(|| AppError::Conflict {
        code: "not_a_credit",
        message: Text::new(i18n::key("error-not-a-credit")).arg("product", &b.product),
    })?;
    let amount = benefit::credit_amount(amount, currency).map_err(|why| {
        InvalidInput::new("amount", format!("write an amount in {currency}, like 12.50 ({why})"))
            .said("error-amount-in", &[("currency", &currency)])
    })?;
    let dedupe_key = format!("use:{}:{key}", actor.id);
    if let Some(first) = store::benefits::entry_by_key(&mut tx, &dedupe_key).await? {
        if first.benefit_id != b.id || first.amount != -amount.minor() {
            return Err(AppError::Conflict {
                code: "idempotency_key_reused",
                message: Text::new(i18n::key("error-idempotency-key-reused")),
            });
        }
        let left = store::benefits::balance(&mut tx, &b.id).await?;
        return Ok(CreditUse { entry: first, left, currency });
    }
    let left = store::benefits::balance(&mut tx, &b.id).await?;
    benefit::check_draw(left, amount.minor()).map_err(|refusal| match refusal {
        benefit::DrawRefusal::NotPositive => AppError::from(InvalidInput::new("amount", refusal.to_string())),
        benefit::DrawRefusal::MoreThanLeft { left } => AppError::Conflict {
            code: "insufficient_balance",
            message: Text::new(i18n::key("error-credit-left"))
                .arg("left", domain::money::Money::new(left, amount.currency()))
                .arg("product", &b.product),
        },
    })?;
    let entry = LedgerEntry {
        id: app.new_id(LedgerEntryId::from_random),
        benefit_id: b.id.clone(),
        org_id: actor.org_id.clone(),
        entry: EntryKind::Use,
        amount: -amount.minor(),
        dedupe_key,
        period: None,
        memo: if memo.is_empty() { "Credits used".into() } else { memo.to_owned() },
        created_by: actor.id.to_string(),
        created_at: app.now(),
    };
    store::benefits::insert_entry_once(&mut tx, &entry).await?;
    let detail = format!("used {amount} of {} credits", b.product);
    let change = Change { org: Some(&actor.org_id), action: "benefit.credit_used", subject: b.id.as_str(), detail };
    audit::record(app, &mut tx, who(actor), origin, change).await?;
    tx.commit().await?;
    Ok(CreditUse { entry, left: left - amount.minor(), currency })
}

/// A benefit's ledger (not for Members, who see only what is assigned to them).
pub async fn ledger(app: &App, actor: &PartnerUser, benefit_id: &BenefitId) -> Result<Vec<LedgerEntry>, AppError> {
    if !sees_everything(actor) {
        return Err(AppError::forbidden(i18n::key("error-act-see-the-credit-ledger")));
    }
    let mut conn = app.store().read().await?;
    store::benefits::get_in_org(&mut conn, &actor.org_id, benefit_id).await?.ok_or(AppError::NotFound("benefit"))?;
    Ok(store::benefits::ledger(&mut conn, &actor.org_id, benefit_id).await?)
}

/// The grant job: every grant of live credits and balances due up to today, each exactly once
/// (a grant per benefit and day), for as many days as were missed. Returns how many it wrote.
pub async fn grant_due(app: &App) -> Result<usize, AppError> {
    let today = today(app);
    let mut granted = 0;
    let mut after: Option<BenefitId> = None;
    loop {
        let mut tx = app.store().write().await?;
        let due = store::benefits::grants_due(&mut tx, today, after.as_ref(), 200).await?;
        let Some(last) = due.last() else { break };
        after = Some(last.benefit.id.clone());
        for d in &due {
            // Past due keeps its benefits; an ended subscription's benefits end with it.
            let live = d.subscription_status.is_live();
            let (Some(c), Some(from), true) = (d.benefit.cadence, d.benefit.next_grant_on, live) else { continue };
            let mut day = from;
            while day <= today {
                if store::benefits::insert_entry_once(&mut tx, &grant_entry(app, &d.benefit, day, "grant job")).await? {
                    granted += 1;
                }
                day = c.next(d.anchor_date, day);
            }
            store::benefits::advance_grant(&mut tx, &d.benefit.id, from, day).await?;
        }
        tx.commit().await?;
    }
    Ok(granted)
}

/// Ends a subscription's benefits (expiry, cancellation) inside the caller's transaction.
pub(crate) async fn end(app: &App, tx: &mut store::Conn, subscription_id: &SubscriptionId) -> Result<u64, AppError> {
    Ok(store::benefits::end_for_subscription(tx, subscription_id, app.now()).await?)
}

/// What is left of an org's live support balances: `(benefit id, kind, product, left)`.
pub async fn support_balances(
    app: &App,
    staff: &crate::actor::StaffMember,
    org: &domain::ids::OrgId,
) -> Result<Vec<(BenefitId, BenefitKind, String, i64)>, AppError> {
    staff.require(domain::roles::StaffPermission::ViewOrgs, i18n::key("error-act-see-partner-orgs"))?;
    let mut conn = app.store().read().await?;
    let benefits = store::benefits::list_in_org(&mut conn, org).await?;
    let totals = store::benefits::totals_in_org(&mut conn, org).await?;
    Ok(benefits
        .into_iter()
        .filter(|b| b.status == BenefitStatus::Active && b.kind.is_support_balance())
        .map(|b| {
            let left = totals.iter().find(|t| t.0 == b.id).map_or(0, |t| t.1 - t.2);
            (b.id, b.kind, b.product, left)
        })
        .collect())
}

/// A draw on a support balance: which balance, how much, and the form's key.
pub(crate) struct SupportDraw<'a> {
    pub benefit_id: &'a BenefitId,
    pub amount: i64,
    pub key: &'a str,
}

/// Staff draw down a support balance on a service request (support incidents or advisory
/// hours), inside the caller's transaction: once per `key`, never below zero, written in the
/// ledger with the request's number. Returns the balance's name and what is left.
pub(crate) async fn draw_support(
    app: &App,
    tx: &mut store::Conn,
    staff: &crate::actor::StaffMember,
    request: &store::service_requests::RequestRecord,
    draw: SupportDraw<'_>,
    origin: &Origin,
) -> Result<(String, i64), AppError> {
    let SupportDraw { benefit_id, amount, key } = draw;
    staff.require(domain::roles::StaffPermission::ViewOrgs, i18n::key("error-act-draw-down-support-balances"))?;
    if key.is_empty() || key.len() > 255 || key.chars().any(char::is_control) {
        return Err(InvalidInput::new("key", "reload the page and send the form again").into());
    }
    store::orgs::lock(tx, &request.org_id).await?;
    let b = store::benefits::get_in_org(tx, &request.org_id, benefit_id)
        .await?
        .filter(|b| b.status == BenefitStatus::Active && b.kind.is_support_balance())
        .ok_or(AppError::NotFound("support balance"))?;
    let product = b.product.to_lowercase();
    let dedupe_key = format!("support:{}:{key}", request.id);
    if store::benefits::entry_by_key(tx, &dedupe_key).await?.is_some() {
        return Err(AppError::Conflict { code: "already_drawn", message: Text::new(i18n::key("error-already-drawn")) });
    }
    let left = store::benefits::balance(tx, &b.id).await?;
    benefit::check_draw(left, amount).map_err(|refusal| match refusal {
        benefit::DrawRefusal::NotPositive => AppError::from(InvalidInput::new("amount", refusal.to_string())),
        benefit::DrawRefusal::MoreThanLeft { left } => AppError::Conflict {
            code: "insufficient_balance",
            message: Text::new(i18n::key("error-support-left")).count("left", left).arg("product", &product),
        },
    })?;
    let entry = LedgerEntry {
        id: app.new_id(LedgerEntryId::from_random),
        benefit_id: b.id.clone(),
        org_id: request.org_id.clone(),
        entry: EntryKind::Use,
        amount: -amount,
        dedupe_key,
        period: None,
        memo: format!("{amount} {product} on service request {}", request.number),
        created_by: staff.id.to_string(),
        created_at: app.now(),
    };
    store::benefits::insert_entry_once(tx, &entry).await?;
    let detail = format!("drew {amount} {product} on service request {}", request.number);
    let change = Change { org: Some(&request.org_id), action: "benefit.support_used", subject: b.id.as_str(), detail };
    audit::record(app, tx, Who::actor(&Actor::Staff(staff.clone())), origin, change).await?;
    Ok((product, left - amount))
}
