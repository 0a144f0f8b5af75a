//! The checkout wizard of the portal (Subscribe now → terms → payment → review → Buy →
//! confirmed), invoices and subscription details. The wizard's state lives in the order on the
//! server, so a reload, the back button or a second tab neither loses nor duplicates it.

use super::common::Chrome;
use crate::auth::{PartnerSession, WebOrigin};
use crate::csrf::CsrfToken;
use crate::error::{PageError, known_id, public_message_in, status_of};
use crate::present::{offer_name, tax_label_in, term};
use crate::state::AppState;
use app::AppError;
use app::billing::card_label;
use app::idempotency::{Kept, Key};
use app::payment::BuyOutcome;
use app::payment_methods::CardInput;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use domain::ids::{InvoiceId, OrderId, PaymentMethodId};
use domain::order::{OrderKind, OrderStatus, Step};
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
        .route("/payment-methods", get(payment_methods).post(add_payment_method))
        .route("/orders/{id}/back", post(back))
        .route("/orders/{id}/buy", post(buy))
}

/// **Subscribe now**: on to the new order; a refusal the partner can act on (an address still
/// to confirm, an offer they cannot buy) shows on the Offers page again.
async fn subscribe(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    s: PartnerSession,
    Path(code): Path<String>,
) -> Response {
    let result = app::checkout::subscribe(&state.app, &s.user, &code, &origin).await;
    let result = result.map(|order| format!("/orders/{}", order.id));
    super::common::after_post(result, &s.lang, |message| super::portal::offers_page(&state, &csrf, &s, Some(message)))
        .await
}

struct CardChoice {
    id: PaymentMethodId,
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
    order_id: OrderId,
    offer_name: String,
    stage: Stage,
    renewal: bool,
    terms_title: String,
    terms_version: String,
    terms_paragraphs: Vec<String>,
    cards: Vec<CardChoice>,
    term: String,
    net: String,
    /// The credit taken off the price (the unused time of a replaced subscription), if any.
    credit: Option<String>,
    tax_label: String,
    tax: String,
    total: String,
    card: String,
    buy_key: String,
    /// The paid order's invoice.
    invoice_id: Option<InvoiceId>,
    invoice_number: String,
}

/// What the order page shows: a step of the wizard, or a paid order's confirmation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Step(Step),
    Confirmed,
}

impl Stage {
    fn is_verify(&self) -> bool {
        *self == Stage::Step(Step::Verify)
    }
    fn is_terms(&self) -> bool {
        *self == Stage::Step(Step::Terms)
    }
    fn is_payment(&self) -> bool {
        *self == Stage::Step(Step::Payment)
    }
    fn is_review(&self) -> bool {
        *self == Stage::Step(Step::Review)
    }
    fn is_confirmed(&self) -> bool {
        *self == Stage::Confirmed
    }
}

/// An order's id from the path; one of the wrong shape is as unknown as a missing order.
fn order_id(raw: &str) -> Result<OrderId, AppError> {
    known_id(raw, "order")
}

/// The order page's heading: what is being bought or renewed, then that it is confirmed.
fn order_title(lang: &i18n::Lang, confirmed: bool, kind: OrderKind, offer_name: &str) -> String {
    match (confirmed, kind) {
        (true, _) => lang.t("portal-order-confirmed-title"),
        (false, OrderKind::Purchase) => lang.t1("portal-order-subscribe-title", "offer", offer_name),
        (false, _) => lang.t1("portal-order-renew-title", "offer", offer_name),
    }
}

