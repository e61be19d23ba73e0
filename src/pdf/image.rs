//! Logos for the reports: JPEG files go in as they are (DCTDecode); PNG files are decoded
//! (8-bit, not interlaced: what logo tools export) and their transparency becomes a soft mask.

use flate2::Compression;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use std::io::{Read, Write};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImageError {
    #[error("the logo is neither a PNG nor a JPEG file")]
    Format,
    #[error("the logo file is damaged ({0})")]
    Damaged(&'static str),
    #[error("the logo is a kind of PNG not supported here ({0}): save it as an 8-bit PNG")]
    Unsupported(&'static str),
    #[error("the logo is too large: at most 2,000 × 2,000 pixels")]
    TooLarge,
}

/// A soft mask: the alpha channel as a grey image.
#[derive(Debug, Clone)]
pub struct Mask {
    pub dict: String,
    pub data: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct Image {
    pub width: u32,
    pub height: u32,
    dict: String,
    pub(super) data: Vec<u8>,
    pub(super) alpha: Option<Mask>,
}

impl Image {
    pub(super) fn dict(&self, smask: Option<usize>) -> String {
        match smask {
            Some(n) => format!("{} /SMask {n} 0 R", self.dict),
            None => self.dict.clone(),
        }
    }

    pub fn read(bytes: &[u8]) -> Result<Image, ImageError> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            png(bytes)
        } else if bytes.starts_with(&[0xff, 0xd8]) {
            jpeg(bytes)
        } else {
            Err(ImageError::Format)
        }
    }
}

fn image_dict(w: u32, h: u32, space: &str, filter: &str) -> String {
    format!(
        "/Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /{space} /BitsPerComponent 8 /Filter /{filter}"
    )
}

fn check_size(w: u32, h: u32) -> Result<(), ImageError> {
    if w == 0 || h == 0 {
        return Err(ImageError::Damaged("no pixels"));
    }
    if w > 2_000 || h > 2_000 {
        return Err(ImageError::TooLarge);
    }
    Ok(())
}

fn jpeg(b: &[u8]) -> Result<Image, ImageError> {
    let mut i = 2;
    while i + 4 <= b.len() {
        if b[i] != 0xff {
            return Err(ImageError::Damaged("no frame header"));
        }
        let marker = b[i + 1];
        let len = usize::from(u16::from_be_bytes([b[i + 2], b[i + 3]]));
        // Start-of-frame markers (not DHT 0xC4, JPG 0xC8, DAC 0xCC).
        if matches!(marker, 0xc0..=0xcf) && !matches!(marker, 0xc4 | 0xc8 | 0xcc) {
            let f = b
                .get(i + 4..i + 10)
                .ok_or(ImageError::Damaged("short frame"))?;
            let h = u32::from(u16::from_be_bytes([f[1], f[2]]));
            let w = u32::from(u16::from_be_bytes([f[3], f[4]]));
            check_size(w, h)?;
            let space = match f[5] {
                1 => "DeviceGray",
                3 => "DeviceRGB",
                4 => "DeviceCMYK",
                _ => return Err(ImageError::Damaged("colour components")),
            };
            let mut dict = image_dict(w, h, space, "DCTDecode");
            if f[5] == 4 {
                // Adobe's CMYK JPEGs are stored inverted.
                dict.push_str(" /Decode [1 0 1 0 1 0 1 0]");
            }
            return Ok(Image {
                width: w,
                height: h,
                dict,
                data: b.to_vec(),
                alpha: None,
            });
        }
        i += 2 + len;
    }
    Err(ImageError::Damaged("no frame header"))
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
    let _ = z.write_all(data);
    z.finish().unwrap_or_default()
}

fn png(b: &[u8]) -> Result<Image, ImageError> {
    let mut i = 8;
    let (mut w, mut h, mut depth, mut color, mut interlace) = (0u32, 0u32, 0u8, 0u8, 0u8);
    let (mut idat, mut palette, mut trns) = (Vec::new(), Vec::new(), Vec::new());
    while i + 8 <= b.len() {
        let len = u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]) as usize;
        let kind = &b[i + 4..i + 8];
        let data = b
            .get(i + 8..i + 8 + len)
            .ok_or(ImageError::Damaged("a chunk is cut short"))?;
        match kind {
            b"IHDR" if len >= 13 => {
                w = u32::from_be_bytes([data[0], data[1], data[2], data[3]]);
                h = u32::from_be_bytes([data[4], data[5], data[6], data[7]]);
                (depth, color, interlace) = (data[8], data[9], data[12]);
            }
            b"PLTE" => palette = data.to_vec(),
            b"tRNS" => trns = data.to_vec(),
            b"IDAT" => idat.extend_from_slice(data),
            b"IEND" => break,
            _ => {}
        }
        i += 12 + len;
    }
    check_size(w, h)?;
    if depth != 8 {
        return Err(ImageError::Unsupported("not 8 bits per channel"));
    }
    if interlace != 0 {
        return Err(ImageError::Unsupported("interlaced"));
    }
    let channels: usize = match color {
        0 => 1,
        2 => 3,
        3 => 1,
        4 => 2,
        6 => 4,
        _ => return Err(ImageError::Damaged("colour type")),
    };
    let (wu, hu) = (w as usize, h as usize);
    let stride = wu * channels;
    let mut raw = Vec::with_capacity((stride + 1) * hu);
    ZlibDecoder::new(&idat[..])
        .take(((stride + 1) * hu) as u64 + 1)
        .read_to_end(&mut raw)
        .map_err(|_| ImageError::Damaged("compressed data"))?;
    if raw.len() < (stride + 1) * hu {
        return Err(ImageError::Damaged("too few pixels"));
    }
    let pixels = unfilter(&raw, stride, hu, channels)?;
    // Split into colour and alpha (palette entries and tRNS resolved to RGB and alpha).
    let (mut rgb, mut alpha) = (Vec::new(), Vec::new());
    let mut any_alpha = false;
    let gray = matches!(color, 0 | 4);
    for px in pixels.chunks(channels) {
        let a = match color {
            0 | 2 => 255,
            3 => {
                let k = usize::from(px[0]);
                let c = palette
                    .get(3 * k..3 * k + 3)
                    .ok_or(ImageError::Damaged("palette"))?;
                rgb.extend_from_slice(c);
                trns.get(k).copied().unwrap_or(255)
            }
            4 => px[1],
            _ => px[3],
        };
        match color {
            0 | 4 => rgb.push(px[0]),
            2 | 6 => rgb.extend_from_slice(&px[..3]),
            _ => {}
        }
        any_alpha |= a != 255;
        alpha.push(a);
    }
    let space = if gray { "DeviceGray" } else { "DeviceRGB" };
    Ok(Image {
        width: w,
        height: h,
        dict: image_dict(w, h, space, "FlateDecode"),
        data: deflate(&rgb),
        alpha: any_alpha.then(|| Mask {
            dict: image_dict(w, h, "DeviceGray", "FlateDecode"),
            data: deflate(&alpha),
        }),
    })
}

