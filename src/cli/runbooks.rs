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
        RunbookCommand::List { demo, sim, aws: _ } => {
            // Ranked against the alerts of the backend asked for, so the order is the one the
            // console's picker shows on that backend now.
            let (alerts, code) = if demo {
                let params = sim_params(cfg, &sim)?;
                (demo_snapshot(params, DEFAULT_SNAPSHOT_AT, &cfg.thresholds()).alerts, 0)
            } else {
                match live::snapshot(cfg, aws_options) {
                    Ok((taken, _)) => (taken.alerts, 0),
                    Err(e) => {
                        // Still list them, unranked; 3 = could not collect, as `snapshot` says.
                        crate::cli::common::warn(format_args!("no alerts to rank by: {e:#}"));
                        (Vec::new(), 3)
                    }
                }
            };
            let listed = runbook::rank(&alerts, &lib.runbooks);
            print_quietly(&runbook::text::list(&listed))?;
            Ok(code)
        }
        RunbookCommand::Show { id } => {
            let rb = find_runbook(&lib, &id)?;
            print_quietly(&runbook::text::show(rb))?;
            Ok(0)
        }
        RunbookCommand::Run { id, demo, sim: _, yes, incident, aws: _ } if !demo => {
            let rb = find_runbook(&lib, &id)?.clone();
            let path = audit_path(cfg, audit_cli)?;
            let incident = incident.as_deref().map(|i| attach::live(i, &rb)).transpose()?;
            live::runbook(cfg, aws_options, (&rb, &lib.runbooks), read_only, yes, &path, incident)
        }
        RunbookCommand::Run { id, demo: _, mut sim, yes, incident, aws: _ } => {
            let rb = find_runbook(&lib, &id)?.clone();
            let attach = incident.as_deref().map(|i| attach::drill(i, &mut sim)).transpose()?;
            let params = sim_params(cfg, &sim)?;
            let source_label = format!("demo:{}", params.scenario.name());
            let mut simulator = Simulator::new(params);
            let mut recorder = match attach {
                Some((store, inc)) => {
                    let mode = if read_only {
                        "read-only"
                    } else if yes {
                        "actions confirmed with --yes"
                    } else {
                        "checks only"
                    };
                    Some(attach::start_drill(
                        store,
                        inc,
                        &rb,
                        &source_label,
                        mode,
                        &mut simulator,
                        &cfg.thresholds(),
                    )?)
                }
                None => {
                    simulator.advance_to(DEFAULT_SNAPSHOT_AT);
                    None
                }
            };
            // Fast enough that a restart completes in a couple of seconds, slow enough that
            // every status transition is seen.
            let handle = SimHandle::realtime(simulator.shared(), 10.0);
            if let Some(rec) = recorder.as_mut() {
                let h = handle.clone();
                rec.set_clock(Box::new(move || {
                    h.with(|s| s.now()).unwrap_or_else(|_| crate::model::Timestamp::now())
                }));
            }
            let mut telemetry = SimSource::new(handle.clone());
            let remote = SimRemote::new(handle.clone());
            let first = telemetry.collect_now().map_err(|e| anyhow::anyhow!("{e}"))?;
            // The simulated servers' snapshot carries their internal names as addresses.
            let ctx = RunContext::from_snapshot(&first, read_only, cfg.thresholds());
            let opts = HeadlessOptions {
                yes,
                read_only,
                poll_interval: Duration::from_millis(250),
                // A run that ends not healthy names the next runbook from the whole library.
                others: lib.runbooks.clone(),
                ..Default::default()
            };
            let path = audit_path(cfg, audit_cli)?;
            let mut log = AuditLog::open(&path, Session::new(source_label, None))
                .with_context(|| format!("opening audit log {}", path.display()))?;
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            let mut out = std::io::stdout();
            let mut none = runbook::NoObserver;
            let observer: &mut dyn runbook::RunObserver = match recorder.as_mut() {
                Some(r) => r,
                None => &mut none,
            };
            let outcome = rt.block_on(runbook::run_headless_observed(
                &rb,
                ctx,
                &mut telemetry,
                &remote,
                &opts,
                Some(&mut log),
                observer,
                &mut out,
            ))?;
            if let Some(rec) = &recorder {
                eprintln!("switchboard: run {} recorded on {}", rec.run_id(), rec.incident());
            }
            Ok(outcome.exit_code() as u8)
        }
    }
}

