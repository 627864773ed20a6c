//! The `switchboard` command line: its arguments ([`Cli`]) and each command's wiring of the
//! library; `run` dispatches and returns the process's exit status.

mod args;
mod audit;
mod common;
mod completions;
mod config_command;
mod console;
mod incident;
mod live;
mod logs;
mod panes;
mod replay;
mod runbooks;
mod scenarios;
mod snapshot;
mod team;

pub use args::Cli;

use crate::config::Config;
use anyhow::Result;
use args::{AwsArgs, Command, SimArgs, TeamCommand, UiArgs};
use common::cli_globals;

/// Runs the command `cli` names; the exit status on success. An error is exit status 3
/// ("could not"), which is the caller's to print.
pub fn run(cli: Cli) -> Result<u8> {
    let explicit = cli.config.as_deref();
    let load = || Config::discover(explicit).map_err(anyhow::Error::new);
    // A command's own AWS options over those given before its name; the console (no
    // command) has only the latter. `Cli::checked_parse` refused them before a command
    // without AWS.
    let aws_options = match cli.command.as_ref().and_then(Command::aws) {
        Some(own) => own.options(&cli.aws),
        None => cli.aws.options(&AwsArgs::default()),
    };
    let globals = cli_globals(&cli.read_only, &cli.audit_log, &cli.config, &aws_options);
    match cli.command {
        // `config` works on files that may not exist or load yet: `init` creates the one
        // `--config` names, and `check other.toml` must not fail on a broken default config.
        Some(Command::Config { command }) => config_command::run(explicit, command),
        None => {
            let cfg = load()?;
            if cfg.aws.is_some() {
                return live::console(&globals, &cfg, &aws_options, &UiArgs::empty());
            }
            // Without an [aws] section the console runs on the simulator, as the product
            // promises; say so rather than pretend, on the first screen (a line on stderr is
            // gone behind the alternate screen before anyone reads it).
            let why = "no [aws] in the config: simulated figures, not your contact center \
                       (switchboard config init shows [aws])";
            eprintln!("switchboard: {why}");
            console::demo(
                &globals,
                &cfg,
                SimArgs::empty(),
                UiArgs::empty(),
                None,
                None,
                Some(why.to_string()),
            )
        }
        Some(Command::Demo { sim, ui, speed, start_at }) => {
            console::demo(&globals, &load()?, sim, ui, speed, start_at, None)
        }
        Some(Command::Snapshot { demo, sim, at, format, watch, aws: _ }) => {
            snapshot::run(&load()?, &aws_options, snapshot::Request { demo, sim: &sim, at, format, watch })
        }
        Some(Command::Replay { recording, speed, ui }) => {
            replay::run(&globals, &load()?, &recording, speed, ui)
        }
        Some(Command::Scenarios) => scenarios::run(),
        Some(Command::Panes) => panes::run(&load()?),
        Some(Command::Runbook { command }) => {
            let cfg = load()?;
            runbooks::run(
                &cfg,
                &aws_options,
                cli.read_only || cfg.read_only,
                cli.audit_log.as_deref(),
                command,
            )
        }
        Some(Command::Logs {
            server,
            lambda,
            follow,
            lines,
            grep,
            demo,
            sim,
            accept_new_host_key,
            aws: _,
        }) => {
            let cfg = load()?;
            let opts = logs::tail_options(follow, lines, grep)?;
            let which = logs::LogSource::from_args(lambda, server)?;
            logs::run(&cfg, &aws_options, &which, demo, &sim, &opts, accept_new_host_key)
        }
        Some(Command::Incident { command }) => {
            incident::run(&load()?, &aws_options, cli.config.as_deref(), cli.audit_log.as_deref(), command)
        }
        Some(Command::Team { command: TeamCommand::Init { table, print, aws: _ } }) => {
            team::init(&load()?, &aws_options, table, print)
        }
        Some(Command::Audit { command: Some(args::AuditCommand::Verify), .. }) => {
            audit::verify(&load()?, cli.audit_log.as_deref())
        }
        Some(Command::Audit { command: None, format, since }) => {
            audit::run(&load()?, cli.audit_log.as_deref(), format, since)
        }
        // Needs no config: a broken one must not stop a shell from starting.
        Some(Command::Completions { shell }) => completions::run(shell),
    }
}
