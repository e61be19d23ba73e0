//! The charts' tests: axes, whole-number counts, holes drawn as points, escaping.
use super::*;

#[test]
fn charts_have_axes_legend_and_escaped_text() {
    let c = Chart {
        id: "v",
        title: "Volume <by> source",
        summary: "12 items".into(),
        x_labels: vec!["Mon".into(), "<script>".into()],
        series: vec![Series {
            name: "Google & co".into(),
            class: "s-google",
            values: vec![Some(3.0), Some(9.0)],
        }],
        kind: Kind::StackedBars,
        y_range: None,
        y_unit: "items",
    };
    let svg = c.svg();
    assert!(svg.contains("<title id=\"v-t\">Volume &lt;by&gt; source</title>"));
    assert!(svg.contains("&lt;script&gt;") && !svg.contains("<script>"));
    assert!(svg.contains("Google &amp; co"));
    assert!(
        svg.contains(">10</text>"),
        "the y axis reaches a round 10: {svg}"
    );
    assert_eq!(
        svg.matches("<rect class=\"s-google\"").count(),
        3,
        "two bars and a legend key"
    );
    let line = Chart {
        kind: Kind::Lines,
        y_range: Some((1.0, 5.0)),
        series: vec![Series {
            name: "average".into(),
            class: "s-line",
            values: vec![Some(4.0), None, Some(3.0)],
        }],
        x_labels: vec!["a".into(), "b".into(), "c".into()],
        ..c
    }
    .svg();
    assert!(
        !line.contains("<path") && line.matches("<circle").count() == 2,
        "a series with holes is drawn as points, never a zigzag: {line}"
    );
    let full = Chart {
        kind: Kind::Lines,
        y_range: Some((1.0, 5.0)),
        series: vec![Series {
            name: "average".into(),
            class: "s-line",
            values: vec![None, Some(4.0), Some(3.5), Some(3.0)],
        }],
        x_labels: vec!["a".into(), "b".into(), "c".into(), "d".into()],
        y_unit: "stars",
        ..Chart {
            id: "r",
            title: "t",
            summary: String::new(),
            x_labels: vec![],
            series: vec![],
            kind: Kind::Lines,
            y_range: None,
            y_unit: "",
        }
    }
    .svg();
    assert!(full.contains("d=\"M"), "no hole inside: a line {full}");
}

/// Ticks of a count axis are whole numbers; the axis title sits above the plot, clear of
/// the top tick's label.
#[test]
fn count_axes_have_whole_ticks_and_a_title_clear_of_them() {
    for max in [3.0, 7.0, 12.0, 23.0, 130.0, 4_321.0] {
        let svg = Chart {
            id: "c",
            title: "t",
            summary: String::new(),
            x_labels: vec!["a".into()],
            series: vec![Series {
                name: "n".into(),
                class: "s-google",
                values: vec![Some(max)],
            }],
            kind: Kind::StackedBars,
            y_range: None,
            y_unit: "reviews",
        }
        .svg();
        let ticks: Vec<(f64, String)> = svg
            .split("<text class=\"tick\" x=\"42\" y=\"")
            .skip(1)
            .map(|t| {
                let y: f64 = t.split('"').next().unwrap().parse().unwrap();
                let label = t.split('>').nth(1).unwrap().split('<').next().unwrap();
                (y, label.to_string())
            })
            .collect();
        assert!(ticks.len() >= 2, "{svg}");
        for (_, label) in &ticks {
            assert!(!label.contains('.'), "{max}: tick {label} is not whole");
        }
        let top = ticks.iter().map(|t| t.0).fold(f64::MAX, f64::min);
        let title_y = 14.0;
        assert!(
            top - title_y >= 12.0,
            "the title overlaps the top tick: {svg}"
        );
    }
    assert_eq!(count_step(12.0), 5.0);
    assert_eq!(count_step(3.0), 1.0);
}

#[test]
fn steps_are_round() {
    assert_eq!(nice_step(100.0), 20.0);
    assert_eq!(nice_step(7.0), 2.0);
    assert_eq!(nice_step(1.0), 0.2);
    assert_eq!(nice_step(12.0), 2.5);
}
