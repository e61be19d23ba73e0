//! Numbers and times in words for people: "1 contact", "2,345 contacts", times to the second.

/// Counts as templates hold them (by value or by reference), for `count`.
pub trait Number {
    fn value(&self) -> u64;
}

impl Number for usize {
    fn value(&self) -> u64 {
        *self as u64
    }
}

impl Number for u64 {
    fn value(&self) -> u64 {
        *self
    }
}

impl<N: Number> Number for &N {
    fn value(&self) -> u64 {
        (*self).value()
    }
}

/// `n` with thousands separators and the noun in the right number.
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// 1234567 → "1,234,567".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// A time to the second, in UTC: "2026-12-05 14:03:22 UTC".
pub fn time(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{} {:02}:{:02}:{:02} UTC",
        t.date(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// A duration in words, its two largest units: "1 day 4 hours", "3 minutes", "45 seconds".
pub fn duration(d: time::Duration) -> String {
    let secs = d.whole_seconds().unsigned_abs();
    let units = [
        (86_400, "day", "days"),
        (3_600, "hour", "hours"),
        (60, "minute", "minutes"),
        (1, "second", "seconds"),
    ];
    let mut parts = Vec::new();
    let mut rest = secs;
    for (size, one, many) in units {
        let n = rest / size;
        rest %= size;
        if n > 0 || !parts.is_empty() {
            parts.push((n, one, many));
        }
    }
    let shown: Vec<String> = parts
        .into_iter()
        .take(2)
        .filter(|p| p.0 > 0)
        .map(|(n, one, many)| count(n, one, many))
        .collect();
    if shown.is_empty() {
        "0 seconds".into()
    } else {
        shown.join(" ")
    }
}

/// How long ago `t` was, seen at `now`: "1 day 4 hours ago", or "just now".
pub fn ago(now: time::OffsetDateTime, t: time::OffsetDateTime) -> String {
    if now - t < time::Duration::seconds(1) {
        "just now".into()
    } else {
        format!("{} ago", duration(now - t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_as_words() {
        assert_eq!(count(0, "row", "rows"), "0 rows");
        assert_eq!(count(1, "row", "rows"), "1 row");
        assert_eq!(count(1234567, "member", "members"), "1,234,567 members");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
    }

    #[test]
    fn durations_read_as_their_two_largest_units() {
        let d = time::Duration::seconds;
        assert_eq!(duration(d(0)), "0 seconds");
        assert_eq!(duration(d(45)), "45 seconds");
        assert_eq!(duration(d(60)), "1 minute");
        assert_eq!(duration(d(100_800)), "1 day 4 hours");
        assert_eq!(duration(d(86_400 + 59)), "1 day");
        assert_eq!(duration(d(3 * 3_600 + 61)), "3 hours 1 minute");
        let now = time::OffsetDateTime::UNIX_EPOCH + d(1_000_000);
        assert_eq!(ago(now, now), "just now");
        assert_eq!(ago(now, now - d(120)), "2 minutes ago");
    }
}
