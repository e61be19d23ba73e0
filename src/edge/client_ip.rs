//! The client's address: the TCP peer, unless the peer is a trusted proxy; then the
//! forwarding headers are read right to left, skipping trusted hops.

use super::cidr::{Cidr, any_contains, canonical};
use actix_web::http::header::HeaderMap;
use std::net::IpAddr;

pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[Cidr]) -> IpAddr {
    let peer = canonical(peer);
    if !any_contains(trusted, peer) {
        return peer;
    }
    let hops = match forwarded_for(headers) {
        Some(h) => h,
        None => return peer,
    };
    // Right to left: the nearest hop first; the first untrusted one is the client.
    let mut client = peer;
    for hop in hops.iter().rev() {
        client = *hop;
        if !any_contains(trusted, *hop) {
            break;
        }
    }
    client
}

/// The hop list from `Forwarded` (RFC 7239) or `X-Forwarded-For`; None when absent or when
/// any entry is malformed (then only the peer is believed).
fn forwarded_for(headers: &HeaderMap) -> Option<Vec<IpAddr>> {
    if let Some(v) = headers.get("forwarded") {
        let text = v.to_str().ok()?;
        let mut out = Vec::new();
        for element in text.split(',') {
            let fore = element.split(';').find_map(|pair| {
                pair.trim()
                    .strip_prefix("for=")
                    .or_else(|| pair.trim().strip_prefix("For="))
            })?;
            out.push(parse_node(fore.trim().trim_matches('"'))?);
        }
        return (!out.is_empty()).then_some(out);
    }
    let text = headers.get("x-forwarded-for")?.to_str().ok()?;
    let hops: Option<Vec<IpAddr>> = text.split(',').map(|h| parse_node(h.trim())).collect();
    hops.filter(|h| !h.is_empty())
}

/// `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]:4711`, `2001:db8::1`.
fn parse_node(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok().map(canonical);
    }
    s.rsplit_once(':')
        .and_then(|(ip, _)| ip.parse().ok())
        .map(canonical)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn only_trusted_peers_may_speak_for_clients() {
        let trusted: Vec<Cidr> = vec!["10.0.0.0/8".parse().unwrap()];
        let peer: IpAddr = "203.0.113.9".parse().unwrap();
        let forged = headers(&[("x-forwarded-for", "1.2.3.4")]);
        assert_eq!(
            client_ip(peer, &forged, &trusted),
            peer,
            "untrusted peer: header ignored"
        );
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let via = headers(&[("x-forwarded-for", "1.2.3.4, 198.51.100.7, 10.0.0.5")]);
        assert_eq!(
            client_ip(proxy, &via, &trusted),
            "198.51.100.7".parse::<IpAddr>().unwrap(),
            "rightmost untrusted hop"
        );
        let fwd = headers(&[(
            "forwarded",
            "for=192.0.2.60;proto=http, for=\"[2001:db8::1]:4711\"",
        )]);
        assert_eq!(
            client_ip(proxy, &fwd, &trusted),
            "2001:db8::1".parse::<IpAddr>().unwrap()
        );
        let bad = headers(&[("x-forwarded-for", "1.2.3.4, not-an-ip")]);
        assert_eq!(
            client_ip(proxy, &bad, &trusted),
            proxy,
            "malformed: the peer"
        );
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &trusted), proxy);
    }
}
