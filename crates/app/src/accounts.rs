//! Signing up a partner org, signing in and out, sessions and passwords.

use crate::audit::{self, Change, Who};
use crate::{Actor, App, AppError, Origin, PartnerUser, StaffMember, passwords, secrets};
use domain::account::{CompanyName, EmailAddress, InvalidInput, NewPassword, PersonName};
use domain::catalog::NETWORK_LEVEL;
use domain::ids::{MembershipId, OrgId, PartnerId, SigninFailureId, UserId};
use domain::roles::PartnerRole;
use store::orgs::{MembershipRecord, OrgRecord};
use store::users::UserRecord;
use store::{Principal, StoreError};

/// What a company types to join the program.
#[derive(Clone, Debug, Default)]
pub struct SignUp {
    pub company_name: String,
    pub country: String,
    pub name: String,
    pub email: String,
    pub password: String,
}

/// Which door someone signs in through: the partner portal or the staff console.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Realm {
    Partner,
    Staff,
}

/// Sign-in throttling (decided; PRODUCT.md is silent). Past any of these limits an attempt is
/// refused (429) without checking its password:
/// - 5 failures of one e-mail address from one client address in 15 minutes: the lock-out
///   falls on whoever is guessing, not on the account's owner signing in from elsewhere;
/// - 50 failures of one e-mail address from all addresses in an hour: a slower ceiling for
///   guesses spread over many addresses;
/// - 30 failures from one client address in 15 minutes, whatever the e-mail.
const SHORT_WINDOW_MINUTES: i64 = 15;
const LONG_WINDOW_MINUTES: i64 = 60;
const MAX_FAILURES_PER_EMAIL_AND_ADDRESS: i64 = 5;
const MAX_FAILURES_PER_EMAIL: i64 = 50;
const MAX_FAILURES_PER_ADDRESS: i64 = 30;

/// Creates the org with a partner ID and its Network membership, and its first user as Global
/// admin.
pub async fn sign_up(app: &App, form: &SignUp, origin: &Origin) -> Result<(OrgRecord, UserRecord), AppError> {
    let company = CompanyName::parse(&form.company_name)?;
    let catalog = app.catalog();
    let country = catalog
        .country(form.country.trim())
        .ok_or_else(|| InvalidInput::new("country", "choose your country from the list"))?
        .code()
        .as_str()
        .to_owned();
    let name = PersonName::parse(&form.name)?;
    let email = EmailAddress::parse(&form.email)?;
    let password = NewPassword::parse(&form.password, Some(&email))?;
    let password_hash = passwords::hash(password.expose().to_owned(), app.entropy()).await?;
    let now = app.now();

    // A clash on the random partner ID is drawn again; a clash on the e-mail is the person's.
    for _ in 0..5 {
        let org = OrgRecord {
            id: app.new_id(OrgId::from_random),
            partner_id: PartnerId::from_random(secrets::random_u32(app.entropy())),
            name: company.clone(),
            country: country.clone(),
            created_at: now,
        };
        let user = UserRecord {
            id: app.new_id(UserId::from_random),
            org_id: org.id.clone(),
            email: email.clone(),
            name: name.clone(),
            role: PartnerRole::GlobalAdmin,
            password_hash: password_hash.clone(),
            created_at: now,
            // Proved by the link e-mailed below.
            email_verified_at: None,
        };
        let mut tx = app.store().write().await?;
        match store::orgs::insert(&mut tx, &org).await {
            Err(StoreError::Conflict(_)) => continue,
            other => other?,
        }
        store::users::insert(&mut tx, &user).await.map_err(email_taken)?;
        let membership = MembershipRecord {
            id: app.new_id(MembershipId::from_random),
            org_id: org.id.clone(),
            level: NETWORK_LEVEL.to_owned(),
            started_at: now,
        };
        store::orgs::insert_membership(&mut tx, &membership).await?;
        crate::email_links::verification::send_link(app, &mut tx, &(&user).into()).await?;
        let who = Who { kind: "user", id: Some(user.id.to_string()), name: format!("{} <{}>", user.name, user.email) };
        let detail =
            format!("signed up {} (partner ID {}, {}) with Network membership", org.name, org.partner_id, org.country);
        audit::record(
            app,
            &mut tx,
            who,
            origin,
            Change { org: Some(&org.id), action: "org.signed_up", subject: org.id.as_str(), detail },
        )
        .await?;
        tx.commit().await?;
        tracing::info!(org = %org.id, partner_id = %org.partner_id, "partner org signed up");
        return Ok((org, user));
    }
    Err(AppError::Internal("could not draw a free partner ID".into()))
}

