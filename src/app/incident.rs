//! The incident this console is attached to. `I` declares one from the selected (else the
//! worst) alert, title and severity prefilled and editable; once one is open `I` shows it with
//! its timeline, `n` adds a note, `m` marks it mitigated, `:resolve` resolves it and `:export
//! md|json|html` writes its report. While it is open, every snapshot goes to it (the alerts it
//! raises and clears, with their figures) and so does every step of a runbook run here.
//!
//! The app only asks (`Effect::Incident`); the console's incident desk writes the files off the
//! key loop and answers with the events it wrote (`Msg::Incident`), which is what the view
//! shows: the screen never claims a record the disk does not have.

use crate::app::jobs::{JobId, RemoteJob};
use crate::app::msg::Effect;
use crate::app::state::{Message, Mode, Popup, State};
use crate::incident::{Event, Severity, Status};
use crate::model::{Level, Snapshot, Timestamp};
use crate::runbook::StepRecord;
use crate::source::Invocation;

/// The open incident as far as the desk has confirmed it.
#[derive(Debug, Clone)]
pub struct OpenIncident {
    /// `None` while the desk is still creating it.
    pub id: Option<String>,
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    /// The events the desk wrote for it since this console attached, in file order.
    pub timeline: Vec<Event>,
    /// The guide's run whose steps are being sent (when it started, its runbook) and how many
    /// of its step records went already.
    run: Option<(Timestamp, String)>,
    steps_sent: usize,
}

/// What the console asks the desk to do.
#[derive(Debug, Clone, PartialEq)]
pub enum IncidentOp {
    /// Create the incident; the desk answers `Declared`.
    Declare {
        title: String,
        severity: Severity,
    },
    /// A snapshot the console took in: samples and alerts raised/cleared.
    Observe(Box<Snapshot>),
    Note(String),
    Status(Status),
    /// A runbook step's result (a check with its evidence, an action's outcome).
    Step {
        runbook: String,
        help: Option<String>,
        record: Box<StepRecord>,
    },
    Export(ExportFormat),
    /// A phase of a command that changes something (a restart), from the runbook or Ctrl-r.
    Command {
        job: Box<RemoteJob>,
        phase: CommandPhase,
    },
}

/// The phases of a mutating command the console sees.
#[derive(Debug, Clone, PartialEq)]
pub enum CommandPhase {
    Sent {
        command_id: String,
    },
    /// Each target's end, as the remote side reported it.
    Ended(Vec<Invocation>),
    /// It never ran: the reason.
    NotRun(String),
    /// The engineer pressed Run in its confirmation dialog.
    Confirmed,
    /// The engineer closed the dialog without running it.
    Declined,
    /// Read-only: the dialog refused it.
    Refused,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Markdown,
    Json,
    Html,
}

impl ExportFormat {
    pub fn parse(s: &str) -> Option<ExportFormat> {
        match s {
            "md" | "markdown" => Some(ExportFormat::Markdown),
            "json" => Some(ExportFormat::Json),
            "html" => Some(ExportFormat::Html),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Markdown => "md",
            ExportFormat::Json => "json",
            ExportFormat::Html => "html",
        }
    }
}

/// The desk's answers.
#[derive(Debug, Clone)]
pub enum IncidentReply {
    /// The incident exists (its id) with these first events, or could not be created; and
    /// what went wrong after (its notifications could not be queued).
    Declared(Result<(String, Vec<Event>), String>, Option<String>),
    /// Events written for the open incident, and what went wrong after (a notification that
    /// could not be queued).
    Wrote { events: Vec<Event>, error: Option<String> },
    /// A write failed: said on screen, the console goes on.
    Failed(String),
    /// A report was written to this path.
    Exported(Result<String, String>),
    /// The console started while this incident was still open (declared in an earlier
    /// session of the same kind): the desk records to it again; its timeline so far.
    Resumed { id: String, title: String, severity: Severity, events: Vec<Event> },
}

/// The severity an alert suggests: a crit alert is a sev2 (sev1 is a human's call: the whole
/// center down), anything else a sev3.
pub fn suggested_severity(level: Level) -> Severity {
    match level {
        Level::Crit => Severity::Sev2,
        Level::Ok | Level::Unknown | Level::Warn => Severity::Sev3,
    }
}

