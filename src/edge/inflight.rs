//! Requests in progress per client address, capped: a client holding many slow requests open
//! is refused more at once, before its bodies are read or inspected.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

#[derive(Clone)]
pub struct InFlight {
    cap: u32,
    counts: Arc<Mutex<HashMap<IpAddr, u32>>>,
}

/// One request in progress; it stops counting when dropped (answered, or the client left).
pub struct Slot {
    client: IpAddr,
    counts: Arc<Mutex<HashMap<IpAddr, u32>>>,
}

impl InFlight {
    pub fn new(cap: u32) -> Self {
        Self {
            cap: cap.max(1),
            counts: Arc::default(),
        }
    }

    /// A slot for one more request from `client`, unless it has `cap` in progress already.
    pub fn enter(&self, client: IpAddr) -> Option<Slot> {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let n = counts.entry(client).or_insert(0);
        if *n >= self.cap {
            return None;
        }
        *n += 1;
        Some(Slot {
            client,
            counts: self.counts.clone(),
        })
    }

    /// Client addresses with a request in progress (for metrics).
    pub fn clients(&self) -> usize {
        self.counts.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = counts.get_mut(&self.client) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.remove(&self.client);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_gets_at_most_cap_slots_and_gets_them_back() {
        let f = InFlight::new(2);
        let a = IpAddr::from([192, 0, 2, 1]);
        let b = IpAddr::from([192, 0, 2, 2]);
        let s1 = f.enter(a).unwrap();
        let _s2 = f.enter(a).unwrap();
        assert!(f.enter(a).is_none());
        assert!(f.enter(b).is_some(), "another client is not affected");
        drop(s1);
        assert!(f.enter(a).is_some());
        assert_eq!(f.clients(), 1, "b's slot was dropped");
    }
}
