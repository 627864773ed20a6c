//! Attaches a runbook run to an incident: every snapshot the run sees becomes a sample of the
//! figures and, through an alert book of its own, the alerts raised and cleared (with the
//! figure and the limit); every step result, decision and command phase becomes an event.
//! Written as it happens, so a run that dies halfway leaves its half on the timeline.

use super::IncidentId;
use super::event::{Clock, CommandPhase as Phase, Event, EventKind};
use super::series::{Sample, SeriesFile, SeriesLine, healthy_state, key_metric, limits_of};
use super::store::IncidentStore;
use crate::model::{AlertBook, Direction, Level, MetricId, Snapshot, Thresholds, Timestamp, assess};
use crate::runbook::{CommandEvent, CommandPhase, HeadlessOutcome, RunObserver, Runbook, StepRecord};
use std::collections::BTreeMap;

/// Who the console is when it notices something by itself.
pub const OBSERVER: &str = "switchboard";

/// The run's clock: simulated time for the simulator, wall time otherwise.
pub type ClockFn = Box<dyn Fn() -> Timestamp + Send>;

pub struct RunRecorder {
    store: IncidentStore,
    id: IncidentId,
    run: String,
    who: String,
    clock: Clock,
    now: ClockFn,
    thresholds: Thresholds,
    book: AlertBook,
    active: BTreeMap<String, String>,
    series: SeriesFile,
    wrote_limits: bool,
    /// How a confirmation was given (`--yes`, the dialog), for the change record.
    confirmed_how: String,
}

/// Who records a run and how: everything of [`RunInfo`] but the runbook.
#[derive(Debug, Clone, Copy)]
pub struct SessionInfo<'a> {
    pub source: &'a str,
    pub mode: &'a str,
    pub who: &'a str,
    pub clock: Clock,
    pub confirmed_how: &'a str,
}

/// The `runbook` of the run a console attached to an incident records under.
pub const CONSOLE_RUN: &str = "console";

/// What a run attached to an incident is.
pub struct RunInfo<'a> {
    pub runbook: &'a Runbook,
    /// `demo:chat-bridge-down`, `aws:123456789012/us-east-1`.
    pub source: &'a str,
    pub mode: &'a str,
    pub who: &'a str,
    pub clock: Clock,
    pub confirmed_how: &'a str,
}

impl RunRecorder {
    /// Puts `run_started` on the timeline; the run is named `r<N>` after the runs before it.
    pub fn start(
        store: IncidentStore,
        id: IncidentId,
        info: RunInfo<'_>,
        now: ClockFn,
        thresholds: Thresholds,
    ) -> anyhow::Result<RunRecorder> {
        let named = (info.runbook.id.as_str(), info.runbook.title.as_str());
        let session = SessionInfo {
            source: info.source,
            mode: info.mode,
            who: info.who,
            clock: info.clock,
            confirmed_how: info.confirmed_how,
        };
        Self::begin(store, id, named, &session, now, thresholds)
    }

    /// A console attached to the incident: its own run (`runbook = "console"`) holding the
    /// alerts the console saw and the runbook steps and commands done from it.
    pub fn console(
        store: IncidentStore,
        id: IncidentId,
        info: SessionInfo<'_>,
        now: ClockFn,
        thresholds: Thresholds,
    ) -> anyhow::Result<RunRecorder> {
        Self::begin(store, id, (CONSOLE_RUN, "console session"), &info, now, thresholds)
    }

    fn begin(
        store: IncidentStore,
        id: IncidentId,
        (runbook, title): (&str, &str),
        info: &SessionInfo<'_>,
        now: ClockFn,
        thresholds: Thresholds,
    ) -> anyhow::Result<RunRecorder> {
        let inc = store.load(&id)?;
        let runs = inc.events.iter().filter(|e| matches!(e.kind, EventKind::RunStarted { .. })).count();
        let run = format!("r{}", runs + 1);
        let at = now();
        store.append(
            &id,
            Event::at(
                at,
                info.clock,
                info.who,
                EventKind::RunStarted {
                    run: run.clone(),
                    runbook: runbook.to_string(),
                    title: title.to_string(),
                    source: info.source.to_string(),
                    mode: info.mode.to_string(),
                },
            ),
        )?;
        let series = SeriesFile::new(store.series_path(&id));
        Ok(RunRecorder {
            store,
            id,
            run,
            who: info.who.to_string(),
            clock: info.clock,
            now,
            thresholds,
            book: AlertBook::default(),
            active: BTreeMap::new(),
            series,
            wrote_limits: false,
            confirmed_how: info.confirmed_how.to_string(),
        })
    }

