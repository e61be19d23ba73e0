//! Opening many sealed records at once (a page of items, their notes): the keys they need
//! are read together, one read for the page where `unseal_as` each would make one per record
//! — a round trip each on a database server.

use super::sealing::{is_sealed, open_with, reference_for};
use super::{PersonRef, Store, codec, person_keys};
use serde::de::DeserializeOwned;

impl Store {
    /// `unseal_as` for each `(person, record)`, in order: None where the key is gone.
    pub(super) fn unseal_many_as<T: DeserializeOwned>(
        &self,
        records: &[(PersonRef, &[u8])],
    ) -> anyhow::Result<Vec<Option<T>>> {
        let mut sealed = Vec::new();
        for (who, raw) in records {
            if is_sealed(raw) {
                sealed.push(reference_for(raw, who)?);
            }
        }
        let references: Vec<&[u8]> = sealed.iter().map(|(r, _)| *r).collect();
        let mut keys = person_keys::get_many(&self.person_keys, &references)?.into_iter();
        let mut sealed = sealed.into_iter();
        let mut out = Vec::with_capacity(records.len());
        for (_, raw) in records {
            if !is_sealed(raw) {
                out.push(Some(codec::decode(raw)?));
                continue;
            }
            let (Some((reference, rest)), Some(key)) = (sealed.next(), keys.next()) else {
                anyhow::bail!("a sealed record lost its place among many");
            };
            out.push(match key {
                Some(key) => Some(open_with(&key, reference, rest)?),
                None => None,
            });
        }
        Ok(out)
    }
}
