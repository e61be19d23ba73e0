//! The WAF: normalizes what a request carries (URL-decoded twice, lower case, whitespace and
//! SQL comments folded) and runs the rules that fit each value's context.

mod crs;
mod decode;
mod multipart;
mod rules;
mod transforms;

pub use rules::{Context, Family, RULE_IDS};

use crate::config::{WafConfig, WafMode};
use actix_web::http::Method;
use actix_web::http::header::HeaderMap;
pub use decode::normalize;
use decode::{command_line, decode};
use regex::RegexSet;
use rules::Rule;
use std::collections::HashSet;

/// A rule that matched, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub family: Family,
    pub location: String,
}

/// Field names whose values are prose people write: only prose-safe rules apply to them.
const FREE_TEXT: &[&str] = &[
    "text",
    "comment",
    "reply",
    "review",
    "note",
    "notes",
    "message",
    "body",
    "body_text",
    "body_html",
    "description",
    "subject",
    "feedback",
    "q",
    "name",
    "address",
    "title",
];

const OWN_COOKIES: &[&str] = &["__Host-plaudit_session", "plaudit_session", "plaudit_flash"];

const METHODS: &[Method] = &[
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
    Method::OPTIONS,
];

pub struct Waf {
    pub mode: WafMode,
    rules: Vec<Rule>,
    /// Per context: every enabled rule's pattern in one set (one pass over a value), and which
    /// rule each set entry is.
    sets: Vec<(Context, RegexSet, Vec<usize>)>,
    disabled: HashSet<String>,
    /// CRS's own level-1 rules, after ours (see `crs.rs`).
    crs: crs::Crs,
    max_headers: usize,
    max_header_bytes: usize,
}

