//! Stripe's HTTP API, as much of it as we use: customers, card payment methods, payment intents
//! confirmed at once, refunds. A small typed client on reqwest (rustls with the `ring` provider),
//! form-encoded requests with Stripe's bracket notation, replies read into small structs.
//!
//! How answers map:
//! - a card refused (HTTP 402, or an error of type `card_error`) is a [`Decline`] with a plain
//!   message of our own for the codes we know;
//! - any other 4xx is [`GatewayError::Invalid`]: Stripe did nothing;
//! - no answer, a timeout, a 5xx, 409 (same idempotency key in flight), 429, or a body we cannot
//!   read is [`GatewayError::Unavailable`]: the outcome is unknown and must be reconciled with
//!   [`Stripe::find_charge`].
//!
//! The API key, card numbers and CVCs go into request headers and bodies only: never into a URL,
//! a log line or an error. Messages Stripe sends back are scrubbed of long digit runs and key-like
//! words before they reach an error, in case one ever echoes something.
//!
//! Tested against localstripe (see `scripts/localstripe` and `tests/stripe_localstripe.rs`).
//! What localstripe 1.15 does differently from Stripe, and how this client copes:
//! - it refuses unknown parameters with `400 "Unexpected NAME"`; it knows no `description` on
//!   PaymentIntents and no `customer` filter on listing them. The client sends both (Stripe wants
//!   them), and on that exact refusal remembers it and repeats the request without: the refusal
//!   comes before localstripe creates anything, so the repeat cannot charge twice;
//! - declines come back as `402` with type `invalid_request_error` (Stripe says `card_error`) and
//!   no `decline_code`; a failed PaymentIntent keeps the decline in `last_payment_error`;
//! - it ignores `Idempotency-Key` headers and `off_session` (a card needing authentication gets
//!   `requires_action`, where Stripe answers `402 authentication_required` off session), and
//!   allows refunds beyond the amount charged: the app must enforce both;
//! - it lists objects oldest first (Stripe: newest first), so nothing here relies on the order;
//! - it reports every card brand as `visa`, wants exactly 16 digits and a 3-digit CVC, and lets a
//!   PaymentIntent use a payment method that is not attached to the customer;
//! - `latest_charge` is an embedded object (Stripe: an id), so it is not read.

use crate::{CardSource, ChargeOutcome, Decline, GatewayError, NewCard, SavedCard};
use domain::money::Money;
use reqwest::{Method, StatusCode, Url};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The API version the replies are read for, so an upgrade of the account's default version
/// cannot change them under us. localstripe ignores it.
const API_VERSION: &str = "2024-06-20";
/// How long a request may take, all in, before its outcome counts as unknown.
const TIMEOUT: Duration = Duration::from_secs(20);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest page Stripe lists.
const PAGE_SIZE: &str = "100";

/// A client for Stripe's HTTP API (or localstripe). Cheap to clone: clones share one connection
/// pool.
#[derive(Clone)]
pub struct Stripe {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    api_key: String,
    base_url: String,
    /// Learnt from the server: it refuses `description` on a PaymentIntent (localstripe).
    intents_without_description: AtomicBool,
    /// Learnt from the server: it cannot list PaymentIntents by customer (localstripe).
    intents_unfiltered: AtomicBool,
}

impl fmt::Debug for Stripe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stripe").field("base_url", &self.inner.base_url).finish_non_exhaustive()
    }
}

