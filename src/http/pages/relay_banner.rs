//! The banner every mail-related page shows while the outbox cannot deliver: the failing
//! stage, the relay's last answer, the next try and the fix.

use super::words;
use crate::domain::RelayHealth;
use crate::http::Layout;

pub struct RelayBanner {
    pub stage: Option<String>,
    pub last_error: Option<String>,
    pub next_retry: Option<String>,
    pub hint: Option<String>,
    /// The reader can open the Mail page (an instance administrator).
    pub admin: bool,
}

/// The banner, when the relay is failing and mail waits in the outbox.
pub fn banner(health: RelayHealth, pending: bool, layout: &Layout) -> Option<RelayBanner> {
    (health.is_failing() && pending).then(|| RelayBanner {
        stage: health.stage,
        last_error: health.last_error,
        next_retry: health.next_retry_at.map(words::time),
        hint: health.hint,
        admin: layout.user.as_ref().is_some_and(|u| u.instance_admin),
    })
}
