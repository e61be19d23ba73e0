//! Checks a request's JSON against the schema the API documents for it, so that what the
//! served document refuses the server refuses too: the document and the validation are the
//! same schema, derived from the handler's type, and cannot drift apart.
//!
//! Covers the part of JSON Schema (2020-12) that `schemars` writes for our types: `type`,
//! `properties`, `required`, `additionalProperties`, `items`, `enum`, `const`, string lengths
//! and patterns, number ranges, item counts and uniqueness, `anyOf`/`oneOf`/`allOf`/`not`,
//! and the formats the API uses. Unknown keywords are documentation and are ignored.

use regex::Regex;
use serde_json::Value;
use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Why a value does not conform: where, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// `name`, `sources[2]`; empty for the whole value.
    pub at: String,
    pub expected: String,
    /// The value has the wrong shape (type, missing or unknown field) rather than a wrong
    /// content (length, pattern, range): the API answers 400 for one and 422 for the other.
    pub shape: bool,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.at.is_empty() {
            f.write_str(&self.expected)
        } else {
            write!(f, "{}: {}", self.at, self.expected)
        }
    }
}

/// A schema with its patterns compiled once.
pub struct Contract {
    schema: Value,
    patterns: HashMap<String, Regex>,
}

impl Contract {
    pub fn new(schema: Value) -> Self {
        let mut patterns = HashMap::new();
        collect_patterns(&schema, &mut patterns);
        Self { schema, patterns }
    }

    pub fn schema(&self) -> &Value {
        &self.schema
    }

    pub fn check(&self, value: &Value) -> Result<(), Violation> {
        self.at(&self.schema, value, "")
    }

    fn at(&self, schema: &Value, value: &Value, at: &str) -> Result<(), Violation> {
        let Some(s) = schema.as_object() else {
            // `true` (or a bare schema we do not model) accepts anything; `false` nothing.
            return match schema {
                Value::Bool(false) => Err(content(at, "no value is allowed here")),
                _ => Ok(()),
            };
        };
        if let Some(types) = s.get("type") {
            let ok = match types {
                Value::String(t) => is_type(value, t),
                Value::Array(ts) => ts
                    .iter()
                    .filter_map(Value::as_str)
                    .any(|t| is_type(value, t)),
                _ => true,
            };
            if !ok {
                return Err(shape(at, &format!("must be {}", type_words(types))));
            }
        }
        if let Some(allowed) = s.get("enum").and_then(Value::as_array)
            && !allowed.contains(value)
        {
            return Err(content(at, &format!("must be one of {}", list(allowed))));
        }
        if let Some(c) = s.get("const")
            && c != value
        {
            return Err(content(at, &format!("must be {c}")));
        }
        match value {
            Value::String(text) => self.string(s, text, at)?,
            Value::Number(n) => number(s, n, at)?,
            Value::Array(items) => self.array(s, items, at)?,
            Value::Object(fields) => self.object(s, fields, at)?,
            _ => {}
        }
        if let Some(all) = s.get("allOf").and_then(Value::as_array) {
            for sub in all {
                self.at(sub, value, at)?;
            }
        }
        if let Some(any) = s.get("anyOf").and_then(Value::as_array) {
            let mut first = None;
            if !any.iter().any(|sub| match self.at(sub, value, at) {
                Ok(()) => true,
                Err(v) => {
                    first.get_or_insert(v);
                    false
                }
            }) {
                return Err(first.unwrap_or_else(|| content(at, "matches none of its forms")));
            }
        }
        if let Some(one) = s.get("oneOf").and_then(Value::as_array) {
            let results: Vec<_> = one.iter().map(|sub| self.at(sub, value, at)).collect();
            match results.iter().filter(|r| r.is_ok()).count() {
                1 => {}
                0 => {
                    let first = results.into_iter().find_map(Result::err);
                    return Err(first.unwrap_or_else(|| content(at, "matches none of its forms")));
                }
                _ => return Err(shape(at, "matches more than one of its forms")),
            }
        }
        if let Some(not) = s.get("not")
            && self.at(not, value, at).is_ok()
        {
            return Err(content(at, "is a value that is not allowed"));
        }
        Ok(())
    }

    fn string(
        &self,
        s: &serde_json::Map<String, Value>,
        text: &str,
        at: &str,
    ) -> Result<(), Violation> {
        let chars = text.chars().count() as u64;
        if let Some(min) = s.get("minLength").and_then(Value::as_u64)
            && chars < min
        {
            return Err(content(at, &format!("at least {min} characters")));
        }
        if let Some(max) = s.get("maxLength").and_then(Value::as_u64)
            && chars > max
        {
            return Err(content(at, &format!("at most {max} characters")));
        }
        if let Some(p) = s.get("pattern").and_then(Value::as_str)
            && let Some(re) = self.patterns.get(p)
            && !re.is_match(text)
        {
            return Err(content(at, &pattern_words(p)));
        }
        if let Some(f) = s.get("format").and_then(Value::as_str) {
            format(f, text).map_err(|e| content(at, e))?;
        }
        Ok(())
    }

