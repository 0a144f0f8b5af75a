//! Webhooks: the events a receiver can ask for, and when a failed delivery is tried again.
//!
//! Decisions the product left open:
//! - A delivery is tried again after 1 and 5 minutes, then 30 minutes, 2, 6 and 12 hours, then
//!   daily: 10 attempts over about three and a half days. When the last one fails the delivery
//!   has failed and the endpoint is disabled (sustained failure); its admin re-enables it and
//!   resends what it missed.
//! - Any 2xx answer within 10 seconds is a delivery; anything else (another status, no answer,
//!   a refused connection) is a failure.
//! - Webhooks go to public addresses only: loopback, private, shared (CGNAT), link-local,
//!   multicast, broadcast, unspecified, documentation and reserved ranges are refused, in
//!   every spelling and as IPv4-in-IPv6, unless the operator allows a range
//!   (`--webhook-allow-cidr`). An address written in the URL is refused when the endpoint is
//!   registered; every address is checked again at each delivery, after the name is resolved.

use crate::net::{self, Cidr, Host};
use chrono::Duration;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

crate::words::word_enum! {
    /// Whether an endpoint is sent events: an admin turns it off and on, and sustained
    /// failure turns it off.
    pub enum EndpointStatus("endpoint status") {
        Enabled = "enabled",
        Disabled = "disabled",
    }
}

crate::words::word_enum! {
    /// Where one event's delivery to one endpoint stands.
    pub enum DeliveryStatus("delivery status") {
        /// Waiting for its next attempt.
        Pending = "pending",
        Delivered = "delivered",
        /// Every attempt failed.
        Failed = "failed",
    }
}

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

/// Whether the worker may connect to `ip`: a public address, or one in a range the operator
/// allowed.
pub fn may_deliver_to(ip: IpAddr, allowed: &[Cidr]) -> bool {
    allowed.iter().any(|range| range.contains(ip)) || !is_internal(ip)
}

/// Addresses that are not a public receiver: this host, the local networks, the cloud's
/// metadata service (169.254.169.254), multicast, and ranges that route nowhere public.
pub fn is_internal(ip: IpAddr) -> bool {
    match net::canonical(ip) {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => internal_v6(v6),
    }
}

fn internal_v4(ip: Ipv4Addr) -> bool {
    const RANGES: [([u8; 4], u8); 15] = [
        ([0, 0, 0, 0], 8),       // "this network", the unspecified address
        ([10, 0, 0, 0], 8),      // private
        ([100, 64, 0, 0], 10),   // shared address space (CGNAT)
        ([127, 0, 0, 0], 8),     // loopback
        ([169, 254, 0, 0], 16),  // link-local, cloud metadata
        ([172, 16, 0, 0], 12),   // private
        ([192, 0, 0, 0], 24),    // IETF protocol assignments
        ([192, 0, 2, 0], 24),    // documentation (TEST-NET-1)
        ([192, 88, 99, 0], 24),  // 6to4 relays
        ([192, 168, 0, 0], 16),  // private
        ([198, 18, 0, 0], 15),   // benchmarking
        ([198, 51, 100, 0], 24), // documentation (TEST-NET-2)
        ([203, 0, 113, 0], 24),  // documentation (TEST-NET-3)
        ([224, 0, 0, 0], 4),     // multicast
        ([240, 0, 0, 0], 4),     // reserved, and the broadcast address 255.255.255.255
    ];
    RANGES.iter().any(|(start, bits)| v4_range(*start, *bits).contains(IpAddr::V4(ip)))
}

fn v4_range(start: [u8; 4], bits: u8) -> Cidr {
    Cidr::parse(&format!("{}/{bits}", Ipv4Addr::from(start))).unwrap_or_else(|_| unreachable!("a valid range"))
}

fn internal_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let embedded_v4 = |high: u16, low: u16| Ipv4Addr::from((u32::from(high) << 16) | u32::from(low));
    match s {
        // ::/96: the unspecified address, loopback and IPv4-compatible addresses.
        [0, 0, 0, 0, 0, 0, _, _] => true,
        // NAT64 (64:ff9b::/96) reaches the IPv4 address it carries.
        [0x64, 0xff9b, 0, 0, 0, 0, high, low] => internal_v4(embedded_v4(high, low)),
        // Only 2000::/3 is global unicast: the rest is unique local (fc00::/7), link-local
        // (fe80::/10), multicast (ff00::/8), discard-only (100::/64), local NAT64 or reserved.
        [first, ..] if first & 0xe000 != 0x2000 => true,
        // 6to4 (2002::/16) reaches the IPv4 address in its next 32 bits.
        [0x2002, high, low, ..] => internal_v4(embedded_v4(high, low)),
        // IETF protocol assignments, Teredo, benchmarking, ORCHID (2001::/23); documentation
        // (2001:db8::/32, 3fff::/20).
        [0x2001, second, ..] => second < 0x200 || second == 0xdb8,
        [0x3fff, second, ..] => second < 0x1000,
        _ => false,
    }
}

