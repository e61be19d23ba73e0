//! The running appliance: store, HTTP server, control socket and workers, with one shutdown.

use crate::admin_socket;
use crate::clock::SharedClock;
use crate::cluster::Cluster;
use crate::config::{Config, TlsMode};
use crate::edge::Edge;
use crate::edge::metrics::Metrics;
use crate::edge::request_log::RequestLog;
use crate::http::session::SessionCookie;
use crate::http::{self, AppState, AssetUrls, Layout};
use crate::jobs::{Job, Runner};
use crate::mail::{OutboxWorker, Transport};
use crate::notify;
use crate::poller::{Poller, Syncs};
use crate::replies::ReplySender;
use crate::services::limits::AuthLimits;
use crate::services::sessions::SessionKeys;
use crate::services::{Ctx, setup};
use crate::store::{OpenError, Store};
use crate::workers::backup::BackupSchedule;
use crate::workers::campaigns::CampaignSender;
use crate::workers::edge_memory::EdgeMemory;
use crate::workers::housekeeping::{Housekeeping, HousekeepingJob};
use crate::workers::indexer::Indexer;
use crate::workers::presence::Presence;
use actix_web::dev::ServerHandle;
use actix_web::web;
use anyhow::Context;
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The config checks that need parts above config (see `config::Check`): every start and
/// `plaudit check-config` run them.
pub const CONFIG_CHECKS: [crate::config::Check; 3] = [
    crate::edge::waf::check_config,
    crate::mail::dkim::check_config,
    crate::store::kv::pg::target::check_config,
];

/// Set on the first start of a scripted deploy: creates the admin when none exists.
#[derive(Debug, Clone, Default)]
pub struct Bootstrap {
    pub admin_email: Option<String>,
    pub admin_password: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] OpenError),
    /// Bad input from the operator (exit code 2).
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

pub struct App {
    local_addr: SocketAddr,
    scheme: &'static str,
    instance_url: String,
    setup_url: Option<String>,
    handle: ServerHandle,
    server: JoinHandle<std::io::Result<()>>,
    workers: Vec<JoinHandle<()>>,
    shutdown: watch::Sender<bool>,
    store: Store,
    runner: Runner,
    shutdown_timeout: Duration,
    control_path: PathBuf,
    /// This process's name on a shared database: its leases are given up at a clean stop.
    lease_holder: Option<String>,
}

