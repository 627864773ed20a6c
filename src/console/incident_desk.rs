//! The incident desk: the console's `Effect::Incident` requests carried out on a thread of
//! their own (file writes and fsyncs never wait on the key loop), in the order they were asked,
//! each answered with the events that are now on disk (read back from the timeline, so the
//! screen shows what the file holds, nothing it merely meant to write).

use crate::app::incident::{CommandPhase, ExportFormat, IncidentOp, IncidentReply};
use crate::app::jobs::RemoteJob;
use crate::app::msg::Msg;
use crate::incident::recorder::{ClockFn, SessionInfo};
use crate::incident::{Clock, Drill, Event, EventKind, IncidentStore, RunRecorder};
use crate::model::Thresholds;
use crate::runbook::{CommandEvent, CommandPhase as RunPhase, RunObserver};
use crate::source::Clock as SourceClock;
use crate::source::CommandId;
use std::sync::Arc;
use tokio::sync::mpsc;

/// What the command line wires in: telling people (the notification outbox) and rendering a
/// report (the same code as `switchboard incident export`).
pub trait DeskHooks: Send {
    /// Queue the notifications for the incident's newest event.
    fn notify(&self, store: &IncidentStore, id: &crate::incident::IncidentId) -> Result<(), String>;
    /// The report in `format`.
    fn report(
        &self,
        store: &IncidentStore,
        id: &crate::incident::IncidentId,
        format: ExportFormat,
    ) -> Result<String, String>;
}

pub struct DeskOptions {
    pub store: IncidentStore,
    /// The local user, as the audit log names them.
    pub who: String,
    /// `demo:chat-bridge-down`, `aws:123456789012/us-east-1`.
    pub source: String,
    /// Simulated in the demo: the incident's alert times are the simulator's, like the screen.
    pub clock: Clock,
    /// The demo's scenario: every message and report says it is a drill.
    pub drill: Option<Drill>,
    pub thresholds: Thresholds,
    pub hooks: Box<dyn DeskHooks>,
}

/// The running desk: requests go in here.
pub struct Desk {
    tx: std::sync::mpsc::Sender<IncidentOp>,
}

impl Desk {
    pub fn start(opts: DeskOptions, now: Arc<dyn SourceClock>, replies: mpsc::Sender<Msg>) -> Desk {
        let (tx, rx) = std::sync::mpsc::channel::<IncidentOp>();
        std::thread::spawn(move || {
            let mut worker = Worker { opts, now, open: None };
            // An incident left open by an earlier console of the same kind is picked up again:
            // its badge, its view, and everything seen from now on go to it.
            if let Some(reply) = worker.resume()
                && replies.blocking_send(Msg::Incident(reply)).is_err()
            {
                return;
            }
            while let Ok(op) = rx.recv() {
                let reply = worker.handle(op);
                if replies.blocking_send(Msg::Incident(reply)).is_err() {
                    break;
                }
            }
        });
        Desk { tx }
    }

    /// Queues `op`; the answer arrives as `Msg::Incident`.
    pub fn send(&self, op: IncidentOp) -> Result<(), String> {
        self.tx.send(op).map_err(|_| "the incident desk has stopped".to_string())
    }
}

struct Open {
    id: crate::incident::IncidentId,
    recorder: RunRecorder,
    /// Timeline events already sent to the screen.
    seen: usize,
}

struct Worker {
    opts: DeskOptions,
    now: Arc<dyn SourceClock>,
    open: Option<Open>,
}

impl Worker {
    fn clock_fn(&self) -> ClockFn {
        let now = self.now.clone();
        Box::new(move || now.now())
    }

