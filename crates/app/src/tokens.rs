//! Personal API tokens: created and revoked by their owner; the secret is shown once.

use crate::actor::actor_in;
use crate::actor::{Actor, Origin};
use crate::audit::{self, Change, Who};
use crate::error::AppError;
use crate::secrets;
use crate::state::App;
use domain::account::TokenName;
use domain::ids::ApiTokenId;
use store::Principal;
use store::api_tokens::ApiTokenRecord;

/// Every API token starts with this, so a leaked one is easy to recognise and scan for.
pub const TOKEN_PREFIX: &str = "phk_";

fn principal_of(actor: &Actor) -> Principal {
    match actor {
        Actor::Partner(u) => Principal::User(u.id.clone()),
        Actor::Staff(s) => Principal::Staff(s.id.clone()),
    }
}

/// How the person asking proved who they are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignedInWith {
    /// A session: a password (and whatever else sign-in asks) was typed.
    Session,
    /// An API token.
    ApiToken,
}

/// Creates a token for the actor; the secret in the answer is never shown again.
///
/// Only from a session: a token that could make tokens would outlive its own revocation
/// through the ones it made, so a leaked token could never be fully taken back.
pub async fn create(
    app: &App,
    actor: &Actor,
    with: SignedInWith,
    name: &str,
    origin: &Origin,
) -> Result<(ApiTokenRecord, String), AppError> {
    if with == SignedInWith::ApiToken {
        return Err(AppError::Refused {
            code: "session_required",
            message: "API tokens are made by a signed-in person on the API tokens page of their account, \
                      not with another API token"
                .into(),
        });
    }
    if let Actor::Partner(user) = actor {
        user.require_verified_email(i18n::key("error-act-create-api-tokens"))?;
    }
    let name = TokenName::parse(name)?;
    let secret = secrets::new_secret(app.entropy(), TOKEN_PREFIX);
    let record = ApiTokenRecord {
        id: app.new_id(ApiTokenId::from_random),
        principal: principal_of(actor),
        name,
        token_hash: secrets::hash_secret(&secret),
        hint: secret[secret.len() - 4..].to_owned(),
        created_at: app.now(),
        last_used_at: None,
        revoked_at: None,
    };
    let mut tx = app.store().write().await?;
    store::api_tokens::insert(&mut tx, &record).await?;
    let org = actor.partner().map(|u| u.org_id.clone());
    let detail = format!("created API token \"{}\"", record.name);
    let change = Change { org: org.as_ref(), action: "api_token.created", subject: record.id.as_str(), detail };
    audit::record(app, &mut tx, Who::actor(actor), origin, change).await?;
    tx.commit().await?;
    Ok((record, secret))
}

pub async fn list(app: &App, actor: &Actor) -> Result<Vec<ApiTokenRecord>, AppError> {
    let mut conn = app.store().read().await?;
    Ok(store::api_tokens::list_for(&mut conn, &principal_of(actor)).await?)
}

/// Revokes one of the actor's own tokens.
pub async fn revoke(app: &App, actor: &Actor, id: &ApiTokenId, origin: &Origin) -> Result<(), AppError> {
    let mut tx = app.store().write().await?;
    if !store::api_tokens::revoke(&mut tx, &principal_of(actor), id, app.now()).await? {
        return Err(AppError::NotFound("API token"));
    }
    let org = actor.partner().map(|u| u.org_id.clone());
    let change = Change {
        org: org.as_ref(),
        action: "api_token.revoked",
        subject: id.as_str(),
        detail: "revoked an API token".into(),
    };
    audit::record(app, &mut tx, Who::actor(actor), origin, change).await?;
    tx.commit().await?;
    Ok(())
}

/// The person a Bearer token belongs to, if it is live and its owner still exists.
pub async fn authenticate(app: &App, secret: &str) -> Result<Actor, AppError> {
    if !secret.starts_with(TOKEN_PREFIX) {
        return Err(AppError::Unauthenticated);
    }
    // The token and its owner, as of one moment.
    let (record, actor) = {
        let mut conn = app.store().read_snapshot().await?;
        let record = store::api_tokens::find_live(&mut conn, &secrets::hash_secret(secret))
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let actor = actor_in(&mut conn, &record.principal).await?.ok_or(AppError::Unauthenticated)?;
        (record, actor)
    };
    // Last use is shown to the owner; to spare a write per request it moves once a minute.
    let now = app.now();
    if record.last_used_at.is_none_or(|t| now - t > chrono::Duration::minutes(1)) {
        let mut tx = app.store().write().await?;
        store::api_tokens::touch(&mut tx, &record.id, now).await?;
        tx.commit().await?;
    }
    Ok(actor)
}