async fn order_page(
    state: &AppState,
    csrf: &CsrfToken,
    s: &PartnerSession,
    order: OrderRecord,
    error: Option<String>,
) -> Result<OrderPage, AppError> {
    let app = &state.app;
    let lang = &s.lang;
    let confirmed = order.status == OrderStatus::Paid;
    let stage = if confirmed { Stage::Confirmed } else { Stage::Step(order.step) };
    let terms = app::checkout::current_terms(app, &order)?;
    let (cards, card) = if order.step == Step::Terms || confirmed {
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
        (Some(id), true) => (Some(id.clone()), app::billing::get(app, &s.user, id).await?.number),
        _ => (None, String::new()),
    };
    let term = match (order.term_start, order.term_end) {
        (Some(a), Some(b)) => term(lang, a, b),
        _ => {
            let t = app::lifecycle::preview_term(app, &order).await?;
            lang.t1("portal-order-term-if-today", "term", term(lang, t.start, t.end))
        }
    };
    let offer_name = offer_name(&app.catalog(), lang, &order.offer_code, &order.offer_name);
    let title = order_title(lang, confirmed, order.kind, &offer_name);
    Ok(OrderPage {
        chrome: Chrome::partner(lang, &title, csrf, &s.user),
        title,
        error: error
            .or(order.last_decline.clone())
            .or_else(|| (order.status == OrderStatus::Paying).then(|| lang.t("portal-order-processing"))),
        order_id: order.id.clone(),
        offer_name,
        stage,
        renewal: order.kind != OrderKind::Purchase,
        terms_title: terms.title_in(&lang.tag()).to_owned(),
        terms_version: terms.version().to_owned(),
        terms_paragraphs: terms
            .text_in(&lang.tag())
            .split("\n\n")
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect(),
        cards,
        term,
        net: lang.money(order.net),
        credit: (order.credit.minor() > 0).then(|| lang.money(order.credit)),
        tax_label: tax_label_in(lang, order.tax_rate_bp),
        tax: lang.money(order.tax),
        total: lang.money(order.total),
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
    let order = app::checkout::order(&state.app, &s.user, &order_id(&id)?).await?;
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
        ) => match async { app::checkout::order(&state.app, &s.user, &order_id(id)?).await }.await {
            Ok(order) => match order_page(state, csrf, s, order, Some(public_message_in(&e, &s.lang))).await {
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
    let result = async { app::checkout::verify_order(&state.app, &s.user, &order_id(&id)?).await }.await;
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
    let result =
        async { app::checkout::accept_terms(&state.app, &s.user, &order_id(&id)?, &f.terms_version, &origin).await }
            .await;
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
    let result = async {
        app::checkout::choose_payment_method(&state.app, &s.user, &order_id(&id)?, &f.payment_method_id).await
    }
    .await;
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
        Ok(step) => async { app::checkout::go_to_step(&state.app, &s.user, &order_id(&id)?, step).await }.await,
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
    /// Where the form posts, and the way back.
    action: String,
    back: String,
    /// The org's saved cards, listed on Payment methods (not in an order's steps).
    saved: Vec<String>,
    error: Option<String>,
    exp_month: String,
    exp_year: String,
    stripe: Option<StripeCard>,
}

/// Which card form: an order's payment step, or the org's Payment methods.
#[derive(Clone, Copy)]
enum CardFor<'a> {
    Order(&'a str),
    PaymentMethods,
}

async fn card_page(
    state: &AppState,
    csrf: &CsrfToken,
    s: &PartnerSession,
    target: CardFor<'_>,
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
    let lang = &s.lang;
    let (title, action, back, saved) = match target {
        CardFor::Order(id) => {
            (lang.t("portal-card-add-way-to-pay"), format!("/orders/{id}/card"), format!("/orders/{id}"), Vec::new())
        }
        CardFor::PaymentMethods => {
            let saved = app::payment_methods::list(&state.app, &s.user)
                .await?
                .iter()
                .map(|c| {
                    let expiry = format!("{:02}/{}", c.exp_month, c.exp_year);
                    lang.t2("portal-card-saved-line", "card", card_label(&c.brand, &c.last4), "expiry", expiry)
                })
                .collect();
            (lang.t("portal-card-payment-methods"), "/payment-methods".to_owned(), "/invoices".to_owned(), saved)
        }
    };
    Ok(CardPage {
        chrome: Chrome::partner(lang, &title, csrf, &s.user),
        action,
        back,
        saved,
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
    let order = app::checkout::order(&state.app, &s.user, &order_id(&id)?).await?;
    if let Err(to) = super::common::step_up(&state, &s.current, &format!("/orders/{id}/card")).await {
        return Ok(to);
    }
    let page = card_page(&state, &csrf, &s, CardFor::Order(order.id.as_str()), None, None).await?;
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

impl CardForm {
    /// The card as the form sent it: typed (sandbox) or a Stripe.js payment method.
    fn input(&self) -> CardInput<'_> {
        if !self.stripe_payment_method.is_empty() {
            CardInput::StripePaymentMethod(&self.stripe_payment_method)
        } else {
            CardInput::Typed {
                number: &self.card_number,
                exp_month: &self.exp_month,
                exp_year: &self.exp_year,
                cvc: &self.cvc,
            }
        }
    }
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
    if let Err(to) = super::common::step_up(&state, &s.current, &format!("/orders/{id}/card")).await {
        return to;
    }
    let input = f.input();
    let result = async {
        let order = app::checkout::order(&state.app, &s.user, &order_id(&id)?).await?;
        let card = app::payment_methods::add(&state.app, &s.user, input, &origin).await?;
        app::checkout::choose_payment_method(&state.app, &s.user, &order.id, card.id.as_str()).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to(&format!("/orders/{id}")).into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::Declined(_) | AppError::GatewayUnavailable(_))) => {
            match card_page(&state, &csrf, &s, CardFor::Order(&id), Some(&f), Some(public_message_in(&e, &s.lang)))
                .await
            {
                Ok(page) => with_card_policy(&state, (status_of(&e), page).into_response()),
                Err(e) => PageError(e).into_response(),
            }
        }
        Err(e) => PageError(e).into_response(),
    }
}

/// Payment methods: the org's saved cards, and a form to add one (automatic renewals charge
/// the newest, so adding a card is how a billing admin replaces an expiring one).
async fn payment_methods(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    s: PartnerSession,
    q: axum::extract::Query<super::common::NoticeQuery>,
) -> Result<Response, PageError> {
    if let Err(to) = super::common::step_up(&state, &s.current, "/payment-methods").await {
        return Ok(to);
    }
    let mut page = card_page(&state, &csrf, &s, CardFor::PaymentMethods, None, None).await?;
    page.chrome = page.chrome.with_notice(q.message());
    Ok(with_card_policy(&state, page.into_response()))
}

async fn add_payment_method(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    s: PartnerSession,
    Form(f): Form<CardForm>,
) -> Response {
    if let Err(to) = super::common::step_up(&state, &s.current, "/payment-methods").await {
        return to;
    }
    let input = f.input();
    match app::payment_methods::add(&state.app, &s.user, input, &origin).await {
        Ok(_) => Redirect::to("/payment-methods?notice=card_added").into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::Declined(_) | AppError::GatewayUnavailable(_))) => {
            match card_page(&state, &csrf, &s, CardFor::PaymentMethods, Some(&f), Some(public_message_in(&e, &s.lang)))
                .await
            {
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
    let key = if f.buy_key.is_empty() || f.buy_key.len() > 255 { format!("buy-{id}") } else { f.buy_key.clone() };
    let hash = app::idempotency::request_hash(&["portal-buy", &id]);
    let key = Key { principal: &principal, key: &key, request_hash: &hash };
    let done_at = format!("/orders/{id}");
    // A paid order and a decline were kept for the key by the Buy itself; a repeat, whatever
    // was kept, shows the order's page.
    match async { app::payment::buy(&state.app, &s.user, &order_id(&id)?, &origin, Some(&key)).await }.await {
        Ok(BuyOutcome::Paid(_) | BuyOutcome::Repeat(_)) => Redirect::to(&done_at).into_response(),
        Ok(BuyOutcome::Declined { order, message }) => {
            match order_page(&state, &csrf, &s, order, Some(message)).await {
                Ok(page) => (StatusCode::PAYMENT_REQUIRED, page).into_response(),
                Err(e) => PageError(e).into_response(),
            }
        }
        Err(e) => {
            let kept = || Kept::Answer { code: StatusCode::SEE_OTHER.as_u16(), body: done_at.clone() };
            if let Err(keep) = app::idempotency::conclude(&state.app, &key, Some(&e), kept).await {
                return PageError(keep).into_response();
            }
            after_step(&state, &csrf, &s, &id, Err(e)).await
        }
    }
}
