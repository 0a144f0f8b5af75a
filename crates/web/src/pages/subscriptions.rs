//! A subscription's page (Turn off automatic renewal, Actions > Renew subscriptions) and the
//! org's notifications.

use super::common::Chrome;
use crate::auth::{PartnerSession, WebOrigin};
use crate::csrf::CsrfToken;
use crate::error::{PageError, known_id, public_message_in, status_of};
use crate::present::{offer_name, subscription_status, term};
use crate::state::AppState;
use app::AppError;
use app::billing::card_label;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use domain::ids::{InvoiceId, SubscriptionId};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/subscriptions/{id}", get(subscription))
        .route("/subscriptions/{id}/turn-off", get(turn_off_form).post(turn_off))
        .route("/subscriptions/{id}/renew", post(renew))
        .route("/notifications", get(notifications))
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/subscription.html")]
struct SubscriptionPage {
    chrome: Chrome,
    s: store::subscriptions::SubscriptionRecord,
    status: String,
    live: bool,
    /// The last renewal charge failed; retries are scheduled.
    past_due: bool,
    term: String,
    term_end: String,
    /// "March 15, 2028: $475.00 plus tax".
    next_renewal: String,
    next_retry: Option<String>,
    card: String,
    /// Renew subscriptions (billing roles).
    can_renew: bool,
    /// Turn off automatic renewal (billing and offer roles).
    can_manage: bool,
    invoices: Vec<(InvoiceId, String, String)>,
    error: Option<String>,
}

/// A subscription's id from the path; one of the wrong shape is as unknown as a missing one.
fn subscription_id(raw: &str) -> Result<SubscriptionId, AppError> {
    known_id(raw, "subscription")
}

async fn subscription_page(
    state: &AppState,
    csrf: &CsrfToken,
    session: &PartnerSession,
    id: &SubscriptionId,
    error: Option<String>,
) -> Result<SubscriptionPage, AppError> {
    let sub = app::subscription::get(&state.app, &session.user, id).await?;
    let lang = &session.lang;
    let billing = session.user.role.allows(domain::roles::PartnerPermission::ManageBilling);
    let invoices = if billing {
        app::billing::of_subscription(&state.app, &session.user, &sub.id)
            .await?
            .into_iter()
            .map(|i| (i.id, i.number, term(lang, i.period_start, i.period_end)))
            .collect()
    } else {
        Vec::new()
    };
    let card = if billing {
        app::payment_methods::list(&state.app, &session.user)
            .await?
            .first()
            .map_or_else(|| lang.t("portal-subscription-no-card"), |c| card_label(&c.brand, &c.last4))
    } else {
        lang.t("portal-subscription-card-hidden")
    };
    let status = sub.status;
    let term_end = lang.day(sub.term_end);
    let next_renewal =
        lang.t2("portal-subscription-next-renewal-on", "day", term_end.as_str(), "price", lang.money(sub.price));
    let title = lang.t1(
        "portal-subscription-name",
        "offer",
        offer_name(&state.app.catalog(), lang, &sub.offer_code, &sub.offer_name),
    );
    Ok(SubscriptionPage {
        chrome: Chrome::partner(lang, &title, csrf, &session.user),
        status: lang.text(subscription_status(status)),
        live: status.is_live(),
        past_due: status == domain::subscription::Status::PastDue,
        term: term(lang, sub.term_start, sub.term_end),
        term_end,
        next_renewal,
        next_retry: sub.next_retry_on.map(|d| lang.day(d)),
        card,
        can_renew: billing,
        can_manage: billing || session.user.role.allows(domain::roles::PartnerPermission::ManageOffers),
        invoices,
        error,
        s: sub,
    })
}

async fn subscription(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    session: PartnerSession,
    Path(id): Path<String>,
) -> Result<SubscriptionPage, PageError> {
    Ok(subscription_page(&state, &csrf, &session, &subscription_id(&id)?, None).await?)
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/turn_off.html")]
struct TurnOffPage {
    chrome: Chrome,
    id: SubscriptionId,
    offer_name: String,
    term_end: String,
}

async fn turn_off_form(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    session: PartnerSession,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let sub = app::subscription::get(&state.app, &session.user, &subscription_id(&id)?).await?;
    if !sub.auto_renew {
        return Ok(Redirect::to(&format!("/subscriptions/{}", sub.id)).into_response());
    }
    let lang = &session.lang;
    Ok(TurnOffPage {
        chrome: Chrome::partner(lang, &lang.t("portal-subscription-turn-off"), &csrf, &session.user),
        id: sub.id,
        offer_name: offer_name(&state.app.catalog(), lang, &sub.offer_code, &sub.offer_name),
        term_end: lang.day(sub.term_end),
    }
    .into_response())
}

async fn turn_off(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    session: PartnerSession,
    Path(id): Path<String>,
) -> Response {
    let id = match subscription_id(&id) {
        Ok(id) => id,
        Err(e) => return PageError(e).into_response(),
    };
    let result = app::lifecycle::turn_off_auto_renew(&state.app, &session.user, &id, &origin).await;
    after_action(&state, &csrf, &session, &id, result.map(|_| format!("/subscriptions/{id}"))).await
}

async fn renew(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    session: PartnerSession,
    Path(id): Path<String>,
) -> Response {
    let id = match subscription_id(&id) {
        Ok(id) => id,
        Err(e) => return PageError(e).into_response(),
    };
    let result = app::lifecycle::start_renewal(&state.app, &session.user, &id, &origin).await;
    after_action(&state, &csrf, &session, &id, result.map(|order| format!("/orders/{}", order.id))).await
}

/// After an action on a subscription: on to `Ok`'s page, or the subscription's page again with
/// the reason it was refused.
async fn after_action(
    state: &AppState,
    csrf: &CsrfToken,
    session: &PartnerSession,
    id: &SubscriptionId,
    result: Result<String, AppError>,
) -> Response {
    match result {
        Ok(to) => Redirect::to(&to).into_response(),
        Err(e @ AppError::Conflict { .. }) => {
            match subscription_page(state, csrf, session, id, Some(public_message_in(&e, &session.lang))).await {
                Ok(page) => (status_of(&e), page).into_response(),
                Err(e) => PageError(e).into_response(),
            }
        }
        Err(e) => PageError(e).into_response(),
    }
}

struct NotificationRow {
    title: String,
    body: String,
    at: String,
    subscription_id: Option<SubscriptionId>,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/notifications.html")]
struct NotificationsPage {
    chrome: Chrome,
    notifications: Vec<NotificationRow>,
}

async fn notifications(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    session: PartnerSession,
) -> Result<NotificationsPage, PageError> {
    let lang = &session.lang;
    let list = app::lifecycle::notifications(&state.app, &session.user, lang).await?;
    let notifications = list
        .into_iter()
        .map(|n| NotificationRow {
            title: n.title,
            body: n.body,
            at: lang.moment(n.created_at),
            subscription_id: n.subscription_id,
        })
        .collect();
    Ok(NotificationsPage {
        chrome: Chrome::partner(lang, &lang.t("portal-notifications-title"), &csrf, &session.user),
        notifications,
    })
}
