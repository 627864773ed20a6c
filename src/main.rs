//! The `switchboard` command: CLI parsing and wiring only; the work lives in the library.

use clap::Parser as _;
use std::process::ExitCode;
use switchboard::cli::{self, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("switchboard: {e:#}");
            ExitCode::from(3)
        }
    }
}
