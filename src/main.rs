//! The `switchboard` command: CLI parsing and wiring only; the work lives in the library.

use clap::Parser as _;
use std::process::ExitCode;
use switchboard::cli::{self, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // Errors quote what they could not use (file contents, AWS messages, arguments):
            // through the sanitiser, and cut, like everything else that reaches the terminal.
            eprintln!("switchboard: {}", switchboard::sanitize::message(&format!("{e:#}")));
            ExitCode::from(3)
        }
    }
}
