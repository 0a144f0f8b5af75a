//! What the three kinds of link share: making and sending one, retiring the unused ones, the
//! account a link is for. Below `verification`, `change` and `reset`, and below the module that
//! opens and uses links, so that none of them reaches back.

use crate::audit::Who;
use crate::error::AppError;
use crate::outbox::{SECRET_MARK, Secret};
use crate::secrets;
use crate::state::App;
use domain::account::EmailAddress;
use domain::email_link::{LinkPurpose, LinkRefusal};
use domain::ids::{EmailLinkId, OrgId};
use domain::roles::Realm;
use store::Principal;
use store::email_links::EmailLinkRecord;

/// What using a link did, for the page that follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Used {
    EmailVerified,
    EmailChanged(Realm),
    PasswordSet(Realm),
}

/// Makes a link of `purpose` for `principal` and queues the e-mail that carries it to `to`,
/// inside the caller's transaction. `body` gets the link (its secret as the outbox's mark).
pub(crate) async fn send(
    app: &App,
    conn: &mut store::Conn,
    purpose: LinkPurpose,
    principal: &Principal,
    to: &EmailAddress,
    subject: &str,
    body: impl FnOnce(&str) -> String,
) -> Result<EmailLinkRecord, AppError> {
    let (link, token) = insert(app, conn, purpose, principal, to).await?;
    let url = format!("{}{}/{SECRET_MARK}", app.settings().public_url, purpose.path());
    let secret = Secret {
        value: &token,
        used_for: link.id.as_str(),
        expires_at: link.expires_at,
        // A verification link proves only an address; the others set a password or move the
        // account, and staff must not be able to use them in the owner's place.
        shown_to_staff: purpose == LinkPurpose::VerifyEmail,
    };
    crate::outbox::queue_with_secret(app, conn, to.as_str(), subject, body(&url), secret).await?;
    Ok(link)
}

/// Makes a link of `purpose` for `principal` to hand over by other means than e-mail (the
/// command line prints it); returns it whole. It is stored hashed like any other.
pub(crate) async fn make(
    app: &App,
    conn: &mut store::Conn,
    purpose: LinkPurpose,
    principal: &Principal,
    email: &EmailAddress,
) -> Result<String, AppError> {
    let (_, token) = insert(app, conn, purpose, principal, email).await?;
    Ok(format!("{}{}/{token}", app.settings().public_url, purpose.path()))
}

async fn insert(
    app: &App,
    conn: &mut store::Conn,
    purpose: LinkPurpose,
    principal: &Principal,
    email: &EmailAddress,
) -> Result<(EmailLinkRecord, String), AppError> {
    let token = secrets::new_secret(app.entropy(), "");
    let now = app.now();
    let link = EmailLinkRecord {
        id: app.new_id(EmailLinkId::from_random),
        purpose,
        principal: principal.clone(),
        email: email.clone(),
        token_hash: secrets::hash_secret(&token),
        created_at: now,
        expires_at: now + purpose.lifetime(),
        used_at: None,
    };
    store::email_links::insert(conn, &link).await?;
    Ok((link, token))
}

/// Retires the unused links of `principal` (of `purpose`, or all) but `keep`, and erases the
/// secrets kept for their e-mails.
pub(crate) async fn retire(
    app: &App,
    conn: &mut store::Conn,
    principal: &Principal,
    purpose: Option<LinkPurpose>,
    keep: Option<&EmailLinkId>,
) -> Result<(), AppError> {
    for id in store::email_links::retire(conn, principal, purpose, keep, app.now()).await? {
        crate::outbox::erase_secrets_of(conn, id.as_str()).await?;
    }
    Ok(())
}

/// Whether another link of `purpose` may go to `principal` now (see
/// [`domain::email_link::may_send_again`]); the wait in seconds when not.
pub(super) async fn may_send(
    app: &App,
    conn: &mut store::Conn,
    principal: &Principal,
    purpose: LinkPurpose,
) -> Result<Result<(), u64>, AppError> {
    let now = app.now();
    let sent = store::email_links::sent_since(conn, principal, purpose, now - chrono::Duration::hours(1)).await?;
    Ok(domain::email_link::may_send_again(&sent, now))
}

/// Someone with an account: what links and their e-mails need to know of them.
pub(crate) struct Account {
    pub principal: Principal,
    pub email: EmailAddress,
    pub name: String,
    pub org: Option<OrgId>,
    pub verified: bool,
    /// The language they chose to read partnerhub in; their e-mails are written in it.
    pub language: Option<String>,
}

impl From<&store::users::UserRecord> for Account {
    fn from(user: &store::users::UserRecord) -> Account {
        Account {
            principal: Principal::User(user.id.clone()),
            email: user.email.clone(),
            name: user.name.to_string(),
            org: Some(user.org_id.clone()),
            verified: user.email_verified_at.is_some(),
            language: user.language.clone(),
        }
    }
}

impl Account {
    pub(super) fn who(&self) -> Who {
        let (kind, id) = match &self.principal {
            Principal::User(id) => (domain::roles::ActorKind::User, id.to_string()),
            Principal::Staff(id) => (domain::roles::ActorKind::Staff, id.to_string()),
        };
        Who { kind, id: Some(id), name: format!("{} <{}>", self.name, self.email) }
    }

    pub(super) fn subject(&self) -> String {
        match &self.principal {
            Principal::User(id) => id.to_string(),
            Principal::Staff(id) => id.to_string(),
        }
    }

    /// The word that starts the audit action of a change to this account.
    pub(super) fn kind(&self) -> &'static str {
        match self.principal {
            Principal::User(_) => "user",
            Principal::Staff(_) => "staff",
        }
    }
}

/// The account of `principal`, if it still exists and may act (a staff account whose access was
/// removed may not).
pub(crate) async fn account(conn: &mut store::Conn, principal: &Principal) -> Result<Option<Account>, AppError> {
    Ok(match principal {
        Principal::User(id) => store::users::get(conn, id).await?.map(|u| Account {
            principal: principal.clone(),
            email: u.email,
            name: u.name.to_string(),
            org: Some(u.org_id),
            verified: u.email_verified_at.is_some(),
            language: u.language,
        }),
        Principal::Staff(id) => store::staff::get(conn, id).await?.map(|s| Account {
            principal: principal.clone(),
            email: s.email,
            name: s.name.to_string(),
            org: None,
            verified: true,
            language: s.language,
        }),
    })
}

/// The account with address `email` in `realm`.
pub(crate) async fn account_by_email(
    conn: &mut store::Conn,
    realm: Realm,
    email: &EmailAddress,
) -> Result<Option<Account>, AppError> {
    let principal = match realm {
        Realm::Partner => store::users::find_by_email(conn, email).await?.map(|u| Principal::User(u.id)),
        Realm::Staff => store::staff::find_by_email(conn, email).await?.map(|s| Principal::Staff(s.id)),
    };
    match principal {
        Some(p) => account(conn, &p).await,
        None => Ok(None),
    }
}

pub(super) fn realm_of(principal: &Principal) -> Realm {
    match principal {
        Principal::User(_) => Realm::Partner,
        Principal::Staff(_) => Realm::Staff,
    }
}

/// The account a link was made for, read in the link's transaction; gone is as unknown.
pub(super) async fn account_of(conn: &mut store::Conn, link: &EmailLinkRecord) -> Result<Account, AppError> {
    account(conn, &link.principal).await?.ok_or_else(|| LinkRefusal::Unknown.into())
}

/// The program's name, for subjects and greetings.
pub(super) fn program(app: &App) -> String {
    app.catalog().program().name().to_owned()
}