fn unfilter(raw: &[u8], stride: usize, rows: usize, bpp: usize) -> Result<Vec<u8>, ImageError> {
    let mut out = vec![0u8; stride * rows];
    for r in 0..rows {
        let filter = raw[r * (stride + 1)];
        let line = &raw[r * (stride + 1) + 1..(r + 1) * (stride + 1)];
        let (done, rest) = out.split_at_mut(r * stride);
        let prev = if r == 0 {
            None
        } else {
            Some(&done[(r - 1) * stride..])
        };
        let cur = &mut rest[..stride];
        for x in 0..stride {
            let a = if x >= bpp { cur[x - bpp] } else { 0 };
            let b = prev.map_or(0, |p| p[x]);
            let c = if x >= bpp {
                prev.map_or(0, |p| p[x - bpp])
            } else {
                0
            };
            cur[x] = line[x].wrapping_add(match filter {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                4 => paeth(a, b, c),
                _ => return Err(ImageError::Damaged("row filter")),
            });
        }
    }
    Ok(out)
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PNG of `w` × `h` RGBA pixels, each row with filter `f`.
    pub(crate) fn png_rgba(w: u32, h: u32, f: u8) -> Vec<u8> {
        fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
            out.extend_from_slice(&(data.len() as u32).to_be_bytes());
            out.extend_from_slice(kind);
            out.extend_from_slice(data);
            out.extend_from_slice(&[0, 0, 0, 0]); // CRC not checked here
        }
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&w.to_be_bytes());
        ihdr.extend_from_slice(&h.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
        chunk(&mut out, b"IHDR", &ihdr);
        let mut raw = Vec::new();
        for y in 0..h {
            raw.push(f);
            for x in 0..w {
                raw.extend_from_slice(&[
                    (x * 10) as u8,
                    (y * 10) as u8,
                    7,
                    if x == 0 { 0 } else { 255 },
                ]);
            }
        }
        if f != 0 {
            // Re-encode with the filter so the decoder must undo it: only "sub" (1) here.
            for y in 0..h as usize {
                let row = y * (w as usize * 4 + 1) + 1;
                for x in (4..w as usize * 4).rev() {
                    raw[row + x] = raw[row + x].wrapping_sub(raw[row + x - 4]);
                }
            }
        }
        chunk(&mut out, b"IDAT", &deflate(&raw));
        chunk(&mut out, b"IEND", &[]);
        out
    }

    #[test]
    fn a_png_with_transparency_becomes_colour_and_a_mask() {
        for f in [0, 1] {
            let img = Image::read(&png_rgba(3, 2, f)).unwrap();
            assert_eq!((img.width, img.height), (3, 2));
            let mut rgb = Vec::new();
            ZlibDecoder::new(&img.data[..])
                .read_to_end(&mut rgb)
                .unwrap();
            assert_eq!(&rgb[..9], &[0, 0, 7, 10, 0, 7, 20, 0, 7], "filter {f}");
            let mask = img.alpha.as_ref().unwrap();
            let mut a = Vec::new();
            ZlibDecoder::new(&mask.data[..])
                .read_to_end(&mut a)
                .unwrap();
            assert_eq!(a, [0, 255, 255, 0, 255, 255]);
        }
    }

    #[test]
    fn other_files_are_refused_in_words() {
        assert_eq!(Image::read(b"GIF89a").unwrap_err(), ImageError::Format);
        assert!(matches!(
            Image::read(&png_rgba(3, 2, 0)[..40]),
            Err(ImageError::Damaged(_))
        ));
        // A JPEG header with a 1 × 1 RGB frame.
        let jpg = [
            0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xc0, 0, 11, 8, 0, 1, 0, 1, 3, 1, 0x11, 0,
        ];
        let img = Image::read(&jpg).unwrap();
        assert_eq!((img.width, img.height), (1, 1));
        assert!(img.dict(None).contains("/DeviceRGB"));
    }
}
