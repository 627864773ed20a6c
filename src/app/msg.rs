//! What can happen to the console (`Msg`) and what it asks the runtime to do (`Effect`).

use crate::model::{Snapshot, Timestamp};
use crate::source::SourceError;
use crossterm::event::{KeyEvent, MouseEvent};

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// A collection started (shown as "refreshing").
    Collecting,
    /// A collection finished; `at` is the console's wall clock when it arrived. Boxed so the
    /// small, frequent messages (keys, ticks) stay small.
    Telemetry {
        result: Result<Box<Snapshot>, SourceError>,
        at: Timestamp,
    },
    /// Once a second, so data ages on screen keep counting.
    Tick(Timestamp),
    /// The runtime's answer to `Effect::SetTheme`: the theme's name, or why it failed.
    ThemeLoaded(Result<String, String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Quit,
    /// Collect now instead of waiting for the next interval (skipped if one is in flight).
    RefreshNow,
    /// Load this theme and draw with it from now on.
    SetTheme(String),
    /// Turn mouse capture on or off in the terminal.
    SetMouse(bool),
}
