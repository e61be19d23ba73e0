//! WCAG 2 contrast between two colours, so text we colour (email footers, text on a brand's
//! colour) stays readable: AA asks at least 4.5:1 for normal text.

/// Relative luminance of `#rrggbb` (None for anything else).
fn luminance(hex: &str) -> Option<f64> {
    let h = hex.strip_prefix('#')?;
    if h.len() != 6 {
        return None;
    }
    let channel = |i: usize| -> Option<f64> {
        let c = f64::from(u8::from_str_radix(h.get(i..i + 2)?, 16).ok()?) / 255.0;
        Some(if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        })
    };
    Some(0.2126 * channel(0)? + 0.7152 * channel(2)? + 0.0722 * channel(4)?)
}

/// The contrast ratio of two `#rrggbb` colours, 1 to 21.
pub fn contrast(a: &str, b: &str) -> Option<f64> {
    let (x, y) = (luminance(a)?, luminance(b)?);
    let (hi, lo) = if x > y { (x, y) } else { (y, x) };
    Some((hi + 0.05) / (lo + 0.05))
}

/// Text colour for a button of `background`: white or dark ink, whichever reads better.
pub fn text_on(background: &str) -> &'static str {
    const WHITE: &str = "#ffffff";
    const INK: &str = "#1f2933";
    match (contrast(background, WHITE), contrast(background, INK)) {
        (Some(w), Some(i)) if i > w => INK,
        _ => WHITE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_follow_wcag_and_buttons_pick_the_readable_ink() {
        assert!((contrast("#000000", "#ffffff").unwrap() - 21.0).abs() < 0.01);
        assert!((contrast("#777777", "#ffffff").unwrap() - 4.48).abs() < 0.01);
        assert_eq!(contrast("red", "#ffffff"), None);
        assert_eq!(text_on("#2f6fde"), "#ffffff");
        assert_eq!(text_on("#ffeb3b"), "#1f2933");
        for bg in [
            "#2f6fde", "#ffeb3b", "#00ff00", "#800000", "#cccccc", "#ff6600",
        ] {
            assert!(contrast(bg, text_on(bg)).unwrap() >= 4.5, "{bg}");
        }
    }

    /// Every colour set on text in our email templates reads at AA on the light background
    /// the messages use (#f5f7fa, the darker of their two).
    #[test]
    fn email_text_colours_meet_wcag_aa() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/emails");
        let mut checked = 0;
        for kind in std::fs::read_dir(dir).unwrap().flatten() {
            let Ok(html) = std::fs::read_to_string(kind.path().join("body.html")) else {
                continue;
            };
            for (i, _) in html.match_indices("color:") {
                let before = &html[..i];
                if before.ends_with("background-") || before.ends_with("background:") {
                    continue;
                }
                let value = html[i + 6..].trim_start();
                let Some(digits) = value.strip_prefix('#') else {
                    continue; // a placeholder colour: text_on picks it
                };
                let digits: String = digits.chars().take_while(char::is_ascii_hexdigit).collect();
                let hex = match digits.len() {
                    3 => format!(
                        "#{}",
                        digits.chars().flat_map(|c| [c, c]).collect::<String>()
                    ),
                    _ => format!("#{digits}"),
                };
                if hex.eq_ignore_ascii_case("#ffffff") {
                    continue; // white on a coloured button, checked above
                }
                let ratio = contrast(&hex, "#f5f7fa").unwrap();
                assert!(ratio >= 4.5, "{hex} in {:?}: {ratio:.2}", kind.path());
                checked += 1;
            }
        }
        assert!(checked >= 6, "only {checked} colours found");
    }
}
