//! The client's address: the TCP peer, unless the peer is a trusted proxy; then the one
//! forwarding header the proxies write is read right to left, skipping trusted hops. The other
//! header is never read: proxies append the real client to theirs and pass a client's copy of
//! the other through, so reading it would let anyone claim any address.

use crate::config::ForwardedHeader;
use crate::domain::cidr::{Cidr, any_contains, canonical};
use actix_web::http::header::HeaderMap;
use std::net::IpAddr;

pub fn client_ip(
    peer: IpAddr,
    headers: &HeaderMap,
    trusted: &[Cidr],
    which: ForwardedHeader,
) -> IpAddr {
    let peer = canonical(peer);
    if !any_contains(trusted, peer) {
        return peer;
    }
    let hops = match forwarded_for(headers, which) {
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

/// Every line of header `name`, in order, as one comma-separated list (HAProxy adds its own
/// line rather than appending).
fn joined(headers: &HeaderMap, name: &str) -> Option<String> {
    let parts: Option<Vec<&str>> = headers.get_all(name).map(|v| v.to_str().ok()).collect();
    let parts = parts?;
    (!parts.is_empty()).then(|| parts.join(","))
}

/// The hop list from the configured header; None when absent or when any entry is malformed
/// (then only the peer is believed).
fn forwarded_for(headers: &HeaderMap, which: ForwardedHeader) -> Option<Vec<IpAddr>> {
    if which == ForwardedHeader::Forwarded {
        let text = joined(headers, "forwarded")?;
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
    let text = joined(headers, "x-forwarded-for")?;
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

    const XFF: ForwardedHeader = ForwardedHeader::XForwardedFor;

    #[test]
    fn only_trusted_peers_may_speak_for_clients() {
        let trusted: Vec<Cidr> = vec!["10.0.0.0/8".parse().unwrap()];
        let peer: IpAddr = "203.0.113.9".parse().unwrap();
        let forged = headers(&[("x-forwarded-for", "1.2.3.4")]);
        assert_eq!(
            client_ip(peer, &forged, &trusted, XFF),
            peer,
            "untrusted peer: header ignored"
        );
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let via = headers(&[("x-forwarded-for", "1.2.3.4, 198.51.100.7, 10.0.0.5")]);
        assert_eq!(
            client_ip(proxy, &via, &trusted, XFF),
            "198.51.100.7".parse::<IpAddr>().unwrap(),
            "rightmost untrusted hop"
        );
        let fwd = headers(&[(
            "forwarded",
            "for=192.0.2.60;proto=http, for=\"[2001:db8::1]:4711\"",
        )]);
        assert_eq!(
            client_ip(proxy, &fwd, &trusted, ForwardedHeader::Forwarded),
            "2001:db8::1".parse::<IpAddr>().unwrap()
        );
        let bad = headers(&[("x-forwarded-for", "1.2.3.4, not-an-ip")]);
        assert_eq!(
            client_ip(proxy, &bad, &trusted, XFF),
            proxy,
            "malformed: the peer"
        );
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &trusted, XFF), proxy);
    }

    /// What each popular proxy sends for a client at 203.0.113.9 that forged both headers.
    #[test]
    fn each_proxy_s_header_is_read_and_the_other_ignored() {
        let trusted: Vec<Cidr> = vec!["127.0.0.1/32".parse().unwrap()];
        let proxy: IpAddr = "127.0.0.1".parse().unwrap();
        let real: IpAddr = "203.0.113.9".parse().unwrap();
        // nginx ($proxy_add_x_forwarded_for), Caddy and Traefik append the peer to the
        // client's own X-Forwarded-For and pass a client's Forwarded through.
        let appended = headers(&[
            ("x-forwarded-for", "127.0.0.1, 10.9.9.9, 203.0.113.9"),
            ("forwarded", "for=127.0.0.1"),
        ]);
        assert_eq!(client_ip(proxy, &appended, &trusted, XFF), real);
        // HAProxy (option forwardfor) adds its own header line after the client's.
        let haproxy = headers(&[
            ("x-forwarded-for", "127.0.0.1"),
            ("x-forwarded-for", "203.0.113.9"),
            ("forwarded", "for=127.0.0.1"),
        ]);
        assert_eq!(client_ip(proxy, &haproxy, &trusted, XFF), real);
        // A proxy set up for RFC 7239 (e.g. HAProxy's `option forwarded`) appends to Forwarded;
        // then X-Forwarded-For is the client's and ignored.
        let rfc = headers(&[
            ("forwarded", "for=127.0.0.1, for=203.0.113.9;proto=https"),
            ("x-forwarded-for", "127.0.0.1"),
        ]);
        assert_eq!(
            client_ip(proxy, &rfc, &trusted, ForwardedHeader::Forwarded),
            real
        );
        assert_eq!(
            client_ip(proxy, &rfc, &trusted, XFF),
            proxy,
            "the client's own XFF claims loopback: all trusted, so the peer"
        );
    }
}
