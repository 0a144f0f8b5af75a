//! Passkeys (WebAuthn): registering them, naming and removing them, signing in with one alone,
//! and proving the second factor with one. `webauthn-rs` is the relying party and does every
//! cryptographic check (attestation, assertion, signature counter); this module keeps the
//! ceremonies and the passkeys in the database and decides whose account an answer opens.
//!
//! A ceremony has two requests: `start_…` makes the challenge and files the library's state in
//! `webauthn_ceremonies` (5 minutes), `finish_…` takes that state out again, deleting it, before
//! it checks the browser's answer, so each challenge is answered at most once and any node can
//! finish what another started.
//!
//! Decided: signing in with a passkey alone asks for no e-mail address first (discoverable
//! credentials): the browser offers the passkeys it holds for this site, and the answer names
//! its account. Nothing is said about an address before the passkey is proved, so the door
//! cannot be asked which addresses have accounts. Every passkey is registered as discoverable,
//! and every ceremony requires user verification (a PIN or biometric on the authenticator), so
//! a passkey proves something held and something known or been: both factors at once.

use crate::accounts::{self, Realm};
use crate::audit::{self, Change, Who};
use crate::{Actor, App, AppError, Origin};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::account::{InvalidInput, PasskeyName};
use domain::ids::{CeremonyId, PasskeyId};
use domain::passkey::{self as rules, CeremonyPurpose};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use store::Principal;
use store::passkeys::{CeremonyRecord, PasskeyRecord};
use webauthn_rs::prelude::{
    DiscoverableAuthentication, DiscoverableKey, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, Url, Uuid, Webauthn, WebauthnBuilder,
};

/// The first half of a ceremony, for the browser: the ceremony to name when answering, and the
/// options to hand to `navigator.credentials` (`{"publicKey": …}`).
#[derive(Debug)]
pub struct Challenge {
    pub ceremony: CeremonyId,
    pub options: serde_json::Value,
}

/// Whether passkeys can work at this server's public URL (a host name, not an IP address).
pub fn available(app: &App) -> bool {
    relying_party(app).is_ok()
}

/// Starts adding a passkey named `name` to the actor's account.
pub async fn start_registration(app: &App, actor: &Actor, name: &str) -> Result<Challenge, AppError> {
    let name = PasskeyName::parse(name)?;
    let webauthn = relying_party(app)?;
    let principal = principal_of(actor);
    let existing = {
        let mut conn = app.store().read().await?;
        store::passkeys::list_for(&mut conn, &principal).await?
    };
    rules::may_add(existing.len())?;
    // The authenticator is told which of its credentials are this account's already, so the
    // same one is not registered twice.
    let exclude = existing.iter().map(|p| passkey_of(p).map(|k| k.cred_id().clone())).collect::<Result<_, _>>()?;
    let (email, person) = match actor {
        Actor::Partner(u) => (&u.email, &u.name),
        Actor::Staff(s) => (&s.email, &s.name),
    };
    let (challenge, state) = webauthn
        .start_passkey_registration(user_handle(&principal), email, person, Some(exclude))
        .map_err(|e| internal("start a passkey registration", e))?;
    let mut options = to_json(&challenge)?;
    // Discoverable: the passkey must be able to name its account at sign-in, where no address
    // is asked for. (The library's default, "discouraged", suits security keys used beside a
    // password; the request's only effect is on the authenticator.)
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

/// Checks the browser's answer to a registration and files the new passkey.
pub async fn finish_registration(
    app: &App,
    actor: &Actor,
    ceremony: &str,
    credential: &str,
    origin: &Origin,
) -> Result<PasskeyRecord, AppError> {
    let principal = principal_of(actor);
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
            message: "this passkey is registered already; use it to sign in, or add another one".into(),
        },
        other => other.into(),
    })?;
    let detail = format!("added the passkey \"{}\"", record.name);
    audit::record(app, &mut tx, Who::actor(actor), origin, change_of(actor, "passkey.added", &record.id, detail))
        .await?;
    tx.commit().await?;
    Ok(record)
}

/// The actor's passkeys, oldest first.
pub async fn list(app: &App, actor: &Actor) -> Result<Vec<PasskeyRecord>, AppError> {
    let mut conn = app.store().read().await?;
    Ok(store::passkeys::list_for(&mut conn, &principal_of(actor)).await?)
}

