//! Signing up a partner org, signing in and out, sessions and passwords.

use crate::actor::{Actor, Origin};
use crate::audit::{self, Change, Who};
use crate::error::AppError;
use crate::sessions::{self, Opening};
use crate::state::App;
use crate::{passwords, second_factor, secrets, throttle};
use domain::account::{CompanyName, EmailAddress, InvalidInput, NewPassword, PersonName};
use domain::catalog::NETWORK_LEVEL;
use domain::ids::{MembershipId, OrgId, PartnerId, UserId};
use domain::roles::PartnerRole;
use domain::session::Stage;
use domain::throttle as throttle_rules;
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
    /// The language the sign-up page was read in, if known: the confirmation e-mail is written
    /// in it (it is not saved as their choice).
    pub page_language: Option<String>,
}

pub use domain::roles::Realm;

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
            language: None,
            time_zone: None,
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
        let account = crate::email_links::Account {
            language: form.page_language.clone(),
            ..crate::email_links::Account::from(&user)
        };
        crate::email_links::verification::send_link(app, &mut tx, &account).await?;
        let who = Who {
            kind: domain::roles::ActorKind::User,
            id: Some(user.id.to_string()),
            name: format!("{} <{}>", user.name, user.email),
        };
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
    Err(AppError::internal("could not draw a free partner ID"))
}

pub(crate) fn email_taken(e: StoreError) -> AppError {
    match e {
        StoreError::Conflict(_) => AppError::Conflict {
            code: "email_taken",
            message: crate::text::Text::new(i18n::key("error-email-has-account")),
        },
        other => other.into(),
    }
}

/// A sign-in that got past the password: the session's token for the cookie, and the step it
/// is at (in, or a second factor owed or to set up first).
#[derive(Debug)]
pub struct SignedIn {
    pub token: String,
    pub stage: Stage,
}

/// Checks the password and opens a session at the stage the account's second factors and the
/// policy call for. Guesses are throttled (`domain::throttle::PASSWORD`): the attempt is
/// written before the password is checked.
pub async fn sign_in(
    app: &App,
    realm: Realm,
    email: &str,
    password: &str,
    origin: &Origin,
) -> Result<SignedIn, AppError> {
    if realm == Realm::Staff {
        // The same answer for every address: staff passwords may be turned off altogether.
        crate::sso::check_allowed_without_provider(app, realm, crate::sso::OtherWay::Password, None).await?;
    }
    let typed = email.trim().to_lowercase();
    let guess = throttle::claim(app, &throttle_rules::PASSWORD, &typed, origin).await?;

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
    let actor = match &principal {
        Some(p) => actor_for(app, p).await?,
        None => None,
    };
    let actor = match (actor, ok) {
        (Some(actor), true) => actor,
        (actor, _) => {
            let wrong = guess.wrong(app).await?;
            if let Some(actor) = actor {
                second_factor::failed_guess(app, &actor, i18n::key("email-guess-password"), wrong, origin).await?;
            }
            tracing::info!(realm = ?realm, "sign-in refused");
            return Err(AppError::BadCredentials);
        }
    };
    // The password was right; the user's org may want its users to sign in through the
    // provider instead.
    let org = actor.partner().map(|u| u.org_id.clone());
    let way = crate::sso::OtherWay::Password;
    if let Err(refusal) = crate::sso::check_allowed_without_provider(app, realm, way, org.as_ref()).await {
        let mut tx = app.store().write().await?;
        guess.right(&mut tx).await?;
        let detail = format!("password sign-in refused: {refusal}");
        sessions::record(app, &mut tx, &actor, origin, "session.refused", detail).await?;
        tx.commit().await?;
        return Err(refusal);
    }
    let now = app.now();
    let stage = second_factor::stage_after_password(app, &actor).await?;
    let mut tx = app.store().write().await?;
    guess.right(&mut tx).await?;
    sessions::delete_ended(app, &mut tx, now).await?;
    let opening = Opening { stage, method: "password", with_second_factor: false, origin };
    let token = sessions::open(app, &mut tx, &actor.principal(), opening).await?;
    let detail = match stage {
        Stage::Full => "signed in",
        Stage::SecondFactor => "gave the right password; a second factor is asked",
        Stage::Enrol => "gave the right password; a second factor must be set up",
    };
    sessions::record(app, &mut tx, &actor, origin, "session.signed_in", detail.into()).await?;
    tx.commit().await?;
    Ok(SignedIn { token, stage })
}

/// Opens a session for a user who just signed up; when the policy asks a Global admin for a
/// second factor, setting one up comes first.
pub async fn start_session(app: &App, user: &UserId, origin: &Origin) -> Result<String, AppError> {
    let stage = if app.settings().mfa_partner.requires(PartnerRole::GlobalAdmin) { Stage::Enrol } else { Stage::Full };
    let mut tx = app.store().write().await?;
    let opening = Opening { stage, method: "sign-up", with_second_factor: false, origin };
    let token = sessions::open(app, &mut tx, &Principal::User(user.clone()), opening).await?;
    tx.commit().await?;
    Ok(token)
}

