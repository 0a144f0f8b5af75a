//! The client's address, worked out once per request for the rate limits, sign-in throttling
//! and the audit log alike: the TCP peer, or, when the peer is a proxy the operator trusts
//! (`--trusted-proxies`), the rightmost address of `X-Forwarded-For` that is not one of the
//! trusted proxies. The addresses to its left were written by the client and prove nothing.

use crate::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use domain::net::Cidr;
use std::net::{IpAddr, SocketAddr};

/// The client's address, in the request's extensions.
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub IpAddr);

/// The middleware that puts [`ClientIp`] into every request.
pub async fn resolve(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    if let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>().copied() {
        let ip = client_ip(peer.ip(), request.headers(), &state.app.settings().trusted_proxies);
        request.extensions_mut().insert(ClientIp(ip));
    }
    next.run(request).await
}

/// The client behind `peer`: `peer` itself unless it is trusted; then the hops of
/// `X-Forwarded-For` from the right, skipping trusted proxies.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[Cidr]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|range| range.contains(ip));
    let mut client = peer;
    if is_trusted(peer) {
        // Several X-Forwarded-For headers are one list, in order.
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        for hop in hops.iter().rev() {
            // Something that is not an address ends the chain: the last trusted hop is the
            // best that is known.
            let Some(ip) = parse_hop(hop) else { break };
            client = ip;
            if !is_trusted(ip) {
                break;
            }
        }
    }
    domain::net::canonical(client)
}

/// `192.0.2.1`, `2001:db8::1`, or either with a port (`192.0.2.1:4711`, `[2001:db8::1]:4711`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>().ok().or_else(|| hop.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", v.parse().unwrap());
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_the_headers_say() {
        assert_eq!(client_ip(ip("198.51.100.7"), &forwarded(&["203.0.113.9"]), &[]), ip("198.51.100.7"));
        assert_eq!(client_ip(ip("::ffff:198.51.100.7"), &HeaderMap::new(), &[]), ip("198.51.100.7"));
    }

    #[test]
    fn behind_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client() {
        let trusted = Cidr::parse_list("10.0.0.0/8").unwrap();
        let peer = ip("10.0.0.2");
        // The client wrote the first two; the proxies appended the rest.
        let headers = forwarded(&["1.1.1.1, 6.6.6.6", "203.0.113.9, 10.0.0.5"]);
        assert_eq!(client_ip(peer, &headers, &trusted), ip("203.0.113.9"));
        assert_eq!(client_ip(peer, &forwarded(&["[2001:db8::5]:4711"]), &trusted), ip("2001:db8::5"));
        assert_eq!(client_ip(peer, &forwarded(&["junk, 10.0.0.9"]), &trusted), ip("10.0.0.9"));
        assert_eq!(client_ip(peer, &HeaderMap::new(), &trusted), peer, "no header: the proxy itself");
        // A peer that is not trusted cannot name another client.
        assert_eq!(client_ip(ip("198.51.100.7"), &headers, &trusted), ip("198.51.100.7"));
    }
}
