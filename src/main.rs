//! The `switchboard` command: CLI parsing and wiring only; the work lives in the library.

use std::process::ExitCode;
use switchboard::cli::{self, Cli};

fn main() -> ExitCode {
    let cli = match Cli::checked_parse(std::env::args_os()) {
        Ok(cli) => cli,
        Err(e) => {
            // `--help` and `--version` are not errors. A command line that cannot be used is
            // "could not" (3) like every other failure: clap's own 2 would read as "crit" to
            // a script checking `snapshot`'s status.
            // A closed pipe (`--help | head -1`) does not change what the status means.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 3 } else { 0 });
        }
    };
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