impl Stripe {
    /// `api_key` is the secret (`sk_…`) or restricted (`rk_…`) key; `base_url` is
    /// `https://api.stripe.com`, or e.g. `http://127.0.0.1:8420` for localstripe. Plain HTTP is
    /// accepted only to a loopback address or with a test key: a live key goes over HTTPS only.
    pub fn new(api_key: String, base_url: String) -> Result<Stripe, GatewayError> {
        let invalid = |why: &str| GatewayError::Invalid(format!("Stripe configuration: {why}"));
        if !(api_key.starts_with("sk_") || api_key.starts_with("rk_"))
            || api_key.len() < 8
            || !api_key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(invalid("the API key must be a secret key (sk_…) or a restricted key (rk_…)"));
        }
        let base_url = base_url.trim().trim_end_matches('/').to_owned();
        // The URL is not quoted back: a mistyped one might carry a password.
        let url = Url::parse(&base_url).map_err(|e| invalid(&format!("the base URL is not a URL ({e})")))?;
        if url.query().is_some()
            || url.fragment().is_some()
            || url.cannot_be_a_base()
            || !url.username().is_empty()
            || url.password().is_some()
        {
            return Err(invalid("the base URL must be like https://api.stripe.com (no user, query or fragment)"));
        }
        let host = url.host_str().unwrap_or("");
        let loopback = host == "localhost"
            || host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        let test_key = api_key.starts_with("sk_test_") || api_key.starts_with("rk_test_");
        match url.scheme() {
            "https" => {}
            "http" if loopback || test_key => {}
            "http" => return Err(invalid("a live key is only ever sent over https")),
            other => return Err(invalid(&format!("the base URL has scheme {other:?}; use https"))),
        }

