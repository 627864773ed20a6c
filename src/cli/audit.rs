//! `switchboard audit`: the audit log printed as a table or JSON lines; `audit verify` checks
//! its hash chain.

use super::args::Format;
use super::common::{audit_path, print_json, print_quietly, warn};
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
        warn(format_args!("skipped {} unreadable line(s) in {}", read.skipped, path.display()));
    }
    match format {
        // Each field is escaped inside its cell (see `audit::format_table`).
        Format::Table => print_quietly(&audit::format_table(&read.records))?,
        Format::Json => {
            let lines: Vec<String> =
                read.records.iter().filter_map(|r| serde_json::to_string(r).ok()).collect();
            print_json(&(lines.join("\n") + "\n"))?
        }
    }
    Ok(0)
}

/// `audit verify`: 0 intact (or unchained, said so), 1 tampered, 3 (an error) unreadable.
pub(super) fn verify(cfg: &Config, audit_cli: Option<&Path>) -> Result<u8> {
    let path = audit_path(cfg, audit_cli)?;
    let verdict = audit::verify(&path).with_context(|| format!("verifying {}", path.display()))?;
    let text = verdict.describe(&path);
    match &verdict {
        audit::Verdict::Intact { .. } => print_quietly(&text)?,
        // The finding goes to stderr, where a script's error handling looks.
        audit::Verdict::Broken { .. } => eprint!("switchboard: {}", crate::sanitize::sanitize_text(&text)),
    }
    Ok(verdict.exit_code())
}