/// Gives one of the actor's own passkeys a new name.
pub async fn rename(app: &App, actor: &Actor, id: &PasskeyId, name: &str, origin: &Origin) -> Result<(), AppError> {
    let name = PasskeyName::parse(name)?;
    let mut tx = app.store().write().await?;
    if !store::passkeys::rename(&mut tx, &principal_of(actor), id, &name).await? {
        return Err(AppError::NotFound("passkey"));
    }
    let detail = format!("renamed a passkey to \"{name}\"");
    audit::record(app, &mut tx, Who::actor(actor), origin, change_of(actor, "passkey.renamed", id, detail)).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes one of the actor's own passkeys; another person's is "not found".
pub async fn remove(app: &App, actor: &Actor, id: &PasskeyId, origin: &Origin) -> Result<(), AppError> {
    let mut tx = app.store().write().await?;
    let name =
        store::passkeys::delete(&mut tx, &principal_of(actor), id).await?.ok_or(AppError::NotFound("passkey"))?;
    let detail = format!("removed the passkey \"{name}\"");
    audit::record(app, &mut tx, Who::actor(actor), origin, change_of(actor, "passkey.removed", id, detail)).await?;
    tx.commit().await?;
    Ok(())
}

/// Starts a sign-in with a passkey alone at `realm`'s door.
pub async fn start_sign_in(app: &App, realm: Realm) -> Result<Challenge, AppError> {
    let webauthn = relying_party(app)?;
    let (mut challenge, state) =
        webauthn.start_discoverable_authentication().map_err(|e| internal("start a passkey sign-in", e))?;
    // The library asks for conditional mediation (a passkey offered in the e-mail field's
    // autofill); here the person presses a button and the browser asks them at once.
    challenge.mediation = None;
    let ceremony = file_ceremony(app, None, sign_in_purpose(realm), &state).await?;
    Ok(Challenge { ceremony, options: to_json(&challenge)? })
}

/// Checks the browser's answer to a sign-in and returns whose account it opens: a passkey of
/// this door's kind of account (a staff member's passkey opens only the staff console, a
/// partner user's only the portal), of an account that may still sign in.
pub async fn finish_sign_in(app: &App, realm: Realm, ceremony: &str, credential: &str) -> Result<Principal, AppError> {
    let taken = take_ceremony(app, ceremony, sign_in_purpose(realm)).await?;
    let state: DiscoverableAuthentication = from_json(&taken.state)?;
    let answer: PublicKeyCredential = parse_answer(credential)?;
    let webauthn = relying_party(app)?;
    let (handle, credential_id) =
        webauthn.identify_discoverable_authentication(&answer).map_err(|_| unknown_passkey())?;
    let stored = {
        let mut conn = app.store().read().await?;
        store::passkeys::find_by_credential(&mut conn, &URL_SAFE_NO_PAD.encode(credential_id)).await?
    };
    let stored = stored
        .filter(|p| opens(realm, &p.principal) && user_handle(&p.principal) == handle)
        .ok_or_else(unknown_passkey)?;
    let mut passkey = passkey_of(&stored)?;
    let result = webauthn
        .finish_discoverable_authentication_v2(&answer, state, DiscoverableKey::from(&passkey))
        .map_err(not_verified)?;
    if accounts::actor_for(app, &stored.principal).await?.is_none() {
        // The account was removed (or a staff member's access taken away) since.
        return Err(unknown_passkey());
    }
    let updated = passkey.update_credential(&result).unwrap_or(false);
    record_use(app, &stored.id, updated.then_some(&passkey)).await?;
    Ok(stored.principal)
}

/// Signs in with a passkey alone and opens a session; returns the session's token.
pub async fn sign_in(
    app: &App,
    realm: Realm,
    ceremony: &str,
    credential: &str,
    origin: &Origin,
) -> Result<String, AppError> {
    let principal = finish_sign_in(app, realm, ceremony, credential).await?;
    let actor = accounts::actor_for(app, &principal).await?.ok_or_else(unknown_passkey)?;
    let mut tx = app.store().write().await?;
    store::sessions::delete_expired(&mut tx, app.now()).await?;
    let token = accounts::open_session(app, &mut tx, &principal).await?;
    let subject = match &principal {
        Principal::User(id) => id.to_string(),
        Principal::Staff(id) => id.to_string(),
    };
    let org = actor.partner().map(|u| u.org_id.clone());
    let change = Change {
        org: org.as_ref(),
        action: "session.signed_in",
        subject: &subject,
        detail: "signed in with a passkey".into(),
    };
    audit::record(app, &mut tx, Who::actor(&actor), origin, change).await?;
    tx.commit().await?;
    Ok(token)
}

/// Starts proving the second factor of `principal` (who gave their password) with one of
/// their passkeys.
pub async fn start_second_factor(app: &App, principal: &Principal) -> Result<Challenge, AppError> {
    let webauthn = relying_party(app)?;
    let passkeys = {
        let mut conn = app.store().read().await?;
        store::passkeys::list_for(&mut conn, principal).await?
    };
    if passkeys.is_empty() {
        return Err(AppError::Refused {
            code: "no_passkey",
            message: "this account has no passkey; use another second factor".into(),
        });
    }
    let keys = passkeys.iter().map(passkey_of).collect::<Result<Vec<_>, _>>()?;
    let (challenge, state) =
        webauthn.start_passkey_authentication(&keys).map_err(|e| internal("start a passkey check", e))?;
    let ceremony = file_ceremony(app, Some(principal.clone()), CeremonyPurpose::SecondFactor, &state).await?;
    Ok(Challenge { ceremony, options: to_json(&challenge)? })
}

/// Checks the browser's answer to a second-factor ceremony of `principal`.
pub async fn finish_second_factor(
    app: &App,
    principal: &Principal,
    ceremony: &str,
    credential: &str,
) -> Result<(), AppError> {
    let taken = take_ceremony(app, ceremony, CeremonyPurpose::SecondFactor).await?;
    if taken.principal.as_ref() != Some(principal) {
        return Err(ceremony_gone());
    }
    let state: PasskeyAuthentication = from_json(&taken.state)?;
    let answer: PublicKeyCredential = parse_answer(credential)?;
    let result = relying_party(app)?.finish_passkey_authentication(&answer, &state).map_err(not_verified)?;
    // The library checked the answer against this account's passkeys only.
    let stored = {
        let mut conn = app.store().read().await?;
        store::passkeys::find_by_credential(&mut conn, &URL_SAFE_NO_PAD.encode(result.cred_id())).await?
    };
    let stored = stored.filter(|p| &p.principal == principal).ok_or_else(unknown_passkey)?;
    let mut passkey = passkey_of(&stored)?;
    let updated = passkey.update_credential(&result).unwrap_or(false);
    record_use(app, &stored.id, updated.then_some(&passkey)).await
}

/// The relying party at this server's public URL: its host is the RP ID and its origin the
/// one origin answers may come from.
fn relying_party(app: &App) -> Result<Webauthn, AppError> {
    let unavailable = || AppError::Refused {
        code: "passkeys_unavailable",
        message: "passkeys need partnerhub's public URL to name a host (https://partners.example.com, or \
                  http://localhost to try them out), not an IP address; ask your operator"
            .into(),
    };
    let url = Url::parse(&app.settings().public_url).map_err(|_| unavailable())?;
    let origin = Url::parse(&url.origin().ascii_serialization()).map_err(|_| unavailable())?;
    let host = origin.domain().ok_or_else(unavailable)?;
    let program = app.catalog().program().name().to_owned();
    WebauthnBuilder::new(host, &origin)
        .map_err(|_| unavailable())?
        .rp_name(&program)
        .timeout(std::time::Duration::from_secs(60 * rules::CEREMONY_MINUTES as u64))
        .build()
        .map_err(|_| unavailable())
}

/// The WebAuthn user handle of an account: the same for all its passkeys (an authenticator
/// keeps one discoverable passkey per site and handle), derived from its id so it needs no
/// column, and naming nothing about the person.
fn user_handle(principal: &Principal) -> Uuid {
    let (kind, id) = match principal {
        Principal::User(id) => ("user", id.as_str()),
        Principal::Staff(id) => ("staff", id.as_str()),
    };
    let digest = Sha256::new()
        .chain_update("partnerhub passkey user\0")
        .chain_update(kind)
        .chain_update("\0")
        .chain_update(id)
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    Uuid::from_bytes(bytes)
}

fn principal_of(actor: &Actor) -> Principal {
    match actor {
        Actor::Partner(u) => Principal::User(u.id.clone()),
        Actor::Staff(s) => Principal::Staff(s.id.clone()),
    }
}

fn sign_in_purpose(realm: Realm) -> CeremonyPurpose {
    match realm {
        Realm::Partner => CeremonyPurpose::PartnerSignIn,
        Realm::Staff => CeremonyPurpose::StaffSignIn,
    }
}

/// Whether a passkey of `principal` opens `realm`'s door.
fn opens(realm: Realm, principal: &Principal) -> bool {
    matches!((realm, principal), (Realm::Partner, Principal::User(_)) | (Realm::Staff, Principal::Staff(_)))
}

async fn file_ceremony(
    app: &App,
    principal: Option<Principal>,
    purpose: CeremonyPurpose,
    state: &impl Serialize,
) -> Result<CeremonyId, AppError> {
    let now = app.now();
    let record = CeremonyRecord {
        id: app.new_id(CeremonyId::from_random),
        principal,
        purpose,
        state: to_text(state)?,
        expires_at: rules::ceremony_expires(now),
    };
    let mut tx = app.store().write().await?;
    store::passkeys::delete_expired_ceremonies(&mut tx, now).await?;
    store::passkeys::insert_ceremony(&mut tx, &record).await?;
    tx.commit().await?;
    Ok(record.id)
}

/// Takes a ceremony out of the database, whatever comes of the answer: a challenge is answered
/// once. An unknown, used, expired or other-purpose ceremony is refused the same way.
async fn take_ceremony(app: &App, ceremony: &str, purpose: CeremonyPurpose) -> Result<CeremonyRecord, AppError> {
    let id = CeremonyId::parse(ceremony).map_err(|_| ceremony_gone())?;
    let mut tx = app.store().write().await?;
    let taken = store::passkeys::take_ceremony(&mut tx, &id, purpose).await?;
    tx.commit().await?;
    taken.filter(|c| rules::ceremony_live(c.expires_at, app.now())).ok_or_else(ceremony_gone)
}

async fn record_use(app: &App, id: &PasskeyId, updated: Option<&Passkey>) -> Result<(), AppError> {
    let credential = updated.map(to_text).transpose()?;
    let mut tx = app.store().write().await?;
    store::passkeys::record_use(&mut tx, id, credential.as_deref(), app.now()).await?;
    tx.commit().await?;
    Ok(())
}

fn change_of<'a>(actor: &'a Actor, action: &'a str, id: &'a PasskeyId, detail: String) -> Change<'a> {
    Change { org: actor.partner().map(|u| &u.org_id), action, subject: id.as_str(), detail }
}

