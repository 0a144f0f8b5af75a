//! Setting a password through a link: **Forgot your password?**, the operator's reset link for
//! a lost admin, and the set-up link of a new staff account.
//!
//! No enumeration: a request to reset a password is only written down, whatever address was
//! typed, and answered by the background worker ([`answer_reset_requests`]). The request's
//! answer and its timing cannot depend on whether an account has the address, because the
//! request never looks.
//!
//! Decided: using a reset link ends every session of the account, but keeps its API tokens: a
//! forgotten password says nothing of a token made by its owner, and integrations should not
//! stop because someone forgot a password. The e-mail that tells of the change says where to
//! revoke them.

use super::links::{Account, Used, account_by_email, account_of, may_send, program, send};
use crate::actor::Origin;
use crate::audit::{self, Change, Who};
use crate::error::AppError;
use crate::state::App;
use domain::account::EmailAddress;
use domain::email_link::LinkPurpose;
use domain::ids::ResetRequestId;
use domain::roles::Realm;
use store::Principal;
use store::email_links::{EmailLinkRecord, ResetRequestRecord};
use store::staff::StaffRecord;

/// **Forgot your password?**: writes the request down for the worker to answer; the same
/// answer whether or not an account has the address. Past the limits of
/// [`domain::throttle::PASSWORD_RESET`] (per address typed and per client address, counted the
/// same whether or not an account has the address) it is refused with 429.
pub async fn request_reset(app: &App, realm: Realm, email: &str, origin: &Origin) -> Result<(), AppError> {
    let email = EmailAddress::parse(email)?;
    // Every request counts against its limits; none is ever "right".
    let request = crate::throttle::claim(app, &domain::throttle::PASSWORD_RESET, email.as_str(), origin).await?;
    request.wrong(app).await?;
    let record = ResetRequestRecord {
        id: app.new_id(ResetRequestId::from_random),
        realm: realm_name(realm).to_owned(),
        email: email.to_string(),
        address: origin.address.clone().unwrap_or_default(),
        requested_at: app.now(),
    };
    let mut tx = app.store().write().await?;
    store::email_links::insert_reset_request(&mut tx, &record).await?;
    tx.commit().await?;
    Ok(())
}

/// Answers the requests written by [`request_reset`]: a reset link to each address that has an
/// account in its realm (at most one a minute and five an hour per account, so that nobody can
/// fill someone's mailbox), nothing to the others. Returns how many links were sent. Several
/// workers may run it at once: each request is taken by one.
pub async fn answer_reset_requests(app: &App) -> Result<usize, AppError> {
    let mut sent = 0;
    loop {
        let batch = store::email_links::unhandled_reset_requests(&mut app.store().read().await?, 50).await?;
        if batch.is_empty() {
            break;
        }
        for request in batch {
            let mut tx = app.store().write().await?;
            if !store::email_links::take_reset_request(&mut tx, &request.id, app.now()).await? {
                continue;
            }
            let found = match (realm_named(&request.realm), EmailAddress::parse(&request.email)) {
                (Some(realm), Ok(email)) => account_by_email(&mut tx, realm, &email).await?,
                _ => None,
            };
            if let Some(account) = found
                && may_send(app, &mut tx, &account.principal, LinkPurpose::ResetPassword).await?.is_ok()
            {
                send_reset_link(app, &mut tx, &account).await?;
                let origin = Origin { address: Some(request.address.clone()), ..Origin::system("web") };
                let change = Change {
                    org: account.org.as_ref(),
                    action: "password.reset_requested",
                    subject: &account.subject(),
                    detail: format!("someone asked to reset the password; a link was e-mailed to {}", account.email),
                };
                // Whoever typed the address may not be its owner.
                audit::record(app, &mut tx, Who::system("Forgot your password?"), &origin, change).await?;
                sent += 1;
            }
            tx.commit().await?;
        }
    }
    Ok(sent)
}

async fn send_reset_link(app: &App, conn: &mut store::Conn, account: &Account) -> Result<(), AppError> {
    let program = program(app);
    let minutes = LinkPurpose::ResetPassword.lifetime().num_minutes();
    let lang = crate::outbox::language_of(app, account.language.as_deref());
    let body = |link: &str| {
        let args = [
            ("name", account.name.as_str().into()),
            ("email", account.email.as_str().into()),
            ("program", program.as_str().into()),
            ("minutes", minutes.into()),
            ("link", link.into()),
        ];
        lang.t_with("email-reset-body", &args) + "\n"
    };
    let subject = lang.t1("email-reset-subject", "program", &program);
    send(app, conn, LinkPurpose::ResetPassword, &account.principal, &account.email, &subject, body).await?;
    Ok(())
}

