//! `switchboard panes`: the shipped presets and the data-defined panes the console shows, one
//! a line.

use super::common::print_quietly;
use crate::config::{Config, presets};
use crate::model::PaneDef;
use anyhow::Result;

/// One line: id, title, where the rows come from, the columns, and the file it was declared in.
pub(super) fn line(p: &PaneDef) -> String {
    let mut dims = String::new();
    for (k, v) in &p.dimensions {
        dims.push_str(&format!(" {k}={v}"));
    }
    let columns: Vec<String> =
        p.columns.iter().map(|c| format!("{} ({} {})", c.label, c.metric, c.stat.as_str())).collect();
    format!(
        "{:<16} {:<20} {} by {}: {}{dims}  columns {}  from {}",
        p.id,
        p.title,
        p.namespace,
        p.row_dimension,
        p.rows.join(", "),
        columns.join(", "),
        p.origin
    )
}

pub(super) fn run(cfg: &Config) -> Result<u8> {
    let mut out = String::from(
        "Presets (enable with presets = [\"name\", ...] in the config; the demo shows all unless the config names them):\n",
    );
    let user_dir = cfg.user_dir();
    for name in presets::available(user_dir.as_deref()) {
        let enabled = cfg.presets.as_ref().is_some_and(|p| p.contains(&name));
        let state = if enabled { "enabled" } else { "not enabled" };
        match presets::load(&name, user_dir.as_deref()) {
            Ok(panes) => {
                let ids: Vec<&str> = panes.iter().map(|p| p.id.as_str()).collect();
                let titles: Vec<&str> = panes.iter().map(|p| p.title.as_str()).collect();
                out.push_str(&format!(
                    "  {name:<16} {:<24} pane {}  {state}\n",
                    titles.join(", "),
                    ids.join(", ")
                ));
            }
            Err(e) => out.push_str(&format!("  {name:<16} cannot load: {e}\n")),
        }
    }
    out.push('\n');
    if cfg.panes.is_empty() {
        out.push_str(
            "No data-defined panes in the live console: name presets or add [[panes]] to the config (see the README, Panes from the config).\n",
        );
    } else {
        out.push_str("Panes the console shows live:\n");
    }
    for p in &cfg.panes {
        out.push_str(&line(p));
        out.push('\n');
    }
    print_quietly(&out)?;
    Ok(0)
}
