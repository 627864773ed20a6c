//! The console's wiring: what every console needs whatever its source ([`ConsoleBase`]), and
//! `switchboard demo`, the console on the simulator. The live console is in `live`.

use super::args::{SimArgs, UiArgs};
use super::common::{Globals, audit_path, no_color, sim_params};
use crate::app::exec::ExecOptions;
use crate::app::{ConsoleOptions, Feed, ServerTarget, ThemeLoader, run_console};
use crate::audit::{AuditLog, Session};
use crate::config::Config;
use crate::keymap::Keymap;
use crate::model::Snapshot;
use crate::runbook::{self, Library};
use crate::source::SingleSource;
use crate::source::sim::{SimHandle, SimLogOpener, SimRemote, SimSource, Simulator};
use crate::theme::Theme;
use anyhow::{Result, bail};
use std::sync::Arc;
use std::time::Duration;

/// Where `demo` opens by default: 30 simulated seconds into the incident (which starts at
/// 120 s), with everything before it in the trends.
const DEMO_START: Duration = Duration::from_secs(150);

/// Snapshots of the simulator stepping up to `start`, one per refresh interval, as many as the
/// trends keep; leaves the simulator at `start`.
fn backfill(sim: &mut Simulator, start: Duration, refresh: Duration, history: usize) -> Vec<Snapshot> {
    let refresh = refresh.max(Duration::from_millis(250));
    let span = refresh.saturating_mul(u32::try_from(history).unwrap_or(u32::MAX));
    let mut t = start.saturating_sub(span);
    let mut out = Vec::new();
    while t < start {
        sim.advance_to(t);
        out.push(sim.snapshot());
        t += refresh;
    }
    sim.advance_to(start);
    out
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

/// What every console needs whatever its source: keys, looks, runbooks and the audit log.
pub(super) struct ConsoleBase {
    pub(super) keymap: Keymap,
    pub(super) theme: Theme,
    pub(super) theme_loader: ThemeLoader,
    pub(super) audit: Option<AuditLog>,
    pub(super) audit_error: Option<String>,
    pub(super) runbooks: Library,
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
    Ok(ConsoleBase { keymap, theme, theme_loader, audit, audit_error, runbooks })
}

pub(super) fn demo(
    globals: &Globals,
    cfg: &Config,
    sim: SimArgs,
    ui: UiArgs,
    speed: Option<f64>,
    start_at: Option<u64>,
) -> Result<u8> {
    let params = sim_params(cfg, &sim)?;
    let speed = speed.unwrap_or(cfg.demo.speed);
    if !(speed > 0.0 && speed <= 1000.0) {
        bail!("--speed must be more than 0 and at most 1000 (got {speed})");
    }
    let source_label = format!("demo:{}", params.scenario.name());
    let base = console_base(globals, cfg, &ui, &source_label, None)?;
    let mut simulator = Simulator::new(params);
    // Open after the incident began, with the minutes before it already in the trends, so
    // the before/after is on screen from the first frame.
    let start = start_at.map(Duration::from_secs).unwrap_or(DEMO_START);
    let backfill = backfill(&mut simulator, start, cfg.ui.refresh, cfg.ui.history);
    let targets = demo_targets(&simulator);
    let peer_hosts = runbook::demo_peer_hosts(&simulator.targets());
    let handle = SimHandle::realtime(simulator.shared(), speed);
    let opts = ConsoleOptions {
        feeds: vec![Feed { telemetry: Box::new(SimSource::new(handle.clone())), every: cfg.ui.refresh }],
        compose: Box::new(SingleSource),
        keymap: base.keymap,
        theme: base.theme,
        theme_loader: base.theme_loader,
        thresholds: cfg.thresholds(),
        history: cfg.ui.history,
        read_only: globals.read_only || cfg.read_only,
        mouse: cfg.ui.mouse && !ui.no_mouse,
        source_label,
        remote: Arc::new(SimRemote::new(handle.clone())),
        audit: base.audit,
        audit_error: base.audit_error,
        runbooks: base.runbooks,
        targets,
        peer_hosts,
        backfill,
        exec: ExecOptions::default(),
        logs: Arc::new(SimLogOpener::new(handle)),
        log_lines: cfg.ui.log_lines,
    };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    rt.block_on(run_console(opts))?;
    Ok(0)
}
