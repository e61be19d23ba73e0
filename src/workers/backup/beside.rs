//! Compressing a backup beside its export: the export (reading sled) runs on the caller's
//! thread, the compression and encryption of what it writes on another.

use super::frames::{FRAME, Sealer};
use chacha20poly1305::ChaCha20Poly1305;
use chacha20poly1305::aead::KeyInit;
use std::io::Write;

/// Runs `export` on this thread while another compresses (and, given a key, encrypts) what
/// it writes into `outer`, after the flags byte: reading sled and compressing take about the
/// same time, and a server has two cores (BENCHMARKS.md, backup).
pub(super) fn compress_beside<W: Write + Send>(
    outer: &mut W,
    key: Option<&[u8; 32]>,
    level: i32,
    export: impl FnOnce(&mut Chunks) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let (chunks, received) = std::sync::mpsc::sync_channel::<Vec<u8>>(4);
    std::thread::scope(|scope| {
        let compressor = scope.spawn(move || -> anyhow::Result<()> {
            match key {
                None => {
                    outer.write_all(&[0])?;
                    compress(&mut *outer, level, received)?;
                }
                Some(key) => {
                    let mut prefix = [0u8; 8];
                    rand::RngCore::fill_bytes(&mut rand::rng(), &mut prefix);
                    outer.write_all(&[1])?;
                    outer.write_all(&prefix)?;
                    let sealer = Sealer {
                        out: &mut *outer,
                        cipher: ChaCha20Poly1305::new(key.into()),
                        prefix,
                        frame: 0,
                        buf: Vec::with_capacity(FRAME),
                    };
                    compress(sealer, level, received)?.finish()?;
                }
            }
            Ok(())
        });
        let mut body = Chunks {
            to: chunks,
            buf: Vec::with_capacity(CHUNK),
        };
        // `body` is dropped on both paths before the join: the compressor ends with its channel.
        let exported = match export(&mut body) {
            Ok(()) => body.finish().map_err(anyhow::Error::from),
            Err(e) => {
                drop(body);
                Err(e)
            }
        };
        // The compressor's error first: when it stops, the export only sees its channel closed.
        let compressed = compressor
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the backup's compressor failed")));
        compressed.and(exported)
    })
}

/// Compresses every chunk `received` into `out` until the channel closes; returns `out`.
fn compress<W: Write>(
    out: W,
    level: i32,
    received: std::sync::mpsc::Receiver<Vec<u8>>,
) -> std::io::Result<W> {
    let mut z = zstd::stream::write::Encoder::new(out, level)?;
    for chunk in received {
        z.write_all(&chunk)?;
    }
    z.finish()
}

/// What the export writes, handed to the compressor a chunk at a time.
const CHUNK: usize = 1 << 20;

pub(super) struct Chunks {
    to: std::sync::mpsc::SyncSender<Vec<u8>>,
    buf: Vec<u8>,
}

impl Chunks {
    fn send(&mut self) -> std::io::Result<()> {
        let full = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.to
            .send(full)
            .map_err(|_| std::io::Error::other("the backup's compressor stopped"))
    }

    /// Sends what is left; dropping `self` then tells the compressor the stream ended.
    fn finish(mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        self.send()
    }
}

impl Write for Chunks {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that fails after `room` bytes, as a full disk does.
    struct Full {
        room: usize,
    }

    impl Write for Full {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if buf.len() > self.room {
                return Err(std::io::Error::other("no space left"));
            }
            self.room -= buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn noise(n: usize) -> Vec<u8> {
        let mut v = vec![0u8; n];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut v);
        v
    }

    #[test]
    fn what_the_export_writes_comes_out_compressed_in_order() {
        let data: Vec<u8> = (0..3 * CHUNK + 17).map(|i| (i % 251) as u8).collect();
        let mut out = Vec::new();
        compress_beside(&mut out, None, 3, |body| {
            for part in data.chunks(70_000) {
                body.write_all(part)?;
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(out[0], 0, "the flags byte says not encrypted");
        assert!(out.len() < data.len() / 10);
        assert_eq!(zstd::stream::decode_all(&out[1..]).unwrap(), data);
    }

    #[test]
    fn an_export_that_fails_ends_the_backup_with_its_error() {
        let mut out = Vec::new();
        let err = compress_beside(&mut out, Some(&[7; 32]), 3, |body| {
            body.write_all(&noise(2 * CHUNK))?;
            anyhow::bail!("a tree could not be read")
        })
        .unwrap_err();
        assert!(err.to_string().contains("could not be read"), "{err}");
    }

    #[test]
    fn a_file_that_cannot_be_written_ends_the_backup_with_that_error() {
        let mut out = Full { room: 100_000 };
        let err = compress_beside(&mut out, None, 3, |body| {
            for _ in 0..20 {
                body.write_all(&noise(CHUNK))?;
            }
            Ok(())
        })
        .unwrap_err();
        assert!(format!("{err:#}").contains("no space left"), "{err:#}");
    }
}
