//! `update`: the only place state changes. Pure: no I/O, no clock reads, no awaits; whatever
//! the outside world must do comes back as `Effect`s.

use crate::app::dialog::{Button, Purpose};
use crate::app::jobs::JobOrigin;
use crate::app::msg::{Effect, Msg};
use crate::app::panes::PaneId;
use crate::app::state::{Message, Mode, Popup, State, window};
use crate::app::{command, flags, geometry, guide, help, incident, log_session, mouse, restart};
use crate::audit::{AuditStatus, Entry};
use crate::keymap::{Action, Context, Key, KeyCode, KeyModifiers, Keymap, Resolution};
use crate::model::Timestamp;
use crate::source::{CommandStatus, SourceError, Target};

pub fn update(state: &mut State, msg: Msg, keymap: &Keymap) -> Vec<Effect> {
    let mut fx = Vec::new();
    match msg {
        Msg::Key(key) => {
            on_key(state, keymap, key, &mut fx);
            state.dirty = true;
        }
        Msg::Mouse(ev) => {
            if state.mouse && mouse::on_mouse(state, keymap, ev) {
                state.dirty = true;
            }
        }
        Msg::Resize(w, h) => {
            state.size = (w, h);
            state.dirty = true;
        }
        Msg::SourceAnswered { index, ok, at } => {
            state.feed.collecting.remove(&index);
            if let Some(source) = state.sources.get_mut(index) {
                source.failing = !ok;
                if ok {
                    source.last_ok = Some(at);
                }
                state.dirty = true;
            }
            guide::on_source_answered(state, index, &mut fx);
        }
        Msg::Collecting { feed } => {
            state.feed.collecting.insert(feed);
            state.feed.in_flight = true;
            state.dirty = true;
        }
        Msg::Telemetry { result, at } => taken_in(state, result.map(Intake::Raw), at, &mut fx),
        Msg::Prepared { result, at } => taken_in(state, result.map(Intake::Prepared), at, &mut fx),
        Msg::QueueSource(source) => {
            let source = source.map(|b| *b);
            if state.queue_source != source {
                state.queue_source = source;
                state.dirty = true;
            }
        }
        Msg::Tick(now) => {
            state.now = now;
            // Only ages change with time; with no data yet there is nothing to redraw.
            if state.feed.last_ok.is_some() || state.feed.error.is_some() {
                state.dirty = true;
            }
        }
        Msg::ThemeLoaded(result) => {
            state.message = Some(match result {
                Ok(name) => {
                    let text = format!("theme {name}");
                    state.theme_name = name;
                    Message { text, error: false }
                }
                Err(e) => Message { text: e, error: true },
            });
            state.dirty = true;
        }
        Msg::RemoteSent { job, command_id } => {
            let phase = incident::CommandPhase::Sent { command_id: command_id.clone() };
            incident::on_command(state, job, phase, &mut fx);
            if let Some(j) = state.jobs.get_mut(&job) {
                j.command_id = Some(command_id);
            }
            state.dirty = true;
        }
        Msg::RemoteStatus { job, server, status } => {
            if let Some(j) = state.jobs.get_mut(&job) {
                j.statuses.insert(server, status);
            }
            state.dirty = true;
        }
        Msg::RemoteEnded { job, result } => {
            remote_ended(state, job, result, &mut fx);
            state.dirty = true;
        }
        Msg::Audited(Ok(rec)) => {
            state.record_audit(*rec);
            state.dirty = true;
        }
        Msg::Audited(Err(e)) => {
            // A console that cannot record what it does must not change anything any more.
            set_read_only(state, &mut fx);
            let text = format!("audit log failed ({e}): read-only for the rest of this session");
            state.message = Some(Message { text, error: true });
            state.dirty = true;
        }
        Msg::Recorder(said) => {
            let (text, error) = match said {
                Ok(t) => (t, false),
                Err(e) => (e, true),
            };
            state.message = Some(Message { text, error });
            state.dirty = true;
        }
        Msg::Replay(status) => crate::app::replay::on_status(state, status),
        Msg::ReplayRewind(earlier) => crate::app::replay::on_rewind(state, earlier),
        Msg::Animate => {
            state.spinner = state.spinner.wrapping_add(1);
            if state.busy() {
                state.dirty = true;
            }
        }
        Msg::LogLines { log, lines } => {
            if log_session::on_lines(state, log, lines) {
                state.dirty = true;
            }
        }
        Msg::LogState { log, state: tail } => {
            if log_session::on_state(state, log, tail) {
                state.dirty = true;
            }
        }
        Msg::LogOpenFailed { log, error } => {
            log_session::on_open_failed(state, log, error, &mut fx);
            state.dirty = true;
        }
        Msg::LogSaved { log, result } => {
            log_session::on_saved(state, log, result);
            state.dirty = true;
        }
        Msg::Incident(reply) => {
            incident::on_reply(state, reply);
            state.dirty = true;
        }
    }
    incident::sync_steps(state, &mut fx);
    fit_offsets(state);
    fx
}

