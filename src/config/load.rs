//! Reading the config: file, then environment overrides, then validation, each error pointing at its key.

use super::{Config, validate};
use std::path::{Path, PathBuf};

/// A config that parsed and validated, with where it came from.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub config: Config,
    pub source: Option<PathBuf>,
}

/// One precise complaint: `file:line: key: problem` (or `env VAR: key: problem`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {key}: {problem}")]
pub struct ConfigError {
    pub location: String,
    pub key: String,
    pub problem: String,
}

/// `--config` / `PLAUDIT_CONFIG` if given, else `./plaudit.toml` when it exists, else none (defaults).
pub fn resolve_path(explicit: Option<PathBuf>) -> Option<PathBuf> {
    explicit.or_else(|| {
        let local = PathBuf::from("plaudit.toml");
        local.is_file().then_some(local)
    })
}

/// A check that needs a part above config (the WAF's rule list, the DKIM key's parser), so
/// config depends on nothing above it: the caller passes them in, and a complaint names its
/// key and is located like config's own.
pub type Check = fn(&mut Config) -> Result<(), (&'static str, String)>;

/// Loads and validates, then runs `checks`. `env` is passed in (not read here) so tests
/// control it.
pub fn load(
    path: Option<&Path>,
    env: &[(String, String)],
    checks: &[Check],
) -> Result<LoadedConfig, ConfigError> {
    let file_name = path.map_or_else(|| "(defaults)".to_string(), |p| p.display().to_string());
    let text = match path {
        Some(p) => std::fs::read_to_string(p).map_err(|e| ConfigError {
            location: file_name.clone(),
            key: "-".into(),
            problem: format!("cannot read the config file: {e}"),
        })?,
        None => String::new(),
    };
    let source = Source {
        file: file_name,
        text,
    };
    let mut config: Config = toml::from_str(&source.text).map_err(|e| source.toml_error(&e))?;

    let overrides = env_overrides(env);
    if !overrides.is_empty() {
        config = apply_overrides(&source, &overrides)?;
    }
    let locate = |key: &str| source.locate(key, &overrides);
    validate::validate(&mut config, &locate)?;
    for check in checks {
        check(&mut config).map_err(|(key, problem)| validate::fail(&locate, key, problem))?;
    }
    Ok(LoadedConfig {
        config,
        source: path.map(Path::to_path_buf),
    })
}

/// An environment override: `PLAUDIT_SERVER__LISTEN=...` sets `server.listen`.
#[derive(Debug, Clone)]
pub(super) struct Override {
    var: String,
    /// `PLAUDIT_PROVIDERS__GOOGLE__CLIENT_ID` → ["providers", "google", "client_id"].
    path: Vec<String>,
    value: String,
}

impl Override {
    fn dotted(&self) -> String {
        self.path.join(".")
    }
}

fn env_overrides(env: &[(String, String)]) -> Vec<Override> {
    let mut found: Vec<Override> = env
        .iter()
        .filter_map(|(var, value)| {
            let rest = var.strip_prefix("PLAUDIT_")?;
            rest.contains("__").then(|| Override {
                var: var.clone(),
                path: rest.split("__").map(str::to_ascii_lowercase).collect(),
                value: value.clone(),
            })
        })
        .collect();
    found.sort_by(|a, b| a.var.cmp(&b.var));
    found
}

/// Re-reads the file as a table, applies overrides one by one (so an error names its variable),
/// typing each value like the default it replaces.
fn apply_overrides(source: &Source, overrides: &[Override]) -> Result<Config, ConfigError> {
    let defaults = toml::Table::try_from(Config::default()).map_err(|e| ConfigError {
        location: "(defaults)".into(),
        key: "-".into(),
        problem: e.to_string(),
    })?;
    let mut table: toml::Table = toml::from_str(&source.text).map_err(|e| source.toml_error(&e))?;
    let mut config = None;
    for o in overrides {
        let err = |problem: String| ConfigError {
            location: format!("env {}", o.var),
            key: o.dotted(),
            problem,
        };
        let (key, sections) = o.path.split_last().ok_or_else(|| err("empty key".into()))?;
        let mut default = Some(&defaults);
        let mut target = &mut table;
        for section in sections {
            default = default
                .and_then(|d| d.get(section))
                .and_then(|v| v.as_table());
            if default.is_none() && target.get(section).is_none() {
                return Err(err(format!("unknown section `{section}`")));
            }
            target = target
                .entry(section.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()))
                .as_table_mut()
                .ok_or_else(|| err(format!("`{section}` is not a table in the file")))?;
        }
        let value = typed_value(&o.value, default.and_then(|d| d.get(key))).map_err(err)?;
        target.insert(key.clone(), value);
        config = Some(
            toml::Value::Table(table.clone())
                .try_into::<Config>()
                .map_err(|e| err(e.message().to_string()))?,
        );
    }
    config.ok_or_else(|| ConfigError {
        location: "env".into(),
        key: "-".into(),
        problem: "no overrides".into(),
    })
}

