//! `switchboard runbook list|show|run`: the runbook library on the command line; `run` goes
//! headless, on the simulator (`--demo`) or the live backend.

use super::args::RunbookCommand;
use super::common::{audit_path, print_quietly, sim_params};
use super::live;
use crate::audit::{AuditLog, Session};
use crate::config::Config;
use crate::headless::demo_snapshot;
use crate::runbook::{self, HeadlessOptions, Library, RunContext};
use crate::source::aws::AwsOptions;
use crate::source::sim::{DEFAULT_SNAPSHOT_AT, SimHandle, SimRemote, SimSource, Simulator};
use anyhow::{Context as _, Result};
use std::path::Path;
use std::time::Duration;

pub(super) fn run(
    cfg: &Config,
    aws_options: &AwsOptions,
    read_only: bool,
    audit_cli: Option<&Path>,
    command: RunbookCommand,
) -> Result<u8> {
    let lib = Library::load(runbook::user_dir().as_deref());
    for e in &lib.errors {
        super::common::warn(format_args!("skipped runbook: {e}"));
    }
    match command {
        RunbookCommand::List { demo: _, sim } => {
            let params = sim_params(cfg, &sim)?;
            let taken = demo_snapshot(params, DEFAULT_SNAPSHOT_AT, &cfg.thresholds());
            let listed = runbook::runbooks_for(&taken.alerts, &lib.runbooks);
            print_quietly(&runbook::text::list(&listed))?;
            Ok(0)
        }
        RunbookCommand::Show { id } => {
            let rb = find_runbook(&lib, &id)?;
            print_quietly(&runbook::text::show(rb))?;
            Ok(0)
        }
        RunbookCommand::Run { id, demo, sim: _, yes } if !demo => {
            let rb = find_runbook(&lib, &id)?.clone();
            let path = audit_path(cfg, audit_cli)?;
            live::runbook(cfg, aws_options, &rb, read_only, yes, &path)
        }
        RunbookCommand::Run { id, demo: _, sim, yes } => {
            let rb = find_runbook(&lib, &id)?.clone();
            let params = sim_params(cfg, &sim)?;
            let source_label = format!("demo:{}", params.scenario.name());
            let mut simulator = Simulator::new(params);
            simulator.advance_to(DEFAULT_SNAPSHOT_AT);
            // Fast enough that a restart completes in a couple of seconds, slow enough that
            // every status transition is seen.
            let handle = SimHandle::realtime(simulator.shared(), 10.0);
            let mut telemetry = SimSource::new(handle.clone());
            let remote = SimRemote::new(handle.clone());
            let first = telemetry.collect_now().map_err(|e| anyhow::anyhow!("{e}"))?;
            // The simulated servers' snapshot carries their internal names as addresses.
            let ctx = RunContext::from_snapshot(&first, read_only, cfg.thresholds());
            let opts = HeadlessOptions {
                yes,
                read_only,
                poll_interval: Duration::from_millis(250),
                ..Default::default()
            };
            let path = audit_path(cfg, audit_cli)?;
            let mut log = AuditLog::open(&path, Session::new(source_label, None))
                .with_context(|| format!("opening audit log {}", path.display()))?;
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            let mut out = std::io::stdout();
            let outcome = rt.block_on(runbook::run_headless(
                &rb,
                ctx,
                &mut telemetry,
                &remote,
                &opts,
                Some(&mut log),
                &mut out,
            ))?;
            Ok(outcome.exit_code() as u8)
        }
    }
}

fn find_runbook<'a>(lib: &'a Library, id: &str) -> Result<&'a runbook::Runbook> {
    lib.get(id).with_context(|| {
        let ids: Vec<&str> = lib.runbooks.iter().map(|r| r.id.as_str()).collect();
        format!("no runbook {id:?}; available: {}", ids.join(", "))
    })
}
