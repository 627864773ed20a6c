//! Switchboard: a terminal operator console for an Amazon Connect + NexTalk contact center.

pub mod app;
pub mod config;
pub mod file_error;
pub mod keymap;
pub mod logview;
pub mod model;
pub mod report;
pub mod sanitize;
pub mod source;
pub mod theme;
pub mod ui;
