//! `switchboard scenarios`: the simulator's scenarios, one a line.

use super::common::print_quietly;
use crate::source::sim::Scenario;
use anyhow::Result;

pub(super) fn run() -> Result<u8> {
    let mut out = String::new();
    for s in Scenario::ALL {
        out.push_str(&format!("{:<20} {}\n", s.name(), s.description()));
    }
    print_quietly(&out)?;
    Ok(0)
}
