//! Program staff: their accounts, and what the staff console shows of the program.

use crate::actor::{Actor, Origin, StaffMember};
use crate::audit::{self, Change, Who};
use crate::error::AppError;
use crate::state::App;
use crate::{passwords, secrets};
use domain::account::{EmailAddress, InvalidInput, NewPassword, PersonName};
use domain::ids::{OrgId, StaffId};
use domain::roles::{StaffPermission, StaffRole};
use store::StoreError;
use store::audit::AuditEvent;
use store::orgs::{MembershipRecord, OrgRecord};
use store::staff::StaffRecord;
use store::users::UserRecord;

/// A new staff account; without a password one is generated and returned, to be shown once.
pub struct NewStaff<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub password: Option<&'a str>,
}

/// Creates a staff account. `by` is the program admin doing it, or `None` for the CLI and the
/// first start.
pub async fn create(
    app: &App,
    by: Option<&StaffMember>,
    new: NewStaff<'_>,
    origin: &Origin,
) -> Result<(StaffRecord, Option<String>), AppError> {
    if let Some(by) = by {
        by.require(StaffPermission::ManageStaff, i18n::key("error-act-create-staff-accounts"))?;
    }
    let email = EmailAddress::parse(new.email)?;
    let (password, generated) = match new.password {
        Some(p) => (NewPassword::parse(p, Some(&email))?, None),
        None => {
            let p = secrets::generated_password(app.entropy());
            (NewPassword::parse(&p, None)?, Some(p))
        }
    };
    let record = insert(app, by, &new, password, Handover::Password, origin).await?.0;
    Ok((record, generated))
}

/// Creates a staff account from the command line (or at first start) whose owner chooses the
/// password through a set-up link (valid 24 hours), returned to be printed; nobody else ever
/// knows the password. `new.password` is not read.
pub async fn create_to_set_up(
    app: &App,
    new: NewStaff<'_>,
    origin: &Origin,
) -> Result<(StaffRecord, String), AppError> {
    // Until it is set up the account's password is a random one nobody is told.
    let unknown = NewPassword::parse(&secrets::generated_password(app.entropy()), None)?;
    let (record, link) = insert(app, None, &new, unknown, Handover::SetUpLink, origin).await?;
    let link = link.ok_or_else(|| AppError::internal("no set-up link was made"))?;
    Ok((record, link))
}

/// How a new account reaches its owner.
enum Handover {
    /// A password given to, or shown to, whoever made the account.
    Password,
    /// A set-up link, made in the account's own transaction.
    SetUpLink,
}

/// Writes the account with its audit row; with [`Handover::SetUpLink`], returns the link.
async fn insert(
    app: &App,
    by: Option<&StaffMember>,
    new: &NewStaff<'_>,
    password: NewPassword,
    handover: Handover,
    origin: &Origin,
) -> Result<(StaffRecord, Option<String>), AppError> {
    let email = EmailAddress::parse(new.email)?;
    let name = PersonName::parse(new.name)?;
    let role: StaffRole =
        new.role.parse().map_err(|_| InvalidInput::new("role", "choose support_agent or program_admin"))?;
    let hash = passwords::hash(password.expose().to_owned(), app.entropy()).await?;
    let record = StaffRecord {
        id: app.new_id(StaffId::from_random),
        email,
        name,
        role,
        password_hash: hash,
        created_at: app.now(),
        disabled_at: None,
        language: None,
        time_zone: None,
    };
    let mut tx = app.store().write().await?;
    store::staff::insert(&mut tx, &record).await.map_err(|e| match e {
        StoreError::Conflict(_) => AppError::Conflict {
            code: "email_taken",
            message: crate::text::Text::new(i18n::key("error-staff-exists")).arg("email", &record.email),
        },
        other => other.into(),
    })?;
    let link = match handover {
        Handover::SetUpLink => Some(crate::email_links::reset::setup_link(app, &mut tx, &record).await?),
        Handover::Password => None,
    };
    let who = match by {
        Some(by) => Who::actor(&Actor::Staff(by.clone())),
        None => Who::system("partnerhub CLI"),
    };
    let detail = format!("created staff account {} ({})", record.email, role.label());
    audit::record(
        app,
        &mut tx,
        who,
        origin,
        Change { org: None, action: "staff.created", subject: record.id.as_str(), detail },
    )
    .await?;
    tx.commit().await?;
    Ok((record, link))
}

