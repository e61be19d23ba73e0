//! A client report as a PDF: two summary pages (KPIs and charts; locations, words and notable
//! reviews), then one page per location when there are several.

use super::charts::{self, Frame};
use super::figures::{Figures, Notable, Report};
use super::format;
use crate::pdf::{A4, Document, Font, Image, Page, Rgb, wrap};

const M: f32 = 40.0;
const W: f32 = A4.0 - 2.0 * M;

/// The report's pages: 2, plus one a location when it covers more than one.
pub fn pages(report: &Report) -> usize {
    2 + if report.locations.len() > 1 {
        report.locations.len()
    } else {
        0
    }
}

pub fn render(report: &Report) -> Vec<u8> {
    let brand = &report.brand;
    let primary = Rgb::parse(&brand.primary).unwrap_or(Rgb(0x25, 0x63, 0xeb));
    let accent = Rgb::parse(&brand.accent).unwrap_or(Rgb(0xf5, 0x9e, 0x0b));
    let title = format!("{} — review report, {}", report.workspace, report.label);
    let mut doc = Document::new(A4, &title, &brand.agency_name, report.made_at);
    let logo = brand
        .logo
        .as_deref()
        .and_then(|b| Image::read(b).ok())
        .map(|img| {
            let (w, h) = (img.width as f32, img.height as f32);
            (doc.image(img), w / h)
        });
    let total = pages(report);
    let ctx = Chrome {
        report,
        primary,
        logo,
        total,
    };

    let p = doc.page();
    let mut y = ctx.header(p, 1, &report.workspace);
    y = kpis(p, y, &report.summary, primary);
    y = charts_block(p, y, &report.summary, primary, accent);
    let _ = y;

    let p = doc.page();
    let mut y = ctx.header(p, 2, &report.workspace);
    if report.locations.len() > 1 {
        y = locations(p, y, report);
    }
    y = words(p, y, &report.summary);
    notables(p, y, report);

    for (i, l) in report
        .locations
        .iter()
        .enumerate()
        .filter(|_| report.locations.len() > 1)
    {
        let p = doc.page();
        let y = ctx.header(p, 3 + i, &l.name);
        let y = kpis(p, y, &l.figures, primary);
        let y = charts_block(p, y, &l.figures, primary, accent);
        words(p, y, &l.figures);
    }
    doc.finish()
}

struct Chrome<'a> {
    report: &'a Report,
    primary: Rgb,
    logo: Option<(usize, f32)>,
    total: usize,
}

impl Chrome<'_> {
    /// The band at the top and the footer; where the page's content starts.
    fn header(&self, p: &mut Page, n: usize, heading: &str) -> f32 {
        let brand = &self.report.brand;
        p.rect(0.0, 0.0, A4.0, 64.0, self.primary);
        let mut x = M;
        if let Some((img, ratio)) = self.logo {
            // A white plate behind the logo: it must read on any brand colour.
            let h = 36.0;
            let w = (h * ratio).min(140.0);
            p.rect(x - 4.0, 14.0 - 4.0, w + 8.0, h + 8.0, Rgb(255, 255, 255));
            p.image(img, x, 14.0, w, w / ratio);
            x += w + 16.0;
        }
        p.text(
            x,
            38.0,
            15.0,
            Font::Bold,
            Rgb(255, 255, 255),
            &brand.agency_name,
        );
        p.text_right(
            A4.0 - M,
            30.0,
            9.0,
            Font::Regular,
            Rgb(255, 255, 255),
            "Review report",
        );
        p.text_right(
            A4.0 - M,
            44.0,
            11.0,
            Font::Bold,
            Rgb(255, 255, 255),
            &self.report.label,
        );
        p.text(M, 96.0, 18.0, Font::Bold, Rgb::BLACK, heading);
        let dates = format!("{} to {}", self.report.from, self.report.to);
        p.text(M, 112.0, 9.0, Font::Regular, Rgb::GREY, &dates);
        let mut foot = format!("Prepared by {}", brand.agency_name);
        if brand.powered_by {
            foot.push_str(" · Powered by Plaudit");
        }
        p.line((M, A4.1 - 36.0), (A4.0 - M, A4.1 - 36.0), 0.5, Rgb::LIGHT);
        p.text(M, A4.1 - 24.0, 7.5, Font::Regular, Rgb::GREY, &foot);
        p.text_right(
            A4.0 - M,
            A4.1 - 24.0,
            7.5,
            Font::Regular,
            Rgb::GREY,
            &format!("Page {n} of {}", self.total),
        );
        128.0
    }
}