        // reqwest is built with `rustls-no-provider` (no aws-lc): it takes the process's default
        // crypto provider, so make that ring unless someone installed one already.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("partnerhub/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| invalid(&format!("cannot set up the HTTPS client: {}", error_chain(&e))))?;
        Ok(Stripe {
            inner: Arc::new(Inner {
                http,
                api_key,
                base_url,
                intents_without_description: AtomicBool::new(false),
                intents_unfiltered: AtomicBool::new(false),
            }),
        })
    }

    /// The customer for an org, made once: `customer-{org_id}` as the idempotency key lets a
    /// retry within Stripe's 24 hours of key memory find the first one instead of making another.
    pub async fn create_customer(&self, org_id: &str, name: &str) -> Result<String, GatewayError> {
        let form = [("name", name), ("metadata[org_id]", org_id)];
        let key = format!("customer-{org_id}");
        check_idempotency_key(&key)?;
        let customer: Object = self.post("/v1/customers", &form, Some(&key)).await?.map_err(|f| f.into_error())?;
        expect_prefix(customer.id, "cus_")
    }

    /// Attaches a card to `customer`: a PaymentMethod made by Stripe.js, or (for tests and API
    /// use) one made here from card details. A card refused on attach is
    /// [`GatewayError::Declined`].
    ///
    /// Real Stripe accepts raw card numbers server-side only on accounts allowed to send them;
    /// the browser flow (Stripe.js) is the one for production.
    pub async fn save_card(&self, customer: &str, source: CardSource) -> Result<SavedCard, GatewayError> {
        check_id("customer", customer, "cus_")?;
        let payment_method = match source {
            CardSource::StripePaymentMethod(id) => id,
            CardSource::Details(card) => self.create_card_payment_method(&card).await?,
        };
        check_id("payment method", &payment_method, "")?;
        let attached: PaymentMethod = self
            .post(&format!("/v1/payment_methods/{payment_method}/attach"), &[("customer", customer)], None)
            .await?
            .map_err(|f| f.into_error())?;
        let Some(card) = attached.card else {
            return Err(GatewayError::Invalid("this payment method is not a card".into()));
        };
        Ok(SavedCard {
            gateway_ref: attached.id,
            brand: card.brand,
            last4: card.last4,
            exp_month: card.exp_month,
            exp_year: card.exp_year,
        })
    }

    /// A SetupIntent for `customer`, for the browser to save a card with Stripe.js
    /// (`confirmCardSetup`); returns its client secret. The card number goes from the browser
    /// to Stripe and never through us.
    pub async fn create_setup_intent(&self, customer: &str) -> Result<String, GatewayError> {
        check_id("customer", customer, "cus_")?;
        let form = [("customer", customer), ("usage", "off_session"), ("payment_method_types[0]", "card")];
        let intent: SetupIntent = self.post("/v1/setup_intents", &form, None).await?.map_err(|f| f.into_error())?;
        intent
            .client_secret
            .ok_or_else(|| GatewayError::Unavailable("Stripe sent a SetupIntent without a client secret".into()))
    }

    /// `POST /v1/payment_methods` with the card details; the body is the only place they go.
    async fn create_card_payment_method(&self, card: &NewCard) -> Result<String, GatewayError> {
        let exp_month = card.expiry.month.to_string();
        let exp_year = card.expiry.year.to_string();
        let form = [
            ("type", "card"),
            ("card[number]", card.number.expose()),
            ("card[exp_month]", &exp_month),
            ("card[exp_year]", &exp_year),
            ("card[cvc]", card.cvc.expose()),
        ];
        let created: Object = self.post("/v1/payment_methods", &form, None).await?.map_err(|f| f.into_error())?;
        Ok(created.id)
    }

    /// Charges `amount` to the saved card at once, off session (nobody is there to pass 3-D
    /// Secure). `idempotency_key` is sent as the `Idempotency-Key` header and kept in the
    /// PaymentIntent's metadata, where [`Stripe::find_charge`] looks for it.
    ///
    /// `Ok` means Stripe answered: succeeded (`charge_ref` is the PaymentIntent id, `pi_…`) or
    /// declined. [`GatewayError::Unavailable`] means the outcome is unknown.
    pub async fn charge(
        &self,
        customer: &str,
        card_ref: &str,
        amount: Money,
        idempotency_key: &str,
        description: &str,
    ) -> Result<ChargeOutcome, GatewayError> {
        check_id("customer", customer, "cus_")?;
        check_id("card", card_ref, "")?;
        check_idempotency_key(idempotency_key)?;
        if amount.minor() <= 0 {
            return Err(GatewayError::Invalid(format!("cannot charge {amount}: the amount must be positive")));
        }
        let minor = amount.minor().to_string();
        let currency = amount.currency().code().to_ascii_lowercase();
        loop {
            let mut form = vec![
                ("amount", minor.as_str()),
                ("currency", currency.as_str()),
                ("customer", customer),
                ("payment_method", card_ref),
                ("payment_method_types[0]", "card"),
                ("confirm", "true"),
                ("off_session", "true"),
                ("metadata[idempotency_key]", idempotency_key),
            ];
            let with_description = !self.inner.intents_without_description.load(Ordering::Relaxed);
            if with_description {
                form.push(("description", description));
            }
            let reply: Reply<PaymentIntent> = self.post("/v1/payment_intents", &form, Some(idempotency_key)).await?;
            return match reply {
                Ok(intent) => {
                    let outcome = outcome_of(&intent);
                    if intent.status == "requires_action" {
                        // Only localstripe gets here (Stripe declines off-session instead). Cancel
                        // so that an intent reported as declined can never succeed later.
                        self.cancel_intent(&intent.id).await;
                    }
                    outcome
                }
                Err(f) if with_description && f.is_unexpected_parameter("description") => {
                    self.inner.intents_without_description.store(true, Ordering::Relaxed);
                    continue;
                }
                Err(f) if f.is_decline() => Ok(ChargeOutcome::Declined(decline_of(&f.error))),
                Err(f) => Err(f.into_error()),
            };
        }
    }

    /// Best effort: the intent was already reported as declined.
    async fn cancel_intent(&self, id: &str) {
        let path = format!("/v1/payment_intents/{id}/cancel");
        match self.post::<Object>(&path, &[], None).await {
            Ok(Ok(_)) => {}
            Ok(Err(f)) => {
                tracing::warn!(intent = id, status = %f.status, "could not cancel a PaymentIntent that needs authentication")
            }
            Err(e) => {
                tracing::warn!(intent = id, error = %e, "could not cancel a PaymentIntent that needs authentication")
            }
        }
    }

    /// What became of the charge made with `idempotency_key` for `customer`: for reconciling
    /// an attempt whose answer was lost. Lists the customer's PaymentIntents (all pages) and
    /// looks for the key in their metadata. A success wins over anything else (localstripe
    /// ignores idempotency keys, so a retried attempt may have made several intents); an intent
    /// still in flight gives [`GatewayError::Unavailable`]; else the latest decline.
    ///
    /// localstripe cannot filter the list by customer: against it, every PaymentIntent is
    /// listed and filtered here.
    pub async fn find_charge(
        &self,
        customer: &str,
        idempotency_key: &str,
    ) -> Result<Option<ChargeOutcome>, GatewayError> {
        check_id("customer", customer, "cus_")?;
        check_idempotency_key(idempotency_key)?;
        let mut matching: Vec<PaymentIntent> = Vec::new();
        let mut starting_after: Option<String> = None;
        loop {
            let filtered = !self.inner.intents_unfiltered.load(Ordering::Relaxed);
            let mut query = vec![("limit", PAGE_SIZE)];
            if filtered {
                query.push(("customer", customer));
            }
            if let Some(after) = &starting_after {
                query.push(("starting_after", after));
            }
            let page: List<PaymentIntent> = match self.get("/v1/payment_intents", &query).await? {
                Ok(page) => page,
                Err(f) if filtered && f.is_unexpected_parameter("customer") => {
                    self.inner.intents_unfiltered.store(true, Ordering::Relaxed);
                    matching.clear();
                    starting_after = None;
                    continue;
                }
                Err(f) => return Err(f.into_error()),
            };
            starting_after = page.data.last().map(|intent| intent.id.clone());
            matching.extend(page.data.into_iter().filter(|intent| {
                intent.customer.as_deref() == Some(customer)
                    && intent.metadata.get("idempotency_key").map(String::as_str) == Some(idempotency_key)
            }));
            if !page.has_more || starting_after.is_none() {
                break;
            }
        }

        if let Some(done) = matching.iter().find(|intent| intent.status == "succeeded") {
            return Ok(Some(ChargeOutcome::Succeeded { charge_ref: done.id.clone() }));
        }
        if let Some(pending) = matching.iter().find(|intent| in_flight(&intent.status)) {
            return outcome_of(pending).map(Some);
        }
        match matching.iter().max_by_key(|intent| intent.created) {
            Some(latest) => outcome_of(latest).map(Some),
            None => Ok(None),
        }
    }

    /// Refunds `amount` of a charge (`pi_…`, or a charge id `ch_…`); returns the refund id
    /// (`re_…`). The key goes as `Idempotency-Key` and into the refund's metadata. Limits (not
    /// more than was charged) are the app's to enforce: localstripe does not.
    pub async fn refund(&self, charge_ref: &str, amount: Money, idempotency_key: &str) -> Result<String, GatewayError> {
        check_id("charge", charge_ref, "")?;
        check_idempotency_key(idempotency_key)?;
        if amount.minor() <= 0 {
            return Err(GatewayError::Invalid(format!("cannot refund {amount}: the amount must be positive")));
        }
        let target = if charge_ref.starts_with("ch_") { "charge" } else { "payment_intent" };
        // A retry after a lost answer must not refund twice: Stripe forgets keys after a day
        // (and localstripe ignores them), so look for a refund carrying this key first.
        if let Some(done) = self.find_refund(target, charge_ref, idempotency_key).await? {
            return Ok(done);
        }
        let minor = amount.minor().to_string();
        let form = [(target, charge_ref), ("amount", &minor), ("metadata[idempotency_key]", idempotency_key)];
        let refund: Refund =
            self.post("/v1/refunds", &form, Some(idempotency_key)).await?.map_err(|f| f.into_error())?;
        if let Some(status @ ("failed" | "canceled")) = refund.status.as_deref() {
            return Err(GatewayError::Invalid(format!("Stripe did not make the refund {}: it is {status}", refund.id)));
        }
        expect_prefix(refund.id, "re_")
    }

    /// The refund of `charge_ref` made with `idempotency_key` (in its metadata), if any.
    async fn find_refund(
        &self,
        target: &str,
        charge_ref: &str,
        idempotency_key: &str,
    ) -> Result<Option<String>, GatewayError> {
        let mut starting_after: Option<String> = None;
        loop {
            let mut query = vec![(target, charge_ref), ("limit", PAGE_SIZE)];
            if let Some(after) = &starting_after {
                query.push(("starting_after", after));
            }
            let page: List<Refund> = self.get("/v1/refunds", &query).await?.map_err(|f| f.into_error())?;
            let made = page.data.iter().find(|r| {
                r.metadata.as_ref().and_then(|m| m.get("idempotency_key")).map(String::as_str) == Some(idempotency_key)
                    && !matches!(r.status.as_deref(), Some("failed" | "canceled"))
            });
            if let Some(refund) = made {
                return Ok(Some(refund.id.clone()));
            }
            match page.data.last() {
                Some(last) if page.has_more => starting_after = Some(last.id.clone()),
                _ => return Ok(None),
            }
        }
    }

    /// POSTs a form. A request with an idempotency key that meets a rate limit (429), a
    /// conflict (409) or a server error (5xx) is sent again with the same key, after 0.5, 1 and
    /// 2 seconds: Stripe answers a repeat of a key with the first result, so nothing is done twice.
    async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        form: &[(&str, &str)],
        idempotency_key: Option<&str>,
    ) -> Result<Reply<T>, GatewayError> {
        let url = format!("{}{path}", self.inner.base_url);
        let mut delay = std::time::Duration::from_millis(500);
        let mut tries_left = if idempotency_key.is_some() { 3 } else { 0 };
        loop {
            let mut request = self.inner.http.post(&url).form(form);
            if let Some(key) = idempotency_key {
                request = request.header("Idempotency-Key", key);
            }
            match self.send(Method::POST, path, request).await {
                Err(GatewayError::Unavailable(why)) if tries_left > 0 && why.contains("answered") => {
                    tracing::info!(path, %why, "Stripe is busy; trying again with the same key");
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                    tries_left -= 1;
                }
                other => return other,
            }
        }
    }

    async fn get<T: DeserializeOwned>(&self, path: &str, query: &[(&str, &str)]) -> Result<Reply<T>, GatewayError> {
        let url = Url::parse_with_params(&format!("{}{path}", self.inner.base_url), query)
            .map_err(|e| GatewayError::Invalid(format!("GET {path}: {e}")))?;
        let request = self.inner.http.get(url);
        self.send(Method::GET, path, request).await
    }

    /// Sends with the key and API version; reads a success into `T`, an error into [`Failure`],
    /// and turns what leaves the outcome unknown into [`GatewayError::Unavailable`].
    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<Reply<T>, GatewayError> {
        let request = request.bearer_auth(&self.inner.api_key).header("Stripe-Version", API_VERSION);
        let what = format!("{method} {path}");
        let unavailable = |why: String| GatewayError::Unavailable(format!("Stripe, {what}: {why}"));
        let response = request.send().await.map_err(|e| unavailable(transport_error(&e)))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| unavailable(transport_error(&e)))?;
        tracing::debug!(request = %what, %status, "stripe");
        if status.is_success() {
            return serde_json::from_slice(&body).map(Ok).map_err(|e| {
                unavailable(format!("answered {status} with a body we cannot read ({})", json_error(&e)))
            });
        }
        if status.is_server_error() || matches!(status, StatusCode::CONFLICT | StatusCode::TOO_MANY_REQUESTS) {
            return Err(unavailable(format!("answered {status}")));
        }
        match serde_json::from_slice::<ErrorBody>(&body) {
            Ok(ErrorBody { error }) => Ok(Err(Failure { status, what, error })),
            Err(_) => Err(unavailable(format!("answered {status} with a body we cannot read"))),
        }
    }
}

