//! Headless snapshots of the simulator: advance it to a point in simulated time, keeping the
//! alert book up to date on the way so each alert's `since` is when it really began.

use crate::model::{Alert, AlertBook, Assessment, Snapshot, Thresholds, assess};
use crate::source::sim::{SimParams, Simulator};
use std::time::Duration;

/// How often alerts are re-evaluated on the way to the snapshot time (as a console refreshing
/// every few seconds would see them).
pub const ALERT_STEP: Duration = Duration::from_secs(5);

pub struct Taken {
    pub snapshot: Snapshot,
    pub assessment: Assessment,
    pub alerts: Vec<Alert>,
}

/// The simulated instants at which the alert book is brought up to date on the way to `at`
/// (every [`ALERT_STEP`], and `at` itself): `snapshot --demo` and the demo console both date
/// their alerts from these, so the two agree on how old each alert is.
pub fn alert_times(at: Duration) -> impl Iterator<Item = Duration> {
    let mut t = Duration::ZERO;
    std::iter::from_fn(move || {
        (t < at).then(|| {
            t = (t + ALERT_STEP).min(at);
            t
        })
    })
}

/// Runs a fresh simulator to `at` and takes one snapshot.
pub fn demo_snapshot(params: SimParams, at: Duration, thresholds: &Thresholds) -> Taken {
    let mut sim = Simulator::new(params);
    let mut book = AlertBook::default();
    for t in alert_times(at) {
        sim.advance_to(t);
        let s = sim.snapshot();
        book.update(&assess(&s, thresholds).findings, s.taken_at);
    }
    let snapshot = sim.snapshot();
    let assessment = assess(&snapshot, thresholds);
    let alerts = book.update(&assessment.findings, snapshot.taken_at);
    Taken { snapshot, assessment, alerts }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Level;
    use crate::source::sim::Scenario;

    #[test]
    fn alerts_since_is_when_the_incident_began_not_the_snapshot_time() {
        let p = SimParams::with_scenario(Scenario::ChatBridgeDown, 7);
        let t = demo_snapshot(p, Duration::from_secs(600), &Thresholds::default());
        let bridge = t.alerts.iter().find(|a| a.reason.contains("Chat Bridge is Stopped")).unwrap();
        assert_eq!(bridge.severity, Level::Crit);
        let age = t.snapshot.taken_at.since(bridge.since);
        assert!(age >= Duration::from_secs(470) && age <= Duration::from_secs(485), "age {age:?}");
    }
}
