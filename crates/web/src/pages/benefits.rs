//! The Benefits page: **Activate** a subscription's benefits, assign seats and license keys,
//! reveal a key, use credits, and see the credit ledger and support balances.

use super::common::{Chrome, NoticeQuery};
use crate::auth::{PartnerSession, WebOrigin};
use crate::csrf::CsrfToken;
use crate::error::{PageError, known_id};
use crate::present::{offer_name, subscription_status};
use crate::state::AppState;
use app::AppError;
use app::benefits::{BenefitView, BenefitsOverview};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use domain::benefit::{BenefitKind, BenefitStatus, UnitStatus};
use domain::ids::{BenefitId, BenefitUnitId, SubscriptionId, UserId};
use domain::money::{Currency, Money};
use domain::roles::PartnerPermission;
use i18n::Lang;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/benefits", get(page))
        .route("/benefits/activate/{subscription_id}", post(activate))
        .route("/benefits/{id}/assign", post(assign))
        .route("/benefits/{id}/use", post(use_credit))
        .route("/benefits/units/{id}/unassign", post(unassign))
        .route("/benefits/units/{id}/reveal", post(reveal))
}

struct SubscriptionRow {
    id: SubscriptionId,
    title: String,
    status: String,
    can_activate: bool,
    benefits: Vec<BenefitRow>,
}

struct BenefitRow {
    id: BenefitId,
    title: String,
    live: bool,
    /// Allocated, used and left, as words ("10", "100.00 USD").
    allocated: String,
    used: String,
    left: String,
    /// Shows allocated / used / left (not for a service account, which is just there).
    counted: bool,
    assignable: bool,
    credit: bool,
    /// A fresh key for this benefit's credit form, so a resubmitted form draws once.
    use_key: String,
    /// The credit's currency, so the amount typed is read the reader's way ("5,00" in pt-BR).
    currency: String,
    units: Vec<UnitRow>,
    ledger: Vec<LedgerRow>,
}

struct UnitRow {
    id: BenefitUnitId,
    label: String,
    holder: String,
    held: bool,
    revealable: bool,
    revoked: bool,
}