    pub fn incident(&self) -> &IncidentId {
        &self.id
    }

    pub fn run_id(&self) -> &str {
        &self.run
    }

    /// From now on, events are stamped by `now` (the simulator's clock once it runs).
    pub fn set_clock(&mut self, now: ClockFn) {
        self.now = now;
    }

    fn event(&self, at: Timestamp, who: &str, kind: EventKind) -> anyhow::Result<()> {
        self.store.append(&self.id, Event::at(at, self.clock, who, kind))?;
        Ok(())
    }

    /// One snapshot: a sample of its figures, and the alerts that began or ended since the
    /// last one. Times are the snapshot's own (`taken_at`).
    pub fn observe(&mut self, s: &Snapshot) -> anyhow::Result<()> {
        if !self.wrote_limits {
            self.series
                .append(&SeriesLine::Limits { run: self.run.clone(), limits: limits_of(&self.thresholds) })?;
            self.wrote_limits = true;
        }
        let sample = Sample::of(s, s.taken_at, self.clock, &self.run);
        self.series.append(&SeriesLine::Sample(sample.clone()))?;
        let assessment = assess(s, &self.thresholds);
        let alerts = self.book.update(&assessment.findings, s.taken_at);
        for a in &alerts {
            if self.active.contains_key(&a.key) {
                continue;
            }
            let (value, figure, limit) = self.figure(&sample, &a.key, Some(a.severity));
            self.event(
                s.taken_at,
                OBSERVER,
                EventKind::AlertRaised {
                    run: self.run.clone(),
                    key: a.key.clone(),
                    what: a.what.clone(),
                    severity: a.severity,
                    reason: a.reason.clone(),
                    metric: key_metric(&a.key).map(|m| m.key().to_string()),
                    value,
                    figure,
                    limit,
                },
            )?;
            self.active.insert(a.key.clone(), a.what.clone());
        }
        let gone: Vec<(String, String)> = self
            .active
            .iter()
            .filter(|(k, _)| !alerts.iter().any(|a| &a.key == *k))
            .map(|(k, w)| (k.clone(), w.clone()))
            .collect();
        for (key, what) in gone {
            let (value, figure, limit) = self.figure(&sample, &key, None);
            self.event(
                s.taken_at,
                OBSERVER,
                EventKind::AlertCleared {
                    run: self.run.clone(),
                    key: key.clone(),
                    what,
                    value,
                    figure,
                    limit,
                },
            )?;
            self.active.remove(&key);
        }
        Ok(())
    }

    /// The figure of `key` in `sample` as a person reads it, and the limit it is judged by
    /// (the one crossed, at `level`; else the warn limit).
    fn figure(
        &self,
        sample: &Sample,
        key: &str,
        level: Option<Level>,
    ) -> (Option<f64>, Option<String>, Option<String>) {
        if let Some(m) = key_metric(key) {
            let v = sample.values.get(key).copied();
            return (v, v.map(|v| m.format(v)), limit_text(&self.thresholds, m, level));
        }
        let state = sample.states.get(key).cloned().or_else(|| Some("gone".to_string()));
        (None, state, healthy_state(key).map(str::to_string))
    }
}

/// `> 3m`, the limit as the reason spells it.
fn limit_text(t: &Thresholds, m: MetricId, level: Option<Level>) -> Option<String> {
    let th = t.get(m);
    let limit = match level {
        Some(Level::Crit) => th.crit.or(th.warn),
        _ => th.warn.or(th.crit),
    }?;
    let op = match th.direction {
        Direction::Above => ">",
        Direction::Below => "<",
    };
    Some(format!("{op} {}", m.format(limit)))
}

fn target_names(targets: &[crate::source::Target]) -> Vec<String> {
    targets.iter().map(|t| format!("{} ({})", t.server, t.instance_id)).collect()
}

