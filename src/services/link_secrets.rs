//! Secrets for single-use links: 256 random bits shown once, stored only as their SHA-256.

use super::{Ctx, Result};
use crate::domain::{LinkPurpose, LinkToken};
use rand::RngCore;
use sha2::{Digest, Sha256};
use time::Duration;

/// A fresh random token (64 hex characters).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares without an early exit, so timing does not reveal how much matched.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Stores a single-use link for `purpose`, valid for `valid`; returns the token to email.
pub fn issue(ctx: &Ctx, purpose: LinkPurpose, valid: Duration) -> Result<String> {
    let token = new_token();
    let record = LinkToken {
        purpose,
        expires_at: ctx.clock.now() + valid,
    };
    ctx.store.access().put_link(&hash(&token), &record)?;
    Ok(token)
}
