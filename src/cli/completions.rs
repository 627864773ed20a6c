//! `switchboard completions SHELL`: the shell's completion script, generated from the same
//! clap tree that parses the command line, so it cannot fall behind it.

use super::args::Cli;
use super::common::print_raw;
use anyhow::Result;
use clap::CommandFactory as _;

pub(super) fn run(shell: clap_complete::Shell) -> Result<u8> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "switchboard", &mut script);
    print_raw(&script)?;
    Ok(0)
}
