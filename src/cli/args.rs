//! The command line: every command, subcommand and flag (clap), and their help texts.

use super::{backup, import};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "plaudit",
    version,
    about = "Self-hosted review and feedback appliance"
)]
pub struct Cli {
    /// Config file (default: ./plaudit.toml when it exists, else built-in defaults).
    #[arg(long, global = true, env = "PLAUDIT_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run everything: web UI, API, mail outbox, poller, housekeeping.
    Serve {
        /// Try Plaudit with no provider account: fake Google and Facebook run in-process on
        /// loopback, a demo workspace is connected to them, and the real poller fills the
        /// inbox. Uses a temporary data folder, removed at exit.
        #[arg(long)]
        demo: bool,
    },
    /// Write a new config file with every key documented; never overwrites.
    Init,
    /// Validate the config: exit 0 when fine, 2 with `file:line: key: problem` when not.
    CheckConfig,
    /// Local fake Google and Facebook APIs for demos and tests; prints the config to use them.
    FakeProviders {
        #[arg(long, default_value = "127.0.0.1:8090")]
        listen: std::net::SocketAddr,
    },
    /// A consistent, checksummed, compressed (and with backup.key_file encrypted) backup of the
    /// store into DIR; made by the running server when there is one. `backup verify FILE`
    /// checks one.
    Backup {
        #[command(subcommand)]
        command: Option<backup::BackupCommand>,
        /// The folder to write the backup into.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The store as a whole: `store copy --to TARGET` copies a stopped server's store to
    /// another engine.
    Store {
        #[command(subcommand)]
        command: StoreCommand,
    },
    /// Restore a backup into the data folder of a stopped server (the file is checked whole
    /// first; the old store is kept aside as db.before-restore-<time>).
    Restore {
        #[arg(long)]
        from: PathBuf,
        /// For a backup made without encryption restored outside the data folder it came from:
        /// the file `plaudit backup secret` wrote.
        #[arg(long)]
        secret_file: Option<PathBuf>,
    },
    /// Data-subject requests about an email address: `export` prints every record as JSON,
    /// `erase` removes them (the address stays only as a keyed hash on the suppression list),
    /// `restrict` keeps them but stops all mail (for a reviewer: all alerts), `rectify` corrects a customer's name
    /// (--set-name) or address (--new-email), `object` stops all mail to an address. In one
    /// workspace, or in every one.
    Privacy {
        /// export, erase, restrict, rectify or object
        #[arg(value_parser = ["export", "erase", "restrict", "rectify", "object"])]
        action: String,
        /// A customer (contact) by address.
        #[arg(long, required_unless_present_any = ["name", "provider_id", "ips"])]
        email: Option<String>,
        /// A reviewer by the name shown on their reviews (export and erase).
        #[arg(long, conflicts_with = "email")]
        name: Option<String>,
        /// A reviewer by a provider id: of the author, or of one of their items.
        #[arg(long, conflicts_with = "email")]
        provider_id: Option<String>,
        /// With erase: also remove the request log's entries from this address (repeatable).
        #[arg(long = "ip")]
        ips: Vec<String>,
        /// Only this workspace (an id); default: every workspace that holds the address.
        #[arg(long)]
        workspace: Option<String>,
        /// With rectify: the customer's name as it should be ("" for none).
        #[arg(long, requires = "email")]
        set_name: Option<String>,
        /// With rectify: the address the customer really has.
        #[arg(long, requires = "email")]
        new_email: Option<String>,
        /// With export: write a ZIP to this file (the JSON, and a CSV per table in a folder per
        /// workspace) instead of printing the JSON.
        #[arg(long, value_name = "FILE")]
        zip: Option<std::path::PathBuf>,
    },
    /// Import data from files (works whether or not `serve` is running).
    Import {
        #[command(subcommand)]
        command: import::ImportCommand,
    },
    /// The WAF's rules, checked offline.
    Waf {
        #[command(subcommand)]
        command: WafCommand,
    },
    /// Instance administration (works whether or not `serve` is running).
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum WafCommand {
    /// Replay a JSON-lines corpus of requests (family, expect, method, uri, headers, body)
    /// against the rules in-process; print per-family catch rates.
    Test {
        file: PathBuf,
        /// Also print every missed attack and every caught look-alike.
        #[arg(long)]
        misses: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an instance admin. The password is read from stdin; on a terminal, one is generated and printed once.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "")]
        name: String,
    },
    /// Send a test email through the relay now, reporting each stage (DNS, connect, TLS,
    /// authentication, sender, recipient, data) and the likely fix of a failed one. Without
    /// smtp.host, queues it to the mail folder instead.
    TestEmail {
        #[arg(long)]
        to: String,
    },
    /// Sign new unsubscribe and feedback links with a fresh key; links already sent keep working.
    RotateLinkKey,
    /// Record a bounce that came back later: a delivery-status email (FILE, or stdin) is
    /// matched to its campaign message by its X-Plaudit-* headers; a permanent failure
    /// suppresses the address. Pipe the sender mailbox's bounces here (procmail, fetchmail).
    Bounce { file: Option<PathBuf> },
    /// List deleted workspaces with the time each will be purged.
    DeletedWorkspaces,
    /// What the server (without one, the store) says of itself: whether an admin exists, mail
    /// waiting, the store's size; on a shared database, the instances serving it (host and
    /// data folder) and which one runs each single-runner job and each sync right now.
    Status,
    /// Run every background job of the running server now (syncs, replies, alerts, mail,
    /// campaigns, indexing, housekeeping, a due backup) until none has work left; answers
    /// with how many steps did something. Fails if they are still busy after two minutes.
    RunJobs,
    /// Bring back a deleted workspace, as it was, before its purge time.
    UndeleteWorkspace { id: String },
    /// Where the store's weight is: per tree, entries, key bytes, value bytes and share of
    /// the total, and the folder's size on disk. `--json` for the figures alone.
    StoreStats {
        #[arg(long)]
        json: bool,
    },
    /// Rewrite the store of a stopped server into a fresh folder holding only what is live
    /// (sled never gives back the space of what was overwritten). Export, import, swap: what
    /// a restore does, with the same checks.
    Compact,
}

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Copy every tree of the configured store into TARGET — a PostgreSQL URL
    /// (postgres://user:password@host/db?sslmode=verify-full) or a new folder for a sled store —
    /// with progress, then check each tree's entries and SHA-256 against what was read. The
    /// server must be stopped; a target that holds anything is refused.
    Copy {
        #[arg(long)]
        to: String,
    },
}