/// A snapshot as it came, or as the intake worker prepared it.
enum Intake {
    Raw(Box<crate::model::Snapshot>),
    Prepared(Box<crate::app::intake::Prepared>),
}

/// A collection's result: the figures taken in (or the source's failure shown), then what
/// waits for fresh figures (a re-check, a dialog's impact, the incident's timeline).
fn taken_in(state: &mut State, result: Result<Intake, SourceError>, at: Timestamp, fx: &mut Vec<Effect>) {
    // One feed: its answer ends its collection. Several: the others may still be
    // collecting (each one's answer is counted in SourceAnswered).
    if state.sources.is_empty() {
        state.feed.collecting.clear();
    }
    state.feed.in_flight = !state.feed.collecting.is_empty();
    state.now = state.now.max(at);
    let error = match result {
        Ok(Intake::Raw(snapshot)) => {
            state.absorb(*snapshot, at);
            None
        }
        Ok(Intake::Prepared(prepared)) => {
            state.take_prepared(*prepared, at);
            None
        }
        Err(e) => {
            let text = e.to_string();
            state.source_failed(e);
            Some(text)
        }
    };
    guide::on_telemetry(state, error, fx);
    // The steps this snapshot completed go first: the action that cleared an alert
    // is on the timeline before the alert clearing.
    incident::sync_steps(state, fx);
    incident::on_snapshot(state, fx);
    state.dirty = true;
}

fn on_key(state: &mut State, keymap: &Keymap, key: Key, fx: &mut Vec<Effect>) {
    // A quit asked twice must be asked twice in a row.
    let armed = std::mem::take(&mut state.quit_armed);
    if armed && state.message.as_ref().is_some_and(|m| m.text.contains("press again to quit")) {
        state.quit_armed = true;
    }
    state.message = None;
    if state.mode != Mode::Normal {
        on_input_key(state, keymap, key, fx);
        return;
    }
    if dialog_text_key(state, key) {
        return;
    }
    let context = key_context(state);
    let action = match keymap.resolve(context, &state.pending, key) {
        Resolution::Action(a) => {
            state.pending.clear();
            a
        }
        Resolution::Prefix => {
            state.pending.push(key);
            return;
        }
        Resolution::Unbound if state.pending.is_empty() => return,
        Resolution::Unbound => {
            // A chord broken by a key it does not continue: drop it and read the key afresh.
            state.pending.clear();
            match keymap.resolve(context, &[], key) {
                Resolution::Action(a) => a,
                Resolution::Prefix => {
                    state.pending.push(key);
                    return;
                }
                Resolution::Unbound => return,
            }
        }
    };
    act(state, keymap, action, fx);
}

/// Where keys are looked up for what is on screen. The detail view is the selected row of the
/// table behind it, so the table's keys work there as the footer says (`l` its log, `j`/`k`
/// the next row, Ctrl-r a restart); other overlays have their own.
pub fn key_context(state: &State) -> Context {
    match state.popups.last() {
        None | Some(Popup::Detail) => Context::Table,
        Some(Popup::Log(_)) => Context::Log,
        Some(
            Popup::Help { .. }
            | Popup::Picker { .. }
            | Popup::Runbook
            | Popup::Confirm(_)
            | Popup::Audit { .. }
            | Popup::Incident { .. }
            | Popup::Flags(_),
        ) => Context::Popup,
    }
}

