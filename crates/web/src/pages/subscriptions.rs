//! A subscription's page (Turn off automatic renewal, Actions > Renew subscriptions) and the
//! org's notifications.

use super::common::Chrome;
use crate::auth::{PartnerSession, WebOrigin};
use crate::csrf::CsrfToken;
use crate::error::{PageError, known_id, public_message, status_of};
use crate::present::{money, term_text};
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
    next_amount: String,
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
    let billing = session.user.role.allows(domain::roles::PartnerPermission::ManageBilling);
    let invoices = if billing {
        app::billing::of_subscription(&state.app, &session.user, &sub.id)
            .await?
            .into_iter()
            .map(|i| (i.id, i.number, term_text(i.period_start, i.period_end)))
            .collect()
    } else {
        Vec::new()
    };
    let card = if billing {
        app::payment_methods::list(&state.app, &session.user)
            .await?
            .first()
            .map_or("No card on file".into(), |c| card_label(&c.brand, &c.last4))
    } else {
        "Shown to Billing admins".into()
    };
    let status = sub.status;
    let price = format!("{} plus tax", money(sub.price));
    Ok(SubscriptionPage {
        chrome: Chrome::partner(&session.lang, &format!("{} subscription", sub.offer_name), csrf, &session.user),
        status: status.to_string(),
        live: status.is_live(),
        past_due: status == domain::subscription::Status::PastDue,
        term: term_text(sub.term_start, sub.term_end),
        next_amount: price,
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
    Ok(TurnOffPage {
        chrome: Chrome::partner(&session.lang, "Turn off automatic renewal", &csrf, &session.user),
        id: sub.id,
        offer_name: sub.offer_name,
        term_end: sub.term_end.to_string(),
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
            match subscription_page(state, csrf, session, id, Some(public_message(&e))).await {
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
    let list = app::lifecycle::notifications(&state.app, &session.user).await?;
    let notifications = list
        .into_iter()
        .map(|n| NotificationRow {
            title: n.title,
            body: n.body,
            at: crate::present::when(n.created_at),
            subscription_id: n.subscription_id,
        })
        .collect();
    Ok(NotificationsPage {
        chrome: Chrome::partner(&session.lang, "Notifications", &csrf, &session.user),
        notifications,
    })
}