/// The person behind a session token, if the session is live and fully signed in.
pub async fn session_actor(app: &App, token: &str) -> Result<Option<Actor>, AppError> {
    Ok(sessions::current(app, token).await?.filter(|c| c.session.stage == Stage::Full).map(|c| c.actor))
}

/// Loads the current name and role of `principal`; `None` if the account is gone.
pub(crate) async fn actor_for(app: &App, principal: &Principal) -> Result<Option<Actor>, AppError> {
    crate::actor::actor_in(&mut app.store().read().await?, principal).await
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
/// when asked, revokes their API tokens. Returns the asking session's new token.
pub async fn change_password(
    app: &App,
    actor: &Actor,
    session_token: Option<&str>,
    current: &str,
    new: &str,
    tokens: ApiTokens,
    origin: &Origin,
) -> Result<Option<String>, AppError> {
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
    // Every other session ends; the one that asked (none through the API) stays, under a new
    // token.
    let new_token = match session_token {
        Some(token) => {
            store::sessions::delete_others(&mut tx, &principal, &secrets::hash_secret(token)).await?;
            Some(sessions::advance(app, &mut tx, token, Stage::Full, false).await?)
        }
        None => {
            store::sessions::delete_all(&mut tx, &principal).await?;
            None
        }
    };
    let detail = match tokens {
        ApiTokens::Revoke => {
            store::api_tokens::revoke_all(&mut tx, &principal, app.now()).await?;
            "changed their password and revoked their API tokens"
        }
        ApiTokens::Keep => "changed their password",
    };
    let change = Change { org: org.as_ref(), action: "password.changed", subject: &subject, detail: detail.into() };
    audit::record(app, &mut tx, Who::actor(actor), origin, change).await?;
    crate::email_links::reset::notify_password_changed(app, &mut tx, &email, actor.name(), actor.language()).await?;
    tx.commit().await?;
    Ok(new_token)
}

/// Saves the language `actor` reads partnerhub in; `None` goes back to their browser's choice.
/// Only a language partnerhub ships may be saved.
pub async fn set_language(app: &App, actor: &Actor, language: Option<&str>, origin: &Origin) -> Result<(), AppError> {
    let language = match language {
        None => None,
        Some(tag) if app.languages().ships(tag) => {
            app.languages().tags().into_iter().find(|shipped| shipped.eq_ignore_ascii_case(tag))
        }
        Some(tag) => {
            let problem = format!("partnerhub speaks {}, not {tag:?}", app.languages().tags().join(", "));
            return Err(InvalidInput::new("language", problem).into());
        }
    };
    let mut tx = app.store().write().await?;
    let (org, subject) = match actor {
        Actor::Partner(u) => {
            store::users::set_language(&mut tx, &u.id, language.as_deref()).await?;
            (Some(u.org_id.clone()), u.id.to_string())
        }
        Actor::Staff(s) => {
            store::staff::set_language(&mut tx, &s.id, language.as_deref()).await?;
            (None, s.id.to_string())
        }
    };
    let detail = match &language {
        Some(tag) => format!("chose to read partnerhub in {tag}"),
        None => "chose to read partnerhub in their browser's language".to_owned(),
    };
    let change = Change { org: org.as_ref(), action: "language.changed", subject: &subject, detail };
    audit::record(app, &mut tx, Who::actor(actor), origin, change).await?;
    tx.commit().await?;
    Ok(())
}

/// Saves the time zone `actor` reads times in (an IANA name such as "Asia/Tokyo"); `None` goes
/// back to the program's. A name the time-zone database does not know changes nothing.
pub async fn set_time_zone(app: &App, actor: &Actor, zone: Option<&str>, origin: &Origin) -> Result<(), AppError> {
    let zone = match zone {
        None => None,
        Some(name) => Some(name.parse::<chrono_tz::Tz>().map_err(|_| {
            InvalidInput::new("time_zone", format!("{name:?} is not a time zone; choose one from the list"))
                .said("error-time-zone-unknown", &[("zone", &name)])
        })?),
    };
    let mut tx = app.store().write().await?;
    let (org, subject) = match actor {
        Actor::Partner(u) => {
            store::users::set_time_zone(&mut tx, &u.id, zone).await?;
            (Some(u.org_id.clone()), u.id.to_string())
        }
        Actor::Staff(s) => {
            store::staff::set_time_zone(&mut tx, &s.id, zone).await?;
            (None, s.id.to_string())
        }
    };
    let detail = match zone {
        Some(zone) => format!("chose to read times in {}", zone.name()),
        None => "chose to read times in the program's time zone".to_owned(),
    };
    let change = Change { org: org.as_ref(), action: "time_zone.changed", subject: &subject, detail };
    audit::record(app, &mut tx, Who::actor(actor), origin, change).await?;
    tx.commit().await?;
    Ok(())
}

/// Every time zone a person may choose, by its IANA name, in alphabetical order.
pub fn time_zone_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect();
    names.sort_unstable();
    names
}