    fn handle(&mut self, op: IncidentOp) -> IncidentReply {
        match op {
            IncidentOp::Declare { title, severity } => match self.declare(title, severity) {
                Ok((id, events, error)) => IncidentReply::Declared(Ok((id, events)), error),
                Err(e) => IncidentReply::Declared(Err(e), None),
            },
            IncidentOp::Observe(snapshot) => {
                self.written(|o| o.recorder.observe(&snapshot).map_err(|e| e.to_string()))
            }
            // On the console's clock, like the alerts beside them: in a drill a note and a
            // resolution are simulated time too, so "open for" never spans two clocks.
            IncidentOp::Note(text) => {
                let event = self.event(EventKind::Note { text });
                let store = self.opts.store.clone();
                self.written(move |o| store.append(&o.id, event).map(drop).map_err(|e| e.to_string()))
            }
            IncidentOp::Status(to) => {
                let store = self.opts.store.clone();
                let who = self.opts.who.clone();
                let (now, clock) = (self.now.now(), self.opts.clock);
                let reply = self.written(move |o| {
                    let from = store.load(&o.id).map_err(|e| e.to_string())?.status;
                    if from == to {
                        return Err(format!("{} is already {to}", o.id));
                    }
                    let event = Event::at(now, clock, who, EventKind::StatusChanged { from, to });
                    store.append(&o.id, event).map(drop).map_err(|e| e.to_string())
                });
                // Only a change that was written is told: a refused one changed nothing.
                match reply {
                    IncidentReply::Wrote { events, error: None } => {
                        let error = self
                            .notify_error()
                            .map(|e| format!("status changed, but its notifications failed: {e}"));
                        IncidentReply::Wrote { events, error }
                    }
                    reply => reply,
                }
            }
            IncidentOp::Step { runbook, help, record } => {
                self.written(|o| o.recorder.step(&runbook, help, &record).map_err(|e| e.to_string()))
            }
            IncidentOp::Export(format) => IncidentReply::Exported(self.export(format)),
            IncidentOp::Command { job, phase } => self.written(|o| command(o, &job, &phase)),
        }
    }

    /// The newest incident not resolved whose kind matches this console: a drill of the same
    /// scenario in the demo, a real one live (a drill is never continued on live figures, nor
    /// a real incident on the simulator's).
    fn resume(&mut self) -> Option<IncidentReply> {
        let o = &self.opts;
        let listed = o.store.list().ok()?;
        let inc = listed
            .into_iter()
            .flatten()
            .filter(|i| i.status != crate::incident::Status::Resolved)
            .filter(|i| match (&i.drill, &o.drill) {
                (Some(a), Some(b)) => a.scenario == b.scenario,
                (None, None) => true,
                (Some(_), None) | (None, Some(_)) => false,
            })
            .max_by(|a, b| a.id.cmp(&b.id))?;
        let info = SessionInfo {
            source: &o.source,
            mode: "console",
            who: &o.who,
            clock: o.clock,
            confirmed_how: "the console's confirmation dialog",
        };
        let recorder = match RunRecorder::console(
            o.store.clone(),
            inc.id.clone(),
            info,
            self.clock_fn(),
            o.thresholds.clone(),
        ) {
            Ok(r) => r,
            Err(e) => {
                return Some(IncidentReply::Failed(format!(
                    "{} is open, but cannot be recorded to: {e:#}",
                    inc.id
                )));
            }
        };
        self.open = Some(Open { id: inc.id.clone(), recorder, seen: 0 });
        let events = match self.unseen() {
            Ok(events) => events,
            Err(e) => return Some(IncidentReply::Failed(e.to_string())),
        };
        Some(IncidentReply::Resumed {
            id: inc.id.to_string(),
            title: inc.title,
            severity: inc.severity,
            events,
        })
    }

    fn event(&self, kind: EventKind) -> Event {
        Event::at(self.now.now(), self.opts.clock, &self.opts.who, kind)
    }

