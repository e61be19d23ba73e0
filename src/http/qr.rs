//! QR codes for printing: the matrix from `qrcodegen`, drawn here as SVG (vector, for print
//! shops) and as PNG (8-bit grey, written with the zlib the backups already use).

use qrcodegen::{QrCode, QrCodeEcc};
use std::io::Write;

/// Modules of white around the code, as the standard asks.
const QUIET: i32 = 4;

fn encode(text: &str) -> anyhow::Result<QrCode> {
    // Quartile: a printed card survives a smudge or a fold.
    QrCode::encode_text(text, QrCodeEcc::Quartile)
        .map_err(|e| anyhow::anyhow!("a QR code cannot hold this: {e:?}"))
}

/// An SVG of `text`'s code, scalable to any print size.
pub fn svg(text: &str) -> anyhow::Result<String> {
    let qr = encode(text)?;
    let n = qr.size() + 2 * QUIET;
    let mut path = String::new();
    for y in 0..qr.size() {
        for x in 0..qr.size() {
            if qr.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + QUIET, y + QUIET));
            }
        }
    }
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {n} {n}\" \
         shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR code\">\
         <rect width=\"{n}\" height=\"{n}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    ))
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(0).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = flate2::Crc::new();
    crc.update(&out[start..]);
    out.extend_from_slice(&crc.sum().to_be_bytes());
}

/// A PNG of `text`'s code, `scale` pixels a module.
pub fn png(text: &str, scale: u32) -> anyhow::Result<Vec<u8>> {
    let qr = encode(text)?;
    let scale = scale.clamp(1, 40);
    let modules = u32::try_from(qr.size() + 2 * QUIET)?;
    let side = modules * scale;
    let mut raw = Vec::with_capacity(((side + 1) * side) as usize);
    for py in 0..side {
        raw.push(0); // no filter
        let y = i32::try_from(py / scale)? - QUIET;
        for px in 0..side {
            let x = i32::try_from(px / scale)? - QUIET;
            raw.push(if qr.get_module(x, y) { 0 } else { 255 });
        }
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&raw)?;
    let idat = z.finish()?;
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit greyscale, deflate, no interlace
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &idat);
    chunk(&mut out, b"IEND", &[]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_is_well_formed_and_svg_draws_every_dark_module() {
        let text = "https://plaudit.example/r/abc";
        let png = png(text, 4).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let side = u32::from_be_bytes(png[16..20].try_into().unwrap());
        let qr = encode(text).unwrap();
        assert_eq!(side, u32::try_from(qr.size() + 8).unwrap() * 4);
        let svg = svg(text).unwrap();
        let dark = (0..qr.size())
            .flat_map(|y| (0..qr.size()).map(move |x| (x, y)))
            .filter(|(x, y)| qr.get_module(*x, *y))
            .count();
        assert_eq!(svg.matches("h1v1h-1z").count(), dark);
        assert!(encode(&"x".repeat(5000)).is_err());
    }
}