/// Stripe's answer: the object, or its refusal.
type Reply<T> = Result<T, Failure>;

/// A 4xx answer with Stripe's error object.
#[derive(Debug)]
struct Failure {
    status: StatusCode,
    what: String,
    error: ApiError,
}

impl Failure {
    fn is_decline(&self) -> bool {
        self.status == StatusCode::PAYMENT_REQUIRED || self.error.kind.as_deref() == Some("card_error")
    }

    /// localstripe's refusal of a parameter it does not know.
    fn is_unexpected_parameter(&self, name: &str) -> bool {
        self.status == StatusCode::BAD_REQUEST
            && self
                .error
                .message
                .as_deref()
                .and_then(|m| m.strip_prefix("Unexpected "))
                .is_some_and(|names| names.split(", ").any(|n| n == name))
    }

    fn into_error(self) -> GatewayError {
        if self.is_decline() {
            return GatewayError::Declined(decline_of(&self.error));
        }
        // A refused key is the operator's problem, not the card's: the charge is left unknown
        // (and reconciled once the key is fixed) rather than recorded as a decline.
        if matches!(self.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
            return GatewayError::Unavailable(format!(
                "Stripe refused the API key ({}); check the secret key in the configuration",
                self.status
            ));
        }
        let said = match (&self.error.message, &self.error.code) {
            (Some(message), _) => scrub(message),
            (None, Some(code)) => code.clone(),
            (None, None) => "no reason given".to_owned(),
        };
        GatewayError::Invalid(format!("Stripe refused {}: {said} ({})", self.what, self.status))
    }
}

