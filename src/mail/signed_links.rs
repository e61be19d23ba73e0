//! Signed references in campaign emails: the unsubscribe, feedback and open-tracking links.
//!
//! A token is `base64url(key id | kind | workspace | campaign | contact | HMAC-SHA256[..16])`:
//! opaque (no address inside), checked in constant time, valid as long as its key exists.
//! Rotating the key (`plaudit admin rotate-link-key`) signs new links with a new key while old
//! links keep working under theirs.

use crate::domain::{Campaign, Contact, Id, Workspace};
use crate::store::Store;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

const MAC_LEN: usize = 16;
const BODY_LEN: usize = 2 + 16 * 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    Unsubscribe = 1,
    Feedback = 2,
    Open = 3,
    /// A client report's unsubscribe: `campaign` holds the plan's id, `contact` the recipient's.
    ReportUnsubscribe = 4,
}

/// Whom a valid token is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkRef {
    pub workspace: Id<Workspace>,
    pub campaign: Id<Campaign>,
    pub contact: Id<Contact>,
}

fn mac(key: &[u8; 32], body: &[u8]) -> Hmac<Sha256> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    m.update(b"plaudit link v1");
    m.update(body);
    m
}

impl LinkRef {
    /// A report recipient's reference (plan and recipient ids in the campaign and contact
    /// places: the token's layout is shared).
    pub fn report(
        workspace: Id<Workspace>,
        plan: Id<crate::domain::ReportPlan>,
        recipient: Id<crate::domain::ReportRecipient>,
    ) -> Self {
        Self {
            workspace,
            campaign: Id::from_bytes(*plan.as_bytes()),
            contact: Id::from_bytes(*recipient.as_bytes()),
        }
    }

    pub fn plan(&self) -> Id<crate::domain::ReportPlan> {
        Id::from_bytes(*self.campaign.as_bytes())
    }

    pub fn recipient(&self) -> Id<crate::domain::ReportRecipient> {
        Id::from_bytes(*self.contact.as_bytes())
    }
}

pub fn sign(store: &Store, kind: LinkKind, r: &LinkRef) -> anyhow::Result<String> {
    let (kid, key) = store.meta().current_link_key()?;
    let mut body = Vec::with_capacity(BODY_LEN + MAC_LEN);
    body.push(kid);
    body.push(kind as u8);
    body.extend_from_slice(r.workspace.as_bytes());
    body.extend_from_slice(r.campaign.as_bytes());
    body.extend_from_slice(r.contact.as_bytes());
    let tag = mac(&key, &body).finalize().into_bytes();
    body.extend_from_slice(&tag[..MAC_LEN]);
    Ok(URL_SAFE_NO_PAD.encode(body))
}

/// The reference of a genuine token of `kind`; `None` for anything else, whatever was wrong.
pub fn verify(store: &Store, kind: LinkKind, token: &str) -> anyhow::Result<Option<LinkRef>> {
    if token.len() > 200 {
        return Ok(None);
    }
    let Ok(raw) = URL_SAFE_NO_PAD.decode(token.trim_end_matches('=')) else {
        return Ok(None);
    };
    if raw.len() != BODY_LEN + MAC_LEN || raw[1] != kind as u8 {
        return Ok(None);
    }
    let (body, tag) = raw.split_at(BODY_LEN);
    let Some(key) = store.meta().link_key(body[0])? else {
        return Ok(None);
    };
    // verify_truncated_left compares in constant time.
    if mac(&key, body).verify_truncated_left(tag).is_err() {
        return Ok(None);
    }
    let id = |at: usize| -> [u8; 16] { body[at..at + 16].try_into().unwrap_or([0; 16]) };
    Ok(Some(LinkRef {
        workspace: Id::from_bytes(id(2)),
        campaign: Id::from_bytes(id(18)),
        contact: Id::from_bytes(id(34)),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::OffsetDateTime;

    #[test]
    fn tokens_verify_only_untouched_for_their_kind_and_survive_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let store = Store::open(dir.path(), 8, now).unwrap();
        let r = LinkRef {
            workspace: Id::generate(now),
            campaign: Id::generate(now),
            contact: Id::generate(now),
        };
        let t = sign(&store, LinkKind::Unsubscribe, &r).unwrap();
        assert_eq!(verify(&store, LinkKind::Unsubscribe, &t).unwrap(), Some(r));
        assert_eq!(verify(&store, LinkKind::Feedback, &t).unwrap(), None);
        assert_eq!(
            verify(&store, LinkKind::Unsubscribe, &t[..t.len() - 1]).unwrap(),
            None
        );
        let mut raw = URL_SAFE_NO_PAD.decode(&t).unwrap();
        for i in 0..raw.len() {
            raw[i] ^= 1;
            let forged = URL_SAFE_NO_PAD.encode(&raw);
            assert_eq!(
                verify(&store, LinkKind::Unsubscribe, &forged).unwrap(),
                None,
                "byte {i}"
            );
            raw[i] ^= 1;
        }
        assert_eq!(store.meta().rotate_link_key().unwrap(), 2);
        let t2 = sign(&store, LinkKind::Unsubscribe, &r).unwrap();
        assert_ne!(t, t2);
        assert_eq!(verify(&store, LinkKind::Unsubscribe, &t).unwrap(), Some(r));
        assert_eq!(verify(&store, LinkKind::Unsubscribe, &t2).unwrap(), Some(r));
    }
}
