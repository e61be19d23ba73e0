//! A small PDF writer: pages of text in the two Helvetica faces every reader has, filled
//! rectangles, lines and JPEG/PNG images — enough for reports with vector charts, made inside
//! the binary (no browser, no service). Coordinates are points from the page's top-left.

mod image;
mod metrics;
mod text;

pub use image::{Image, ImageError};
pub use text::{encode, width, wrap};

use flate2::Compression;
use flate2::write::ZlibEncoder;
use std::fmt::Write as _;
use std::io::Write as _;

/// A4 in points.
pub const A4: (f32, f32) = (595.28, 841.89);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Font {
    Regular,
    Bold,
}

/// A colour as red, green, blue bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub const BLACK: Rgb = Rgb(0x1f, 0x23, 0x28);
    pub const GREY: Rgb = Rgb(0x6a, 0x73, 0x7d);
    pub const LIGHT: Rgb = Rgb(0xe1, 0xe4, 0xe8);

    /// `#rrggbb`, or `None`.
    pub fn parse(s: &str) -> Option<Rgb> {
        let h = s.strip_prefix('#')?;
        if h.len() != 6 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let b = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).ok();
        Some(Rgb(b(0)?, b(2)?, b(4)?))
    }

    fn ops(self, stroke: bool) -> String {
        let c = |v: u8| f32::from(v) / 255.0;
        format!(
            "{:.3} {:.3} {:.3} {}\n",
            c(self.0),
            c(self.1),
            c(self.2),
            if stroke { "RG" } else { "rg" }
        )
    }
}

/// One page being drawn.
pub struct Page {
    height: f32,
    ops: String,
    images: Vec<usize>,
}

impl Page {
    /// Text with its baseline at `y`, starting at `x`.
    pub fn text(&mut self, x: f32, y: f32, size: f32, font: Font, color: Rgb, s: &str) {
        let name = match font {
            Font::Regular => "F1",
            Font::Bold => "F2",
        };
        let mut lit = String::new();
        for b in encode(s) {
            match b {
                b'(' | b')' | b'\\' => {
                    lit.push('\\');
                    lit.push(char::from(b));
                }
                0x20..=0x7e => lit.push(char::from(b)),
                _ => {
                    let _ = write!(lit, "\\{b:03o}");
                }
            }
        }
        self.ops.push_str(&color.ops(false));
        let _ = writeln!(
            self.ops,
            "BT /{name} {size:.1} Tf {x:.2} {:.2} Td ({lit}) Tj ET",
            self.height - y
        );
    }

    /// Text ending at `right`.
    pub fn text_right(&mut self, right: f32, y: f32, size: f32, font: Font, color: Rgb, s: &str) {
        let w = width(s, font, size);
        self.text(right - w, y, size, font, color, s);
    }

    /// A filled rectangle; `y` is its top.
    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill: Rgb) {
        self.ops.push_str(&fill.ops(false));
        let _ = writeln!(
            self.ops,
            "{x:.2} {:.2} {w:.2} {h:.2} re f",
            self.height - y - h
        );
    }

    /// A line through `points`.
    pub fn polyline(&mut self, points: &[(f32, f32)], width: f32, color: Rgb) {
        let Some(((x0, y0), rest)) = points.split_first() else {
            return;
        };
        self.ops.push_str(&color.ops(true));
        let _ = write!(
            self.ops,
            "{width:.2} w 1 J 1 j {x0:.2} {:.2} m",
            self.height - y0
        );
        for (x, y) in rest {
            let _ = write!(self.ops, " {x:.2} {:.2} l", self.height - y);
        }
        self.ops.push_str(" S\n");
    }

    pub fn line(&mut self, from: (f32, f32), to: (f32, f32), width: f32, color: Rgb) {
        self.polyline(&[from, to], width, color);
    }

    /// A small filled square centred on a point (a chart's marker).
    pub fn dot(&mut self, (x, y): (f32, f32), r: f32, color: Rgb) {
        self.rect(x - r, y - r, 2.0 * r, 2.0 * r, color);
    }

    /// An image added to the document with `Document::image`, drawn into a box whose top-left
    /// is (`x`, `y`).
    pub fn image(&mut self, image: usize, x: f32, y: f32, w: f32, h: f32) {
        if !self.images.contains(&image) {
            self.images.push(image);
        }
        let _ = writeln!(
            self.ops,
            "q {w:.2} 0 0 {h:.2} {x:.2} {:.2} cm /Im{image} Do Q",
            self.height - y - h
        );
    }
}

/// A document: its pages, images and title.
pub struct Document {
    size: (f32, f32),
    title: String,
    author: String,
    created: time::OffsetDateTime,
    pages: Vec<Page>,
    images: Vec<Image>,
}

impl Document {
    pub fn new(size: (f32, f32), title: &str, author: &str, created: time::OffsetDateTime) -> Self {
        Self {
            size,
            title: title.to_string(),
            author: author.to_string(),
            created,
            pages: Vec::new(),
            images: Vec::new(),
        }
    }

    /// Adds an image; its number is what `Page::image` draws.
    pub fn image(&mut self, image: Image) -> usize {
        self.images.push(image);
        self.images.len() - 1
    }