#[derive(Debug, Default, Deserialize)]
struct ErrorBody {
    error: ApiError,
}

/// Stripe's error object, also found as a PaymentIntent's `last_payment_error`.
#[derive(Debug, Default, Deserialize)]
struct ApiError {
    #[serde(rename = "type")]
    kind: Option<String>,
    code: Option<String>,
    decline_code: Option<String>,
    message: Option<String>,
}

/// Any object of which only the id matters.
#[derive(Deserialize)]
struct Object {
    id: String,
}

#[derive(Deserialize)]
struct SetupIntent {
    client_secret: Option<String>,
}

#[derive(Deserialize)]
struct PaymentMethod {
    id: String,
    card: Option<Card>,
}

#[derive(Deserialize)]
struct Card {
    brand: String,
    last4: String,
    exp_month: u8,
    exp_year: u16,
}

#[derive(Deserialize)]
struct PaymentIntent {
    id: String,
    status: String,
    #[serde(default)]
    created: i64,
    customer: Option<String>,
    #[serde(default)]
    metadata: HashMap<String, String>,
    last_payment_error: Option<ApiError>,
}

#[derive(Deserialize)]
struct List<T> {
    data: Vec<T>,
    has_more: bool,
}

#[derive(Deserialize)]
struct Refund {
    id: String,
    status: Option<String>,
    #[serde(default)]
    metadata: Option<std::collections::HashMap<String, String>>,
}

