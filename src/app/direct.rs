//! A confirmation opened straight from a key, not by a runbook step: Ctrl-r on a service
//! (restart.rs) and a value in the Flags view (flags.rs). Both open, refuse in read-only and
//! send the same way, and an open incident hears of each decision; one place keeps them alike.

use crate::app::dialog::{Dialog, Purpose};
use crate::app::incident::{CommandPhase, on_decision};
use crate::app::jobs::{JobOrigin, LiveJob, RemoteJob};
use crate::app::msg::Effect;
use crate::app::state::{Message, Popup, State};
use crate::audit::{AuditStatus, Entry};
use crate::source::{RemoteAction, Target};

fn say(state: &mut State, text: String, error: bool) {
    state.message = Some(Message { text, error });
}

/// What a direct confirmation is for, and what read-only says when it refuses it
/// (`restarting services`, `setting flags`).
pub struct Ask {
    pub purpose: Purpose,
    pub title: String,
    pub action: RemoteAction,
    pub targets: Vec<Target>,
    pub summary: String,
    pub refused: &'static str,
}

/// Opens the dialog with its impact; in read-only mode it opens refused, and the refusal is
/// audited and put on the incident's timeline at once (the attempt was made).
pub fn open(state: &mut State, ask: Ask, fx: &mut Vec<Effect>) {
    let Ask { purpose, title, action, targets, summary, refused } = ask;
    let mut dialog = Dialog::confirm(purpose, title, Some(action.clone()), targets, summary, true);
    dialog.set_impact(crate::runbook::impact::of(dialog.action.as_ref(), &dialog.targets, &state.snapshot));
    if state.read_only {
        dialog.refusal = Some(format!("refused (read-only): {} was not run", dialog.summary));
        fx.push(Effect::Audit(
            Entry::for_remote(&action, &dialog.targets, AuditStatus::Refused).message("read-only mode"),
        ));
        say(state, format!("read-only: {refused} is refused"), true);
        on_decision(state, &dialog, None, CommandPhase::Refused, fx);
    }
    state.popups.push(Popup::Confirm(dialog));
}

/// Run was pressed: the command goes to the runtime (which audits before sending), and the
/// incident hears it was confirmed.
pub fn confirmed(state: &mut State, dialog: Dialog, origin: JobOrigin, refused: &str, fx: &mut Vec<Effect>) {
    // The dialog cannot offer Run in read-only mode; this is the second lock on the door.
    if state.read_only && dialog.action.as_ref().is_some_and(|a| a.is_mutating()) {
        return say(state, format!("read-only: {refused} is refused"), true);
    }
    on_decision(state, &dialog, None, CommandPhase::Confirmed, fx);
    let Some(action) = dialog.action else { return };
    let id = state.new_job_id();
    let job = RemoteJob { id, action, targets: dialog.targets, runbook: None };
    let live = LiveJob::new(job.clone(), origin, state.now);
    say(state, format!("{}: sending…", live.summary()), false);
    state.jobs.insert(id, live);
    fx.push(Effect::Remote(job));
}
