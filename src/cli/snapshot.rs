//! `switchboard snapshot`: one snapshot printed, its health as the exit status; with
//! `--watch [INTERVAL]`, one snapshot per INTERVAL until interrupted, one JSON object per line
//! (like `kubectl get -w`), for scripts, wallboards and load tests.

use super::args::{Format, SimArgs};
use super::common::{print_json, print_quietly, sim_params, warn};
use super::live;
use crate::config::Config;
use crate::headless::{ALERT_STEP, Taken, demo_snapshot};
use crate::model::{AlertBook, Thresholds, assess};
use crate::report::Report;
use crate::sanitize;
use crate::source::aws::AwsOptions;
use crate::source::aws::budget::{ApiBudget, QueueSource};
use crate::source::sim::{SimParams, Simulator};
use anyhow::{Context as _, Result};
use serde::Serialize;
use std::io::Write as _;
use std::time::{Duration, Instant};

/// What the live backend knows beside the snapshot: the API budget and where the queue
/// figures came from. The simulator has neither.
#[derive(Debug, Clone, Default)]
pub(super) struct Extras {
    pub(super) api_budget: Option<ApiBudget>,
    pub(super) queue_source: Option<QueueSource>,
}

/// The report's keys, then the extras (absent for the simulator).
#[derive(Serialize)]
struct SnapshotJson<'a> {
    #[serde(flatten)]
    report: &'a Report<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    api_budget: Option<&'a ApiBudget>,
    #[serde(skip_serializing_if = "Option::is_none")]
    queue_source: Option<&'a QueueSource>,
}

pub(super) struct Request<'a> {
    pub(super) demo: bool,
    pub(super) sim: &'a SimArgs,
    pub(super) at: u64,
    /// Default: a table, or JSON lines with `--watch`.
    pub(super) format: Option<Format>,
    pub(super) watch: Option<Duration>,
}

pub(super) fn run(cfg: &Config, aws_options: &AwsOptions, req: Request<'_>) -> Result<u8> {
    if let Some(every) = req.watch {
        let format = req.format.unwrap_or(Format::Json);
        let mut emit = |taken: &Taken, extras: &Extras| {
            let text = render(taken, extras, format, true);
            // The same escaping as every other output: nothing from outside acts on a terminal.
            match format {
                Format::Json => print_line(&sanitize::json_safe(&text)),
                Format::Table => print_line(&sanitize::sanitize_text(&text)),
            }
        };
        return if req.demo {
            let params = sim_params(cfg, req.sim)?;
            demo_watch(params, Duration::from_secs(req.at), every, &cfg.thresholds(), &mut emit)
        } else {
            match live::watch(cfg, aws_options, every, &mut emit) {
                Ok(code) => Ok(code),
                Err(e) => {
                    warn(format_args!("{e:#}"));
                    Ok(3)
                }
            }
        };
    }
    let (taken, extras) = if req.demo {
        let params = sim_params(cfg, req.sim)?;
        (demo_snapshot(params, Duration::from_secs(req.at), &cfg.thresholds()), Extras::default())
    } else {
        match live::snapshot(cfg, aws_options) {
            Ok(taken) => taken,
            Err(e) => {
                // "Could not collect", as monitoring checks expect.
                warn(format_args!("{e:#}"));
                return Ok(3);
            }
        }
    };
    let format = req.format.unwrap_or(Format::Table);
    let text = render(&taken, &extras, format, false);
    match format {
        Format::Json => print_json(&text)?,
        Format::Table => print_quietly(&text)?,
    }
    let report = Report::new(&taken.snapshot, &taken.assessment, &taken.alerts);
    Ok(report.health.exit_code() as u8)
}

/// One snapshot as text: pretty JSON, or one line of it when watching; or the table (a blank
/// line after each when watching, so the blocks stand apart).
fn render(taken: &Taken, extras: &Extras, format: Format, watching: bool) -> String {
    let report = Report::new(&taken.snapshot, &taken.assessment, &taken.alerts);
    match format {
        Format::Json => {
            let json = SnapshotJson {
                report: &report,
                api_budget: extras.api_budget.as_ref(),
                queue_source: extras.queue_source.as_ref(),
            };
            // Plain data with string keys: serialising cannot fail.
            let text =
                if watching { serde_json::to_string(&json) } else { serde_json::to_string_pretty(&json) };
            text.unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}")) + "\n"
        }
        Format::Table if watching => report.to_table() + "\n",
        Format::Table => report.to_table(),
    }
}

/// Writes one line and flushes it, so a reader sees each snapshot as it is taken. False when
/// the reader has gone (`| head -n 3`): watching ends there, without an error.
fn print_line(text: &str) -> Result<bool> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e).context("writing to stdout"),
    }
}

/// The simulator on the wall clock: the first line at `at` simulated seconds, then one line
/// per `every` of real time, the simulation having advanced by the real time that passed (so
/// a line's `taken_at` moves on by INTERVAL, as on a live contact center).
fn demo_watch(
    params: SimParams,
    at: Duration,
    every: Duration,
    thresholds: &Thresholds,
    emit: &mut dyn FnMut(&Taken, &Extras) -> Result<bool>,
) -> Result<u8> {
    let mut sim = Simulator::new(params);
    let mut book = AlertBook::default();
    let mut t = Duration::ZERO;
    let mut advance = |sim: &mut Simulator, book: &mut AlertBook, to: Duration| {
        // Alerts are re-evaluated on the way, so each alert's `since` is when it began.
        while t < to {
            t = (t + ALERT_STEP).min(to);
            sim.advance_to(t);
            let s = sim.snapshot();
            book.update(&assess(&s, thresholds).findings, s.taken_at);
        }
    };
    advance(&mut sim, &mut book, at);
    let started = Instant::now();
    let every = every.max(Duration::from_millis(100));
    for line in 1u32.. {
        let snapshot = sim.snapshot();
        let assessment = assess(&snapshot, thresholds);
        let alerts = book.update(&assessment.findings, snapshot.taken_at);
        if !emit(&Taken { snapshot, assessment, alerts }, &Extras::default())? {
            return Ok(0);
        }
        // Paced on the wall clock from the start, so lines do not drift later and later.
        let due = started + every * line;
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        advance(&mut sim, &mut book, at + started.elapsed());
    }
    Ok(0)
}
