//! `plaudit admin compact`: a store whose index was rewritten many times shrinks to what is
//! live, and reads the same afterwards: items, period totals, search answers.
//!
//! The stores here are written with sled's defaults, as releases before `store::engine`
//! (compressed pages, larger segments) wrote them: rewritten blocks then leave dead space a
//! small store shows. Written as `engine` writes, a store this size stays within sled's first
//! few log segments whatever it rewrites, so compaction for dead space shows at scale only
//! (`benches/run weight` logs it).

use crate::support::{plaudit, text, write_config};
use plaudit::domain::{Author, Fetched, Id, Kind, Location, Origin, Rating, Workspace};
use plaudit::store::{Destination, ItemFilter, PageRequest, Store};
use time::macros::datetime;

type Seen = (Vec<plaudit::domain::Item>, Vec<u64>, Vec<usize>);

fn seen(store: &Store, ws: &Id<Workspace>) -> Seen {
    let items = store
        .items()
        .page(ws, &ItemFilter::default(), &PageRequest::first(5000))
        .unwrap()
        .items;
    let day = plaudit::domain::date_day(datetime!(2026-06-01 0:00 UTC).date());
    let totals = [(day - 700, day + 1), (day - 40, day - 3)]
        .iter()
        .map(|(a, b)| store.items().total(ws, None, *a, *b).unwrap().items)
        .collect();
    let found = ["croissant", "cof", "go"]
        .iter()
        .map(|q| {
            store
                .items()
                .page(
                    ws,
                    &ItemFilter {
                        terms: plaudit::domain::text::query_terms(q),
                        ..Default::default()
                    },
                    &PageRequest::first(5000),
                )
                .unwrap()
                .items
                .len()
        })
        .collect();
    (items, totals, found)
}

const NOW: time::OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

/// A store in `dir/data` whose index was rewritten many times; what it reads.
fn seeded(dir: &std::path::Path) -> (Id<Workspace>, Seen) {
    let now = NOW;
    let ws: Id<Workspace> = Id::generate(now);
    let texts = [
        "croissant was stale",
        "great coffee",
        "go early",
        "loud music",
    ];
    let before = {
        // What a release before compression created: sled's default configuration.
        std::fs::create_dir_all(dir.join("data")).unwrap();
        drop(sled::open(dir.join("data").join("db")).unwrap());
        let store = Store::open(&dir.join("data"), 16, now).unwrap();
        // Each location's history spans the same two years, indexed location after location:
        // every step rewrites blocks all over the index.
        for li in 0..12usize {
            let loc: Id<Location> = Id::generate(now);
            let dest = Destination {
                workspace: ws,
                location: loc,
                origin: Origin::Google,
                feed: "f",
                connection: None,
                alert: false,
            };
            let page: Vec<Fetched> = (0..300usize)
                .map(|n| {
                    let at = now - time::Duration::hours((n * 56 + li) as i64);
                    Fetched {
                        kind: Kind::Review,
                        external_id: format!("r{li}-{n}"),
                        parent_external_id: None,
                        author: Author {
                            name: format!("Reviewer {n}"),
                            ..Author::default()
                        },
                        rating: Some(Rating::Stars(1 + (n % 5) as u8)),
                        text: texts[(n + li) % texts.len()].into(),
                        link: None,
                        created_at: at,
                        updated_at: at,
                        reply: None,
                        reply_authoritative: true,
                    }
                })
                .collect();
            for chunk in page.chunks(10) {
                store.items().ingest(&dest, chunk, now).unwrap();
                store.search().index_step(10).unwrap();
            }
        }
        store.search().catch_up(usize::MAX).unwrap();
        let s = seen(&store, &ws);
        store.close().unwrap();
        s
    };
    assert_eq!(before.0.len(), 3600);
    (ws, before)
}

#[test]
fn compact_gives_back_dead_space_and_every_record_reads_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "");
    let now = NOW;
    let (ws, before) = seeded(dir.path());
    // What a compaction killed mid-way left (its export holds keys): removed by the next one.
    let leftover = dir.path().join("data").join("compacting-1700000000");
    std::fs::create_dir_all(&leftover).unwrap();
    std::fs::write(leftover.join("plaudit-x.backup"), b"keys").unwrap();
    let out = plaudit(
        &["admin", "compact", "--config", config.to_str().unwrap()],
        &[],
        None,
        dir.path(),
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    let sizes: Vec<u64> = stdout
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert!(
        matches!(sizes.as_slice(), [b, a] if a < b),
        "it shrinks: {stdout}"
    );
    // Nothing is left beside the store.
    let mut left: Vec<String> = std::fs::read_dir(dir.path().join("data"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("db.") || n.starts_with("compacting"))
        .collect();
    left.sort();
    assert!(left.is_empty(), "{left:?}");
    // Rewritten in the current layout.
    assert!(!plaudit::store::engine::needs_rewrite(
        &dir.path().join("data").join("db")
    ));
    let store = Store::open(&dir.path().join("data"), 16, now).unwrap();
    assert_eq!(seen(&store, &ws), before);
    drop(store);

    // A second compact of a folder in use, or of no store at all, is refused clearly.
    let empty = tempfile::tempdir().unwrap();
    let empty_config = write_config(empty.path(), "");
    let out = plaudit(
        &[
            "admin",
            "compact",
            "--config",
            empty_config.to_str().unwrap(),
        ],
        &[],
        None,
        empty.path(),
    );
    assert_eq!(out.status.code(), Some(2), "{:?}", text(&out));
}

/// `serve` compacts a folder written in the older layout by itself before serving (in a child process),
/// compressed, and serves the same records; the next start leaves it alone.
#[test]
fn serve_compacts_a_plain_store_at_start() {
    if crate::support::sled_only(
        "compaction rewrites a sled folder; a database server keeps its own files",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (ws, before) = seeded(dir.path());
    let db = dir.path().join("data").join("db");
    assert!(plaudit::store::engine::needs_rewrite(&db));
    let size = |p: &std::path::Path| -> u64 {
        std::fs::read_dir(p)
            .unwrap()
            .map(|e| e.unwrap().metadata().unwrap().len())
            .sum()
    };
    let bloated = size(&db);
    let env = [("PLAUDIT_STORAGE__COMPACT_MIN_MB", "0")];
    let server = crate::support::Server::start_with_env(dir.path(), "", &env);
    let compacted = size(&db);
    assert!(
        compacted < bloated,
        "{bloated} bytes before, {compacted} after: {}",
        logs(dir.path())
    );
    let log = logs(dir.path());
    assert!(log.contains("an older sled layout"), "{log}");
    assert!(log.contains("store compacted"), "{log}");
    drop(server);
    assert!(!plaudit::store::engine::needs_rewrite(&db));
    let store = Store::open(&dir.path().join("data"), 16, NOW).unwrap();
    assert_eq!(seen(&store, &ws), before);
    store.close().unwrap();
    // Weighed at its new size: a second start does not walk it again.
    clear_logs(dir.path());
    let server = crate::support::Server::start_with_env(dir.path(), "", &env);
    let second = logs(dir.path());
    assert!(!second.contains("weighed the store"), "{second}");
    drop(server);
}

/// What the servers started in `dir` logged (each writes `serve-N.stderr`).
fn logs(dir: &std::path::Path) -> String {
    serve_logs(dir)
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap_or_default())
        .collect()
}

fn clear_logs(dir: &std::path::Path) {
    for p in serve_logs(dir) {
        std::fs::remove_file(p).unwrap();
    }
}

fn serve_logs(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".stderr"))
        .collect()
}
