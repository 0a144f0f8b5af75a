//! Single sign-on through the program's OpenID provider (authorization code flow with PKCE):
//! starting a sign-in, finishing it when the provider sends the browser back, and an org's
//! requirement of it. Who a verified identity signs in as is `domain::sso`'s rule; the
//! protocol's checks are `provider`'s.
//!
//! Architecture invariant: a sign-in started here is finished at most once. Its `state` is
//! found by hash and its row deleted by the first callback that names it, before the code is
//! exchanged, so a replayed callback (or code) finds nothing; the row is bound to the browser
//! that started it (the hash of a cookie set then) and lives 10 minutes. The nonce is kept as
//! its hash and the PKCE verifier sealed with the server's key.

mod http;
mod org;
pub(crate) mod provider;

pub use org::{OrgSso, org_setting, require_for_org};
pub use provider::{CALLBACK_PATH, Provider, SetupError, SsoSettings};

use crate::actor::Origin;
use crate::audit::{self, Change, Who};
use crate::error::AppError;
use crate::sessions::{self, Opening};
use crate::state::App;
use crate::text::Text;
use crate::{passwords, secrets};
use domain::account::{EmailAddress, PersonName};
use domain::ids::{OrgId, StaffId};
use domain::roles::{Realm, StaffRole};
use domain::session::Stage;
pub use domain::sso::OtherWay;
use domain::sso::{Found, Identity, Refusal, SignInAs};
use store::Principal;
use store::sso::LoginRecord;
use store::staff::StaffRecord;

/// How long a sign-in started at the provider may take.
pub const LOGIN_TTL: chrono::Duration = chrono::Duration::minutes(10);

/// What a sign-in page offers at `realm`: the provider's name when **Sign in with …** is
/// offered, and whether the password form is.
pub fn offered(app: &App, realm: Realm) -> (Option<&str>, bool) {
    match &app.settings().sso {
        Some(sso) => (
            sso.policy.offers(realm).then_some(sso.name.as_str()),
            domain::sso::allowed_without_provider(Some(&sso.policy), realm, OtherWay::Password, false),
        ),
        None => (None, true),
    }
}

/// A sign-in sent to the provider: where to send the browser, and the secret of the cookie
/// that binds the sign-in to this browser.
pub struct Started {
    pub redirect_to: String,
    pub browser_secret: String,
}

/// Starts signing in at `realm` through the provider.
pub async fn start(app: &App, realm: Realm) -> Result<Started, AppError> {
    let (settings, provider) = configured(app)?;
    if !settings.policy.offers(realm) {
        return Err(refused(Refusal::NotOffered, &settings.name));
    }
    let state = secrets::new_secret(app.entropy(), "");
    let nonce = secrets::new_secret(app.entropy(), "");
    let verifier = secrets::new_secret(app.entropy(), "");
    let browser_secret = secrets::new_secret(app.entropy(), "");
    let now = app.now();
    let state_hash = secrets::hash_secret(&state);
    let login = LoginRecord {
        verifier: secrets::seal(&app.server_key(), app.entropy(), &state_hash, &verifier),
        state_hash,
        browser_hash: secrets::hash_secret(&browser_secret),
        nonce_hash: secrets::hash_secret(&nonce),
        realm,
        created_at: now,
        expires_at: now + LOGIN_TTL,
    };
    let mut tx = app.store().write().await?;
    store::sso::delete_expired_logins(&mut tx, now).await?;
    store::sso::insert_login(&mut tx, &login).await?;
    tx.commit().await?;
    Ok(Started { redirect_to: provider.authorize_url(state, nonce, &verifier), browser_secret })
}

/// What the provider sent the browser back with.
#[derive(Clone, Debug, Default)]
pub struct Callback {
    pub state: String,
    pub code: Option<String>,
    /// The provider's error code when it did not sign the person in (`access_denied`, …).
    pub error: Option<String>,
    pub error_description: Option<String>,
    /// The issuer the provider names in its answer (RFC 9207), when it does.
    pub iss: Option<String>,
}

