//! Warn / crit limits per metric and the health they give a value.

use crate::model::health::{Health, Level};
use crate::model::metric::{Direction, MetricId};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Threshold {
    pub direction: Direction,
    pub warn: Option<f64>,
    pub crit: Option<f64>,
}

impl Threshold {
    /// Level of `value`: strictly past a limit counts (`> warn` above, `< warn` below), so a
    /// warn limit of 0 means "any at all".
    pub fn level(&self, value: f64) -> Level {
        let past = |limit: Option<f64>| match (limit, self.direction) {
            (Some(l), Direction::Above) => value > l,
            (Some(l), Direction::Below) => value < l,
            (None, _) => false,
        };
        if past(self.crit) {
            Level::Crit
        } else if past(self.warn) {
            Level::Warn
        } else {
            Level::Ok
        }
    }

    /// Checks the limits are in the right order for the direction.
    pub fn validate(&self) -> Result<(), String> {
        if let (Some(w), Some(c)) = (self.warn, self.crit) {
            let ordered = match self.direction {
                Direction::Above => w <= c,
                Direction::Below => w >= c,
            };
            if !ordered {
                let rel = match self.direction {
                    Direction::Above => "at most",
                    Direction::Below => "at least",
                };
                return Err(format!("warn ({w}) must be {rel} crit ({c})"));
            }
        }
        if self.warn.is_some_and(|v| !v.is_finite()) || self.crit.is_some_and(|v| !v.is_finite()) {
            return Err("limits must be finite numbers".into());
        }
        Ok(())
    }
}

/// The limits in force: shipped defaults, with config overrides applied on top.
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds {
    limits: BTreeMap<MetricId, Threshold>,
}

impl Default for Thresholds {
    fn default() -> Self {
        let limits = MetricId::ALL
            .iter()
            .map(|&m| {
                let (warn, crit) = m.default_limits();
                (m, Threshold { direction: m.direction(), warn, crit })
            })
            .collect();
        Thresholds { limits }
    }
}

impl Thresholds {
    pub fn get(&self, metric: MetricId) -> Threshold {
        self.limits.get(&metric).copied().unwrap_or_else(|| {
            let (warn, crit) = metric.default_limits();
            Threshold { direction: metric.direction(), warn, crit }
        })
    }

    pub fn set(&mut self, metric: MetricId, threshold: Threshold) {
        self.limits.insert(metric, threshold);
    }

    /// Health of one figure, with the reason naming the limit it crossed:
    /// `oldest contact 4m12s > 3m`.
    pub fn health(&self, metric: MetricId, value: f64) -> Health {
        let t = self.get(metric);
        let level = t.level(value);
        let limit = match level {
            Level::Crit => t.crit,
            Level::Warn => t.warn,
            _ => return Health::ok(),
        };
        let op = match t.direction {
            Direction::Above => ">",
            Direction::Below => "<",
        };
        let limit = limit.map(|l| metric.format(l)).unwrap_or_default();
        Health::new(level, format!("{} {} {op} {limit}", metric.label(), metric.format(value)))
    }

    pub fn level(&self, metric: MetricId, value: f64) -> Level {
        self.get(metric).level(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn above_limits_are_strict() {
        let t = Thresholds::default();
        assert_eq!(t.level(MetricId::OldestContactAge, 60.0), Level::Ok);
        assert_eq!(t.level(MetricId::OldestContactAge, 61.0), Level::Warn);
        assert_eq!(t.level(MetricId::OldestContactAge, 180.0), Level::Warn);
        assert_eq!(t.level(MetricId::OldestContactAge, 181.0), Level::Crit);
        assert_eq!(t.level(MetricId::MissedCalls, 0.0), Level::Ok);
        assert_eq!(t.level(MetricId::MissedCalls, 1.0), Level::Warn);
    }

    #[test]
    fn below_limits_go_bad_downwards() {
        let th = Threshold { direction: Direction::Below, warn: Some(5.0), crit: Some(1.0) };
        assert_eq!(th.level(6.0), Level::Ok);
        assert_eq!(th.level(4.0), Level::Warn);
        assert_eq!(th.level(0.0), Level::Crit);
        assert!(th.validate().is_ok());
        let bad = Threshold { direction: Direction::Below, warn: Some(1.0), crit: Some(5.0) };
        assert!(bad.validate().unwrap_err().contains("at least"));
    }

    #[test]
    fn reasons_name_value_and_limit() {
        let t = Thresholds::default();
        let h = t.health(MetricId::OldestContactAge, 252.0);
        assert_eq!(h.level, Level::Crit);
        assert_eq!(h.reason.as_deref(), Some("oldest contact 4m12s > 3m"));
        let h = t.health(MetricId::LambdaErrorRate, 2.5);
        assert_eq!(h.reason.as_deref(), Some("error rate 2.5% > 1%"));
        assert_eq!(t.health(MetricId::LambdaErrorRate, 0.5), Health::ok());
    }

    #[test]
    fn overrides_replace_one_metric_only() {
        let mut t = Thresholds::default();
        t.set(
            MetricId::OldestContactAge,
            Threshold { direction: Direction::Above, warn: Some(30.0), crit: Some(90.0) },
        );
        assert_eq!(t.level(MetricId::OldestContactAge, 100.0), Level::Crit);
        assert_eq!(t.level(MetricId::ContactsInQueue, 11.0), Level::Warn);
    }

    #[test]
    fn misordered_limits_are_rejected() {
        let th = Threshold { direction: Direction::Above, warn: Some(90.0), crit: Some(10.0) };
        assert_eq!(th.validate().unwrap_err(), "warn (90) must be at most crit (10)");
    }
}
