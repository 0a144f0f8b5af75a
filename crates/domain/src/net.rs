//! Network addresses as settings and URLs write them: ranges (`10.0.0.0/8`, `fc00::/7`) and
//! the host of an `http(s)` URL, read the way browsers and our HTTP client read it, so that
//! `127.1`, `2130706433`, `0x7f.1` and `017700000001` are all seen as 127.0.0.1.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A range of addresses: an address and how many leading bits of it are fixed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    address: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// `10.0.0.0/8`, `fd00::/8`, or a single address (`192.0.2.7`, `::1`).
    pub fn parse(text: &str) -> Result<Cidr, String> {
        let text = text.trim();
        let bad = || format!("{text:?} is not an address or a range like 10.0.0.0/8");
        let (address, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().map_err(|_| bad())?)),
            None => (text, None),
        };
        let address: IpAddr = address.trim_matches(['[', ']']).parse().map_err(|_| bad())?;
        let width = if address.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(width);
        if prefix > width {
            return Err(bad());
        }
        Ok(Cidr { address, prefix })
    }

    /// Several ranges separated by commas or spaces; an empty text is none.
    pub fn parse_list(text: &str) -> Result<Vec<Cidr>, String> {
        text.split([',', ' ']).filter(|p| !p.trim().is_empty()).map(Cidr::parse).collect()
    }

    /// Whether `ip` is in the range; an IPv4 address written as IPv6 (`::ffff:10.0.0.1`) is
    /// the IPv4 address.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.address, canonical(ip)) {
            (IpAddr::V4(range), IpAddr::V4(ip)) => prefix_matches(&range.octets(), &ip.octets(), self.prefix),
            (IpAddr::V6(range), IpAddr::V6(ip)) => prefix_matches(&range.octets(), &ip.octets(), self.prefix),
            _ => false,
        }
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.address, self.prefix)
    }
}

fn prefix_matches(range: &[u8], ip: &[u8], prefix: u8) -> bool {
    let (whole, rest) = (usize::from(prefix / 8), prefix % 8);
    if range[..whole] != ip[..whole] {
        return false;
    }
    rest == 0 || (range[whole] ^ ip[whole]) >> (8 - rest) == 0
}

/// An IPv4 address written as IPv6 (`::ffff:a.b.c.d`) as the IPv4 address it is; any other
/// address as it is.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The host of a URL: an address, or a name to resolve.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Host {
    Address(IpAddr),
    Name(String),
}

/// Reads the host part of an `http(s)` URL (without port) as the WHATWG URL standard does:
/// `[…]` is IPv6; a host whose last label is a number is IPv4 in any of its spellings (one to
/// four parts, each decimal, octal with a leading 0, or hex with 0x), and a malformed one is
/// an error rather than a name.
pub fn parse_host(host: &str) -> Result<Host, String> {
    let host = host.to_ascii_lowercase();
    if let Some(inner) = host.strip_prefix('[') {
        let inner = inner.strip_suffix(']').ok_or("an IPv6 address must be closed with ]")?;
        return inner.parse::<Ipv6Addr>().map(|a| Host::Address(IpAddr::V6(a))).map_err(|_| bad_ip(&host));
    }
    let mut parts: Vec<&str> = host.split('.').collect();
    if parts.len() > 1 && parts.last() == Some(&"") {
        parts.pop();
    }
    let last = parts.last().copied().unwrap_or("");
    let numeric = !last.is_empty()
        && (last.bytes().all(|b| b.is_ascii_digit())
            || last.strip_prefix("0x").is_some_and(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit())));
    if !numeric {
        return Ok(Host::Name(host));
    }
    ipv4_parts(&parts).map(|a| Host::Address(IpAddr::V4(a))).ok_or_else(|| bad_ip(&host))
}

fn bad_ip(host: &str) -> String {
    format!("{host} is not a valid IP address")
}

