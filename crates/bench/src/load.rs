//! The HTTP side: setting up orgs the way a partner would (sign up, sign in, create an API
//! token in the portal), preparing cards and orders, and the timed purchases, closed-loop (a
//! fixed number of clients as fast as the server answers) or open-loop (a fixed arrival rate).

use crate::mail::Mailbox;
use anyhow::{Context, bail, ensure};
use reqwest::{Client, StatusCode, redirect};
use serde_json::{Value, json};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::task::JoinSet;
use tokio::time::{Instant, MissedTickBehavior};

pub const PASSWORD: &str = "benchmark password 12345";
const CARD: &str = "4242424242424242";

/// Every request is bounded: a stuck server fails the run instead of hanging it.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The shared API client: keep-alive connections to the server, no cookies, no redirects.
pub fn api_client(connections: usize) -> anyhow::Result<Client> {
    Ok(Client::builder()
        .redirect(redirect::Policy::none())
        .pool_max_idle_per_host(connections)
        .tcp_nodelay(true)
        .timeout(REQUEST_TIMEOUT)
        .build()?)
}

#[derive(Clone)]
pub struct Ctx {
    pub base: Arc<str>,
    pub api: Client,
    pub run: Arc<str>,
}

impl Ctx {
    async fn post_json(&self, token: &str, path: &str, body: Value, expect: StatusCode) -> anyhow::Result<Value> {
        let r = self.api.post(format!("{}{path}", self.base)).bearer_auth(token).json(&body).send().await?;
        answer(r, expect, path).await
    }
}

async fn answer(r: reqwest::Response, expect: StatusCode, what: &str) -> anyhow::Result<Value> {
    let status = r.status();
    let text = r.text().await?;
    if status != expect {
        bail!("{what}: {status} (expected {expect}): {}", text.chars().take(300).collect::<String>());
    }
    serde_json::from_str(&text).with_context(|| format!("{what}: not JSON"))
}

fn str_of(v: &Value, key: &str) -> anyhow::Result<String> {
    v.pointer(key).and_then(Value::as_str).map(str::to_owned).with_context(|| format!("no {key} in {v}"))
}

/// Signs up org number `i` through the API, signs its Global admin in through the portal,
/// confirms the address from the link e-mailed to `mail`, and creates an API token in the portal
/// (the only place tokens are made). Returns the token.
pub async fn set_up_org(ctx: Ctx, mail: Arc<Mailbox>, i: usize) -> anyhow::Result<String> {
    let email = format!("buyer-{i}-{}@bench.example", ctx.run);
    let signup = json!({
        "company_name": format!("Bench Buyer {i}"), "country": "US", "name": "Bench Buyer",
        "email": email, "password": PASSWORD,
    });
    let r = ctx.api.post(format!("{}/api/v1/signup", ctx.base)).json(&signup).send().await?;
    answer(r, StatusCode::CREATED, "sign-up").await?;

    let browser = Client::builder()
        .cookie_store(true)
        .redirect(redirect::Policy::none())
        .timeout(REQUEST_TIMEOUT)
        .pool_max_idle_per_host(1)
        .build()?;
    let page = |path: &str| {
        let browser = browser.clone();
        let url = format!("{}{path}", ctx.base);
        async move {
            let r = browser.get(&url).send().await?;
            ensure!(r.status() == StatusCode::OK, "GET {url}: {}", r.status());
            csrf_in(&r.text().await?).with_context(|| format!("no CSRF field on {url}"))
        }
    };
    let csrf = page("/signin").await?;
    let r = browser
        .post(format!("{}/signin", ctx.base))
        .form(&[("csrf", csrf.as_str()), ("email", &email), ("password", PASSWORD)])
        .send()
        .await?;
    ensure!(r.status() == StatusCode::SEE_OTHER, "sign-in: {}", r.status());
    let link = mail.link(&email, "/verify-email/", Duration::from_secs(120)).await?;
    let path = link.strip_prefix(&*ctx.base).context("the link points to the server")?.to_owned();
    let csrf = page(&path).await?;
    let r = browser.post(&link).form(&[("csrf", csrf.as_str())]).send().await?;
    ensure!(r.status() == StatusCode::SEE_OTHER, "confirming the address: {}", r.status());
    let csrf = page("/account/api-tokens").await?;
    let r = browser
        .post(format!("{}/account/api-tokens", ctx.base))
        .form(&[("csrf", csrf.as_str()), ("name", "benchmark")])
        .send()
        .await?;
    ensure!(r.status() == StatusCode::OK, "create API token: {}", r.status());
    let html = r.text().await?;
    let marker = "id=\"new-token\">";
    let start = html.find(marker).context("no new token on the page")? + marker.len();
    let token = html[start..].split('<').next().unwrap_or_default().trim().to_owned();
    ensure!(token.starts_with("phk_"), "the new token does not look like one: {token:?}");
    Ok(token)
}

fn csrf_in(html: &str) -> Option<String> {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker)? + marker.len();
    Some(html[start..].split('"').next()?.to_owned())
}

