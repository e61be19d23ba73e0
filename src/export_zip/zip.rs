//! A streaming ZIP writer: deflated entries whose sizes and checksums follow their data (data
//! descriptors), so an entry of any length is written without being held or seeked back to.
//!
//! No ZIP64: an archive that would pass 4 GiB (an entry, or the offset of one) is refused with a
//! clear error rather than written unreadable. The JSON form of every export has no such limit.

use flate2::Crc;
use flate2::write::DeflateEncoder;
use std::io::Write;

const LIMIT: u64 = u32::MAX as u64;
/// General purpose flags: sizes in a data descriptor (bit 3), names in UTF-8 (bit 11).
const FLAGS: u16 = 1 << 3 | 1 << 11;
const DEFLATE: u16 = 8;
/// Version needed to extract: 2.0 (deflate, data descriptors).
const VERSION: u16 = 20;

struct Written {
    name: String,
    crc: u32,
    compressed: u32,
    size: u32,
    offset: u32,
    time: u16,
    date: u16,
}

/// Counts what reaches the output, for offsets and compressed sizes.
struct Counting<W> {
    out: W,
    at: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(buf)?;
        self.at += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// The archive being written to `W`; `finish` writes the central directory.
pub struct Zip<W: Write> {
    out: Counting<W>,
    entries: Vec<Written>,
    time: u16,
    date: u16,
}

impl<W: Write> Zip<W> {
    /// `at` is the time stamped on every entry (MS-DOS time, UTC, two-second steps).
    pub fn new(out: W, at: time::OffsetDateTime) -> Self {
        let at = at.to_offset(time::UtcOffset::UTC);
        let year = at.year().clamp(1980, 2107) as u16;
        Zip {
            out: Counting { out, at: 0 },
            entries: Vec::new(),
            time: (at.hour() as u16) << 11 | (at.minute() as u16) << 5 | (at.second() as u16 / 2),
            date: (year - 1980) << 9 | (at.month() as u16) << 5 | at.day() as u16,
        }
    }

    /// Adds the entry `name`, its content written by `fill`.
    pub fn entry(
        &mut self,
        name: &str,
        fill: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let offset = self.out.at;
        if offset > LIMIT {
            anyhow::bail!("the archive would pass 4 GiB; export as JSON instead");
        }
        let mut header = Vec::with_capacity(30 + name.len());
        put32(&mut header, 0x0403_4b50);
        put16(&mut header, VERSION);
        put16(&mut header, FLAGS);
        put16(&mut header, DEFLATE);
        put16(&mut header, self.time);
        put16(&mut header, self.date);
        header.extend([0; 12]); // crc and sizes: in the data descriptor
        put16(&mut header, name.len() as u16);
        put16(&mut header, 0);
        header.extend(name.as_bytes());
        self.out.write_all(&header)?;

        let start = self.out.at;
        let (crc, size) = {
            let mut content = Content {
                deflate: DeflateEncoder::new(&mut self.out, flate2::Compression::default()),
                crc: Crc::new(),
                size: 0,
            };
            fill(&mut content)?;
            content.deflate.try_finish()?;
            (content.crc.sum(), content.size)
        };
        let compressed = self.out.at - start;
        if size > LIMIT || compressed > LIMIT {
            anyhow::bail!("{name} would pass 4 GiB; export as JSON instead");
        }
        let mut descriptor = Vec::with_capacity(16);
        put32(&mut descriptor, 0x0807_4b50);
        put32(&mut descriptor, crc);
        put32(&mut descriptor, compressed as u32);
        put32(&mut descriptor, size as u32);
        self.out.write_all(&descriptor)?;
        self.entries.push(Written {
            name: name.to_string(),
            crc,
            compressed: compressed as u32,
            size: size as u32,
            offset: offset as u32,
            time: self.time,
            date: self.date,
        });
        Ok(())
    }

    /// Writes the central directory; the archive is complete once this returns.
    pub fn finish(mut self) -> anyhow::Result<W> {
        let start = self.out.at;
        let mut dir = Vec::new();
        for e in &self.entries {
            put32(&mut dir, 0x0201_4b50);
            put16(&mut dir, 3 << 8 | VERSION); // made by: Unix
            put16(&mut dir, VERSION);
            put16(&mut dir, FLAGS);
            put16(&mut dir, DEFLATE);
            put16(&mut dir, e.time);
            put16(&mut dir, e.date);
            put32(&mut dir, e.crc);
            put32(&mut dir, e.compressed);
            put32(&mut dir, e.size);
            put16(&mut dir, e.name.len() as u16);
            dir.extend([0; 8]); // extra, comment, disk, internal attributes
            put32(&mut dir, 0o100600 << 16); // a private regular file
            put32(&mut dir, e.offset);
            dir.extend(e.name.as_bytes());
        }
        let size = dir.len() as u64;
        if start > LIMIT || size > LIMIT || self.entries.len() > 0xffff {
            anyhow::bail!("the archive would pass 4 GiB; export as JSON instead");
        }
        put32(&mut dir, 0x0605_4b50);
        dir.extend([0; 4]); // this disk, the directory's disk
        put16(&mut dir, self.entries.len() as u16);
        put16(&mut dir, self.entries.len() as u16);
        put32(&mut dir, size as u32);
        put32(&mut dir, start as u32);
        put16(&mut dir, 0);
        self.out.write_all(&dir)?;
        self.out.flush()?;
        Ok(self.out.out)
    }
}

/// An entry's content on its way in: deflated, and checksummed as written.
struct Content<'a, W: Write> {
    deflate: DeflateEncoder<&'a mut Counting<W>>,
    crc: Crc,
    /// Bytes taken in (`Crc::amount` is only 32 bits wide).
    size: u64,
}

impl<W: Write> Write for Content<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.deflate.write(buf)?;
        self.crc.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.deflate.flush()
    }
}

fn put16(v: &mut Vec<u8>, n: u16) {
    v.extend(n.to_le_bytes());
}

fn put32(v: &mut Vec<u8>, n: u32) {
    v.extend(n.to_le_bytes());
}
