//! Browser sessions: opening one at a stage, finding the live one behind a cookie, moving it on
//! to the next stage under a new token, listing a person's sessions and ending them.
//!
//! A session's token changes whenever what it may do changes (a second factor given, a
//! second factor set up, step-up), so that a token seen before the change opens nothing after it.

use crate::actor::{Actor, Origin};
use crate::audit::{self, Change, Who};
use crate::error::AppError;
use crate::secrets;
use crate::state::App;
use chrono::{DateTime, Utc};
use domain::ids::SessionId;
use domain::session::{LAST_SEEN_EVERY, Stage};
use store::Principal;
use store::sessions::SessionRecord;

/// How a session starts.
pub struct Opening<'a> {
    pub stage: Stage,
    /// How the person proved who they are: `password`, `sign-up`, `invitation`, `passkey`,
    /// `sso`, `set-up link`.
    pub method: &'static str,
    /// Whether that proof included a second factor (a passkey with user verification, for
    /// one): step-up counts from now.
    pub with_second_factor: bool,
    pub origin: &'a Origin,
}

/// Opens a session for `principal` inside `tx`; returns the token for the cookie.
pub async fn open(
    app: &App,
    tx: &mut store::Conn,
    principal: &Principal,
    opening: Opening<'_>,
) -> Result<String, AppError> {
    let token = secrets::new_secret(app.entropy(), "");
    let now = app.now();
    let record = SessionRecord {
        id: app.new_id(SessionId::from_random),
        principal: principal.clone(),
        stage: opening.stage,
        method: opening.method.to_owned(),
        created_at: now,
        last_seen_at: now,
        factor_at: opening.with_second_factor.then_some(now),
        expires_at: now + app.settings().session_lifetime.absolute,
        user_agent: opening.origin.user_agent.as_deref().unwrap_or("").chars().take(300).collect(),
        address: opening.origin.address.clone().unwrap_or_default(),
    };
    store::sessions::insert(tx, &secrets::hash_secret(&token), &record).await?;
    Ok(token)
}

/// The live session behind a cookie's token and the person it belongs to.
#[derive(Clone, Debug)]
pub struct Current {
    pub session: SessionRecord,
    pub actor: Actor,
}

/// The session of `token` if it is live, with its person; notes the activity (at most once a
/// minute, so that browsing is not a write per page).
pub async fn current(app: &App, token: &str) -> Result<Option<Current>, AppError> {
    let now = app.now();
    let idle_since = now - app.settings().session_lifetime.idle;
    let mut conn = app.store().read().await?;
    let Some(session) = store::sessions::find_live(&mut conn, &secrets::hash_secret(token), now, idle_since).await?
    else {
        return Ok(None);
    };
    let Some(actor) = crate::actor::actor_in(&mut conn, &session.principal).await? else { return Ok(None) };
    drop(conn);
    if now - session.last_seen_at >= LAST_SEEN_EVERY {
        let mut tx = app.store().write().await?;
        store::sessions::touch(&mut tx, &session.id, now).await?;
        tx.commit().await?;
    }
    Ok(Some(Current { session, actor }))
}

/// Moves the session of `token` to `stage` under a new token (returned), noting a second
/// factor given now when `factor_given`. Written in the caller's transaction.
pub(crate) async fn advance(
    app: &App,
    tx: &mut store::Conn,
    token: &str,
    stage: Stage,
    factor_given: bool,
) -> Result<String, AppError> {
    let new = secrets::new_secret(app.entropy(), "");
    let factor_at = factor_given.then(|| app.now());
    let moved =
        store::sessions::rotate(tx, &secrets::hash_secret(token), &secrets::hash_secret(&new), stage, factor_at)
            .await?;
    if !moved {
        return Err(AppError::Unauthenticated);
    }
    Ok(new)
}

/// The live sessions of the actor, the most recently seen first.
pub async fn list(app: &App, actor: &Actor) -> Result<Vec<SessionRecord>, AppError> {
    let now = app.now();
    let idle_since = now - app.settings().session_lifetime.idle;
    let mut conn = app.store().read().await?;
    Ok(store::sessions::list_live(&mut conn, &actor.principal(), now, idle_since).await?)
}

/// Ends one of the actor's sessions (**Sign out** on Account > Security); not found if it is
/// not theirs or has ended.
pub async fn end_one(app: &App, actor: &Actor, id: &str, origin: &Origin) -> Result<(), AppError> {
    let id = SessionId::parse(id).map_err(|_| AppError::NotFound("session"))?;
    let principal = actor.principal();
    let mut tx = app.store().write().await?;
    if !store::sessions::delete_one(&mut tx, &principal, &id).await? {
        return Err(AppError::NotFound("session"));
    }
    record(app, &mut tx, actor, origin, "session.ended", format!("signed out session {id}")).await?;
    tx.commit().await?;
    Ok(())
}

/// Ends every session of the actor but the one of `token` (**Sign out everywhere else**).
pub async fn end_others(app: &App, actor: &Actor, token: &str, origin: &Origin) -> Result<(), AppError> {
    let mut tx = app.store().write().await?;
    store::sessions::delete_others(&mut tx, &actor.principal(), &secrets::hash_secret(token)).await?;
    record(app, &mut tx, actor, origin, "session.ended_others", "signed out everywhere else".into()).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes the sessions that have ended, at most once in a while (sign-ins call it).
pub(crate) async fn delete_ended(app: &App, tx: &mut store::Conn, now: DateTime<Utc>) -> Result<(), AppError> {
    store::sessions::delete_expired(tx, now, now - app.settings().session_lifetime.idle).await?;
    Ok(())
}

/// An audit row about the actor's own account.
pub(crate) async fn record(
    app: &App,
    tx: &mut store::Conn,
    actor: &Actor,
    origin: &Origin,
    action: &'static str,
    detail: String,
) -> Result<(), AppError> {
    let org = actor.partner().map(|u| u.org_id.clone());
    let subject = actor.principal().id().to_owned();
    let change = Change { org: org.as_ref(), action, subject: &subject, detail };
    audit::record(app, tx, Who::actor(actor), origin, change).await
}

/// The actor's own security events, newest first: sign-ins and refusals, password, second
/// factor and session changes, role changes.
pub async fn security_events(app: &App, actor: &Actor) -> Result<Vec<store::audit::AuditEvent>, AppError> {
    let mut conn = app.store().read().await?;
    Ok(store::audit::about(&mut conn, actor.principal().id(), 30).await?)
}
