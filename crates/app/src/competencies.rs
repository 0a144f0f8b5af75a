//! Competencies: **Apply** for a level with evidence, staff review (under review, approve,
//! reject with a reason), then the approved org pays the annual fee through checkout. The fee
//! is an offer of the catalog (`Catalog::fee_offer`), so the competency renews, reminds and
//! expires like any subscription, and its benefits are activated like any others. The rules
//! (evidence against requirements, statuses, the Silver credit) live in `domain::competency`.

use crate::actor::{Actor, Origin, PartnerUser, StaffMember};
use crate::audit::{self, Change, Who};
use crate::error::AppError;
use crate::state::App;
use domain::account::InvalidInput;
use domain::catalog::CompetencyTier;
use domain::competency::{self, ApplicationStatus, Evidence};
use domain::ids::{ApplicationFileId, CompetencyApplicationId};
use domain::roles::{PartnerPermission, PartnerRole, StaffPermission};
use store::competencies::ApplicationRecord;
use store::files::Owner;

use crate::text::Text;

fn conflict(code: &'static str, message: impl Into<crate::text::Text>) -> AppError {
    AppError::Conflict { code, message: message.into() }
}

/// The evidence stored with an application.
pub fn evidence_of(a: &ApplicationRecord) -> Evidence {
    serde_json::from_str(&a.evidence).unwrap_or_default()
}

/// "Cloud Platform Silver" for an application.
pub fn title_of(app: &App, a: &ApplicationRecord) -> String {
    let catalog = app.catalog();
    let name = catalog.competency(&a.competency_code).map_or(a.competency_code.clone(), |c| c.name().to_owned());
    format!("{name} {}", a.tier.label())
}

/// **Apply** for a competency level (Account admin, Global admin): the evidence must meet the
/// level's requirements; one open application per competency.
pub async fn apply(
    app: &App,
    actor: &PartnerUser,
    competency_code: &str,
    tier: &str,
    evidence: Evidence,
    origin: &Origin,
) -> Result<ApplicationRecord, AppError> {
    actor.require(PartnerPermission::ManageOffers, i18n::key("error-act-apply-for-competencies-ask"))?;
    let catalog = app.catalog();
    let competency = catalog.competency(competency_code).ok_or(AppError::NotFound("competency"))?;
    let tier = CompetencyTier::parse(tier).ok_or_else(|| InvalidInput::new("tier", "choose silver or gold"))?;
    let evidence = competency::tidy(evidence);
    let short = competency::shortfalls(competency.level(tier), &evidence);
    if let Some(first) = short.first() {
        let all: Vec<String> = short.iter().map(|s| s.message.clone()).collect();
        return Err(InvalidInput::new(first.field, all.join("; ")).into());
    }
    let mut tx = app.store().write().await?;
    store::orgs::lock(&mut tx, &actor.org_id).await?;
    let levels = store::orgs::memberships(&mut tx, &actor.org_id).await?;
    if !levels.iter().any(|m| m.level == domain::catalog::NETWORK_LEVEL) {
        return Err(conflict("cannot_apply", i18n::key("error-not-a-network-member")));
    }
    let live = store::subscriptions::live_offer_codes(&mut tx, &actor.org_id).await?;
    let held = |t: CompetencyTier| live.contains(&competency.fee_offer_code(t));
    if held(tier) || (tier == CompetencyTier::Silver && held(CompetencyTier::Gold)) {
        let holds = if held(CompetencyTier::Gold) { CompetencyTier::Gold } else { tier };
        return Err(conflict(
            "already_held",
            Text::new(i18n::key("error-competency-held"))
                .arg("competency", competency.name())
                .arg("tier", holds.label()),
        ));
    }
    let record = ApplicationRecord {
        id: app.new_id(CompetencyApplicationId::from_random),
        org_id: actor.org_id.clone(),
        competency_code: competency.code().as_str().to_owned(),
        tier,
        status: ApplicationStatus::Submitted,
        evidence: serde_json::to_string(&evidence)
            .map_err(|e| AppError::internal_from("cannot write the evidence", e))?,
        submitted_by: actor.id.to_string(),
        submitted_at: app.now(),
        reviewer: None,
        decided_at: None,
        reason: None,
        subscription_id: None,
    };
    store::competencies::insert(&mut tx, &record).await.map_err(|e| match e {
        store::StoreError::Conflict(_) => conflict(
            "application_open",
            Text::new(i18n::key("error-application-open")).arg("competency", competency.name()),
        ),
        other => other.into(),
    })?;
    let detail = format!("applied for the {} {} competency", competency.name(), tier.label());
    let change = Change { org: Some(&actor.org_id), action: "competency.applied", subject: record.id.as_str(), detail };
    audit::record(app, &mut tx, Who::actor(&Actor::Partner(actor.clone())), origin, change).await?;
    tx.commit().await?;
    Ok(record)
}

