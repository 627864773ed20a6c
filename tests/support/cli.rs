//! Runs the binary `cargo test` built, as a script would, with the user's own config and data
//! kept out of the test.

use std::process::{Command, Output};

pub fn switchboard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent-switchboard-test")
        .env("XDG_DATA_HOME", "/nonexistent-switchboard-test")
        .output()
        .expect("run switchboard")
}