/// Still being worked on at Stripe: the outcome is not known yet.
fn in_flight(status: &str) -> bool {
    matches!(status, "processing" | "requires_capture" | "requires_confirmation")
}

/// What a PaymentIntent's status says about the charge.
fn outcome_of(intent: &PaymentIntent) -> Result<ChargeOutcome, GatewayError> {
    match intent.status.as_str() {
        "succeeded" => Ok(ChargeOutcome::Succeeded { charge_ref: intent.id.clone() }),
        "requires_payment_method" => Ok(ChargeOutcome::Declined(match &intent.last_payment_error {
            Some(error) => decline_of(error),
            None => decline("card_declined"),
        })),
        "requires_action" => Ok(ChargeOutcome::Declined(decline("authentication_required"))),
        "canceled" => Ok(ChargeOutcome::Declined(Decline {
            code: "canceled".into(),
            message: "The payment was canceled; nothing was charged.".into(),
        })),
        status if in_flight(status) => Err(GatewayError::Unavailable(format!(
            "Stripe has the payment {} as {status}: its outcome is not known yet",
            intent.id
        ))),
        other => Err(GatewayError::Unavailable(format!(
            "Stripe has the payment {} as {other:?}, which we do not know",
            intent.id
        ))),
    }
}

/// The decline in Stripe's error: its most specific code, in plain words where we know it.
fn decline_of(error: &ApiError) -> Decline {
    let nonempty = |s: &Option<String>| s.as_deref().filter(|s| !s.is_empty()).map(str::to_owned);
    let code = nonempty(&error.decline_code)
        .filter(|c| c != "generic_decline")
        .or_else(|| nonempty(&error.code))
        .unwrap_or_else(|| "card_declined".to_owned());
    let message = match decline_message(&code) {
        Some(words) => words.to_owned(),
        None => nonempty(&error.message).map(|m| scrub(&m)).unwrap_or_else(|| "Your card was declined.".to_owned()),
    };
    Decline { code, message }
}