/// The org's applications, newest first.
pub async fn list_mine(app: &App, actor: &PartnerUser) -> Result<Vec<ApplicationRecord>, AppError> {
    actor.require(PartnerPermission::ViewMembership, i18n::key("error-act-see-your-membership"))?;
    let mut conn = app.store().read().await?;
    Ok(store::competencies::list_in_org(&mut conn, &actor.org_id).await?)
}

pub async fn get_mine(
    app: &App,
    actor: &PartnerUser,
    id: &CompetencyApplicationId,
) -> Result<ApplicationRecord, AppError> {
    actor.require(PartnerPermission::ViewMembership, i18n::key("error-act-see-your-membership"))?;
    let mut conn = app.store().read().await?;
    store::competencies::get_in_org(&mut conn, &actor.org_id, id).await?.ok_or(AppError::NotFound("application"))
}

/// The staff queue, oldest first, each application with its org's name. `filter`: `open`
/// (waiting for a decision, the default), `all`, or one status.
pub async fn queue(
    app: &App,
    staff: &StaffMember,
    filter: Option<&str>,
) -> Result<Vec<(ApplicationRecord, String)>, AppError> {
    staff.require(StaffPermission::ViewOrgs, i18n::key("error-act-see-partner-orgs"))?;
    let all = ApplicationStatus::ALL;
    let statuses = crate::staff::queue_filter(filter, &all[..2], &all, ApplicationStatus::as_str)?;
    let mut conn = app.store().read().await?;
    Ok(store::competencies::queue(&mut conn, &statuses, 500).await?)
}

pub async fn get_for_staff(
    app: &App,
    staff: &StaffMember,
    id: &CompetencyApplicationId,
) -> Result<ApplicationRecord, AppError> {
    staff.require(StaffPermission::ViewOrgs, i18n::key("error-act-see-partner-orgs"))?;
    let mut conn = app.store().read().await?;
    store::competencies::get(&mut conn, id).await?.ok_or(AppError::NotFound("application"))
}

/// A staff decision on an application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Take it up: submitted → under review.
    Review,
    Approve,
    Reject,
}

/// Records a staff decision (program admins); a rejection needs the reason, which the partner
/// sees. The org is told of an approval or a rejection in the portal and by e-mail.
pub async fn decide(
    app: &App,
    staff: &StaffMember,
    id: &CompetencyApplicationId,
    decision: Decision,
    reason: &str,
    origin: &Origin,
) -> Result<ApplicationRecord, AppError> {
    staff.require(StaffPermission::ReviewCompetencies, i18n::key("error-act-decide-on-competency-applications"))?;
    let reason = reason.trim();
    let odd = reason.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'));
    if decision == Decision::Reject && (reason.is_empty() || reason.chars().count() > 1000 || odd) {
        return Err(InvalidInput::new(
            "reason",
            "say why it is rejected (at most 1,000 characters); the partner reads it",
        )
        .into());
    }
    use ApplicationStatus::{Approved, Rejected, Submitted, UnderReview};
    let (from, to): (&[ApplicationStatus], ApplicationStatus) = match decision {
        Decision::Review => (&[Submitted], UnderReview),
        Decision::Approve => (&[Submitted, UnderReview], Approved),
        Decision::Reject => (&[Submitted, UnderReview], Rejected),
    };
    let mut tx = app.store().write().await?;
    let a = store::competencies::get(&mut tx, id).await?.ok_or(AppError::NotFound("application"))?;
    let reviewer = format!("{} <{}>", staff.name, staff.email);
    let reason = (decision == Decision::Reject).then_some(reason);
    if !store::competencies::decide(&mut tx, id, from, to, &reviewer, reason, app.now()).await? {
        return Err(conflict(
            "already_decided",
            format!("the application is {} now", a.status.to_string().to_lowercase()),
        ));
    }
    let title = title_of(app, &a);
    let (action, detail) = match decision {
        Decision::Review => ("competency.under_review", format!("took up the {title} application for review")),
        Decision::Approve => ("competency.approved", format!("approved the {title} application")),
        Decision::Reject => {
            ("competency.rejected", format!("rejected the {title} application: {}", reason.unwrap_or("")))
        }
    };
    let change = Change { org: Some(&a.org_id), action, subject: a.id.as_str(), detail };
    audit::record(app, &mut tx, Who::actor(&Actor::Staff(staff.clone())), origin, change).await?;
    let notice = match decision {
        Decision::Review => None,
        Decision::Approve => Some((
            Text::new(i18n::key("notification-competency-approved-title")).arg("competency", &title),
            Text::new(i18n::key("notification-competency-approved-body")).arg("competency", &title),
        )),
        Decision::Reject => Some((
            Text::new(i18n::key("notification-competency-rejected-title")).arg("competency", &title),
            Text::new(i18n::key("notification-competency-rejected-body"))
                .arg("competency", &title)
                .arg("reason", reason.unwrap_or("")),
        )),
    };
    if let Some((subject, body)) = notice {
        tell_org(app, &mut tx, &a, format!("{}:{}", a.id, to.as_str()), subject, body).await?;
    }
    if decision == Decision::Approve {
        let data = serde_json::json!({
            "application_id": a.id,
            "competency": a.competency_code,
            "tier": a.tier.as_str(),
        });
        crate::webhooks::emit_one(app, &mut tx, "competency.approved", &a.org_id, a.id.as_str(), data).await?;
    }
    tx.commit().await?;
    let mut conn = app.store().read().await?;
    store::competencies::get(&mut conn, id).await?.ok_or(AppError::NotFound("application"))
}

