//! Contacts (`contacts`: (ws, contact) → contact), their address index (`contact_emails`:
//! (ws, keyed hash of the address) → contact id) and the suppression list (`suppressions`:
//! (ws, keyed hash) → why). Addresses are looked up by a keyed hash, never stored as keys.
use crate::store::kv;

use super::page::{self, Order, PageRequest};
use super::{Page, PersonRef, Store, codec, keys, typed};
use crate::domain::{Contact, Email, Id, Suppression, Workspace};
use anyhow::Context;
use hmac::{Hmac, Mac};
use kv::Transactional;
use kv::transaction::ConflictableTransactionError;
use sha2::Sha256;

pub struct Contacts<'a> {
    pub(super) store: &'a Store,
}

/// What moving a contact to another address did.
#[derive(Debug, Clone, PartialEq)]
pub enum Moved {
    Done(Contact),
    /// Another contact of the workspace has the new address.
    Taken,
    /// No contact has the old address (any more).
    Gone,
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    Created,
    Updated,
}

impl Store {
    /// The key of the email lookup hash, derived from the instance secret once.
    pub(super) fn lookup_key(&self) -> anyhow::Result<[u8; 32]> {
        if let Some(k) = self.lookup.get() {
            return Ok(*k);
        }
        let secret = self.meta().instance_secret()?;
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&secret).context("lookup key")?;
        mac.update(b"plaudit email lookup v1");
        let key: [u8; 32] = mac.finalize().into_bytes().into();
        Ok(*self.lookup.get_or_init(|| key))
    }

    /// (workspace, HMAC of the address): the key of an address in `contact_emails` and
    /// `suppressions`.
    pub(super) fn email_key(&self, ws: &Id<Workspace>, email: &Email) -> anyhow::Result<[u8; 48]> {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.lookup_key()?).context("email hash")?;
        mac.update(email.as_str().as_bytes());
        let mut key = [0u8; 48];
        key[..16].copy_from_slice(ws.as_bytes());
        key[16..].copy_from_slice(&mac.finalize().into_bytes());
        Ok(key)
    }

    /// The key that seals everything about the person with this address in `ws`.
    pub(super) fn contact_ref(
        &self,
        ws: &Id<Workspace>,
        email: &Email,
    ) -> anyhow::Result<PersonRef> {
        Ok(PersonRef::contact(&self.email_key(ws, email)?))
    }
}

