//! The console's wiring: what every console needs whatever its source ([`ConsoleBase`]), and
//! `switchboard demo`, the console on the simulator. The live console is in `live`.

use super::args::{SimArgs, UiArgs};
use super::common::{Globals, audit_path, no_color, sim_params};
use crate::app::{Earlier, ServerTarget};
use crate::audit::{AuditLog, Session};
use crate::config::Config;
use crate::console::exec::ExecOptions;
use crate::console::flight::FlightOptions;
use crate::console::incident_desk::DeskOptions;
use crate::console::{Backfill, ConsoleOptions, Feed, RefreshHook, ThemeLoader, run_console};
use crate::headless::alert_times;
use crate::keymap::Keymap;
use crate::model::Thresholds;
use crate::runbook::{self, Library};
use crate::source::sim::{SimHandle, SimLogOpener, SimRemote, SimSource, Simulator};
use crate::source::{Clock, Compose, LogOpener, Remote, SingleSource};
use crate::theme::Theme;
use anyhow::{Result, bail};
use std::sync::Arc;
use std::time::Duration;

/// Where `demo` opens by default: 30 simulated seconds into the incident (which starts at
/// 120 s), with everything before it in the trends.
const DEMO_START: Duration = Duration::from_secs(150);

/// The simulator's lead-up to `start`, oldest first: the trends get one sample per refresh
/// interval, as many as they keep; the alert book is brought up to date at the instants
/// `snapshot --demo` uses ([`alert_times`]), so an alert that began before the console opened is
/// as old here as there. `sim` is a simulator of its own, made with the same parameters as the
/// console's (the same seed gives the same figures).
fn backfill(mut sim: Simulator, start: Duration, refresh: Duration, history: usize) -> Backfill {
    let refresh = refresh.max(Duration::from_millis(250));
    let samples = u32::try_from(history.max(1)).unwrap_or(u32::MAX);
    let span = refresh.saturating_mul(samples - 1);
    // Trend samples end at `start`, one refresh apart, like the console's own refreshes.
    let mut trends: Vec<Duration> = Vec::new();
    let mut t = start;
    while trends.len() < history.max(1) {
        trends.push(t);
        match t.checked_sub(refresh) {
            Some(earlier) if start - earlier <= span => t = earlier,
            _ => break,
        }
    }
    trends.reverse();
    let alerts: Vec<Duration> = alert_times(start).collect();
    let mut times: Vec<(Duration, bool, bool)> = Vec::with_capacity(trends.len() + alerts.len());
    let (mut a, mut tr) = (alerts.iter().peekable(), trends.iter().peekable());
    loop {
        let next = match (a.peek(), tr.peek()) {
            (Some(&&x), Some(&&y)) if x == y => {
                a.next();
                tr.next();
                (x, true, true)
            }
            (Some(&&x), Some(&&y)) if x < y => {
                a.next();
                (x, true, false)
            }
            (_, Some(&&y)) => {
                tr.next();
                (y, false, true)
            }
            (Some(&&x), None) => {
                a.next();
                (x, true, false)
            }
            (None, None) => break,
        };
        times.push(next);
    }
    // One at a time, as the console takes them in: at 1,000 queues the ~80 snapshots held
    // together were ~20 MB, most of the demo's peak memory.
    Box::new(times.into_iter().map(move |(t, alerts, trends)| {
        sim.advance_to(t);
        Earlier { snapshot: sim.snapshot(), alerts, trends }
    }))
}

/// The simulated servers as command targets, each with the services it runs: in the demo the
/// simulator's model is the configuration.
fn demo_targets(sim: &Simulator) -> Vec<ServerTarget> {
    let snap = sim.snapshot();
    sim.targets()
        .into_iter()
        .map(|target| {
            let services = snap
                .nextalk
                .servers
                .iter()
                .find(|s| s.name == target.server)
                .map(|s| s.services.iter().map(|svc| svc.name.clone()).collect())
                .unwrap_or_default();
            ServerTarget { target, services }
        })
        .collect()
}

/// What every console needs whatever its source: keys, looks, runbooks, the audit log and
/// the settings from the config and command line.
pub(super) struct ConsoleBase {
    keymap: Keymap,
    theme: Theme,
    theme_loader: ThemeLoader,
    audit: Option<AuditLog>,
    audit_error: Option<String>,
    runbooks: Library,
    thresholds: Thresholds,
    /// The data-defined panes (`[[panes]]`), shown after the built-in ones.
    panes: Vec<crate::model::PaneDef>,
    history: usize,
    log_lines: usize,
    read_only: bool,
    mouse: bool,
    /// The themes `:theme` accepts (shipped and the user's).
    themes: Vec<String>,
    /// Where incidents declared in the console go, or why there is nowhere.
    incidents: Result<(crate::incident::IncidentStore, super::incident::ConsoleHooks), String>,
    /// `--record FILE`.
    record: Option<std::path::PathBuf>,
}

