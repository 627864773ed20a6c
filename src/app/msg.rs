//! What can happen to the console (`Msg`) and what it asks the runtime to do (`Effect`).

use crate::app::incident::{IncidentOp, IncidentReply};
use crate::app::jobs::{JobId, RemoteJob};
use crate::app::log_session::{LogId, LogSource};
use crate::audit::{AuditRecord, Entry};
use crate::keymap::Key;
use crate::logview::SaveJob;
use crate::model::{Snapshot, Timestamp};
use crate::source::tailing::TailState;
use crate::source::{CommandStatus, Invocation, LogLine, SourceError};
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub enum Msg {
    /// A key pressed (the console passes presses and repeats, not releases).
    Key(Key),
    /// A mouse event the console acts on (the console drops moves and other buttons).
    Mouse(Mouse),
    Resize(u16, u16),
    /// A collection started on feed `feed` (shown as "refreshing").
    Collecting {
        feed: usize,
    },
    /// One of several sources answered (`ok`) or failed, before its result is composed.
    SourceAnswered {
        index: usize,
        ok: bool,
        at: Timestamp,
    },
    /// A collection finished; `at` is the console's wall clock when it arrived. Boxed so the
    /// small, frequent messages (keys, ticks) stay small.
    Telemetry {
        result: Result<Box<Snapshot>, SourceError>,
        at: Timestamp,
    },
    /// A collection's result as the console's intake worker took it in (`app::intake`): the
    /// same as `Telemetry` with that snapshot, with the heavy half already done.
    Prepared {
        result: Result<Box<crate::app::intake::Prepared>, SourceError>,
        at: Timestamp,
    },
    /// Where the queue figures now on screen come from (sent with each composed snapshot of
    /// a source that knows: the live one). Boxed: it is larger than a key.
    QueueSource(Option<Box<crate::source::aws::budget::QueueSource>>),
    /// Once a second, so data ages on screen keep counting.
    Tick(Timestamp),
    /// The runtime's answer to `Effect::SetTheme`: the theme's name, or why it failed.
    ThemeLoaded(Result<String, String>),
    /// The remote side accepted a command (after its `requested` record was written).
    RemoteSent {
        job: JobId,
        command_id: String,
    },
    /// A command's status on one server changed (Pending → InProgress → …).
    RemoteStatus {
        job: JobId,
        server: String,
        status: CommandStatus,
    },
    /// A command reached a terminal status on every target, or could not be sent (or was
    /// refused) at all.
    RemoteEnded {
        job: JobId,
        result: Result<Vec<Invocation>, String>,
    },
    /// A record was written to the audit log, or why it could not be. Boxed like telemetry:
    /// a record is large and rare.
    Audited(Result<Box<AuditRecord>, String>),
    /// A few times a second while something runs, to turn the spinner.
    Animate,
    /// New lines of the open log, as one batch.
    LogLines {
        log: LogId,
        lines: Vec<LogLine>,
    },
    /// How the open log's tail is doing (connecting, following, reconnecting…).
    LogState {
        log: LogId,
        state: TailState,
    },
    /// The log could not be opened at all; the text says why.
    LogOpenFailed {
        log: LogId,
        error: String,
    },
    /// A `SaveLog` finished: the file written, or why not.
    LogSaved {
        log: LogId,
        result: Result<PathBuf, String>,
    },
    /// The incident desk wrote (or failed to write) what `Effect::Incident` asked.
    Incident(IncidentReply),
    /// The flight recorder attached its window to an incident, or stopped writing (why).
    Recorder(Result<String, String>),
    /// Where the replay is now (once a second, and after each of its keys).
    Replay(crate::source::replay::ReplayStatus),
    /// The replay jumped: what it shows is rebuilt from these frames before the new position.
    ReplayRewind(Vec<crate::app::state::Earlier>),
}

/// A click or wheel notch at a cell of the screen: the console's own type, so `app` needs
/// nothing from the terminal library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mouse {
    pub kind: MouseKind,
    pub column: u16,
    pub row: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MouseKind {
    /// The left button went down.
    Click,
    ScrollUp,
    ScrollDown,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Quit,
    /// Collect now instead of waiting for the next interval (skipped if one is in flight).
    RefreshNow,
    /// Load this theme and draw with it from now on.
    SetTheme(String),
    /// Turn mouse capture on or off in the terminal.
    SetMouse(bool),
    /// Audit, send and poll a remote command; progress comes back as `Remote*` messages.
    Remote(RemoteJob),
    /// Write this record to the audit log (refusals and declines: nothing is sent).
    Audit(Entry),
    /// Open this log and pump its lines in as `LogLines` until `CloseLog`.
    OpenLog {
        log: LogId,
        source: LogSource,
    },
    /// Stop pumping this log and drop its tail (closing connections).
    CloseLog(LogId),
    /// Write the file off the UI loop; the answer comes back as `LogSaved`.
    SaveLog {
        log: LogId,
        job: SaveJob,
    },
    /// Hand this to the incident desk (files, off the UI loop); answers come as `Incident`.
    Incident(IncidentOp),
    /// Pause, seek or change the speed of the replay.
    Replay(crate::source::replay::ReplayOp),
}