fn ipv4_parts(parts: &[&str]) -> Option<Ipv4Addr> {
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let numbers: Vec<u64> = parts.iter().map(|p| ipv4_number(p)).collect::<Option<_>>()?;
    let (last, leading) = numbers.split_last()?;
    if leading.iter().any(|n| *n > 255) || *last >= 256u64.pow(5 - numbers.len() as u32) {
        return None;
    }
    let mut value = *last;
    for (i, n) in leading.iter().enumerate() {
        value += n << (8 * (3 - i));
    }
    u32::try_from(value).ok().map(Ipv4Addr::from)
}

fn ipv4_number(part: &str) -> Option<u64> {
    if part.is_empty() {
        return None;
    }
    let (digits, radix) = match part.strip_prefix("0x") {
        Some(hex) => (hex, 16),
        None if part.len() > 1 && part.starts_with('0') => (&part[1..], 8),
        None => (part, 10),
    };
    if digits.is_empty() {
        return Some(0);
    }
    // Longer than any valid part: refuse rather than overflow.
    if digits.len() > 12 {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(text: &str) -> Host {
        Host::Address(text.parse().unwrap())
    }

    #[test]
    fn every_spelling_of_an_ipv4_address_is_that_address() {
        for spelling in
            ["127.0.0.1", "127.1", "2130706433", "0x7f.1", "0x7F000001", "017700000001", "0177.0.0.1", "127.0.0.1."]
        {
            assert_eq!(parse_host(spelling), Ok(v4("127.0.0.1")), "{spelling}");
        }
        assert_eq!(parse_host("0"), Ok(v4("0.0.0.0")));
        assert_eq!(parse_host("169.254.169.254"), Ok(v4("169.254.169.254")));
        assert_eq!(parse_host("10.1"), Ok(v4("10.0.0.1")));
        assert_eq!(parse_host("192.168.257"), Ok(v4("192.168.1.1")));
    }

    #[test]
    fn bracketed_hosts_are_ipv6_and_names_stay_names() {
        assert_eq!(parse_host("[::1]"), Ok(Host::Address("::1".parse().unwrap())));
        assert_eq!(parse_host("[::FFFF:127.0.0.1]"), Ok(Host::Address("::ffff:127.0.0.1".parse().unwrap())));
        assert_eq!(parse_host("LocalHost"), Ok(Host::Name("localhost".into())));
        assert_eq!(parse_host("crm.example.com"), Ok(Host::Name("crm.example.com".into())));
        assert_eq!(parse_host("1.example"), Ok(Host::Name("1.example".into())));
    }

    #[test]
    fn malformed_numeric_hosts_are_errors_not_names() {
        for bad in ["1.2.3.256", "1.2.3.4.5", "4294967296", "08.1", "0x1g.1", "[::1", "[nope]", "1..2"] {
            assert!(parse_host(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ranges_contain_their_addresses_and_mapped_forms() {
        let private = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(private.contains("10.200.3.4".parse().unwrap()));
        assert!(private.contains("::ffff:10.0.0.1".parse().unwrap()));
        assert!(!private.contains("11.0.0.1".parse().unwrap()));
        let cgnat = Cidr::parse("100.64.0.0/10").unwrap();
        assert!(cgnat.contains("100.127.255.255".parse().unwrap()));
        assert!(!cgnat.contains("100.128.0.0".parse().unwrap()));
        let one = Cidr::parse("192.0.2.7").unwrap();
        assert!(one.contains("192.0.2.7".parse().unwrap()) && !one.contains("192.0.2.8".parse().unwrap()));
        let ula = Cidr::parse("fc00::/7").unwrap();
        assert!(ula.contains("fd12::1".parse().unwrap()) && !ula.contains("fe80::1".parse().unwrap()));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains("8.8.8.8".parse().unwrap()));
        assert_eq!(Cidr::parse_list("127.0.0.0/8, ::1").unwrap().len(), 2);
        assert!(Cidr::parse("10.0.0.0/33").is_err());
        assert!(Cidr::parse("localhost").is_err());
    }
}