pub(crate) fn email_taken(e: StoreError) -> AppError {
    match e {
        StoreError::Conflict(_) => AppError::Conflict {
            code: "email_taken",
            message: "this e-mail address already has an account; sign in instead".into(),
        },
        other => other.into(),
    }
}

/// Checks the password and opens a session; returns the session token for the cookie.
pub async fn sign_in(
    app: &App,
    realm: Realm,
    email: &str,
    password: &str,
    origin: &Origin,
) -> Result<String, AppError> {
    // What was typed is kept for throttling; an overlong value is cut (an address has at most
    // 254 characters) so that it always fits its index.
    let typed: String = email.trim().to_lowercase().chars().take(254).collect();
    let address = origin.address.clone().unwrap_or_default();
    let attempt = claim_attempt(app, &typed, &address).await?;

    let found = match EmailAddress::parse(&typed) {
        Err(_) => None,
        Ok(email) => {
            let mut conn = app.store().read().await?;
            match realm {
                Realm::Partner => store::users::find_by_email(&mut conn, &email)
                    .await?
                    .map(|u| (Principal::User(u.id), u.password_hash)),
                Realm::Staff => store::staff::find_by_email(&mut conn, &email)
                    .await?
                    .map(|s| (Principal::Staff(s.id), s.password_hash)),
            }
        }
    };
    let (principal, hash) = match found {
        Some((p, h)) => (Some(p), Some(h)),
        None => (None, None),
    };
    let ok = passwords::verify(password.to_owned(), hash).await?;
    let actor = match (&principal, ok) {
        (Some(p), true) => actor_for(app, p).await?,
        _ => None,
    };
    let Some(principal) = principal.filter(|_| ok) else {
        // The attempt claimed above stays, as this failure.
        let mut tx = app.store().write().await?;
        store::signin::checked_wrong(&mut tx, &attempt).await?;
        tx.commit().await?;
        tracing::info!(realm = ?realm, "sign-in refused");
        return Err(AppError::BadCredentials);
    };
    let mut tx = app.store().write().await?;
    store::signin::clear_success(&mut tx, &attempt, &typed, &address).await?;
    store::sessions::delete_expired(&mut tx, app.now()).await?;
    let token = open_session(app, &mut tx, &principal).await?;
    if let Some(actor) = actor {
        let org = actor.partner().map(|u| u.org_id.clone());
        let subject = match &principal {
            Principal::User(id) => id.to_string(),
            Principal::Staff(id) => id.to_string(),
        };
        let change =
            Change { org: org.as_ref(), action: "session.signed_in", subject: &subject, detail: "signed in".into() };
        audit::record(app, &mut tx, Who::actor(&actor), origin, change).await?;
    }
    tx.commit().await?;
    Ok(token)
}

