//! Rows of JSON written as CSV a spreadsheet opens safely: a column per key, nested values as
//! JSON text, and no cell a spreadsheet would run as a formula.

use serde_json::Value;
use std::io::Write;

/// A cell a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab or carriage return
/// first, in ASCII or fullwidth) gets a leading apostrophe, as OWASP recommends.
pub fn cell(s: &str) -> String {
    let first = s.trim_start_matches([' ']).chars().next();
    if matches!(
        first,
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\n' | '＝' | '＋' | '－' | '＠')
    ) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// The text of one value in a cell: strings as they are, nested values as JSON, null empty.
fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => cell(s),
        Value::Bool(_) | Value::Number(_) => v.to_string(),
        Value::Array(_) | Value::Object(_) => cell(&v.to_string()),
    }
}

/// The columns of `rows`: every key of every row, in the order first seen; `value` for rows
/// that are not objects.
pub fn columns_of<'a>(rows: impl IntoIterator<Item = &'a Value>) -> Vec<String> {
    let mut columns: Vec<String> = Vec::new();
    for row in rows {
        let keys: Vec<&str> = match row {
            Value::Object(o) => o.keys().map(String::as_str).collect(),
            _ => vec!["value"],
        };
        for k in keys {
            if !columns.iter().any(|c| c == k) {
                columns.push(k.to_string());
            }
        }
    }
    columns
}

/// A CSV table with fixed columns: a row's keys outside them are not written (the JSON
/// document beside the table is the complete record).
pub struct Table<W: Write> {
    out: csv::Writer<W>,
    columns: Vec<String>,
}

impl<W: Write> Table<W> {
    pub fn new(out: W, columns: Vec<String>) -> anyhow::Result<Self> {
        let mut out = csv::Writer::from_writer(out);
        out.write_record(columns.iter().map(|c| cell(c)))?;
        Ok(Table { out, columns })
    }

    pub fn row(&mut self, row: &Value) -> anyhow::Result<()> {
        let cells = self.columns.iter().map(|c| match row {
            Value::Object(o) => o.get(c).map(text).unwrap_or_default(),
            other if c == "value" => text(other),
            _ => String::new(),
        });
        self.out.write_record(cells)?;
        Ok(())
    }

    pub fn finish(self) -> anyhow::Result<()> {
        self.out.into_inner().map_err(|e| e.into_error())?.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn formula_cells_are_defused() {
        for bad in [
            "=1+1",
            "+SUM(A1)",
            "-2+3",
            "@cmd",
            "\t=x",
            "\r=x",
            "＝1",
            "  =HYPERLINK(\"x\")",
        ] {
            assert!(cell(bad).starts_with('\''), "{bad:?}");
        }
        for ok in ["Great food", "5 stars", "", "a=b"] {
            assert_eq!(cell(ok), ok);
        }
    }

    #[test]
    fn rows_become_columns_with_nested_values_as_json() {
        let rows = [
            json!({"id": 1, "text": "=HYPERLINK(\"x\")", "tags": ["a"]}),
            json!({"id": 2, "extra": null, "text": "fine, \"quoted\"\nline"}),
        ];
        let columns = columns_of(&rows);
        // serde_json keeps an object's keys sorted.
        assert_eq!(columns, ["id", "tags", "text", "extra"]);
        let mut out = Vec::new();
        let mut t = Table::new(&mut out, columns).unwrap();
        for r in &rows {
            t.row(r).unwrap();
        }
        t.finish().unwrap();
        let mut read = csv::Reader::from_reader(out.as_slice());
        let got: Vec<Vec<String>> = read
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        assert_eq!(got[0], ["1", "[\"a\"]", "'=HYPERLINK(\"x\")", ""]);
        assert_eq!(got[1], ["2", "", "fine, \"quoted\"\nline", ""]);
    }
}