/// `I`: shows the open incident, or starts declaring one from the alert under the cursor in
/// the alerts pane, else the worst alert.
pub fn open_or_declare(state: &mut State) {
    if state.incident.is_some() {
        state.popups.retain(|p| !matches!(p, Popup::Incident { .. }));
        state.popups.push(Popup::Incident { scroll: 0 });
        return;
    }
    let alert = state.selected_alert().or_else(|| state.alerts.first()).cloned();
    let (title, severity) = match alert {
        Some(a) => (format!("{}: {}", a.what, a.reason), suggested_severity(a.severity)),
        None => (String::new(), Severity::Sev3),
    };
    state.input = title;
    state.mode = Mode::Declare(severity);
}

/// Tab in the declare prompt: the next severity, sev1 after sev4.
pub fn next_severity(s: Severity) -> Severity {
    match s {
        Severity::Sev1 => Severity::Sev2,
        Severity::Sev2 => Severity::Sev3,
        Severity::Sev3 => Severity::Sev4,
        Severity::Sev4 => Severity::Sev1,
    }
}

/// Enter in the declare prompt.
pub fn declare(state: &mut State, title: String, severity: Severity, fx: &mut Vec<Effect>) {
    let title = title.trim().to_string();
    if title.is_empty() {
        state.message = Some(Message { text: "an incident needs a title".into(), error: true });
        return;
    }
    state.incident = Some(OpenIncident {
        id: None,
        title: title.clone(),
        severity,
        status: Status::Open,
        timeline: Vec::new(),
        run: None,
        steps_sent: 0,
    });
    fx.push(Effect::Incident(IncidentOp::Declare { title, severity }));
    // Its first sample and alerts: what made the engineer declare it.
    fx.push(Effect::Incident(IncidentOp::Observe(Box::new(state.snapshot.clone()))));
    state.popups.push(Popup::Incident { scroll: 0 });
}

/// `n` in the incident view: type a note.
pub fn start_note(state: &mut State) {
    if state.incident.is_some() {
        state.input.clear();
        state.mode = Mode::Note;
    }
}

/// Enter in the note prompt (or `:note TEXT`).
pub fn note(state: &mut State, text: &str, fx: &mut Vec<Effect>) -> Result<(), String> {
    open_id(state)?;
    let text = text.trim();
    if text.is_empty() {
        return Err("the note is empty".into());
    }
    fx.push(Effect::Incident(IncidentOp::Note(text.to_string())));
    Ok(())
}

/// `m`, `:mitigate`, `:resolve`.
pub fn set_status(state: &mut State, to: Status, fx: &mut Vec<Effect>) -> Result<(), String> {
    open_id(state)?;
    let Some(inc) = &state.incident else { return Err("no incident is open".into()) };
    if inc.status == to {
        return Err(format!("the incident is already {}", to.as_str()));
    }
    fx.push(Effect::Incident(IncidentOp::Status(to)));
    Ok(())
}

/// `:export md|json|html`.
pub fn export(state: &mut State, format: &str, fx: &mut Vec<Effect>) -> Result<(), String> {
    open_id(state)?;
    let f =
        ExportFormat::parse(format).ok_or_else(|| format!(":export: '{format}' is not md, json or html"))?;
    fx.push(Effect::Incident(IncidentOp::Export(f)));
    Ok(())
}

fn open_id(state: &State) -> Result<(), String> {
    match &state.incident {
        None => Err("no incident is open: I declares one".into()),
        Some(OpenIncident { id: None, .. }) => Err("the incident is still being created".into()),
        Some(_) => Ok(()),
    }
}

/// After each snapshot the console took in: the incident gets it too.
pub fn on_snapshot(state: &State, fx: &mut Vec<Effect>) {
    if state.incident.is_some() {
        fx.push(Effect::Incident(IncidentOp::Observe(Box::new(state.snapshot.clone()))));
    }
}

/// After every update: runbook steps recorded since the last call go to the incident, once.
pub fn sync_steps(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(inc) = state.incident.as_mut() else { return };
    let Some(guide) = &state.guide else { return };
    let run = (guide.started, guide.run.runbook().id.clone());
    if inc.run.as_ref() != Some(&run) {
        inc.run = Some(run);
        inc.steps_sent = 0;
    }
    let records = guide.run.records();
    for record in records.iter().skip(inc.steps_sent) {
        let runbook = guide.run.runbook();
        fx.push(Effect::Incident(IncidentOp::Step {
            runbook: runbook.id.clone(),
            help: runbook.steps.get(record.step).and_then(|s| s.help.clone()),
            record: Box::new(record.clone()),
        }));
    }
    inc.steps_sent = records.len();
}

