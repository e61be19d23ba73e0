//! Signed tokens for a location's public feedback link (`/r/TOKEN`, printed as a QR code) and
//! for the cookie that lets one browser change its answer for a day instead of adding another.
//!
//! A link token is `base64url(key id | workspace | location | HMAC-SHA256[..12])` under the
//! instance's link keys (`plaudit admin rotate-link-key` keeps old keys, so printed cards keep
//! working). A cookie value adds the answer's id and when it stops counting.

use crate::domain::{Feedback, Id, Location, Workspace};
use crate::store::Store;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use time::OffsetDateTime;

const MAC_LEN: usize = 12;

fn mac(key: &[u8; 32], purpose: &[u8], body: &[u8]) -> Hmac<Sha256> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    m.update(purpose);
    m.update(body);
    m
}

fn seal(store: &Store, purpose: &[u8], parts: &[&[u8]]) -> anyhow::Result<String> {
    let (kid, key) = store.meta().current_link_key()?;
    let mut body = vec![kid];
    for p in parts {
        body.extend_from_slice(p);
    }
    let tag = mac(&key, purpose, &body).finalize().into_bytes();
    body.extend_from_slice(&tag[..MAC_LEN]);
    Ok(URL_SAFE_NO_PAD.encode(body))
}

/// The body (after the key id) of a genuine token of `len` body bytes.
fn open(store: &Store, purpose: &[u8], token: &str, len: usize) -> anyhow::Result<Option<Vec<u8>>> {
    if token.len() > 200 {
        return Ok(None);
    }
    let Ok(raw) = URL_SAFE_NO_PAD.decode(token) else {
        return Ok(None);
    };
    if raw.len() != 1 + len + MAC_LEN {
        return Ok(None);
    }
    let (body, tag) = raw.split_at(1 + len);
    let Some(key) = store.meta().link_key(body[0])? else {
        return Ok(None);
    };
    if mac(&key, purpose, body).verify_truncated_left(tag).is_err() {
        return Ok(None);
    }
    Ok(Some(body[1..].to_vec()))
}

fn id16(b: &[u8], at: usize) -> [u8; 16] {
    b.get(at..at + 16)
        .and_then(|s| s.try_into().ok())
        .unwrap_or([0; 16])
}

const LINK: &[u8] = b"plaudit location link v1";
const COOKIE: &[u8] = b"plaudit link answer v1";

pub fn sign(store: &Store, ws: &Id<Workspace>, loc: &Id<Location>) -> anyhow::Result<String> {
    seal(store, LINK, &[ws.as_bytes(), loc.as_bytes()])
}

/// The workspace and location of a genuine link token; `None` whatever was wrong.
pub fn verify(store: &Store, token: &str) -> anyhow::Result<Option<(Id<Workspace>, Id<Location>)>> {
    Ok(open(store, LINK, token, 32)?
        .map(|b| (Id::from_bytes(id16(&b, 0)), Id::from_bytes(id16(&b, 16)))))
}

/// The cookie value naming a browser's answer at a location until `until`.
pub fn sign_answer(
    store: &Store,
    loc: &Id<Location>,
    answer: &Id<Feedback>,
    until: OffsetDateTime,
) -> anyhow::Result<String> {
    let secs = until.unix_timestamp().to_be_bytes();
    seal(store, COOKIE, &[loc.as_bytes(), answer.as_bytes(), &secs])
}

/// The answer a genuine, unexpired cookie names for `loc`.
pub fn verify_answer(
    store: &Store,
    value: &str,
    loc: &Id<Location>,
    now: OffsetDateTime,
) -> anyhow::Result<Option<Id<Feedback>>> {
    let Some(b) = open(store, COOKIE, value, 40)? else {
        return Ok(None);
    };
    let until = i64::from_be_bytes(b[32..40].try_into().unwrap_or([0; 8]));
    let same_place = Id::<Location>::from_bytes(id16(&b, 0)) == *loc;
    Ok((same_place && now.unix_timestamp() < until).then(|| Id::from_bytes(id16(&b, 16))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_untouched_and_cookies_only_in_time_and_place() {
        let dir = tempfile::tempdir().unwrap();
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let store = Store::open(dir.path(), 8, now).unwrap();
        let (ws, loc, other) = (Id::generate(now), Id::generate(now), Id::generate(now));
        let t = sign(&store, &ws, &loc).unwrap();
        assert_eq!(verify(&store, &t).unwrap(), Some((ws, loc)));
        let mut raw = URL_SAFE_NO_PAD.decode(&t).unwrap();
        for i in 0..raw.len() {
            raw[i] ^= 1;
            assert_eq!(
                verify(&store, &URL_SAFE_NO_PAD.encode(&raw)).unwrap(),
                None,
                "{i}"
            );
            raw[i] ^= 1;
        }
        assert_eq!(verify(&store, "").unwrap(), None);
        assert_eq!(verify(&store, &"A".repeat(300)).unwrap(), None);
        let answer = Id::generate(now);
        let until = now + time::Duration::days(1);
        let c = sign_answer(&store, &loc, &answer, until).unwrap();
        assert_eq!(verify_answer(&store, &c, &loc, now).unwrap(), Some(answer));
        assert_eq!(verify_answer(&store, &c, &other, now).unwrap(), None);
        assert_eq!(verify_answer(&store, &c, &loc, until).unwrap(), None);
        // A link token is not a cookie, nor the other way round.
        assert_eq!(verify_answer(&store, &t, &loc, now).unwrap(), None);
        assert_eq!(verify(&store, &c).unwrap(), None);
    }
}
