//! The command line: parse, load config, run a command, map the outcome to exit codes 0/1/2.

use crate::admin_socket::{self, Failure, Request, Response};
use crate::app::{App, Bootstrap, StartError};
use crate::clock::{SharedClock, SystemClock};
use crate::config::{self, Config, LoadedConfig};
use crate::store::{OpenError, Store};
use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

mod args;
mod backup;
mod import;
mod mail;
mod store_copy;
mod waf;

pub use args::{AdminCommand, Cli, Command, StoreCommand, WafCommand};

/// A failed command: `Usage` exits 2, `Runtime` exits 1.
pub enum Failed {
    Usage(String),
    Runtime(String),
}

impl Failed {
    fn runtime(e: impl std::fmt::Display) -> Self {
        Self::Runtime(e.to_string())
    }
}

pub fn run(cli: Cli) -> ExitCode {
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failed::Usage(m)) => {
            eprintln!("plaudit: {m}");
            ExitCode::from(2)
        }
        Err(Failed::Runtime(m)) => {
            eprintln!("plaudit: {m}");
            ExitCode::from(1)
        }
    }
}

fn load(path: Option<PathBuf>) -> Result<LoadedConfig, Failed> {
    let env: Vec<(String, String)> = std::env::vars().collect();
    let path = config::resolve_path(path);
    config::load(path.as_deref(), &env, &crate::app::CONFIG_CHECKS)
        .map_err(|e| Failed::Usage(e.to_string()))
}

fn runtime() -> Result<tokio::runtime::Runtime, Failed> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Failed::runtime)
}

fn dispatch(cli: Cli) -> Result<(), Failed> {
    match cli.command {
        Command::Init => init(cli.config.unwrap_or_else(|| PathBuf::from("plaudit.toml"))),
        Command::CheckConfig => {
            let loaded = load(cli.config)?;
            match loaded.source {
                Some(p) => println!("{}: ok", p.display()),
                None => println!("no config file; the built-in defaults are valid"),
            }
            Ok(())
        }
        Command::Serve { demo } => {
            // Before any thread starts: it may start this process again (`malloc`).
            crate::malloc::tune();
            serve(load(cli.config)?.config, demo)
        }
        Command::FakeProviders { listen } => fake_providers(listen),
        Command::Waf {
            command: WafCommand::Test { file, misses },
        } => waf::test(&load(cli.config)?.config, &file, misses),
        Command::Import { command } => import::run(&load(cli.config)?.config, command),
        Command::Backup { command, out } => {
            let config = load(cli.config)?.config;
            match (command, out) {
                (Some(backup::BackupCommand::Verify { file }), _) => backup::verify(&config, &file),
                (Some(backup::BackupCommand::Secret { out }), _) => backup::secret(&config, &out),
                (None, Some(out)) => backup::backup(&config, &out),
                (None, None) => Err(Failed::Usage(
                    "say where: `plaudit backup --out DIR`, or `plaudit backup verify FILE`".into(),
                )),
            }
        }
        Command::Privacy {
            action,
            email,
            name,
            provider_id,
            ips,
            workspace,
            set_name,
            new_email,
            zip,
        } => {
            if zip.is_some() && action != "export" {
                return Err(Failed::Usage("--zip goes with export".into()));
            }
            let config = load(cli.config)?.config;
            let v = call(
                &config,
                Request::Privacy {
                    action,
                    who: crate::services::privacy::Who {
                        email,
                        name,
                        provider_id,
                        ips,
                        set_name,
                        new_email,
                    },
                    workspace,
                },
            )?;
            match zip {
                Some(path) => write_zip(&path, &v),
                None => {
                    println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
                    Ok(())
                }
            }
        }
        Command::Store {
            command: StoreCommand::Copy { to },
        } => store_copy::copy(&load(cli.config)?.config, &to),
        Command::Restore { from, secret_file } => {
            backup::restore(&load(cli.config)?.config, &from, secret_file.as_deref())
        }
        Command::Admin { command } => {
            let config = load(cli.config)?.config;
            let request = match command {
                AdminCommand::Create { email, name } => Request::CreateAdmin {
                    email,
                    name,
                    password: read_password()?,
                },
                AdminCommand::TestEmail { to } if config.smtp.host.is_some() => {
                    return mail::test_email(&config, &to);
                }
                AdminCommand::TestEmail { to } => Request::TestEmail { to },
                AdminCommand::RotateLinkKey => Request::RotateLinkKey,
                AdminCommand::DeletedWorkspaces => Request::DeletedWorkspaces,
                AdminCommand::Status => Request::Status,
                AdminCommand::RunJobs => Request::RunJobs,
                AdminCommand::UndeleteWorkspace { id } => Request::UndeleteWorkspace { id },
                AdminCommand::Compact => return backup::compact(&config),
                AdminCommand::StoreStats { json } => {
                    let v = call(&config, Request::StoreStats)?;
                    match json {
                        true => println!("{}", v["weight"]),
                        false => println!("{}", v["text"].as_str().unwrap_or_default()),
                    }
                    return Ok(());
                }
                AdminCommand::Bounce { file } => {
                    let raw = match file {
                        Some(f) => std::fs::read(&f).map_err(|e| {
                            Failed::Usage(format!("cannot read {}: {e}", f.display()))
                        })?,
                        None => {
                            let mut buf = Vec::new();
                            std::io::stdin()
                                .read_to_end(&mut buf)
                                .map_err(|e| Failed::Usage(format!("reading stdin: {e}")))?;
                            buf
                        }
                    };
                    // Bounces quote foreign text in any charset: read what is readable. The
                    // headers that matter come first; the control socket takes lines < 1 MiB.
                    let head = &raw[..raw.len().min(256 * 1024)];
                    Request::Bounce {
                        raw: String::from_utf8_lossy(head).into_owned(),
                    }
                }
            };
            admin(&config, request)
        }
    }
}

