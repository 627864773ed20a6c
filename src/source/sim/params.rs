//! How big the simulated contact center is and what goes wrong in it.

use super::scenario::Scenario;
use crate::model::PaneDef;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq)]
pub struct SimParams {
    pub seed: u64,
    pub scenario: Scenario,
    /// At least 3: the TTY Relay queue (third) must exist for NexTalk to bridge into.
    pub queues: usize,
    /// At least 1 each: the scripted incidents target the first function, stream and table.
    pub functions: usize,
    pub streams: usize,
    pub tables: usize,
    /// Data-defined panes (`[[panes]]`, presets) the demo shows figures for (see `custom`).
    pub panes: Vec<Arc<PaneDef>>,
}

impl Default for SimParams {
    fn default() -> Self {
        SimParams {
            seed: 1,
            scenario: Scenario::Calm,
            queues: 12,
            functions: 8,
            streams: 3,
            tables: 4,
            panes: Vec::new(),
        }
    }
}

impl SimParams {
    pub fn with_scenario(scenario: Scenario, seed: u64) -> Self {
        SimParams { seed, scenario, ..SimParams::default() }
    }

    /// A large instance, as the benchmark and scale tests use.
    pub fn large(seed: u64) -> Self {
        SimParams {
            seed,
            scenario: Scenario::Calm,
            queues: 1000,
            functions: 200,
            streams: 50,
            tables: 50,
            panes: Vec::new(),
        }
    }

    /// Sizes raised to the minimum the model needs.
    pub(super) fn normalised(&self) -> SimParams {
        SimParams {
            queues: self.queues.max(3),
            functions: self.functions.max(1),
            streams: self.streams.max(1),
            tables: self.tables.max(1),
            ..self.clone()
        }
    }
}
