//! Figures in words, the same in the PDF and the email: an average as "4.3", a rate as
//! "85 %", a change against the period before as "+12" or "−0.2".

use crate::services::stats::{Span, Totals};
use time::Date;

pub fn average(t: &Totals) -> String {
    t.average.map_or("–".into(), |a| format!("{a:.1}"))
}

pub fn rate(t: &Totals) -> String {
    t.response_rate
        .map_or("–".into(), |r| format!("{:.0} %", r * 100.0))
}

fn minutes(m: u32) -> String {
    match m {
        0..=59 => format!("{m} min"),
        60..=1439 => format!("{} h", m / 60),
        _ => format!("{} days", m / 1440),
    }
}

/// The median reply's time as the bucket it falls in.
pub fn response_time(t: &Totals) -> String {
    match t.median_response_minutes {
        None => "–".into(),
        Some(Span {
            from: 0,
            to: Some(to),
        }) => format!("under {}", minutes(to)),
        Some(Span { from, to: Some(to) }) => format!("{}–{}", minutes(from), minutes(to)),
        Some(Span { from, to: None }) => format!("over {}", minutes(from)),
    }
}

fn signed(v: f64, digits: usize) -> String {
    let s = format!("{:.*}", digits, v.abs());
    if s.trim_start_matches(['0', '.']).is_empty() {
        "no change".into()
    } else if v > 0.0 {
        format!("+{s}")
    } else {
        format!("−{s}")
    }
}

/// How this period's items, average and response rate moved from the one before.
pub struct Changes {
    pub items: String,
    pub average: String,
    pub rate: String,
}

pub fn changes(now: &Totals, before: &Totals) -> Changes {
    let diff = |a: Option<f64>, b: Option<f64>, k: f64, d: usize, unit: &str| match (a, b) {
        (Some(a), Some(b)) => {
            let s = signed((a - b) * k, d);
            if s == "no change" {
                s
            } else {
                format!("{s}{unit}")
            }
        }
        _ => "new".into(),
    };
    Changes {
        items: signed(now.items as f64 - before.items as f64, 0),
        average: diff(now.average, before.average, 1.0, 1, ""),
        rate: diff(now.response_rate, before.response_rate, 100.0, 0, " pts"),
    }
}

/// "March 2027" for a calendar month, else "1 Mar – 7 Mar 2027".
pub fn period(from: Date, to: Date) -> String {
    let whole_month = from.day() == 1
        && to.month() == from.month()
        && to.year() == from.year()
        && to.next_day().is_none_or(|d| d.day() == 1);
    if whole_month {
        return format!("{} {}", from.month(), from.year());
    }
    let day = time::macros::format_description!("[day padding:none] [month repr:short]");
    format!(
        "{} – {} {}",
        from.format(day).unwrap_or_default(),
        to.format(day).unwrap_or_default(),
        to.year()
    )
}

pub fn stars(stars: Option<u8>, recommends: Option<bool>) -> String {
    match (stars, recommends) {
        (Some(s), _) => format!("{s} of 5 stars"),
        (None, Some(true)) => "Recommends".into(),
        (None, Some(false)) => "Does not recommend".into(),
        (None, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn changes_and_periods_read_plainly() {
        let t = |items, avg, rate| Totals {
            items,
            average: avg,
            response_rate: rate,
            ..Default::default()
        };
        let c = changes(
            &t(12, Some(4.34), Some(0.5)),
            &t(10, Some(4.12), Some(0.75)),
        );
        assert_eq!(
            (c.items.as_str(), c.average.as_str(), c.rate.as_str()),
            ("+2", "+0.2", "−25 pts")
        );
        let c = changes(&t(10, Some(4.0), None), &t(10, None, None));
        assert_eq!((c.items.as_str(), c.average.as_str()), ("no change", "new"));
        assert_eq!(
            period(date!(2027 - 02 - 01), date!(2027 - 02 - 28)),
            "February 2027"
        );
        assert_eq!(
            period(date!(2027 - 02 - 22), date!(2027 - 02 - 28)),
            "22 Feb – 28 Feb 2027"
        );
        assert_eq!(rate(&t(1, None, Some(0.856))), "86 %");
    }
}
