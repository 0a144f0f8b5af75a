//! Answering with a passkey: signing in with one alone at a door, and giving one as the second
//! factor (after the password, or again at step-up). Each answer checked is a guess throttled
//! at `domain::throttle::PASSKEY`, claimed before the check and settled after it, so a run of
//! failures (a copied authenticator, replayed answers) makes the sender wait and tells the
//! account's owner.

use super::ceremony::{
    Challenge, ceremony_gone, file_ceremony, from_json, internal, not_verified, parse_answer, passkey_of,
    relying_party, take_ceremony, to_json, to_text, unknown_passkey, user_handle,
};
use crate::accounts::{Realm, actor_for};
use crate::actor::{Actor, Origin};
use crate::error::AppError;
use crate::second_factor;
use crate::sessions::{self, Current, Opening};
use crate::state::App;
use crate::throttle::{self, Guess};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::passkey::CeremonyPurpose;
use domain::session::Stage;
use domain::throttle::PASSKEY;
use store::Principal;
use store::passkeys::PasskeyRecord;
use webauthn_rs::prelude::{
    AuthenticationResult, DiscoverableAuthentication, PasskeyAuthentication, PublicKeyCredential,
};

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

/// Checks the browser's answer to a sign-in at `realm`'s door and opens a full session for the
/// account it names; returns the session's token. The passkey must belong to that door's kind
/// of account (a staff member's opens only the console, a partner user's only the portal) and
/// to an account that may still sign in.
pub async fn sign_in(
    app: &App,
    realm: Realm,
    ceremony: &str,
    credential: &str,
    origin: &Origin,
) -> Result<String, AppError> {
    let taken = take_ceremony(app, ceremony, sign_in_purpose(realm)).await?;
    let state: DiscoverableAuthentication = from_json(&taken.state)?;
    let answer: PublicKeyCredential = parse_answer(credential)?;
    let webauthn = relying_party(app)?;
    let (handle, credential_id) =
        webauthn.identify_discoverable_authentication(&answer).map_err(|_| unknown_passkey())?;
    let credential_id = URL_SAFE_NO_PAD.encode(credential_id);
    let stored = {
        let mut conn = app.store().read().await?;
        store::passkeys::find_by_credential(&mut conn, &credential_id).await?
    }
    .filter(|p| opens(realm, &p.principal) && user_handle(&p.principal) == handle);
    // A passkey nobody here registered is counted against its credential (and so against the
    // sender's address) rather than against an account.
    let subject =
        stored.as_ref().map_or_else(|| format!("credential {credential_id}"), |p| p.principal.id().to_owned());
    let guess = throttle::claim(app, &PASSKEY, &subject, origin).await?;
    let checked = match &stored {
        None => Err(unknown_passkey()),
        Some(record) => {
            let passkey = passkey_of(record)?;
            webauthn.finish_discoverable_authentication_v2(&answer, state, &passkey).map_err(not_verified)
        }
    };
    let account = match &stored {
        Some(record) => actor_for(app, &record.principal).await?,
        None => None,
    };
    let (record, result, actor) = match (stored, checked, account) {
        (Some(record), Ok(result), Some(actor)) => (record, result, actor),
        (_, Err(e), actor) => return refuse(app, guess, actor.as_ref(), e, origin).await,
        // A verified passkey whose account was removed (or a staff member's access taken
        // away) since.
        (_, Ok(_), _) => return refuse(app, guess, None, unknown_passkey(), origin).await,
    };
    // The passkey was right; the user's org may want its users to sign in through the
    // program's OpenID provider instead.
    let org = actor.partner().map(|u| u.org_id.clone());
    let way = crate::sso::OtherWay::Passkey;
    if let Err(refusal) = crate::sso::check_allowed_without_provider(app, realm, way, org.as_ref()).await {
        let mut tx = app.store().write().await?;
        guess.right(&mut tx).await?;
        let detail = format!("passkey sign-in refused: {refusal}");
        sessions::record(app, &mut tx, &actor, origin, "session.refused", detail).await?;
        tx.commit().await?;
        return Err(refusal);
    }
    let mut tx = app.store().write().await?;
    guess.right(&mut tx).await?;
    record_use(app, &mut tx, &record, &result).await?;
    sessions::delete_ended(app, &mut tx, app.now()).await?;
    let opening = Opening { stage: Stage::Full, method: "passkey", with_second_factor: true, origin };
    let token = sessions::open(app, &mut tx, &record.principal, opening).await?;
    let detail = format!("signed in with the passkey \"{}\"", record.name);
    sessions::record(app, &mut tx, &actor, origin, "session.signed_in", detail).await?;
    tx.commit().await?;
    Ok(token)
}