/// A URL's bracketed IPv6 authority (`https://[2001:db8::1]:8443/hook`, a webhook target) reads
/// as a host name to the rules: its brackets are not a shell glob. Only a real IPv6 address
/// between `//[` and `]` is rewritten, so nothing else can hide behind it.
fn mask_ipv6_authorities(value: &str) -> std::borrow::Cow<'_, str> {
    if !value.contains("//[") {
        return std::borrow::Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(i) = rest.find("//[") {
        out.push_str(&rest[..i + 2]);
        let after = &rest[i + 3..];
        match after.find(']') {
            Some(end)
                if after[..end].split('%').next().is_some_and(|a| {
                    a.contains(':') && a.parse::<std::net::Ipv6Addr>().is_ok()
                }) =>
            {
                out.push_str("ipv6-host");
                rest = &after[end + 1..];
            }
            _ => {
                out.push('[');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// Whether `id` names a rule: one of ours, or a CRS rule number the WAF runs.
pub fn rule_exists(id: &str) -> bool {
    RULE_IDS.contains(&id) || crs::has_rule(id)
}

/// The config check (`config::Check`) that every disabled rule names a rule.
pub fn check_config(config: &mut crate::Config) -> Result<(), (&'static str, String)> {
    match config.waf.disabled_rules.iter().find(|id| !rule_exists(id)) {
        Some(id) => Err((
            "waf.disabled_rules",
            format!(
                "no WAF rule `{id}`; see config.example.toml for the ids (and CRS's rule numbers, e.g. 942100)"
            ),
        )),
        None => Ok(()),
    }
}

/// Which part of the request, in CRS's terms, a value scanned at `location` comes from. A body
/// read whole as text (no type, or one not parsed) is also read as form fields, which is what
/// CRS's rules see; the whole text is for our rules only.
fn crs_target(location: &str) -> Option<crs::Target<'_>> {
    use crs::Target;
    Some(match location {
        "body" => return None,
        "query name" | "form name" | "json key" | "multipart name" => Target::ArgNames,
        "cookie name" => Target::CookieNames,
        "uri" => Target::UriRaw,
        l if l.starts_with("cookie ") => Target::Cookies,
        l if ["query ", "form ", "json ", "multipart "]
            .iter()
            .any(|p| l.starts_with(p)) =>
        {
            Target::Args
        }
        header => Target::Header(header),
    })
}

fn is_free_text(name: &str) -> bool {
    FREE_TEXT.contains(&name.to_ascii_lowercase().as_str())
}

impl Waf {
    pub fn new(config: &WafConfig) -> Self {
        let rules = rules::build();
        let disabled: HashSet<String> = config.disabled_rules.iter().cloned().collect();
        let sets = [
            Context::Path,
            Context::Value,
            Context::FreeText,
            Context::UserAgent,
            Context::FileName,
        ]
        .into_iter()
        .map(|context| {
            let members: Vec<usize> = (0..rules.len())
                .filter(|&i| {
                    rules[i].contexts.contains(&context) && !disabled.contains(rules[i].id)
                })
                .collect();
            let set = RegexSet::new(members.iter().map(|&i| rules[i].source.as_str()))
                .unwrap_or_else(|e| {
                    unreachable!("rules compiled one by one compile together: {e}")
                });
            (context, set, members)
        })
        .collect();
        Self {
            mode: config.mode,
            rules,
            sets,
            disabled,
            crs: crs::Crs::load(),
            max_headers: config.max_headers,
            max_header_bytes: config.max_header_bytes,
        }
    }

    fn enabled(&self, id: &str) -> bool {
        self.mode != WafMode::Off && !self.disabled.contains(id)
    }

    fn finding(&self, id: &'static str, family: Family, location: &str) -> Option<Finding> {
        self.enabled(id).then(|| Finding {
            rule: id,
            family,
            location: location.to_string(),
        })
    }

    /// Runs every enabled rule for `context` over one value.
    pub fn scan(&self, value: &str, context: Context, location: &str) -> Option<Finding> {
        if value.is_empty() || self.mode == WafMode::Off {
            return None;
        }
        let masked = mask_ipv6_authorities(value);
        let value = masked.as_ref();
        let normalized = normalize(value);
        // MySQL runs code in `/*! ... */` and reads optimizer hints in `/*+ ... */`; folding
        // comments away would hide them.
        if context != Context::FreeText && self.enabled("sqli-comment-exec") {
            // On the value as received too: decoding reads `+` as a space, which is right for a
            // raw query but loses the `+` of a hint in a value already decoded once.
            let decoded = decode(value);
            let hint = [value, decoded.as_str()].iter().any(|v| {
                v.match_indices("/*")
                    .any(|(i, _)| v[i + 2..].trim_start().starts_with(['!', '+']))
            });
            if hint {
                return self.finding("sqli-comment-exec", Family::Sqli, location);
            }
        }
        let (_, set, members) = self.sets.iter().find(|(c, _, _)| *c == context)?;
        // Shell rules also see the command line as a shell would after its quoting tricks; it
        // differs only when the value holds quotes, backslashes or `$`.
        let shell = normalized
            .contains(['\'', '"', '\\', '$'])
            .then(|| command_line(&normalized));
        let candidates = set.matches(&normalized).into_iter().chain(
            shell
                .iter()
                .flat_map(|sh| set.matches(sh).into_iter())
                .filter(|&i| self.rules[members[i]].family == Family::Shell),
        );
        let ours = candidates
            .map(|hit| &self.rules[members[hit]])
            // The set says "may match"; a rule with a condition beyond its pattern confirms.
            .find(|r| {
                r.matches(&normalized)
                    || (r.family == Family::Shell && shell.as_ref().is_some_and(|sh| r.matches(sh)))
            })
            .map(|r| Finding {
                rule: r.id,
                family: r.family,
                location: location.to_string(),
            });
        ours.or_else(|| self.scan_crs(value, context, location))
    }

    /// CRS's rules for the part of the request `context` and `location` name; never on free
    /// text, where only prose-safe rules run.
    fn scan_crs(&self, value: &str, context: Context, location: &str) -> Option<Finding> {
        let target = match context {
            Context::FreeText => return None,
            Context::Path => crs::Target::Filename,
            Context::UserAgent => crs::Target::Header("user-agent"),
            Context::FileName => crs::Target::FileName,
            Context::Value => crs_target(location)?,
        };
        let (rule, family) = self
            .crs
            .scan(value, target, |id| self.disabled.contains(id))?;
        Some(Finding {
            rule,
            family,
            location: location.to_string(),
        })
    }

    /// A parameter or JSON key name: every rule but the shell ones (`id`, `uname`, `ls` are
    /// ordinary names; a command needs a shell to read a value, never a name).
    fn scan_name(&self, name: &str, location: &str) -> Option<Finding> {
        // Unless the name holds shell syntax itself (`view=x&cmd < file` sent as one name).
        let shellish = name.contains([';', '|', '&', '`', '$', '<', '>']);
        self.scan(name, Context::Value, location)
            .filter(|f| shellish || f.family != Family::Shell)
    }

    /// Method, protocol, path, query and headers: everything before the body.
    pub fn inspect_head(
        &self,
        method: &Method,
        path: &str,
        query: &str,
        headers: &HeaderMap,
    ) -> Option<Finding> {
        // Under /api the router answers an undeclared method itself (405 with `Allow`, as API
        // clients expect); it never echoes a request, so TRACE there is harmless.
        if !METHODS.contains(method) && !crate::edge::routes::classify(path).is_api() {
            return self.finding("proto-method", Family::Protocol, "method");
        }
        let lengths = headers.get_all("content-length").count();
        let chunked = headers.get("transfer-encoding");
        if lengths > 1
            || (lengths == 1 && chunked.is_some())
            || chunked.is_some_and(|te| !te.as_bytes().eq_ignore_ascii_case(b"chunked"))
        {
            return self.finding("proto-smuggling", Family::Protocol, "headers");
        }
        let header_bytes: usize = headers
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len())
            .sum();
        if headers.len() > self.max_headers || header_bytes > self.max_header_bytes {
            return self.finding("proto-headers", Family::Protocol, "headers");
        }
        let has_nul = |s: &str| s.contains('\0') || s.to_ascii_lowercase().contains("%00");
        if has_nul(path) || has_nul(query) || headers.iter().any(|(_, v)| v.as_bytes().contains(&0))
        {
            return self.finding("proto-nul", Family::Protocol, "request");
        }
        if let Some(f) = self.scan(path, Context::Path, "path") {
            return Some(f);
        }
        let uri = if query.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{query}")
        };
        if let Some(f) = self.scan_crs(&uri, Context::Value, "uri") {
            return Some(f);
        }
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let context = if is_free_text(&name) {
                Context::FreeText
            } else {
                Context::Value
            };
            if let Some(f) = self
                .scan(&value, context, &format!("query {name}"))
                .or_else(|| self.scan_name(&name, "query name"))
            {
                return Some(f);
            }
        }
        for (name, value) in headers {
            let Ok(value) = value.to_str() else { continue };
            let found = match name.as_str() {
                "user-agent" => self.scan(value, Context::UserAgent, "user-agent"),
                "x-filename" | "x_filename" | "x-file-name" => {
                    self.scan_file_name(value, name.as_str())
                }
                // Opaque credentials: nothing an attacker writes there reaches a parser of ours.
                "authorization" | "x-csrf-token" | "if-none-match" => None,
                "cookie" => value.split(';').find_map(|c| {
                    let (k, v) = c.split_once('=').unwrap_or(("", c));
                    let k = k.trim();
                    // Our own cookies: a signed session, and a flash message that may quote
                    // the person's own rejected input back to them.
                    if OWN_COOKIES.contains(&k) {
                        return None;
                    }
                    // The name too: nothing legitimate names a cookie `<p style=…>`.
                    self.scan(v, Context::Value, &format!("cookie {k}"))
                        .or_else(|| self.scan(k, Context::Value, "cookie name"))
                }),
                other => self.scan(value, Context::Value, other),
            };
            if found.is_some() {
                return found;
            }
        }
        None
    }

    /// Form, multipart and JSON bodies, field by field; `content_type` is the whole header.
    pub fn inspect_body(&self, content_type_header: &str, body: &[u8]) -> Option<Finding> {
        if self.mode == WafMode::Off || body.is_empty() {
            return None;
        }
        let content_type = content_type_header.to_ascii_lowercase();
        // Binary is expected only inside an uploaded file (a PNG logo holds many NULs).
        let in_files = content_type.starts_with("multipart/form-data")
            && multipart::boundary(content_type_header)
                .is_some_and(|b| multipart::nuls_only_in_files(body, &b));
        if body.contains(&0) && !in_files {
            return self.finding("proto-nul", Family::Protocol, "body");
        }
        if content_type.starts_with("application/json") {
            let value: serde_json::Value = serde_json::from_slice(body).ok()?;
            return self.walk_json(&value, None);
        }
        let form = |body: &[u8]| {
            url::form_urlencoded::parse(body).find_map(|(name, value)| {
                let context = if is_free_text(&name) {
                    Context::FreeText
                } else {
                    Context::Value
                };
                self.scan(&value, context, &format!("form {name}"))
                    .or_else(|| self.scan_name(&name, "form name"))
            })
        };
        if content_type.starts_with("application/x-www-form-urlencoded") {
            return form(body);
        }
        if content_type.starts_with("multipart/form-data") {
            return self.inspect_multipart(content_type_header, body);
        }
        // No type, or one we do not parse (XML, text): read it as form data, as CRS does, and
        // as one text.
        form(body).or_else(|| self.scan(&String::from_utf8_lossy(body), Context::Value, "body"))
    }

    /// A file name: the rules for uploads, then those for any value (traversal, shell).
    fn scan_file_name(&self, name: &str, location: &str) -> Option<Finding> {
        self.scan(name, Context::FileName, location)
            .or_else(|| self.scan(name, Context::Value, location))
    }

    /// A multipart form: each field by its name (free text or not), each file by its name
    /// only (a file's content is data for the handler that parses it, like a CSV upload).
    fn inspect_multipart(&self, content_type: &str, body: &[u8]) -> Option<Finding> {
        let Some(boundary) = multipart::boundary(content_type) else {
            return self.finding("proto-multipart", Family::Protocol, "content-type");
        };
        for part in multipart::parts(body, &boundary) {
            if let Some(found) = self.scan_name(&part.name, "multipart name") {
                return Some(found);
            }
            let found = match &part.filename {
                Some(file) => self.scan_file_name(file, "multipart filename"),
                None => {
                    let context = if is_free_text(&part.name) {
                        Context::FreeText
                    } else {
                        Context::Value
                    };
                    let value = String::from_utf8_lossy(part.value);
                    self.scan(&value, context, &format!("multipart {}", part.name))
                }
            };
            if found.is_some() {
                return found;
            }
        }
        None
    }

    fn walk_json(&self, value: &serde_json::Value, key: Option<&str>) -> Option<Finding> {
        match value {
            serde_json::Value::String(s) => {
                let context = if key.is_some_and(is_free_text) {
                    Context::FreeText
                } else {
                    Context::Value
                };
                self.scan(s, context, &format!("json {}", key.unwrap_or("value")))
            }
            serde_json::Value::Array(items) => items.iter().find_map(|v| self.walk_json(v, key)),
            serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
                self.scan_name(k, "json key")
                    .or_else(|| self.walk_json(v, Some(k)))
            }),
            _ => None,
        }
    }
}
