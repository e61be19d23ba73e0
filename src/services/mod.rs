//! The rules: plain Rust over the store, knowing nothing of HTTP.

pub mod accounts;
pub mod mailing;
pub mod setup;