fn decline(code: &str) -> Decline {
    Decline { code: code.to_owned(), message: decline_message(code).unwrap_or("Your card was declined.").to_owned() }
}

/// Words a card holder understands for Stripe's decline and card error codes. Codes that hint
/// at fraud get the generic words, as Stripe advises.
fn decline_message(code: &str) -> Option<&'static str> {
    Some(match code {
        "card_declined"
        | "generic_decline"
        | "do_not_honor"
        | "do_not_try_again"
        | "lost_card"
        | "stolen_card"
        | "pickup_card"
        | "fraudulent"
        | "merchant_blacklist"
        | "restricted_card"
        | "security_violation"
        | "transaction_not_allowed"
        | "revocation_of_authorization"
        | "no_action_taken"
        | "not_permitted" => "Your card was declined.",
        "insufficient_funds" => "Your card has insufficient funds.",
        "expired_card" => "Your card has expired.",
        "incorrect_cvc" | "invalid_cvc" => "Your card's security code is incorrect.",
        "incorrect_number" | "invalid_number" => "Your card number is incorrect.",
        "invalid_expiry_month" | "invalid_expiry_year" => "Your card's expiry date is incorrect.",
        "incorrect_zip" => "Your card's postal code is incorrect.",
        "processing_error" => "An error occurred while processing your card. Try again in a little while.",
        "authentication_required" => {
            "Your card needs authentication (such as 3-D Secure), which this payment cannot do. Use another card or ask your bank."
        }
        "payment_intent_authentication_failure" => "Your card's authentication failed.",
        "card_velocity_exceeded" | "withdrawal_count_limit_exceeded" => {
            "Your card has gone over its limit. Use another card or ask your bank."
        }
        "currency_not_supported" => "Your card does not support this currency.",
        "card_not_supported" => "Your card does not support this type of purchase.",
        "approve_with_id" | "issuer_not_available" | "try_again_later" | "reenter_transaction" => {
            "Your bank could not approve the payment just now. Try again in a little while."
        }
        _ => return None,
    })
}

/// An id we put into a URL path or body: Stripe ids are letters, digits and underscores.
fn check_id(what: &str, id: &str, prefix: &str) -> Result<(), GatewayError> {
    if id.len() > prefix.len()
        && id.len() <= 255
        && id.starts_with(prefix)
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        Ok(())
    } else {
        Err(GatewayError::Invalid(format!("the {what} reference is not a Stripe id")))
    }
}

/// Stripe takes idempotency keys of up to 255 characters; they travel in a header.
fn check_idempotency_key(key: &str) -> Result<(), GatewayError> {
    if !key.is_empty() && key.len() <= 255 && key.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(())
    } else {
        Err(GatewayError::Invalid("the idempotency key must be 1 to 255 visible ASCII characters".into()))
    }
}

fn expect_prefix(id: String, prefix: &str) -> Result<String, GatewayError> {
    if id.starts_with(prefix) {
        Ok(id)
    } else {
        Err(GatewayError::Unavailable(format!("Stripe answered with {id:?} where a {prefix}… id was expected")))
    }
}

/// A transport failure in words, without the URL (reqwest's own message carries it).
fn transport_error(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return format!("no answer within {} s", TIMEOUT.as_secs());
    }
    let what = if e.is_connect() {
        "cannot connect"
    } else if e.is_body() || e.is_decode() {
        "the answer broke off"
    } else {
        "the request failed"
    };
    match std::error::Error::source(e) {
        Some(cause) => format!("{what}: {}", error_chain(cause)),
        None => what.to_owned(),
    }
}

/// An error and its causes, each once.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut words = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        let part = inner.to_string();
        if !words.contains(&part) {
            words.push_str(": ");
            words.push_str(&part);
        }
        source = inner.source();
    }
    words
}

/// Where a reply stopped parsing, without quoting what it contained.
fn json_error(e: &serde_json::Error) -> String {
    format!("{:?} error at line {} column {}", e.classify(), e.line(), e.column())
}

