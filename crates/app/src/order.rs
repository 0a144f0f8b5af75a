//! What the wizard, Buy and a renewal by hand share about an order: who may buy, whether the org
//! may buy the offer now, the step a draft is at, and a draft set aside.

use crate::actor::PartnerUser;
use crate::error::AppError;
use crate::state::App;
use domain::order::{self, OrderStatus};
use domain::roles::PartnerPermission;
use store::orders::OrderRecord;

pub(crate) fn require_buyer(actor: &PartnerUser) -> Result<(), AppError> {
    actor.require(PartnerPermission::ManageBilling, i18n::key("error-act-buy-offers-ask"))
}

pub(crate) fn conflict(code: &'static str, message: impl Into<crate::text::Text>) -> AppError {
    AppError::Conflict { code, message: message.into() }
}

/// The words of a refused purchase, in the reader's language.
pub(crate) fn refusal(r: &domain::order::PurchaseRefusal) -> crate::text::Text {
    use crate::text::Text;
    use domain::order::PurchaseRefusal;
    match r {
        PurchaseRefusal::NotANetworkMember => Text::new(i18n::key("error-not-a-network-member")),
        PurchaseRefusal::MissingLevel(level) => Text::new(i18n::key("error-missing-level")).arg("level", level),
        PurchaseRefusal::AlreadyHeld(offer) => Text::new(i18n::key("error-already-held")).arg("offer", offer),
        PurchaseRefusal::NotPriced { offer, currency } => {
            Text::new(i18n::key("error-not-priced")).arg("offer", offer).arg("currency", currency)
        }
        PurchaseRefusal::CreditInAnotherCurrency(currency) => {
            Text::new(i18n::key("error-credit-other-currency")).arg("currency", currency)
        }
    }
}

/// Checks that the org may buy `offer_code` now; the refusal says why in words.
pub(crate) async fn check_can_buy(
    app: &App,
    conn: &mut store::Conn,
    org: &domain::ids::OrgId,
    offer_code: &str,
) -> Result<(), AppError> {
    let catalog = app.catalog();
    let offer = catalog.offer(offer_code).ok_or(AppError::NotFound("offer"))?;
    let levels = store::orgs::memberships(conn, org).await?;
    let held: Vec<&str> = levels.iter().map(|m| m.level.as_str()).collect();
    let live = store::subscriptions::live_offer_codes(conn, org).await?;
    let live: Vec<&str> = live.iter().map(String::as_str).collect();
    order::check_can_buy(&catalog, offer, &held, &live).map_err(|r| conflict("cannot_buy", refusal(&r)))
}

/// Sets aside an unpaid draft of another kind (a renewal when Subscribe now is pressed, or the
/// other way round): no money is tied to a draft, and one open draft per offer is the rule. A
/// draft whose payment is out is not set aside.
pub(crate) async fn abandon_draft(tx: &mut store::Conn, draft: &OrderRecord) -> Result<(), AppError> {
    if draft.status != OrderStatus::Draft {
        return Err(conflict("payment_in_progress", i18n::key("error-offer-payment-in-progress")));
    }
    store::orders::update(tx, &draft.id, store::orders::OrderUpdate::Abandoned).await?;
    Ok(())
}

/// The order as it is now, read again after a change.
pub(crate) async fn order_after(
    app: &App,
    actor: &PartnerUser,
    id: &domain::ids::OrderId,
) -> Result<OrderRecord, AppError> {
    let mut conn = app.store().read().await?;
    store::orders::get_in_org(&mut conn, &actor.org_id, id).await?.ok_or(AppError::NotFound("order"))
}