/// What depends on where the figures come from: the simulator or AWS.
pub(super) struct ConsoleSource {
    pub(super) label: String,
    pub(super) feeds: Vec<Feed>,
    pub(super) on_manual_refresh: Vec<RefreshHook>,
    pub(super) compose: Box<dyn Compose>,
    pub(super) remote: Arc<dyn Remote>,
    pub(super) logs: Arc<dyn LogOpener>,
    pub(super) targets: Vec<ServerTarget>,
    pub(super) backfill: Backfill,
    /// The source's clock: ages are read on it.
    pub(super) clock: Arc<dyn Clock>,
    /// The built-in simulator, not a real contact center.
    pub(super) simulated: bool,
    /// For the first screen: why it runs on what it runs on.
    pub(super) notice: Option<String>,
    /// The demo's scenario: incidents declared on it are drills.
    pub(super) drill: Option<crate::incident::Drill>,
    /// `switchboard replay`: the player and its marked events.
    pub(super) replay: Option<crate::console::runtime::ReplayOptions>,
}

impl ConsoleBase {
    /// For `switchboard replay`: read-only, and no incident is declared on a recording.
    pub(super) fn replay_mode(&mut self) {
        self.read_only = true;
        self.incidents = Err("a replay declares no incidents: it plays back a recording".into());
    }

    /// Runs the console on `source` until the engineer quits.
    pub(super) fn run(self, source: ConsoleSource, rt: &tokio::runtime::Runtime) -> Result<u8> {
        let label = source.label.clone();
        let thresholds = self.thresholds.clone();
        // A replay records nothing: it is the recording.
        let flight = source.replay.is_none().then(|| FlightOptions {
            file: self.record,
            window: crate::console::flight::DEFAULT_WINDOW,
            source: label.clone(),
            simulated: source.simulated,
            who: crate::audit::local_user(),
        });
        let opts = ConsoleOptions {
            feeds: source.feeds,
            on_manual_refresh: source.on_manual_refresh,
            compose: source.compose,
            keymap: self.keymap,
            theme: self.theme,
            theme_loader: self.theme_loader,
            thresholds: self.thresholds,
            panes: self.panes,
            history: self.history,
            read_only: self.read_only,
            mouse: self.mouse,
            source_label: source.label,
            remote: source.remote,
            audit: self.audit,
            audit_error: self.audit_error,
            runbooks: self.runbooks,
            targets: source.targets,
            backfill: source.backfill,
            // The simulator has no GetCommandInvocation quota to spare, so the demo notices a
            // finished command within a quarter second (as `runbook run --demo` does); against
            // SSM the console keeps the default half second. The commands take as long either way.
            exec: if source.simulated {
                ExecOptions { poll_interval: std::time::Duration::from_millis(250), ..ExecOptions::default() }
            } else {
                ExecOptions::default()
            },
            logs: source.logs,
            log_lines: self.log_lines,
            clock: source.clock,
            simulated: source.simulated,
            notice: source.notice,
            themes: self.themes,
            incidents: self.incidents.map(|(store, hooks)| DeskOptions {
                store,
                who: crate::audit::local_user(),
                source: label,
                clock: if source.simulated {
                    crate::incident::Clock::Simulated
                } else {
                    crate::incident::Clock::Wall
                },
                drill: source.drill,
                thresholds,
                hooks: Box::new(hooks),
            }),
            flight,
            replay: source.replay,
        };
        rt.block_on(run_console(opts))?;
        Ok(0)
    }
}

pub(super) fn console_base(
    globals: &Globals,
    cfg: &Config,
    ui: &UiArgs,
    source_label: &str,
    aws_identity: Option<String>,
) -> Result<ConsoleBase> {
    let user_dir = cfg.user_dir();
    let no_color = no_color();
    let keymap_name = ui.keymap.clone().unwrap_or_else(|| cfg.ui.keymap.clone());
    let keymap = Keymap::load(&keymap_name, user_dir.as_deref()).map_err(anyhow::Error::new)?;
    let theme_name = ui.theme.clone().unwrap_or_else(|| cfg.ui.theme.clone());
    let theme = Theme::resolve(&theme_name, user_dir.as_deref(), no_color).map_err(anyhow::Error::new)?;
    let loader_dir = user_dir.clone();
    let theme_loader: ThemeLoader = Box::new(move |name| {
        Theme::resolve(name, loader_dir.as_deref(), no_color).map_err(|e| e.to_string())
    });
    let (audit, audit_error) = match audit_path(cfg, globals.audit_log.as_deref()) {
        Err(e) => (None, Some(format!("{e:#}"))),
        Ok(path) => match AuditLog::open(&path, Session::new(source_label, aws_identity)) {
            Ok(log) => (Some(log), None),
            Err(e) => (None, Some(format!("cannot open audit log {}: {e}", path.display()))),
        },
    };
    let runbooks = Library::load(runbook::user_dir().as_deref());
    Ok(ConsoleBase {
        keymap,
        theme,
        theme_loader,
        audit,
        audit_error,
        runbooks,
        thresholds: cfg.thresholds(),
        panes: cfg.panes.clone(),
        history: cfg.ui.history,
        log_lines: cfg.ui.log_lines,
        read_only: globals.read_only || cfg.read_only,
        mouse: cfg.ui.mouse && !ui.no_mouse,
        themes: Theme::available_in(user_dir.as_deref()),
        incidents: super::incident::store().map_err(|e| format!("{e:#}")).map(|store| {
            let hooks = super::incident::ConsoleHooks {
                targets: cfg.notify.clone(),
                config: globals.config.clone(),
                audit: audit_path(cfg, globals.audit_log.as_deref()).ok(),
                aws: globals.aws.clone(),
            };
            (store, hooks)
        }),
        record: ui.record.clone(),
    })
}

