//! Key material opened while a backup made without encryption is imported: people's and link
//! keys written once, as the store keeps them, instead of written wrapped and then rewritten
//! (which left 88 MiB more sled log after restoring a 1,000,000-review store, and took a second
//! pass over every person key).
//!
//! Whether a stream's keys are wrapped shows in its `meta` tree: a wrapped stream has no
//! instance secret. Trees come in name order after the items (`write_to`), so `meta` ends
//! before `person_keys` begins; its few key-material entries are held until it ends. A stream
//! in any other order is imported as stored, and the restore opens its keys afterwards as it
//! always did (`workers::backup::restore`).

use super::{Redo, is_key_material, keywrap};
use crate::store::meta::is_instance_secret;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// `meta` has not ended yet.
    Undecided,
    /// Wrapped keys, opened on their way in.
    Opening,
    /// Keys as stored (an encrypted backup, a compaction), or left to open afterwards.
    AsStored,
}

pub(super) struct Unwrapping {
    key: Option<[u8; 32]>,
    state: State,
    held: Vec<(Vec<u8>, Vec<u8>)>,
    secret_seen: bool,
}

type Entry = (Vec<u8>, Vec<u8>);

impl Unwrapping {
    /// `key`: the wrapping key of the instance the backup came from, when the restore has it.
    pub(super) fn new(key: Option<[u8; 32]>) -> Self {
        Self {
            key,
            state: State::Undecided,
            held: Vec::new(),
            secret_seen: false,
        }
    }

    /// An entry of `tree` on its way in: what to write now (opened when wrapped), or None when
    /// it is held until `meta` ends.
    pub(super) fn entry(
        &mut self,
        tree: &[u8],
        k: Vec<u8>,
        v: Vec<u8>,
    ) -> anyhow::Result<Option<Entry>> {
        if !is_key_material(tree, &k) {
            return Ok(Some((k, v)));
        }
        match (self.state, tree) {
            (State::Undecided, b"meta") => {
                self.secret_seen |= is_instance_secret(&k);
                self.held.push((k, v));
                Ok(None)
            }
            (State::Undecided, _) => {
                // Key material before `meta` ended: not the order this reads; as stored.
                self.state = State::AsStored;
                Ok(Some((k, v)))
            }
            (State::Opening, _) => self.open(k, v).map(Some),
            (State::AsStored, _) => Ok(Some((k, v))),
        }
    }

    /// Tree `tree` ended: the entries held while it was read, to write with it (only `meta`'s).
    pub(super) fn tree_ended(&mut self, tree: &[u8]) -> anyhow::Result<Vec<Entry>> {
        match tree {
            b"meta" => self.meta_ended(),
            _ => Ok(Vec::new()),
        }
    }

    /// The stream ended: decides for a stream without `meta` (nothing is held then).
    pub(super) fn stream_ended(&mut self) -> anyhow::Result<()> {
        self.meta_ended().map(|_| ())
    }

    /// `meta` ended (or the stream did): decides, and returns the entries held to write.
    fn meta_ended(&mut self) -> anyhow::Result<Vec<Entry>> {
        if self.state == State::Undecided {
            self.state = match self.key {
                Some(_) if !self.secret_seen => State::Opening,
                _ => State::AsStored,
            };
        }
        std::mem::take(&mut self.held)
            .into_iter()
            .map(|(k, v)| match self.state {
                State::Opening => self.open(k, v),
                _ => Ok((k, v)),
            })
            .collect()
    }

    /// Whether the keys were opened on their way in (the restore then only adds the instance
    /// secret).
    pub(super) fn opened(&self) -> bool {
        self.state == State::Opening
    }

    /// The changes made during the backup, their key material opened as the entries' was.
    pub(super) fn redo(&self, redo: &Redo) -> anyhow::Result<Redo> {
        let mut out = redo.clone();
        if self.state != State::Opening {
            return Ok(out);
        }
        for (tree, changes) in &mut out.trees {
            for (k, v) in changes.iter_mut() {
                if let Some(value) = v
                    && is_key_material(tree, k)
                {
                    *value = self.open(k.clone(), std::mem::take(value))?.1;
                }
            }
        }
        Ok(out)
    }

