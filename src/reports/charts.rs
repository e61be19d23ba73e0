//! The report's charts, drawn as vector paths into a box on a PDF page.

use crate::pdf::{Font, Page, Rgb, width};
use crate::services::stats::Point;

/// A chart's box: top-left corner and size, in points.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

pub const GOOGLE: Rgb = Rgb(0x42, 0x85, 0xf4);
pub const FACEBOOK: Rgb = Rgb(0x6b, 0x4f, 0xbb);
pub const IMPORT: Rgb = Rgb(0x9a, 0xa5, 0xb1);

fn label_of(p: &Point, count: usize) -> String {
    let f = if count > 12 {
        time::macros::format_description!("[day]/[month]")
    } else {
        time::macros::format_description!("[day] [month repr:short]")
    };
    p.start.format(f).unwrap_or_default()
}

/// X labels under a chart, at most about six of them.
fn x_labels(page: &mut Page, f: Frame, series: &[Point]) {
    let n = series.len().max(1);
    let step = n.div_ceil(6);
    let slot = f.w / n as f32;
    for (i, p) in series.iter().enumerate().step_by(step) {
        let s = label_of(p, n);
        let cx = f.x + slot * (i as f32 + 0.5);
        let w = width(&s, Font::Regular, 7.0);
        page.text(
            cx - w / 2.0,
            f.y + f.h + 10.0,
            7.0,
            Font::Regular,
            Rgb::GREY,
            &s,
        );
    }
}

/// The average rating of each bucket as a line on a 1–5 scale; buckets without ratings
/// break the line.
pub fn rating_trend(page: &mut Page, f: Frame, series: &[Point], color: Rgb) {
    for star in 1..=5u8 {
        let y = f.y + f.h - (f32::from(star) - 1.0) / 4.0 * f.h;
        page.line((f.x, y), (f.x + f.w, y), 0.4, Rgb::LIGHT);
        page.text(
            f.x - 12.0,
            y + 2.5,
            7.0,
            Font::Regular,
            Rgb::GREY,
            &format!("{star}"),
        );
    }
    let slot = f.w / series.len().max(1) as f32;
    let mut run: Vec<(f32, f32)> = Vec::new();
    for (i, p) in series.iter().enumerate() {
        match p.average {
            Some(avg) => {
                let x = f.x + slot * (i as f32 + 0.5);
                let y = f.y + f.h - ((avg as f32).clamp(1.0, 5.0) - 1.0) / 4.0 * f.h;
                run.push((x, y));
                page.dot((x, y), 1.6, color);
            }
            None => {
                page.polyline(&run, 1.5, color);
                run.clear();
            }
        }
    }
    page.polyline(&run, 1.5, color);
    x_labels(page, f, series);
}

/// Items per bucket as bars stacked by source, with a legend above.
pub fn volume(page: &mut Page, f: Frame, series: &[Point]) {
    let max = series
        .iter()
        .map(|p| p.google + p.facebook + p.import)
        .max()
        .unwrap_or(0)
        .max(1);
    page.line((f.x, f.y + f.h), (f.x + f.w, f.y + f.h), 0.5, Rgb::LIGHT);
    page.text(
        f.x - 4.0 - width(&max.to_string(), Font::Regular, 7.0),
        f.y + 5.0,
        7.0,
        Font::Regular,
        Rgb::GREY,
        &max.to_string(),
    );
    let slot = f.w / series.len().max(1) as f32;
    let bar = (slot * 0.7).max(1.0);
    for (i, p) in series.iter().enumerate() {
        let x = f.x + slot * i as f32 + (slot - bar) / 2.0;
        let mut bottom = f.y + f.h;
        for (n, color) in [
            (p.google, GOOGLE),
            (p.facebook, FACEBOOK),
            (p.import, IMPORT),
        ] {
            if n == 0 {
                continue;
            }
            let h = n as f32 / max as f32 * f.h;
            page.rect(x, bottom - h, bar, h, color);
            bottom -= h;
        }
    }
    x_labels(page, f, series);
    let mut x = f.x;
    for (name, color) in [
        ("Google", GOOGLE),
        ("Facebook", FACEBOOK),
        ("Imported", IMPORT),
    ] {
        page.rect(x, f.y - 14.0, 7.0, 7.0, color);
        page.text(x + 10.0, f.y - 7.5, 7.5, Font::Regular, Rgb::BLACK, name);
        x += 14.0 + width(name, Font::Regular, 7.5) + 10.0;
    }
}

/// Rated items per star, 5 at the top, as horizontal bars with their counts.
pub fn distribution(page: &mut Page, f: Frame, stars: &[u64; 5], color: Rgb) {
    let max = stars.iter().copied().max().unwrap_or(0).max(1);
    let row = f.h / 5.0;
    for (i, star) in (1..=5usize).rev().enumerate() {
        let y = f.y + row * i as f32;
        let n = stars[star - 1];
        page.text(
            f.x,
            y + row * 0.7,
            8.0,
            Font::Regular,
            Rgb::BLACK,
            &format!("{star} star"),
        );
        let left = f.x + 36.0;
        let full = f.w - 36.0 - 40.0;
        page.rect(left, y + row * 0.2, full, row * 0.6, Rgb(0xf1, 0xf3, 0xf5));
        let w = n as f32 / max as f32 * full;
        if n > 0 {
            page.rect(left, y + row * 0.2, w.max(1.0), row * 0.6, color);
        }
        page.text(
            left + full + 6.0,
            y + row * 0.7,
            8.0,
            Font::Regular,
            Rgb::BLACK,
            &n.to_string(),
        );
    }
}