pub(super) fn demo(
    globals: &Globals,
    cfg: &Config,
    sim: SimArgs,
    ui: UiArgs,
    speed: Option<f64>,
    start_at: Option<u64>,
    notice: Option<String>,
) -> Result<u8> {
    let params = sim_params(cfg, &sim)?;
    let speed = speed.unwrap_or(cfg.demo.speed);
    if !(speed > 0.0 && speed <= 1000.0) {
        bail!("--speed must be more than 0 and at most 1000 (got {speed})");
    }
    let source_label = format!("demo:{}", params.scenario.name());
    let scenario_name = params.scenario.name().to_string();
    let mut base = console_base(globals, cfg, &ui, &source_label, None)?;
    // The demo's panes: every preset unless the config names its own (see `demo_panes`).
    base.panes = params.panes.iter().map(|p| p.as_ref().clone()).collect();
    // The lead-up comes from a twin (same parameters, so the same figures), one snapshot at
    // a time, while the console's own simulator goes straight to the start.
    let lead_up = Simulator::new(params.clone());
    let mut simulator = Simulator::new(params);
    // Open after the incident began, with the minutes before it already in the trends, so
    // the before/after is on screen from the first frame.
    let start = start_at.map(Duration::from_secs).unwrap_or(DEMO_START);
    let backfill = backfill(lead_up, start, cfg.ui.refresh, cfg.ui.history);
    simulator.advance_to(start);
    let targets = demo_targets(&simulator);
    let handle = SimHandle::realtime(simulator.shared(), speed);
    let source = ConsoleSource {
        label: source_label,
        feeds: vec![Feed { telemetry: Box::new(SimSource::new(handle.clone())), every: cfg.ui.refresh }],
        on_manual_refresh: Vec::new(),
        compose: Box::new(SingleSource),
        remote: Arc::new(SimRemote::new(handle.clone())),
        logs: Arc::new(SimLogOpener::new(handle.clone())),
        targets,
        backfill,
        clock: Arc::new(handle),
        simulated: true,
        notice,
        drill: Some(crate::incident::Drill { scenario: scenario_name, seed: sim.seed }),
        replay: None,
    };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    base.run(source, &rt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::State;
    use crate::headless::demo_snapshot;
    use crate::source::sim::{Scenario, SimParams};

    /// `demo --start-at 1200` and `snapshot --demo --at 1200` date every alert alike: the
    /// console's alert book learns when each began from the same instants.
    #[test]
    fn the_demo_console_and_snapshot_agree_on_when_each_alert_began() {
        for (scenario, at) in [(Scenario::ChatBridgeDown, 1200), (Scenario::LambdaErrors, 300)] {
            let params = SimParams::with_scenario(scenario, 7);
            let start = Duration::from_secs(at);
            let earlier: Vec<Earlier> =
                backfill(Simulator::new(params.clone()), start, Duration::from_secs(2), 120).collect();
            let trend_samples = earlier.iter().filter(|e| e.trends).count();
            assert_eq!(trend_samples, 120, "the trends get their window");
            let mut state = State::new(Thresholds::default(), 120);
            for e in earlier {
                state.absorb_earlier(e);
            }
            let headless = demo_snapshot(params.clone(), start, &Thresholds::default());
            let dated = |alerts: &[crate::model::Alert]| -> Vec<(String, crate::model::Timestamp)> {
                alerts.iter().map(|a| (a.key.clone(), a.since)).collect()
            };
            assert!(!headless.alerts.is_empty(), "{scenario:?} has alerts at {at} s");
            assert_eq!(dated(&state.alerts), dated(&headless.alerts), "{scenario:?} at {at} s");
            assert_eq!(state.snapshot.taken_at, headless.snapshot.taken_at);
            // The lead-up comes from a twin simulator: its last frame is what the console's
            // own simulator, sent straight to the start, shows there.
            let mut own = Simulator::new(params.clone());
            own.advance_to(start);
            let json = |s: &crate::model::Snapshot| serde_json::to_string(s).unwrap_or_default();
            assert_eq!(json(&state.snapshot), json(&own.snapshot()), "{scenario:?}: the twin agrees");
        }
    }
}
