//! The log view inside the console: which log is open, opening it (from a row with `l`, or
//! from a runbook step), its keys, and the lines and states the runtime's pump brings in.
//!
//! One log at a time, as `Popup::Log` on the overlay stack, which owns the session: `Esc` pops
//! it and the panes (and any overlay under it, such as the runbook run) are exactly as they
//! were. The runtime pumps the tail while the view is open and drops it on `Effect::CloseLog`,
//! which every way of closing the overlay sends (`State::close_top`, `State::close_log`).

use crate::app::msg::Effect;
use crate::app::state::{Message, Mode, Popup, State};
use crate::keymap::Action;
use crate::logview::{LogView, LogViewOutcome};
use crate::source::tailing::TailState;
use crate::source::{LogLine, Target};
use std::path::PathBuf;

/// One opened log, numbered by `State`, never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LogId(pub u64);

/// Which log to open; the runtime's `LogOpener` turns it into a tail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogSource {
    /// The newest NexTalk log of this server.
    Server(String),
    /// The error log of this Lambda function.
    Lambda(String),
}

impl LogSource {
    /// The view's title, also the stem of a saved file's name.
    pub fn title(&self) -> String {
        match self {
            LogSource::Server(s) => format!("{s} NexTalk log"),
            LogSource::Lambda(f) => format!("{f} Lambda error log"),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            LogSource::Server(n) | LogSource::Lambda(n) => n,
        }
    }
}

#[derive(Debug, Clone)]
pub struct LogSession {
    pub id: LogId,
    pub source: LogSource,
    pub view: LogView,
}

/// Opens `source` in the view, replacing any log already open.
pub fn open(state: &mut State, source: LogSource, fx: &mut Vec<Effect>) -> LogId {
    close(state, fx);
    let id = state.new_log_id();
    let mut view = LogView::new(source.title(), state.log_capacity);
    view.set_status(TailState::Connecting { to: source.name().to_string() });
    state.popups.push(Popup::Log(LogSession { id, source: source.clone(), view }));
    fx.push(Effect::OpenLog { log: id, source });
    id
}

/// Closes the open log, if any, and stops its tail.
pub fn close(state: &mut State, fx: &mut Vec<Effect>) {
    state.close_log(fx);
}

/// `l` on a row: a NexTalk server (or one of its services) opens the server's log, a Lambda
/// function its error log.
pub fn open_selected(state: &mut State, fx: &mut Vec<Effect>) -> Result<(), String> {
    let pane = state.focus;
    let not_here = || "logs open from a NexTalk server row or a Lambda function row".to_string();
    let row = state.selected_row(pane).ok_or_else(not_here)?;
    let source = state.pane(pane).rows.log_source(state, row).ok_or_else(not_here)?;
    open(state, source, fx);
    Ok(())
}

/// A runbook's open-log step: the first server's log (the view shows one log); the others are
/// named in the view so nobody thinks they were read.
pub fn open_servers(state: &mut State, servers: &[Target], fx: &mut Vec<Effect>) -> Result<(), String> {
    let Some((first, rest)) = servers.split_first() else {
        return Err("no server to open the log of".into());
    };
    open(state, LogSource::Server(first.server.clone()), fx);
    if !rest.is_empty()
        && let Some(session) = state.log_mut()
    {
        let others: Vec<&str> = rest.iter().map(|t| t.server.as_str()).collect();
        session.view.set_notice(format!("also asked: {} (open from its NexTalk row)", others.join(", ")));
    }
    Ok(())
}

/// An action while the log view has the keyboard. Returns false for the few console actions
/// that still apply on top of it (help, read-only, runbooks…); everything else is the view's,
/// so the panes behind it never move unseen.
pub fn action(state: &mut State, action: Action, fx: &mut Vec<Effect>) -> bool {
    match action {
        Action::Help
        | Action::ReadOnly
        | Action::ToggleMouse
        | Action::Refresh
        | Action::CommandPalette
        | Action::Runbooks => return false,
        // Like `q` in every other overlay: close it, never end the session from inside it.
        Action::Quit => {
            close(state, fx);
            return true;
        }
        _ => {}
    }
    let Some(Popup::Log(session)) = state.popups.last_mut() else { return false };
    match session.view.handle(action) {
        LogViewOutcome::Handled | LogViewOutcome::Ignored => {}
        LogViewOutcome::Close => close(state, fx),
        LogViewOutcome::StartSearch => {
            state.mode = Mode::Search;
            state.input = session.view.search_query().unwrap_or_default().to_string();
        }
        LogViewOutcome::Save(job) => {
            session.view.set_notice(format!("saving {} lines…", job.line_count()));
            fx.push(Effect::SaveLog { log: session.id, job });
        }
    }
    true
}

/// Enter on the search prompt.
pub fn search(state: &mut State, query: &str) {
    if let Some(session) = state.log_mut() {
        session.view.set_search(query);
    }
}

/// Lines for log `id`; those of a log closed meanwhile are dropped. True when on screen.
pub fn on_lines(state: &mut State, id: LogId, lines: Vec<LogLine>) -> bool {
    match state.log_mut().filter(|s| s.id == id) {
        Some(session) => {
            session.view.push_lines(lines);
            true
        }
        None => false,
    }
}

pub fn on_state(state: &mut State, id: LogId, tail: TailState) -> bool {
    match state.log_mut().filter(|s| s.id == id) {
        Some(session) => {
            session.view.set_status(tail);
            true
        }
        None => false,
    }
}

/// The opener refused: no view stays open on a log that will never come; the reason goes to
/// the status line.
pub fn on_open_failed(state: &mut State, id: LogId, error: String, fx: &mut Vec<Effect>) {
    let Some(session) = state.log().filter(|s| s.id == id) else { return };
    // The reason first: the status line is short at 80 columns and the name is on screen.
    let name = session.source.name().to_string();
    close(state, fx);
    state.message = Some(Message { text: format!("{error} ({name})"), error: true });
}

pub fn on_saved(state: &mut State, id: LogId, result: Result<PathBuf, String>) {
    let (text, error) = match result {
        Ok(path) => (format!("saved to {}", path.display()), false),
        Err(e) => (format!("not saved: {e}"), true),
    };
    if let Some(session) = state.log_mut().filter(|s| s.id == id) {
        session.view.set_notice(text.clone());
    }
    state.message = Some(Message { text, error });
}
