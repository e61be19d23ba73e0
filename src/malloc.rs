//! glibc's allocator tuned for one long-running server on a small box, by re-executing once.
//!
//! Left alone, glibc keeps up to eight arenas a core and returns freed memory to the system
//! only above 128 KiB of free space at the heap's top (raised further as large blocks are
//! freed): what start-up builds and drops (the WAF's automata peak at ~23 MB for 3 MB kept,
//! sled's recovery) stays resident. Measured on a 1,000,000-review store, RSS 5 s after
//! ready: 104–110 MiB as it comes, 83–86 MiB with two arenas and a fixed 128 KiB trim
//! threshold (BENCHMARKS.md). The settings can only be given through the environment before
//! the process starts (or with `mallopt`, which this crate's `forbid(unsafe_code)` rules
//! out), so `serve` starts itself again once with them, keeping its pid, arguments and
//! files. An operator's own `GLIBC_TUNABLES` is left as it is; `PLAUDIT_MALLOC_TUNED=0`
//! turns this off.

/// What `serve` runs with.
pub const TUNABLES: &str = "glibc.malloc.arena_max=2:glibc.malloc.trim_threshold=131072";
/// Set on the re-executed process (so it does not start itself again), or by an operator to
/// `0` to keep glibc's defaults.
pub const MARK: &str = "PLAUDIT_MALLOC_TUNED";

/// Whether a process with this environment should start itself again with `TUNABLES`.
pub fn wanted(env: impl Fn(&str) -> Option<String>) -> bool {
    env(MARK).is_none() && env("GLIBC_TUNABLES").is_none()
}

/// Starts this process again with `TUNABLES` when `wanted`; returns only when it did not
/// (not wanted, or the re-execution failed: then it goes on as it is, with a warning).
#[cfg(target_os = "linux")]
pub fn tune() {
    use std::os::unix::process::CommandExt;
    if !wanted(|k| std::env::var(k).ok()) {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let err = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("GLIBC_TUNABLES", TUNABLES)
        .env(MARK, "1")
        .exec();
    eprintln!("plaudit: running with glibc's default allocator settings ({err})");
}

#[cfg(not(target_os = "linux"))]
pub fn tune() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tuned_once_and_never_over_an_operators_choice() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert!(wanted(env(&[])));
        assert!(!wanted(env(&[(MARK, "1")])), "already re-executed");
        assert!(!wanted(env(&[(MARK, "0")])), "turned off");
        assert!(!wanted(env(&[(
            "GLIBC_TUNABLES",
            "glibc.malloc.arena_max=4"
        )])));
    }
}
