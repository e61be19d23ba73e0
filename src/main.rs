//! The `plaudit` binary: parse the command line and hand over to the library.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    plaudit::cli::run(plaudit::cli::Cli::parse())
}
