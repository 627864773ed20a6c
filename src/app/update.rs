//! `update`: the only place state changes. Pure: no I/O, no clock reads, no awaits; whatever
//! the outside world must do comes back as `Effect`s.

use crate::app::command;
use crate::app::mouse;
use crate::app::msg::{Effect, Msg};
use crate::app::pane::Pane;
use crate::app::state::{Message, Mode, Popup, State, window};
use crate::keymap::{Action, Context, Key, Keymap, Resolution};
use crate::ui::{help, layout};
use crossterm::event::{KeyCode, KeyEventKind, KeyModifiers};

pub fn update(state: &mut State, msg: Msg, keymap: &Keymap) -> Vec<Effect> {
    let mut fx = Vec::new();
    match msg {
        Msg::Key(ev) => {
            // Terminals with the kitty protocol also report releases; act on presses only.
            if ev.kind == KeyEventKind::Release {
                return fx;
            }
            on_key(state, keymap, Key::from(ev), &mut fx);
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
        Msg::Collecting => {
            state.feed.in_flight = true;
            state.dirty = true;
        }
        Msg::Telemetry { result, at } => {
            state.feed.in_flight = false;
            state.now = state.now.max(at);
            match result {
                Ok(snapshot) => state.absorb(*snapshot, at),
                Err(e) => state.source_failed(e),
            }
            state.dirty = true;
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
    }
    fit_offsets(state);
    fx
}

fn on_key(state: &mut State, keymap: &Keymap, key: Key, fx: &mut Vec<Effect>) {
    state.message = None;
    if state.mode != Mode::Normal {
        on_input_key(state, keymap, key, fx);
        return;
    }
    let context = if state.popups.is_empty() { Context::Table } else { Context::Popup };
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
    if mode == Mode::Palette
        && let Err(e) = command::run(state, &line, fx)
    {
        state.message = Some(Message { text: e, error: true });
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

fn act(state: &mut State, keymap: &Keymap, action: Action, fx: &mut Vec<Effect>) {
    match action {
        Action::Quit => {
            // Backing out of an overlay first: a stray `q` at 3 a.m. should not end the session.
            if state.popups.pop().is_none() {
                fx.push(Effect::Quit);
            }
        }
        Action::Help => toggle_help(state),
        Action::Back | Action::Cancel | Action::FilterClear => back(state),
        Action::NextPane => focus(state, state.focus.next()),
        Action::PrevPane => focus(state, state.focus.prev()),
        Action::PaneQueues => focus(state, Pane::Queues),
        Action::PaneConnect => focus(state, Pane::Connect),
        Action::PaneLambda => focus(state, Pane::Lambda),
        Action::PaneKinesis => focus(state, Pane::Kinesis),
        Action::PaneDynamoDb => focus(state, Pane::DynamoDb),
        Action::PaneNexTalk => focus(state, Pane::NexTalk),
        Action::PaneAlerts => focus(state, Pane::Alerts),
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
        Action::ReadOnly => set_read_only(state),
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
        Action::RestartService if state.read_only => {
            state.message =
                Some(Message { text: "read-only: restarting services is refused".into(), error: true });
        }
        Action::Runbooks
        | Action::RestartService
        | Action::OpenLog
        | Action::FollowLog
        | Action::SearchNext
        | Action::SearchPrev
        | Action::ToggleWrap
        | Action::CycleLevel
        | Action::SaveLog => {
            let text = format!("{}: not available in this console", action.description());
            state.message = Some(Message { text, error: true });
        }
    }
}

pub fn focus(state: &mut State, pane: Pane) {
    state.focus = pane;
}

pub fn set_read_only(state: &mut State) {
    state.read_only = true;
    let text = "read-only for the rest of this session".to_string();
    state.message = Some(Message { text, error: false });
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
fn back(state: &mut State) {
    if state.popups.pop().is_some() {
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
    let keys = pane.sort_keys();
    let current = state.table(pane).sort;
    let Some(pos) = keys.iter().position(|k| *k == current) else {
        let text = format!("{} has a fixed order", pane.title());
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
pub fn visible_rows(state: &State, pane: Pane) -> usize {
    let screen = layout::screen(layout::area(state.size), state);
    screen.pane_rect(pane).map_or(0, |r| layout::body(pane, r, state).rows.height as usize)
}

/// Keeps every visible pane's selection inside its window after whatever just happened.
fn fit_offsets(state: &mut State) {
    let screen = layout::screen(layout::area(state.size), state);
    for (pane, rect) in screen.panes.clone() {
        let height = layout::body(pane, rect, state).rows.height as usize;
        let t = state.table_mut(pane);
        t.offset = window(t.selected, t.offset, height, t.rows.len());
    }
}
