//! `switchboard panes`: the data-defined panes the console shows, one a line.

use super::common::print_quietly;
use crate::config::Config;
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
    let mut out = String::new();
    if cfg.panes.is_empty() {
        out.push_str(
            "No data-defined panes: add [[panes]] to the config (see the README, Panes from the config).\n",
        );
    }
    for p in &cfg.panes {
        out.push_str(&line(p));
        out.push('\n');
    }
    print_quietly(&out)?;
    Ok(0)
}
