//! What every handler gets: the app and the node's own HTTP settings and rate-limit buckets.

use crate::rate_limit::buckets::Limits;
use app::App;
use std::sync::Arc;

/// What every handler gets.
#[derive(Clone)]
pub struct AppState {
    pub app: Arc<App>,
    /// Mark cookies Secure and send HSTS (when the public URL is https).
    pub secure_cookies: bool,
    /// The rate limits' buckets (API calls, sign-ups, other forms without sign-in).
    pub limits: Arc<Limits>,
}
