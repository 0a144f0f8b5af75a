//! Passkeys (WebAuthn): adding them, naming and removing them here; signing in with one alone
//! and giving one as the second factor in `assertion`; what every ceremony shares in
//! `ceremony`. `webauthn-rs` is the relying party and
//! does every cryptographic check (attestation, assertion, origin, user verification, the
//! signature counter); this module keeps the ceremonies and the passkeys in the database and
//! decides whose account an answer opens.
//!
//! A ceremony has two requests: `start_…` makes the challenge and files the library's state in
//! `webauthn_ceremonies` (5 minutes); `finish_…` takes that state out again, deleting it, before
//! it checks the browser's answer, so each challenge is answered at most once and any node can
//! finish what another started.
//!
//! Decided: signing in with a passkey alone asks for no e-mail address first (discoverable
//! credentials): the browser offers the passkeys it holds for this site, and the answer names
//! its account. Nothing is said about an address before the passkey is proved, so the door
//! cannot be asked which addresses have accounts. Every passkey is registered as discoverable,
//! and every ceremony requires user verification (a PIN or biometric on the authenticator), so
//! a passkey proves something held and something known or been: both factors at once.
//!
//! Adding or removing a passkey changes how the account signs in: like the authenticator app,
//! it ends the person's other sessions, moves this one to a new token, and e-mails them.

mod assertion;
mod ceremony;

pub use assertion::{finish_second_factor, sign_in, start_second_factor, start_sign_in};
pub use ceremony::{Challenge, available};

use crate::actor::{Actor, Origin};
use crate::error::AppError;
use crate::sessions::{self, Current};
use crate::state::App;
use crate::text::Text;
use crate::{second_factor, secrets};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ceremony::{
    ceremony_gone, file_ceremony, from_json, internal, not_verified, parse_answer, passkey_of, relying_party,
    take_ceremony, to_json, to_text, user_handle,
};
use domain::account::PasskeyName;
use domain::ids::PasskeyId;
use domain::passkey::{self as rules, CeremonyPurpose};
use domain::session::Stage;
use serde::{Deserialize, Serialize};
use store::Principal;
use store::passkeys::PasskeyRecord;
use webauthn_rs::prelude::{PasskeyRegistration, RegisterPublicKeyCredential};

/// Whether the account has a passkey.
pub async fn has_any(app: &App, principal: &Principal) -> Result<bool, AppError> {
    Ok(store::passkeys::count_for(&mut app.store().read().await?, principal).await? > 0)
}

/// Starts adding a passkey named `name` to the session's account. A session that must set up
/// a second factor first may add one as that factor.
pub async fn start_registration(app: &App, current: &Current, name: &str) -> Result<Challenge, AppError> {
    let name = PasskeyName::parse(name)?;
    let webauthn = relying_party(app)?;
    let actor = &current.actor;
    let principal = actor.principal();
    let existing = {
        let mut conn = app.store().read().await?;
        store::passkeys::list_for(&mut conn, &principal).await?
    };
    rules::may_add(existing.len())?;
    // Another way to sign in is a sensitive change: a recent second factor first.
    second_factor::require_recent(app, current).await?;
    // The authenticator is told which of its credentials are this account's already, so the
    // same one is not registered twice.
    let exclude = existing.iter().map(|p| passkey_of(p).map(|k| k.cred_id().clone())).collect::<Result<_, _>>()?;
    let (challenge, state) = webauthn
        .start_passkey_registration(user_handle(&principal), actor.email(), actor.name(), Some(exclude))
        .map_err(|e| internal("start a passkey registration", e))?;
    let mut options = to_json(&challenge)?;
    // Discoverable: the passkey must be able to name its account at sign-in, where no address
    // is asked for. (The library's default, "discouraged", suits security keys used beside a
    // password; the request only tells the authenticator what to make.)
    if let Some(selection) = options.pointer_mut("/publicKey/authenticatorSelection") {
        selection["residentKey"] = "required".into();
        selection["requireResidentKey"] = true.into();
    }
    let state = RegistrationState { name, state };
    let ceremony = file_ceremony(app, Some(principal), CeremonyPurpose::Registration, &state).await?;
    Ok(Challenge { ceremony, options })
}

/// What a registration ceremony keeps between its two requests.
#[derive(Serialize, Deserialize)]
struct RegistrationState {
    name: PasskeyName,
    state: PasskeyRegistration,
}

