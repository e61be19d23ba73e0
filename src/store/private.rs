//! The data folder holds the instance secret, session and link hashes, and personal data: only
//! the service user may read it, whatever the umask and however the folder came to exist.

use anyhow::Context;
use std::fs::{DirBuilder, OpenOptions, Permissions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Creates `dir` (and parents) as 0700, or tightens an existing one to 0700.
pub fn folder(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        let mode = std::fs::metadata(dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            tracing::warn!(folder = %dir.display(), mode = format!("{:o}", mode & 0o777), "tightening a folder other users could read to 0700");
            std::fs::set_permissions(dir, Permissions::from_mode(0o700))
                .with_context(|| format!("restricting {}", dir.display()))?;
        }
        return Ok(());
    }
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("creating the folder {}", dir.display()))
}

/// Opens a new file for writing as 0600 from its first byte (no window at a looser mode).
pub fn create_file(path: &Path) -> std::io::Result<std::fs::File> {
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}

/// Creates a file that must not exist yet, as 0600 (a secret is never written over a file).
pub fn create_new_file(path: &Path) -> std::io::Result<std::fs::File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

/// Writes `bytes` to `path` durably and privately: into `.<name>.tmp` beside it (0600 from the
/// first byte), fsynced, then renamed, so a crash never leaves a half-written file under the
/// real name. The temporary file is removed if anything fails.
pub fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"))?;
    let tmp = path.with_file_name(format!(".{}.tmp", name.to_string_lossy()));
    let written = create_file(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    let done = written.and_then(|()| std::fs::rename(&tmp, path));
    if done.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    done
}

/// Tightens everything under `root` that other users could read: folders to 0700, files to
/// 0600 (sled and older versions created their files with the umask's mode). Answers what
/// was changed.
pub fn tighten_tree(root: &Path) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let mut changed = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(meta) = entry.metadata() else { continue };
            let mode = meta.permissions().mode();
            let wanted = if meta.is_dir() {
                stack.push(path.clone());
                0o700
            } else if meta.is_file() {
                0o600
            } else {
                continue; // sockets are made 0600 where they are bound
            };
            if mode & 0o077 != 0 {
                std::fs::set_permissions(&path, Permissions::from_mode(wanted))
                    .with_context(|| format!("restricting {}", path.display()))?;
                changed.push(path);
            }
        }
    }
    Ok(changed)
}

/// Whether `path` (under `root`) is one of the files sled itself creates, with the process's
/// umask: tightening those is routine, not news for the operator.
pub fn made_by_the_store(root: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(root) else {
        return false;
    };
    let first = rel
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default();
    matches!(first.as_str(), "db" | "conf" | "blobs") || first.starts_with("snap.")
}