/// Saves the test card for the org; returns the payment method id.
pub async fn save_card(ctx: &Ctx, token: &str) -> anyhow::Result<String> {
    let card = json!({"card": {"number": CARD, "exp_month": "12", "exp_year": "2030", "cvc": "123"}});
    let pm = ctx.post_json(token, "/api/v1/payment-methods", card, StatusCode::CREATED).await?;
    str_of(&pm, "/id")
}

/// Subscribe now → agree to the terms in force → choose the card: the order is at review.
pub async fn order_to_review(ctx: &Ctx, token: &str, pm: &str) -> anyhow::Result<String> {
    let order = ctx.post_json(token, "/api/v1/orders", json!({"offer": "action-pack"}), StatusCode::CREATED).await?;
    let id = str_of(&order, "/id")?;
    let version = str_of(&order, "/terms/version")?;
    let path = format!("/api/v1/orders/{id}/accept-terms");
    ctx.post_json(token, &path, json!({"terms_version": version}), StatusCode::OK).await?;
    let path = format!("/api/v1/orders/{id}/payment-method");
    let order = ctx.post_json(token, &path, json!({"payment_method_id": pm}), StatusCode::OK).await?;
    ensure!(order["step"] == "review", "the order is not at review: {order}");
    Ok(id)
}

/// The purchase itself: POST /pay with a fresh Idempotency-Key; the order must come back paid.
pub async fn pay(ctx: &Ctx, token: &str, order: &str) -> anyhow::Result<()> {
    let r = ctx
        .api
        .post(format!("{}/api/v1/orders/{order}/pay", ctx.base))
        .bearer_auth(token)
        .header("Idempotency-Key", format!("bench-{}-{order}", ctx.run))
        .send()
        .await?;
    let paid = answer(r, StatusCode::OK, "pay").await?;
    ensure!(paid["status"] == "paid" && paid["invoice_id"].is_string(), "not paid: {paid}");
    Ok(())
}

/// The whole order path with a saved card: order → terms → card → pay.
pub async fn whole_path(ctx: &Ctx, token: &str, pm: &str) -> anyhow::Result<()> {
    let order = order_to_review(ctx, token, pm).await?;
    pay(ctx, token, &order).await
}

/// One timed request (or request chain): how long it took and whether it succeeded.
pub struct Sample {
    /// When it started (was scheduled to start, in an open loop), from the phase's start.
    pub at: Duration,
    pub latency: Duration,
    pub error: Option<String>,
}

/// What a timed phase measured.
pub struct Outcome {
    pub samples: Vec<Sample>,
    /// From the first start (or the first scheduled start) to the last answer.
    pub wall: Duration,
}

/// Runs `f` over `items` with `workers` concurrent workers, each taking the next item as soon
/// as its previous one is answered. Results come back in the order of `items`.
pub async fn each_concurrently<T, R, F, Fut>(items: Vec<T>, workers: usize, f: F) -> Vec<R>
where
    T: Clone + Send + Sync + 'static,
    R: Send + 'static,
    F: Fn(T) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = R> + Send,
{
    let items = Arc::new(items);
    let next = Arc::new(AtomicUsize::new(0));
    let mut set = JoinSet::new();
    for _ in 0..workers.max(1) {
        let (items, next, f) = (items.clone(), next.clone(), f.clone());
        set.spawn(async move {
            let mut out = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                out.push((i, f(item.clone()).await));
            }
            out
        });
    }
    let mut all = Vec::with_capacity(items.len());
    while let Some(done) = set.join_next().await {
        all.extend(done.expect("a worker panicked"));
    }
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, r)| r).collect()
}

/// Closed loop: `workers` clients, each sending its next purchase when the last one is answered.
pub async fn closed_loop<T, F, Fut>(items: Vec<T>, workers: usize, f: F) -> Outcome
where
    T: Clone + Send + Sync + 'static,
    F: Fn(T) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send,
{
    let start = Instant::now();
    let samples = each_concurrently(items, workers, move |item| {
        let f = f.clone();
        async move {
            let t = Instant::now();
            let r = f(item).await;
            Sample { at: t - start, latency: t.elapsed(), error: r.err().map(|e| format!("{e:#}")) }
        }
    })
    .await;
    Outcome { samples, wall: start.elapsed() }
}

/// Open loop: purchases start at a fixed rate whatever the answers do (no coordinated
/// omission: a late answer does not delay the next start, and latency counts from the moment
/// the request was scheduled, so a stalled client or server shows in the figures).
pub async fn open_loop<T, F, Fut>(items: Vec<T>, per_second: f64, f: F) -> Outcome
where
    T: Send + 'static,
    F: Fn(T) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
{
    let mut ticks = tokio::time::interval(Duration::from_secs_f64(1.0 / per_second.max(0.1)));
    ticks.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut set = JoinSet::new();
    let mut first = None;
    for item in items {
        let scheduled = ticks.tick().await;
        let at = scheduled - *first.get_or_insert(scheduled);
        let f = f.clone();
        set.spawn(async move {
            let r = f(item).await;
            Sample { at, latency: scheduled.elapsed(), error: r.err().map(|e| format!("{e:#}")) }
        });
    }
    let mut samples = Vec::new();
    while let Some(done) = set.join_next().await {
        samples.push(done.expect("a purchase task panicked"));
    }
    Outcome { samples, wall: first.map_or(Duration::ZERO, |t| t.elapsed()) }
}
