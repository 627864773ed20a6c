//! Guided troubleshooting: runbooks as data (`runbooks/*.toml`, plus the user's own), a pure
//! step engine that asks for checks and actions and advances on their results, and a headless
//! driver for `switchboard runbook run`.
//!
//! - `library`: loading (shipped + user overrides) and matching runbooks to alerts.
//! - `parse` / `validate`: TOML to `Runbook`, with file:line:col errors.
//! - `engine`: `Run`, the state machine the console and the headless driver both drive.
//! - `evaluate` / `output`: verdicts and evidence from snapshots and remote command output.
//! - `next`: where a run that did not end healthy goes next (another runbook, an escalation).
//! - `impact`: what an action does to live traffic, from the current telemetry.
//! - `advice`: help and manual texts chosen by the current figures.
//! - `control`: the AWS control-plane actions (set_flag, update_table, double_shards) planned
//!   from the figures the run has seen.
//! - `headless`: the async driver over a `SnapshotProvider` and a `Remote`.
//! - `text`: plain-text rendering for `runbook list|show` and results.

pub mod advice;
pub mod control;
pub mod def;
pub mod engine;
pub mod evaluate;
pub mod headless;
pub mod impact;
pub mod library;
pub mod next;
pub mod output;
pub mod parse;
pub mod record;
pub mod text;
pub mod validate;

pub use def::{Action, ActionKind, AlertKind, AppliesTo, Check, Origin, Runbook, Step, StepKind};
pub use engine::{
    ConfirmRequest, EngineError, MAX_IN_FLIGHT_PER_SERVER, ProbeId, RemoteRequest, Request, Run, RunContext,
    Verdict, Waiting,
};
pub use headless::{
    CommandEvent, CommandPhase, FnSnapshots, HeadlessOptions, HeadlessOutcome, NoObserver, RunObserver,
    SnapshotProvider, run_headless, run_headless_observed,
};
pub use library::{Fit, FitKind, Library, Ranked, rank, runbooks_for, shipped, user_dir};
pub use next::{Next, alerts_of, next_step};
pub use parse::parse;
pub use record::{Outcome, ServerResult, ServerStatus, StepRecord};

#[cfg(test)]
mod tests;
