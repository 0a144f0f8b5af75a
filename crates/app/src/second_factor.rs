//! Second factors: who must have one (the policy in `Settings`), TOTP authenticators and
//! recovery codes, giving a factor at sign-in and again at step-up. Every code typed is a
//! guess throttled at `domain::throttle::SECOND_FACTOR`; the owner is e-mailed when guesses
//! reach a limit.

use crate::actor::{Actor, Origin};
use crate::error::AppError;
use crate::sessions::{self, Current};
use crate::state::App;
use crate::text::Text;
use crate::throttle::{self, Wrong};
use crate::{outbox, secrets};
use domain::account::InvalidInput;
use domain::ids::RecoveryCodeId;
use domain::session::Stage;
use domain::totp;
use i18n::{Key, key};
use store::Principal;

/// Whether the account has a second factor it can give: a confirmed authenticator or a
/// passkey.
pub async fn has_any(conn: &mut store::Conn, principal: &Principal) -> Result<bool, AppError> {
    Ok(has_totp(conn, principal).await? || store::passkeys::count_for(conn, principal).await? > 0)
}

/// Whether the account has a confirmed authenticator app.
pub(crate) async fn has_totp(conn: &mut store::Conn, principal: &Principal) -> Result<bool, AppError> {
    let totp = store::second_factors::totp(conn, principal).await?;
    Ok(totp.is_some_and(|t| t.confirmed_at.is_some()))
}

/// Whether the policy asks the actor to have a second factor.
pub fn must_have(app: &App, actor: &Actor) -> bool {
    match actor {
        Actor::Staff(_) => app.settings().mfa_staff,
        Actor::Partner(u) => app.settings().mfa_partner.requires(u.role),
    }
}

/// Where a right password leads the actor.
pub(crate) async fn stage_after_password(app: &App, actor: &Actor) -> Result<Stage, AppError> {
    let has = has_any(&mut app.store().read().await?, &actor.principal()).await?;
    Ok(Stage::after_password(has, must_have(app, actor)))
}

