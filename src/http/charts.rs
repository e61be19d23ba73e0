//! Server-rendered SVG charts with axes, labels, a legend and a text alternative: readable
//! without JavaScript, and every label escaped (location names and words come from users).

use std::fmt::Write;

/// One series of a chart: its name (legend), CSS class (colour) and values.
pub struct Series {
    pub name: String,
    pub class: &'static str,
    pub values: Vec<Option<f64>>,
}

pub enum Kind {
    /// Bars stacked per x position.
    StackedBars,
    /// Lines, gaps where a value is missing.
    Lines,
}

pub struct Chart<'a> {
    pub id: &'a str,
    pub title: &'a str,
    /// The text alternative: what the chart shows, in a sentence or two.
    pub summary: String,
    pub x_labels: Vec<String>,
    pub series: Vec<Series>,
    pub kind: Kind,
    /// Fixed y range (e.g. 1–5 stars); otherwise 0 to a round number above the largest value.
    pub y_range: Option<(f64, f64)>,
    pub y_unit: &'a str,
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A round step giving about five ticks up to `max`.
fn nice_step(max: f64) -> f64 {
    let raw = (max / 5.0).max(1e-9);
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag)
}

/// A step for a count axis: 1, 2 or 5 times a power of ten, never below 1, so every tick
/// is a whole number.
fn count_step(max: f64) -> f64 {
    let raw = (max / 5.0).max(1.0);
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag)
}