    fn open(&self, k: Vec<u8>, v: Vec<u8>) -> anyhow::Result<Entry> {
        let key = self
            .key
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("no wrapping key"))?;
        let opened = keywrap::unwrap(key, &k, &v)?;
        Ok((k, opened))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Keys, import_into, write_to};
    use super::*;
    use crate::store::kv;

    /// A store with items, meta (the instance secret, a link key, the schema) and person keys.
    fn store(dir: &std::path::Path) -> kv::Db {
        let db = kv::Db::at(&dir.join("db"));
        let items = db.open_tree("items").unwrap();
        for i in 0u32..300 {
            items.insert(i.to_be_bytes(), vec![7u8; 100]).unwrap();
        }
        let meta = db.open_tree("meta").unwrap();
        meta.insert("instance_secret", &[1u8; 32]).unwrap();
        meta.insert("link_key:1", &[2u8; 32]).unwrap();
        meta.insert("schema_version", &[6u8]).unwrap();
        let people = db.open_tree("person_keys").unwrap();
        for i in 0u32..50 {
            people.insert(i.to_be_bytes(), vec![i as u8; 32]).unwrap();
        }
        db
    }

    fn tree(db: &kv::Db, name: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
        db.open_tree(name)
            .unwrap()
            .iter()
            .map(|e| e.map(|(k, v)| (k.to_vec(), v.to_vec())).unwrap())
            .collect()
    }

    #[test]
    fn wrapped_keys_are_written_opened_and_everything_else_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let db = store(dir.path());
        let wrap = keywrap::wrapping_key(&[1u8; 32]);
        let mut out = Vec::new();
        write_to(&db, &mut out, Keys::Wrapped(wrap), |_| {}).unwrap();
        let restored = dir.path().join("restored");
        let (_, opened) = import_into(&restored, &mut out.as_slice(), Some(wrap)).unwrap();
        assert!(opened);
        let back = kv::Db::from_sled(crate::store::engine::config(&restored).open().unwrap());
        assert_eq!(tree(&back, "person_keys"), tree(&db, "person_keys"));
        assert_eq!(tree(&back, "items"), tree(&db, "items"));
        let mut meta = tree(&db, "meta");
        meta.retain(|(k, _)| k.as_slice() != b"instance_secret");
        assert_eq!(
            tree(&back, "meta"),
            meta,
            "the instance secret is the caller's to add"
        );
    }

    #[test]
    fn keys_carried_as_stored_stay_so_even_given_a_wrapping_key() {
        let dir = tempfile::tempdir().unwrap();
        let db = store(dir.path());
        let mut out = Vec::new();
        write_to(&db, &mut out, Keys::Included, |_| {}).unwrap();
        let restored = dir.path().join("restored");
        let wrap = keywrap::wrapping_key(&[1u8; 32]);
        let (_, opened) = import_into(&restored, &mut out.as_slice(), Some(wrap)).unwrap();
        assert!(!opened);
        let back = kv::Db::from_sled(crate::store::engine::config(&restored).open().unwrap());
        for name in ["meta", "person_keys", "items"] {
            assert_eq!(tree(&back, name), tree(&db, name), "{name}");
        }
    }

    #[test]
    fn key_material_before_meta_ends_leaves_every_key_as_it_came() {
        let wrap = keywrap::wrapping_key(&[1u8; 32]);
        let mut keys = Unwrapping::new(Some(wrap));
        let sealed = keywrap::wrap(&wrap, b"p1", &[9u8; 32]);
        let first = keys.entry(b"person_keys", b"p1".to_vec(), sealed.clone());
        assert_eq!(first.unwrap(), Some((b"p1".to_vec(), sealed)));
        let link = keywrap::wrap(&wrap, b"link_key:1", &[2u8; 32]);
        let held = keys.entry(b"meta", b"link_key:1".to_vec(), link.clone());
        assert_eq!(held.unwrap(), Some((b"link_key:1".to_vec(), link)));
        assert!(keys.meta_ended().unwrap().is_empty());
        assert!(!keys.opened(), "the restore opens them afterwards");
    }

    #[test]
    fn a_wrapped_stream_without_the_key_is_imported_as_it_came() {
        let mut keys = Unwrapping::new(None);
        let held = keys.entry(b"meta", b"link_key:1".to_vec(), vec![0xB7, 1, 2]);
        assert_eq!(held.unwrap(), None);
        assert_eq!(
            keys.meta_ended().unwrap(),
            vec![(b"link_key:1".to_vec(), vec![0xB7, 1, 2])]
        );
        assert!(!keys.opened());
    }
}