/// A finished sign-in: the door it was for and the new session's token.
pub struct SignedIn {
    pub realm: Realm,
    pub session: String,
}

/// A refused sign-in, with the door it was for when that is known (the state was ours).
#[derive(Debug)]
pub struct Refused {
    pub realm: Option<Realm>,
    pub error: AppError,
}

/// Finishes a sign-in: takes its row (single use), checks the browser, exchanges the code and
/// verifies the ID token, decides who signs in and opens their session. Every refusal after
/// the state was found is written to the audit log; one without a known state only to the log
/// (anyone can make those, and they would flood the audit log).
pub async fn finish(
    app: &App,
    callback: &Callback,
    browser_secret: Option<&str>,
    origin: &Origin,
) -> Result<SignedIn, Refused> {
    let unknown = |error| Refused { realm: None, error };
    let (settings, provider) = configured(app).map_err(unknown)?;
    let login = take_login(app, &callback.state).await.map_err(unknown)?;
    let Some(login) = login else {
        tracing::info!("single sign-on callback with an unknown or used state refused");
        return Err(unknown(AppError::Refused {
            code: "sso_state_unknown",
            message: i18n::key("error-sso-state-unknown").into(),
        }));
    };
    let realm = login.realm;
    let attempt = Attempt { app, realm, origin, name: &settings.name };
    if login.expires_at <= app.now() {
        return Err(attempt.refuse("sso_expired", i18n::key("error-sso-expired"), None).await);
    }
    let same_browser = browser_secret.is_some_and(|s| same(&secrets::hash_secret(s), &login.browser_hash));
    if !same_browser {
        let message = i18n::key("error-sso-other-browser");
        return Err(attempt.refuse("sso_other_browser", message, None).await);
    }
    // A provider that names itself must be ours: an answer from another one, meant for another
    // sign-in, is refused before its code goes anywhere (RFC 9207).
    if callback.iss.as_deref().is_some_and(|iss| iss != provider.issuer()) {
        let message = Text::new(i18n::key("error-sso-wrong-issuer")).arg("provider", &settings.name);
        return Err(attempt.refuse("sso_wrong_issuer", message, None).await);
    }
    if let Some(error) = &callback.error {
        let said = match &callback.error_description {
            Some(description) => format!("{} ({})", provider::cut(error), provider::cut(description)),
            None => provider::cut(error),
        };
        let message =
            Text::new(i18n::key("error-sso-provider-error")).arg("provider", &settings.name).arg("said", said);
        return Err(attempt.refuse("sso_provider_error", message, None).await);
    }
    let Some(code) = callback.code.as_deref() else {
        let message = Text::new(i18n::key("error-sso-no-code")).arg("provider", &settings.name);
        return Err(attempt.refuse("sso_no_code", message, None).await);
    };
    let Some(verifier) = secrets::open(&app.server_key(), &login.state_hash, &login.verifier) else {
        return Err(Refused {
            realm: Some(realm),
            error: AppError::internal("a sign-in's sealed verifier does not open"),
        });
    };
    let nonce_hash = login.nonce_hash.clone();
    let nonce_matches = move |nonce: &str| same(&secrets::hash_secret(nonce), &nonce_hash);
    let claims = match provider.identity(code, &verifier, nonce_matches, app.wall_now()).await {
        Ok(claims) => claims,
        Err(failure) => {
            let (code, message) = explain(&settings.name, &failure);
            tracing::info!(?failure, "single sign-on refused");
            return Err(attempt.refuse(code, message, None).await);
        }
    };
    let identity = identity_of(&claims, &settings.role_claim);
    let subject = claims.subject().as_str();
    let who = format!("{} at {}", identity.email.as_ref().map_or(subject, |e| e.as_str()), provider.issuer());
    match sign_in(app, settings, provider.issuer(), subject, &identity, &claims, &attempt).await {
        Ok(Ok(session)) => Ok(SignedIn { realm, session }),
        Ok(Err(refusal)) => {
            Err(attempt.refuse(refusal.code(), refusal_text(refusal, &settings.name), Some(&who)).await)
        }
        Err(error) => Err(Refused { realm: Some(realm), error }),
    }
}