/// Starts giving one of the account's passkeys as the second factor of the session: after the
/// password, or again for a sensitive action (step-up).
pub async fn start_second_factor(app: &App, current: &Current) -> Result<Challenge, AppError> {
    if current.session.stage == Stage::Enrol {
        return Err(AppError::Refused {
            code: "enrol_first",
            message: crate::text::Text::new(i18n::key("error-enrol-first")),
        });
    }
    let webauthn = relying_party(app)?;
    let principal = current.actor.principal();
    let passkeys = {
        let mut conn = app.store().read().await?;
        store::passkeys::list_for(&mut conn, &principal).await?
    };
    if passkeys.is_empty() {
        return Err(AppError::Refused {
            code: "no_passkey",
            message: crate::text::Text::new(i18n::key("error-no-passkey")),
        });
    }
    let keys = passkeys.iter().map(passkey_of).collect::<Result<Vec<_>, _>>()?;
    let (challenge, state) =
        webauthn.start_passkey_authentication(&keys).map_err(|e| internal("start a passkey check", e))?;
    let ceremony = file_ceremony(app, Some(principal), CeremonyPurpose::SecondFactor, &state).await?;
    Ok(Challenge { ceremony, options: to_json(&challenge)? })
}

/// Checks the browser's answer to a second-factor ceremony of the session's person; the session
/// goes on fully signed in, its second factor given now, under the new token returned.
pub async fn finish_second_factor(
    app: &App,
    current: &Current,
    session_token: &str,
    ceremony: &str,
    credential: &str,
    origin: &Origin,
) -> Result<String, AppError> {
    let actor = &current.actor;
    let principal = actor.principal();
    let taken = take_ceremony(app, ceremony, CeremonyPurpose::SecondFactor).await?;
    if taken.principal.as_ref() != Some(&principal) {
        return Err(ceremony_gone());
    }
    let state: PasskeyAuthentication = from_json(&taken.state)?;
    let answer: PublicKeyCredential = parse_answer(credential)?;
    let guess = throttle::claim(app, &PASSKEY, principal.id(), origin).await?;
    // The library checks the answer against this account's passkeys only, named in the state.
    let result = match relying_party(app)?.finish_passkey_authentication(&answer, &state) {
        Ok(result) => result,
        Err(e) => return refuse(app, guess, Some(actor), not_verified(e), origin).await,
    };
    let stored = {
        let mut conn = app.store().read().await?;
        store::passkeys::find_by_credential(&mut conn, &URL_SAFE_NO_PAD.encode(result.cred_id())).await?
    };
    // Removed between the two requests.
    let Some(record) = stored.filter(|p| p.principal == principal) else {
        return refuse(app, guess, Some(actor), unknown_passkey(), origin).await;
    };
    let mut tx = app.store().write().await?;
    guess.right(&mut tx).await?;
    record_use(app, &mut tx, &record, &result).await?;
    let token = sessions::advance(app, &mut tx, session_token, Stage::Full, true).await?;
    let (action, detail) = match current.session.stage {
        Stage::SecondFactor => ("session.second_factor", format!("signed in with the passkey \"{}\"", record.name)),
        _ => ("session.step_up", format!("confirmed it is them with the passkey \"{}\"", record.name)),
    };
    sessions::record(app, &mut tx, actor, origin, action, detail).await?;
    tx.commit().await?;
    Ok(token)
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

/// Settles a refused answer as a wrong guess; the account's owner, when there is one, sees it
/// among their security events and is e-mailed when the failures reach a limit.
async fn refuse<T>(
    app: &App,
    guess: Guess,
    actor: Option<&Actor>,
    error: AppError,
    origin: &Origin,
) -> Result<T, AppError> {
    let wrong = guess.wrong(app).await?;
    if let Some(actor) = actor {
        second_factor::failed_guess(app, actor, i18n::key("email-guess-passkey"), wrong, origin).await?;
    }
    Err(error)
}

/// Notes the passkey's use and, when the library moved its signature counter or backup state,
/// saves its new record: a later answer with an older counter is then refused as a copy's.
async fn record_use(
    app: &App,
    tx: &mut store::Conn,
    record: &PasskeyRecord,
    result: &AuthenticationResult,
) -> Result<(), AppError> {
    let mut passkey = passkey_of(record)?;
    let changed = passkey.update_credential(result).unwrap_or(false);
    let credential = if changed { Some(to_text(&passkey)?) } else { None };
    store::passkeys::record_use(tx, &record.id, credential.as_deref(), app.now()).await?;
    Ok(())
}