/// The operator's last resort for a lost admin (`partnerhub users|staff reset-password`): a
/// reset link for the account with `email`, returned to be printed, never e-mailed. An address
/// without an account is refused with the reason.
pub async fn operator_link(app: &App, realm: Realm, email: &str, origin: &Origin) -> Result<String, AppError> {
    let email = EmailAddress::parse(email)?;
    let mut tx = app.store().write().await?;
    let Some(account) = account_by_email(&mut tx, realm, &email).await? else {
        let who = match realm {
            Realm::Partner => "partner user",
            Realm::Staff => "staff account that may sign in",
        };
        return Err(domain::account::InvalidInput::new("email", format!("no {who} has the address {email}")).into());
    };
    let link = super::links::make(app, &mut tx, LinkPurpose::ResetPassword, &account.principal, &account.email).await?;
    let change = Change {
        org: account.org.as_ref(),
        action: "password.reset_link_made",
        subject: &account.subject(),
        detail: format!("made a password reset link for {} on the command line", account.email),
    };
    audit::record(app, &mut tx, Who::system("partnerhub CLI"), origin, change).await?;
    tx.commit().await?;
    Ok(link)
}

/// The set-up link of a staff account just made in `conn`'s transaction, to be printed.
pub(crate) async fn setup_link(app: &App, conn: &mut store::Conn, staff: &StaffRecord) -> Result<String, AppError> {
    super::links::make(app, conn, LinkPurpose::StaffSetup, &Principal::Staff(staff.id.clone()), &staff.email).await
}

/// Using a reset or set-up link: the new password (already hashed) takes effect, every session
/// of the account ends, the other such links are retired, and (for a reset) the owner is told.
pub(super) async fn apply(
    app: &App,
    tx: &mut store::Conn,
    link: &EmailLinkRecord,
    password_hash: &str,
    origin: &Origin,
) -> Result<Used, AppError> {
    let account = account_of(tx, link).await?;
    match &link.principal {
        Principal::User(id) => store::users::set_password_hash(tx, id, password_hash).await?,
        Principal::Staff(id) => store::staff::set_password_hash(tx, id, password_hash).await?,
    }
    store::sessions::delete_all(tx, &link.principal).await?;
    for purpose in [LinkPurpose::ResetPassword, LinkPurpose::StaffSetup] {
        super::links::retire(app, tx, &link.principal, Some(purpose), Some(&link.id)).await?;
    }
    let (action, detail) = if link.purpose == LinkPurpose::StaffSetup {
        ("staff.set_up", "chose their first password through the set-up link".to_owned())
    } else {
        notify_password_changed(app, tx, &account.email, &account.name, account.language.as_deref()).await?;
        ("password.reset", "reset their password through an e-mailed link; every session ended".to_owned())
    };
    let change = Change { org: account.org.as_ref(), action, subject: &account.subject(), detail };
    audit::record(app, tx, account.who(), origin, change).await?;
    Ok(Used::PasswordSet(super::links::realm_of(&link.principal)))
}

/// Queues "your password was changed" to `to`, in their saved `language`, inside the caller's
/// transaction.
pub(crate) async fn notify_password_changed(
    app: &App,
    conn: &mut store::Conn,
    to: &EmailAddress,
    name: &str,
    language: Option<&str>,
) -> Result<(), AppError> {
    let program = program(app);
    let lang = crate::outbox::language_of(app, language);
    let args = [("name", name.into()), ("email", to.as_str().into()), ("program", program.as_str().into())];
    let body = lang.t_with("email-password-changed-body", &args) + "\n";
    let subject = lang.t1("email-password-changed-subject", "program", &program);
    crate::outbox::queue(app, conn, to.as_str(), &subject, body).await
}

fn realm_name(realm: Realm) -> &'static str {
    match realm {
        Realm::Partner => "partner",
        Realm::Staff => "staff",
    }
}

fn realm_named(name: &str) -> Option<Realm> {
    match name {
        "partner" => Some(Realm::Partner),
        "staff" => Some(Realm::Staff),
        _ => None,
    }
}
