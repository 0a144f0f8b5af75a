//! Turning automatic renewal off, and a renewal by hand: its order, started at the verify step
//! of the wizard, and the term it would buy.

use crate::actor::{Actor, Origin, PartnerUser};
use crate::audit::{self, Change, Who};
use crate::error::AppError;
use crate::order::abandon_draft;
use crate::state::App;
use crate::subscription::{another_live_subscription, refused, renewal_order, rules, today};
use domain::ids::SubscriptionId;
use domain::order::{self, OrderKind, Step};
use domain::roles::PartnerPermission;
use domain::term::Term;
use store::notifications::Notification;
use store::orders::OrderRecord;
use store::subscriptions::SubscriptionRecord;

/// Turn off automatic renewal (Billing admin, Account admin, Global admin). One way: only a
/// renewal turns it back on.
pub async fn turn_off_auto_renew(
    app: &App,
    actor: &PartnerUser,
    id: &SubscriptionId,
    origin: &Origin,
) -> Result<SubscriptionRecord, AppError> {
    if !actor.role.allows(PartnerPermission::ManageBilling) && !actor.role.allows(PartnerPermission::ManageOffers) {
        return Err(AppError::Forbidden(crate::text::Text::new(i18n::key("error-role-change-subscriptions"))));
    }
    let mut tx = app.store().write().await?;
    store::orgs::lock(&mut tx, &actor.org_id).await?;
    let sub = store::subscriptions::get_in_org(&mut tx, &actor.org_id, id)
        .await?
        .ok_or(AppError::NotFound("subscription"))?;
    rules(&sub).turn_off_auto_renew().map_err(refused)?;
    store::subscriptions::turn_off_auto_renew(&mut tx, &actor.org_id, id).await?;
    let detail =
        format!("turned off automatic renewal of the {} subscription (term ends {})", sub.offer_name, sub.term_end);
    let change =
        Change { org: Some(&actor.org_id), action: "subscription.auto_renew_disabled", subject: id.as_str(), detail };
    audit::record(app, &mut tx, Who::actor(&Actor::Partner(actor.clone())), origin, change).await?;
    let mut data = crate::webhooks::subscription_data(&sub);
    data["auto_renew"] = false.into();
    crate::webhooks::emit_one(app, &mut tx, "subscription.auto_renew_disabled", &sub.org_id, sub.id.as_str(), data)
        .await?;
    tx.commit().await?;
    let mut conn = app.store().read().await?;
    store::subscriptions::get_in_org(&mut conn, &actor.org_id, id).await?.ok_or(AppError::NotFound("subscription"))
}

/// Actions → Renew subscriptions: the open renewal order of the subscription, or a new one at
/// the verify step.
pub async fn start_renewal(
    app: &App,
    actor: &PartnerUser,
    id: &SubscriptionId,
    origin: &Origin,
) -> Result<OrderRecord, AppError> {
    actor.require(PartnerPermission::ManageBilling, i18n::key("error-act-renew-subscriptions-ask"))?;
    actor.require_verified_email(i18n::key("error-act-renew-a-subscription"))?;
    let catalog = app.catalog();
    let mut tx = app.store().write().await?;
    store::orgs::lock(&mut tx, &actor.org_id).await?;
    let sub = store::subscriptions::get_in_org(&mut tx, &actor.org_id, id)
        .await?
        .ok_or(AppError::NotFound("subscription"))?;
    if let Some(draft) = store::orders::open_draft(&mut tx, &actor.org_id, &sub.offer_code).await? {
        if draft.subscription_id.as_ref() == Some(id) {
            return Ok(draft);
        }
        abandon_draft(&mut tx, &draft).await?;
    }
    rules(&sub).manual_renewal(today(app)).map_err(refused)?;
    another_live_subscription(app, &mut tx, &sub).await?;
    let offer = catalog.offer(&sub.offer_code).ok_or(AppError::NotFound("offer"))?;
    let org = store::orgs::get(&mut tx, &actor.org_id).await?.ok_or(AppError::NotFound("org"))?;
    let country = catalog.country(&org.country).ok_or_else(|| AppError::internal("country left the catalog"))?;
    let quote = order::quote(offer, country)
        .map_err(|r| AppError::Conflict { code: "cannot_renew", message: crate::order::refusal(&r) })?;
    let draft = renewal_order(
        app,
        &sub,
        &quote,
        OrderKind::Renewal,
        Step::Verify,
        actor.id.as_str(),
        offer.terms_code().as_str(),
    );
    store::orders::insert(&mut tx, &draft).await?;
    let change = Change {
        org: Some(&actor.org_id),
        action: "order.started",
        subject: draft.id.as_str(),
        detail: format!("started the renewal of the {} subscription", sub.offer_name),
    };
    audit::record(app, &mut tx, Who::actor(&Actor::Partner(actor.clone())), origin, change).await?;
    tx.commit().await?;
    Ok(draft)
}

/// The term an order would buy if paid today (for the verify and review steps).
pub async fn preview_term(app: &App, order: &OrderRecord) -> Result<Term, AppError> {
    let Some(sub_id) = order.subscription_id.as_ref() else { return Ok(Term::first(today(app))) };
    let mut conn = app.store().read().await?;
    let sub = store::subscriptions::get(&mut conn, sub_id).await?.ok_or(AppError::NotFound("subscription"))?;
    Ok(match rules(&sub).manual_renewal(today(app)) {
        Ok(renewal) => renewal.term,
        Err(_) => rules(&sub).next_term(),
    })
}

/// The org's notifications, newest first, written in `lang`.
pub async fn notifications(app: &App, actor: &PartnerUser, lang: &i18n::Lang) -> Result<Vec<Notification>, AppError> {
    actor.require(PartnerPermission::ViewMembership, i18n::key("error-act-see-notifications"))?;
    let mut conn = app.store().read().await?;
    let list = store::notifications::list_in_org(&mut conn, &actor.org_id, 100).await?;
    Ok(list.into_iter().map(|n| crate::notices::in_lang(n, lang)).collect())
}
