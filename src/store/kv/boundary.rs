//! The store reaches its engine through `kv` only.

/// The store speaks to its engine through this module: sled's own names appear only here
/// and in the modules about sled itself (how a folder is configured, a backup's change
/// recorder), so a second engine has one interface to give.
#[test]
fn only_the_engine_modules_name_sled() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let allowed = ["store/kv/", "store/engine.rs", "store/snapshot/recorder.rs"];
    let mut found = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let name = path
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if allowed.iter().any(|a| name.starts_with(a)) {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            if text.contains("sled::") {
                found.push(name);
            }
        }
    }
    assert!(
        found.is_empty(),
        "sled named outside the engine modules: {found:?}"
    );
}