impl App {
    /// Opens the store, binds the listener (port 0 works), starts every worker. Call inside a
    /// tokio runtime.
    pub async fn start(
        config: Config,
        clock: SharedClock,
        bootstrap: Bootstrap,
    ) -> Result<Self, StartError> {
        let data_dir = config.storage.data_dir.clone();
        let engine = crate::store::Engine::from_config(&config.storage)
            .map_err(|e| StartError::Invalid(e.to_string()))?;
        let (dir, now) = (data_dir.clone(), clock.now());
        let store = tokio::task::spawn_blocking(move || -> Result<Store, StartError> {
            // A restore a kill interrupted still owes its erasure replay.
            crate::workers::backup::replay_if_pending(&dir, now)?;
            let store = Store::open_on(&dir, &engine, now)?;
            // A restore into a database server killed before it replayed its journal.
            crate::workers::backup::replay_marked(&store, now)?;
            Ok(store)
        })
        .await
        .context("opening the store")??;

        // On a database server, several instances may serve at once (`cluster`); one per data
        // folder, which a lock file in it guarantees (sled locks its own folder).
        let cluster = if store.on_a_server() {
            match Cluster::join(&data_dir, config.storage.lease_secs)? {
                Some(c) => Some(Arc::new(c)),
                None => {
                    return Err(StartError::Invalid(format!(
                        "another plaudit serve is using the data folder {}; give each instance its own storage.data_dir",
                        data_dir.display()
                    )));
                }
            }
        } else {
            None
        };
        let presence = cluster.clone().map(Presence);
        if let Some(p) = &presence {
            let (s, now) = (store.clone(), clock.now());
            let p2 = Presence(p.0.clone());
            tokio::task::spawn_blocking(move || p2.renew(&s, now))
                .await
                .context("announcing this instance")??;
        }

        let listener = TcpListener::bind(config.server.listen)
            .with_context(|| format!("cannot listen on {}", config.server.listen))?;
        let local_addr = listener.local_addr().context("reading the bound address")?;
        let scheme = match config.server.tls {
            TlsMode::Off => "http",
            TlsMode::Static => "https",
        };
        let instance_url = instance_url(&config, scheme, local_addr);
        if config.server.public_url.is_none() && !local_addr.ip().is_loopback() {
            tracing::warn!(
                "server.public_url is not set while listening on {local_addr}: links in emails and OAuth redirects will point at {instance_url}, which your users probably cannot reach. Set server.public_url."
            );
            eprintln!("WARNING: server.public_url is not set; links will use {instance_url}");
        }

        if let (Some(email), Some(password)) = (bootstrap.admin_email, bootstrap.admin_password) {
            let (store2, now) = (store.clone(), clock.now());
            let created = tokio::task::spawn_blocking(move || {
                setup::bootstrap_admin(&store2, &email, password, now)
            })
            .await
            .context("creating the admin")?;
            match created {
                Ok(Some(email)) => {
                    tracing::info!(%email, "instance admin created from PLAUDIT_ADMIN_EMAIL")
                }
                Ok(None) => tracing::info!("PLAUDIT_ADMIN_EMAIL ignored: an admin exists already"),
                Err(crate::services::Error::Internal(e)) => return Err(StartError::Other(e)),
                Err(e) => {
                    return Err(StartError::Invalid(format!(
                        "PLAUDIT_ADMIN_EMAIL / PLAUDIT_ADMIN_PASSWORD: {e}"
                    )));
                }
            }
        }
        let setup_url = setup::issue(&store, clock.now())?
            .map(|token| format!("{}/setup/{token}", instance_url.trim_end_matches('/')));
        store.flush().await?;

        let mail_from: lettre::message::Mailbox = config
            .smtp
            .from
            .parse()
            .map_err(|e| StartError::Invalid(format!("smtp.from: {e}")))?;
        let transport = Transport::from_config(&config.smtp, &data_dir)?;
        tracing::info!(transport = %transport.describe(), "outgoing mail");
        let metrics = Metrics::new();
        let job_steps = metrics.job_steps.clone();
        let worker = Arc::new(
            OutboxWorker::new(
                store.clone(),
                transport,
                clock.clone(),
                config.outbox.clone(),
            )
            .with_metrics(metrics.outbox_deliveries.clone())
            .with_rate(config.smtp.rate_per_sec),
        );
        // Mail a killed process was sending is sent again at once — unless another instance
        // serves the same database: it may be sending that mail right now, so there it waits
        // for its lease to lapse (`outbox.lease_secs`).
        let others = match &cluster {
            Some(c) => crate::workers::presence::serving(&store, clock.now())?
                .into_iter()
                .filter(|place| *place != c.place)
                .count(),
            None => 0,
        };
        let released = if others == 0 { worker.recover()? } else { 0 };
        if released > 0 {
            tracing::warn!(
                released,
                "re-queued mail that a stopped process was sending"
            );
        }

        let (shutdown, shutdown_rx) = watch::channel(false);
        let mut workers = Vec::new();
        let (log, log_writer) =
            RequestLog::start(store.clone(), config.logs.access_log, shutdown_rx.clone());
        workers.push(log_writer);
        let edge = web::Data::new(
            Edge::new(&config, store.clone(), clock.clone(), log, metrics)?
                .with_origin(&instance_url),
        );
        crate::workers::watchdog::start(
            store.clone(),
            Duration::from_secs(config.storage.stuck_secs),
        )
        .context("starting the store watchdog")?;
        let housekeeping = Housekeeping::new(
            store.clone(),
            clock.clone(),
            config.logs.retention_days,
            config.logs.max_requests,
        )
        .with_retention(config.retention.clone());

        let secure = scheme == "https"
            || config
                .server
                .public_url
                .as_ref()
                .is_some_and(|u| u.scheme() == "https");
        let session_hours = config.accounts.session_hours;
        let lifetime = time::Duration::hours(i64::try_from(session_hours).unwrap_or(12));
        // The one context every service, job and handler shares.
        let ctx = Ctx::new(
            store.clone(),
            Arc::new(config.clone()),
            clock.clone(),
            mail_from,
            instance_url.clone(),
        )
        .with_cluster(cluster.clone());
        let gateway = crate::gateway::Gateway::new(ctx.clone())?;
        let mut jobs: Vec<Arc<dyn Job>> = vec![
            Arc::new(HousekeepingJob(Arc::new(housekeeping))),
            Arc::new(EdgeMemory::new(
                edge.clone().into_inner(),
                store.on_a_server(),
            )),
            Arc::new(Indexer),
            worker,
            Arc::new(BackupSchedule),
            Arc::new(CampaignSender),
            Arc::new(crate::workers::reports::ReportSender),
            Arc::new(crate::workers::auto_replies::AutoReplier),
            Arc::new(notify::Alerts::new(ctx.clone())),
            Arc::new(notify::Webhooks::new(ctx.clone())),
        ];
        if let Some(p) = presence {
            jobs.push(Arc::new(p));
        }
        if config.poller.enabled {
            jobs.push(Arc::new(Syncs(Poller::new(gateway.clone()))));
            jobs.push(Arc::new(ReplySender::new(gateway.clone())));
        } else {
            tracing::warn!(
                "poller.enabled = false: nothing is fetched from providers and no reply is sent"
            );
        }
        let runner = Runner::new(ctx.clone(), jobs).with_metrics(job_steps);
        workers.extend(runner.spawn(&shutdown_rx));
        let state = AppState {
            gateway,
            sessions: SessionKeys::new(&store.meta().instance_secret()?, &instance_url, lifetime),
            limits: AuthLimits::new(&config.accounts),
            hashing: Arc::new(crate::http::hash_queue::HashQueue::new(
                config.accounts.hash_concurrency,
            )),
            cookie: SessionCookie::new(secure, lifetime.whole_seconds()),
            layout: Layout::new(&AssetUrls::build()),
            http: crate::sources::oauth::http_client(),
            contracts: Default::default(),
            review_uploads: Default::default(),
            contact_uploads: Default::default(),
            model: crate::ai::ModelClient::new(&config.ai)?.map(Arc::new),
            ctx,
        };
        let control_path = admin_socket::socket_path(&data_dir);
        let _ = std::fs::remove_file(&control_path); // stale from a killed process; we hold the store lock
        // Bound inside the data folder, which is 0700: the moment before the chmod below
        // exposes nothing to other users.
        let control_listener = tokio::net::UnixListener::bind(&control_path)
            .with_context(|| format!("binding the control socket {}", control_path.display()))?;
        restrict_to_owner(&control_path)?;
        let ctx = admin_socket::Context {
            services: state.ctx.clone(),
            backup_key: match &config.backup.key_file {
                Some(p) => Some(
                    crate::config::read_backup_key(p)
                        .map_err(|e| StartError::Invalid(format!("backup.key_file: {e}")))?,
                ),
                None => None,
            },
            relay: config
                .smtp
                .host
                .clone()
                .unwrap_or_else(|| "none: mail is kept as files on this server".into()),
            jobs: Some(runner.clone()),
        };
        workers.push(tokio::spawn(admin_socket::serve(
            control_listener,
            ctx,
            shutdown_rx.clone(),
        )));

        let server = http::server::build(&config, state, edge, listener)?;
        let handle = server.handle();
        let server = tokio::spawn(server);

        Ok(Self {
            local_addr,
            scheme,
            instance_url,
            setup_url,
            handle,
            server,
            workers,
            shutdown,
            store,
            runner,
            shutdown_timeout: Duration::from_secs(config.server.shutdown_timeout_secs),
            control_path,
            lease_holder: cluster.map(|c| c.holder.clone()),
        })
    }

