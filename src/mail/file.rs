//! The file transport: each message becomes `<data>/mail/<id>.eml`, for instances without SMTP.

use super::SendError;
use super::message::Composer;
use crate::domain::OutboxMessage;
use std::path::PathBuf;

pub struct FileSender {
    dir: PathBuf,
    composer: Composer,
}

impl FileSender {
    pub fn new(dir: PathBuf, composer: Composer) -> Self {
        Self { dir, composer }
    }

    pub fn describe(&self) -> String {
        format!("files in {} (no smtp.host configured)", self.dir.display())
    }

    pub async fn send(&self, msg: &OutboxMessage) -> Result<(), SendError> {
        let bytes = self.composer.build(msg)?.formatted();
        let (dir, id) = (self.dir.clone(), msg.id);
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            crate::store::private::folder(&dir).map_err(std::io::Error::other)?;
            // Mail may carry single-use links: 0600 from the first byte.
            crate::store::private::write_file(&dir.join(format!("{id}.eml")), &bytes)
        })
        .await
        .map_err(|e| SendError::Transient(format!("file writer stopped: {e}")))?
        .map_err(|e| SendError::Transient(format!("cannot write the mail file: {e}")))
    }
}
