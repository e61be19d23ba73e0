//! CIDR blocks (`10.0.0.0/8`, `2001:db8::/32`, or a bare address) and client grouping.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    prefix: u8,
}

impl FromStr for Cidr {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` is not an address or a CIDR block such as 10.0.0.0/8");
        let (ip, prefix) = match s.trim().split_once('/') {
            Some((ip, p)) => (
                ip.parse::<IpAddr>().map_err(|_| bad())?,
                Some(p.parse::<u8>().map_err(|_| bad())?),
            ),
            None => (s.trim().parse::<IpAddr>().map_err(|_| bad())?, None),
        };
        let max = if ip.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return Err(bad());
        }
        Ok(Self {
            net: mask(ip, prefix),
            prefix,
        })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.net, self.prefix)
    }
}

fn mask(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            let m = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(prefix))
            };
            IpAddr::V4(Ipv4Addr::from(bits & m))
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let m = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(prefix))
            };
            IpAddr::V6(Ipv6Addr::from(bits & m))
        }
    }
}

/// An IPv4-mapped IPv6 address is the IPv4 client it carries.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        ip.is_ipv4() == self.net.is_ipv4() && mask(ip, self.prefix) == self.net
    }
}

pub fn any_contains(list: &[Cidr], ip: IpAddr) -> bool {
    list.iter().any(|c| c.contains(ip))
}

/// The key limits and bans count by: the address, or its /64 for IPv6 (one household or
/// server usually holds a whole /64, and rotating within it must not escape the limits).
pub fn client_key(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        v6 @ IpAddr::V6(_) => mask(v6, 64),
        v4 => v4,
    }
}

/// Whether `ip` is a public unicast address: what a webhook may reach without
/// `poller.webhooks_to_private_addresses` (IPv4 inside IPv6 is judged as IPv4).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || a == 0
                || a >= 240
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && c == 0)
                || (a == 198 && (18..20).contains(&b)))
        }
        IpAddr::V6(v6) => {
            let seg = v6.segments();
            // An IPv4 address inside (mapped, compatible, NAT64 64:ff9b::/96, 6to4 2002::/16).
            let inner = v6.to_ipv4_mapped().or_else(|| {
                let o = v6.octets();
                let v4 = |i: usize| std::net::Ipv4Addr::new(o[i], o[i + 1], o[i + 2], o[i + 3]);
                match seg {
                    [0, 0, 0, 0, 0, 0, _, _] => Some(v4(12)),
                    [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(v4(12)),
                    [0x2002, ..] => Some(v4(2)),
                    _ => None,
                }
            });
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00
                || (seg[0] & 0xffc0) == 0xfe80
                || inner.is_some_and(|v4| !is_public(IpAddr::V4(v4))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_matches() {
        let c: Cidr = "10.1.0.0/16".parse().unwrap();
        assert!(c.contains("10.1.200.3".parse().unwrap()));
        assert!(!c.contains("10.2.0.1".parse().unwrap()));
        assert!(c.contains("::ffff:10.1.0.9".parse().unwrap()), "v4-mapped");
        let one: Cidr = "192.0.2.7".parse().unwrap();
        assert!(
            one.contains("192.0.2.7".parse().unwrap())
                && !one.contains("192.0.2.8".parse().unwrap())
        );
        assert!("10.0.0.0/33".parse::<Cidr>().is_err() && "nope".parse::<Cidr>().is_err());
        let a = client_key("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = client_key("2001:db8:1:2:bbbb::9".parse().unwrap());
        assert_eq!(a, b, "one /64, one client");
        assert_ne!(a, client_key("2001:db8:1:3::1".parse().unwrap()));
    }
}