/// A mutating command of this console was accepted or ended: its phase goes to the incident
/// (requested and confirmed are in the audit log; the timeline keeps what happened to it).
pub fn on_command(state: &State, job: JobId, phase: CommandPhase, fx: &mut Vec<Effect>) {
    if state.incident.is_none() {
        return;
    }
    let Some(live) = state.jobs.get(&job) else { return };
    if !live.job.is_mutating() {
        return;
    }
    fx.push(Effect::Incident(IncidentOp::Command { job: Box::new(live.job.clone()), phase }));
}

/// The engineer's answer to a mutating action's confirmation (or its refusal, read-only): on
/// the timeline before anything is sent, as the headless recorder words it (confirmed by whom
/// and how, declined, refused), so the change record says who confirmed, and a decline is
/// part of the story too. `runbook` is the runbook and step that asked, `None` for Ctrl-r.
pub fn on_decision(
    state: &State,
    dialog: &crate::app::dialog::Dialog,
    runbook: Option<(String, String)>,
    phase: CommandPhase,
    fx: &mut Vec<Effect>,
) {
    if state.incident.is_none() {
        return;
    }
    let Some(action) = dialog.action.clone() else { return };
    // No job exists yet (none will, unless confirmed): the desk needs only what and where.
    let job = crate::app::jobs::RemoteJob {
        id: crate::app::JobId(0),
        action,
        targets: dialog.targets.clone(),
        runbook,
    };
    if job.is_mutating() {
        fx.push(Effect::Incident(IncidentOp::Command { job: Box::new(job), phase }));
    }
}

/// The desk answered.
pub fn on_reply(state: &mut State, reply: IncidentReply) {
    match reply {
        IncidentReply::Declared(Ok((id, events)), error) => {
            if let Some(inc) = state.incident.as_mut() {
                state.message = Some(match error {
                    Some(e) => Message { text: e, error: true },
                    None => Message { text: format!("{id} declared: {}", inc.title), error: false },
                });
                inc.id = Some(id);
                absorb(inc, events);
            }
        }
        IncidentReply::Declared(Err(e), _) => {
            state.incident = None;
            state.popups.retain(|p| !matches!(p, Popup::Incident { .. }));
            state.message =
                Some(Message { text: format!("could not declare the incident: {e}"), error: true });
        }
        IncidentReply::Wrote { events, error } => {
            if let Some(inc) = state.incident.as_mut() {
                absorb(inc, events);
            }
            if let Some(e) = error {
                state.message = Some(Message { text: e, error: true });
            }
        }
        IncidentReply::Failed(e) => {
            state.message = Some(Message { text: format!("incident: {e}"), error: true });
        }
        IncidentReply::Exported(Ok(path)) => {
            state.message = Some(Message { text: format!("report written to {path}"), error: false });
        }
        IncidentReply::Exported(Err(e)) => {
            state.message = Some(Message { text: format!("export failed: {e}"), error: true });
        }
        IncidentReply::Resumed { id, title, severity, events } => {
            if state.incident.is_some() {
                return;
            }
            let mut inc = OpenIncident {
                id: Some(id.clone()),
                title,
                severity,
                status: Status::Open,
                timeline: Vec::new(),
                run: None,
                steps_sent: 0,
            };
            absorb(&mut inc, events);
            let text = format!("{id} is still {}: this console records to it again (I shows it)", inc.status);
            state.message = Some(Message { text, error: false });
            state.incident = Some(inc);
            state.dirty = true;
        }
    }
}

fn absorb(inc: &mut OpenIncident, events: Vec<Event>) {
    for e in &events {
        match &e.kind {
            crate::incident::EventKind::StatusChanged { to, .. } => inc.status = *to,
            crate::incident::EventKind::Edited { .. }
            | crate::incident::EventKind::Declared { .. }
            | crate::incident::EventKind::Note { .. }
            | crate::incident::EventKind::RunStarted { .. }
            | crate::incident::EventKind::RunFinished { .. }
            | crate::incident::EventKind::AlertRaised { .. }
            | crate::incident::EventKind::AlertCleared { .. }
            | crate::incident::EventKind::Step { .. }
            | crate::incident::EventKind::Command { .. }
            | crate::incident::EventKind::NotificationQueued { .. }
            | crate::incident::EventKind::NotificationSent { .. }
            | crate::incident::EventKind::NotificationFailed { .. }
            | crate::incident::EventKind::Attached { .. } => {}
        }
    }
    inc.timeline.extend(events);
}