/// One finishing sign-in, for its audit rows.
struct Attempt<'a> {
    app: &'a App,
    realm: Realm,
    origin: &'a Origin,
    name: &'a str,
}

impl Attempt<'_> {
    /// Writes the refusal to the audit log and returns it for the page.
    async fn refuse(&self, code: &'static str, message: impl Into<Text>, who: Option<&str>) -> Refused {
        let message: Text = message.into();
        let detail = format!("refused a {} sign-in with {}: {message} [{code}]", self.realm.as_str(), self.name);
        let written = async {
            let mut tx = self.app.store().write().await?;
            let change = Change { org: None, action: "sso.refused", subject: who.unwrap_or("unknown"), detail };
            audit::record(self.app, &mut tx, Who::system("single sign-on"), self.origin, change).await?;
            tx.commit().await?;
            Ok::<_, AppError>(())
        };
        if let Err(e) = written.await {
            return Refused { realm: Some(self.realm), error: e };
        }
        Refused { realm: Some(self.realm), error: AppError::Refused { code, message } }
    }
}

/// Decides who the identity signs in as and opens their session (linking or making the
/// account first when that is the decision), in one transaction with its audit rows.
async fn sign_in(
    app: &App,
    settings: &SsoSettings,
    issuer: &str,
    subject: &str,
    identity: &Identity,
    claims: &provider::Claims,
    attempt: &Attempt<'_>,
) -> Result<Result<String, Refusal>, AppError> {
    let realm = attempt.realm;
    let (linked, by_email) = {
        let mut conn = app.store().read().await?;
        let linked = match store::sso::linked(&mut conn, issuer, subject, realm).await? {
            Some(principal) => account_state(&mut conn, &principal).await?,
            None => Found::None,
        };
        let by_email = match &identity.email {
            Some(email) => by_email(&mut conn, issuer, realm, email).await?,
            None => Found::None,
        };
        (linked, by_email)
    };
    let decision = match domain::sso::sign_in_as(realm, &settings.policy, linked, by_email, identity) {
        Ok(decision) => decision,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let now = app.now();
    let email = identity.email.as_ref().map_or("", |e| e.as_str());
    let new_staff = match &decision {
        SignInAs::CreateStaff(role) => Some(new_staff_record(app, identity, claims, *role).await?),
        _ => None,
    };
    let mut tx = app.store().write().await?;
    let principal = match decision {
        SignInAs::Linked(principal) => {
            store::sso::touch(&mut tx, issuer, subject, &principal, now).await?;
            principal
        }
        SignInAs::LinkNow(principal) => {
            if let Err(e) = store::sso::link(&mut tx, issuer, subject, &principal, email, now).await {
                return linked_meanwhile(e);
            }
            principal
        }
        SignInAs::CreateStaff(role) => {
            let record = new_staff.ok_or_else(|| AppError::internal("no staff record made"))?;
            let principal = Principal::Staff(record.id.clone());
            if let Err(e) = store::staff::insert(&mut tx, &record).await {
                return linked_meanwhile(e);
            }
            if let Err(e) = store::sso::link(&mut tx, issuer, subject, &principal, email, now).await {
                return linked_meanwhile(e);
            }
            let detail = format!(
                "created staff account {} ({}) at its first sign-in with {}",
                record.email,
                role.label(),
                settings.name
            );
            let change = Change { org: None, action: "staff.created", subject: record.id.as_str(), detail };
            audit::record(app, &mut tx, Who::system("single sign-on"), attempt.origin, change).await?;
            principal
        }
    };
    let actor = crate::actor::actor_in(&mut tx, &principal).await?.ok_or(AppError::Unauthenticated)?;
    sessions::delete_ended(app, &mut tx, now).await?;
    // Decided: the provider is trusted with its own second factor, so its sign-in opens a full
    // session (README, "Single sign-on").
    let opening = Opening { stage: Stage::Full, method: "sso", with_second_factor: false, origin: attempt.origin };
    let token = sessions::open(app, &mut tx, &principal, opening).await?;
    let detail = format!("signed in with {} ({})", settings.name, issuer);
    sessions::record(app, &mut tx, &actor, attempt.origin, "session.signed_in", detail).await?;
    tx.commit().await?;
    Ok(Ok(token))
}

/// Another sign-in of the same person linked or made the account a moment ago: this one is
/// refused (the other signed in), and trying again signs in through the link.
fn linked_meanwhile(e: store::StoreError) -> Result<Result<String, Refusal>, AppError> {
    match e {
        store::StoreError::Conflict(_) => Ok(Err(Refusal::LinkedElsewhere)),
        other => Err(other.into()),
    }
}

/// Whether the account a link points to may sign in.
async fn account_state(conn: &mut store::Conn, principal: &Principal) -> Result<Found<Principal>, AppError> {
    Ok(match principal {
        Principal::Staff(id) => match store::staff::get(conn, id).await? {
            Some(_) => Found::Active(principal.clone()),
            // Staff accounts are never deleted: one that does not resolve had its access removed.
            None => Found::AccessRemoved,
        },
        Principal::User(id) => match store::users::get(conn, id).await? {
            Some(_) => Found::Active(principal.clone()),
            None => Found::None,
        },
    })
}

/// The account at `realm` with this address.
async fn by_email(
    conn: &mut store::Conn,
    issuer: &str,
    realm: Realm,
    email: &EmailAddress,
) -> Result<Found<Principal>, AppError> {
    let principal = match realm {
        Realm::Staff => match store::staff::find_any_by_email(conn, email).await? {
            Some(staff) if staff.disabled_at.is_some() => return Ok(Found::AccessRemoved),
            Some(staff) => Principal::Staff(staff.id),
            None => return Ok(Found::None),
        },
        Realm::Partner => match store::users::find_by_email(conn, email).await? {
            Some(user) => Principal::User(user.id),
            None => return Ok(Found::None),
        },
    };
    if store::sso::is_linked(conn, issuer, &principal).await? {
        return Ok(Found::LinkedElsewhere);
    }
    Ok(Found::Active(principal))
}

/// A staff account for a first sign-in: named by the `name` claim (else its address), with a
/// password nobody knows (a reset can give it one).
async fn new_staff_record(
    app: &App,
    identity: &Identity,
    claims: &provider::Claims,
    role: StaffRole,
) -> Result<StaffRecord, AppError> {
    let email = identity.email.clone().ok_or_else(|| AppError::internal("no address to make an account"))?;
    let name = claims
        .name()
        .and_then(|n| n.get(None))
        .and_then(|n| PersonName::parse(n.as_str()).ok())
        .map_or_else(|| PersonName::parse(email.as_str()), Ok)?;
    let password_hash = passwords::hash(secrets::generated_password(app.entropy()), app.entropy()).await?;
    Ok(StaffRecord {
        id: app.new_id(StaffId::from_random),
        email,
        name,
        role,
        password_hash,
        created_at: app.now(),
        disabled_at: None,
        language: None,
        time_zone: None,
    })
}

/// What the verified claims say, in the domain's terms.
fn identity_of(claims: &provider::Claims, role_claim: &str) -> Identity {
    let values: Vec<&str> = match claims.additional_claims().claims.get(role_claim) {
        Some(serde_json::Value::String(one)) => vec![one.as_str()],
        Some(serde_json::Value::Array(many)) => many.iter().filter_map(|v| v.as_str()).collect(),
        _ => Vec::new(),
    };
    Identity {
        email: claims.email().and_then(|e| EmailAddress::parse(e.as_str()).ok()),
        email_verified: claims.email_verified() == Some(true),
        staff_role: domain::sso::staff_role_named(values),
    }
}

/// A failed exchange or check, as a stable code and words for the person.
fn explain(name: &str, failure: &provider::Failure) -> (&'static str, String) {
    use openidconnect::{ClaimsVerificationError as C, SignatureVerificationError as S};
    let start_again = "start again";
    match failure {
        provider::Failure::Exchange(said) => {
            ("sso_code_refused", format!("{name} did not accept the sign-in's code: {said}; {start_again}"))
        }
        provider::Failure::NoIdToken => ("sso_no_id_token", format!("{name} sent no ID token; {start_again}")),
        provider::Failure::Token(e) => {
            let (code, why) = match e {
                C::SignatureVerification(S::NoMatchingKey) => {
                    ("sso_unknown_key", "it is signed with a key that is not among the provider's keys")
                }
                C::SignatureVerification(_) => {
                    ("sso_bad_signature", "its signature does not verify with the provider's keys")
                }
                C::InvalidIssuer(_) => ("sso_wrong_issuer", "it was issued by another provider"),
                C::InvalidAudience(_) => ("sso_wrong_audience", "it was issued for another application"),
                C::InvalidNonce(_) => ("sso_wrong_nonce", "it belongs to another sign-in (its nonce does not match)"),
                C::Expired(_) => ("sso_token_time", "its times are outside what our clock allows"),
                _ => ("sso_invalid_token", "it is not a valid ID token"),
            };
            (code, format!("the ID token from {name} was refused: {why}; {start_again}"))
        }
    }
}

/// Takes the sign-in whose state is `state` (it is gone for everyone after this).
async fn take_login(app: &App, state: &str) -> Result<Option<LoginRecord>, AppError> {
    if state.is_empty() {
        return Ok(None);
    }
    let mut tx = app.store().write().await?;
    let login = store::sso::take_login(&mut tx, &secrets::hash_secret(state)).await?;
    tx.commit().await?;
    Ok(login)
}

fn configured(app: &App) -> Result<(&SsoSettings, &Provider), AppError> {
    match (&app.settings().sso, app.sso()) {
        (Some(settings), Some(provider)) => Ok((settings, provider)),
        _ => Err(AppError::NotFound("single sign-on")),
    }
}

fn refused(refusal: Refusal, name: &str) -> AppError {
    AppError::Refused { code: refusal.code(), message: refusal_text(refusal, name) }
}

/// The words of a refused sign-in, in the reader's language.
fn refusal_text(refusal: Refusal, name: &str) -> Text {
    let said = |k| Text::new(k).arg("provider", name);
    match refusal {
        Refusal::NotOffered => said(i18n::key("error-sso-not-offered")),
        Refusal::NoEmail => said(i18n::key("error-sso-no-email")),
        Refusal::EmailNotVerified => said(i18n::key("error-sso-email-not-verified")),
        Refusal::AccessRemoved => said(i18n::key("error-sso-access-removed")),
        Refusal::LinkedElsewhere => said(i18n::key("error-sso-linked-elsewhere")),
        Refusal::NoStaffAccount => said(i18n::key("error-sso-no-staff-account")),
        Refusal::NoPartnerUser => said(i18n::key("error-sso-no-partner-user")),
    }
}

/// Two hashes compared in constant time.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Refuses a sign-in by `way` where single sign-on is the way in: a staff password when the
/// operator turned them off, a partner user whose org requires it (checked once the password
/// or passkey proved right, so the answer tells a guesser nothing).
pub(crate) async fn check_allowed_without_provider(
    app: &App,
    realm: Realm,
    way: OtherWay,
    org: Option<&OrgId>,
) -> Result<(), AppError> {
    let Some(sso) = &app.settings().sso else { return Ok(()) };
    let org_requires = match org {
        Some(org) if sso.policy.partners => {
            let mut conn = app.store().read().await?;
            store::sso::org_requires(&mut conn, org).await?
        }
        _ => false,
    };
    if domain::sso::allowed_without_provider(Some(&sso.policy), realm, way, org_requires) {
        return Ok(());
    }
    let message = match realm {
        Realm::Staff => i18n::key("error-sso-staff-only"),
        Realm::Partner => i18n::key("error-sso-org-requires"),
    };
    let message = Text::new(message).arg("provider", &sso.name);
    Err(AppError::Refused { code: "sso_required", message })
}
