//! The data sections: `[backup]` (scheduled backups and their key), `[retention]` (how long each
//! kind of record is kept) and `[privacy]` (who answers for the data, on the privacy page).

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BackupConfig {
    /// Where scheduled backups go: ideally another disk or a mounted remote folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dir: Option<PathBuf>,
    /// Hours between scheduled backups; 0 turns them off.
    pub interval_hours: u64,
    /// How many scheduled backups to keep (the oldest are deleted).
    pub keep: u32,
    /// A file holding 32 random bytes as 64 hex digits: backups are then encrypted
    /// (ChaCha20-Poly1305). Keep a copy of the key apart from the backups.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_file: Option<PathBuf>,
}

impl Default for BackupConfig {
    fn default() -> Self {
        Self {
            dir: None,
            interval_hours: 24,
            keep: 7,
            key_file: None,
        }
    }
}

/// Reads a backup key file: 64 hex digits (whitespace around them is ignored).
pub fn read_key(path: &std::path::Path) -> Result<[u8; 32], String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let bytes = hex::decode(text.trim())
        .map_err(|_| format!("{}: expected 64 hex digits", path.display()))?;
    <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| format!("{}: expected 64 hex digits (32 bytes)", path.display()))
}

/// Days each kind of record is kept; 0 keeps it for ever. Request logs: `logs.retention_days`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionConfig {
    pub audit_days: u64,
    pub feedback_days: u64,
    /// Contacts added this long ago and never asked for feedback.
    pub unasked_contacts_days: u64,
    /// Delivered, failed or cancelled mail (its body is dropped once delivered already).
    pub outbox_days: u64,
    /// Reviews and comments gone from their provider (counted from when a sync found them
    /// missing).
    pub removed_items_days: u64,
    /// A deleted workspace can be brought back by the operator for this long
    /// (`plaudit admin undelete-workspace`); then it is purged. 0 purges at once.
    pub deleted_workspaces_days: u64,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            audit_days: 730,
            feedback_days: 730,
            unasked_contacts_days: 365,
            outbox_days: 90,
            removed_items_days: 365,
            deleted_workspaces_days: 30,
        }
    }
}

/// Who operates this instance, named on the public privacy page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrivacyConfig {
    /// The organisation responsible for the data (the agency).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator_name: Option<String>,
    /// Where people send privacy requests: an email address or a web address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator_contact: Option<String>,
}