struct LedgerRow {
    day: String,
    memo: String,
    amount: String,
    balance: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/benefits.html")]
struct BenefitsPage {
    chrome: Chrome,
    subscriptions: Vec<SubscriptionRow>,
    users: Vec<(UserId, String)>,
    can_manage: bool,
    everything: bool,
    error: Option<String>,
}

fn title_of(lang: &Lang, b: &store::benefits::BenefitRecord) -> String {
    let product = b.product.as_str();
    match b.kind {
        BenefitKind::SoftwareLicense => lang.t1("portal-benefits-licenses", "product", product),
        BenefitKind::Seats => lang.t1("portal-benefits-seats", "product", product),
        BenefitKind::ServiceAccount => lang.t1("portal-benefits-service-account", "product", product),
        BenefitKind::MonthlyCredit => lang.t1("portal-benefits-monthly-credits", "product", product),
        BenefitKind::SupportIncidents | BenefitKind::AdvisoryHours => b.product.clone(),
    }
}

/// A credit balance in money when the benefit counts money, else as a plain count.
fn amount_text(lang: &Lang, currency: Option<Currency>, n: i64) -> String {
    match currency {
        Some(currency) => lang.money(Money::new(n, currency)),
        None => lang.number(n),
    }
}

fn benefit_row(
    state: &AppState,
    v: BenefitView,
    ledger: Vec<store::benefits::LedgerEntry>,
    actor: &app::PartnerUser,
    lang: &Lang,
) -> Result<BenefitRow, AppError> {
    let b = &v.benefit;
    let currency = b.currency;
    let counted = b.cadence.is_some();
    let held =
        v.units.iter().filter(|u| u.unit.user_id.is_some() && u.unit.status == UnitStatus::Active).count() as i64;
    let (allocated, used, left) = if counted {
        let text = |n| amount_text(lang, currency, n);
        (text(v.granted), text(v.used), text(v.granted - v.used))
    } else {
        (lang.number(b.units), lang.number(held), lang.number(b.units - held))
    };
    let admin = actor.role.allows(PartnerPermission::ManageOffers);
    let units = v
        .units
        .iter()
        .map(|u| {
            let mine = u.unit.user_id.as_ref() == Some(&actor.id);
            let label = match (b.kind, &u.unit.code) {
                (BenefitKind::SoftwareLicense, Some(key)) => domain::benefit::masked_key(key),
                (_, Some(account)) => account.clone(),
                _ => lang.t1("portal-benefits-seat", "number", u.unit.seq + 1),
            };
            UnitRow {
                id: u.unit.id.clone(),
                label,
                holder: u.holder.clone().unwrap_or_else(|| {
                    if u.unit.user_id.is_some() {
                        lang.t("portal-benefits-removed-user")
                    } else {
                        lang.t("portal-benefits-free")
                    }
                }),
                held: u.unit.user_id.is_some(),
                revealable: b.kind == BenefitKind::SoftwareLicense
                    && u.unit.status == UnitStatus::Active
                    && (admin || mine),
                revoked: u.unit.status != UnitStatus::Active,
            }
        })
        .collect();
    let mut balance = 0;
    let ledger = ledger
        .into_iter()
        .map(|e| {
            balance += e.amount;
            LedgerRow {
                day: e.period.map_or_else(|| lang.day_of(e.created_at), |p| lang.day(p)),
                memo: e.memo,
                amount: amount_text(lang, currency, e.amount),
                balance: amount_text(lang, currency, balance),
            }
        })
        .collect();
    Ok(BenefitRow {
        id: b.id.clone(),
        title: title_of(lang, b),
        live: b.status == BenefitStatus::Active,
        allocated,
        used,
        left,
        counted: b.kind.is_counted(),
        assignable: matches!(b.kind, BenefitKind::Seats | BenefitKind::SoftwareLicense),
        credit: b.kind == BenefitKind::MonthlyCredit,
        use_key: state.app.new_secret("use"),
        currency: currency.map(|c| c.code().to_owned()).unwrap_or_default(),
        units,
        ledger,
    })
}

async fn benefits_page(
    state: &AppState,
    csrf: &CsrfToken,
    session: &PartnerSession,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<BenefitsPage, AppError> {
    let actor = &session.user;
    let lang = &session.lang;
    let BenefitsOverview { subscriptions, users, everything } = app::benefits::overview(&state.app, actor).await?;
    let mut rows = Vec::new();
    for s in subscriptions {
        let mut benefits = Vec::new();
        for v in s.benefits {
            let ledger = if everything && v.benefit.cadence.is_some() {
                app::benefits::ledger(&state.app, actor, &v.benefit.id).await?
            } else {
                Vec::new()
            };
            benefits.push(benefit_row(state, v, ledger, actor, lang)?);
        }
        let status = s.subscription.status;
        rows.push(SubscriptionRow {
            id: s.subscription.id.clone(),
            title: lang.t1(
                "portal-subscription-name",
                "offer",
                offer_name(&state.app.catalog(), lang, &s.subscription.offer_code, &s.subscription.offer_name),
            ),
            status: lang.text(subscription_status(status)),
            can_activate: s.can_activate,
            benefits,
        });
    }
    Ok(BenefitsPage {
        chrome: Chrome::partner(lang, &lang.t("portal-benefits-title"), csrf, actor).with_notice(notice),
        subscriptions: rows,
        users,
        can_manage: actor.role.allows(PartnerPermission::ManageOffers),
        everything,
        error,
    })
}

async fn page(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    session: PartnerSession,
    q: Query<NoticeQuery>,
) -> Result<BenefitsPage, PageError> {
    Ok(benefits_page(&state, &csrf, &session, q.message(), None).await?)
}

/// After a change: back to the page with its notice, or the page again with the reason the
/// change was refused.
async fn after(
    state: &AppState,
    csrf: &CsrfToken,
    session: &PartnerSession,
    result: Result<&str, AppError>,
) -> Response {
    let result = result.map(|notice| format!("/benefits?notice={notice}"));
    super::common::after_post(result, &session.lang, |message| benefits_page(state, csrf, session, None, Some(message)))
        .await
}

async fn activate(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    session: PartnerSession,
    Path(subscription_id): Path<String>,
) -> Response {
    let result = async {
        let id = known_id(&subscription_id, "subscription")?;
        app::benefits::activate(&state.app, &session.user, &id, &origin).await
    }
    .await;
    after(&state, &csrf, &session, result.map(|_| "benefits_activated")).await
}

#[derive(Deserialize)]
struct AssignForm {
    #[serde(default)]
    user_id: String,
}

async fn assign(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    session: PartnerSession,
    Path(id): Path<String>,
    Form(form): Form<AssignForm>,
) -> Response {
    let result = async {
        let (id, user_id) = (known_id(&id, "benefit")?, known_id(&form.user_id, "user")?);
        app::benefits::assign(&state.app, &session.user, &id, &user_id, &origin).await
    }
    .await;
    after(&state, &csrf, &session, result.map(|_| "benefit_assigned")).await
}

async fn unassign(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    session: PartnerSession,
    Path(id): Path<String>,
) -> Response {
    // Step-up: a key is a secret worth a fresh second factor.
    if let Err(to) = super::common::step_up(&state, &session.current, "/benefits").await {
        return to;
    }
    let result =
        async { app::benefits::unassign(&state.app, &session.user, &known_id(&id, "unit")?, &origin).await }.await;
    after(&state, &csrf, &session, result.map(|()| "benefit_unassigned")).await
}

#[derive(Deserialize)]
struct UseForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    memo: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    currency: String,
}

async fn use_credit(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    session: PartnerSession,
    Path(id): Path<String>,
    Form(form): Form<UseForm>,
) -> Response {
    let key = if form.key.is_empty() { state.app.new_secret("use") } else { form.key };
    // Read the amount the reader's way; what cannot be read goes on as typed, for the app's
    // own reason.
    let amount = Currency::parse(&form.currency)
        .ok()
        .and_then(|currency| session.lang.parse_amount(&form.amount, currency).ok())
        .map_or(form.amount, Money::format_amount);
    let result = async {
        let id = known_id(&id, "benefit")?;
        app::benefits::use_credit(&state.app, &session.user, &id, &amount, &form.memo, &key, &origin).await
    }
    .await;
    after(&state, &csrf, &session, result.map(|_| "credits_used")).await
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/license_key.html")]
struct KeyPage {
    chrome: Chrome,
    key: String,
}

async fn reveal(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    WebOrigin(origin): WebOrigin,
    session: PartnerSession,
    Path(id): Path<String>,
) -> Response {
    let key =
        async { app::benefits::reveal_key(&state.app, &session.user, &known_id(&id, "unit")?, &origin).await }.await;
    match key {
        Ok(key) => {
            let title = session.lang.t("portal-key-title");
            let page = KeyPage { chrome: Chrome::partner(&session.lang, &title, &csrf, &session.user), key };
            // A revealed key is not kept by the browser's cache.
            ([(axum::http::header::CACHE_CONTROL, "no-store")], page).into_response()
        }
        Err(e) => after(&state, &csrf, &session, Err(e)).await,
    }
}
