//! Checkout in the API: orders through their steps, payment methods, pay with an
//! Idempotency-Key, subscriptions and invoices.

use super::dto::{
    Invoice, InvoiceList, Notification, NotificationList, Order, OrderList, PaymentMethod, PaymentMethodList,
    Subscription, SubscriptionList, invoice_dto, order_dto, pm_dto, subscription_dto,
};
use crate::auth::ApiCaller;
use crate::error::{ApiError, Problem, known_id};
use crate::language::Reader;
use crate::state::AppState;
use app::AppError;
use app::idempotency::{Kept, Key, Repeat};
use app::payment::BuyOutcome;
use app::payment_methods::CardInput;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use store::orders::OrderRecord;
use utoipa::ToSchema;

type ApiResult<T> = Result<T, ApiError>;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrder {
    /// The offer's code, e.g. `action-pack`.
    pub offer: String,
}

/// Subscribe now: the org's open order for the offer, or a new one at the terms step.
#[utoipa::path(post, path = "/api/v1/orders", tag = "orders", request_body = CreateOrder,
    responses((status = 201, body = Order), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn create_order(
    State(state): State<AppState>,
    caller: ApiCaller,
    super::ApiJson(body): super::ApiJson<CreateOrder>,
) -> ApiResult<(StatusCode, Json<Order>)> {
    let order = app::checkout::subscribe(&state.app, caller.partner()?, &body.offer, &caller.origin).await?;
    Ok((StatusCode::CREATED, Json(order_dto(&state, order)?)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrdersQuery {
    /// Only those in this status: `draft`, `paying` or `paid`.
    pub status: Option<String>,
}

/// The org's orders (drafts in the wizard, payments under way, paid), newest first; `from` and
/// `to` filter on the day each was started.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders",
    params(OrdersQuery, super::page::DateFilter, super::page::PageQuery),
    responses((status = 200, body = OrderList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn list_orders(
    State(state): State<AppState>,
    caller: ApiCaller,
    super::ApiQuery(q): super::ApiQuery<OrdersQuery>,
    super::ApiQuery(dates): super::ApiQuery<super::page::DateFilter>,
    super::ApiQuery(page): super::ApiQuery<super::page::PageQuery>,
) -> ApiResult<Json<OrderList>> {
    let list = app::checkout::orders(&state.app, caller.partner()?).await?;
    let list =
        super::page::with_status(list, q.status.as_deref(), &["draft", "paying", "paid"], |o| o.status.as_str())?;
    let list = dates.keep(list, |o| o.created_at)?;
    let page = super::page::Page::of(list, |o| o.id.as_str(), &page)?;
    let data = page.data.into_iter().map(|o| order_dto(&state, o)).collect::<ApiResult<_>>()?;
    Ok(Json(OrderList { data, has_more: page.has_more, next_cursor: page.next_cursor }))
}

/// One order of the caller's org.
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = Order), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn get_order(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Order>> {
    let order = app::checkout::order(&state.app, caller.partner()?, &known_id(&id, "order")?).await?;
    Ok(Json(order_dto(&state, order)?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptTerms {
    /// The version being agreed to; it must be the version in force.
    pub terms_version: String,
}

/// Agrees to the Terms and Conditions for the order (recorded with who, when and from where).
#[utoipa::path(post, path = "/api/v1/orders/{id}/accept-terms", tag = "orders", params(("id" = String, Path)), request_body = AcceptTerms,
    responses((status = 200, body = Order), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn accept_terms(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    super::ApiJson(body): super::ApiJson<AcceptTerms>,
) -> ApiResult<Json<Order>> {
    let order = app::checkout::accept_terms(
        &state.app,
        caller.partner()?,
        &known_id(&id, "order")?,
        &body.terms_version,
        &caller.origin,
    )
    .await?;
    Ok(Json(order_dto(&state, order)?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChoosePaymentMethod {
    pub payment_method_id: String,
}

/// Picks the saved card the order will be paid with; the order moves to review.
#[utoipa::path(post, path = "/api/v1/orders/{id}/payment-method", tag = "orders", params(("id" = String, Path)), request_body = ChoosePaymentMethod,
    responses((status = 200, body = Order), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn choose_payment_method(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    super::ApiJson(body): super::ApiJson<ChoosePaymentMethod>,
) -> ApiResult<Json<Order>> {
    let order = app::checkout::choose_payment_method(
        &state.app,
        caller.partner()?,
        &known_id(&id, "order")?,
        &body.payment_method_id,
    )
    .await?;
    Ok(Json(order_dto(&state, order)?))
}

/// Pays the order: charges its total to its card at once. Requires an `Idempotency-Key`
/// header: a repeat with the same key answers with the first result and charges nothing more;
/// the key with another request is refused. A declined card answers 402 `card_declined`.
#[utoipa::path(post, path = "/api/v1/orders/{id}/pay", tag = "orders",
    params(("id" = String, Path), ("Idempotency-Key" = String, Header, description = "A unique key for this payment request")),
    responses((status = 200, body = Order), (status = 402, body = Problem, content_type = "application/problem+json"),
        (status = "4XX", body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")))]
pub async fn pay(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let hash = app::idempotency::request_hash(&["POST", "/api/v1/orders/{id}/pay", &id]);
    let key = match idempotency_key(&headers) {
        Ok(key) => key,
        Err(response) => return *response,
    };
    let principal = principal_of(&caller);
    let key = Key { principal: &principal, key, request_hash: &hash };
    let outcome = match caller.partner() {
        Ok(user) => match known_id(&id, "order") {
            Ok(id) => app::payment::buy(&state.app, user, &id, &caller.origin, Some(&key)).await,
            Err(e) => Err(e),
        },
        Err(e) => Err(e.0),
    };
    // A paid order and a decline were kept for the key by the Buy itself.
    match outcome {
        Ok(BuyOutcome::Repeat(repeat)) => replay(&state, &caller, repeat).await,
        Ok(BuyOutcome::Paid(order)) => match paid_answer(&state, order) {
            Ok((status, body)) => send(status, body),
            Err(e) => e.into_response(),
        },
        Ok(BuyOutcome::Declined { message, .. }) => {
            let (status, body) = refused_answer(&ApiError(AppError::Declined(message)));
            send(status, body)
        }
        Err(e) => conclude(&state, &key, Err(ApiError(e))).await,
    }
}

/// Runs a money-moving request once per Idempotency-Key and replays its answer after that.
pub(super) async fn idempotent(
    state: &AppState,
    caller: &ApiCaller,
    headers: &HeaderMap,
    hash: &str,
    run: impl Future<Output = ApiResult<(StatusCode, serde_json::Value)>>,
) -> Response {
    let key = match idempotency_key(headers) {
        Ok(key) => key,
        Err(response) => return *response,
    };
    let principal = principal_of(caller);
    let key = Key { principal: &principal, key, request_hash: hash };
    match app::idempotency::claim(&state.app, key.principal, key.key, hash).await.map(|seen| seen.repeat(hash)) {
        Err(e) => return ApiError(e).into_response(),
        Ok(None) => {}
        Ok(Some(repeat)) => return replay(state, caller, repeat).await,
    }
    conclude(state, &key, run.await).await
}

/// The request's Idempotency-Key, or the problem that says it is missing.
fn idempotency_key(headers: &HeaderMap) -> Result<&str, Box<Response>> {
    headers.get("idempotency-key").and_then(|v| v.to_str().ok()).filter(|k| !k.is_empty() && k.len() <= 255).ok_or_else(
        || {
            Box::new(problem(
                StatusCode::BAD_REQUEST,
                "idempotency_key_required",
                "send an Idempotency-Key header (1 to 255 characters) with this request",
            ))
        },
    )
}

/// Whose keys these are: a key is one caller's, never shared with another.
fn principal_of(caller: &ApiCaller) -> String {
    match &caller.actor {
        app::Actor::Partner(u) => format!("user:{}", u.id),
        app::Actor::Staff(s) => format!("staff:{}", s.id),
    }
}

fn problem(status: StatusCode, code: &str, detail: &str) -> Response {
    Problem::new(status, code, detail, None).into_response()
}

/// The answer of a paid order: the order as a read shows it.
fn paid_answer(state: &AppState, order: OrderRecord) -> ApiResult<(StatusCode, String)> {
    let dto = order_dto(state, order)?;
    let body =
        serde_json::to_value(dto).map_err(|e| ApiError(AppError::internal_from("cannot render the order", e)))?;
    Ok((StatusCode::OK, body.to_string()))
}

/// The answer of a refusal: its problem document.
fn refused_answer(e: &ApiError) -> (StatusCode, String) {
    let problem = e.problem();
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, serde_json::to_value(&problem).unwrap_or_default().to_string())
}

/// The answer as sent: JSON, or a problem document when it is not a success.
fn send(status: StatusCode, body: String) -> Response {
    let content_type = if status.is_success() { "application/json" } else { "application/problem+json" };
    (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// The answer to a key seen before: what was kept, rendered, or why there is none to give.
async fn replay(state: &AppState, caller: &ApiCaller, repeat: Repeat) -> Response {
    let kept = match repeat {
        Repeat::InProgress => {
            return problem(
                StatusCode::CONFLICT,
                "idempotency_key_in_use",
                "a request with this Idempotency-Key is still running; retry later",
            );
        }
        Repeat::Reused => {
            return problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "this Idempotency-Key was used for a different request",
            );
        }
        Repeat::Kept(kept) => kept,
    };
    let answer = match kept {
        Kept::OrderPaid { order_id } => match caller.partner() {
            Ok(user) => match app::checkout::order(&state.app, user, &order_id).await {
                Ok(order) => paid_answer(state, order),
                Err(e) => Err(ApiError(e)),
            },
            Err(e) => Err(e),
        },
        Kept::Declined { message, .. } => Ok(refused_answer(&ApiError(AppError::Declined(message)))),
        Kept::Answer { code, body } => Ok((StatusCode::from_u16(code).unwrap_or(StatusCode::OK), body)),
    };
    match answer {
        Ok((status, body)) => {
            let mut response = send(status, body);
            response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
            response
        }
        Err(e) => e.into_response(),
    }
}

/// Concludes the key of a request that ran (kept, or given back when its outcome is not known
/// yet: app's one rule) and sends its answer.
async fn conclude(state: &AppState, key: &Key<'_>, result: ApiResult<(StatusCode, serde_json::Value)>) -> Response {
    let (status, body) = match &result {
        Ok((status, body)) => (*status, body.to_string()),
        Err(e) => refused_answer(e),
    };
    let error = result.as_ref().err().map(|e| &e.0);
    let kept = || Kept::Answer { code: status.as_u16(), body: body.clone() };
    if let Err(e) = app::idempotency::conclude(&state.app, key, error, kept).await {
        return ApiError(e).into_response();
    }
    match result {
        // An answer that says "not yet" goes with its own headers (Retry-After).
        Err(e) if !app::idempotency::is_final(&e.0) => e.into_response(),
        _ => send(status, body),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CardDetails {
    pub number: String,
    pub exp_month: String,
    pub exp_year: String,
    pub cvc: String,
}

/// A new card: its details (sandbox gateway) or a Stripe.js payment method id (stripe gateway).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePaymentMethod {
    pub card: Option<CardDetails>,
    pub stripe_payment_method: Option<String>,
}

/// Saves a card at the payment gateway. The number and CVC go to the gateway and are never stored.
#[utoipa::path(post, path = "/api/v1/payment-methods", tag = "payment methods", request_body = CreatePaymentMethod,
    responses((status = 201, body = PaymentMethod), (status = 402, body = Problem, content_type = "application/problem+json"), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn create_payment_method(
    State(state): State<AppState>,
    caller: ApiCaller,
    super::ApiJson(body): super::ApiJson<CreatePaymentMethod>,
) -> ApiResult<(StatusCode, Json<PaymentMethod>)> {
    let input = match (&body.card, &body.stripe_payment_method) {
        (Some(c), None) => {
            CardInput::Typed { number: &c.number, exp_month: &c.exp_month, exp_year: &c.exp_year, cvc: &c.cvc }
        }
        (None, Some(pm)) => CardInput::StripePaymentMethod(pm),
        _ => {
            return Err(ApiError(
                domain::account::InvalidInput::new("card", "send either `card` or `stripe_payment_method`").into(),
            ));
        }
    };
    let pm = app::payment_methods::add(&state.app, caller.partner()?, input, &caller.origin).await?;
    Ok((StatusCode::CREATED, Json(pm_dto(pm))))
}

/// The org's saved cards, newest first.
#[utoipa::path(get, path = "/api/v1/payment-methods", tag = "payment methods", params(super::page::PageQuery),
    responses((status = 200, body = PaymentMethodList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn list_payment_methods(
    State(state): State<AppState>,
    caller: ApiCaller,
    super::ApiQuery(page): super::ApiQuery<super::page::PageQuery>,
) -> ApiResult<Json<PaymentMethodList>> {
    let list = app::payment_methods::list(&state.app, caller.partner()?).await?;
    Ok(Json(PaymentMethodList::from(super::page::Page::of(
        list.into_iter().map(pm_dto).collect(),
        |x: &PaymentMethod| x.id.as_str(),
        &page,
    )?)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubscriptionsQuery {
    /// Only those in this status: `active`, `past_due`, `expired` or `cancelled`.
    pub status: Option<String>,
}

/// The org's subscriptions; `from` and `to` filter on the day each was made.
#[utoipa::path(get, path = "/api/v1/subscriptions", tag = "subscriptions",
    params(SubscriptionsQuery, super::page::DateFilter, super::page::PageQuery),
    responses((status = 200, body = SubscriptionList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn list_subscriptions(
    State(state): State<AppState>,
    caller: ApiCaller,
    super::ApiQuery(q): super::ApiQuery<SubscriptionsQuery>,
    super::ApiQuery(dates): super::ApiQuery<super::page::DateFilter>,
    super::ApiQuery(page): super::ApiQuery<super::page::PageQuery>,
) -> ApiResult<Json<SubscriptionList>> {
    let list = app::subscription::list(&state.app, caller.partner()?).await?;
    let statuses = ["active", "past_due", "expired", "cancelled"];
    let list = super::page::with_status(list, q.status.as_deref(), &statuses, |s| s.status.as_str())?;
    let list = dates.keep(list, |s| s.created_at)?;
    Ok(Json(SubscriptionList::from(super::page::Page::of(
        list.into_iter().map(subscription_dto).collect::<ApiResult<_>>()?,
        |x: &Subscription| x.id.as_str(),
        &page,
    )?)))
}

/// One subscription of the org.
#[utoipa::path(get, path = "/api/v1/subscriptions/{id}", tag = "subscriptions", params(("id" = String, Path)),
    responses((status = 200, body = Subscription), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn get_subscription(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Subscription>> {
    Ok(Json(subscription_dto(
        app::subscription::get(&state.app, caller.partner()?, &known_id(&id, "subscription")?).await?,
    )?))
}

/// The org's invoices, newest first (Billing admins and Global admins); `from` and `to` filter
/// on the day of issue.
#[utoipa::path(get, path = "/api/v1/invoices", tag = "invoices", params(super::page::DateFilter, super::page::PageQuery),
    responses((status = 200, body = InvoiceList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn list_invoices(
    State(state): State<AppState>,
    caller: ApiCaller,
    super::ApiQuery(dates): super::ApiQuery<super::page::DateFilter>,
    super::ApiQuery(page): super::ApiQuery<super::page::PageQuery>,
) -> ApiResult<Json<InvoiceList>> {
    let list = app::billing::list(&state.app, caller.partner()?).await?;
    let list = dates.keep(list, |i| i.issued_at)?;
    Ok(Json(InvoiceList::from(super::page::Page::of(
        list.into_iter().map(invoice_dto).collect::<ApiResult<_>>()?,
        |x: &Invoice| x.id.as_str(),
        &page,
    )?)))
}

/// Which month's reconciliation file.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// The month, YYYY-MM, in the program's time zone.
    pub month: String,
}

/// The org's reconciliation file for a month (CSV): every invoice and credit note issued in it,
/// credit notes with negative amounts (Billing admins and Global admins).
#[utoipa::path(get, path = "/api/v1/invoices/reconciliation", tag = "invoices", params(MonthQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn get_reconciliation(
    State(state): State<AppState>,
    caller: ApiCaller,
    super::ApiQuery(q): super::ApiQuery<MonthQuery>,
) -> ApiResult<Response> {
    let (name, csv) = app::billing::reconciliation(&state.app, caller.partner()?, &q.month).await?;
    Ok(crate::uploads::csv_response(&name, csv))
}

/// The language of the org's invoices, credit notes and reconciliation file.
#[derive(Debug, Deserialize, serde::Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BillingLanguage {
    /// A language tag partnerhub speaks, e.g. `pt-BR`; null for the program's default language.
    pub language: Option<String>,
}

/// Chooses the language of the org's invoices, credit notes and reconciliation file (Billing
/// admins and Global admins).
#[utoipa::path(put, path = "/api/v1/org/billing-language", tag = "invoices", request_body = BillingLanguage,
    responses((status = 200, body = BillingLanguage), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn set_billing_language(
    State(state): State<AppState>,
    caller: ApiCaller,
    super::ApiJson(body): super::ApiJson<BillingLanguage>,
) -> ApiResult<Json<BillingLanguage>> {
    let user = caller.partner()?;
    let language =
        app::billing::set_billing_language(&state.app, user, body.language.as_deref(), &caller.origin).await?;
    Ok(Json(BillingLanguage { language }))
}

/// One invoice.
#[utoipa::path(get, path = "/api/v1/invoices/{id}", tag = "invoices", params(("id" = String, Path)),
    responses((status = 200, body = Invoice), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn get_invoice(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Invoice>> {
    Ok(Json(invoice_dto(app::billing::get(&state.app, caller.partner()?, &known_id(&id, "invoice")?).await?)?))
}

/// One invoice as a PDF document.
#[utoipa::path(get, path = "/api/v1/invoices/{id}/pdf", tag = "invoices", params(("id" = String, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = "4XX", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "document_unavailable: the server is missing the fonts it prints with", body = Problem, content_type = "application/problem+json")))]
pub async fn get_invoice_pdf(
    State(state): State<AppState>,
    caller: ApiCaller,
    Reader(reader): Reader,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let (_, bytes) = app::billing::pdf(&state.app, caller.partner()?, &known_id(&id, "invoice")?, &reader).await?;
    Ok(([(header::CONTENT_TYPE, "application/pdf")], bytes).into_response())
}

/// Verify: a renewal order is as expected; it moves on to the terms.
#[utoipa::path(post, path = "/api/v1/orders/{id}/verify", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = Order), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn verify_order(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Order>> {
    let order = app::checkout::verify_order(&state.app, caller.partner()?, &known_id(&id, "order")?).await?;
    Ok(Json(order_dto(&state, order)?))
}

/// Turns automatic renewal off. One way: only renewing the subscription turns it back on.
#[utoipa::path(post, path = "/api/v1/subscriptions/{id}/turn-off-auto-renew", tag = "subscriptions", params(("id" = String, Path)),
    responses((status = 200, body = Subscription), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn turn_off_auto_renew(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Subscription>> {
    let sub = app::lifecycle::turn_off_auto_renew(
        &state.app,
        caller.partner()?,
        &known_id(&id, "subscription")?,
        &caller.origin,
    )
    .await?;
    Ok(Json(subscription_dto(sub)?))
}

/// Renew subscriptions: a renewal order (open from 90 days before the end of the term to 30
/// days after it), which then goes verify → terms → payment method → pay like any order.
#[utoipa::path(post, path = "/api/v1/subscriptions/{id}/renewals", tag = "subscriptions", params(("id" = String, Path)),
    responses((status = 201, body = Order), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn start_renewal(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<Order>)> {
    let order =
        app::lifecycle::start_renewal(&state.app, caller.partner()?, &known_id(&id, "subscription")?, &caller.origin)
            .await?;
    Ok((StatusCode::CREATED, Json(order_dto(&state, order)?)))
}

/// The org's notifications (reminders and notices), newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "subscriptions", params(super::page::PageQuery),
    responses((status = 200, body = NotificationList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn list_notifications(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: axum::http::HeaderMap,
    super::ApiQuery(page): super::ApiQuery<super::page::PageQuery>,
) -> ApiResult<Json<NotificationList>> {
    let user = caller.partner()?;
    let lang = crate::language::for_request(&state, &headers, user.language.as_deref());
    let list = app::lifecycle::notifications(&state.app, user, &lang).await?;
    let data = list.into_iter().map(Notification::from).collect();
    Ok(Json(NotificationList::from(super::page::Page::of(data, |x: &Notification| x.id.as_str(), &page)?)))
}
