//! Where a PostgreSQL-wire database is and how to reach it: `storage.postgres_url`, read as
//! libpq reads a URL (`postgres://user:password@host:port/dbname?sslmode=…`).

use std::time::Duration;

/// How the connection is protected, as libpq names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tls {
    /// Plain TCP (`sslmode=disable`; loopback and private networks only).
    Disable,
    /// TLS if the server offers it, without checking its certificate (`prefer`, libpq's default).
    Prefer,
    /// TLS, without checking the certificate (`require`).
    Require,
    /// TLS with the certificate checked against `sslrootcert` or the web's roots, and the
    /// host name (`verify-full`; `verify-ca` is taken as this).
    VerifyFull { root: Option<String> },
}

#[derive(Clone)]
pub struct Target {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: Option<String>,
    pub dbname: String,
    pub tls: Tls,
    pub connect_timeout: Duration,
    /// Every statement's limit (`statement_timeout`): a query that hangs fails instead.
    pub statement_timeout: Duration,
}

impl std::fmt::Debug for Target {
    // Never the password: targets end up in logs and errors.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "postgres://{}@{}:{}/{} ({:?})",
            self.user, self.host, self.port, self.dbname, self.tls
        )
    }
}

impl Target {
    /// Reads a `postgres://` (or `postgresql://`) URL; the error says which part is wrong.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let url = url::Url::parse(raw.trim()).map_err(|e| format!("not a URL: {e}"))?;
        if !matches!(url.scheme(), "postgres" | "postgresql") {
            return Err(format!(
                "the scheme is {:?}; a PostgreSQL URL starts with postgres://",
                url.scheme()
            ));
        }
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| "the URL's user or password is not UTF-8".to_string())
        };
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or("the URL names no host")?
            .trim_matches(|c| c == '[' || c == ']')
            .to_string();
        let user = match url.username() {
            "" => return Err("the URL names no user (postgres://USER@host/db)".into()),
            u => decode(u)?,
        };
        let password = url.password().map(decode).transpose()?;
        let dbname = url.path().trim_start_matches('/');
        let dbname = if dbname.is_empty() {
            user.clone()
        } else {
            decode(dbname)?
        };
        let mut target = Target {
            host,
            port: url.port().unwrap_or(5432),
            user,
            password,
            dbname,
            tls: Tls::Prefer,
            connect_timeout: Duration::from_secs(10),
            statement_timeout: Duration::from_secs(30),
        };
        let mut mode = "prefer".to_string();
        let mut root = None;
        for (k, v) in url.query_pairs() {
            match &*k {
                "sslmode" => mode = v.into_owned(),
                "sslrootcert" => root = Some(v.into_owned()),
                "connect_timeout" => {
                    target.connect_timeout = Duration::from_secs(seconds(&k, &v)?);
                }
                "statement_timeout" => {
                    target.statement_timeout = Duration::from_millis(
                        v.parse()
                            .ok()
                            .filter(|ms| *ms > 0)
                            .ok_or("statement_timeout: milliseconds, more than 0")?,
                    );
                }
                "application_name" => {}
                other => return Err(format!("unknown URL parameter {other:?}")),
            }
        }
        target.tls = match mode.as_str() {
            "disable" => Tls::Disable,
            "prefer" | "allow" => Tls::Prefer,
            "require" => Tls::Require,
            "verify-ca" | "verify-full" => Tls::VerifyFull { root },
            other => {
                return Err(format!(
                    "sslmode {other:?}: disable, prefer, require or verify-full"
                ));
            }
        };
        Ok(target)
    }
}

/// The URL the configuration gives (`storage.postgres_url`, or the file `postgres_url_file`
/// holds), read; the error names the key and what is wrong.
pub fn from_config(
    storage: &crate::config::StorageConfig,
) -> Result<Target, (&'static str, String)> {
    let (key, raw) = match (&storage.postgres_url, &storage.postgres_url_file) {
        (Some(_), Some(_)) => {
            return Err((
                "storage.postgres_url",
                "give storage.postgres_url or storage.postgres_url_file, not both".into(),
            ));
        }
        (Some(url), None) => ("storage.postgres_url", url.clone()),
        (None, Some(file)) => (
            "storage.postgres_url_file",
            std::fs::read_to_string(file).map_err(|e| {
                (
                    "storage.postgres_url_file",
                    format!("{}: {e}", file.display()),
                )
            })?,
        ),
        (None, None) => {
            return Err((
                "storage.backend",
                "\"postgres\" needs storage.postgres_url or storage.postgres_url_file".into(),
            ));
        }
    };
    Target::parse(&raw).map_err(|e| (key, e))
}

/// The configuration check (`app::CONFIG_CHECKS`): a PostgreSQL URL that reads, and only with
/// the backend that uses it.
pub fn check_config(config: &mut crate::Config) -> Result<(), (&'static str, String)> {
    let storage = &config.storage;
    match storage.backend {
        crate::config::Backend::Postgres => from_config(storage).map(drop),
        crate::config::Backend::Sled
            if storage.postgres_url.is_some() || storage.postgres_url_file.is_some() =>
        {
            Err((
                "storage.postgres_url",
                "set storage.backend = \"postgres\" to use it (the backend is sled)".into(),
            ))
        }
        crate::config::Backend::Sled => Ok(()),
    }
}

fn seconds(key: &str, v: &str) -> Result<u64, String> {
    v.parse()
        .ok()
        .filter(|s| *s > 0)
        .ok_or_else(|| format!("{key}: seconds, more than 0"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_read_as_libpq_reads_them_and_bad_ones_say_why() {
        let t = Target::parse("postgres://plaudit:p%40ss@db.example:6432/reviews?sslmode=verify-full&statement_timeout=5000").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("db.example", 6432));
        assert_eq!(
            (t.user.as_str(), t.password.as_deref()),
            ("plaudit", Some("p@ss"))
        );
        assert_eq!(t.dbname, "reviews");
        assert_eq!(t.tls, Tls::VerifyFull { root: None });
        assert_eq!(t.statement_timeout, Duration::from_secs(5));
        assert!(!format!("{t:?}").contains("p@ss"), "no password in logs");

        let t = Target::parse("postgresql://me@[::1]").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.dbname.as_str()),
            ("::1", 5432, "me")
        );
        assert_eq!(t.tls, Tls::Prefer);

        for (bad, says) in [
            ("mysql://u@h/db", "scheme"),
            ("postgres://h/db", "no user"),
            ("postgres://u@h/db?sslmode=sometimes", "sslmode"),
            ("postgres://u@h/db?pool=3", "unknown URL parameter"),
            ("postgres://u@h/db?statement_timeout=0", "statement_timeout"),
            ("not a url", "not a URL"),
        ] {
            let e = Target::parse(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }
}
