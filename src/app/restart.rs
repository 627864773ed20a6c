//! Ctrl-r on a service row of the NexTalk pane: restart that Windows service on that server,
//! behind the confirmation dialog. The service and server are looked up in the configured
//! targets (never taken from the row's text), so only allowlisted values reach a command.

use crate::app::dialog::{Dialog, Purpose};
use crate::app::direct;
use crate::app::guide::target_list;
use crate::app::jobs::{JobId, JobOrigin};
use crate::app::msg::Effect;
use crate::app::panes::PaneId;
use crate::app::state::{Message, State};
use crate::source::{CommandStatus, Invocation, RemoteAction};

fn say(state: &mut State, text: String, error: bool) {
    state.message = Some(Message { text, error });
}

/// Opens the dialog for the selected service row, or says why not.
pub fn ask(state: &mut State, fx: &mut Vec<Effect>) {
    if state.focus != PaneId::NEXTALK {
        return say(state, "Ctrl-r restarts a service: select one in the NexTalk pane".into(), true);
    }
    let Some(row) = state.selected_row(PaneId::NEXTALK) else { return };
    let Some(server) = state.snapshot.nextalk.servers.get(row.item) else { return };
    let Some(shown) = row.sub.and_then(|i| server.services.get(i)) else {
        return say(state, format!("select one of {}'s services to restart it", server.name), true);
    };
    let Some(configured) = state.targets.iter().find(|t| t.target.server == server.name) else {
        return say(
            state,
            format!("{} is not a configured NexTalk server: nothing is sent there", server.name),
            true,
        );
    };
    let Some(service) = configured.services.iter().find(|s| **s == shown.name) else {
        let text = format!(
            "{} may not be restarted on {} (not in its configured services)",
            shown.name, server.name
        );
        return say(state, text, true);
    };
    let action = RemoteAction::RestartService { service: service.clone() };
    let targets = vec![configured.target.clone()];
    let summary = format!("{} on {}", action.summary(), target_list(&targets));
    let ask = direct::Ask {
        purpose: Purpose::Restart,
        title: format!("Restart {service}"),
        action,
        targets,
        summary,
        refused: REFUSED,
    };
    direct::open(state, ask, fx);
}

/// What read-only refuses here, in its messages.
const REFUSED: &str = "restarting services";

/// Run was pressed: the command goes to the runtime (which audits before sending).
pub fn confirmed(state: &mut State, dialog: Dialog, fx: &mut Vec<Effect>) {
    direct::confirmed(state, dialog, JobOrigin::Restart, REFUSED, fx);
}

/// A restart ended: say how, and collect at once so the pane shows the service's new state.
pub fn on_ended(
    state: &mut State,
    id: JobId,
    result: &Result<Vec<Invocation>, String>,
    fx: &mut Vec<Effect>,
) {
    let Some(job) = state.jobs.get(&id) else { return };
    let took = crate::model::age(state.now, Some(job.started));
    let (text, error) = match result {
        Err(e) => (format!("{}: not run: {e}", job.summary()), true),
        Ok(invs) => {
            let ok = !invs.is_empty() && invs.iter().all(|i| i.status == CommandStatus::Success);
            let statuses: Vec<String> =
                invs.iter().map(|i| format!("{} {}", i.server, i.status.as_str())).collect();
            (format!("{}: {} after {took}", job.summary(), statuses.join(", ")), !ok)
        }
    };
    say(state, text, error);
    fx.push(Effect::RefreshNow);
}
