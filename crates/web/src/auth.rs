//! Who is calling: the session cookie for pages, a Bearer token for the API, and the client's
//! address for the audit log. Each extractor refuses on the server, whatever the page showed.

use crate::client::ClientIp;
use crate::cookies;
use crate::error::ApiError;
use crate::state::AppState;
use app::sessions::Current;
use app::{Actor, AppError, Origin, PartnerUser, StaffMember};
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, USER_AGENT};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use domain::session::Stage;

/// The client's IP address, as `client::resolve` worked it out (the TCP peer unless it is a
/// trusted proxy).
pub fn client_address(parts: &Parts) -> Option<String> {
    parts.extensions.get::<ClientIp>().map(|ClientIp(ip)| ip.to_string())
}

/// The secret of `Authorization: Bearer <secret>`, with the spaces around it dropped: the one
/// reading of the header, for authentication and the rate limit alike.
pub fn bearer_secret(headers: &HeaderMap) -> Option<&str> {
    headers.get(AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

/// The rate limit's authentication of the request's token, kept for the handler: `None` when
/// the token is not valid.
#[derive(Clone)]
pub struct Authenticated(pub Option<Actor>);

/// Where an API call that needs no token came from.
pub struct ApiOrigin(pub Origin);

impl<S: Send + Sync> FromRequestParts<S> for ApiOrigin {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ApiOrigin(Origin { address: client_address(parts), channel: "api", user_agent: None }))
    }
}

/// Where a page request came from.
pub struct WebOrigin(pub Origin);

impl<S: Send + Sync> FromRequestParts<S> for WebOrigin {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let user_agent = parts.headers.get(USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_owned);
        Ok(WebOrigin(Origin { address: client_address(parts), channel: "web", user_agent }))
    }
}

/// The live session behind the request's cookie, at whatever stage, with its token.
async fn current_session(parts: &Parts, state: &AppState) -> Result<Option<(Current, String)>, AppError> {
    let Some(token) = cookies::get(&parts.headers, cookies::SESSION) else { return Ok(None) };
    Ok(app::sessions::current(&state.app, &token).await?.map(|c| (c, token)))
}

/// Where a session that is not fully signed in must go first.
fn unfinished(current: &Current) -> Option<Redirect> {
    let staff = matches!(current.actor, Actor::Staff(_));
    match (current.session.stage, staff) {
        (Stage::Full, _) => None,
        (Stage::SecondFactor, false) => Some(Redirect::to("/signin/verify")),
        (Stage::SecondFactor, true) => Some(Redirect::to("/staff/signin/verify")),
        (Stage::Enrol, false) => Some(Redirect::to("/account/security/totp")),
        (Stage::Enrol, true) => Some(Redirect::to("/staff/account/security/totp")),
    }
}

/// A partner user signed in to the portal; anyone else is sent to sign in, and someone who
/// owes a second factor (or must set one up) is sent to do that first.
pub struct PartnerSession {
    pub user: PartnerUser,
    /// The language their pages are in.
    pub lang: i18n::Lang,
    pub token: String,
    pub current: Current,
}

impl FromRequestParts<AppState> for PartnerSession {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match current_session(parts, state).await {
            Ok(Some((current, token))) => {
                if let Some(to) = unfinished(&current) {
                    return Err(to.into_response());
                }
                match &current.actor {
                    Actor::Partner(user) => {
                        let lang = crate::language::for_actor(state, &parts.headers, &current.actor);
                        Ok(PartnerSession { user: user.clone(), lang, token, current })
                    }
                    Actor::Staff(_) => Err(Redirect::to("/staff").into_response()),
                }
            }
            Ok(None) => Err(Redirect::to("/signin").into_response()),
            Err(e) => Err(crate::error::PageError(e).into_response()),
        }
    }
}

/// A staff member signed in to the console.
pub struct StaffSession {
    pub staff: StaffMember,
    /// The language their pages are in.
    pub lang: i18n::Lang,
    pub token: String,
    pub current: Current,
}

impl FromRequestParts<AppState> for StaffSession {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match current_session(parts, state).await {
            Ok(Some((current, token))) => {
                if let Some(to) = unfinished(&current) {
                    return Err(to.into_response());
                }
                match &current.actor {
                    Actor::Staff(staff) => {
                        let lang = crate::language::for_actor(state, &parts.headers, &current.actor);
                        Ok(StaffSession { staff: staff.clone(), lang, token, current })
                    }
                    Actor::Partner(_) => Err(Redirect::to("/staff/signin").into_response()),
                }
            }
            Ok(None) => Err(Redirect::to("/staff/signin").into_response()),
            Err(e) => Err(crate::error::PageError(e).into_response()),
        }
    }
}

/// A session at any stage: for the pages where a second factor is given or set up.
pub struct AnySession {
    pub current: Current,
    /// The language their pages are in.
    pub lang: i18n::Lang,
    pub token: String,
}

impl FromRequestParts<AppState> for AnySession {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let to_sign_in = if parts.uri.path().starts_with("/staff") { "/staff/signin" } else { "/signin" };
        match current_session(parts, state).await {
            Ok(Some((current, token))) => {
                let lang = crate::language::for_actor(state, &parts.headers, &current.actor);
                Ok(AnySession { current, lang, token })
            }
            Ok(None) => Err(Redirect::to(to_sign_in).into_response()),
            Err(e) => Err(crate::error::PageError(e).into_response()),
        }
    }
}

/// The caller of an API route, by `Authorization: Bearer phk_…`.
pub struct ApiCaller {
    pub actor: Actor,
    pub origin: Origin,
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let actor = match parts.extensions.get::<Authenticated>() {
            Some(Authenticated(known)) => known.clone().ok_or(ApiError(AppError::Unauthenticated))?,
            None => {
                let secret = bearer_secret(&parts.headers).ok_or(ApiError(AppError::Unauthenticated))?;
                app::tokens::authenticate(&state.app, secret).await?
            }
        };
        Ok(ApiCaller { actor, origin: Origin { address: client_address(parts), channel: "api", user_agent: None } })
    }
}

impl ApiCaller {
    /// The partner user behind the token; staff tokens are refused on partner routes.
    pub fn partner(&self) -> Result<&PartnerUser, ApiError> {
        self.actor
            .partner()
            .ok_or_else(|| ApiError(AppError::Forbidden(app::text::Text::new(i18n::key("error-route-for-partners")))))
    }

    /// The staff member behind the token; partner tokens are refused on staff routes.
    pub fn staff(&self) -> Result<&StaffMember, ApiError> {
        self.actor
            .staff()
            .ok_or_else(|| ApiError(AppError::Forbidden(app::text::Text::new(i18n::key("error-route-for-staff")))))
    }
}
