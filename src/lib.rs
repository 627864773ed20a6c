//! Switchboard: a terminal operator console for an Amazon Connect + NexTalk contact center.

pub mod app;
pub mod audit;
pub mod cli;
pub mod config;
pub mod console;
pub mod file_error;
pub mod headless;
pub mod incident;
pub mod keymap;
pub mod logview;
pub mod model;
pub mod notify;
pub mod report;
pub mod runbook;
pub mod safe_terminal;
pub mod sanitize;
pub mod source;
pub mod theme;
pub mod ui;