fn passkey_of(record: &PasskeyRecord) -> Result<Passkey, AppError> {
    serde_json::from_str(&record.credential)
        .map_err(|e| AppError::Internal(format!("passkey {} cannot be read back: {e}", record.id)))
}

fn parse_answer<T: serde::de::DeserializeOwned>(credential: &str) -> Result<T, AppError> {
    serde_json::from_str(credential).map_err(|_| {
        InvalidInput::new("credential", "the browser's answer is not a WebAuthn credential; try again").into()
    })
}

fn to_json(value: &impl Serialize) -> Result<serde_json::Value, AppError> {
    serde_json::to_value(value).map_err(|e| AppError::Internal(format!("cannot write a passkey challenge: {e}")))
}

fn to_text(value: &impl Serialize) -> Result<String, AppError> {
    serde_json::to_string(value).map_err(|e| AppError::Internal(format!("cannot write a passkey record: {e}")))
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, AppError> {
    serde_json::from_str(text).map_err(|e| AppError::Internal(format!("a stored passkey ceremony cannot be read: {e}")))
}

fn internal(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("could not {what}: {e}"))
}

fn ceremony_gone() -> AppError {
    AppError::Refused {
        code: "ceremony_expired",
        message: "this passkey request has expired or was used already; start again".into(),
    }
}

fn unknown_passkey() -> AppError {
    AppError::Refused {
        code: "passkey_unknown",
        message: "this passkey does not open an account here; sign in with your password, or use a passkey \
                  you added to this account"
            .into(),
    }
}

fn not_verified(e: webauthn_rs::prelude::WebauthnError) -> AppError {
    tracing::info!(error = %e, "a passkey's answer was refused");
    AppError::Refused {
        code: "passkey_not_verified",
        message: "the passkey's answer could not be verified; try again".into(),
    }
}
