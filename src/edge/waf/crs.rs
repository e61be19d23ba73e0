//! OWASP CRS's own paranoia-level-1 request rules for 913/930/932/941/942, run as data: the
//! assembled expressions, word lists and libinjection checks behind each rule id, applied to
//! the parts of a request CRS names, after the transformations CRS names (libinjection's
//! `@detectSQLi` / `@detectXSS`, 942100 and 941100, are left out: see BENCHMARKS.md). They back the
//! grammar rules of `rules.rs` so the WAF covers the attack classes CRS knows, not only the
//! ones written here. Never applied to free-text fields (reviews, replies, searches): these
//! rules are tuned for a scoring engine and would refuse ordinary prose.
//!
//! `crs/pl1.jsonl` and `crs/*.data` are extracted from coreruleset (Apache-2.0) by
//! `scripts/crs-rules.py`; see `crs/NOTICE`.

use super::Family;
use super::transforms::{self, Transform};
use regex::{Regex, RegexSet};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// Sets already compiled, by pipeline and member rules (see `Crs::plan`).
type SetCache = HashMap<(usize, Vec<usize>), Option<(Arc<RegexSet>, Vec<usize>)>>;

const RULES: &str = include_str!("crs/pl1.jsonl");

fn word_list(name: &str) -> Option<&'static str> {
    Some(match name {
        "lfi-os-files.data" => include_str!("crs/lfi-os-files.data"),
        "restricted-files.data" => include_str!("crs/restricted-files.data"),
        "ai-critical-artifacts.data" => include_str!("crs/ai-critical-artifacts.data"),
        "unix-shell.data" => include_str!("crs/unix-shell.data"),
        "windows-powershell-commands.data" => include_str!("crs/windows-powershell-commands.data"),
        "scanners-user-agents.data" => include_str!("crs/scanners-user-agents.data"),
        "restricted-upload.data" => include_str!("crs/restricted-upload.data"),
        _ => return None,
    })
}

/// Whether the embedded file holds CRS rule `id` (for `waf.disabled_rules`).
pub fn has_rule(id: &str) -> bool {
    !id.is_empty()
        && id.bytes().all(|b| b.is_ascii_digit())
        && RULES.contains(&format!("\"id\": \"{id}\""))
}

/// The part of a request a value came from, as CRS names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    Args,
    ArgNames,
    Cookies,
    CookieNames,
    /// The path (`REQUEST_FILENAME`; its last segment is also `REQUEST_BASENAME`).
    Filename,
    /// The request target as received, query included.
    UriRaw,
    /// A header by its lower-case name.
    Header(&'a str),
    /// An uploaded file's name.
    FileName,
}

/// Which targets a rule reads: CRS's variable list with its exclusions.
#[derive(Debug, Default)]
struct Targets {
    args: bool,
    arg_names: bool,
    cookies: bool,
    cookie_names: bool,
    filename: bool,
    basename: bool,
    uri_raw: bool,
    files: bool,
    all_headers: bool,
    headers: Vec<String>,
    except_headers: Vec<String>,
}

impl Targets {
    fn parse(list: &[String]) -> Self {
        let mut t = Self::default();
        for v in list {
            let (negated, v) = v
                .strip_prefix('!')
                .map_or((false, v.as_str()), |r| (true, r));
            match v.split_once(':') {
                Some(("REQUEST_HEADERS", h)) if negated => t.except_headers.push(h.to_lowercase()),
                Some(("REQUEST_HEADERS", h)) => t.headers.push(h.to_lowercase()),
                _ => match v {
                    "ARGS" => t.args = true,
                    "ARGS_NAMES" => t.arg_names = true,
                    "REQUEST_COOKIES" => t.cookies = true,
                    "REQUEST_COOKIES_NAMES" => t.cookie_names = true,
                    "REQUEST_FILENAME" => t.filename = true,
                    "REQUEST_BASENAME" => t.basename = true,
                    "REQUEST_URI_RAW" | "REQUEST_LINE" => t.uri_raw = true,
                    "REQUEST_HEADERS" => t.all_headers = true,
                    "FILES" | "FILES_NAMES" => t.files = true,
                    _ => {}
                },
            }
        }
        t
    }