    /// A new page, drawn on until the next call.
    pub fn page(&mut self) -> &mut Page {
        self.pages.push(Page {
            height: self.size.1,
            ops: String::new(),
            images: Vec::new(),
        });
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    pub fn pages(&self) -> usize {
        self.pages.len()
    }

    /// The finished file.
    pub fn finish(self) -> Vec<u8> {
        let mut w = Writer::default();
        w.out.extend_from_slice(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
        // Fixed objects: 1 catalog, 2 page tree, 3 and 4 fonts, 5 info; then images, then
        // each page and its content.
        let first_image = 6;
        let first_page = first_image + 2 * self.images.len();
        let kids: Vec<String> = (0..self.pages.len())
            .map(|i| format!("{} 0 R", first_page + 2 * i))
            .collect();
        w.object(1, b"<< /Type /Catalog /Pages 2 0 R >>");
        w.object(
            2,
            format!(
                "<< /Type /Pages /Kids [{}] /Count {} >>",
                kids.join(" "),
                self.pages.len()
            )
            .as_bytes(),
        );
        for (n, base) in [(3, "Helvetica"), (4, "Helvetica-Bold")] {
            w.object(
                n,
                format!(
                    "<< /Type /Font /Subtype /Type1 /BaseFont /{base} /Encoding /WinAnsiEncoding >>"
                )
                .as_bytes(),
            );
        }
        let date = self
            .created
            .format(time::macros::format_description!(
                "D:[year][month][day][hour][minute][second]Z"
            ))
            .unwrap_or_default();
        w.object(
            5,
            format!(
                "<< /Title {} /Author {} /Producer (Plaudit) /CreationDate ({date}) >>",
                text_string(&self.title),
                text_string(&self.author)
            )
            .as_bytes(),
        );
        // Each image takes two numbers: itself and its soft mask (a free entry without alpha).
        for (i, img) in self.images.iter().enumerate() {
            let n = first_image + 2 * i;
            w.stream(n, &img.dict(img.alpha.as_ref().map(|_| n + 1)), &img.data);
            if let Some(alpha) = &img.alpha {
                w.stream(n + 1, &alpha.dict, &alpha.data);
            }
        }
        for (i, page) in self.pages.iter().enumerate() {
            let n = first_page + 2 * i;
            let xobjects: String = page
                .images
                .iter()
                .map(|im| format!("/Im{im} {} 0 R ", first_image + 2 * im))
                .collect();
            w.object(
                n,
                format!(
                    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {:.2} {:.2}] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> /XObject << {xobjects}>> >> /Contents {} 0 R >>",
                    self.size.0,
                    self.size.1,
                    n + 1
                )
                .as_bytes(),
            );
            let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
            let _ = z.write_all(page.ops.as_bytes());
            let data = z.finish().unwrap_or_default();
            w.stream(n + 1, "/Filter /FlateDecode", &data);
        }
        w.finish(first_page + 2 * self.pages.len() - 1)
    }
}

/// A PDF text string: UTF-16BE with its byte-order mark, in hex.
fn text_string(s: &str) -> String {
    let mut out = String::from("<FEFF");
    for u in s.encode_utf16() {
        let _ = write!(out, "{u:04X}");
    }
    out.push('>');
    out
}

#[derive(Default)]
struct Writer {
    out: Vec<u8>,
    offsets: std::collections::BTreeMap<usize, usize>,
}

impl Writer {
    fn object(&mut self, n: usize, body: &[u8]) {
        self.offsets.insert(n, self.out.len());
        self.out
            .extend_from_slice(format!("{n} 0 obj\n").as_bytes());
        self.out.extend_from_slice(body);
        self.out.extend_from_slice(b"\nendobj\n");
    }

    fn stream(&mut self, n: usize, dict: &str, data: &[u8]) {
        self.offsets.insert(n, self.out.len());
        self.out.extend_from_slice(
            format!("{n} 0 obj\n<< {dict} /Length {} >>\nstream\n", data.len()).as_bytes(),
        );
        self.out.extend_from_slice(data);
        self.out.extend_from_slice(b"\nendstream\nendobj\n");
    }

    fn finish(mut self, last: usize) -> Vec<u8> {
        let xref = self.out.len();
        let mut x = format!("xref\n0 {}\n0000000000 65535 f \n", last + 1);
        for n in 1..=last {
            match self.offsets.get(&n) {
                Some(off) => {
                    let _ = writeln!(x, "{off:010} 00000 n ");
                }
                None => x.push_str("0000000000 65535 f \n"),
            }
        }
        let _ = write!(
            x,
            "trailer\n<< /Size {} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            last + 1
        );
        self.out.extend_from_slice(x.as_bytes());
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_has_a_cross_reference_entry_at_each_object() {
        let now = time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let mut d = Document::new(A4, "Report (1) — Café", "Agency", now);
        let p = d.page();
        p.text(
            40.0,
            60.0,
            12.0,
            Font::Bold,
            Rgb::BLACK,
            "Hello (world) \\ café €",
        );
        p.rect(40.0, 80.0, 100.0, 20.0, Rgb(10, 20, 30));
        p.polyline(
            &[(40.0, 120.0), (80.0, 110.0), (120.0, 130.0)],
            1.0,
            Rgb::GREY,
        );
        d.page()
            .text(40.0, 60.0, 10.0, Font::Regular, Rgb::BLACK, "two");
        let pdf = d.finish();
        let tail = String::from_utf8_lossy(&pdf[pdf.len() - 40..]).to_string();
        let at = tail.rfind("startxref\n").unwrap();
        let xref: usize = tail[at + 10..].lines().next().unwrap().parse().unwrap();
        let table = String::from_utf8(pdf[xref..].to_vec()).unwrap();
        assert!(table.starts_with("xref\n0 "));
        let entries: Vec<&str> = table
            .lines()
            .skip(3)
            .take_while(|l| l.len() == 19)
            .collect();
        assert_eq!(entries.len(), 9, "{table}");
        for (i, line) in entries.iter().enumerate() {
            let off: usize = line[..10].parse().unwrap();
            assert!(
                pdf[off..].starts_with(format!("{} 0 obj", i + 1).as_bytes()),
                "object {}",
                i + 1
            );
        }
        assert!(String::from_utf8_lossy(&pdf).contains("/Count 2"));
    }
}
