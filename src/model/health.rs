//! Health levels and the reason that goes with them.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Ordered from best to worst, so `max()` gives the worst of several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    #[default]
    Ok,
    Unknown,
    Warn,
    Crit,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::Ok, Level::Unknown, Level::Warn, Level::Crit];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Unknown => "unknown",
            Level::Warn => "warn",
            Level::Crit => "crit",
        }
    }

    /// A glyph so that colour is never the only signal.
    pub fn symbol(self) -> &'static str {
        match self {
            Level::Ok => "✓",
            Level::Unknown => "?",
            Level::Warn => "▲",
            Level::Crit => "✖",
        }
    }

    /// Monitoring-plugin exit status: 0 ok, 1 warn, 2 crit, 3 unknown.
    pub fn exit_code(self) -> i32 {
        match self {
            Level::Ok => 0,
            Level::Warn => 1,
            Level::Crit => 2,
            Level::Unknown => 3,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A level with the reason a person reads: `oldest contact 4m12s > 3m`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Health {
    pub level: Level,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Health {
    pub fn ok() -> Self {
        Health { level: Level::Ok, reason: None }
    }

    pub fn new(level: Level, reason: impl Into<String>) -> Self {
        Health { level, reason: Some(reason.into()) }
    }

    /// The worse of two; on a tie the first reason stays.
    pub fn worst(self, other: Health) -> Health {
        if other.level > self.level { other } else { self }
    }
}
