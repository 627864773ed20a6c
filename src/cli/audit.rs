//! `switchboard audit`: the audit log printed as a table or JSON lines.

use super::args::Format;
use super::common::{audit_path, print_quietly};
use crate::audit;
use crate::config::Config;
use anyhow::{Context as _, Result};
use std::path::Path;
use std::time::Duration;

pub(super) fn run(
    cfg: &Config,
    audit_cli: Option<&Path>,
    format: Format,
    since: Option<Duration>,
) -> Result<u8> {
    let path = audit_path(cfg, audit_cli)?;
    let read = audit::read(&path, since).with_context(|| format!("reading {}", path.display()))?;
    if read.skipped > 0 {
        eprintln!("switchboard: skipped {} unreadable line(s) in {}", read.skipped, path.display());
    }
    let text = match format {
        Format::Table => audit::format_table(&read.records),
        Format::Json => {
            read.records.iter().filter_map(|r| serde_json::to_string(r).ok()).collect::<Vec<_>>().join("\n")
                + "\n"
        }
    };
    print_quietly(&text)?;
    Ok(0)
}