impl Contacts<'_> {
    /// Creates the contact, or updates the one with the same address (the first contact keeps
    /// its id, creation time and history; the new name, location and consent replace the old
    /// when given).
    pub fn upsert(&self, new: Contact) -> anyhow::Result<(Contact, Upserted)> {
        let s = self.store;
        let email_key = s.email_key(&new.workspace, &new.email)?;
        let who = PersonRef::contact(&email_key);
        let trees = (&s.contacts, &s.contact_emails, &s.person_keys);
        let result = trees.transaction(|(contacts, emails, person_keys)| {
            let existing = match emails.get(email_key)? {
                Some(id) => match keys::id_at::<Contact>(&id, 0) {
                    Some(id) => contacts.get(keys::pair(&new.workspace, &id))?,
                    None => None,
                },
                None => None,
            };
            let existing: Option<Contact> = match existing {
                Some(raw) => Store::unseal_tx(person_keys, &raw)?,
                None => None,
            };
            let (contact, what) = match existing {
                Some(mut old) => {
                    if !new.name.is_empty() {
                        old.name = new.name.clone();
                    }
                    if new.location.is_some() {
                        old.location = new.location;
                    }
                    old.consent = new.consent;
                    (old, Upserted::Updated)
                }
                None => (new.clone(), Upserted::Created),
            };
            let value = Store::seal_tx(person_keys, &who, &contact)?;
            contacts.insert(&keys::pair(&contact.workspace, &contact.id), value)?;
            emails.insert(&email_key[..], &keys::id(&contact.id))?;
            Ok((contact, what))
        });
        result.map_err(super::typed::txn_any)
    }

    /// Moves the contact with address `old` to address `new` (a rectification): sealed again
    /// with the new address's key, the address index moved, in one transaction. Records
    /// sealed with the old address's key are the caller's to seal again or remove.
    pub fn change_address(
        &self,
        ws: &Id<Workspace>,
        old: &Email,
        new: &Email,
    ) -> anyhow::Result<Moved> {
        let s = self.store;
        // Keys are computed before the transaction: no plain store read may happen inside it.
        let (old_key, new_key) = (s.email_key(ws, old)?, s.email_key(ws, new)?);
        let who = PersonRef::contact(&new_key);
        let trees = (&s.contacts, &s.contact_emails, &s.person_keys);
        let result = trees.transaction(|(contacts, emails, person_keys)| {
            if emails.get(new_key)?.is_some() {
                return Ok(Moved::Taken);
            }
            let Some(id) = emails.get(old_key)? else {
                return Ok(Moved::Gone);
            };
            let Some(id) = keys::id_at::<Contact>(&id, 0) else {
                return Ok(Moved::Gone);
            };
            let Some(raw) = contacts.get(keys::pair(ws, &id))? else {
                return Ok(Moved::Gone);
            };
            let Some(mut contact): Option<Contact> = Store::unseal_tx(person_keys, &raw)? else {
                return Ok(Moved::Gone);
            };
            contact.email = new.clone();
            let value = Store::seal_tx(person_keys, &who, &contact)?;
            contacts.insert(&keys::pair(ws, &id), value)?;
            emails.remove(&old_key[..])?;
            emails.insert(&new_key[..], &keys::id(&id))?;
            Ok(Moved::Done(contact))
        });
        result.map_err(super::typed::txn_any)
    }

    pub fn get(&self, ws: &Id<Workspace>, id: &Id<Contact>) -> anyhow::Result<Option<Contact>> {
        self.store
            .unseal_at(&self.store.contacts, &keys::pair(ws, id))
    }

    /// Changes a stored contact in one transaction (a concurrent restriction or move is not
    /// undone); `change` returns false to leave it alone. The contact as written, if it was.
    pub fn update(
        &self,
        ws: &Id<Workspace>,
        id: &Id<Contact>,
        change: impl Fn(&mut Contact) -> bool,
    ) -> anyhow::Result<Option<Contact>> {
        let s = self.store;
        s.lookup_key()?; // cached: no plain store read inside the transaction
        let key = keys::pair(ws, id);
        let result = (&s.contacts, &s.person_keys).transaction(|(contacts, person_keys)| {
            let Some(raw) = contacts.get(key)? else {
                return Ok(None);
            };
            let Some(mut contact): Option<Contact> = Store::unseal_tx(person_keys, &raw)? else {
                return Ok(None);
            };
            if !change(&mut contact) {
                return Ok(None);
            }
            let who = s
                .contact_ref(ws, &contact.email)
                .map_err(ConflictableTransactionError::Abort)?;
            contacts.insert(&key, Store::reseal_tx(person_keys, &raw, who, &contact)?)?;
            Ok(Some(contact))
        });
        result.map_err(super::typed::txn_any)
    }

    pub fn put(&self, c: &Contact) -> anyhow::Result<()> {
        let s = self.store;
        let value = s.seal(&s.contact_ref(&c.workspace, &c.email)?, c)?;
        s.contacts
            .insert(keys::pair(&c.workspace, &c.id), value)
            .context("writing a contact")?;
        Ok(())
    }

    pub fn by_email(&self, ws: &Id<Workspace>, email: &Email) -> anyhow::Result<Option<Contact>> {
        let key = self.store.email_key(ws, email)?;
        self.by_email_key(ws, &key)
    }

    /// The keyed hash of an address in `ws`: what the erasure journal keeps instead of it.
    pub fn email_key(&self, ws: &Id<Workspace>, email: &Email) -> anyhow::Result<[u8; 48]> {
        self.store.email_key(ws, email)
    }

    /// The contact whose address has this keyed hash (see `email_key`).
    pub fn by_email_key(&self, ws: &Id<Workspace>, key: &[u8]) -> anyhow::Result<Option<Contact>> {
        match self.store.contact_emails.get(key)? {
            Some(id) => match keys::id_at::<Contact>(&id, 0) {
                Some(id) => self.get(ws, &id),
                None => Ok(None),
            },
            None => Ok(None),
        }
    }

    /// Newest first.
    pub fn page(&self, ws: &Id<Workspace>, req: &PageRequest) -> anyhow::Result<Page<Contact>> {
        let raw = page::scan(&self.store.contacts, ws.as_bytes(), req, Order::Descending)?;
        let items = self.open_all(&raw.items)?;
        Ok(Page {
            items,
            next: raw.next,
        })
    }

    /// Up to `n` contacts after `after` (oldest first): a campaign walks its audience this way.
    pub fn after(
        &self,
        ws: &Id<Workspace>,
        after: Option<&Id<Contact>>,
        n: usize,
    ) -> anyhow::Result<Vec<Contact>> {
        let req = PageRequest {
            cursor: after.map(|id| hex::encode(id.as_bytes())),
            limit: n,
        };
        let raw = page::scan(&self.store.contacts, ws.as_bytes(), &req, Order::Ascending)?;
        self.open_all(&raw.items)
    }

    /// The contacts of a page of raw entries; erased ones (key destroyed) are left out.
    fn open_all(&self, raw: &[(kv::IVec, kv::IVec)]) -> anyhow::Result<Vec<Contact>> {
        let mut out = Vec::with_capacity(raw.len());
        for (_, v) in raw {
            out.extend(self.store.unseal(v)?);
        }
        Ok(out)
    }

    /// Removes the contact (its suppression, if any, stays).
    pub fn delete(&self, ws: &Id<Workspace>, id: &Id<Contact>) -> anyhow::Result<bool> {
        let Some(c) = self.get(ws, id)? else {
            return Ok(false);
        };
        let s = self.store;
        let email_key = s.email_key(ws, &c.email)?;
        (&s.contacts, &s.contact_emails)
            .transaction(|(contacts, emails)| {
                contacts.remove(&keys::pair(ws, id))?;
                emails.remove(&email_key[..])?;
                Ok::<_, ConflictableTransactionError<()>>(())
            })
            .map_err(typed::txn)?;
        Ok(true)
    }

    /// Never mail `email` from this workspace again. The first reason stays.
    pub fn suppress(
        &self,
        ws: &Id<Workspace>,
        email: &Email,
        why: &Suppression,
    ) -> anyhow::Result<()> {
        let key = self.store.email_key(ws, email)?;
        let value = codec::encode(why)?;
        let _ = self
            .store
            .suppressions
            .compare_and_swap(key, None as Option<&[u8]>, Some(value))
            .context("writing a suppression")?;
        Ok(())
    }

    pub fn suppression(
        &self,
        ws: &Id<Workspace>,
        email: &Email,
    ) -> anyhow::Result<Option<Suppression>> {
        typed::get(&self.store.suppressions, &self.store.email_key(ws, email)?)
    }

    /// Suppresses by keyed hash (replaying an erasure, when the address itself is gone).
    pub fn suppress_key(&self, key: &[u8], why: &Suppression) -> anyhow::Result<()> {
        self.store
            .suppressions
            .insert(key, codec::encode(why)?)
            .context("writing a suppression")?;
        Ok(())
    }

    /// Lifts a suppression someone in the workspace added (not an unsubscribe or a bounce).
    pub fn unsuppress(&self, ws: &Id<Workspace>, email: &Email) -> anyhow::Result<()> {
        self.store
            .suppressions
            .remove(self.store.email_key(ws, email)?)
            .context("removing a suppression")?;
        Ok(())
    }
}