fn init(path: PathBuf) -> Result<(), Failed> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => Failed::Usage(format!(
                "{} exists already; not overwriting it",
                path.display()
            )),
            _ => Failed::Usage(format!("cannot create {}: {e}", path.display())),
        })?;
    file.write_all(config::EXAMPLE.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(Failed::runtime)?;
    println!(
        "wrote {}; edit it, then run `plaudit check-config --config {0}`",
        path.display()
    );
    Ok(())
}

fn serve(mut config: Config, demo: bool) -> Result<(), Failed> {
    crate::logging::init(&config.logs);
    if std::env::var_os(crate::workers::compaction::COMPACT_ONLY).is_some() {
        return compact_only(&config);
    }
    // Compaction rewrites a sled folder; a database server keeps its own files.
    if config.storage.compact_at_start
        && !demo
        && config.storage.backend == crate::config::Backend::Sled
    {
        compact_in_a_child();
    }
    let bootstrap = Bootstrap {
        admin_email: std::env::var("PLAUDIT_ADMIN_EMAIL").ok(),
        admin_password: std::env::var("PLAUDIT_ADMIN_PASSWORD").ok(),
    };
    let rt = runtime()?;
    let demo_dir = std::env::temp_dir().join(format!("plaudit-demo-{}", std::process::id()));
    let demo_folder = demo.then(|| demo_dir.clone());
    let out = rt.block_on(async move {
        let clock: SharedClock = Arc::new(SystemClock);
        let fake = match &demo_folder {
            Some(dir) => {
                let fake = crate::fakes::FakeProviders::start(([127, 0, 0, 1], 0).into())
                    .map_err(Failed::runtime)?;
                fake.configure(&mut config).map_err(Failed::runtime)?;
                fake.configure_model(&mut config).map_err(Failed::runtime)?;
                config.storage.data_dir = dir.clone();
                Some(fake)
            }
            None => None,
        };
        let bootstrap = if fake.is_some() { Bootstrap::default() } else { bootstrap };
        let app = App::start(config, clock.clone(), bootstrap).await.map_err(|e| match e {
            StartError::Invalid(m) => Failed::Usage(m),
            StartError::Store(OpenError::Other(e)) | StartError::Other(e) => {
                Failed::Runtime(format!("{e:#}"))
            }
            StartError::Store(e) => Failed::runtime(e),
        })?;
        if let Some(fake) = &fake {
            let demo = crate::demo::install(app.store(), fake, clock.now())
                .map_err(|e| Failed::Runtime(format!("{e:#}")))?;
            println!("Demo: fake Google, Facebook and a fake model server for reply drafts on {}; nothing leaves this machine.", fake.base_url());
            println!("Sign in as {} with password {}", demo.email, demo.password);
        }
        // The setup link first: whoever waits for "listening on" then has it already.
        if let Some(url) = app.setup_url().filter(|_| fake.is_none()) {
            println!("No administrator exists yet. Open this link within 30 minutes to create one (it works once):");
            println!("  {url}");
        }
        println!("plaudit {} listening on {}", env!("CARGO_PKG_VERSION"), app.local_url());
        app.run_until_signal().await.map_err(|e| Failed::Runtime(format!("{e:#}")))
    });
    // Blocking store calls stuck in a hung sled must not hold the exit: leave them behind.
    rt.shutdown_timeout(std::time::Duration::from_secs(1));
    if demo {
        let _ = std::fs::remove_dir_all(&demo_dir);
    }
    out
}

/// Runs this same `serve` command in a child that only compacts the store if it is due, and
/// waits for it: what the rewrite took in memory goes back with the child. A child that fails
/// leaves the store as it was; the start goes on.
fn compact_in_a_child() {
    let status = std::env::current_exe().and_then(|exe| {
        std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .env(crate::workers::compaction::COMPACT_ONLY, "1")
            .stdout(std::process::Stdio::null())
            .status()
    });
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => {
            tracing::warn!(status = %s, "compacting the store at start failed; serving it as it is")
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not start the compaction; serving the store as it is")
        }
    }
}

fn compact_only(config: &Config) -> Result<(), Failed> {
    use crate::clock::Clock as _;
    let storage = &config.storage;
    crate::workers::compaction::compact_if_due(
        &storage.data_dir,
        storage.cache_mb,
        storage.compact_min_mb.saturating_mul(1 << 20),
        SystemClock.now(),
    )
    .map(|_| ())
    .map_err(|e| Failed::Runtime(format!("{e:#}")))
}