/// Stripe's own words, minus anything that looks like a card number or a key.
fn scrub(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if digits.len() >= 12 {
            out.push('…');
        } else {
            out.push_str(digits);
        }
        digits.clear();
    };
    for c in message.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    out.split(' ')
        .map(|word| {
            let bare = word.trim_start_matches(|c: char| !c.is_ascii_alphanumeric());
            if ["sk_", "rk_", "pk_"].iter().any(|p| bare.starts_with(p)) { "[key]" } else { word }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(kind: &str, code: &str, decline_code: Option<&str>, message: &str) -> ApiError {
        ApiError {
            kind: Some(kind.into()),
            code: Some(code.into()),
            decline_code: decline_code.map(Into::into),
            message: Some(message.into()),
        }
    }

    #[test]
    fn declines_take_the_most_specific_code_in_plain_words() {
        let d = decline_of(&error("card_error", "card_declined", Some("insufficient_funds"), "x"));
        assert_eq!(
            d,
            Decline { code: "insufficient_funds".into(), message: "Your card has insufficient funds.".into() }
        );
        let d = decline_of(&error("card_error", "card_declined", Some("generic_decline"), "x"));
        assert_eq!(d.code, "card_declined");
        assert_eq!(d.message, "Your card was declined.");
        let d = decline_of(&error("card_error", "expired_card", None, "x"));
        assert_eq!(d.message, "Your card has expired.");
        let d = decline_of(&error("card_error", "something_new", None, "Card 4242424242424242 said no."));
        assert_eq!(d, Decline { code: "something_new".into(), message: "Card … said no.".into() });
        let d = decline_of(&ApiError::default());
        assert_eq!(d.code, "card_declined");
    }

    #[test]
    fn failures_map_to_errors() {
        let failure = |status: u16, error: ApiError| Failure {
            status: StatusCode::from_u16(status).unwrap(),
            what: "POST /v1/x".into(),
            error,
        };
        let localstripe_decline = error("invalid_request_error", "card_declined", None, "Your card was declined.");
        assert!(
            matches!(failure(402, localstripe_decline).into_error(), GatewayError::Declined(d) if d.code == "card_declined")
        );
        let key = failure(401, error("invalid_request_error", "", None, "Invalid API Key provided: sk_test_abc"));
        assert!(matches!(key.into_error(), GatewayError::Unavailable(m) if !m.contains("sk_test")));
        let bad = failure(400, ApiError { message: Some("Unexpected description, foo".into()), ..ApiError::default() });
        assert!(bad.is_unexpected_parameter("description") && bad.is_unexpected_parameter("foo"));
        assert!(!bad.is_unexpected_parameter("customer"));
    }

    #[test]
    fn scrub_hides_card_numbers_and_keys() {
        assert_eq!(
            scrub("number 4000000000000002 for sk_live_abc, (rk_test_x) ok 123"),
            "number … for [key] [key] ok 123"
        );
    }

    #[test]
    fn ids_are_checked() {
        assert!(check_id("customer", "cus_abc123", "cus_").is_ok());
        assert!(check_id("customer", "cus_", "cus_").is_err());
        assert!(check_id("payment method", "pm_1/../x", "").is_err());
        assert!(check_id("card", "4242424242424242", "").is_ok(), "shape only; never echoed");
        assert!(check_idempotency_key("charge-1 2").is_err());
    }

    #[test]
    fn keys_and_urls_are_checked_on_construction() {
        let new = |key: &str, url: &str| Stripe::new(key.into(), url.into());
        assert!(new("sk_test_123456", "http://127.0.0.1:8420").is_ok());
        assert!(new("sk_live_123456", "https://api.stripe.com/").is_ok());
        assert!(new("sk_live_123456", "http://stripe.example").is_err());
        assert!(new("sk_test_123456", "ftp://127.0.0.1").is_err());
        let Err(GatewayError::Invalid(why)) = new("pk_test_secret123", "https://api.stripe.com") else { panic!() };
        assert!(!why.contains("secret123"));
        assert!(format!("{:?}", new("sk_test_hidden1", "http://127.0.0.1:1").unwrap()).contains("127.0.0.1"));
        assert!(!format!("{:?}", new("sk_test_hidden1", "http://127.0.0.1:1").unwrap()).contains("hidden1"));
    }
}