fn kpis(p: &mut Page, y: f32, f: &Figures, primary: Rgb) -> f32 {
    let c = format::changes(&f.totals, &f.previous);
    let cards = [
        ("Reviews and comments", f.totals.items.to_string(), c.items),
        ("Average rating", format::average(&f.totals), c.average),
        ("Response rate", format::rate(&f.totals), c.rate),
        (
            "Typical reply time",
            format::response_time(&f.totals),
            String::new(),
        ),
    ];
    let gap = 10.0;
    let cw = (W - 3.0 * gap) / 4.0;
    for (i, (label, value, change)) in cards.iter().enumerate() {
        let x = M + i as f32 * (cw + gap);
        p.rect(x, y, cw, 64.0, Rgb(0xf6, 0xf8, 0xfa));
        p.rect(x, y, 3.0, 64.0, primary);
        p.text(x + 10.0, y + 16.0, 8.0, Font::Regular, Rgb::GREY, label);
        p.text(x + 10.0, y + 38.0, 17.0, Font::Bold, Rgb::BLACK, value);
        if !change.is_empty() {
            p.text(
                x + 10.0,
                y + 54.0,
                7.5,
                Font::Regular,
                Rgb::GREY,
                &format!("{change} vs the period before"),
            );
        }
    }
    y + 64.0 + 26.0
}

fn section(p: &mut Page, y: f32, title: &str) -> f32 {
    p.text(M, y, 11.0, Font::Bold, Rgb::BLACK, title);
    y + 10.0
}

fn charts_block(p: &mut Page, y: f32, f: &Figures, primary: Rgb, accent: Rgb) -> f32 {
    let y = section(p, y, "Rating trend");
    charts::rating_trend(
        p,
        Frame {
            x: M + 14.0,
            y: y + 6.0,
            w: W - 14.0,
            h: 120.0,
        },
        &f.series,
        primary,
    );
    let y = y + 6.0 + 120.0 + 30.0;
    let y = section(p, y, "Volume by source");
    charts::volume(
        p,
        Frame {
            x: M + 14.0,
            y: y + 22.0,
            w: W - 14.0,
            h: 100.0,
        },
        &f.series,
    );
    let y = y + 22.0 + 100.0 + 30.0;
    let y = section(p, y, "Rating distribution");
    charts::distribution(
        p,
        Frame {
            x: M,
            y: y + 4.0,
            w: W * 0.6,
            h: 90.0,
        },
        &f.totals.distribution,
        accent,
    );
    let replied = format!("{} of {} answered", f.totals.replied, f.totals.items);
    p.text(
        M + W * 0.65,
        y + 30.0,
        9.0,
        Font::Regular,
        Rgb::BLACK,
        &replied,
    );
    p.text(
        M + W * 0.65,
        y + 46.0,
        9.0,
        Font::Regular,
        Rgb::BLACK,
        &format!(
            "{} rated, average {}",
            f.totals.rated,
            format::average(&f.totals)
        ),
    );
    y + 4.0 + 90.0 + 24.0
}

