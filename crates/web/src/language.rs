//! The reader's language on each request: their saved choice when signed in, else the language
//! they picked on a signed-out page (a cookie), else their browser's `Accept-Language`, else the
//! program's default.

use crate::cookies;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use i18n::Lang;
use std::convert::Infallible;

/// The cookie that keeps a signed-out reader's pick.
pub const COOKIE: &str = "ph_lang";

/// What the request asks for, most preferred first: `saved` (a signed-in user's choice), the
/// cookie, then the `Accept-Language` ranges.
pub fn wishes(headers: &HeaderMap, saved: Option<&str>) -> Vec<String> {
    let mut wishes: Vec<String> = saved.map(str::to_owned).into_iter().collect();
    wishes.extend(cookies::get(headers, COOKIE));
    if let Some(accept) = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()) {
        wishes.extend(i18n::parse_accept_language(accept));
    }
    wishes
}

/// The reader's language for a request.
pub fn for_request(state: &AppState, headers: &HeaderMap, saved: Option<&str>) -> Lang {
    let wishes = wishes(headers, saved);
    state.app.language_for(wishes.iter().map(String::as_str))
}

/// A signed-in reader's language: their saved language and time zone come first.
pub fn for_actor(state: &AppState, headers: &HeaderMap, actor: &app::Actor) -> Lang {
    let lang = for_request(state, headers, actor.language());
    match actor.time_zone() {
        Some(zone) => lang.in_time_zone(zone),
        None => lang,
    }
}

/// The language of a reader who may not be signed in.
pub struct Reader(pub Lang);

impl FromRequestParts<AppState> for Reader {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        Ok(Reader(for_request(state, &parts.headers, None)))
    }
}
