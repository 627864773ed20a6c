//! `F`: the emergency flags (`[[flags]]` live, the simulator's own in the demo), each with its
//! current value, where and when it was read, and every value it may take with what that
//! does. Choosing a value opens the same confirmation a runbook's `set_flag` step does (the
//! same planning, `runbook::control::set_flag`): the PutParameter, old → new, the impact;
//! the runtime audits it before sending; read-only refuses it.
//!
//! The list is the latest snapshot's (`State::snapshot.flags`): a flag that could not be
//! read is there with its error, and shows as unknown, never as one of its values.

use crate::app::dialog::{Dialog, Purpose};
use crate::app::direct;
use crate::app::jobs::{JobId, JobOrigin};
use crate::app::msg::Effect;
use crate::app::state::{Message, Popup, State};
use crate::keymap::Action;
use crate::model::Flag;
use crate::runbook::Outcome;
use crate::source::{CommandStatus, Invocation, Target};

/// Where the cursor is: a flag (index into the snapshot's flags) and one of its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FlagsView {
    pub selected: usize,
    pub value: usize,
}

impl FlagsView {
    /// On `flag`, its cursor on the first value it does not have now (the one a change would
    /// set); on the first value when the current one is unknown.
    fn on(selected: usize, flag: Option<&Flag>) -> FlagsView {
        let value = flag
            .and_then(|f| {
                let current = f.current.as_deref()?;
                f.values.iter().position(|v| v.value != current)
            })
            .unwrap_or(0);
        FlagsView { selected, value }
    }
}

fn say(state: &mut State, text: String, error: bool) {
    state.message = Some(Message { text, error });
}

/// `F` (or `:flags`): opens the view, or closes it when it is on top.
pub fn open(state: &mut State) {
    if matches!(state.popups.last(), Some(Popup::Flags(_))) {
        state.popups.pop();
        return;
    }
    if state.snapshot.flags.is_empty() {
        let text = if state.simulated {
            "no flags yet: waiting for the simulator's first snapshot".to_string()
        } else {
            "no emergency flags are configured: add [[flags]] to the config (README, Emergency flags)"
                .to_string()
        };
        return say(state, text, true);
    }
    state.popups.retain(|p| !matches!(p, Popup::Flags(_)));
    let view = FlagsView::on(0, state.snapshot.flags.first());
    state.popups.push(Popup::Flags(view));
}

/// The keys of the view: j/k pick a flag, Tab/h/l a value, Enter asks to set it.
pub fn action(state: &mut State, action: Action, fx: &mut Vec<Effect>) -> bool {
    let Some(Popup::Flags(view)) = state.popups.last() else { return false };
    let view = *view;
    let flags = &state.snapshot.flags;
    let count = flags.len();
    let values = flags.get(view.selected).map_or(0, |f| f.values.len());
    let moved = |selected: usize| FlagsView::on(selected, flags.get(selected));
    let next = match action {
        Action::Down | Action::PageDown => moved((view.selected + 1).min(count.saturating_sub(1))),
        Action::Up | Action::PageUp => moved(view.selected.saturating_sub(1)),
        Action::Top => moved(0),
        Action::Bottom => moved(count.saturating_sub(1)),
        Action::NextChoice if values > 0 => FlagsView { value: (view.value + 1) % values, ..view },
        Action::PrevChoice if values > 0 => FlagsView { value: (view.value + values - 1) % values, ..view },
        Action::NextChoice | Action::PrevChoice => view,
        Action::Confirm | Action::Detail => {
            ask(state, view, fx);
            return true;
        }
        Action::Cancel | Action::Back | Action::Quit | Action::Flags => {
            state.close_top(fx);
            return true;
        }
        _ => return false,
    };
    if let Some(Popup::Flags(v)) = state.popups.last_mut() {
        *v = next;
    }
    true
}

/// Enter on a value: the confirmation for setting it, or why there is nothing to confirm.
fn ask(state: &mut State, view: FlagsView, fx: &mut Vec<Effect>) {
    let Some(flag) = state.snapshot.flags.get(view.selected) else { return };
    let Some(value) = flag.values.get(view.value).map(|v| v.value.clone()) else { return };
    let name = flag.name.clone();
    let (action, resource, summary) =
        match crate::runbook::control::set_flag(&name, &value, &state.snapshot.flags) {
            Ok(plan) => plan,
            Err((Outcome::Skipped, why)) => return say(state, why, false),
            Err((_, why)) => return say(state, why, true),
        };
    let ask = direct::Ask {
        purpose: Purpose::Flag,
        title: format!("Set {name} to {value}"),
        action,
        targets: vec![Target::aws(resource)],
        summary,
        refused: REFUSED,
    };
    direct::open(state, ask, fx);
}

/// What read-only refuses here, in its messages.
const REFUSED: &str = "setting flags";

/// Run was pressed: the PutParameter goes to the runtime, which audits before sending.
pub fn confirmed(state: &mut State, dialog: Dialog, fx: &mut Vec<Effect>) {
    direct::confirmed(state, dialog, JobOrigin::Flag, REFUSED, fx);
}

/// The PutParameter ended: say how (with the version Parameter Store answered), and collect at
/// once so the view shows the value as it is read back, not as it was asked for.
pub fn on_ended(
    state: &mut State,
    id: JobId,
    result: &Result<Vec<Invocation>, String>,
    fx: &mut Vec<Effect>,
) {
    let Some(job) = state.jobs.get(&id) else { return };
    let what = job.job.action.summary();
    let (text, error) = match result {
        Err(e) => (format!("{what}: not run: {e}"), true),
        Ok(invs) => match invs.first() {
            Some(inv) if inv.status == CommandStatus::Success => (
                format!("{what}: done ({})", crate::sanitize::sanitize_line(inv.stdout.trim().as_bytes())),
                false,
            ),
            Some(inv) => (
                format!(
                    "{what}: {} ({})",
                    inv.status.as_str(),
                    crate::sanitize::sanitize_line(inv.stderr.trim().as_bytes())
                ),
                true,
            ),
            None => (format!("{what}: no answer"), true),
        },
    };
    say(state, text, error);
    fx.push(Effect::RefreshNow);
}