    fn reads(&self, target: Target) -> bool {
        match target {
            Target::Args => self.args,
            Target::ArgNames => self.arg_names,
            Target::Cookies => self.cookies,
            Target::CookieNames => self.cookie_names,
            Target::Filename => self.filename || self.basename,
            Target::UriRaw => self.uri_raw,
            Target::FileName => self.files,
            // The Cookie header is read as cookies, one by one.
            Target::Header("cookie") => false,
            Target::Header(h) => {
                (self.all_headers && !self.except_headers.iter().any(|x| x == h))
                    || self.headers.iter().any(|x| x == h)
            }
        }
    }
}

#[derive(serde::Deserialize)]
struct Source<'a> {
    /// CRS's rule id ("942100"), borrowed from the embedded file: the rule's name in findings,
    /// logs and `waf.disabled_rules`.
    #[serde(default, borrow)]
    id: &'a str,
    targets: Vec<String>,
    op: String,
    arg: String,
    negate: bool,
    t: Vec<String>,
    #[serde(default, borrow)]
    chain: Vec<Source<'a>>,
}

enum Matcher {
    /// Index into the pipeline's `RegexSet` (expressions and word lists alike).
    Set(usize),
    Contains(String),
}

struct Condition {
    pipeline: usize,
    matcher: Matcher,
    negate: bool,
}

struct CrsRule {
    id: &'static str,
    family: Family,
    targets: Targets,
    first: Condition,
    /// Further conditions on the same value (CRS's `chain` on `MATCHED_VAR`).
    chain: Vec<Condition>,
}

/// The transformations one group of rules applies, and those rules' expressions.
struct Pipeline {
    transforms: Vec<Transform>,
    patterns: Vec<String>,
    /// Each pattern compiled alone, for chained and negated conditions: on first use, since
    /// most patterns only ever run in a set (compiled NFAs are most of the WAF's memory). A
    /// pattern that does not compile never holds.
    compiled: Vec<OnceLock<Option<Regex>>>,
}

/// What runs for one kind of target: per pipeline, the first conditions of the rules that read
/// it as one set (one pass over the transformed value), and the rules whose first condition is
/// not an expression.
#[derive(Default)]
struct Plan {
    /// Shared with the kinds of target whose rules are the same (see `Crs::plan`).
    sets: Vec<(usize, Arc<RegexSet>, Vec<usize>)>,
    others: Vec<usize>,
}

/// The kinds of target a plan is made for (headers by the names rules single out).
const CLASSES: usize = 12;

fn class(target: Target) -> usize {
    match target {
        Target::Args => 0,
        Target::ArgNames => 1,
        Target::Cookies => 2,
        Target::CookieNames => 3,
        Target::Filename => 4,
        Target::UriRaw => 5,
        Target::FileName => 6,
        Target::Header("user-agent") => 7,
        Target::Header("referer") => 8,
        Target::Header("x-filename" | "x_filename" | "x-file-name") => 9,
        Target::Header("cookie") => 10,
        Target::Header(_) => 11,
    }
}

/// A target standing for each class, to ask the rules whether they read it.
const REPRESENTATIVES: [Target<'static>; CLASSES] = [
    Target::Args,
    Target::ArgNames,
    Target::Cookies,
    Target::CookieNames,
    Target::Filename,
    Target::UriRaw,
    Target::FileName,
    Target::Header("user-agent"),
    Target::Header("referer"),
    Target::Header("x-filename"),
    Target::Header("cookie"),
    Target::Header("accept"),
];

pub struct Crs {
    rules: Vec<CrsRule>,
    pipelines: Vec<Pipeline>,
    plans: Vec<Plan>,
}

fn family(id: &str) -> Family {
    match id.get(..3).unwrap_or_default() {
        "913" => Family::Scanner,
        "930" => Family::Traversal,
        "932" => Family::Shell,
        "941" => Family::Xss,
        _ => Family::Sqli,
    }
}

/// `@pm` phrases (or a word list) as one case-insensitive alternation of literals.
fn phrases<'a>(words: impl Iterator<Item = &'a str>) -> String {
    let alternatives: Vec<String> = words
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(regex::escape)
        .collect();
    format!("(?i)(?:{})", alternatives.join("|"))
}