fn fake_providers(listen: std::net::SocketAddr) -> Result<(), Failed> {
    runtime()?.block_on(async move {
        let fake = crate::fakes::FakeProviders::start(listen)
            .map_err(|e| Failed::Usage(format!("cannot listen on {listen}: {e}")))?;
        println!("fake Google and Facebook listening on {}", fake.base_url());
        println!(
            "add this to plaudit.toml to use them:\n\n{}",
            fake.config_snippet()
        );
        let _ = tokio::signal::ctrl_c().await;
        fake.stop().await;
        Ok(())
    })
}

/// Stdin when piped (first line); nothing when interactive, so a password is generated.
fn read_password() -> Result<Option<String>, Failed> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Ok(None);
    }
    let mut input = String::new();
    stdin
        .lock()
        .take(64 * 1024)
        .read_to_string(&mut input)
        .map_err(Failed::runtime)?;
    let line = input.lines().next().unwrap_or("").to_string();
    Ok((!line.is_empty()).then_some(line))
}

fn admin(config: &Config, request: Request) -> Result<(), Failed> {
    let value = call(config, request)?;
    print_result(&value);
    Ok(())
}

/// The store `config` names (a sled folder, or a database server), opened in this process.
pub(crate) fn open_store(config: &Config, now: time::OffsetDateTime) -> Result<Store, Failed> {
    let engine = crate::store::Engine::from_config(&config.storage)
        .map_err(|e| Failed::Usage(format!("{e:#}")))?;
    Store::open_on(&config.storage.data_dir, &engine, now).map_err(Failed::runtime)
}

/// Refuses (exit 2) while instances serve the database (`places`, read from their presence
/// leases: `workers::presence`): `what` says why they must stop.
pub(crate) fn refuse_while_serving(
    places: anyhow::Result<Vec<String>>,
    what: &str,
) -> Result<(), Failed> {
    let places = places.map_err(Failed::runtime)?;
    if places.is_empty() {
        return Ok(());
    }
    Err(Failed::Usage(format!(
        "{} instance(s) serve this database ({}): stop them first ({what}); an instance that died is forgotten storage.lease_secs after",
        places.len(),
        places.join(", ")
    )))
}

/// Runs a control request on the running server, or in this process when none runs.
fn call(config: &Config, request: Request) -> Result<serde_json::Value, Failed> {
    let data_dir = &config.storage.data_dir;
    let response = match admin_socket::call(data_dir, &request)
        .map_err(|e| Failed::Runtime(format!("{e:#}")))?
    {
        Some(r) => r,
        None => {
            // No server running: open the store ourselves.
            let clock: SharedClock = Arc::new(SystemClock);
            let store = open_store(config, clock.now())?;
            let instance_url = config.server.public_url.as_ref().map_or_else(
                || format!("http://{}", config.server.listen),
                |u| u.to_string(),
            );
            let mail_from = config
                .smtp
                .from
                .parse()
                .map_err(|e| Failed::Usage(format!("smtp.from: {e}")))?;
            let services = crate::services::Ctx::new(
                store,
                Arc::new(config.clone()),
                clock,
                mail_from,
                instance_url,
            );
            let ctx = admin_socket::Context {
                services,
                backup_key: config
                    .backup
                    .key_file
                    .as_deref()
                    .map(crate::config::read_backup_key)
                    .transpose()
                    .map_err(Failed::Usage)?,
                relay: config
                    .smtp
                    .host
                    .clone()
                    .unwrap_or_else(|| "none: mail is kept as files on this server".into()),
                jobs: None,
            };
            runtime()?.block_on(admin_socket::handle(&ctx, request))
        }
    };
    match response {
        Response::Ok(value) => Ok(value),
        Response::Err {
            kind: Failure::Invalid,
            message,
        } => Err(Failed::Usage(message)),
        Response::Err { message, .. } => Err(Failed::Runtime(message)),
    }
}

fn print_result(value: &serde_json::Value) {
    // A list: one JSON object a line (easy to read, easy to `grep` or `jq`).
    if let Some(list) = value.as_array() {
        for v in list {
            println!("{v}");
        }
    }
    if let Some(obj) = value.as_object() {
        for (k, v) in obj {
            match v {
                serde_json::Value::Null => {}
                serde_json::Value::String(s) => println!("{k}: {s}"),
                other => println!("{k}: {other}"),
            }
        }
    }
}

/// Writes an export's archive to `path`, privately and durably (`private::write_file`).
fn write_zip(path: &std::path::Path, v: &serde_json::Value) -> Result<(), Failed> {
    use crate::clock::Clock;
    let bytes = crate::export_zip::of_each(v, "plaudit-privacy-export", SystemClock.now())
        .map_err(Failed::runtime)?;
    crate::store::private::write_file(path, &bytes)
        .map_err(|e| Failed::Usage(format!("cannot write {}: {e}", path.display())))?;
    eprintln!("wrote {} ({} bytes)", path.display(), bytes.len());
    Ok(())
}