/// Typing a filter or a command. Enter and Esc work even if the keymap forgot to bind them:
/// a prompt nobody can leave would be worse than an unremappable key.
fn on_input_key(state: &mut State, keymap: &Keymap, key: Key, fx: &mut Vec<Effect>) {
    let accept = |k: Key| k.code == KeyCode::Enter && k.mods.is_empty();
    let cancel = |k: Key| k.code == KeyCode::Esc && k.mods.is_empty();
    match keymap.resolve(Context::Input, &[], key) {
        Resolution::Action(Action::FilterAccept | Action::Confirm) => return accept_input(state, fx),
        Resolution::Action(Action::FilterClear | Action::Cancel | Action::Back) => {
            return cancel_input(state);
        }
        // Ctrl-c still ends the session from a prompt.
        Resolution::Action(Action::Quit) => return fx.push(Effect::Quit),
        _ if accept(key) => return accept_input(state, fx),
        _ if cancel(key) => return cancel_input(state),
        _ => {}
    }
    // Tab in the declare prompt changes the severity, the title stays.
    if let Mode::Declare(severity) = state.mode
        && key.code == KeyCode::Tab
    {
        state.mode = Mode::Declare(incident::next_severity(severity));
        return;
    }
    match key.code {
        KeyCode::Char(c) if !key.mods.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) => {
            state.input.push(c);
        }
        KeyCode::Backspace => {
            if state.input.pop().is_none() {
                // Backspace on an empty prompt leaves it, as in vim and k9s.
                return cancel_input(state);
            }
        }
        _ => return,
    }
    if state.mode == Mode::Filter {
        apply_filter(state, state.input.clone());
    }
}

fn accept_input(state: &mut State, fx: &mut Vec<Effect>) {
    let mode = std::mem::take(&mut state.mode);
    let line = std::mem::take(&mut state.input);
    match mode {
        Mode::Palette => {
            if let Err(e) = command::run(state, &line, fx) {
                state.message = Some(Message { text: e, error: true });
            }
        }
        Mode::Search => log_session::search(state, &line),
        Mode::Declare(severity) => incident::declare(state, line, severity, fx),
        Mode::Note => {
            if let Err(e) = incident::note(state, &line, fx) {
                state.message = Some(Message { text: e, error: true });
            }
        }
        Mode::Filter | Mode::Normal => {}
    }
}

fn cancel_input(state: &mut State) {
    if state.mode == Mode::Filter {
        apply_filter(state, String::new());
    }
    state.mode = Mode::Normal;
    state.input.clear();
}

/// Sets the focused table's filter; the cursor goes to the first match.
pub fn apply_filter(state: &mut State, filter: String) {
    let pane = state.focus;
    state.table_mut(pane).filter = filter;
    state.rebuild_rows(pane);
    let t = state.table_mut(pane);
    t.selected = 0;
    t.offset = 0;
}

/// Typing the service name into a dialog that asks for it: printable keys are text there,
/// even those bound to something (`l`, `h`, `q`…).
fn dialog_text_key(state: &mut State, key: Key) -> bool {
    let Some(Popup::Confirm(dialog)) = state.popups.last_mut() else { return false };
    if !dialog.takes_text() {
        return false;
    }
    match key.code {
        KeyCode::Char(c) if !key.mods.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) => {
            dialog.typed.push(c);
        }
        KeyCode::Backspace => {
            dialog.typed.pop();
        }
        _ => return false,
    }
    dialog.settle();
    true
}

/// Runs one action in the context on screen: an overlay with its own keys gets it first.
pub fn act(state: &mut State, keymap: &Keymap, action: Action, fx: &mut Vec<Effect>) {
    let handled = match state.popups.last() {
        Some(Popup::Log(_)) => log_session::action(state, action, fx),
        Some(Popup::Confirm(_)) => dialog_action(state, action, fx),
        Some(&Popup::Picker { selected }) => picker_action(state, action, selected, fx),
        Some(Popup::Runbook) => runbook_action(state, action, fx),
        Some(&Popup::Audit { scroll }) => audit_action(state, action, scroll, fx),
        Some(&Popup::Incident { scroll }) => incident_action(state, action, scroll, fx),
        Some(Popup::Flags(_)) => flags::action(state, action, fx),
        Some(Popup::Help { .. } | Popup::Detail) | None => false,
    };
    if !handled {
        global_action(state, keymap, action, fx);
    }
}

