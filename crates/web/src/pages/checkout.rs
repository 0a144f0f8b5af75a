//! The checkout wizard of the portal (Subscribe now → terms → payment → review → Buy →
//! confirmed), invoices and subscription details. The wizard's state lives in the order on the
//! server, so a reload, the back button or a second tab neither loses nor duplicates it.

use super::{Chrome, day};
use crate::AppState;
use crate::auth::{PartnerSession, WebOrigin};
use crate::csrf::CsrfToken;
use crate::error::{PageError, public_message, status_of};
use app::AppError;
use app::checkout::BuyOutcome;
use app::idempotency::Seen;
use app::invoices::card_label;
use app::payment_methods::CardInput;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use domain::money::{Currency, Money, TaxRate};
use domain::order::Step;
use serde::Deserialize;
use store::orders::OrderRecord;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/partnership/offers/{code}/subscribe", post(subscribe))
        .route("/orders/{id}", get(show))
        .route("/orders/{id}/terms", post(accept_terms))
        .route("/orders/{id}/verify", post(verify))
        .route("/orders/{id}/payment", post(choose_card))
        .route("/orders/{id}/card", get(card_form).post(add_card))
        .route("/orders/{id}/back", post(back))
        .route("/orders/{id}/buy", post(buy))
        .route("/invoices", get(invoices))
        .route("/invoices/{id}", get(invoice))
        .route("/invoices/{id}/pdf", get(invoice_pdf))
        .route("/subscriptions/{id}", get(subscription))
        .route("/subscriptions/{id}/turn-off", get(turn_off_form).post(turn_off))
        .route("/subscriptions/{id}/renew", post(renew))
        .route("/notifications", get(notifications))
}

pub fn money(minor: i64, currency: &str) -> String {
    Currency::parse(currency).map_or_else(|_| format!("{minor} {currency}"), |c| Money::new(minor, c).to_string())
}

fn tax_label(bp: i64) -> String {
    TaxRate::from_basis_points(u32::try_from(bp).unwrap_or(0)).map_or("Tax".into(), |r| format!("Tax ({r})"))
}

pub fn term_text(start: chrono::NaiveDate, end: chrono::NaiveDate) -> String {
    format!("{} – {}", start.format("%-d %b %Y"), end.format("%-d %b %Y"))
}

async fn subscribe(
    State(state): State<AppState>,
    WebOrigin(origin): WebOrigin,
    s: PartnerSession,
    Path(code): Path<String>,
) -> Result<Redirect, PageError> {
    let order = app::checkout::subscribe(&state.app, &s.user, &code, &origin).await?;
    Ok(Redirect::to(&format!("/orders/{}", order.id)))
}

