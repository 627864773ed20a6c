//! Data-defined panes (`[[panes]]`, presets) in the simulator: a generic model that knows only
//! what the definition says, so any pane a team writes shows plausible figures in `demo`.
//!
//! - **Rows**: exact names as written; a glob stands for two demo rows, its `*` read as
//!   `prod` and `uat`, `?` as `1` and `2`, a `[…]` set as its first character.
//! - **Values**: each column sits at a healthy level its own limits imply — for a figure that
//!   goes bad above its warn limit, 40 % of that limit (a warn limit of 0, "any at all", gives
//!   0); for one that goes bad below, past the warn limit on the good side (a percentage
//!   stays at most 100, a 0/1 state reads 1); a column without limits takes a typical figure
//!   of its unit. Around that level it wanders ±15 % from minute to minute (for a figure that
//!   goes bad below, ±15 % of its distance above the limit; a 0 baseline stays 0), and counts
//!   are whole numbers.
//! - **Determinism**: the wander is a hash of (seed, pane, row, column, simulated minute),
//!   never the model's dice, so adding a pane changes nothing else in the simulation and a
//!   snapshot stays a pure function of the clock.

use super::estate::Estate;
use crate::model::custom::{PaneData, PaneDef, PaneRow};
use crate::model::{Direction, Unit};
use std::sync::Arc;