fn typed_value(raw: &str, like: Option<&toml::Value>) -> Result<toml::Value, String> {
    use toml::Value;
    Ok(match like {
        Some(Value::Integer(_)) => Value::Integer(
            raw.trim()
                .parse()
                .map_err(|_| format!("expected an integer, found `{raw}`"))?,
        ),
        Some(Value::Float(_)) => Value::Float(
            raw.trim()
                .parse()
                .map_err(|_| format!("expected a number, found `{raw}`"))?,
        ),
        Some(Value::Boolean(_)) => Value::Boolean(match raw.trim() {
            "true" | "1" | "yes" | "on" => true,
            "false" | "0" | "no" | "off" => false,
            _ => return Err(format!("expected true or false, found `{raw}`")),
        }),
        Some(Value::Array(_)) => Value::Array(
            raw.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_string()))
                .collect(),
        ),
        _ => Value::String(raw.to_string()),
    })
}

/// The file text, kept to turn byte spans and key names into line numbers.
struct Source {
    file: String,
    text: String,
}

impl Source {
    fn toml_error(&self, e: &toml::de::Error) -> ConfigError {
        let (line, key) = match e.span() {
            Some(span) => {
                let line = self.text[..span.start.min(self.text.len())]
                    .matches('\n')
                    .count()
                    + 1;
                (Some(line), self.key_at_line(line))
            }
            None => (None, None),
        };
        ConfigError {
            location: match line {
                Some(l) => format!("{}:{l}", self.file),
                None => self.file.clone(),
            },
            key: key.unwrap_or_else(|| "-".into()),
            problem: e.message().trim().to_string(),
        }
    }

    /// The dotted key defined or opened at a 1-based line.
    fn key_at_line(&self, line: usize) -> Option<String> {
        let mut section = String::new();
        for (n, text) in self.text.lines().enumerate() {
            let t = text.trim();
            if let Some(h) = t.strip_prefix('[').and_then(|h| h.split(']').next()) {
                section = h.trim().to_string();
                if n + 1 == line {
                    return Some(section);
                }
                continue;
            }
            if n + 1 == line {
                let key = t.split('=').next()?.trim().trim_matches('"');
                if key.is_empty() {
                    return (!section.is_empty()).then_some(section);
                }
                return Some(if section.is_empty() {
                    key.to_string()
                } else {
                    format!("{section}.{key}")
                });
            }
        }
        None
    }

    /// Where a dotted key got its value: an env variable, a file line, or the defaults.
    fn locate(&self, dotted: &str, overrides: &[Override]) -> String {
        let (section, key) = dotted.rsplit_once('.').unwrap_or(("", dotted));
        if let Some(o) = overrides.iter().rev().find(|o| o.dotted() == dotted) {
            return format!("env {}", o.var);
        }
        let mut current = String::new();
        for (n, text) in self.text.lines().enumerate() {
            let t = text.trim();
            if let Some(h) = t.strip_prefix('[').and_then(|h| h.split(']').next()) {
                current = h.trim().to_string();
            } else if current == section
                && t.split('=').next().map(str::trim) == Some(key)
                && t.contains('=')
            {
                return format!("{}:{}", self.file, n + 1);
            }
        }
        format!("{} (default)", self.file)
    }
}
