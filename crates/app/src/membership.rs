//! The membership page: the levels an org holds and what it may upgrade to.

use crate::actor::PartnerUser;
use crate::error::AppError;
use crate::state::App;
use domain::membership::{self, Upgrade};
use domain::roles::PartnerPermission;
use store::orgs::{MembershipRecord, OrgRecord};

pub struct MembershipView {
    pub org: OrgRecord,
    /// Held levels with the catalog's name for each.
    pub held: Vec<(MembershipRecord, String)>,
    pub upgrades: Vec<Upgrade>,
    /// The currency the org pays in.
    pub currency: domain::money::Currency,
    /// Live subscriptions: the Action Pack and the competencies it holds, with their terms.
    pub subscriptions: Vec<store::subscriptions::SubscriptionRecord>,
}

pub async fn view(app: &App, actor: &PartnerUser) -> Result<MembershipView, AppError> {
    actor.require(PartnerPermission::ViewMembership, i18n::key("error-act-see-your-membership"))?;
    let mut conn = app.store().read().await?;
    let org = store::orgs::get(&mut conn, &actor.org_id).await?.ok_or(AppError::NotFound("org"))?;
    let memberships = store::orgs::memberships(&mut conn, &actor.org_id).await?;
    let catalog = app.catalog();
    let currency = catalog.country(&org.country).map_or(catalog.program().default_currency(), |c| c.currency());
    let codes: Vec<&str> = memberships.iter().map(|m| m.level.as_str()).collect();
    let upgrades = membership::upgrades(&catalog, &codes, currency);
    let held = memberships
        .iter()
        .map(|m| {
            let name = catalog.membership_level(&m.level).map_or(m.level.clone(), |l| l.name().to_owned());
            (m.clone(), name)
        })
        .collect();
    let subscriptions = store::subscriptions::list_in_org(&mut conn, &actor.org_id)
        .await?
        .into_iter()
        .filter(|s| s.status.is_live())
        .collect();
    Ok(MembershipView { org, held, upgrades, currency, subscriptions })
}