/// Records a wrong guess at the actor's account (`what`: a wrong password, a wrong code) for
/// their list of security events, and e-mails them when the guesses reached a limit.
pub(crate) async fn failed_guess(
    app: &App,
    actor: &Actor,
    what: Key,
    wrong: Wrong,
    origin: &Origin,
) -> Result<(), AppError> {
    let mut tx = app.store().write().await?;
    let detail = format!("sign-in refused: {}", Text::new(what));
    sessions::record(app, &mut tx, actor, origin, "session.signin_failed", detail).await?;
    if wrong == Wrong::LockedOut {
        let lang = outbox::language_of(app, actor.language());
        let from = match origin.address.as_deref() {
            Some(address) => address.to_owned(),
            None => lang.t("email-unknown-address"),
        };
        let catalog = app.catalog();
        let args = [
            ("name", actor.name().into()),
            ("program", catalog.program().name().into()),
            ("what", lang.text(what).into()),
            ("from", from.into()),
        ];
        let body = lang.t_with("email-failed-signins-body", &args) + "\n";
        outbox::queue(app, &mut tx, actor.email(), &lang.t("email-failed-signins-subject"), body).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// An authenticator being set up: the secret for typing by hand and the link for a QR code.
#[derive(Clone, Debug)]
pub struct TotpSetup {
    pub secret: String,
    pub uri: String,
}

/// What the actor's second factors are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub totp: bool,
    pub passkeys: i64,
    pub recovery_codes_left: i64,
    /// The policy asks the actor to keep a second factor.
    pub required: bool,
}

pub async fn status(app: &App, actor: &Actor) -> Result<Status, AppError> {
    let principal = actor.principal();
    let mut conn = app.store().read().await?;
    let totp = has_totp(&mut conn, &principal).await?;
    let passkeys = store::passkeys::count_for(&mut conn, &principal).await?;
    let recovery_codes_left = store::second_factors::recovery_codes_left(&mut conn, &principal).await?;
    Ok(Status { totp, passkeys, recovery_codes_left, required: must_have(app, actor) })
}

/// Starts setting up an authenticator app (or shows the one being set up again); refused when
/// one is set up already.
pub async fn start_totp(app: &App, actor: &Actor) -> Result<TotpSetup, AppError> {
    let principal = actor.principal();
    let mut tx = app.store().write().await?;
    let existing = store::second_factors::totp(&mut tx, &principal).await?;
    let secret = match existing {
        Some(t) if t.confirmed_at.is_some() => {
            return Err(AppError::Conflict {
                code: "totp_exists",
                message: crate::text::Text::new(i18n::key("error-totp-exists")),
            });
        }
        Some(t) => open_secret(app, &principal, &t.sealed_secret)?,
        None => {
            let mut bytes = [0u8; totp::SECRET_BYTES];
            app.entropy().fill(&mut bytes);
            let secret = totp::base32(&bytes);
            let sealed = secrets::seal(&app.server_key(), app.entropy(), principal.id(), &secret);
            store::second_factors::put_unconfirmed_totp(&mut tx, &principal, &sealed, app.now()).await?;
            secret
        }
    };
    tx.commit().await?;
    let bytes = base32_decode(&secret)?;
    let issuer = app.catalog().program().name().to_owned();
    Ok(TotpSetup { uri: totp::otpauth_uri(&issuer, actor.email(), &bytes), secret: totp::grouped(&secret) })
}

/// A set-up confirmed: the session's new token and the recovery codes, shown once.
#[derive(Debug)]
pub struct Enrolled {
    pub token: String,
    pub recovery_codes: Vec<String>,
}

/// Confirms the authenticator being set up with a code from it. Every other session of the
/// actor ends (a second factor changed), this one is fully signed in under a new token, and
/// ten recovery codes are made.
pub async fn confirm_totp(
    app: &App,
    current: &Current,
    session_token: &str,
    typed: &str,
    origin: &Origin,
) -> Result<Enrolled, AppError> {
    let actor = &current.actor;
    let principal = actor.principal();
    let guess = throttle::claim(app, &domain::throttle::SECOND_FACTOR, principal.id(), origin).await?;
    let record = store::second_factors::totp(&mut app.store().read().await?, &principal).await?;
    let record = match record {
        Some(r) if r.confirmed_at.is_none() => r,
        _ => {
            return Err(AppError::Refused {
                code: "no_totp_setup",
                message: crate::text::Text::new(i18n::key("error-totp-start-again")),
            });
        }
    };
    let secret = base32_decode(&open_secret(app, &principal, &record.sealed_secret)?)?;
    let now = app.now();
    let Some(step) = totp::accepted_step(&secret, typed, totp::step_at(now.timestamp()), record.last_step) else {
        guess.wrong(app).await?;
        return Err(InvalidInput::new("code", "that code is not right; type the six digits the app shows now").into());
    };
    let codes = new_recovery_codes(app);
    let mut tx = app.store().write().await?;
    if !store::second_factors::use_step(&mut tx, &principal, step, now).await? {
        return Err(InvalidInput::new("code", "that code was used already; wait for the next one").into());
    }
    guess.right(&mut tx).await?;
    store::second_factors::replace_recovery_codes(&mut tx, &principal, &codes.hashes, now).await?;
    store::sessions::delete_others(&mut tx, &principal, &secrets::hash_secret(session_token)).await?;
    let token = sessions::advance(app, &mut tx, session_token, Stage::Full, true).await?;
    let detail = "set up an authenticator app; other sessions were signed out".to_owned();
    sessions::record(app, &mut tx, actor, origin, "mfa.totp_added", detail).await?;
    notify(app, &mut tx, actor, key("email-authenticator-added").into()).await?;
    tx.commit().await?;
    Ok(Enrolled { token, recovery_codes: codes.codes })
}

/// Removes the actor's authenticator and recovery codes (the page asks for step-up first).
/// Refused while the policy asks the actor to have a second factor and it is their only one.
/// Every other session ends.
pub async fn remove_totp(app: &App, actor: &Actor, session_token: &str, origin: &Origin) -> Result<String, AppError> {
    let principal = actor.principal();
    let mut tx = app.store().write().await?;
    let passkey_left = store::passkeys::count_for(&mut tx, &principal).await? > 0;
    if !domain::session::may_remove_factor(must_have(app, actor), passkey_left) {
        return Err(last_factor());
    }
    if !store::second_factors::delete_totp(&mut tx, &principal).await? {
        return Err(AppError::NotFound("authenticator app"));
    }
    store::second_factors::delete_recovery_codes(&mut tx, &principal).await?;
    store::sessions::delete_others(&mut tx, &principal, &secrets::hash_secret(session_token)).await?;
    let token = sessions::advance(app, &mut tx, session_token, Stage::Full, false).await?;
    let detail = "removed their authenticator app; other sessions were signed out".to_owned();
    sessions::record(app, &mut tx, actor, origin, "mfa.totp_removed", detail).await?;
    notify(app, &mut tx, actor, key("email-authenticator-removed").into()).await?;
    tx.commit().await?;
    Ok(token)
}

/// New recovery codes in place of the old ones (the page asks for step-up first); shown once.
pub async fn regenerate_recovery_codes(app: &App, actor: &Actor, origin: &Origin) -> Result<Vec<String>, AppError> {
    let principal = actor.principal();
    let codes = new_recovery_codes(app);
    let mut tx = app.store().write().await?;
    if !has_any(&mut tx, &principal).await? {
        return Err(AppError::Refused {
            code: "no_second_factor",
            message: crate::text::Text::new(i18n::key("error-totp-first")),
        });
    }
    store::second_factors::replace_recovery_codes(&mut tx, &principal, &codes.hashes, app.now()).await?;
    sessions::record(app, &mut tx, actor, origin, "mfa.recovery_codes_made", "made new recovery codes".into()).await?;
    tx.commit().await?;
    Ok(codes.codes)
}

/// Checks a second factor typed by the person of the session (a code from their authenticator
/// app or a recovery code): at sign-in, it signs them in; later, it is step-up. Returns the
/// session's new token.
pub async fn verify(
    app: &App,
    current: &Current,
    session_token: &str,
    typed: &str,
    origin: &Origin,
) -> Result<String, AppError> {
    let actor = &current.actor;
    let principal = actor.principal();
    if current.session.stage == Stage::Enrol {
        return Err(AppError::Refused {
            code: "enrol_first",
            message: crate::text::Text::new(i18n::key("error-enrol-first")),
        });
    }
    let guess = throttle::claim(app, &domain::throttle::SECOND_FACTOR, principal.id(), origin).await?;
    let now = app.now();
    let mut tx = app.store().write().await?;
    let (ok, how) = if let Some(code) = totp::normalize_recovery_code(typed) {
        let hash = secrets::keyed_hash(&app.server_key(), &code);
        (store::second_factors::use_recovery_code(&mut tx, &principal, &hash, now).await?, "a recovery code")
    } else {
        let record = store::second_factors::totp(&mut tx, &principal).await?.filter(|t| t.confirmed_at.is_some());
        let step = match &record {
            Some(r) => {
                let secret = base32_decode(&open_secret(app, &principal, &r.sealed_secret)?)?;
                totp::accepted_step(&secret, typed, totp::step_at(now.timestamp()), r.last_step)
            }
            None => None,
        };
        let ok = match step {
            Some(step) => store::second_factors::use_step(&mut tx, &principal, step, now).await?,
            None => false,
        };
        (ok, "the authenticator app")
    };
    if !ok {
        drop(tx);
        let wrong = guess.wrong(app).await?;
        failed_guess(app, actor, key("email-guess-code"), wrong, origin).await?;
        return Err(InvalidInput::new("code", "that code is not right, or was used already").into());
    }
    guess.right(&mut tx).await?;
    let token = sessions::advance(app, &mut tx, session_token, Stage::Full, true).await?;
    let (action, detail) = match current.session.stage {
        Stage::SecondFactor => ("session.second_factor", format!("signed in with {how}")),
        _ => ("session.step_up", format!("confirmed it is them with {how}")),
    };
    sessions::record(app, &mut tx, actor, origin, action, detail).await?;
    if how == "a recovery code" {
        let left = store::second_factors::recovery_codes_left(&mut tx, &principal).await?;
        notify(app, &mut tx, actor, Text::new(key("email-recovery-code-used")).count("left", left)).await?;
    }
    tx.commit().await?;
    Ok(token)
}

/// Whether a sensitive action must ask the session's person for their second factor first.
pub async fn step_up_needed(app: &App, current: &Current) -> Result<bool, AppError> {
    let has = has_any(&mut app.store().read().await?, &current.actor.principal()).await?;
    Ok(domain::session::step_up_needed(has, current.session.factor_at, app.now()))
}

/// Refuses a sensitive action whose session gave its second factor too long ago.
pub async fn require_recent(app: &App, current: &Current) -> Result<(), AppError> {
    if step_up_needed(app, current).await? {
        return Err(AppError::Refused {
            code: "step_up_required",
            message: crate::text::Text::new(i18n::key("error-step-up-first")),
        });
    }
    Ok(())
}

/// The refusal to remove the last second factor of someone the policy asks to keep one.
pub(crate) fn last_factor() -> AppError {
    AppError::Refused {
        code: "second_factor_required",
        message: crate::text::Text::new(i18n::key("error-role-keeps-second-factor")),
    }
}

struct RecoveryCodes {
    codes: Vec<String>,
    hashes: Vec<(RecoveryCodeId, String)>,
}

fn new_recovery_codes(app: &App) -> RecoveryCodes {
    let codes: Vec<String> = (0..totp::RECOVERY_CODES)
        .map(|_| {
            let mut random = [0u8; 10];
            app.entropy().fill(&mut random);
            totp::recovery_code(&random)
        })
        .collect();
    let hashes = codes
        .iter()
        .map(|c| (app.new_id(RecoveryCodeId::from_random), secrets::keyed_hash(&app.server_key(), c)))
        .collect();
    RecoveryCodes { codes, hashes }
}

fn open_secret(app: &App, principal: &Principal, sealed: &str) -> Result<String, AppError> {
    secrets::open(&app.server_key(), principal.id(), sealed)
        .ok_or_else(|| AppError::internal("an authenticator's secret does not open with this server's key"))
}

fn base32_decode(text: &str) -> Result<Vec<u8>, AppError> {
    totp::base32_decode(text).ok_or_else(|| AppError::internal("an authenticator's secret is not Base32"))
}

/// Tells the account's owner of a change to how they sign in, in their language.
pub(crate) async fn notify(app: &App, tx: &mut store::Conn, actor: &Actor, change: Text) -> Result<(), AppError> {
    let lang = outbox::language_of(app, actor.language());
    let subject = change.in_lang(&lang);
    let body = lang.t2("email-security-body", "name", actor.name(), "change", subject.as_str()) + "\n";
    outbox::queue(app, tx, actor.email(), &subject, body).await
}