    pub fn port(&self) -> u16 {
        self.local_addr.port()
    }

    /// `http(s)://ip:port` as bound (for printing and for tests).
    pub fn local_url(&self) -> String {
        format!("{}://{}", self.scheme, printable(self.local_addr))
    }

    pub fn instance_url(&self) -> &str {
        &self.instance_url
    }

    /// The one-time setup link, when no admin existed at start.
    pub fn setup_url(&self) -> Option<&str> {
        self.setup_url.as_deref()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Steps every background job until none has work left (tests drive the jobs with this
    /// instead of waiting; `plaudit admin run-jobs` does the same on a running server).
    pub async fn run_jobs_until_idle(&self) -> anyhow::Result<usize> {
        self.runner.run_until_idle(Duration::from_secs(120)).await
    }

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully.
    pub async fn run_until_signal(self) -> anyhow::Result<()> {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .context("installing the SIGTERM handler")?;
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM received, shutting down"),
            _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT received, shutting down"),
        }
        self.shutdown().await
    }

    /// Stops accepting, lets in-flight requests and sends finish (bounded), flushes the store.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let bound = self.shutdown_timeout + Duration::from_secs(2);
        let drain = async {
            self.handle.stop(true).await;
            let _ = self.shutdown.send(true);
            for w in self.workers {
                let _ = w.await;
            }
            let _ = self.server.await;
        };
        if tokio::time::timeout(bound, drain).await.is_err() {
            tracing::warn!(
                "shutdown bound reached; abandoning unfinished work (it will be retried)"
            );
        }
        let _ = std::fs::remove_file(&self.control_path);
        if let Some(holder) = &self.lease_holder
            && let Err(e) = self.store.leases().release_all(holder)
        {
            tracing::warn!(error = %format!("{e:#}"), "giving up this instance's leases (they lapse by themselves)");
        }
        // A stuck store must not keep the process alive past its bound: what was acknowledged
        // was flushed already.
        match tokio::time::timeout(Duration::from_secs(3), self.store.flush()).await {
            Ok(flushed) => flushed?,
            Err(_) => tracing::error!("the store did not flush within 3 s; stopping anyway"),
        }
        tracing::info!("stopped");
        Ok(())
    }
}

fn printable(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::from([127, 0, 0, 1]),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::from(std::net::Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, addr.port()).to_string()
}

fn instance_url(config: &Config, scheme: &str, bound: SocketAddr) -> String {
    match &config.server.public_url {
        Some(url) => url.as_str().trim_end_matches('/').to_string(),
        None => format!("{scheme}://{}", printable(bound)),
    }
}

fn restrict_to_owner(path: &std::path::Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("restricting {}", path.display()))
}