fn global_action(state: &mut State, keymap: &Keymap, action: Action, fx: &mut Vec<Effect>) {
    match action {
        Action::Quit => {
            // Backing out of an overlay first: a stray `q` at 3 a.m. should not end the session.
            if state.close_top(fx) {
                return;
            }
            // Leaving while a command runs loses sight of how it ends (the audit log will only
            // say it was sent): ask for a second press.
            let running = state.jobs.values().filter(|j| j.in_flight()).count();
            if running > 0 && !state.quit_armed {
                state.quit_armed = true;
                let text = format!("{running} command(s) still running: press again to quit anyway");
                state.message = Some(Message { text, error: true });
                return;
            }
            fx.push(Effect::Quit);
        }
        Action::Help => toggle_help(state),
        Action::Back | Action::Cancel | Action::FilterClear => back(state, fx),
        Action::NextPane => focus(state, state.next_pane(state.focus)),
        Action::PrevPane => focus(state, state.prev_pane(state.focus)),
        // Each pane's spec names the action that focuses it.
        Action::PaneQueues
        | Action::PaneConnect
        | Action::PaneLambda
        | Action::PaneKinesis
        | Action::PaneDynamoDb
        | Action::PaneNexTalk
        | Action::PaneAlerts => {
            if let Some(p) = state.panes.iter().position(|p| p.focus == Some(action)) {
                focus(state, PaneId(p));
            }
        }
        Action::ZoomPane => state.zoom = !state.zoom,
        Action::CommandPalette => {
            state.mode = Mode::Palette;
            state.input.clear();
        }
        Action::Filter => {
            state.mode = Mode::Filter;
            state.input = state.table(state.focus).filter.clone();
        }
        Action::Refresh => refresh(state, fx),
        Action::ToggleMouse => {
            state.mouse = !state.mouse;
            fx.push(Effect::SetMouse(state.mouse));
            let text = if state.mouse { "mouse on" } else { "mouse off (terminal selection works)" };
            state.message = Some(Message { text: text.into(), error: false });
        }
        Action::ReadOnly => set_read_only(state, fx),
        Action::Up
        | Action::Down
        | Action::PageUp
        | Action::PageDown
        | Action::Top
        | Action::Bottom
        | Action::NextChoice
        | Action::PrevChoice => navigate(state, keymap, action),
        Action::Detail | Action::Confirm => {
            if state.popups.is_empty() && state.selected_row(state.focus).is_some() {
                state.popups.push(Popup::Detail);
            }
        }
        Action::CycleSort => cycle_sort(state),
        Action::FilterAccept => {}
        Action::Runbooks => guide::open(state),
        Action::Flags => flags::open(state),
        Action::RestartService => restart::ask(state, fx),
        Action::OpenLog => {
            if let Err(why) = log_session::open_selected(state, fx) {
                state.message = Some(Message { text: why, error: true });
            }
        }
        Action::Incident => incident::open_or_declare(state),
        Action::IncidentNote | Action::IncidentMitigated => {
            let text = format!("{}: in the incident view (I)", action.description());
            state.message = Some(Message { text, error: true });
        }
        Action::ReplayPause
        | Action::ReplayBack
        | Action::ReplayForward
        | Action::ReplaySlower
        | Action::ReplayFaster
        | Action::ReplayNextEvent
        | Action::ReplayPrevEvent => crate::app::replay::action(state, action, fx),
        Action::FollowLog
        | Action::SearchNext
        | Action::SearchPrev
        | Action::ToggleWrap
        | Action::CycleLevel
        | Action::SaveLog => {
            let text = format!(
                "{}: only in a log view (open one from a NexTalk or Lambda row)",
                action.description()
            );
            state.message = Some(Message { text, error: true });
        }
    }
}

