//! Drawing: one file per pane or popup, rendering from `&State`.