/// The row names a definition shows in the demo.
pub fn demo_rows(def: &PaneDef) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for pattern in &def.rows {
        if !pattern.contains(['*', '?', '[']) {
            out.push(pattern.clone());
            continue;
        }
        for (star, one) in [("prod", '1'), ("uat", '2')] {
            let mut name = String::new();
            let mut chars = pattern.chars();
            while let Some(c) = chars.next() {
                match c {
                    '*' => name.push_str(star),
                    '?' => name.push(one),
                    '[' => {
                        let set: String = chars.by_ref().take_while(|&c| c != ']').collect();
                        let first = set.trim_start_matches('!').chars().next().unwrap_or('x');
                        name.push(first);
                    }
                    c => name.push(c),
                }
            }
            let matches = glob::Pattern::new(pattern).is_ok_and(|p| p.matches(&name));
            if matches && !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

/// The healthy level a column's limits imply (see the module comment).
pub fn baseline(unit: Unit, direction: Direction, warn: Option<f64>, crit: Option<f64>) -> f64 {
    let typical = match unit {
        Unit::Count | Unit::PerMinute => 120.0,
        Unit::Percent => 35.0,
        Unit::Seconds => 0.4,
        Unit::Millis => 180.0,
        Unit::Bytes => 40e9,
        Unit::BitsPerSecond => 250e6,
    };
    match (direction, warn.or(crit)) {
        (_, None) => typical,
        (Direction::Above, Some(w)) if w <= 0.0 => 0.0,
        (Direction::Above, Some(w)) => w * 0.4,
        (Direction::Below, Some(w)) => {
            if unit == Unit::Count && w <= 1.0 {
                // A state (1 up, 0 down): healthy is up.
                1.0
            } else if unit == Unit::Percent {
                (w + (100.0 - w) * 0.8).min(100.0)
            } else {
                // Room above the limit: the larger of twice the limit and the gap to crit.
                let gap = crit.map_or(w, |c| (w - c).abs());
                w + gap.max(w)
            }
        }
    }
}

/// A number in [0, 1) from the inputs, stable across runs (FNV-1a then a mix).
pub(super) fn unit_hash(parts: &[u64], text: &str) -> f64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |b: u8| {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    };
    for p in parts {
        p.to_le_bytes().into_iter().for_each(&mut eat);
    }
    text.bytes().for_each(&mut eat);
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// The rows a pane shows in the demo: over a namespace the [`Estate`] models, its resources
/// that the pane's names and globs match (as ListMetrics would find them live); otherwise the
/// generic rows of [`demo_rows`].
pub fn rows(def: &PaneDef) -> Vec<String> {
    let Some(names) = Estate::rows(&def.namespace, &def.row_dimension) else {
        return demo_rows(def);
    };
    let mut out: Vec<String> = Vec::new();
    for pattern in &def.rows {
        let matches = |n: &str| match glob::Pattern::new(pattern) {
            Ok(p) => p.matches(n),
            Err(_) => pattern == n,
        };
        for n in names.iter().filter(|n| matches(n)) {
            if !out.iter().any(|o| o == n) {
                out.push(n.to_string());
            }
        }
        // A name written out that the estate does not have still gets a row (its figures the
        // generic model's), as a team's own resource would.
        if !pattern.contains(['*', '?', '[']) && !out.contains(pattern) {
            out.push(pattern.clone());
        }
    }
    out
}

/// The pane's figures at simulated second `t`: the estate's where it models the metric and
/// the row, the generic model's otherwise.
pub fn snapshot(def: &Arc<PaneDef>, seed: u64, t: i64, estate: &Estate) -> PaneData {
    let minute = t.div_euclid(60) as u64;
    let rows = rows(def)
        .into_iter()
        .map(|name| {
            let values = def
                .columns
                .iter()
                .map(|c| {
                    if let Some(v) = estate.value(t, &def.namespace, &c.metric, &name) {
                        return v;
                    }
                    let th = &c.threshold;
                    let base = baseline(c.unit, th.direction, th.warn, th.crit);
                    let key = format!("{}/{name}/{}", def.id, c.label);
                    let wander = 0.85 + 0.3 * unit_hash(&[seed, minute], &key);
                    // Wander around the level, never across the limit it keeps off: a figure
                    // that goes bad below wanders in its distance above the limit.
                    let mut v = match (th.direction, th.warn.or(th.crit)) {
                        (Direction::Below, Some(w)) => w + (base - w) * wander,
                        (Direction::Above | Direction::Below, _) => base * wander,
                    };
                    // A figure bounded by its healthy side stays on it (a percentage at most
                    // 100, a state exactly up).
                    if c.unit == Unit::Percent {
                        v = v.min(100.0);
                    }
                    if th.direction == Direction::Below && c.unit == Unit::Count && base == 1.0 {
                        v = 1.0;
                    }
                    if c.stat.is_count() || c.unit == Unit::Count {
                        v = v.round();
                    } else {
                        // CloudWatch-like precision: a tenth of the unit is plenty.
                        v = (v * 10.0).round() / 10.0;
                    }
                    Some(v)
                })
                .collect();
            PaneRow { name, values }
        })
        .collect();
    PaneData::new(def.clone(), rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::custom::{ColumnDef, Stat};
    use crate::model::{Level, Threshold};

    fn col(label: &str, unit: Unit, direction: Direction, warn: Option<f64>, crit: Option<f64>) -> ColumnDef {
        ColumnDef {
            label: label.into(),
            metric: label.into(),
            stat: Stat::Average,
            unit,
            threshold: Threshold { direction, warn, crit },
            ..Default::default()
        }
    }

    fn def() -> Arc<PaneDef> {
        Arc::new(PaneDef {
            id: "crm-api".into(),
            rows: vec!["pega-*".into(), "billing".into(), "api-v?".into()],
            columns: vec![
                col("5xx", Unit::Count, Direction::Above, Some(0.0), Some(10.0)),
                col("p99", Unit::Millis, Direction::Above, Some(1000.0), Some(3000.0)),
                col("success", Unit::Percent, Direction::Below, Some(99.0), Some(90.0)),
                col("state", Unit::Count, Direction::Below, Some(1.0), Some(0.5)),
                col("free", Unit::Bytes, Direction::Below, Some(10e9), Some(2e9)),
                col("bytes", Unit::Bytes, Direction::Above, None, None),
            ],
            ..Default::default()
        })
    }

    #[test]
    fn globs_become_demo_rows_that_match_them() {
        assert_eq!(demo_rows(&def()), ["pega-prod", "pega-uat", "billing", "api-v1", "api-v2"]);
    }

    #[test]
    fn every_simulated_figure_is_known_and_healthy_by_its_own_limits() {
        let d = def();
        for t in [0, 600, 3_600, 86_400] {
            let data = snapshot(&d, 7, t, &Estate::new(7));
            assert_eq!(data.rows.len(), 5);
            for r in 0..data.rows.len() {
                assert_eq!(data.row_health(r).level, Level::Ok, "t={t} {:?}", data.rows[r]);
                assert!(data.rows[r].values.iter().all(Option::is_some));
            }
            assert_eq!(data.value(0, 0), Some(0.0), "any 5xx at all is a warning: calm is 0");
            assert_eq!(data.value(0, 3), Some(1.0), "a state column reads up");
            assert!(data.value(0, 2).is_some_and(|v| v > 99.0 && v <= 100.0));
        }
    }

    #[test]
    fn figures_wander_by_the_minute_and_replay_by_seed() {
        let d = def();
        let p99 = |seed, t| snapshot(&d, seed, t, &Estate::new(seed)).value(0, 1);
        assert_eq!(p99(7, 600), p99(7, 630), "one value per simulated minute");
        assert_ne!(p99(7, 600), p99(7, 660));
        assert_eq!(p99(7, 600), snapshot(&d, 7, 600, &Estate::new(7)).value(0, 1));
        assert_ne!(p99(7, 600), p99(8, 600));
        let v = p99(7, 600).unwrap();
        assert!((340.0..=460.0).contains(&v), "around 40 % of the 1 s warn limit: {v}");
    }
}
