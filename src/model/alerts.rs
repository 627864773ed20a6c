//! Alerts: findings at warn or worse, with the time each began, kept across snapshots.

use crate::model::assess::Finding;
use crate::model::health::Level;
use crate::model::telemetry::Section;
use crate::model::time::Timestamp;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    #[serde(skip)]
    pub key: String,
    pub severity: Level,
    pub what: String,
    pub reason: String,
    pub since: Timestamp,
    pub section: Section,
    #[serde(skip)]
    pub entity: String,
}

/// Remembers when each alert started; an alert that clears and comes back starts anew.
#[derive(Debug, Default, Clone)]
pub struct AlertBook {
    started: HashMap<String, Timestamp>,
}

impl AlertBook {
    /// Active alerts for these findings, worst first, then oldest first.
    pub fn update(&mut self, findings: &[Finding], now: Timestamp) -> Vec<Alert> {
        let mut alerts: Vec<Alert> = findings
            .iter()
            .filter(|f| f.level >= Level::Warn)
            .map(|f| {
                let since = *self.started.entry(f.key.clone()).or_insert(now);
                Alert {
                    key: f.key.clone(),
                    severity: f.level,
                    what: f.what.clone(),
                    reason: f.reason.clone(),
                    since,
                    section: f.section,
                    entity: f.entity.clone(),
                }
            })
            .collect();
        // Looked up in a set: a scan of the alerts per kept start was quadratic, ~5 ms of a
        // 1,000-queue snapshot with a few hundred alerts.
        let live: HashSet<&str> = alerts.iter().map(|a| a.key.as_str()).collect();
        self.started.retain(|k, _| live.contains(k.as_str()));
        alerts
            .sort_by(|a, b| b.severity.cmp(&a.severity).then(a.since.cmp(&b.since)).then(a.key.cmp(&b.key)));
        alerts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(key: &str, level: Level) -> Finding {
        Finding {
            key: key.into(),
            section: Section::Queues,
            entity: "q".into(),
            level,
            what: "queue q".into(),
            reason: "r".into(),
            metric: None,
        }
    }

    #[test]
    fn alerts_keep_their_start_until_they_clear() {
        let mut book = AlertBook::default();
        let t0 = Timestamp::from_secs(100);
        let a = book.update(&[finding("a", Level::Warn)], t0);
        assert_eq!(a[0].since, t0);
        // Escalation keeps the original start.
        let a =
            book.update(&[finding("a", Level::Crit), finding("b", Level::Warn)], Timestamp::from_secs(160));
        assert_eq!(a[0].key, "a");
        assert_eq!(a[0].since, t0);
        assert_eq!(a[1].since, Timestamp::from_secs(160));
        // Cleared, then back: a new start.
        assert!(book.update(&[], Timestamp::from_secs(200)).is_empty());
        let a = book.update(&[finding("a", Level::Warn)], Timestamp::from_secs(260));
        assert_eq!(a[0].since, Timestamp::from_secs(260));
    }

    #[test]
    fn unknown_and_ok_are_not_alerts_and_crit_sorts_first() {
        let mut book = AlertBook::default();
        let t = Timestamp::from_secs(1);
        let a = book
            .update(&[finding("u", Level::Unknown), finding("w", Level::Warn), finding("c", Level::Crit)], t);
        let keys: Vec<_> = a.iter().map(|a| a.key.as_str()).collect();
        assert_eq!(keys, ["c", "w"]);
    }
}