/// The console is closing: one `abandoned` record for every command still in flight, so
/// none is left at `sent` with no word of how it ended. Carried out before the console exits.
pub fn on_exit(state: &State) -> Vec<Effect> {
    state.jobs.values().filter(|j| j.in_flight()).map(|j| Effect::Audit(j.abandoned())).collect()
}

pub fn focus(state: &mut State, pane: PaneId) {
    state.focus = pane;
}

/// Read-only from now on, for the rest of the session: there is no way back.
pub fn set_read_only(state: &mut State, fx: &mut Vec<Effect>) {
    state.read_only = true;
    guide::on_read_only(state, fx);
    let text = "read-only for the rest of this session".to_string();
    state.message = Some(Message { text, error: false });
}

/// Opens the newest NexTalk log of `servers` in the log view (the runbook's open-log step;
/// the step counts as done once the view is up). An error is the reason the step is skipped.
pub fn open_log(state: &mut State, servers: &[Target], fx: &mut Vec<Effect>) -> Result<(), String> {
    log_session::open_servers(state, servers, fx)
}

fn remote_ended(
    state: &mut State,
    job: crate::app::JobId,
    result: Result<Vec<crate::source::Invocation>, String>,
    fx: &mut Vec<Effect>,
) {
    let phase = match &result {
        Ok(invs) => incident::CommandPhase::Ended(invs.clone()),
        Err(e) => incident::CommandPhase::NotRun(e.clone()),
    };
    incident::on_command(state, job, phase, fx);
    let now = state.now;
    let Some(live) = state.jobs.get_mut(&job) else { return };
    let outcome = match &result {
        Ok(invs) => {
            for inv in invs {
                live.statuses.insert(inv.server.clone(), inv.status);
            }
            let all_ok = !invs.is_empty() && invs.iter().all(|i| i.status == CommandStatus::Success);
            if all_ok { "Success".to_string() } else { live.progress() }
        }
        Err(e) => format!("not run: {e}"),
    };
    live.ended = Some((now, outcome));
    match live.origin {
        JobOrigin::Runbook { .. } => guide::on_remote_ended(state, job, result, fx),
        JobOrigin::Restart => restart::on_ended(state, job, &result, fx),
        JobOrigin::Flag => flags::on_ended(state, job, &result, fx),
    }
}

/// Keys of the confirmation dialog: move between the buttons, press one. Backing out presses
/// the safe button. Every other key is swallowed: nothing behind the dialog moves.
fn dialog_action(state: &mut State, action: Action, fx: &mut Vec<Effect>) -> bool {
    let Some(Popup::Confirm(dialog)) = state.popups.last_mut() else { return false };
    match action {
        Action::NextChoice | Action::Down | Action::PageDown | Action::Bottom => dialog.move_choice(1),
        Action::PrevChoice | Action::Up | Action::PageUp | Action::Top => dialog.move_choice(-1),
        Action::Confirm | Action::Detail => {
            let button = dialog.selected();
            press(state, button, fx);
        }
        Action::Cancel | Action::Back | Action::Quit | Action::FilterClear => {
            let button = dialog.buttons()[0];
            press(state, button, fx);
        }
        Action::ReadOnly => set_read_only(state, fx),
        Action::Help => toggle_help(state),
        _ => {}
    }
    true
}

/// Presses a button of the dialog on top: a disabled one says why; any other closes the
/// dialog and acts on the answer.
fn press(state: &mut State, button: Button, fx: &mut Vec<Effect>) {
    let Some(Popup::Confirm(dialog)) = state.popups.last() else { return };
    if !dialog.enabled(button) {
        let why = match (&dialog.refusal, &dialog.must_type) {
            (Some(r), _) => r.clone(),
            (None, Some(name)) => format!("type {name} to enable Run"),
            (None, None) => "not available".into(),
        };
        state.message = Some(Message { text: why, error: true });
        return;
    }
    let Some(Popup::Confirm(dialog)) = state.popups.pop() else { return };
    match (&dialog.purpose, button) {
        (Purpose::Restart, Button::Run) => restart::confirmed(state, dialog, fx),
        (Purpose::Flag, Button::Run) => flags::confirmed(state, dialog, fx),
        (Purpose::Restart | Purpose::Flag, _) => {
            // Declined is an outcome too (a refused one was recorded as refused already).
            if let (Some(action), None) = (&dialog.action, &dialog.refusal) {
                fx.push(Effect::Audit(
                    Entry::for_remote(action, &dialog.targets, AuditStatus::Declined)
                        .message("declined in the confirmation dialog"),
                ));
                incident::on_decision(state, &dialog, None, incident::CommandPhase::Declined, fx);
            }
            state.message = Some(Message { text: format!("not run: {}", dialog.summary), error: false });
        }
        _ => return guide::answer_dialog(state, dialog, button, fx),
    }
    // A runbook confirmation that waited behind this dialog comes up now.
    guide::offer_prompt(state, false, fx);
}