    fn array(
        &self,
        s: &serde_json::Map<String, Value>,
        items: &[Value],
        at: &str,
    ) -> Result<(), Violation> {
        let n = items.len() as u64;
        if let Some(min) = s.get("minItems").and_then(Value::as_u64)
            && n < min
        {
            return Err(content(at, &format!("at least {min} items")));
        }
        if let Some(max) = s.get("maxItems").and_then(Value::as_u64)
            && n > max
        {
            return Err(content(at, &format!("at most {max} items")));
        }
        if s.get("uniqueItems") == Some(&Value::Bool(true)) {
            for (i, item) in items.iter().enumerate() {
                if items[..i].contains(item) {
                    return Err(content(at, &format!("{item} is listed twice")));
                }
            }
        }
        if let Some(each) = s.get("items") {
            for (i, item) in items.iter().enumerate() {
                self.at(each, item, &format!("{at}[{i}]"))?;
            }
        }
        Ok(())
    }

    fn object(
        &self,
        s: &serde_json::Map<String, Value>,
        fields: &serde_json::Map<String, Value>,
        at: &str,
    ) -> Result<(), Violation> {
        let child = |name: &str| {
            if at.is_empty() {
                name.to_string()
            } else {
                format!("{at}.{name}")
            }
        };
        for name in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(name) = name.as_str()
                && !fields.contains_key(name)
            {
                return Err(shape(&child(name), "is required"));
            }
        }
        let properties = s.get("properties").and_then(Value::as_object);
        for (name, value) in fields {
            match properties.and_then(|p| p.get(name)) {
                Some(sub) => self.at(sub, value, &child(name))?,
                None => match s.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        return Err(shape(&child(name), "is not a field of this body"));
                    }
                    Some(sub @ Value::Object(_)) => self.at(sub, value, &child(name))?,
                    _ => {}
                },
            }
        }
        Ok(())
    }
}

fn number(
    s: &serde_json::Map<String, Value>,
    n: &serde_json::Number,
    at: &str,
) -> Result<(), Violation> {
    let x = n.as_f64().unwrap_or(f64::NAN);
    if let Some(min) = s.get("minimum").and_then(Value::as_f64)
        && x < min
    {
        return Err(content(at, &format!("at least {min}")));
    }
    if let Some(max) = s.get("maximum").and_then(Value::as_f64)
        && x > max
    {
        return Err(content(at, &format!("at most {max}")));
    }
    if let Some(f) = s.get("format").and_then(Value::as_str)
        && let Some((lo, hi)) = int_range(f)
        && !(lo..=hi).contains(&x)
    {
        return Err(content(at, &format!("between {lo} and {hi}")));
    }
    Ok(())
}

/// The ranges `schemars` names integer types by.
fn int_range(format: &str) -> Option<(f64, f64)> {
    Some(match format {
        "uint8" => (0.0, u8::MAX as f64),
        "uint16" => (0.0, u16::MAX as f64),
        "uint32" => (0.0, u32::MAX as f64),
        "uint64" | "uint" => (0.0, u64::MAX as f64),
        "int8" => (i8::MIN as f64, i8::MAX as f64),
        "int16" => (i16::MIN as f64, i16::MAX as f64),
        "int32" => (i32::MIN as f64, i32::MAX as f64),
        "int64" | "int" => (i64::MIN as f64, i64::MAX as f64),
        _ => return None,
    })
}

/// The string formats the API documents, each checked by the same code the server uses.
fn format(f: &str, text: &str) -> Result<(), &'static str> {
    let ok = match f {
        "email" => crate::domain::Email::parse(text).is_ok(),
        "date-time" => crate::domain::when::parse_time(&text.to_ascii_uppercase()).is_some(),
        "date" => time::Date::parse(
            text,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .is_ok(),
        "ipv4" => text.parse::<std::net::Ipv4Addr>().is_ok(),
        "ipv6" => text.parse::<std::net::Ipv6Addr>().is_ok(),
        _ => true,
    };
    if ok {
        return Ok(());
    }
    Err(match f {
        "email" => "not an email address",
        "date-time" => "not an RFC 3339 time",
        "date" => "not a date (2026-01-31)",
        _ => "not an address",
    })
}