impl Crs {
    pub fn load() -> Self {
        let mut crs = Crs {
            rules: Vec::new(),
            pipelines: Vec::new(),
            plans: Vec::new(),
        };
        for line in RULES.lines().filter(|l| !l.trim().is_empty()) {
            let Ok(source) = serde_json::from_str::<Source<'static>>(line) else {
                continue;
            };
            let first = crs.condition(&source);
            let chain: Option<Vec<Condition>> =
                source.chain.iter().map(|c| crs.condition(c)).collect();
            if let (Some(first), Some(chain)) = (first, chain) {
                crs.rules.push(CrsRule {
                    id: source.id,
                    family: family(source.id),
                    targets: Targets::parse(&source.targets),
                    first,
                    chain,
                });
            }
        }
        let mut compiled = HashMap::new();
        crs.plans = REPRESENTATIVES
            .iter()
            .map(|t| crs.plan(*t, &mut compiled))
            .collect();
        crs
    }

    /// What runs for `target`: per pipeline, the first conditions of the rules that read it as
    /// one set (one pass over the transformed value), and the rules whose first condition is
    /// not a plain expression. A set with the same members as one made for another kind of
    /// target is that one, shared (most headers, arguments and cookies read the same rules):
    /// compiled NFAs are most of the WAF's memory. Each kind keeps a set of only the rules it
    /// reads, so a value is never matched against rules that cannot apply to it.
    fn plan(&self, target: Target, compiled: &mut SetCache) -> Plan {
        let reads = |i: usize| self.rules[i].targets.reads(target);
        let mut grouped: Vec<(usize, Vec<usize>)> = Vec::new();
        let mut others = Vec::new();
        for (i, r) in self.rules.iter().enumerate().filter(|(i, _)| reads(*i)) {
            match (&r.first.matcher, r.first.negate) {
                (Matcher::Set(_), false) => {
                    match grouped.iter_mut().find(|g| g.0 == r.first.pipeline) {
                        Some(g) => g.1.push(i),
                        None => grouped.push((r.first.pipeline, vec![i])),
                    }
                }
                _ => others.push(i),
            }
        }
        let sets = grouped
            .into_iter()
            .filter_map(|key| {
                compiled
                    .entry(key.clone())
                    .or_insert_with(|| self.compile(key.0, key.1))
                    .clone()
                    .map(|(set, rules)| (key.0, set, rules))
            })
            .collect();
        Plan { sets, others }
    }

    /// The set of the first conditions of `rules` (all in `pipeline`), and the rule behind
    /// each member.
    fn compile(
        &self,
        pipeline: usize,
        mut rules: Vec<usize>,
    ) -> Option<(Arc<RegexSet>, Vec<usize>)> {
        let pattern = |i: &usize| match self.rules[*i].first.matcher {
            Matcher::Set(p) => self.pipelines[pipeline].patterns[p].as_str(),
            Matcher::Contains(_) => "",
        };
        let set = RegexSet::new(rules.iter().map(pattern)).or_else(|_| {
            // An expression the regex crate cannot compile leaves its rule out, not the
            // others (tried alone only then: compiling each pattern at every start would
            // leave its memory behind, scattered).
            rules.retain(|i| Regex::new(pattern(i)).is_ok());
            RegexSet::new(rules.iter().map(pattern))
        });
        set.ok().map(|set| (Arc::new(set), rules))
    }

    /// A rule's condition, its expression added to the group of rules sharing its
    /// transformations; None for operators this engine does not run (then the rule is left out).
    fn condition(&mut self, s: &Source) -> Option<Condition> {
        let transforms: Vec<Transform> = s.t.iter().filter_map(|t| Transform::parse(t)).collect();
        let pipeline = match self
            .pipelines
            .iter()
            .position(|p| p.transforms == transforms)
        {
            Some(i) => i,
            None => {
                self.pipelines.push(Pipeline {
                    transforms,
                    patterns: Vec::new(),
                    compiled: Vec::new(),
                });
                self.pipelines.len() - 1
            }
        };
        let pattern = match s.op.as_str() {
            "rx" => s.arg.clone(),
            "pm" => phrases(s.arg.split(' ')),
            "pmFromFile" => phrases(word_list(&s.arg)?.lines()),
            "contains" => {
                let m = Matcher::Contains(s.arg.clone());
                return Some(self.special(pipeline, m, s.negate));
            }
            _ => return None,
        };
        let p = &mut self.pipelines[pipeline];
        p.patterns.push(pattern);
        p.compiled.push(OnceLock::new());
        Some(Condition {
            pipeline,
            matcher: Matcher::Set(p.patterns.len() - 1),
            negate: s.negate,
        })
    }

    fn special(&self, pipeline: usize, matcher: Matcher, negate: bool) -> Condition {
        Condition {
            pipeline,
            matcher,
            negate,
        }
    }

    /// The first CRS rule that matches `value` read as `target`, skipping `disabled` ids.
    pub fn scan(
        &self,
        value: &str,
        target: Target,
        disabled: impl Fn(&str) -> bool,
    ) -> Option<(&'static str, Family)> {
        let plan = &self.plans[class(target)];
        if value.is_empty() || (plan.sets.is_empty() && plan.others.is_empty()) {
            return None;
        }
        let confirmed = |r: &CrsRule| {
            !disabled(r.id)
                && r.targets.reads(target)
                && r.chain.iter().all(|c| self.holds(c, value))
        };
        for (pipeline, set, rules) in &plan.sets {
            let text = transforms::apply(value, &self.pipelines[*pipeline].transforms);
            for hit in set.matches(&text).iter() {
                let r = &self.rules[rules[hit]];
                if confirmed(r) {
                    return Some((r.id, r.family));
                }
            }
        }
        plan.others
            .iter()
            .map(|&i| &self.rules[i])
            .find(|r| self.holds(&r.first, value) && confirmed(r))
            .map(|r| (r.id, r.family))
    }

    /// One condition on the value, after its own transformations.
    fn holds(&self, c: &Condition, value: &str) -> bool {
        let p = &self.pipelines[c.pipeline];
        let text = transforms::apply(value, &p.transforms);
        let matched = match &c.matcher {
            Matcher::Set(i) => p.compiled[*i]
                .get_or_init(|| Regex::new(&p.patterns[*i]).ok())
                .as_ref()
                .is_some_and(|r| r.is_match(&text)),
            Matcher::Contains(s) => text.contains(s.as_str()),
        };
        matched != c.negate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_in_the_file_loads() {
        let crs = Crs::load();
        let in_file = RULES.lines().filter(|l| !l.trim().is_empty()).count();
        // Not run: validateByteRange (941010, a shortcut that marks safe paths) and
        // libinjection's detectSQLi / detectXSS (942100, 941100).
        assert_eq!(crs.rules.len(), in_file - 3);
        let runs = |i: usize| {
            REPRESENTATIVES.iter().zip(&crs.plans).any(|(t, p)| {
                crs.rules[i].targets.reads(*t)
                    && (p.others.contains(&i) || p.sets.iter().any(|s| s.2.contains(&i)))
            })
        };
        assert!(
            (0..crs.rules.len()).all(runs),
            "every rule runs for some target"
        );
        for (t, p) in REPRESENTATIVES.iter().zip(&crs.plans) {
            assert!(
                p.sets
                    .iter()
                    .all(|s| s.2.iter().all(|&i| crs.rules[i].targets.reads(*t))),
                "a kind of target's sets hold only rules that read it: {t:?}"
            );
        }
        let planned: Vec<_> = crs
            .plans
            .iter()
            .flat_map(|p| p.sets.iter().map(|s| Arc::as_ptr(&s.1)))
            .collect();
        let distinct: std::collections::HashSet<_> = planned.iter().collect();
        assert!(
            distinct.len() < planned.len() / 2,
            "sets with the same members are compiled once: {} of {}",
            distinct.len(),
            planned.len()
        );
    }

    #[test]
    fn rules_read_only_their_targets() {
        let crs = Crs::load();
        let none = |_: &str| false;
        let union = "1 union all select password from users";
        assert!(crs.scan(union, Target::Args, none).is_some());
        assert!(crs.scan("/etc/passwd", Target::Args, none).is_some());
        assert!(
            crs.scan("sqlmap/1.7", Target::Header("user-agent"), none)
                .is_some()
        );
        assert!(crs.scan("sqlmap/1.7", Target::Args, none).is_none());
        assert!(crs.scan("a fine morning", Target::Args, none).is_none());
        assert!(
            crs.scan(union, Target::Args, |id| id.starts_with("942"))
                .is_none()
        );
    }
}