impl RunRecorder {
    /// A step's result of `runbook`; `help` is the step's own (why it exists).
    pub fn step(&mut self, runbook: &str, help: Option<String>, rec: &StepRecord) -> anyhow::Result<()> {
        let kind = EventKind::Step {
            run: self.run.clone(),
            runbook: runbook.to_string(),
            step: rec.step_id.clone(),
            title: rec.title.clone(),
            kind: rec.kind.to_string(),
            outcome: rec.outcome.as_str().to_string(),
            evidence: rec.evidence.clone(),
            recheck_of: rec.recheck_of.clone(),
            help,
        };
        self.event((self.now)(), &self.who, kind)
    }
}

impl RunObserver for RunRecorder {
    fn snapshot(&mut self, snapshot: &Snapshot) -> anyhow::Result<()> {
        self.observe(snapshot)
    }

    fn record(&mut self, runbook: &Runbook, rec: &StepRecord) -> anyhow::Result<()> {
        let help = runbook.steps.get(rec.step).and_then(|s| s.help.clone());
        self.step(&runbook.id, help, rec)
    }

    fn command(&mut self, ev: &CommandEvent<'_>) -> anyhow::Result<()> {
        let action = ev.action.map(|a| crate::audit::AuditAction::remote(a).kind).unwrap_or_default();
        let (phase, command_id, status, message, targets) = match ev.phase {
            CommandPhase::Confirmed => {
                (Phase::Confirmed, None, None, Some(self.confirmed_how.clone()), ev.targets.to_vec())
            }
            CommandPhase::Declined => (Phase::Declined, None, None, None, ev.targets.to_vec()),
            CommandPhase::Refused => {
                (Phase::Refused, None, None, Some("read-only mode".into()), ev.targets.to_vec())
            }
            CommandPhase::Requested => (Phase::Requested, None, None, None, ev.targets.to_vec()),
            CommandPhase::Sent(id) => (Phase::Sent, Some(id.0.clone()), None, None, ev.targets.to_vec()),
            CommandPhase::SendFailed(e) => {
                (Phase::SendFailed, None, None, Some(e.to_string()), ev.targets.to_vec())
            }
            CommandPhase::Ended(inv) => {
                let t: Vec<_> = ev.targets.iter().filter(|t| t.server == inv.server).cloned().collect();
                let msg = inv.response_code.map(|c| format!("exit code {c}"));
                (Phase::Ended, Some(inv.command_id.0.clone()), Some(inv.status.as_str().to_string()), msg, t)
            }
            CommandPhase::StatusUnknown { id, server, error } => {
                let t: Vec<_> = ev.targets.iter().filter(|t| t.server == server).cloned().collect();
                (Phase::StatusUnknown, Some(id.0.clone()), None, Some(error.to_string()), t)
            }
        };
        let (document, script) = match (ev.phase, ev.action) {
            (CommandPhase::Requested, Some(a)) => {
                let ctx = crate::source::powershell::RenderContext {
                    log_dir: crate::config::DEFAULT_LOG_DIR.into(),
                };
                let lines = crate::source::powershell::render(a, &ctx).unwrap_or_default();
                (Some("AWS-RunPowerShellScript".to_string()), lines)
            }
            _ => (None, Vec::new()),
        };
        let kind = EventKind::Command {
            run: self.run.clone(),
            runbook: ev.runbook.to_string(),
            step: ev.step.to_string(),
            action,
            // The action's own words (`restart service X`); the targets are their own field.
            summary: ev.action.map(|a| a.summary()).unwrap_or_else(|| ev.summary.to_string()),
            targets: target_names(&targets),
            phase,
            command_id,
            status,
            message,
            document,
            script,
        };
        self.event((self.now)(), &self.who, kind)
    }

    fn finished(&mut self, runbook: &Runbook, outcome: &HeadlessOutcome) -> anyhow::Result<()> {
        let kind = EventKind::RunFinished {
            run: self.run.clone(),
            runbook: runbook.id.clone(),
            healthy: outcome.healthy,
            problems: outcome.problems.clone(),
        };
        self.event((self.now)(), &self.who, kind)
    }
}
