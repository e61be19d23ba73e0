//! `plaudit store copy --to TARGET`: the whole store of a stopped server copied to another
//! engine — a PostgreSQL URL, or a folder for a sled store — with a progress bar, checked
//! tree by tree (entries and SHA-256) against what was read; never into a store that holds
//! anything.

use super::{Failed, open_store};
use crate::admin_socket::{self, Request};
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::store::kv;
use crate::store::snapshot::{self, Keys, TreeSum};
use std::path::Path;

pub fn copy(config: &Config, to: &str) -> Result<(), Failed> {
    crate::logging::init(&config.logs);
    if admin_socket::call(&config.storage.data_dir, &Request::Status)
        .ok()
        .flatten()
        .is_some()
    {
        return Err(Failed::Usage(
            "the server is running on this store: stop it first (a copy reads the store whole, as of one moment)".into(),
        ));
    }
    let target = open_target(to)?;
    let source = open_store(config, SystemClock.now())?;
    super::refuse_while_serving(
        crate::workers::presence::serving(&source, SystemClock.now()),
        "a copy reads the store whole, as of one moment",
    )?;
    let started = std::time::Instant::now();
    // The total first (a walk of every tree), so the bar can say how far along it is.
    let total = source.entry_count();
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::stderr(),
    );
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} entries copied, {elapsed} so far, about {eta} left",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    // The source writes its snapshot stream into a pipe on one thread; this one writes it
    // into the target as it comes.
    let (mut reader, mut writer) = std::io::pipe().map_err(Failed::runtime)?;
    let summed = std::thread::scope(|scope| {
        let export = scope.spawn(move || {
            let out = source.export_to(&mut writer, Keys::Included, |_| {});
            drop(writer);
            out
        });
        let copied = snapshot::copy_into(&target, &mut reader, |n| bar.set_position(n));
        drop(reader);
        let exported = export
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the export thread failed")));
        exported.and(copied)
    })
    .map_err(|e| Failed::Runtime(format!("{e:#}")))?;
    bar.finish_and_clear();
    let read = non_empty(&summed.sums);
    let written =
        non_empty(&snapshot::sums_of(&target).map_err(|e| Failed::Runtime(format!("{e:#}")))?);
    if read != written {
        return Err(Failed::Runtime(format!(
            "the copy does not match what was read (trees read {}, written {}); the target is left as it is for inspection",
            read.len(),
            written.len()
        )));
    }
    let entries: u64 = written.iter().map(|t| t.entries).sum();
    println!(
        "copied {} trees, {entries} entries, in {:.1} s; every tree's entries and SHA-256 match",
        written.len(),
        started.elapsed().as_secs_f64()
    );
    if let kv::Db::Sled(_) = target {
        println!("the copy is a data folder's db/: point storage.data_dir at its parent");
    } else {
        println!("to serve from it: storage.backend = \"postgres\" and storage.postgres_url");
    }
    Ok(())
}

fn non_empty(sums: &[TreeSum]) -> Vec<TreeSum> {
    let mut out: Vec<TreeSum> = sums.iter().filter(|t| t.entries > 0).cloned().collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The target: a PostgreSQL URL, or a folder that does not exist yet or is empty (the sled
/// store goes into its `db/`). Refused when it holds anything.
fn open_target(to: &str) -> Result<kv::Db, Failed> {
    if to.starts_with("postgres://") || to.starts_with("postgresql://") {
        let target =
            kv::pg::target::Target::parse(to).map_err(|e| Failed::Usage(format!("--to: {e}")))?;
        let db =
            kv::pg::PgDb::open(target, 4).map_err(|e| Failed::Runtime(format!("--to: {e}")))?;
        let db = kv::Db::Pg(db);
        let used: Vec<String> = db
            .tree_names()
            .into_iter()
            .filter(|n| db.open_tree(n).is_ok_and(|t| !t.is_empty()))
            .map(|n| String::from_utf8_lossy(&n).into_owned())
            .collect();
        if !used.is_empty() {
            return Err(Failed::Usage(format!(
                "--to: the database holds a store already ({} trees with entries): copy into an empty database",
                used.len()
            )));
        }
        return Ok(db);
    }
    let folder = Path::new(to);
    if folder.exists()
        && std::fs::read_dir(folder)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(Failed::Usage(format!(
            "--to: {} exists and is not empty: copy into a new folder",
            folder.display()
        )));
    }
    crate::store::private::folder(folder).map_err(Failed::runtime)?;
    let db = crate::store::engine::config(&folder.join("db"))
        .open()
        .map_err(|e| Failed::Runtime(format!("--to: {e}")))?;
    Ok(kv::Db::from_sled(db))
}
