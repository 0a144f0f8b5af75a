//! Changing one's e-mail address (partner users and staff): a link to the new address confirms
//! it before it takes effect, and the old address hears of the request and of the change.

use super::links::{Account, Used, account, account_of, may_send, program, send};
use crate::actor::{Actor, Origin};
use crate::audit::{self, Change, Who};
use crate::error::AppError;
use crate::passwords;
use crate::state::App;
use domain::account::{EmailAddress, InvalidInput};
use domain::email_link::LinkPurpose;
use store::email_links::EmailLinkRecord;
use store::{Principal, StoreError};

/// Asks to move the actor's account to `new_email`, after checking their password (whoever
/// holds a session should not be able to move the account away from its owner). Sends the
/// confirmation link to the new address and tells the old one. Returns the new address.
pub async fn request_change(
    app: &App,
    actor: &Actor,
    current_password: &str,
    new_email: &str,
    origin: &Origin,
) -> Result<EmailAddress, AppError> {
    let new_email = EmailAddress::parse(new_email).map_err(|e| InvalidInput::new("new_email", e.message))?;
    let principal = match actor {
        Actor::Partner(u) => Principal::User(u.id.clone()),
        Actor::Staff(s) => Principal::Staff(s.id.clone()),
    };
    let stored = {
        let mut conn = app.store().read().await?;
        match &principal {
            Principal::User(id) => store::users::get(&mut conn, id).await?.map(|u| u.password_hash),
            Principal::Staff(id) => store::staff::get(&mut conn, id).await?.map(|s| s.password_hash),
        }
    };
    let stored = stored.ok_or(AppError::Unauthenticated)?;
    if !passwords::verify(current_password.to_owned(), Some(stored)).await? {
        return Err(InvalidInput::new("current_password", "the current password is not right").into());
    }
    let mut tx = app.store().write().await?;
    let me = account(&mut tx, &principal).await?.ok_or(AppError::Unauthenticated)?;
    if me.email == new_email {
        return Err(InvalidInput::new("new_email", "that is your address already").into());
    }
    if taken(&mut tx, &principal, &new_email).await? {
        return Err(email_taken(&new_email));
    }
    if let Err(wait) = may_send(app, &mut tx, &principal, LinkPurpose::ChangeEmail).await? {
        return Err(AppError::RateLimited { retry_after_secs: wait });
    }
    // A newer request replaces an older one.
    super::links::retire(app, &mut tx, &principal, Some(LinkPurpose::ChangeEmail), None).await?;
    let program = program(app);
    let hours = LinkPurpose::ChangeEmail.lifetime().num_hours();
    // The new address has no account yet; it is the same person's, in their language.
    let lang = crate::outbox::language_of(app, me.language.as_deref());
    let args = |link: &str| {
        [
            ("name", me.name.clone().into()),
            ("email", me.email.to_string().into()),
            ("new_email", new_email.to_string().into()),
            ("program", program.clone().into()),
            ("hours", hours.into()),
            ("link", link.to_owned().into()),
        ]
    };
    let body = |link: &str| lang.t_with("email-change-confirm-body", &args(link)) + "\n";
    let subject = lang.t1("email-change-confirm-subject", "program", &program);
    send(app, &mut tx, LinkPurpose::ChangeEmail, &principal, &new_email, &subject, body).await?;
    let notice = lang.t_with("email-change-requested-body", &args("")) + "\n";
    let subject = lang.t1("email-change-requested-subject", "program", &program);
    crate::outbox::queue(app, &mut tx, me.email.as_str(), &subject, notice).await?;
    let change = Change {
        org: me.org.as_ref(),
        action: &format!("{}.email_change_requested", me.kind()),
        subject: &me.subject(),
        detail: format!("asked to change their address from {} to {new_email}", me.email),
    };
    audit::record(app, &mut tx, Who::actor(actor), origin, change).await?;
    tx.commit().await?;
    Ok(new_email)
}

/// Using a confirmation link: the account moves to the new address, proved by the link; every
/// other link of the account is retired (they went to the old address), and the old address
/// is told.
pub(super) async fn apply(
    app: &App,
    tx: &mut store::Conn,
    link: &EmailLinkRecord,
    origin: &Origin,
) -> Result<Used, AppError> {
    let before: Account = account_of(tx, link).await?;
    let now = app.now();
    let moved = match &link.principal {
        Principal::User(id) => store::users::set_email(tx, id, &link.email, now).await,
        Principal::Staff(id) => store::staff::set_email(tx, id, &link.email).await,
    };
    moved.map_err(|e| match e {
        StoreError::Conflict(_) => email_taken(&link.email),
        other => other.into(),
    })?;
    super::links::retire(app, tx, &link.principal, None, Some(&link.id)).await?;
    let program = program(app);
    let lang = crate::outbox::language_of(app, before.language.as_deref());
    let args = [
        ("name", before.name.as_str().into()),
        ("email", link.email.as_str().into()),
        ("program", program.as_str().into()),
    ];
    let notice = lang.t_with("email-changed-body", &args) + "\n";
    let subject = lang.t1("email-changed-subject", "program", &program);
    crate::outbox::queue(app, tx, before.email.as_str(), &subject, notice).await?;
    let change = Change {
        org: before.org.as_ref(),
        action: &format!("{}.email_changed", before.kind()),
        subject: &before.subject(),
        detail: format!("changed their address from {} to {}", before.email, link.email),
    };
    audit::record(app, tx, before.who(), origin, change).await?;
    Ok(Used::EmailChanged(super::links::realm_of(&link.principal)))
}

/// Whether another account of the same kind has `email`.
async fn taken(conn: &mut store::Conn, principal: &Principal, email: &EmailAddress) -> Result<bool, AppError> {
    Ok(match principal {
        Principal::User(_) => store::users::find_by_email(conn, email).await?.is_some(),
        Principal::Staff(_) => store::staff::find_by_email(conn, email).await?.is_some(),
    })
}

fn email_taken(email: &EmailAddress) -> AppError {
    AppError::Conflict {
        code: "email_taken",
        message: crate::text::Text::new(i18n::key("error-address-has-account")).arg("email", email),
    }
}