fn number(v: f64) -> String {
    if v.fract().abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

const W: f64 = 560.0;
const H: f64 = 250.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 12.0;
/// Room above the plot for the axis title, clear of the top tick's label.
const TOP: f64 = 30.0;
const BOTTOM: f64 = 56.0;

impl Chart<'_> {
    pub fn svg(&self) -> String {
        let n = self.x_labels.len().max(1);
        let (lo, hi, step) = match self.y_range {
            Some((lo, hi)) => (lo, hi, nice_step(hi - lo).max(0.5)),
            None => {
                let max = match self.kind {
                    Kind::StackedBars => (0..n)
                        .map(|i| {
                            self.series
                                .iter()
                                .map(|s| s.values.get(i).copied().flatten().unwrap_or(0.0))
                                .sum::<f64>()
                        })
                        .fold(0.0, f64::max),
                    Kind::Lines => self
                        .series
                        .iter()
                        .flat_map(|s| s.values.iter().flatten())
                        .fold(0.0_f64, |a, b| a.max(*b)),
                };
                // Counts: whole-number ticks.
                let step = count_step(max.max(1.0));
                (0.0, (max / step).ceil().max(1.0) * step, step)
            }
        };
        let plot_w = W - LEFT - RIGHT;
        let plot_h = H - TOP - BOTTOM;
        let y = |v: f64| TOP + plot_h - (v - lo) / (hi - lo).max(1e-9) * plot_h;
        let slot = plot_w / n as f64;
        let x = |i: usize| LEFT + slot * (i as f64 + 0.5);
        let id = escape(self.id);
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<div class="chart-box"><svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-labelledby="{id}-t {id}-d" preserveAspectRatio="xMidYMid meet"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
            escape(self.title),
            escape(&self.summary)
        );
        // Grid and y axis labels.
        let mut v = lo;
        while v <= hi + 1e-9 {
            let yy = y(v);
            let _ = write!(
                s,
                r#"<line class="grid" x1="{LEFT}" x2="{}" y1="{yy:.1}" y2="{yy:.1}"/><text class="tick" x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
                W - RIGHT,
                LEFT - 6.0,
                yy + 4.0,
                escape(&number(v))
            );
            v += step;
        }
        let _ = write!(
            s,
            r#"<line class="axis" x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{:.1}"/><line class="axis" x1="{LEFT}" x2="{}" y1="{:.1}" y2="{:.1}"/>"#,
            TOP + plot_h,
            W - RIGHT,
            TOP + plot_h,
            TOP + plot_h
        );
        if !self.y_unit.is_empty() {
            let _ = write!(
                s,
                r#"<text class="tick axis-title" x="{LEFT}" y="14" text-anchor="start">{}</text>"#,
                escape(self.y_unit)
            );
        }
        // X labels: at most eight, evenly spread.
        let every = n.div_ceil(8).max(1);
        for (i, label) in self.x_labels.iter().enumerate() {
            if i % every == 0 {
                let _ = write!(
                    s,
                    r#"<text class="tick" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                    x(i),
                    TOP + plot_h + 16.0,
                    escape(label)
                );
            }
        }
        match self.kind {
            Kind::StackedBars => {
                let bar = (slot * 0.7).max(1.0);
                for i in 0..n {
                    let mut base = 0.0;
                    for ser in &self.series {
                        let val = ser.values.get(i).copied().flatten().unwrap_or(0.0);
                        if val <= 0.0 {
                            continue;
                        }
                        let (y0, y1) = (y(base), y(base + val));
                        let _ = write!(
                            s,
                            r#"<rect class="{}" x="{:.1}" y="{y1:.1}" width="{bar:.1}" height="{:.1}"><title>{} · {}: {}</title></rect>"#,
                            ser.class,
                            x(i) - bar / 2.0,
                            (y0 - y1).max(0.5),
                            escape(self.x_labels.get(i).map_or("", String::as_str)),
                            escape(&ser.name),
                            escape(&number(val))
                        );
                        base += val;
                    }
                }
            }
            Kind::Lines => {
                for ser in &self.series {
                    // A series with holes is drawn as its points: a line through the few
                    // buckets that have a value would zigzag across the gaps.
                    let values: Vec<Option<f64>> = (0..n)
                        .map(|i| ser.values.get(i).copied().flatten())
                        .collect();
                    let first = values.iter().position(Option::is_some);
                    let last = values.iter().rposition(Option::is_some);
                    let holes = match (first, last) {
                        (Some(a), Some(b)) => values[a..=b].iter().any(Option::is_none),
                        _ => false,
                    };
                    let mut path = String::new();
                    let mut pen_down = false;
                    for i in 0..n {
                        match ser.values.get(i).copied().flatten() {
                            Some(val) => {
                                if !holes {
                                    let _ = write!(
                                        path,
                                        "{}{:.1},{:.1} ",
                                        if pen_down { "L" } else { "M" },
                                        x(i),
                                        y(val)
                                    );
                                    pen_down = true;
                                    if n > 120 {
                                        continue;
                                    }
                                }
                                let _ = write!(
                                    s,
                                    r#"<circle class="{}" cx="{:.1}" cy="{:.1}" r="3"><title>{} · {}: {}</title></circle>"#,
                                    ser.class,
                                    x(i),
                                    y(val),
                                    escape(self.x_labels.get(i).map_or("", String::as_str)),
                                    escape(&ser.name),
                                    escape(&format!("{val:.2}"))
                                );
                            }
                            None => pen_down = false,
                        }
                    }
                    if !path.is_empty() {
                        let _ = write!(
                            s,
                            r#"<path class="{} line" d="{}"/>"#,
                            ser.class,
                            path.trim()
                        );
                    }
                }
            }
        }
        // Legend.
        let mut lx = LEFT;
        let ly = H - 14.0;
        for ser in &self.series {
            let _ = write!(
                s,
                r#"<rect class="{}" x="{lx:.1}" y="{:.1}" width="12" height="12"/><text class="legend" x="{:.1}" y="{ly:.1}">{}</text>"#,
                ser.class,
                ly - 10.0,
                lx + 16.0,
                escape(&ser.name)
            );
            lx += 24.0 + 8.0 * ser.name.chars().count() as f64;
        }
        // In a box that scrolls on a phone: the chart keeps a width where its labels stay
        // readable (at least 10 px) instead of shrinking them.
        s.push_str("</svg></div>");
        s
    }
}

#[cfg(test)]
#[path = "charts_tests.rs"]
mod tests;