/// `--incident`: which incident a run is recorded on, and the checks that keep a drill and a
/// real incident apart.
pub(super) mod attach {
    use super::super::args::SimArgs;
    use super::super::incident::{parse_id, store};
    use crate::audit::local_user;
    use crate::headless::ALERT_STEP;
    use crate::incident::recorder::RunInfo;
    use crate::incident::{Clock, IncidentId, IncidentStore, RunRecorder};
    use crate::model::Thresholds;
    use crate::runbook::Runbook;
    use crate::source::sim::{DEFAULT_SNAPSHOT_AT, Simulator};
    use anyhow::{Result, bail};

    /// A simulated run goes on a drill only; the drill's scenario (and seed) are the run's
    /// unless the command line says otherwise, and then they must agree.
    pub fn drill(id: &str, sim: &mut SimArgs) -> Result<(IncidentStore, IncidentId)> {
        let id = parse_id(id)?;
        let store = store()?;
        let inc = store.load(&id)?;
        let Some(d) = &inc.drill else {
            bail!(
                "{id} is a real incident, not a drill: a simulated run cannot be recorded on it (run without --demo)"
            );
        };
        match &sim.scenario {
            None => sim.scenario = Some(d.scenario.clone()),
            Some(s) if s != &d.scenario => {
                bail!(
                    "{id} is a drill on scenario {}; run it with --scenario {} (or declare another drill)",
                    d.scenario,
                    d.scenario
                )
            }
            Some(_) => {}
        }
        if sim.seed.is_none() {
            sim.seed = d.seed;
        }
        Ok((store, id))
    }

    /// A live run goes on a real incident only.
    pub fn live(id: &str, _rb: &Runbook) -> Result<(IncidentStore, IncidentId)> {
        let id = parse_id(id)?;
        let store = store()?;
        let inc = store.load(&id)?;
        if let Some(d) = &inc.drill {
            bail!(
                "{id} is a drill (scenario {}): record it with --demo, not on the live contact center",
                d.scenario
            );
        }
        Ok((store, id))
    }

    /// Starts the recorder at simulated 03:00 and plays the simulator up to where the run
    /// begins, sampling as a console refreshing every few seconds would: the figures and
    /// alerts before the run are the simulator's own past, not a guess.
    pub fn start_drill(
        store: IncidentStore,
        id: IncidentId,
        rb: &Runbook,
        source: &str,
        mode: &str,
        sim: &mut Simulator,
        thresholds: &Thresholds,
    ) -> Result<RunRecorder> {
        let start = sim.now();
        let who = local_user();
        let info = RunInfo {
            runbook: rb,
            source,
            mode,
            who: &who,
            clock: Clock::Simulated,
            confirmed_how: "--yes on a headless run",
        };
        let mut rec = RunRecorder::start(store, id, info, Box::new(move || start), thresholds.clone())?;
        let mut t = sim.elapsed();
        while t < DEFAULT_SNAPSHOT_AT {
            t = (t + ALERT_STEP).min(DEFAULT_SNAPSHOT_AT);
            sim.advance_to(t);
            rec.observe(&sim.snapshot())?;
        }
        Ok(rec)
    }
}

fn find_runbook<'a>(lib: &'a Library, id: &str) -> Result<&'a runbook::Runbook> {
    lib.get(id).with_context(|| {
        let ids: Vec<&str> = lib.runbooks.iter().map(|r| r.id.as_str()).collect();
        format!("no runbook {id:?}; available: {}", ids.join(", "))
    })
}
