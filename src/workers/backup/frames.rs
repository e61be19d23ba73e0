//! Encrypted frames of a backup body: at most 64 KiB each, `[last flag][u32 length][ciphertext]`,
//! ChaCha20-Poly1305 with the file's nonce prefix + frame number as nonce and the flag as
//! associated data, so frames cannot be dropped, reordered or cut off.

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use std::io::{Read, Write};

pub(super) const FRAME: usize = 64 * 1024;

fn nonce(prefix: &[u8; 8], n: u32) -> Nonce {
    let mut b = [0u8; 12];
    b[..8].copy_from_slice(prefix);
    b[8..].copy_from_slice(&n.to_be_bytes());
    Nonce::from(b)
}

/// Encrypts what is written into frames (see the module comment).
pub(super) struct Sealer<W: Write> {
    pub(super) out: W,
    pub(super) cipher: ChaCha20Poly1305,
    pub(super) prefix: [u8; 8],
    pub(super) frame: u32,
    pub(super) buf: Vec<u8>,
}

impl<W: Write> Sealer<W> {
    fn emit(&mut self, last: bool) -> std::io::Result<()> {
        let flag = [u8::from(last)];
        let ct = self
            .cipher
            .encrypt(
                &nonce(&self.prefix, self.frame),
                Payload {
                    msg: &self.buf,
                    aad: &flag,
                },
            )
            .map_err(|_| std::io::Error::other("encryption failed"))?;
        self.frame = self
            .frame
            .checked_add(1)
            .ok_or_else(|| std::io::Error::other("backup too large"))?;
        self.out.write_all(&flag)?;
        self.out
            .write_all(&u32::try_from(ct.len()).unwrap_or(0).to_be_bytes())?;
        self.out.write_all(&ct)?;
        self.buf.clear();
        Ok(())
    }

    pub(super) fn finish(mut self) -> std::io::Result<W> {
        self.emit(true)?;
        Ok(self.out)
    }
}

impl<W: Write> Write for Sealer<W> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let room = FRAME - self.buf.len();
        let n = room.min(data.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == FRAME {
            self.emit(false)?;
        }
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Decrypts frames back into the gzip stream.
pub(super) struct Opener<R: Read> {
    pub(super) input: R,
    pub(super) cipher: ChaCha20Poly1305,
    pub(super) prefix: [u8; 8],
    pub(super) frame: u32,
    pub(super) buf: Vec<u8>,
    pub(super) at: usize,
    pub(super) done: bool,
}

impl<R: Read> Read for Opener<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.buf.len() {
            if self.done {
                return Ok(0);
            }
            let mut head = [0u8; 5];
            self.input.read_exact(&mut head)?;
            let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
            if head[0] > 1 || len > FRAME + 16 {
                return Err(std::io::Error::other(
                    "the backup is damaged (frame header)",
                ));
            }
            let mut ct = vec![0u8; len];
            self.input.read_exact(&mut ct)?;
            self.buf = self
                .cipher
                .decrypt(
                    &nonce(&self.prefix, self.frame),
                    Payload {
                        msg: &ct,
                        aad: &head[..1],
                    },
                )
                .map_err(|_| {
                    std::io::Error::other(
                        "the backup does not decrypt: wrong key, or the file was changed",
                    )
                })?;
            self.frame += 1;
            self.at = 0;
            self.done = head[0] == 1;
        }
        let n = out.len().min(self.buf.len() - self.at);
        out[..n].copy_from_slice(&self.buf[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}