    fn declare(
        &mut self,
        title: String,
        severity: crate::incident::Severity,
    ) -> Result<(String, Vec<Event>, Option<String>), String> {
        if self.open.is_some() {
            return Err("an incident is already open in this console".into());
        }
        let o = &self.opts;
        let at = self.now.now();
        let declared =
            Event::at(at, o.clock, &o.who, EventKind::Declared { title, severity, drill: o.drill.clone() });
        let id = o.store.create(declared).map_err(|e| e.to_string())?;
        // Told about the declaration itself, before the console's run is on the timeline: the
        // outbox words a message after the incident's newest event.
        let notified = o.hooks.notify(&o.store, &id).err();
        let info = SessionInfo {
            source: &o.source,
            mode: "console",
            who: &o.who,
            clock: o.clock,
            confirmed_how: "the console's confirmation dialog",
        };
        let recorder =
            RunRecorder::console(o.store.clone(), id.clone(), info, self.clock_fn(), o.thresholds.clone())
                .map_err(|e| format!("{id} declared, but the console cannot record to it: {e:#}"))?;
        self.open = Some(Open { id: id.clone(), recorder, seen: 0 });
        let events = self.unseen().map_err(|e| e.to_string())?;
        let error = notified.map(|e| format!("{id} declared, but its notifications failed: {e}"));
        Ok((id.to_string(), events, error))
    }

    /// Runs `write` on the open incident and answers with what is new on its timeline.
    fn written(&mut self, write: impl FnOnce(&mut Open) -> Result<(), String>) -> IncidentReply {
        let Some(open) = self.open.as_mut() else {
            return IncidentReply::Failed("no incident is open".into());
        };
        if let Err(e) = write(open) {
            return IncidentReply::Failed(e);
        }
        match self.unseen() {
            Ok(events) => IncidentReply::Wrote { events, error: None },
            Err(e) => IncidentReply::Failed(e.to_string()),
        }
    }

    fn unseen(&mut self) -> Result<Vec<Event>, crate::incident::StoreError> {
        let Some(open) = self.open.as_mut() else { return Ok(Vec::new()) };
        let inc = self.opts.store.load(&open.id)?;
        let new: Vec<Event> = inc.events.iter().skip(open.seen).cloned().collect();
        open.seen = inc.events.len();
        Ok(new)
    }

    fn notify_error(&self) -> Option<String> {
        let open = self.open.as_ref()?;
        self.opts.hooks.notify(&self.opts.store, &open.id).err()
    }

    fn export(&self, format: ExportFormat) -> Result<String, String> {
        let open = self.open.as_ref().ok_or("no incident is open")?;
        let text = self.opts.hooks.report(&self.opts.store, &open.id, format)?;
        let path = self.opts.store.dir(&open.id).join(format!("report.{}", format.extension()));
        crate::incident::store::write_atomic(&path, text.as_bytes()).map_err(|e| e.to_string())?;
        Ok(path.display().to_string())
    }
}

/// One phase of a mutating command, as the headless recorder words it (same event, same
/// fields), under the runbook and step that asked for it, or `ctrl-r` for a restart by hand.
fn command(o: &mut Open, job: &RemoteJob, phase: &CommandPhase) -> Result<(), String> {
    let (runbook, step) = match &job.runbook {
        Some((rb, step)) => (rb.as_str(), step.as_str()),
        None => ("", "ctrl-r"),
    };
    let summary = job.action.summary();
    let event = |phase| CommandEvent {
        runbook,
        step,
        action: Some(&job.action),
        summary: &summary,
        targets: &job.targets,
        phase,
    };
    let err = |e: anyhow::Error| format!("{e:#}");
    match phase {
        CommandPhase::Sent { command_id } => {
            let id = CommandId(command_id.clone());
            o.recorder.command(&event(RunPhase::Sent(&id))).map_err(err)
        }
        CommandPhase::Ended(invocations) => {
            for inv in invocations {
                o.recorder.command(&event(RunPhase::Ended(inv))).map_err(err)?;
            }
            Ok(())
        }
        CommandPhase::NotRun(why) => o.recorder.command(&event(RunPhase::SendFailed(why))).map_err(err),
        CommandPhase::Confirmed => o.recorder.command(&event(RunPhase::Confirmed)).map_err(err),
        CommandPhase::Declined => o.recorder.command(&event(RunPhase::Declined)).map_err(err),
        CommandPhase::Refused => o.recorder.command(&event(RunPhase::Refused)).map_err(err),
    }
}