fn picker_action(state: &mut State, action: Action, selected: usize, fx: &mut Vec<Effect>) -> bool {
    let len = state.picker.len();
    let page = (state.size.1 as usize).saturating_sub(6).max(1);
    match action {
        Action::Up
        | Action::Down
        | Action::PageUp
        | Action::PageDown
        | Action::Top
        | Action::Bottom
        | Action::NextChoice
        | Action::PrevChoice => {
            if let Some(Popup::Picker { selected }) = state.popups.last_mut() {
                *selected = step(*selected, action, len, page);
            }
        }
        Action::Confirm | Action::Detail => {
            state.close_top(fx);
            if let Some(&(index, _)) = state.picker.get(selected) {
                guide::start(state, index, fx);
            }
        }
        Action::Runbooks | Action::Cancel | Action::Back | Action::Quit => {
            state.close_top(fx);
        }
        _ => return false,
    }
    true
}

fn runbook_action(state: &mut State, action: Action, fx: &mut Vec<Effect>) -> bool {
    // The run overlay is only ever opened on a run.
    let Some(guide) = state.guide.as_mut() else { return false };
    let page = (state.size.1 as usize).saturating_sub(6).max(1);
    match action {
        // Scrolling counts lines back from where the view follows the run; Bottom returns.
        Action::Up => guide.scroll_back += 1,
        Action::Down => guide.scroll_back = guide.scroll_back.saturating_sub(1),
        Action::PageUp => guide.scroll_back += page,
        Action::PageDown => guide.scroll_back = guide.scroll_back.saturating_sub(page),
        Action::Top => guide.scroll_back = usize::MAX / 2,
        Action::Bottom => guide.scroll_back = 0,
        Action::Confirm | Action::Detail => guide::offer_prompt(state, true, fx),
        Action::Cancel | Action::Back | Action::Quit => {
            state.close_top(fx);
        }
        Action::Runbooks => {
            state.close_top(fx);
            guide::open(state);
        }
        _ => return false,
    }
    true
}

/// A list that follows its newest line, `scroll` lines back from it: where a scrolling key
/// leaves it (the audit view and the incident timeline).
fn scrolled_back(action: Action, scroll: usize, page: usize, len: usize) -> usize {
    let back = match action {
        Action::Up => scroll + 1,
        Action::PageUp => scroll + page,
        Action::Down => scroll.saturating_sub(1),
        Action::PageDown => scroll.saturating_sub(page),
        Action::Top => len,
        _ => 0,
    };
    back.min(len)
}

fn audit_action(state: &mut State, action: Action, scroll: usize, fx: &mut Vec<Effect>) -> bool {
    let len = state.audit_records.len();
    let page = (state.size.1 as usize).saturating_sub(6).max(1);
    match action {
        // The list follows the newest record; scrolling counts lines back from it.
        Action::Up | Action::Down | Action::PageUp | Action::PageDown | Action::Top | Action::Bottom => {
            if let Some(Popup::Audit { scroll: at }) = state.popups.last_mut() {
                *at = scrolled_back(action, scroll, page, len);
            }
        }
        Action::Cancel | Action::Back | Action::Quit => {
            state.close_top(fx);
        }
        _ => return false,
    }
    true
}

