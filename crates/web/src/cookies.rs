//! Reading and writing our cookies. Every cookie is HttpOnly and SameSite=Lax, and Secure when
//! partnerhub is served over https.

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};

pub const SESSION: &str = "ph_session";
pub const CSRF: &str = "ph_csrf";
/// Binds a single sign-on started in this browser to it, for the provider's round trip.
pub const SSO: &str = "ph_sso";

/// The value of cookie `name` in the request, if any.
pub fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
        .filter(|v| !v.is_empty())
}

/// Appends a Set-Cookie for `name`; `max_age` in seconds, 0 deletes it.
pub fn set(headers: &mut HeaderMap, name: &str, value: &str, max_age: i64, secure: bool) {
    let secure = if secure { "; Secure" } else { "" };
    let cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        headers.append(SET_COOKIE, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_cookie_among_others() {
        let mut h = HeaderMap::new();
        h.insert(COOKIE, HeaderValue::from_static("a=1; ph_session=abc; b=2"));
        assert_eq!(get(&h, SESSION).as_deref(), Some("abc"));
        assert_eq!(get(&h, CSRF), None);
    }
}
