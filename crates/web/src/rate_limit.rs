//! Rate limits of the API, per API token (per client address for calls without one): a token
//! bucket that holds a minute's worth of calls and refills evenly. A call over the limit gets
//! 429 `rate_limited` with `Retry-After`. The buckets live in this node's memory: with several
//! nodes each allows the rate (the limit protects a node, and one client from hogging it).

use crate::AppState;
use crate::error::Problem;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;

/// Buckets not touched for this long are forgotten (a full bucket is the same as none).
const IDLE_SECONDS: i64 = 120;

pub struct ApiLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<String, Bucket>>,
}

struct Bucket {
    tokens: f64,
    at: DateTime<Utc>,
}

impl ApiLimiter {
    pub fn new(per_minute: u32) -> ApiLimiter {
        ApiLimiter { per_minute: per_minute.max(1), buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one call for `key` at `now`; `Err(seconds)` to wait when there is none left.
    pub fn take(&self, key: &str, now: DateTime<Utc>) -> Result<(), u64> {
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 10_000 {
            buckets.retain(|_, b| (now - b.at).num_seconds() < IDLE_SECONDS);
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket { tokens: capacity, at: now });
        let elapsed = (now - bucket.at).num_milliseconds().max(0) as f64 / 1000.0;
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - bucket.tokens) / per_second).ceil().max(1.0) as u64)
        }
    }
}

/// The middleware of the API routes.
pub async fn limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let key = match request.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        // Keyed by the token's hash: the token itself is never kept.
        Some(auth) => format!("token:{}", app::secrets::hash_secret(auth)),
        None => {
            let address = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
            format!("address:{}", address.unwrap_or_default())
        }
    };
    match state.api_limiter.take(&key, state.app.now()) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            let detail = format!("too many requests with this token; try again in {wait} seconds");
            let mut response =
                Problem::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", detail, None).into_response();
            if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_a_minute_of_calls_then_refills_evenly() {
        let limiter = ApiLimiter::new(60);
        let t0 = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        for _ in 0..60 {
            assert_eq!(limiter.take("a", t0), Ok(()));
        }
        assert_eq!(limiter.take("a", t0), Err(1));
        assert_eq!(limiter.take("b", t0), Ok(()), "another token has its own bucket");
        assert_eq!(limiter.take("a", t0 + chrono::Duration::seconds(1)), Ok(()));
        assert!(limiter.take("a", t0 + chrono::Duration::seconds(1)).is_err());
    }
}