struct CardChoice {
    id: String,
    label: String,
    expiry: String,
    selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/order.html")]
struct OrderPage {
    chrome: Chrome,
    title: String,
    error: Option<String>,
    order_id: String,
    offer_name: String,
    step: &'static str,
    confirmed: bool,
    renewal: bool,
    terms_title: String,
    terms_version: String,
    terms_paragraphs: Vec<String>,
    cards: Vec<CardChoice>,
    term: String,
    net: String,
    tax_label: String,
    tax: String,
    total: String,
    card: String,
    buy_key: String,
    invoice_id: String,
    invoice_number: String,
}

async fn order_page(
    state: &AppState,
    csrf: &CsrfToken,
    s: &PartnerSession,
    order: OrderRecord,
    error: Option<String>,
) -> Result<OrderPage, AppError> {
    let app = &state.app;
    let confirmed = order.status == "paid";
    let step = if confirmed { "confirmed" } else { order.step.parse::<Step>().unwrap_or(Step::Terms).as_str() };
    let terms = app::checkout::current_terms(app, &order)?;
    let (cards, card) = if step == "terms" || confirmed {
        (Vec::new(), String::new())
    } else {
        let cards = app::payment_methods::list(app, &s.user).await?;
        let selected = order.payment_method_id.clone().or_else(|| cards.first().map(|c| c.id.clone()));
        let card = cards
            .iter()
            .find(|c| Some(&c.id) == order.payment_method_id.as_ref())
            .map(|c| card_label(&c.brand, &c.last4))
            .unwrap_or_default();
        let choices = cards
            .iter()
            .map(|c| CardChoice {
                id: c.id.clone(),
                label: card_label(&c.brand, &c.last4),
                expiry: format!("{:02}/{}", c.exp_month, c.exp_year),
                selected: Some(&c.id) == selected.as_ref(),
            })
            .collect();
        (choices, card)
    };
    let (invoice_id, invoice_number) = match (&order.invoice_id, confirmed) {
        (Some(id), true) => (id.clone(), app::invoices::get(app, &s.user, id).await?.number),
        _ => (String::new(), String::new()),
    };
    let term = match (order.term_start, order.term_end) {
        (Some(a), Some(b)) => term_text(a, b),
        _ => {
            let t = app::lifecycle::preview_term(app, &order).await?;
            format!("{} (if you buy today)", term_text(t.start, t.end))
        }
    };
    let title = match (confirmed, order.kind.as_str()) {
        (true, _) => "Order confirmed".to_owned(),
        (false, "purchase") => format!("Subscribe to {}", order.offer_name),
        (false, _) => format!("Renew your {} subscription", order.offer_name),
    };
    Ok(OrderPage {
        chrome: Chrome::partner(&title, csrf, &s.user),
        title,
        error: error.or(order.last_decline.clone()).or_else(|| {
            (order.status == "paying")
                .then(|| "Your payment is being processed; refresh this page in a moment.".to_owned())
        }),
        order_id: order.id.clone(),
        offer_name: order.offer_name.clone(),
        step,
        confirmed,
        renewal: order.kind != "purchase",
        terms_title: terms.title().to_owned(),
        terms_version: terms.version().to_owned(),
        terms_paragraphs: terms.text().split("\n\n").map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect(),
        cards,
        term,
        net: money(order.net_minor, &order.currency),
        tax_label: tax_label(order.tax_rate_bp),
        tax: money(order.tax_minor, &order.currency),
        total: money(order.total_minor, &order.currency),
        card,
        buy_key: state.app.new_secret("buy_"),
        invoice_id,
        invoice_number,
    })
}

async fn show(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    s: PartnerSession,
    Path(id): Path<String>,
) -> Result<OrderPage, PageError> {
    let order = app::checkout::order(&state.app, &s.user, &id).await?;
    Ok(order_page(&state, &csrf, &s, order, None).await?)
}

/// After a step: back to the order page, or the page again with the error.
async fn after_step(
    state: &AppState,
    csrf: &CsrfToken,
    s: &PartnerSession,
    id: &str,
    result: Result<OrderRecord, AppError>,
) -> Response {
    match result {
        Ok(_) => Redirect::to(&format!("/orders/{id}")).into_response(),
        Err(
            e @ (AppError::Invalid(_)
            | AppError::Conflict { .. }
            | AppError::Declined(_)
            | AppError::GatewayUnavailable(_)),
        ) => match app::checkout::order(&state.app, &s.user, id).await {
            Ok(order) => match order_page(state, csrf, s, order, Some(public_message(&e))).await {
                Ok(page) => (status_of(&e), page).into_response(),
                Err(e) => PageError(e).into_response(),
            },
            Err(e) => PageError(e).into_response(),
        },
        Err(e) => PageError(e).into_response(),
    }
}

async fn verify(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    s: PartnerSession,
    Path(id): Path<String>,
) -> Response {
    let result = app::checkout::verify_order(&state.app, &s.user, &id).await;
    after_step(&state, &csrf, &s, &id, result).await
}

#[derive(Deserialize)]
struct TermsForm {
    #[serde(default)]
    terms_version: String,
}

async fn accept_terms(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    s: PartnerSession,
    Path(id): Path<String>,
    Form(f): Form<TermsForm>,
) -> Response {
    let result = app::checkout::accept_terms(&state.app, &s.user, &id, &f.terms_version, &origin).await;
    after_step(&state, &csrf, &s, &id, result).await
}

#[derive(Deserialize)]
struct CardChoiceForm {
    #[serde(default)]
    payment_method_id: String,
}

async fn choose_card(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    s: PartnerSession,
    Path(id): Path<String>,
    Form(f): Form<CardChoiceForm>,
) -> Response {
    let result = app::checkout::choose_payment_method(&state.app, &s.user, &id, &f.payment_method_id).await;
    after_step(&state, &csrf, &s, &id, result).await
}

#[derive(Deserialize)]
struct BackForm {
    #[serde(default)]
    step: String,
}

async fn back(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    s: PartnerSession,
    Path(id): Path<String>,
    Form(f): Form<BackForm>,
) -> Response {
    let result = match f.step.parse::<Step>() {
        Ok(step) => app::checkout::go_to_step(&state.app, &s.user, &id, step).await,
        Err(_) => Err(domain::account::InvalidInput::new("step", "unknown step").into()),
    };
    after_step(&state, &csrf, &s, &id, result).await
}

struct StripeCard {
    publishable_key: String,
    js_url: String,
    setup_secret: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/card.html")]
struct CardPage {
    chrome: Chrome,
    order_id: String,
    error: Option<String>,
    exp_month: String,
    exp_year: String,
    stripe: Option<StripeCard>,
}

async fn card_page(
    state: &AppState,
    csrf: &CsrfToken,
    s: &PartnerSession,
    id: &str,
    form: Option<&CardForm>,
    error: Option<String>,
) -> Result<CardPage, AppError> {
    let stripe = match &state.app.settings().gateway {
        app::GatewayConfig::Stripe { publishable_key, js_url, .. } => {
            let setup_secret = app::payment_methods::card_setup_secret(&state.app, &s.user).await?.unwrap_or_default();
            Some(StripeCard { publishable_key: publishable_key.clone(), js_url: js_url.clone(), setup_secret })
        }
        app::GatewayConfig::Sandbox => None,
    };
    Ok(CardPage {
        chrome: Chrome::partner("Add a way to pay", csrf, &s.user),
        order_id: id.to_owned(),
        error,
        exp_month: form.map(|f| f.exp_month.clone()).unwrap_or_default(),
        exp_year: form.map(|f| f.exp_year.clone()).unwrap_or_default(),
        stripe,
    })
}

/// The card page; with Stripe it loads Stripe.js, so the page's policy lets that one script
/// host in.
async fn card_form(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    s: PartnerSession,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let order = app::checkout::order(&state.app, &s.user, &id).await?;
    let page = card_page(&state, &csrf, &s, &order.id, None, None).await?;
    Ok(with_card_policy(&state, page.into_response()))
}

fn with_card_policy(state: &AppState, mut response: Response) -> Response {
    if let app::GatewayConfig::Stripe { js_url, api_base, .. } = &state.app.settings().gateway {
        let origin = |url: &str| url.split('/').take(3).collect::<Vec<_>>().join("/");
        let policy = format!(
            "default-src 'self'; script-src 'self' {js}; frame-src {js}; connect-src 'self' {js} {api}; form-action 'self'; frame-ancestors 'none'",
            js = origin(js_url),
            api = origin(api_base),
        );
        if let Ok(v) = header::HeaderValue::from_str(&policy) {
            response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    response
}

#[derive(Deserialize, Default)]
struct CardForm {
    #[serde(default)]
    card_number: String,
    #[serde(default)]
    exp_month: String,
    #[serde(default)]
    exp_year: String,
    #[serde(default)]
    cvc: String,
    #[serde(default)]
    stripe_payment_method: String,
}

/// Saves the card, picks it for the order, and goes on to the review.
async fn add_card(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    s: PartnerSession,
    Path(id): Path<String>,
    Form(f): Form<CardForm>,
) -> Response {
    let input = if !f.stripe_payment_method.is_empty() {
        CardInput::StripePaymentMethod(&f.stripe_payment_method)
    } else {
        CardInput::Typed { number: &f.card_number, exp_month: &f.exp_month, exp_year: &f.exp_year, cvc: &f.cvc }
    };
    let result = async {
        app::checkout::order(&state.app, &s.user, &id).await?;
        let card = app::payment_methods::add(&state.app, &s.user, input, &origin).await?;
        app::checkout::choose_payment_method(&state.app, &s.user, &id, &card.id).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to(&format!("/orders/{id}")).into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::Declined(_) | AppError::GatewayUnavailable(_))) => {
            match card_page(&state, &csrf, &s, &id, Some(&f), Some(public_message(&e))).await {
                Ok(page) => with_card_policy(&state, (status_of(&e), page).into_response()),
                Err(e) => PageError(e).into_response(),
            }
        }
        Err(e) => PageError(e).into_response(),
    }
}

#[derive(Deserialize)]
struct BuyForm {
    #[serde(default)]
    buy_key: String,
}

/// Buy. The form carries its own key: a double click or a resubmitted form finds the first
/// answer instead of buying again.
async fn buy(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    s: PartnerSession,
    Path(id): Path<String>,
    Form(f): Form<BuyForm>,
) -> Response {
    let principal = format!("user:{}", s.user.id);
    let key = if f.buy_key.is_empty() { format!("buy-{id}") } else { f.buy_key.clone() };
    let hash = app::idempotency::request_hash(&["portal-buy", &id]);
    let done_at = format!("/orders/{id}");
    match app::idempotency::claim(&state.app, &principal, &key, &hash).await {
        Ok(Seen::New) => {}
        Ok(Seen::Done { .. } | Seen::InProgress { .. }) => return Redirect::to(&done_at).into_response(),
        Err(e) => return PageError(e).into_response(),
    }
    let outcome = app::checkout::buy(&state.app, &s.user, &id, &origin).await;
    let keep = match &outcome {
        Err(AppError::PaymentPending | AppError::GatewayUnavailable(_)) => {
            app::idempotency::release(&state.app, &principal, &key).await
        }
        _ => app::idempotency::finish(&state.app, &principal, &key, 303, &done_at).await,
    };
    if let Err(e) = keep {
        return PageError(e).into_response();
    }
    match outcome {
        Ok(BuyOutcome::Paid(_)) => Redirect::to(&done_at).into_response(),
        Ok(BuyOutcome::Declined { order, message }) => {
            match order_page(&state, &csrf, &s, order, Some(message)).await {
                Ok(page) => (StatusCode::PAYMENT_REQUIRED, page).into_response(),
                Err(e) => PageError(e).into_response(),
            }
        }
        Err(e) => after_step(&state, &csrf, &s, &id, Err(e)).await,
    }
}

struct InvoiceRow {
    id: String,
    number: String,
    date: String,
    description: String,
    total: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/invoices.html")]
struct InvoicesPage {
    chrome: Chrome,
    invoices: Vec<InvoiceRow>,
}

async fn invoices(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    s: PartnerSession,
) -> Result<InvoicesPage, PageError> {
    let list = app::invoices::list(&state.app, &s.user).await?;
    let invoices = list
        .into_iter()
        .map(|i| InvoiceRow {
            total: money(i.total_minor, &i.currency),
            date: day(i.issued_at),
            id: i.id,
            number: i.number,
            description: i.description,
        })
        .collect();
    Ok(InvoicesPage { chrome: Chrome::partner("Invoices", &csrf, &s.user), invoices })
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/invoice.html")]
struct InvoicePage {
    chrome: Chrome,
    i: store::invoices::InvoiceRecord,
    seller_lines: Vec<String>,
    issued: String,
    period: String,
    net: String,
    tax_label: String,
    tax: String,
    total: String,
}

async fn invoice(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    s: PartnerSession,
    Path(id): Path<String>,
) -> Result<InvoicePage, PageError> {
    let i = app::invoices::get(&state.app, &s.user, &id).await?;
    Ok(InvoicePage {
        chrome: Chrome::partner(&format!("Invoice {}", i.number), &csrf, &s.user),
        seller_lines: i.seller_address.lines().map(str::to_owned).collect(),
        issued: i.issued_at.format("%-d %B %Y").to_string(),
        period: term_text(i.period_start, i.period_end),
        net: money(i.net_minor, &i.currency),
        tax_label: tax_label(i.tax_rate_bp),
        tax: money(i.tax_minor, &i.currency),
        total: money(i.total_minor, &i.currency),
        i,
    })
}

async fn invoice_pdf(
    State(state): State<AppState>,
    s: PartnerSession,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (number, bytes) = app::invoices::pdf(&state.app, &s.user, &id).await?;
    let disposition = format!("inline; filename=\"{number}.pdf\"");
    Ok(([(header::CONTENT_TYPE, "application/pdf".to_owned()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/subscription.html")]
struct SubscriptionPage {
    chrome: Chrome,
    s: store::subscriptions::SubscriptionRecord,
    status: String,
    live: bool,
    term: String,
    next_amount: String,
    card: String,
    can_manage: bool,
    invoices: Vec<(String, String, String)>,
    error: Option<String>,
}

async fn subscription_page(
    state: &AppState,
    csrf: &CsrfToken,
    session: &PartnerSession,
    id: &str,
    error: Option<String>,
) -> Result<SubscriptionPage, AppError> {
    let sub = app::invoices::subscription(&state.app, &session.user, id).await?;
    let billing = session.user.role.allows(domain::roles::PartnerPermission::ManageBilling);
    let invoices = if billing {
        app::invoices::of_subscription(&state.app, &session.user, &sub.id)
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
    let status: domain::subscription::Status = sub.status.parse().unwrap_or(domain::subscription::Status::Expired);
    let price = format!("{} plus tax", money(sub.price_minor, &sub.currency));
    Ok(SubscriptionPage {
        chrome: Chrome::partner(&format!("{} subscription", sub.offer_name), csrf, &session.user),
        status: status.to_string(),
        live: status.is_live(),
        term: term_text(sub.term_start, sub.term_end),
        next_amount: price,
        card,
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
    Ok(subscription_page(&state, &csrf, &session, &id, None).await?)
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/turn_off.html")]
struct TurnOffPage {
    chrome: Chrome,
    id: String,
    offer_name: String,
    term_end: String,
}

async fn turn_off_form(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    session: PartnerSession,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let sub = app::invoices::subscription(&state.app, &session.user, &id).await?;
    if !sub.auto_renew {
        return Ok(Redirect::to(&format!("/subscriptions/{}", sub.id)).into_response());
    }
    Ok(TurnOffPage {
        chrome: Chrome::partner("Turn off automatic renewal", &csrf, &session.user),
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
    match app::lifecycle::turn_off_auto_renew(&state.app, &session.user, &id, &origin).await {
        Ok(_) => Redirect::to(&format!("/subscriptions/{id}")).into_response(),
        Err(e @ AppError::Conflict { .. }) => {
            match subscription_page(&state, &csrf, &session, &id, Some(public_message(&e))).await {
                Ok(page) => (status_of(&e), page).into_response(),
                Err(e) => PageError(e).into_response(),
            }
        }
        Err(e) => PageError(e).into_response(),
    }
}

async fn renew(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    session: PartnerSession,
    Path(id): Path<String>,
) -> Response {
    match app::lifecycle::start_renewal(&state.app, &session.user, &id, &origin).await {
        Ok(order) => Redirect::to(&format!("/orders/{}", order.id)).into_response(),
        Err(e @ AppError::Conflict { .. }) => {
            match subscription_page(&state, &csrf, &session, &id, Some(public_message(&e))).await {
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
    subscription_id: Option<String>,
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
            at: super::when(n.created_at),
            subscription_id: n.subscription_id,
        })
        .collect();
    Ok(NotificationsPage { chrome: Chrome::partner("Notifications", &csrf, &session.user), notifications })
}
