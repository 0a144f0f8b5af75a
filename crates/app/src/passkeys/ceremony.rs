//! What every passkey ceremony shares: the relying party at the public URL, the account's user
//! handle, filing a ceremony's state and taking it back out (once), reading and writing the
//! library's records, and the refusals a person may see.

use crate::error::AppError;
use crate::state::App;
use domain::account::InvalidInput;
use domain::ids::CeremonyId;
use domain::passkey::{self as rules, CeremonyPurpose};
use serde::Serialize;
use sha2::{Digest, Sha256};
use store::Principal;
use store::passkeys::{CeremonyRecord, PasskeyRecord};
use webauthn_rs::prelude::{Passkey, Url, Uuid, Webauthn, WebauthnBuilder, WebauthnError};

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

/// The relying party at this server's public URL: its host is the RP ID and its origin the
/// one origin answers may come from.
pub(super) fn relying_party(app: &App) -> Result<Webauthn, AppError> {
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
pub(super) fn user_handle(principal: &Principal) -> Uuid {
    let digest = Sha256::new()
        .chain_update("partnerhub passkey user\0")
        .chain_update(principal.kind())
        .chain_update("\0")
        .chain_update(principal.id())
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    Uuid::from_bytes(bytes)
}

pub(super) async fn file_ceremony(
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
pub(super) async fn take_ceremony(
    app: &App,
    ceremony: &str,
    purpose: CeremonyPurpose,
) -> Result<CeremonyRecord, AppError> {
    let id = CeremonyId::parse(ceremony).map_err(|_| ceremony_gone())?;
    let mut tx = app.store().write().await?;
    let taken = store::passkeys::take_ceremony(&mut tx, &id, purpose).await?;
    tx.commit().await?;
    taken.filter(|c| rules::ceremony_live(c.expires_at, app.now())).ok_or_else(ceremony_gone)
}

pub(super) fn passkey_of(record: &PasskeyRecord) -> Result<Passkey, AppError> {
    serde_json::from_str(&record.credential)
        .map_err(|e| AppError::internal_from(format!("passkey {} cannot be read back", record.id), e))
}

pub(super) fn parse_answer<T: serde::de::DeserializeOwned>(credential: &str) -> Result<T, AppError> {
    serde_json::from_str(credential).map_err(|_| {
        InvalidInput::new("credential", "the browser's answer is not a WebAuthn credential; try again").into()
    })
}

pub(super) fn to_json(value: &impl Serialize) -> Result<serde_json::Value, AppError> {
    serde_json::to_value(value).map_err(|e| AppError::internal_from("cannot write a passkey challenge", e))
}

pub(super) fn to_text(value: &impl Serialize) -> Result<String, AppError> {
    serde_json::to_string(value).map_err(|e| AppError::internal_from("cannot write a passkey record", e))
}

pub(super) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, AppError> {
    serde_json::from_str(text).map_err(|e| AppError::internal_from("a stored passkey ceremony cannot be read", e))
}

pub(super) fn internal(what: &str, e: impl Into<crate::error::Cause>) -> AppError {
    AppError::internal_from(format!("could not {what}"), e)
}

pub(super) fn ceremony_gone() -> AppError {
    AppError::Refused {
        code: "ceremony_expired",
        message: crate::text::Text::new(i18n::key("error-passkey-ceremony-gone")),
    }
}

pub(super) fn unknown_passkey() -> AppError {
    AppError::Refused {
        code: "passkey_unknown",
        message: "this passkey does not open an account here; sign in with your password, or use a passkey \
                  you added to this account"
            .into(),
    }
}

pub(super) fn not_verified(e: WebauthnError) -> AppError {
    tracing::info!(error = %e, "a passkey's answer was refused");
    AppError::Refused {
        code: "passkey_not_verified",
        message: crate::text::Text::new(i18n::key("error-passkey-unverified")),
    }
}
