//! Webhooks: the events a receiver can ask for, and when a failed delivery is tried again.
//!
//! Decisions the product left open:
//! - A delivery is tried again after 1 and 5 minutes, then 30 minutes, 2, 6 and 12 hours, then
//!   daily: 10 attempts over about three and a half days. When the last one fails the delivery
//!   has failed and the endpoint is disabled (sustained failure); its admin re-enables it and
//!   resends what it missed.
//! - Any 2xx answer within 10 seconds is a delivery; anything else (another status, no answer,
//!   a refused connection) is a failure.

use chrono::Duration;

/// Every event type, as receivers name them.
pub const EVENT_TYPES: [&str; 13] = [
    "order.paid",
    "order.failed",
    "subscription.created",
    "subscription.renewed",
    "subscription.renewal_failed",
    "subscription.auto_renew_disabled",
    "subscription.expired",
    "subscription.cancelled",
    "refund.succeeded",
    "benefit.activated",
    "competency.approved",
    "service_request.created",
    "service_request.updated",
];

/// The event types an endpoint asked for, checked and in the canonical order; `*` means all.
pub fn parse_event_types(input: &[String]) -> Result<Vec<&'static str>, String> {
    if input.iter().any(|t| t.trim() == "*") {
        return Ok(EVENT_TYPES.to_vec());
    }
    let mut chosen = Vec::new();
    for wanted in input.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        let known =
            EVENT_TYPES.iter().find(|t| **t == wanted).ok_or_else(|| format!("{wanted:?} is not an event type"))?;
        chosen.push(*known);
    }
    if chosen.is_empty() {
        return Err("choose at least one event type".into());
    }
    chosen.sort_by_key(|t| EVENT_TYPES.iter().position(|k| k == t));
    chosen.dedup();
    Ok(chosen)
}

/// Attempts a delivery gets in all.
pub const MAX_ATTEMPTS: i64 = 10;

/// How long to wait after the `attempts`-th failed attempt; `None` when they are spent.
pub fn retry_after(attempts: i64) -> Option<Duration> {
    let minutes = match attempts {
        ..=0 => 0,
        1 => 1,
        2 => 5,
        3 => 30,
        4 => 2 * 60,
        5 => 6 * 60,
        6 => 12 * 60,
        n if n < MAX_ATTEMPTS => 24 * 60,
        _ => return None,
    };
    Some(Duration::minutes(minutes))
}

/// A URL an endpoint may have: http or https, a host, no credentials, at most 2,000 characters.
pub fn check_url(url: &str) -> Result<String, String> {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("the URL must start with https:// (or http://)")?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.contains('@') || url.len() > 2000 || url.chars().any(|c| c.is_whitespace()) {
        return Err("write the full URL of the receiver, like https://crm.example.com/hooks/partnerhub".into());
    }
    Ok(url.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_span_at_least_three_days_then_stop() {
        let total: i64 = (1..MAX_ATTEMPTS).map(|n| retry_after(n).unwrap().num_minutes()).sum();
        assert!(total >= 3 * 24 * 60, "{total} minutes");
        assert!(total < 5 * 24 * 60);
        assert_eq!(retry_after(1), Some(Duration::minutes(1)));
        assert_eq!(retry_after(MAX_ATTEMPTS), None);
        for n in 1..MAX_ATTEMPTS - 1 {
            assert!(retry_after(n) <= retry_after(n + 1), "the pauses grow");
        }
    }

    #[test]
    fn event_types_are_checked_and_ordered() {
        let asked = |v: &[&str]| parse_event_types(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            asked(&["refund.succeeded", "order.paid", "order.paid"]),
            Ok(vec!["order.paid", "refund.succeeded"])
        );
        assert_eq!(asked(&["*"]).unwrap().len(), 13);
        assert!(asked(&["order.shipped"]).unwrap_err().contains("not an event type"));
        assert!(asked(&[" "]).is_err());
    }

    #[test]
    fn urls_are_full_and_carry_no_credentials() {
        assert_eq!(check_url(" https://crm.example.com/hooks "), Ok("https://crm.example.com/hooks".into()));
        assert!(check_url("http://127.0.0.1:9000/in").is_ok());
        assert!(check_url("ftp://x").is_err());
        assert!(check_url("https://user:pw@crm.example.com/").is_err());
        assert!(check_url("https:///path").is_err());
    }
}
