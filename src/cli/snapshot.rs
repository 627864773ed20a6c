//! `switchboard snapshot`: one snapshot printed, its health as the exit status.

use super::args::{Format, SimArgs};
use super::common::{print_json, print_quietly, sim_params, warn};
use super::live;
use crate::config::Config;
use crate::headless::demo_snapshot;
use crate::report::Report;
use crate::source::aws::AwsOptions;
use anyhow::Result;
use std::time::Duration;

pub(super) fn run(
    cfg: &Config,
    aws_options: &AwsOptions,
    demo: bool,
    sim: &SimArgs,
    at: u64,
    format: Format,
) -> Result<u8> {
    let taken = if demo {
        let params = sim_params(cfg, sim)?;
        demo_snapshot(params, Duration::from_secs(at), &cfg.thresholds())
    } else {
        match live::snapshot(cfg, aws_options) {
            Ok(taken) => taken,
            Err(e) => {
                // "Could not collect", as monitoring checks expect.
                warn(format_args!("{e:#}"));
                return Ok(3);
            }
        }
    };
    let report = Report::new(&taken.snapshot, &taken.assessment, &taken.alerts);
    match format {
        Format::Json => print_json(&(report.to_json() + "\n"))?,
        Format::Table => print_quietly(&report.to_table())?,
    }
    Ok(report.health.exit_code() as u8)
}