/// A change a program admin makes to another staff account.
pub enum StaffChange<'a> {
    /// A new role (`support_agent` or `program_admin`).
    Role(&'a str),
    /// Removes its access: it cannot sign in again, and its sessions and API tokens end now.
    RemoveAccess,
}

/// Changes another staff member's role or removes their access. Nobody changes their own
/// account here (so that nobody locks themselves out), and the program keeps at least one
/// program admin who can sign in.
pub async fn change(
    app: &App,
    by: &StaffMember,
    id: &str,
    what: StaffChange<'_>,
    origin: &Origin,
) -> Result<StaffRecord, AppError> {
    by.require(StaffPermission::ManageStaff, i18n::key("error-act-change-staff-accounts"))?;
    let id = StaffId::parse(id).map_err(|_| AppError::NotFound("staff member"))?;
    if id == by.id {
        return Err(AppError::Conflict { code: "own_account", message: i18n::key("error-staff-own-account").into() });
    }
    let mut tx = app.store().write().await?;
    let all = store::staff::list(&mut tx).await?;
    let target = all
        .iter()
        .find(|s| s.id == id && s.disabled_at.is_none())
        .cloned()
        .ok_or(AppError::NotFound("staff member"))?;
    let admins = all.iter().filter(|s| s.disabled_at.is_none() && s.role == StaffRole::ProgramAdmin).count();
    let (action, detail) = match what {
        StaffChange::Role(role) => {
            let role: StaffRole =
                role.parse().map_err(|_| InvalidInput::new("role", "choose support_agent or program_admin"))?;
            if target.role == StaffRole::ProgramAdmin && role != StaffRole::ProgramAdmin && admins <= 1 {
                return Err(last_admin());
            }
            store::staff::set_role(&mut tx, &id, role).await?;
            ("staff.role_changed", format!("made {} a {}", target.email, role.label()))
        }
        StaffChange::RemoveAccess => {
            if target.role == StaffRole::ProgramAdmin && admins <= 1 {
                return Err(last_admin());
            }
            let principal = store::Principal::Staff(id.clone());
            store::staff::disable(&mut tx, &id, app.now()).await?;
            store::sessions::delete_all(&mut tx, &principal).await?;
            store::api_tokens::revoke_all(&mut tx, &principal, app.now()).await?;
            store::passkeys::delete_all_for(&mut tx, &principal).await?;
            ("staff.access_removed", format!("removed the access of {} ({})", target.email, target.role.label()))
        }
    };
    let change = Change { org: None, action, subject: id.as_str(), detail };
    audit::record(app, &mut tx, Who::actor(&Actor::Staff(by.clone())), origin, change).await?;
    tx.commit().await?;
    let mut conn = app.store().read().await?;
    let all = store::staff::list(&mut conn).await?;
    all.into_iter().find(|s| s.id == id).ok_or(AppError::NotFound("staff member"))
}

fn last_admin() -> AppError {
    AppError::Conflict { code: "last_program_admin", message: i18n::key("error-staff-last-admin").into() }
}

/// The address of the program admin made on first start.
pub const FIRST_ADMIN_EMAIL: &str = "admin@partnerhub.localhost";

