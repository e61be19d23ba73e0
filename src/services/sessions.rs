//! Session tokens: short-lived HS256 JWTs naming a server-side session, so they can be revoked.

use super::auth::Principal;
use super::link_secrets::constant_time_eq;
use super::{Error, Result};
use crate::domain::{Id, Session, User};
use crate::store::Store;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

const AUDIENCE: &str = "plaudit";
const TYPE: &str = "session";

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    aud: String,
    sub: String,
    sid: String,
    typ: String,
    iat: i64,
    exp: i64,
}

/// Signing keys derived from the instance secret. `kid` names the key in each token's header so
/// a later rotation can keep accepting tokens signed with the previous key.
#[derive(Clone)]
pub struct SessionKeys {
    kid: String,
    key: Vec<u8>,
    issuer: String,
    lifetime: Duration,
}

fn derive(secret: &[u8], label: &str) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(label.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

impl SessionKeys {
    pub fn new(instance_secret: &[u8], issuer: &str, lifetime: Duration) -> Self {
        let key = derive(instance_secret, "plaudit session signing v1");
        let kid = hex::encode(&Sha256::digest(&key)[..4]);
        Self {
            kid,
            key,
            issuer: issuer.to_string(),
            lifetime,
        }
    }

    /// Records a new session and returns its signed token and expiry.
    pub fn issue(
        &self,
        store: &Store,
        user: &Id<User>,
        ip: &str,
        now: OffsetDateTime,
    ) -> Result<(String, OffsetDateTime)> {
        let epoch = store
            .users()
            .get(user)?
            .map(|u| u.session_epoch)
            .ok_or_else(|| Error::Unauthorized("no such account".into()))?;
        let session = Session {
            epoch,
            id: Id::generate(now),
            user: *user,
            created_at: now,
            expires_at: now + self.lifetime,
            revoked: false,
            ip: ip.to_string(),
        };
        store.access().put_session(&session)?;
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: AUDIENCE.into(),
            sub: user.to_string(),
            sid: session.id.to_string(),
            typ: TYPE.into(),
            iat: now.unix_timestamp(),
            exp: session.expires_at.unix_timestamp(),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.kid.clone());
        let token = jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(&self.key))
            .map_err(|e| Error::Internal(anyhow::anyhow!("signing a session: {e}")))?;
        Ok((token, session.expires_at))
    }

    /// Checks signature, algorithm, key id, issuer, audience, type and expiry, then that the
    /// session is still live server-side and its user may still sign in.
    pub fn verify(&self, store: &Store, token: &str, now: OffsetDateTime) -> Result<Principal> {
        let refused = || Error::Unauthorized("the session token is invalid or has expired".into());
        let header = jsonwebtoken::decode_header(token).map_err(|_| refused())?;
        if header.alg != Algorithm::HS256 || header.kid.as_deref() != Some(self.kid.as_str()) {
            return Err(refused());
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[AUDIENCE]);
        validation.set_issuer(&[self.issuer.as_str()]);
        validation.set_required_spec_claims(&["exp", "iat", "aud", "iss", "sub"]);
        // Expiry is checked below against the app's clock, not the library's wall clock.
        validation.validate_exp = false;
        let data = jsonwebtoken::decode::<Claims>(
            token,
            &DecodingKey::from_secret(&self.key),
            &validation,
        )
        .map_err(|_| refused())?;
        let claims = data.claims;
        if claims.typ != TYPE
            || claims.exp <= now.unix_timestamp()
            || claims.iat > now.unix_timestamp() + 60
        {
            return Err(refused());
        }
        let sid: Id<Session> = claims.sid.parse().map_err(|_| refused())?;
        let session = store.access().session(&sid)?.ok_or_else(refused)?;
        if session.revoked || session.expires_at <= now || session.user.to_string() != claims.sub {
            return Err(refused());
        }
        let user = store.users().get(&session.user)?.ok_or_else(refused)?;
        if user.disabled {
            return Err(refused());
        }
        if user.session_epoch != session.epoch {
            return Err(refused());
        }
        Ok(Principal::User { user, session: sid })
    }

    /// The CSRF token for a session: bound to it, useless elsewhere.
    pub fn csrf_token(&self, session: &Id<Session>) -> String {
        hex::encode(derive(&self.key, &format!("csrf {session}")))
    }

    pub fn csrf_valid(&self, session: &Id<Session>, presented: &str) -> bool {
        constant_time_eq(self.csrf_token(session).as_bytes(), presented.as_bytes())
    }
}