fn locations(p: &mut Page, y: f32, r: &Report) -> f32 {
    let mut y = section(p, y, "Locations, best average first");
    y += 8.0;
    let cols = [M, M + 250.0, M + 330.0, M + 410.0];
    for (x, h) in cols
        .iter()
        .zip(["Location", "Reviews", "Average", "Response rate"])
    {
        p.text(*x, y, 8.0, Font::Bold, Rgb::GREY, h);
    }
    y += 14.0;
    // The best three and the lowest three when there are many.
    let n = r.locations.len();
    let shown: Vec<usize> = if n <= 8 {
        (0..n).collect()
    } else {
        (0..3).chain(n - 3..n).collect()
    };
    let mut last = None;
    for i in shown {
        if last.is_some_and(|l: usize| i > l + 1) {
            p.text(
                M,
                y,
                8.0,
                Font::Regular,
                Rgb::GREY,
                &format!("… {} more", i - last.unwrap_or(0) - 1),
            );
            y += 13.0;
        }
        let l = &r.locations[i];
        let name = wrap(&l.name, Font::Regular, 9.0, 240.0, 1).concat();
        p.text(cols[0], y, 9.0, Font::Regular, Rgb::BLACK, &name);
        p.text(
            cols[1],
            y,
            9.0,
            Font::Regular,
            Rgb::BLACK,
            &l.figures.totals.items.to_string(),
        );
        p.text(
            cols[2],
            y,
            9.0,
            Font::Regular,
            Rgb::BLACK,
            &format::average(&l.figures.totals),
        );
        p.text(
            cols[3],
            y,
            9.0,
            Font::Regular,
            Rgb::BLACK,
            &format::rate(&l.figures.totals),
        );
        y += 13.0;
        last = Some(i);
    }
    y + 14.0
}

fn words(p: &mut Page, y: f32, f: &Figures) -> f32 {
    let y = section(p, y, "Frequent words");
    let col = |p: &mut Page, x: f32, title: &str, words: &[crate::store::WordCount]| {
        p.text(x, y + 10.0, 8.0, Font::Bold, Rgb::GREY, title);
        if words.is_empty() {
            p.text(
                x,
                y + 24.0,
                9.0,
                Font::Regular,
                Rgb::GREY,
                "Not enough reviews yet",
            );
        }
        for (i, w) in words.iter().take(8).enumerate() {
            let line = format!("{} ({})", w.term, w.count);
            p.text(
                x,
                y + 24.0 + 12.0 * i as f32,
                9.0,
                Font::Regular,
                Rgb::BLACK,
                &line,
            );
        }
    };
    col(p, M, "In good reviews", &f.positive_words);
    col(p, M + W / 2.0, "In critical reviews", &f.negative_words);
    y + 24.0 + 12.0 * 8.0 + 10.0
}

fn notables(p: &mut Page, y: f32, r: &Report) {
    let mut y = section(p, y, "Notable reviews");
    let bottom = A4.1 - 50.0;
    y += 6.0;
    if r.best.is_empty() && r.lowest.is_empty() {
        p.text(
            M,
            y + 8.0,
            9.0,
            Font::Regular,
            Rgb::GREY,
            "No reviews with text in this period.",
        );
        return;
    }
    for n in r.best.iter().chain(&r.lowest) {
        y = quote(p, y, n, bottom);
        if y >= bottom {
            break;
        }
    }
}

fn quote(p: &mut Page, y: f32, n: &Notable, bottom: f32) -> f32 {
    let room = ((bottom - y - 30.0) / 11.0).floor().max(0.0) as usize;
    if room == 0 {
        return bottom;
    }
    let head = format!(
        "{} · {} · {} · {}",
        format::stars(n.stars, n.recommends),
        n.author,
        n.location,
        n.date
    );
    p.text(M, y + 10.0, 8.0, Font::Bold, Rgb::GREY, &head);
    let lines = wrap(&n.text, Font::Regular, 9.5, W - 12.0, room.min(6));
    let mut y = y + 24.0;
    p.rect(M, y - 9.0, 2.0, 11.0 * lines.len() as f32, Rgb::LIGHT);
    for l in &lines {
        p.text(M + 10.0, y, 9.5, Font::Regular, Rgb::BLACK, l);
        y += 11.0;
    }
    y + 8.0
}
