//! Text for the base-14 fonts: Unicode to WinAnsiEncoding bytes, widths and line wrapping.

use super::Font;
use super::metrics::{HELVETICA, HELVETICA_BOLD};
use unicode_normalization::UnicodeNormalization;

/// WinAnsiEncoding's codes 0x80 to 0x9F, as the characters they stand for.
const HIGH: [(char, u8); 27] = [
    ('€', 0x80),
    ('‚', 0x82),
    ('ƒ', 0x83),
    ('„', 0x84),
    ('…', 0x85),
    ('†', 0x86),
    ('‡', 0x87),
    ('ˆ', 0x88),
    ('‰', 0x89),
    ('Š', 0x8a),
    ('‹', 0x8b),
    ('Œ', 0x8c),
    ('Ž', 0x8e),
    ('‘', 0x91),
    ('’', 0x92),
    ('“', 0x93),
    ('”', 0x94),
    ('•', 0x95),
    ('–', 0x96),
    ('—', 0x97),
    ('˜', 0x98),
    ('™', 0x99),
    ('š', 0x9a),
    ('›', 0x9b),
    ('œ', 0x9c),
    ('ž', 0x9e),
    ('Ÿ', 0x9f),
];

fn byte(c: char) -> Option<u8> {
    match c {
        ' '..='~' => Some(c as u8),
        '\u{a0}'..='\u{ff}' => Some(c as u32 as u8),
        '\t' | '\n' | '\r' => Some(b' '),
        _ => HIGH.iter().find(|(h, _)| *h == c).map(|(_, b)| *b),
    }
}

/// `s` in WinAnsiEncoding. A character outside it is written as its base letter when it has
/// one (ł → l is not, ő → o is), as `?` when it is a letter or digit of another script, and
/// left out otherwise (emoji, symbols): a report must stay readable, and the base-14 fonts
/// every reader has cover only Western European text.
pub fn encode(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        if let Some(b) = byte(c) {
            out.push(b);
            continue;
        }
        let base: Vec<u8> = c
            .to_string()
            .nfkd()
            .filter_map(|d| byte(d).filter(|b| *b < 0x80))
            .collect();
        if !base.is_empty() {
            out.extend(base);
        } else if c.is_alphanumeric() {
            out.push(b'?');
        }
    }
    out
}

fn glyph(font: Font, b: u8) -> u16 {
    let table = match font {
        Font::Regular => &HELVETICA,
        Font::Bold => &HELVETICA_BOLD,
    };
    match b {
        32..=255 => table[usize::from(b) - 32],
        _ => 0,
    }
}

/// The width of `s` set in `font` at `size` points.
pub fn width(s: &str, font: Font, size: f32) -> f32 {
    let units: u32 = encode(s).iter().map(|b| u32::from(glyph(font, *b))).sum();
    units as f32 * size / 1000.0
}

/// `s` broken into lines no wider than `max` (a word longer than a line is cut), at most
/// `lines` of them; the last ends with "…" when text was left out.
pub fn wrap(s: &str, font: Font, size: f32, max: f32, lines: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut cut = false;
    for word in s.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if width(&candidate, font, size) <= max {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            out.push(std::mem::take(&mut line));
        }
        // A word wider than the line is cut into pieces that fit.
        let mut piece = String::new();
        for c in word.chars() {
            piece.push(c);
            if width(&piece, font, size) > max {
                piece.pop();
                out.push(std::mem::take(&mut piece));
                piece.push(c);
            }
        }
        line = piece;
        if out.len() >= lines {
            cut = true;
            break;
        }
    }
    if !line.is_empty() && !cut {
        out.push(line);
    }
    if out.len() > lines {
        out.truncate(lines);
        cut = true;
    }
    if cut && let Some(last) = out.last_mut() {
        while !last.is_empty() && width(&format!("{last}…"), font, size) > max {
            last.pop();
        }
        last.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn western_text_keeps_its_letters_and_others_fall_back() {
        assert_eq!(encode("Café – “ok” €5"), b"Caf\xe9 \x96 \x93ok\x94 \x805");
        assert_eq!(encode("Łódź ő"), b"?\xf3dz o");
        assert_eq!(encode("ok 👍"), b"ok ");
        assert_eq!(encode("東京"), b"??");
    }

    #[test]
    fn widths_follow_the_font_and_lines_fit() {
        // Helvetica's "a" is 556 units, Helvetica-Bold's "W" 944.
        assert!((width("a", Font::Regular, 10.0) - 5.56).abs() < 1e-4);
        assert!((width("W", Font::Bold, 1000.0) - 944.0).abs() < 1e-3);
        let text =
            "The staff were friendly and the coffee was excellent, we will come back again soon";
        let lines = wrap(text, Font::Regular, 10.0, 120.0, 10);
        assert!(lines.len() > 2);
        for l in &lines {
            assert!(width(l, Font::Regular, 10.0) <= 120.0, "{l}");
        }
        assert_eq!(lines.join(" "), text);
        let short = wrap(text, Font::Regular, 10.0, 120.0, 2);
        assert_eq!(short.len(), 2);
        assert!(short[1].ends_with('…'));
        let long = wrap(&"x".repeat(200), Font::Regular, 10.0, 50.0, 100);
        assert!(long.iter().all(|l| width(l, Font::Regular, 10.0) <= 50.0));
        assert_eq!(long.concat().len(), 200);
    }
}
