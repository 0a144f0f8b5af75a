//! E-mailed single-use links: verifying an address ([`verification`]), confirming a new one
//! ([`change`]), resetting a forgotten password and setting up a staff account ([`reset`]).
//!
//! Every link is one row of `email_links`: a random secret in the link, only its SHA-256 in the
//! table; the e-mail that carries it keeps the secret sealed apart (`outbox`). Opening a link
//! (GET) only shows a page with a button, so that a mail scanner fetching it spends nothing;
//! the button's POST uses it, once: the row is marked used by a compare-and-set in the
//! transaction of the change it makes.

pub mod change;
mod links;
pub mod reset;
pub mod verification;

pub(crate) use links::Account;
pub use links::Used;

use crate::actor::Origin;
use crate::error::AppError;
use crate::state::App;
use crate::{passwords, secrets};
use domain::account::NewPassword;
use domain::email_link::{LinkPurpose, LinkRefusal, check_usable};
use domain::roles::Realm;
use links::realm_of;
use store::email_links::EmailLinkRecord;

/// A usable link as its page shows it, before it is used.
#[derive(Clone, Debug)]
pub struct OpenLink {
    pub purpose: LinkPurpose,
    /// The address the link was sent to (for a change of address, the new one).
    pub email: String,
    pub realm: Realm,
}

/// The link behind `token` on the page of `purpose`, if it can still be used.
pub async fn open(app: &App, purpose: LinkPurpose, token: &str, origin: &Origin) -> Result<OpenLink, AppError> {
    let link = find(app, purpose, token, origin).await?;
    Ok(OpenLink { purpose, email: link.email.to_string(), realm: realm_of(&link.principal) })
}

/// Uses the link behind `token`: what it does depends on its purpose; `new_password` is read
/// only by the links that set one.
pub async fn use_link(
    app: &App,
    purpose: LinkPurpose,
    token: &str,
    new_password: &str,
    origin: &Origin,
) -> Result<Used, AppError> {
    let link = find(app, purpose, token, origin).await?;
    // Hashed before the transaction: argon2 takes tens of milliseconds.
    let password_hash = if purpose.sets_password() {
        let password = NewPassword::parse(new_password, Some(&link.email))?;
        Some(passwords::hash(password.expose().to_owned(), app.entropy()).await?)
    } else {
        None
    };
    let mut tx = app.store().write().await?;
    if !store::email_links::take(&mut tx, &link.id, app.now()).await? {
        // Another request used it since it was looked up (or it expired in that instant).
        return Err(LinkRefusal::Used.into());
    }
    crate::outbox::erase_secrets_of(&mut tx, link.id.as_str()).await?;
    let used = match (purpose, password_hash) {
        (LinkPurpose::VerifyEmail, _) => verification::apply(app, &mut tx, &link, origin).await?,
        (LinkPurpose::ChangeEmail, _) => change::apply(app, &mut tx, &link, origin).await?,
        (LinkPurpose::ResetPassword | LinkPurpose::StaffSetup, Some(hash)) => {
            reset::apply(app, &mut tx, &link, &hash, origin).await?
        }
        (LinkPurpose::ResetPassword | LinkPurpose::StaffSetup, None) => {
            return Err(AppError::internal("a password link without a password"));
        }
    };
    tx.commit().await?;
    Ok(used)
}

/// Forgets links a month past their end and answered reset requests over a day old: they are of
/// no use to anyone (the worker runs this now and then).
pub async fn forget_old(app: &App) -> Result<(), AppError> {
    let now = app.now();
    let mut tx = app.store().write().await?;
    store::email_links::delete_expired_before(&mut tx, now - chrono::Duration::days(30)).await?;
    store::email_links::delete_reset_requests_before(&mut tx, now - chrono::Duration::days(1)).await?;
    tx.commit().await?;
    Ok(())
}

/// Looks the link up by its secret, for the page of `purpose`: a link of another purpose is as
/// unknown as one that never existed. An unknown secret is a wrong guess
/// ([`domain::throttle::EMAIL_LINK`]); past its limits the page answers 429 unread.
async fn find(app: &App, purpose: LinkPurpose, token: &str, origin: &Origin) -> Result<EmailLinkRecord, AppError> {
    let guess = crate::throttle::claim(app, &domain::throttle::EMAIL_LINK, purpose.as_str(), origin).await?;
    let found = store::email_links::find_by_token_hash(&mut app.store().read().await?, &secrets::hash_secret(token))
        .await?
        .filter(|link| link.purpose == purpose);
    let Some(link) = found else {
        guess.wrong(app).await?;
        return Err(LinkRefusal::Unknown.into());
    };
    let mut tx = app.store().write().await?;
    guess.right(&mut tx).await?;
    tx.commit().await?;
    check_usable(link.expires_at, link.used_at, app.now())?;
    Ok(link)
}
