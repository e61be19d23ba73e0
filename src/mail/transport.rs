//! Where mail goes: an SMTP relay, or files in the data folder when no relay is configured.

use super::message::Composer;
use super::{file::FileSender, smtp::SmtpSender};
use crate::config::SmtpConfig;
use crate::domain::OutboxMessage;
use lettre::message::Mailbox;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth retrying later: connection trouble, timeouts, 4xx replies.
    #[error("temporary failure: {0}")]
    Transient(String),
    /// Retrying cannot help: a 5xx reply, an address that cannot be built.
    #[error("permanent failure: {0}")]
    Permanent(String),
}

pub enum Transport {
    Smtp(Box<SmtpSender>),
    File(FileSender),
}

impl Transport {
    pub fn from_config(smtp: &SmtpConfig, data_dir: &Path) -> anyhow::Result<Self> {
        let from: Mailbox = smtp
            .from
            .parse()
            .map_err(|e| anyhow::anyhow!("smtp.from: {e}"))?;
        let composer = Composer {
            from,
            dkim: super::dkim::signer(smtp)?,
        };
        Ok(match &smtp.host {
            Some(_) => Self::Smtp(Box::new(SmtpSender::new(smtp.clone(), composer))),
            None => Self::File(FileSender::new(data_dir.join("mail"), composer)),
        })
    }

    pub fn describe(&self) -> String {
        match self {
            Self::Smtp(s) => s.describe(),
            Self::File(f) => f.describe(),
        }
    }

    /// Which stage of the relay fails, without sending anything (none for files).
    pub async fn diagnose(&self) -> Option<super::probe::Report> {
        match self {
            Self::Smtp(s) => Some(s.diagnose().await),
            Self::File(_) => None,
        }
    }

    pub async fn send(&self, msg: &OutboxMessage) -> Result<(), SendError> {
        match self {
            Self::Smtp(s) => s.send(msg).await,
            Self::File(f) => f.send(msg).await,
        }
    }
}
