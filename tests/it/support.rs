//! Test harness: the real binary on port 0 with a temp data folder, a real SMTP server process.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_plaudit");

/// Polls `cond` until it holds or `limit` passes; returns whether it held.
pub fn wait_until(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    cond()
}

/// The random source of a test's kill timings: seeded from `PLAUDIT_TEST_SEED` when set, else
/// at random; the seed is printed (shown with a failure) so that run can be replayed.
pub fn seeded_rng(test: &str) -> rand::rngs::StdRng {
    let seed: u64 = std::env::var("PLAUDIT_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    eprintln!("{test}: PLAUDIT_TEST_SEED={seed} replays these timings");
    rand::SeedableRng::seed_from_u64(seed)
}

/// `wait_until` for async tests: polls `cond` every 50 ms without blocking the runtime.
pub async fn eventually(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    eventually_async(limit, async || cond()).await
}

/// `eventually` for a condition that itself awaits (an API call).
pub async fn eventually_async(limit: Duration, mut cond: impl AsyncFnMut() -> bool) -> bool {
    poll(limit, async || cond().await.then_some(()))
        .await
        .is_some()
}

/// Waits for a value: asks `probe` until it answers `Ok`, and fails naming `what` with the
/// last answer when `limit` passes.
pub async fn until_ok<T, L: std::fmt::Display>(
    limit: Duration,
    what: &str,
    mut probe: impl AsyncFnMut() -> Result<T, L>,
) -> T {
    let mut last = None;
    let got = poll(limit, async || match probe().await {
        Ok(v) => Some(v),
        Err(l) => {
            last = Some(l);
            None
        }
    })
    .await;
    match (got, last) {
        (Some(v), _) => v,
        (None, Some(l)) => panic!("never {what}: {l}"),
        (None, None) => panic!("never {what}"),
    }
}

/// The one polling loop of the async tests: every 50 ms until `probe` gives a value, and once
/// more at the deadline.
async fn poll<T>(limit: Duration, mut probe: impl AsyncFnMut() -> Option<T>) -> Option<T> {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if let Some(v) = probe().await {
            return Some(v);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    probe().await
}

/// Runs the CLI to completion with a clean environment (no PLAUDIT_* leaking in).
pub fn plaudit(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>, cwd: &Path) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, _) in std::env::vars() {
        if k.starts_with("PLAUDIT") {
            cmd.env_remove(k);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn plaudit");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().expect("wait plaudit")
}

pub fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A running `plaudit serve`.
pub struct Server {
    child: Option<Child>,
    pub url: String,
    pub dir: PathBuf,
    pub config: PathBuf,
    lines: Arc<Mutex<Vec<String>>>,
}

/// The `[storage]` lines that put a server in the test folder `dir` on the backend this run
/// tests (see `postgres_url_for`; on sled nothing to add).
pub fn backend_config(dir: &Path) -> String {
    match postgres_url_for(dir) {
        Some(url) => format!("backend = \"postgres\"\npostgres_url = \"{url}\"\n"),
        None => String::new(),
    }
}

/// With `PLAUDIT_TEST_BACKEND=postgres`: the database of the test folder `dir` on the test
/// server, the same one each time for the same folder (a restarted server finds its records).
pub fn postgres_url_for(dir: &Path) -> Option<String> {
    match std::env::var("PLAUDIT_TEST_BACKEND").as_deref() {
        Ok("postgres") => {
            let kept = dir.join("postgres-url");
            Some(std::fs::read_to_string(&kept).unwrap_or_else(|_| {
                let url = fresh_postgres_database();
                std::fs::create_dir_all(dir).unwrap();
                std::fs::write(&kept, &url).unwrap();
                url
            }))
        }
        Ok("sled") | Err(_) => None,
        Ok(other) => panic!("PLAUDIT_TEST_BACKEND={other}: sled or postgres"),
    }
}

/// The store a server started in the test folder `dir` keeps its records in (`dir/data`, or
/// its database), opened in this process.
pub fn open_store_in(dir: &Path, now: time::OffsetDateTime) -> plaudit::store::Store {
    let data = dir.join("data");
    match postgres_url_for(dir) {
        Some(url) => {
            let engine = plaudit::store::Engine::Postgres {
                target: plaudit::store::kv::pg::target::Target::parse(&url).unwrap(),
                max_connections: 4,
            };
            plaudit::store::Store::open_on(&data, &engine, now).unwrap()
        }
        None => plaudit::store::Store::open(&data, 16, now).unwrap(),
    }
}

/// The store a server with `config` (a file `write_config` wrote) keeps its records in, opened
/// in this process: its sled folder, or its database on the test server.
pub fn open_store_for(config: &Path, now: time::OffsetDateTime) -> plaudit::store::Store {
    let loaded = plaudit::config::load(Some(config), &[], &plaudit::app::CONFIG_CHECKS).unwrap();
    let storage = &loaded.config.storage;
    let engine = plaudit::store::Engine::from_config(storage).unwrap();
    plaudit::store::Store::open_on(&storage.data_dir, &engine, now).unwrap()
}

/// Whether this run tests the PostgreSQL backend.
pub fn on_postgres() -> bool {
    std::env::var("PLAUDIT_TEST_BACKEND").as_deref() == Ok("postgres")
}

/// For a test about the sled folder itself (its files on disk, its compaction, a restore into
/// it): true, after saying why it does not run, when this run tests the PostgreSQL backend.
pub fn sled_only(why: &str) -> bool {
    if on_postgres() {
        eprintln!("not run on PostgreSQL: {why}");
    }
    on_postgres()
}

/// A new database on the test server (`scripts/test` starts one); its URL.
pub fn fresh_postgres_database() -> String {
    use plaudit::store::kv::pg::{target::Target, wire::Conn};
    let server = std::env::var("PLAUDIT_TEST_POSTGRES_URL")
        .expect("PLAUDIT_TEST_POSTGRES_URL is not set: run scripts/test, which starts PostgreSQL");
    let admin = Target::parse(&server).unwrap();
    let name = format!("plaudit_it_{}", hex::encode(rand::random::<[u8; 6]>()));
    Conn::connect(&admin)
        .unwrap()
        .simple(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let mut url = url::Url::parse(&server).unwrap();
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// Writes `dir/plaudit.toml` listening on port 0 with data in `dir/data` (on the backend this
/// run tests: `backend_config`), plus `extra` TOML (which must not repeat [server]/[storage]
/// keys given here).
pub fn write_config(dir: &Path, extra: &str) -> PathBuf {
    write_config_with(dir, extra, &backend_config(dir))
}

/// `write_config` on a sled folder, whichever backend this run tests (a restore's target).
pub fn write_sled_config(dir: &Path, extra: &str) -> PathBuf {
    write_config_with(dir, extra, "")
}

fn write_config_with(dir: &Path, extra: &str, backend: &str) -> PathBuf {
    let path = dir.join("plaudit.toml");
    let has_server = extra.contains("[server]");
    let mut text = String::new();
    if !has_server {
        text.push_str("[server]\nlisten = \"127.0.0.1:0\"\nshutdown_timeout_secs = 5\n");
    }
    text.push_str(&format!(
        "[storage]\ndata_dir = \"{}\"\ncache_mb = 16\n{backend}",
        dir.join("data").display(),
    ));
    text.push_str(extra);
    std::fs::write(&path, text).unwrap();
    path
}

impl Server {
    pub fn start(dir: &Path, extra: &str) -> Server {
        Self::start_with_env(dir, extra, &[])
    }

    pub fn start_with_env(dir: &Path, extra: &str, env: &[(&str, &str)]) -> Server {
        let config = write_config(dir, extra);
        Self::spawn(dir, config, env)
            .unwrap_or_else(|(out, err)| panic!("server did not start:\n{out}\n{err}"))
    }

    /// Starts and waits for "listening on"; on failure returns (stdout, stderr) of the exited process.
    pub fn spawn(
        dir: &Path,
        config: PathBuf,
        env: &[(&str, &str)],
    ) -> Result<Server, (String, String)> {
        Self::spawn_args(dir, config, env, &[])
    }

    /// `spawn` with more arguments after `serve`.
    pub fn spawn_args(
        dir: &Path,
        config: PathBuf,
        env: &[(&str, &str)],
        args: &[&str],
    ) -> Result<Server, (String, String)> {
        let mut cmd = Command::new(BIN);
        cmd.arg("serve")
            .args(args)
            .arg("--config")
            .arg(&config)
            .current_dir(dir);
        for (k, _) in std::env::vars() {
            if k.starts_with("PLAUDIT") {
                cmd.env_remove(k);
            }
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        static STARTS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = STARTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let stderr_path = dir.join(format!("serve-{n}.stderr"));
        let stderr_file = std::fs::File::create(&stderr_path).unwrap();
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(stderr_file)
            .stdin(Stdio::null())
            .spawn()
            .expect("spawn serve");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let out = child.stdout.take().unwrap();
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        let mut url = None;
        let started = wait_until(Duration::from_secs(30), || {
            url = lines
                .lock()
                .unwrap()
                .iter()
                .find_map(|l| l.split("listening on ").nth(1).map(str::to_string));
            url.is_some() || matches!(child.try_wait(), Ok(Some(_)))
        });
        match url {
            Some(url) if started => Ok(Server {
                child: Some(child),
                url,
                dir: dir.to_path_buf(),
                config,
                lines,
            }),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                let out = lines.lock().unwrap().join("\n");
                Err((
                    out,
                    std::fs::read_to_string(&stderr_path).unwrap_or_default(),
                ))
            }
        }
    }

    pub fn stderr(&self) -> String {
        std::fs::read_dir(&self.dir)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".stderr"))
            .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Steps every background job of this server until none has work left
    /// (`plaudit admin run-jobs`): what a test waits for instead of sleeping.
    pub async fn run_jobs_async(&self) {
        let (config, dir) = (self.config.clone(), self.dir.clone());
        let out = tokio::task::spawn_blocking(move || {
            plaudit(
                &["admin", "run-jobs", "--config", config.to_str().unwrap()],
                &[],
                None,
                &dir,
            )
        })
        .await
        .unwrap();
        assert!(
            out.status.success(),
            "run-jobs: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn stdout(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    pub fn setup_url(&self) -> Option<String> {
        self.stdout().iter().find_map(|l| {
            l.trim()
                .strip_prefix("http")
                .filter(|r| r.contains("/setup/"))
                .map(|r| format!("http{r}"))
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    /// Sends SIGTERM and waits (up to `limit`); returns the exit status and how long it took.
    pub fn terminate(mut self, limit: Duration) -> (Option<ExitStatus>, Duration) {
        let started = Instant::now();
        signal(self.pid(), "TERM");
        let mut child = self.child.take().unwrap();
        let mut status = None;
        wait_until(limit, || {
            status = child.try_wait().ok().flatten();
            status.is_some()
        });
        if status.is_none() {
            let _ = child.kill();
            let _ = child.wait();
        }
        (status, started.elapsed())
    }

    pub fn kill9(mut self) {
        let mut child = self.child.take().unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

pub fn signal(pid: u32, sig: &str) {
    let ok = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status()
        .unwrap();
    assert!(ok.success(), "kill -{sig} {pid} failed");
}

/// A file's bytes as a reader of the disk would see them: the bytes themselves, then what
/// every zstd frame in them holds (sled compresses each page it writes, `store::engine`), so
/// a scan for plain text finds what is stored whether or not it was compressed.
pub fn readable_bytes(path: &Path) -> Vec<u8> {
    use std::io::Read;
    const MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
    let raw = std::fs::read(path).unwrap_or_default();
    let mut out = raw.clone();
    for at in (0..raw.len().saturating_sub(3)).filter(|&i| raw[i..i + 4] == MAGIC) {
        if let Ok(d) = zstd::stream::read::Decoder::with_buffer(&raw[at..]) {
            // A frame cut short or a false start yields what it decoded before failing.
            let _ = d.single_frame().read_to_end(&mut out);
        }
    }
    out
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// aiosmtpd (a real SMTP server, not ours) with the scripted handler in tests/support.
pub struct Smtp {
    child: Child,
    pub port: u16,
    pub maildir: PathBuf,
}

impl Smtp {
    pub fn start(dir: &Path) -> Smtp {
        Self::start_with(dir, &[])
    }

    /// With extra aiosmtpd flags, e.g. `--tlscert`/`--tlskey` (STARTTLS required) or
    /// `--smtpscert`/`--smtpskey` (implicit TLS).
    pub fn start_with(dir: &Path, flags: &[&str]) -> Smtp {
        let maildir = dir.join("received");
        let support = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support");
        for _ in 0..5 {
            let port = free_port();
            let child = Command::new("python3")
                .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
                .args(flags)
                .args(["-c", "smtp_sink.Handler"])
                .arg(&maildir)
                .env("PYTHONPATH", &support)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("python3 with aiosmtpd (scripts/test installs it)");
            let mut smtp = Smtp {
                child,
                port,
                maildir: maildir.clone(),
            };
            if wait_until(Duration::from_secs(15), || {
                TcpStream::connect(("127.0.0.1", port)).is_ok()
            }) {
                return smtp;
            }
            let _ = smtp.child.kill();
        }
        panic!("aiosmtpd did not start");
    }

    /// Every received message, as text.
    pub fn messages(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(&self.maildir) else {
            return Vec::new();
        };
        entries
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".eml"))
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .collect()
    }

    pub fn config(&self) -> String {
        format!(
            "[smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\nfrom = \"Plaudit Test <plaudit@example.com>\"\ntimeout_secs = 5\n",
            self.port
        )
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The Message-ID header of a raw message.
pub fn message_id(raw: &str) -> Option<String> {
    raw.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("message-id")
            .then(|| v.trim().to_string())
    })
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap()
}

/// Undoes quoted-printable soft line breaks and `=XX` escapes (enough to read links in mail).
pub fn unquote(raw: &str) -> String {
    let joined = raw.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
        {
            out.push(u8::from_str_radix(&joined[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Waits for a mail to `to` in a file-transport folder whose text has a link under `path`
/// (e.g. "/verify/"); returns (full link, token). Mails already seen are skipped.
pub fn wait_for_link(
    maildir: &Path,
    to: &str,
    path: &str,
    seen: &mut Vec<PathBuf>,
) -> (String, String) {
    let mut found = None;
    let ok = wait_until(Duration::from_secs(10), || {
        let Ok(entries) = std::fs::read_dir(maildir) else {
            return false;
        };
        for e in entries.filter_map(Result::ok) {
            let p = e.path();
            if seen.contains(&p) || p.extension().is_none_or(|x| x != "eml") {
                continue;
            }
            let text = unquote(&std::fs::read_to_string(&p).unwrap_or_default());
            if !text.contains(&format!("To: {to}")) {
                continue;
            }
            if let Some(start) = text.find(path) {
                let begin = text[..start].rfind("http").unwrap();
                let link: String = text[begin..]
                    .chars()
                    .take_while(|c| !c.is_whitespace() && *c != '"' && *c != '<')
                    .collect();
                let token = link.rsplit('/').next().unwrap().to_string();
                seen.push(p);
                found = Some((link, token));
                return true;
            }
        }
        false
    });
    if !ok {
        for e in std::fs::read_dir(maildir)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
        {
            eprintln!(
                "--- {}\n{}",
                e.path().display(),
                unquote(&std::fs::read_to_string(e.path()).unwrap_or_default())
            );
        }
    }
    assert!(
        ok,
        "no mail to {to} with a {path} link in {}",
        maildir.display()
    );
    found.unwrap()
}

/// The token after `prefix` (`/f/`, `/u/`) in a message's text.
pub fn token_in(text: &str, prefix: &str) -> String {
    let start = text.find(prefix).unwrap() + prefix.len();
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// The admin a restartable instance creates from the environment on first start.
pub const ADMIN_EMAIL: &str = "admin@agency.example";
pub const ADMIN_PASSWORD: &str = "a long enough admin password";

/// A `plaudit serve` in `dir` that a crash test can SIGKILL and start again: always on the same
/// address (sessions are bound to the instance URL), creating `ADMIN_EMAIL` on first start.
/// `extra` is configuration after the `[server]` section.
pub fn restartable(dir: &Path, extra: &str) -> impl Fn() -> Server + use<> {
    let port = free_port();
    let config = write_config(
        dir,
        &format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\npublic_url = \"http://127.0.0.1:{port}\"\nshutdown_timeout_secs = 5\n{extra}"
        ),
    );
    let dir = dir.to_path_buf();
    move || {
        let env = [
            ("PLAUDIT_ADMIN_EMAIL", ADMIN_EMAIL),
            ("PLAUDIT_ADMIN_PASSWORD", ADMIN_PASSWORD),
        ];
        Server::spawn(&dir, config.clone(), &env).unwrap_or_else(|e| panic!("{e:?}"))
    }
}

/// The body of a GET as text (a page a test reads whole).
pub async fn get_text(c: &reqwest::Client, url: impl AsRef<str>) -> String {
    c.get(url.as_ref())
        .send()
        .await
        .expect("the server answers")
        .text()
        .await
        .expect("a text body")
}