/// Counts the windows and writes the attempt in one transaction, before any password is
/// checked; refuses when a limit is reached. Toward the limits of the e-mail, the attempt
/// counts as a failure until the password proves right, so parallel attempts on one account
/// each see the ones before them. The ceiling per address counts failures once checked: it is
/// not a cap on how many people sign in at once through one address (an office, a proxy).
async fn claim_attempt(app: &App, typed: &str, address: &str) -> Result<SigninFailureId, AppError> {
    let now = app.now();
    let short_since = now - chrono::Duration::minutes(SHORT_WINDOW_MINUTES);
    let long_since = now - chrono::Duration::minutes(LONG_WINDOW_MINUTES);
    let mut tx = app.store().write().await?;
    store::signin::lock(&mut tx, typed).await?;
    let counts = store::signin::counts(&mut tx, typed, address, short_since, long_since).await?;
    let wait_minutes = if counts.email >= MAX_FAILURES_PER_EMAIL {
        Some(LONG_WINDOW_MINUTES)
    } else if counts.pair >= MAX_FAILURES_PER_EMAIL_AND_ADDRESS || counts.address >= MAX_FAILURES_PER_ADDRESS {
        Some(SHORT_WINDOW_MINUTES)
    } else {
        None
    };
    if let Some(minutes) = wait_minutes {
        return Err(AppError::RateLimited { retry_after_secs: (minutes * 60) as u64 });
    }
    let id = app.new_id(SigninFailureId::from_random);
    store::signin::forget_before(&mut tx, typed, address, long_since).await?;
    store::signin::record_attempt(&mut tx, &id, typed, address, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Opens a session for `principal` inside `tx`; returns the token for the cookie.
pub(crate) async fn open_session(app: &App, tx: &mut store::Conn, principal: &Principal) -> Result<String, AppError> {
    let token = secrets::new_secret(app.entropy(), "");
    let now = app.now();
    store::sessions::insert(tx, &secrets::hash_secret(&token), principal, now, now + app.settings().session_ttl)
        .await?;
    Ok(token)
}

/// Opens a session for a user who just signed up.
pub async fn start_session(app: &App, user: &UserId) -> Result<String, AppError> {
    let mut tx = app.store().write().await?;
    let token = open_session(app, &mut tx, &Principal::User(user.clone())).await?;
    tx.commit().await?;
    Ok(token)
}

/// The person behind a session token, if the session is live.
pub async fn session_actor(app: &App, token: &str) -> Result<Option<Actor>, AppError> {
    let mut conn = app.store().read().await?;
    let principal = store::sessions::find_live(&mut conn, &secrets::hash_secret(token), app.now()).await?;
    drop(conn);
    match principal {
        Some(p) => actor_for(app, &p).await,
        None => Ok(None),
    }
}

/// Loads the current name and role of `principal`; `None` if the account is gone.
pub(crate) async fn actor_for(app: &App, principal: &Principal) -> Result<Option<Actor>, AppError> {
    actor_in(&mut app.store().read().await?, principal).await
}

/// [`actor_for`], read on the caller's connection.
pub(crate) async fn actor_in(conn: &mut store::Conn, principal: &Principal) -> Result<Option<Actor>, AppError> {
    Ok(match principal {
        Principal::User(id) => store::users::get(conn, id).await?.map(|u| {
            Actor::Partner(PartnerUser {
                id: u.id,
                org_id: u.org_id,
                role: u.role,
                name: u.name.to_string(),
                email: u.email.to_string(),
                email_verified: u.email_verified_at.is_some(),
            })
        }),
        Principal::Staff(id) => store::staff::get(conn, id).await?.map(|s| {
            Actor::Staff(StaffMember { id: s.id, role: s.role, name: s.name.to_string(), email: s.email.to_string() })
        }),
    })
}

pub async fn sign_out(app: &App, token: &str) -> Result<(), AppError> {
    let mut tx = app.store().write().await?;
    store::sessions::delete(&mut tx, &secrets::hash_secret(token)).await?;
    tx.commit().await?;
    Ok(())
}

/// What a password change ends besides the other sessions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiTokens {
    /// Every API token of the person is revoked too (the form's default): whoever learnt the
    /// old password may have made one.
    Revoke,
    Keep,
}

/// Changes the actor's password after checking the current one, ends their other sessions and,
/// when asked, revokes their API tokens.
pub async fn change_password(
    app: &App,
    actor: &Actor,
    session_token: &str,
    current: &str,
    new: &str,
    tokens: ApiTokens,
    origin: &Origin,
) -> Result<(), AppError> {
    let (principal, stored, email) = {
        let mut conn = app.store().read().await?;
        match actor {
            Actor::Partner(u) => {
                let rec = store::users::get(&mut conn, &u.id).await?.ok_or(AppError::Unauthenticated)?;
                (Principal::User(rec.id), rec.password_hash, rec.email)
            }
            Actor::Staff(s) => {
                let rec = store::staff::get(&mut conn, &s.id).await?.ok_or(AppError::Unauthenticated)?;
                (Principal::Staff(rec.id), rec.password_hash, rec.email)
            }
        }
    };
    if !passwords::verify(current.to_owned(), Some(stored)).await? {
        return Err(InvalidInput::new("current_password", "the current password is not right").into());
    }
    let new = NewPassword::parse(new, Some(&email))?;
    let hash = passwords::hash(new.expose().to_owned(), app.entropy()).await?;
    let mut tx = app.store().write().await?;
    let (org, subject) = match &principal {
        Principal::User(id) => {
            store::users::set_password_hash(&mut tx, id, &hash).await?;
            (actor.partner().map(|u| u.org_id.clone()), id.to_string())
        }
        Principal::Staff(id) => {
            store::staff::set_password_hash(&mut tx, id, &hash).await?;
            (None, id.to_string())
        }
    };
    store::sessions::delete_others(&mut tx, &principal, &secrets::hash_secret(session_token)).await?;
    let detail = match tokens {
        ApiTokens::Revoke => {
            store::api_tokens::revoke_all(&mut tx, &principal, app.now()).await?;
            "changed their password and revoked their API tokens"
        }
        ApiTokens::Keep => "changed their password",
    };
    let change = Change { org: org.as_ref(), action: "password.changed", subject: &subject, detail: detail.into() };
    audit::record(app, &mut tx, Who::actor(actor), origin, change).await?;
    crate::email_links::reset::notify_password_changed(app, &mut tx, &email, actor.name()).await?;
    tx.commit().await?;
    Ok(())
}