/// Refuses a URL whose host is written as an internal address (in any spelling); a name is
/// checked when it is resolved, at each delivery.
pub fn check_destination(url: &str, allowed: &[Cidr]) -> Result<(), String> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = match authority.rsplit_once(':') {
        // A port after the host (`host:8080`, `[::1]:8080`), not a colon inside `[::1]`.
        Some((host, port)) if !port.contains(']') => host,
        _ => authority,
    };
    match net::parse_host(host)? {
        Host::Address(ip) if !may_deliver_to(ip, allowed) => {
            Err(format!("{host} is an internal address ({}); webhooks go to public addresses only", net::canonical(ip)))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_words_read_back() {
        crate::words::assert_round_trip(EndpointStatus::ALL, |s| s.as_str());
        crate::words::assert_round_trip(DeliveryStatus::ALL, |s| s.as_str());
    }

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
        assert!(check_url("http://127.0.0.1:9000/in").is_ok(), "the address is checked apart");
        assert!(check_url("ftp://x").is_err());
        assert!(check_url("https://user:pw@crm.example.com/").is_err());
        assert!(check_url("https:///path").is_err());
    }

    fn refused(url: &str) -> bool {
        check_destination(url, &[]).is_err()
    }

    #[test]
    fn urls_written_with_an_internal_address_are_refused_in_every_spelling() {
        for host in [
            "127.0.0.1",
            "[::1]",
            "0.0.0.0",
            "2130706433",
            "127.1",
            "0x7f.1",
            "017700000001",
            "169.254.169.254",
            "[::ffff:127.0.0.1]",
            "[::ffff:7f00:1]",
            "[fe80::1]",
            "10.0.0.1",
            "192.168.1.1",
            "172.16.0.1",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "[fd00::1]",
            "[ff02::1]",
            "[::]",
            "[64:ff9b::a00:1]",
            "[2002:7f00:1::]",
            "192.0.2.10",
        ] {
            assert!(refused(&format!("http://{host}/hooks")), "{host}");
            assert!(refused(&format!("https://{host}:8443/hooks?x=1")), "{host} with a port");
        }
        assert!(check_destination("http://127.0.0.1:9/", &[]).unwrap_err().contains("internal address"));
    }

    #[test]
    fn public_addresses_and_names_pass_registration() {
        for url in [
            "https://crm.example.com/hooks",
            "https://93.184.215.14/in",
            "http://[2606:4700::1111]:8080/in",
            "https://localhost/in",
            "https://172.32.0.1/",
            "https://100.128.0.1/",
        ] {
            assert!(!refused(url), "{url}");
        }
        assert!(refused("https://1.2.3.999/"), "a malformed address is not a name");
    }

    #[test]
    fn names_are_judged_by_the_addresses_they_resolve_to() {
        // `localhost` passes registration; what it resolves to is refused at delivery.
        for resolved in ["127.0.0.1", "::1"] {
            assert!(!may_deliver_to(resolved.parse().unwrap(), &[]), "{resolved}");
        }
        assert!(may_deliver_to("93.184.215.14".parse().unwrap(), &[]));
        assert!(may_deliver_to("2606:4700::1111".parse().unwrap(), &[]));
    }

    #[test]
    fn an_allowed_range_lets_its_addresses_through_and_no_others() {
        let allowed = [Cidr::parse("127.0.0.0/8").unwrap()];
        assert!(may_deliver_to("127.0.0.1".parse().unwrap(), &allowed));
        assert!(may_deliver_to("::ffff:127.0.0.1".parse().unwrap(), &allowed));
        assert!(!may_deliver_to("::1".parse().unwrap(), &allowed));
        assert!(!may_deliver_to("169.254.169.254".parse().unwrap(), &allowed));
        assert!(check_destination("http://127.0.0.1:9000/in", &allowed).is_ok());
        assert!(check_destination("http://10.0.0.1/in", &allowed).is_err());
    }
}
