//! What several commands share: the global options, the simulator's parameters, the audit
//! log's path, and printing to stdout.

use super::args::SimArgs;
use crate::audit;
use crate::config::Config;
use crate::sanitize;
use crate::source::sim::{Scenario, SimParams};
use anyhow::{Context as _, Result};
use std::io::Write as _;
use std::path::{Path, PathBuf};

pub(super) struct Globals {
    pub(super) read_only: bool,
    pub(super) audit_log: Option<PathBuf>,
    /// `--config` as given (a background notification worker is started with it).
    pub(super) config: Option<PathBuf>,
    pub(super) aws: crate::source::aws::AwsOptions,
}

pub(super) fn cli_globals(
    read_only: &bool,
    audit_log: &Option<PathBuf>,
    config: &Option<PathBuf>,
    aws: &crate::source::aws::AwsOptions,
) -> Globals {
    Globals { read_only: *read_only, audit_log: audit_log.clone(), config: config.clone(), aws: aws.clone() }
}

/// Command line first, then `[demo]` in the config, then the simulator's defaults.
pub(super) fn sim_params(cfg: &Config, args: &SimArgs) -> Result<SimParams> {
    let d = SimParams::default();
    let scenario_name = args.scenario.clone().or_else(|| cfg.demo.scenario.clone());
    let scenario = match scenario_name {
        None => Scenario::Calm,
        Some(name) => Scenario::from_name(&name).with_context(|| {
            let names: Vec<&str> = Scenario::ALL.iter().map(|s| s.name()).collect();
            format!("unknown scenario {name:?}; choose one of: {}", names.join(", "))
        })?,
    };
    let size = |arg: Option<usize>, conf: Option<u32>, default: usize| {
        arg.or(conf.map(|v| v as usize)).unwrap_or(default)
    };
    Ok(SimParams {
        seed: args.seed.or(cfg.demo.seed).unwrap_or(d.seed),
        scenario,
        queues: size(args.queues, cfg.demo.queues, d.queues),
        functions: size(args.functions, cfg.demo.functions, d.functions),
        streams: size(args.streams, cfg.demo.streams, d.streams),
        tables: size(args.tables, cfg.demo.tables, d.tables),
        panes: cfg.demo_panes()?.into_iter().map(std::sync::Arc::new).collect(),
    })
}

pub(super) fn audit_path(cfg: &Config, cli: Option<&Path>) -> Result<PathBuf> {
    cli.map(Path::to_path_buf)
        .or_else(|| cfg.audit.path.clone())
        .or_else(audit::default_path)
        .context("no audit log path: pass --audit-log PATH (no data directory could be determined)")
}

/// Prints text to stdout through the sanitiser (runbook titles, names and messages from
/// outside must not act on the terminal); a closed pipe (`| head`) is not an error.
pub(super) fn print_quietly(text: &str) -> Result<()> {
    write_stdout(&sanitize::sanitize_text(text))
}

/// Prints JSON to stdout with every unsafe character `\u` escaped: scripts get the same
/// values, a terminal gets nothing it would act on.
pub(super) fn print_json(json: &str) -> Result<()> {
    write_stdout(&sanitize::json_safe(json))
}

/// Prints bytes this program made itself (a completion script) as they are: the sanitiser is
/// for text from outside, and would escape the script's own control characters.
pub(super) fn print_raw(bytes: &[u8]) -> Result<()> {
    write_bytes(bytes)
}

fn write_stdout(text: &str) -> Result<()> {
    write_bytes(text.as_bytes())
}

fn write_bytes(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing to stdout"),
    }
}

/// A note on stderr, `switchboard: …`, sanitised and cut like every error message.
pub(super) fn warn(message: impl std::fmt::Display) {
    eprintln!("switchboard: {}", sanitize::message(&message.to_string()));
}

pub(super) fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}
