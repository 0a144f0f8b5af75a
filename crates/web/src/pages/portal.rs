//! The partner portal: the dashboard, Partnership > Offers, membership and support.

use super::common::{Chrome, NoticeQuery};
use crate::auth::PartnerSession;
use crate::csrf::CsrfToken;
use crate::error::PageError;
use crate::present::{
    benefit_in, blocked_in, competency_name, country_name, level_name, offer_name, subscription_status, term,
};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Extension, Router};
use domain::ids::SubscriptionId;
use domain::membership::Upgrade;
use store::orgs::OrgRecord;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(dashboard))
        .route("/partnership/offers", get(offers))
        .route("/partnership/membership", get(membership))
        .route("/support", get(support))
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    org: OrgRecord,
    country: String,
    levels: Vec<(String, String)>,
}

async fn dashboard(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    session: PartnerSession,
    notice: Query<NoticeQuery>,
) -> Result<DashboardPage, PageError> {
    let view = app::membership::view(&state.app, &session.user).await?;
    let catalog = state.app.catalog();
    let country = country_name(&catalog, &session.lang, &view.org.country);
    let levels = view
        .held
        .into_iter()
        .map(|(m, _)| {
            let name = level_name(&catalog, &session.lang, &m.level);
            (m.level, name)
        })
        .collect();
    let title = session.lang.t("portal-dashboard-title");
    let chrome = Chrome::partner(&session.lang, &title, &csrf, &session.user).with_notice(notice.message());
    Ok(DashboardPage { chrome, org: view.org, country, levels })
}

struct OfferCard {
    code: String,
    name: String,
    description: String,
    price: String,
    benefits: Vec<String>,
    blocked: Option<String>,
}

struct PurchasedRow {
    id: SubscriptionId,
    name: String,
    status: String,
    term: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/offers.html")]
pub(super) struct OffersPage {
    chrome: Chrome,
    offers: Vec<OfferCard>,
    purchased: Vec<PurchasedRow>,
    can_buy: bool,
    /// Why **Subscribe now** was refused.
    error: Option<String>,
}

/// Partnership > Offers: what the org can buy and what it has bought. An offer the org holds
/// one of (one per org) moves from the first list to the second.
async fn offers(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    session: PartnerSession,
) -> Result<OffersPage, PageError> {
    Ok(offers_page(&state, &csrf, &session, None).await?)
}

/// The Offers page, with why **Subscribe now** was refused if it was.
pub(super) async fn offers_page(
    state: &AppState,
    csrf: &CsrfToken,
    session: &PartnerSession,
    error: Option<String>,
) -> Result<OffersPage, app::AppError> {
    let view = app::membership::view(&state.app, &session.user).await?;
    let subscriptions = app::subscription::list(&state.app, &session.user).await?;
    let catalog = state.app.catalog();
    let lang = &session.lang;
    let live: Vec<&str> = subscriptions.iter().filter(|s| s.status.is_live()).map(|s| s.offer_code.as_str()).collect();
    let offers = view
        .upgrades
        .into_iter()
        .filter_map(|u| match u {
            Upgrade::Offer { code, name, price, blocked } => {
                let offer = catalog.offer(&code)?;
                if offer.one_per_org() && live.contains(&code.as_str()) {
                    return None;
                }
                Some(OfferCard {
                    name: offer_name(&catalog, lang, &code, &name),
                    code,
                    description: offer.description_in(&lang.tag()).to_owned(),
                    price: price.map_or_else(
                        || lang.t("portal-offers-not-sold"),
                        |p| lang.t1("portal-offers-price", "price", lang.money(p)),
                    ),
                    benefits: offer.benefits().iter().map(|b| benefit_in(lang, b)).collect(),
                    blocked: blocked.map(|b| blocked_in(&catalog, lang, &b)),
                })
            }
            Upgrade::Competency { .. } => None,
        })
        .collect();
    let purchased = subscriptions
        .into_iter()
        .map(|s| PurchasedRow {
            term: term(lang, s.term_start, s.term_end),
            status: lang.text(subscription_status(s.status)),
            id: s.id,
            name: lang.t1(
                "portal-subscription-name",
                "offer",
                offer_name(&catalog, lang, &s.offer_code, &s.offer_name),
            ),
        })
        .collect();
    let can_buy = session.user.role.allows(domain::roles::PartnerPermission::ManageBilling);
    Ok(OffersPage {
        chrome: Chrome::partner(lang, &lang.t("portal-offers-title"), csrf, &session.user),
        offers,
        purchased,
        can_buy,
        error,
    })
}

struct UpgradeRow {
    name: String,
    kind: String,
    price: String,
    status: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/membership.html")]
struct MembershipPage {
    chrome: Chrome,
    held: Vec<(String, String)>,
    /// Live subscriptions: name, since, term.
    subscriptions: Vec<(SubscriptionId, String, String, String)>,
    upgrades: Vec<UpgradeRow>,
}

async fn membership(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    session: PartnerSession,
) -> Result<MembershipPage, PageError> {
    let view = app::membership::view(&state.app, &session.user).await?;
    let catalog = state.app.catalog();
    let lang = &session.lang;
    let held =
        view.held.into_iter().map(|(m, _)| (lang.day_of(m.started_at), level_name(&catalog, lang, &m.level))).collect();
    let subscriptions = view
        .subscriptions
        .iter()
        .map(|s| {
            let status = lang.text(subscription_status(s.status));
            (
                s.id.clone(),
                offer_name(&catalog, lang, &s.offer_code, &s.offer_name),
                lang.day(s.anchor_date),
                lang.t2("portal-membership-term", "term", term(lang, s.term_start, s.term_end), "status", status),
            )
        })
        .collect();
    let or_dash = |m: Option<domain::money::Money>| m.map_or("—".to_owned(), |m| lang.money(m));
    let upgrades = view
        .upgrades
        .into_iter()
        .map(|u| match u {
            Upgrade::Offer { code, name, price, blocked } => UpgradeRow {
                name: offer_name(&catalog, lang, &code, &name),
                kind: lang.t("portal-membership-kind-subscription"),
                price: lang.t1("portal-membership-price-offer", "price", or_dash(price)),
                status: blocked
                    .map_or_else(|| lang.t("portal-membership-offer-available"), |b| blocked_in(&catalog, lang, &b)),
            },
            Upgrade::Competency { code, silver_fee, gold_fee, blocked, .. } => UpgradeRow {
                name: competency_name(&catalog, lang, &code),
                kind: lang.t("portal-membership-kind-competency"),
                price: lang.t2(
                    "portal-membership-price-competency",
                    "silver",
                    or_dash(silver_fee),
                    "gold",
                    or_dash(gold_fee),
                ),
                status: blocked
                    .map_or_else(|| lang.t("portal-membership-competency-earned"), |b| blocked_in(&catalog, lang, &b)),
            },
        })
        .collect();
    Ok(MembershipPage {
        chrome: Chrome::partner(lang, &lang.t("portal-membership-title"), &csrf, &session.user),
        held,
        subscriptions,
        upgrades,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/support.html")]
struct SupportPage {
    chrome: Chrome,
    program: String,
    support_email: String,
}

async fn support(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    session: PartnerSession,
) -> SupportPage {
    let catalog = state.app.catalog();
    SupportPage {
        chrome: Chrome::partner(&session.lang, &session.lang.t("portal-support-title"), &csrf, &session.user),
        program: catalog.program().name_in(&session.lang.tag()).to_owned(),
        support_email: catalog.program().support_email().to_owned(),
    }
}