fn is_type(value: &Value, t: &str) -> bool {
    match t {
        "string" => value.is_string(),
        "integer" => {
            value.as_i64().is_some()
                || value.as_u64().is_some()
                || value.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "null" => value.is_null(),
        _ => true,
    }
}

fn type_words(types: &Value) -> String {
    let word = |t: &str| match t {
        "string" => "text",
        "integer" => "a whole number",
        "number" => "a number",
        "boolean" => "true or false",
        "array" => "a list",
        "object" => "an object",
        "null" => "null",
        _ => "of another type",
    };
    match types {
        Value::Array(ts) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(word)
            .collect::<Vec<_>>()
            .join(" or "),
        Value::String(t) => word(t).to_string(),
        _ => "of another type".into(),
    }
}

fn list(values: &[Value]) -> String {
    values
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Our patterns for free text say what they forbid; others are named as they are.
fn pattern_words(p: &str) -> String {
    if p.contains(r"\x00-\x1f") {
        if p.contains(r"\S") || p.contains(r"[^\s") {
            "not blank, and no control characters".into()
        } else {
            "no control characters".into()
        }
    } else {
        format!("must match {p}")
    }
}

fn shape(at: &str, expected: &str) -> Violation {
    Violation {
        at: at.into(),
        expected: expected.into(),
        shape: true,
    }
}

fn content(at: &str, expected: &str) -> Violation {
    Violation {
        at: at.into(),
        expected: expected.into(),
        shape: false,
    }
}

fn collect_patterns(schema: &Value, out: &mut HashMap<String, Regex>) {
    match schema {
        Value::Object(o) => {
            if let Some(Value::String(p)) = o.get("pattern")
                && !out.contains_key(p)
            {
                // A pattern the regex engine cannot read is a bug in our types, found by
                // `every_documented_pattern_compiles`; at run time it checks nothing.
                if let Ok(re) = Regex::new(p) {
                    out.insert(p.clone(), re);
                }
            }
            o.values().for_each(|v| collect_patterns(v, out));
        }
        Value::Array(a) => a.iter().for_each(|v| collect_patterns(v, out)),
        _ => {}
    }
}

/// Contracts made once per type and kept for the server's life (the state holds this).
#[derive(Default, Clone)]
pub struct Contracts(Arc<RwLock<HashMap<TypeId, Arc<Contract>>>>);

impl Contracts {
    pub fn get_or_make(&self, id: TypeId, make: impl FnOnce() -> Value) -> Arc<Contract> {
        if let Some(c) = self.0.read().unwrap_or_else(|e| e.into_inner()).get(&id) {
            return c.clone();
        }
        let made = Arc::new(Contract::new(make()));
        self.0
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(id)
            .or_insert(made)
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_keyword_refuses_what_it_forbids_and_takes_the_rest() {
        let c = Contract::new(json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 5, "pattern": r"^[a-z]+$"},
                "plan": {"type": ["string", "null"], "enum": ["a", "b", null]},
                "stars": {"type": ["integer", "null"], "format": "uint8", "minimum": 1, "maximum": 5},
                "tags": {"type": "array", "uniqueItems": true, "maxItems": 2, "items": {"type": "string"}},
                "when": {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]},
                "email": {"type": "string", "format": "email"},
                "not_x": {"not": {"const": "x"}}
            }
        }));
        assert!(c.check(&json!({"name": "abc"})).is_ok());
        assert!(
            c.check(
                &json!({"name": "abc", "plan": null, "stars": 5, "tags": ["a", "b"],
            "when": "2026-01-31", "email": "a@b.co", "not_x": "y"})
            )
            .is_ok()
        );
        assert!(
            c.check(&json!({"name": "abc", "when": "2026-01-31T10:00:00Z"}))
                .is_ok()
        );
        let refused = |v: Value, at: &str, shape: bool| {
            let e = c.check(&v).unwrap_err();
            assert_eq!((e.at.as_str(), e.shape), (at, shape), "{v}: {e}");
        };
        refused(json!({}), "name", true);
        refused(json!({"name": 3}), "name", true);
        refused(json!({"name": ""}), "name", false);
        refused(json!({"name": "abcdef"}), "name", false);
        refused(json!({"name": "ab1"}), "name", false);
        refused(json!({"name": "a", "extra": 1}), "extra", true);
        refused(json!({"name": "a", "plan": "c"}), "plan", false);
        refused(json!({"name": "a", "stars": 0}), "stars", false);
        refused(json!({"name": "a", "stars": 2.5}), "stars", true);
        refused(json!({"name": "a", "tags": ["a", "a"]}), "tags", false);
        refused(json!({"name": "a", "tags": ["a", "b", "c"]}), "tags", false);
        refused(json!({"name": "a", "tags": [1]}), "tags[0]", true);
        refused(json!({"name": "a", "when": ""}), "when", false);
        refused(json!({"name": "a", "email": "nobody"}), "email", false);
        refused(json!({"name": "a", "not_x": "x"}), "not_x", false);
    }

    #[test]
    fn one_of_takes_exactly_one_form() {
        let c = Contract::new(
            json!({"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 10}]}),
        );
        assert!(c.check(&json!(3)).is_ok());
        assert!(c.check(&json!(2.5)).is_err());
        assert!(c.check(&json!(12)).is_err(), "both forms match");
        assert!(c.check(&json!(12.5)).is_ok());
    }

    #[test]
    fn every_documented_pattern_compiles() {
        let doc = super::super::document();
        let mut found = Vec::new();
        fn walk(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(o) => {
                    if let Some(Value::String(p)) = o.get("pattern") {
                        out.push(p.clone());
                    }
                    o.values().for_each(|v| walk(v, out));
                }
                Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
                _ => {}
            }
        }
        walk(&doc, &mut found);
        assert!(found.len() > 10, "{found:?}");
        for p in found {
            assert!(Regex::new(&p).is_ok(), "{p}");
        }
    }
}