fn incident_action(state: &mut State, action: Action, scroll: usize, fx: &mut Vec<Effect>) -> bool {
    let len = state.incident.as_ref().map_or(0, |i| i.timeline.len());
    let page = (state.size.1 as usize).saturating_sub(8).max(1);
    match action {
        // Like the audit view: the timeline follows the newest event; scrolling counts back.
        Action::Up | Action::Down | Action::PageUp | Action::PageDown | Action::Top | Action::Bottom => {
            if let Some(Popup::Incident { scroll: at }) = state.popups.last_mut() {
                *at = scrolled_back(action, scroll, page, len);
            }
        }
        Action::IncidentNote => incident::start_note(state),
        Action::IncidentMitigated => {
            if let Err(e) = incident::set_status(state, crate::incident::Status::Mitigated, fx) {
                state.message = Some(Message { text: e, error: true });
            }
        }
        Action::Cancel | Action::Back | Action::Quit | Action::Incident => {
            state.close_top(fx);
        }
        _ => return false,
    }
    true
}

pub fn refresh(state: &mut State, fx: &mut Vec<Effect>) {
    if state.feed.in_flight {
        state.message = Some(Message { text: "a refresh is already under way".into(), error: false });
    } else {
        fx.push(Effect::RefreshNow);
    }
}

pub fn toggle_help(state: &mut State) {
    if matches!(state.popups.last(), Some(Popup::Help { .. })) {
        state.popups.pop();
    } else {
        state.popups.push(Popup::Help { scroll: 0 });
    }
}

/// Esc: close the top overlay, else clear the focused filter, else leave zoom.
fn back(state: &mut State, fx: &mut Vec<Effect>) {
    if state.close_top(fx) {
        return;
    }
    if !state.table(state.focus).filter.is_empty() {
        apply_filter(state, String::new());
        return;
    }
    state.zoom = false;
}

fn cycle_sort(state: &mut State) {
    let pane = state.focus;
    let keys = &state.pane(pane).sort_keys;
    let current = state.table(pane).sort;
    let Some(pos) = keys.iter().position(|k| *k == current) else {
        let text = format!("{} has a fixed order", state.pane(pane).title);
        state.message = Some(Message { text, error: false });
        return;
    };
    let next = keys[(pos + 1) % keys.len()];
    state.table_mut(pane).sort = next;
    state.rebuild_rows(pane);
}

/// Moves the cursor: in the help overlay it scrolls, elsewhere it moves the focused table's
/// selection (the detail view follows it).
fn navigate(state: &mut State, keymap: &Keymap, action: Action) {
    let page = visible_rows(state, state.focus).max(1);
    if let Some(Popup::Help { scroll }) = state.popups.last_mut() {
        let max = help::line_count(keymap).saturating_sub(1);
        *scroll = step(*scroll, action, max + 1, page);
        return;
    }
    let t = state.table_mut(state.focus);
    if !t.rows.is_empty() {
        t.selected = step(t.selected, action, t.rows.len(), page);
    }
}

fn step(pos: usize, action: Action, len: usize, page: usize) -> usize {
    let last = len.saturating_sub(1);
    match action {
        Action::Up | Action::PrevChoice => pos.saturating_sub(1),
        Action::Down | Action::NextChoice => (pos + 1).min(last),
        Action::PageUp => pos.saturating_sub(page),
        Action::PageDown => (pos + page).min(last),
        Action::Top => 0,
        Action::Bottom => last,
        _ => pos,
    }
    .min(last)
}

/// How many rows of a pane's table are on screen at the current size (0 if hidden).
pub fn visible_rows(state: &State, pane: PaneId) -> usize {
    let screen = geometry::screen(geometry::area(state.size), state);
    screen.pane_rect(pane).map_or(0, |r| geometry::body(pane, r, state).rows.height as usize)
}

/// Keeps every visible pane's selection inside its window, and the log view's page at the
/// size it is drawn, after whatever just happened: drawing reads these, never records them.
fn fit_offsets(state: &mut State) {
    let screen = geometry::screen(geometry::area(state.size), state);
    for (pane, rect) in screen.panes.clone() {
        let height = geometry::body(pane, rect, state).rows.height as usize;
        let t = state.table_mut(pane);
        t.offset = window(t.selected, t.offset, height, t.rows.len());
    }
    let page = geometry::log_page(state.size);
    if let Some(session) = state.log_mut() {
        session.view.set_page(page);
    }
}
