//! An org's requirement of single sign-on: its Global admin may require that its users sign
//! in through the program's provider (then their passwords are refused).

use crate::actor::{Origin, PartnerUser};
use crate::audit::{self, Change, Who};
use crate::error::AppError;
use crate::state::App;
use domain::account::InvalidInput;
use store::Principal;

/// An org's requirement of single sign-on, as the Users page shows it.
pub struct OrgSso {
    pub provider: String,
    pub required: bool,
    /// Whether the viewer may change it (Global admins).
    pub may_change: bool,
}

/// The org's requirement, when partners may sign in through the provider at all.
pub async fn org_setting(app: &App, actor: &PartnerUser) -> Result<Option<OrgSso>, AppError> {
    let Some(sso) = app.settings().sso.as_ref().filter(|s| s.policy.partners) else { return Ok(None) };
    let mut conn = app.store().read().await?;
    let required = store::sso::org_requires(&mut conn, &actor.org_id).await?;
    Ok(Some(OrgSso {
        provider: sso.name.clone(),
        required,
        may_change: actor.role == domain::roles::PartnerRole::GlobalAdmin,
    }))
}

/// Turns the org's requirement on or off (Global admins, who must have signed in through the
/// provider before they require it).
pub async fn require_for_org(app: &App, actor: &PartnerUser, on: bool, origin: &Origin) -> Result<(), AppError> {
    let sso = app.settings().sso.as_ref();
    let linked = match (sso, app.sso()) {
        (Some(_), Some(provider)) => {
            let mut conn = app.store().read().await?;
            store::sso::is_linked(&mut conn, provider.issuer(), &Principal::User(actor.id.clone())).await?
        }
        _ => false,
    };
    domain::sso::check_require_sso(actor.role, sso.map(|s| &s.policy), linked, on).map_err(|e| match e {
        domain::sso::RequireSsoError::NotGlobalAdmin => {
            AppError::forbidden(i18n::key("error-act-decide-how-the-orgs-users-sign-in"))
        }
        other => InvalidInput::new("required", other.to_string()).into(),
    })?;
    let name = sso.map_or("the provider", |s| s.name.as_str());
    let mut tx = app.store().write().await?;
    store::sso::set_org_requires(&mut tx, &actor.org_id, on).await?;
    let (action, detail) = if on {
        ("org.sso_required", format!("required the org's users to sign in with {name}"))
    } else {
        ("org.sso_not_required", format!("let the org's users sign in with a password again (besides {name})"))
    };
    let change = Change { org: Some(&actor.org_id), action, subject: actor.org_id.as_str(), detail };
    audit::record(app, &mut tx, Who::actor(&crate::actor::Actor::Partner(actor.clone())), origin, change).await?;
    tx.commit().await?;
    Ok(())
}