/// A notification in the portal, once, and an e-mail to the org's Global and Account admins,
/// each in their language.
async fn tell_org(
    app: &App,
    tx: &mut store::Conn,
    a: &ApplicationRecord,
    key: String,
    title: Text,
    body: Text,
) -> Result<(), AppError> {
    if !crate::notices::record(app, tx, &a.org_id, None, key, &title, &body).await? {
        return Ok(());
    }
    let users = store::users::list_in_org(tx, &a.org_id).await?;
    for user in users.iter().filter(|u| matches!(u.role, PartnerRole::GlobalAdmin | PartnerRole::AccountAdmin)) {
        let lang = crate::outbox::language_of(app, user.language.as_deref());
        let greeting = lang.t1("email-greeting", "name", user.name.as_str());
        let text = format!("{greeting}\n\n{}\n", body.in_lang(&lang));
        crate::outbox::queue(app, tx, user.email.as_str(), &title.in_lang(&lang), text).await?;
    }
    Ok(())
}

/// Attaches an evidence file to an application still waiting for its decision (Account admin,
/// Global admin). The file is checked by its bytes (`domain::attachment::check_file`).
pub async fn attach_file(
    app: &App,
    actor: &PartnerUser,
    id: &CompetencyApplicationId,
    name: &str,
    bytes: &[u8],
    origin: &Origin,
) -> Result<store::files::FileRecord, AppError> {
    actor.require(PartnerPermission::ManageOffers, i18n::key("error-act-apply-for-competencies-ask"))?;
    let checked = domain::attachment::check_file(name, bytes)?;
    let mut tx = app.store().write().await?;
    store::orgs::lock(&mut tx, &actor.org_id).await?;
    let a =
        store::competencies::get_in_org(&mut tx, &actor.org_id, id).await?.ok_or(AppError::NotFound("application"))?;
    if !a.status.can_decide() {
        return Err(conflict("application_decided", i18n::key("error-application-decided")));
    }
    if store::files::list(&mut tx, Owner::Application(&a.id)).await?.len() >= competency::MAX_FILES {
        return Err(conflict(
            "too_many_files",
            Text::new(i18n::key("error-application-too-many-files")).count("max", competency::MAX_FILES),
        ));
    }
    let file_id = crate::attachments::keep(app, &mut tx, Owner::Application(&a.id), actor, &checked, bytes).await?;
    let detail = format!("attached {} ({} bytes) to the {} application", checked.name, bytes.len(), title_of(app, &a));
    let change =
        Change { org: Some(&actor.org_id), action: "competency.file_attached", subject: a.id.as_str(), detail };
    audit::record(app, &mut tx, Who::actor(&Actor::Partner(actor.clone())), origin, change).await?;
    let files = store::files::list(&mut tx, Owner::Application(&a.id)).await?;
    tx.commit().await?;
    files.into_iter().find(|f| f.id == file_id).ok_or(AppError::NotFound("file"))
}

/// The files of an application (its org's users, or staff).
pub async fn files(
    app: &App,
    actor: &Actor,
    id: &CompetencyApplicationId,
) -> Result<Vec<store::files::FileRecord>, AppError> {
    let a = application_for(app, actor, id).await?;
    let mut conn = app.store().read().await?;
    Ok(store::files::list(&mut conn, Owner::Application(&a.id)).await?)
}

/// One file with its bytes (its org's users, or staff).
pub async fn file(
    app: &App,
    actor: &Actor,
    id: &CompetencyApplicationId,
    file_id: &ApplicationFileId,
) -> Result<(store::files::FileRecord, Vec<u8>), AppError> {
    let a = application_for(app, actor, id).await?;
    let mut conn = app.store().read().await?;
    store::files::get(&mut conn, Owner::Application(&a.id), file_id).await?.ok_or(AppError::NotFound("file"))
}

async fn application_for(
    app: &App,
    actor: &Actor,
    id: &CompetencyApplicationId,
) -> Result<ApplicationRecord, AppError> {
    match actor {
        Actor::Partner(u) => get_mine(app, u, id).await,
        Actor::Staff(s) => get_for_staff(app, s, id).await,
    }
}
