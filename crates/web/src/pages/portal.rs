//! The partner portal: the dashboard, Partnership > Offers, membership and support.

use super::common::{Chrome, NoticeQuery};
use crate::auth::PartnerSession;
use crate::csrf::CsrfToken;
use crate::error::PageError;
use crate::present::{benefit, day, money, term_text};
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
    let country = catalog.country(&view.org.country).map_or(view.org.country.clone(), |c| c.name().to_owned());
    let levels = view.held.into_iter().map(|(m, name)| (m.level, name)).collect();
    let chrome = Chrome::partner(&session.lang, "Dashboard", &csrf, &session.user).with_notice(notice.message());
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
                    code,
                    name,
                    description: offer.description().to_owned(),
                    price: price.map_or("Not sold in your currency".to_owned(), money),
                    benefits: offer.benefits().iter().map(benefit).collect(),
                    blocked,
                })
            }
            Upgrade::Competency { .. } => None,
        })
        .collect();
    let purchased = subscriptions
        .into_iter()
        .map(|s| PurchasedRow {
            term: term_text(s.term_start, s.term_end),
            status: s.status.to_string(),
            id: s.id,
            name: s.offer_name,
        })
        .collect();
    let can_buy = session.user.role.allows(domain::roles::PartnerPermission::ManageBilling);
    Ok(OffersPage {
        chrome: Chrome::partner(&session.lang, "Offers", csrf, &session.user),
        offers,
        purchased,
        can_buy,
        error,
    })
}

struct UpgradeRow {
    name: String,
    kind: &'static str,
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
    let held = view.held.into_iter().map(|(m, name)| (day(m.started_at), name)).collect();
    let subscriptions = view
        .subscriptions
        .iter()
        .map(|s| {
            let status = s.status;
            (
                s.id.clone(),
                s.offer_name.clone(),
                s.anchor_date.to_string(),
                format!("{} ({status})", term_text(s.term_start, s.term_end)),
            )
        })
        .collect();
    let or_dash = |m: Option<domain::money::Money>| m.map_or("—".to_owned(), money);
    let upgrades = view
        .upgrades
        .into_iter()
        .map(|u| match u {
            Upgrade::Offer { name, price, blocked, .. } => UpgradeRow {
                name,
                kind: "Subscription",
                price: format!("{} a year", or_dash(price)),
                status: blocked.unwrap_or_else(|| "Available under Partnership > Offers".into()),
            },
            Upgrade::Competency { name, silver_fee, gold_fee, blocked, .. } => UpgradeRow {
                name,
                kind: "Competency (Silver / Gold)",
                price: format!("{} / {} a year", or_dash(silver_fee), or_dash(gold_fee)),
                status: blocked.unwrap_or_else(|| {
                    "Earned: apply with evidence under Partnership > Competencies, then pay the annual fee".into()
                }),
            },
        })
        .collect();
    Ok(MembershipPage {
        chrome: Chrome::partner(&session.lang, "Membership", &csrf, &session.user),
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
        chrome: Chrome::partner(&session.lang, "Support", &csrf, &session.user),
        program: catalog.program().name().to_owned(),
        support_email: catalog.program().support_email().to_owned(),
    }
}