/// Checks the browser's answer to a registration and files the new passkey. Every other session
/// of the person ends; this one goes on, fully signed in (the passkey was just verified on its
/// device), under the new token returned.
pub async fn finish_registration(
    app: &App,
    current: &Current,
    session_token: &str,
    ceremony: &str,
    credential: &str,
    origin: &Origin,
) -> Result<String, AppError> {
    let actor = &current.actor;
    let principal = actor.principal();
    let taken = take_ceremony(app, ceremony, CeremonyPurpose::Registration).await?;
    if taken.principal.as_ref() != Some(&principal) {
        return Err(ceremony_gone());
    }
    let RegistrationState { name, state } = from_json(&taken.state)?;
    let answer: RegisterPublicKeyCredential = parse_answer(credential)?;
    let passkey = relying_party(app)?.finish_passkey_registration(&answer, &state).map_err(not_verified)?;
    let record = PasskeyRecord {
        id: app.new_id(PasskeyId::from_random),
        principal: principal.clone(),
        name,
        credential_id: URL_SAFE_NO_PAD.encode(passkey.cred_id()),
        credential: to_text(&passkey)?,
        created_at: app.now(),
        last_used_at: None,
    };
    let mut tx = app.store().write().await?;
    // Counted again in the transaction: two registrations finished at once must not pass the
    // limit together.
    rules::may_add(store::passkeys::list_for(&mut tx, &principal).await?.len())?;
    store::passkeys::insert(&mut tx, &record).await.map_err(|e| match e {
        store::StoreError::Conflict(_) => AppError::Conflict {
            code: "passkey_registered",
            message: crate::text::Text::new(i18n::key("error-passkey-registered")),
        },
        other => other.into(),
    })?;
    store::sessions::delete_others(&mut tx, &principal, &secrets::hash_secret(session_token)).await?;
    let token = sessions::advance(app, &mut tx, session_token, Stage::Full, true).await?;
    let detail = format!("added the passkey \"{}\" ({}); other sessions were signed out", record.name, record.id);
    sessions::record(app, &mut tx, actor, origin, "passkey.added", detail).await?;
    let change = Text::new(i18n::key("email-passkey-added")).arg("passkey", &record.name);
    second_factor::notify(app, &mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(token)
}

/// The actor's passkeys, oldest first.
pub async fn list(app: &App, actor: &Actor) -> Result<Vec<PasskeyRecord>, AppError> {
    let mut conn = app.store().read().await?;
    Ok(store::passkeys::list_for(&mut conn, &actor.principal()).await?)
}

/// Gives one of the actor's own passkeys a new name.
pub async fn rename(app: &App, actor: &Actor, id: &PasskeyId, name: &str, origin: &Origin) -> Result<(), AppError> {
    let name = PasskeyName::parse(name)?;
    let mut tx = app.store().write().await?;
    if !store::passkeys::rename(&mut tx, &actor.principal(), id, &name).await? {
        return Err(AppError::NotFound("passkey"));
    }
    sessions::record(app, &mut tx, actor, origin, "passkey.renamed", format!("renamed the passkey {id} \"{name}\""))
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes one of the session's person's own passkeys (another person's is "not found"), after
/// a recent second factor; refused when it is the last second factor of someone the policy
/// asks to keep one. Every other session of the
/// person ends; this one goes on under the new token returned.
pub async fn remove(
    app: &App,
    current: &Current,
    session_token: &str,
    id: &PasskeyId,
    origin: &Origin,
) -> Result<String, AppError> {
    let actor = &current.actor;
    let principal = actor.principal();
    second_factor::require_recent(app, current).await?;
    let mut tx = app.store().write().await?;
    let name = store::passkeys::delete(&mut tx, &principal, id).await?.ok_or(AppError::NotFound("passkey"))?;
    let another_left = second_factor::has_any(&mut tx, &principal).await?;
    if !domain::session::may_remove_factor(second_factor::must_have(app, actor), another_left) {
        return Err(second_factor::last_factor());
    }
    store::sessions::delete_others(&mut tx, &principal, &secrets::hash_secret(session_token)).await?;
    let token = sessions::advance(app, &mut tx, session_token, Stage::Full, false).await?;
    let detail = format!("removed the passkey \"{name}\" ({id}); other sessions were signed out");
    sessions::record(app, &mut tx, actor, origin, "passkey.removed", detail).await?;
    let change = Text::new(i18n::key("email-passkey-removed")).arg("passkey", &name);
    second_factor::notify(app, &mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(token)
}
