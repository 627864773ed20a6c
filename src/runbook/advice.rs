//! Advice chosen by the state it describes: a step's `[[steps.advice]]` entries each say when
//! they apply (`when = "dynamodb_throttle_events > 0"`), and the first that holds on the
//! current figures replaces the step's `help` (or a manual step's `text`), with `{value}` and
//! `{entity}` filled in from the figure that made it hold. A figure that is missing holds no
//! condition, so the plain text is used rather than a guess.

use super::def::{Advice, Step, StepKind};
use super::evaluate::metric_values;
use crate::model::Snapshot;

/// The help shown beside a failed result of `step`, for the figures in `snap`.
pub fn help_for(step: &Step, snap: Option<&Snapshot>) -> Option<String> {
    chosen(&step.advice, snap).or_else(|| step.help.clone())
}

/// A manual step's instruction, for the figures in `snap`.
pub fn text_for(step: &Step, snap: Option<&Snapshot>) -> Option<String> {
    match &step.kind {
        StepKind::Manual { text } => Some(chosen(&step.advice, snap).unwrap_or_else(|| text.clone())),
        StepKind::Check(_) | StepKind::Action(_) => None,
    }
}

fn chosen(advice: &[Advice], snap: Option<&Snapshot>) -> Option<String> {
    let snap = snap?;
    advice.iter().find_map(|a| {
        let (entity, value) = metric_values(a.metric, snap)
            .into_iter()
            .filter_map(|(e, v)| Some((e, v?)))
            .filter(|(_, v)| a.op.holds(*v, a.value))
            // The figure furthest past the limit is the one to name.
            .max_by(|x, y| x.1.total_cmp(&y.1))?;
        Some(a.text.replace("{value}", &a.metric.format(value)).replace("{entity}", &entity))
    })
}