/// On a database with no staff, creates the first program admin and returns its e-mail and
/// set-up link (to print once; it works for 24 hours, and `partnerhub staff reset-password`
/// makes another). Several nodes starting together create one: the others meet the unique
/// e-mail and get `None`.
pub async fn ensure_first_admin(app: &App) -> Result<Option<(String, String)>, AppError> {
    let count = {
        let mut conn = app.store().read().await?;
        store::staff::count(&mut conn).await?
    };
    if count > 0 {
        return Ok(None);
    }
    let new = NewStaff {
        email: FIRST_ADMIN_EMAIL,
        name: "Program admin",
        role: StaffRole::ProgramAdmin.as_str(),
        password: None,
    };
    match create_to_set_up(app, new, &Origin::system("first start")).await {
        Ok((record, link)) => Ok(Some((record.email.to_string(), link))),
        Err(AppError::Conflict { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn list_staff(app: &App, staff: &StaffMember) -> Result<Vec<StaffRecord>, AppError> {
    staff.require(StaffPermission::ManageStaff, i18n::key("error-act-see-staff-accounts"))?;
    let mut conn = app.store().read().await?;
    Ok(store::staff::list(&mut conn).await?)
}

/// Partner orgs, newest first, up to `limit` (at most 500) after the org `after`.
pub async fn list_orgs(
    app: &App,
    staff: &StaffMember,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<OrgRecord>, AppError> {
    staff.require(StaffPermission::ViewOrgs, i18n::key("error-act-see-partner-orgs"))?;
    let mut conn = app.store().read().await?;
    if let Some(after) = after {
        let known = match OrgId::parse(after) {
            Ok(id) => store::orgs::get(&mut conn, &id).await?.is_some(),
            Err(_) => false,
        };
        if !known {
            return Err(crate::outbox::unknown_cursor());
        }
    }
    Ok(store::orgs::list(&mut conn, after, limit.clamp(1, 500)).await?)
}

/// One org with its users and memberships, for the console.
pub async fn org_detail(
    app: &App,
    staff: &StaffMember,
    id: &OrgId,
) -> Result<(OrgRecord, Vec<UserRecord>, Vec<MembershipRecord>), AppError> {
    staff.require(StaffPermission::ViewOrgs, i18n::key("error-act-see-partner-orgs"))?;
    let mut conn = app.store().read().await?;
    let org = store::orgs::get(&mut conn, id).await?.ok_or(AppError::NotFound("org"))?;
    let users = store::users::list_in_org(&mut conn, id).await?;
    let memberships = store::orgs::memberships(&mut conn, id).await?;
    Ok((org, users, memberships))
}

/// One org's subscriptions and invoices, newest first, for the console.
pub async fn org_billing(
    app: &App,
    staff: &StaffMember,
    id: &OrgId,
) -> Result<(Vec<store::subscriptions::SubscriptionRecord>, Vec<store::invoices::InvoiceRecord>), AppError> {
    staff.require(StaffPermission::ViewOrgs, i18n::key("error-act-see-partner-orgs"))?;
    let mut conn = app.store().read().await?;
    let subscriptions = store::subscriptions::list_in_org(&mut conn, id).await?;
    let invoices = store::invoices::list_in_org(&mut conn, id).await?;
    Ok((subscriptions, invoices))
}

/// The audit log, newest first, as `filter` narrows it (at most `limit`, 1,000); program admins
/// only.
pub async fn audit_log(
    app: &App,
    staff: &StaffMember,
    filter: &store::audit::AuditFilter<'_>,
    limit: i64,
) -> Result<Vec<AuditEvent>, AppError> {
    staff.require(StaffPermission::ReadAuditLog, i18n::key("error-act-read-the-audit-log"))?;
    let mut conn = app.store().read().await?;
    Ok(store::audit::list(&mut conn, filter, limit.clamp(1, 1000)).await?)
}

/// The statuses a staff queue's filter word names: `open` (the default), `all`, or one
/// status; anything else is refused with the words that work.
pub(crate) fn queue_filter<S: Copy + std::str::FromStr>(
    filter: Option<&str>,
    open: &[S],
    all: &[S],
    word: fn(S) -> &'static str,
) -> Result<Vec<S>, AppError> {
    match filter.unwrap_or("open") {
        "open" => Ok(open.to_vec()),
        "all" => Ok(Vec::new()),
        one => one.parse().map(|s| vec![s]).map_err(|_| {
            let words: Vec<&str> = all.iter().map(|s| word(*s)).collect();
            domain::account::InvalidInput::new("status", format!("filter by open, all or one of {}", words.join(", ")))
                .into()
        }),
    }
}
