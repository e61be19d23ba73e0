//! Password hashing (a core and 19 MiB each) shared fairly: at most `accounts.hash_concurrency`
//! at once overall, and one at a time per client address (IPv6 per /64), so a flood from one
//! address waits behind itself instead of starving everyone's sign-in.

use crate::domain::cidr::client_key;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use tokio::sync::{AcquireError, OwnedSemaphorePermit, Semaphore};

pub struct HashQueue {
    global: Arc<Semaphore>,
    per_client: Mutex<HashMap<IpAddr, Arc<Semaphore>>>,
}

/// Held while hashing; both places in line are given back when it drops.
pub struct HashPermit {
    _global: OwnedSemaphorePermit,
    _own: OwnedSemaphorePermit,
}

/// Client lines kept before idle ones are dropped.
const IDLE_LINES: usize = 1024;

impl HashQueue {
    pub fn new(concurrency: usize) -> Self {
        Self {
            global: Arc::new(Semaphore::new(concurrency.max(1))),
            per_client: Mutex::new(HashMap::new()),
        }
    }

    /// Waits for this client's turn, then for a free hasher.
    pub async fn enter(&self, client: IpAddr) -> Result<HashPermit, AcquireError> {
        let line = {
            let mut lines = self.per_client.lock().unwrap_or_else(|p| p.into_inner());
            if lines.len() > IDLE_LINES {
                // A line nobody holds or waits in is only ours: drop it.
                lines.retain(|_, s| Arc::strong_count(s) > 1);
            }
            lines
                .entry(client_key(client))
                .or_insert_with(|| Arc::new(Semaphore::new(1)))
                .clone()
        };
        let own = line.acquire_owned().await?;
        let global = self.global.clone().acquire_owned().await?;
        Ok(HashPermit {
            _global: global,
            _own: own,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_flood_from_one_address_leaves_a_hasher_for_another() {
        let q = Arc::new(HashQueue::new(2));
        let flood: IpAddr = "203.0.113.7".parse().unwrap();
        // The flood holds its one place and queues the rest behind itself.
        let first = q.enter(flood).await.unwrap();
        let waiting: Vec<_> = (0..10)
            .map(|_| {
                let q = q.clone();
                tokio::spawn(async move { q.enter(flood).await.map(drop) })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(20)).await;
        // Someone else gets the second hasher at once.
        let other: IpAddr = "198.51.100.9".parse().unwrap();
        let got = tokio::time::timeout(Duration::from_secs(1), q.enter(other)).await;
        assert!(got.is_ok(), "another address is not starved");
        drop(got);
        drop(first);
        for w in waiting {
            w.await.unwrap().unwrap();
        }
    }
}
