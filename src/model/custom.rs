//! Panes of CloudWatch metrics declared as data: `[[panes]]` in the config and the shipped
//! presets. A definition names the namespace, the dimension that makes the rows, and columns
//! (metric, statistic, unit, limits); a snapshot carries each pane's rows with one value per
//! column, `None` where CloudWatch had no datapoint (unknown, never 0).
//!
//! All of these panes share one snapshot section ([`Section::Panes`]); a row is identified
//! there by [`entity`] (`<pane id>/<row name>`), so findings, alerts and trends work exactly as
//! for the built-in panes.

use crate::model::health::{Health, Level};
use crate::model::metric::{Direction, Unit, format_value};
use crate::model::thresholds::Threshold;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A CloudWatch statistic: the five plain ones or a percentile (`p99`, `p99.9`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Stat {
    #[default]
    Sum,
    Average,
    Maximum,
    Minimum,
    SampleCount,
    /// The text as CloudWatch takes it (`p99`, `p99.9`).
    Percentile(String),
}

impl Stat {
    /// `Sum`, `Average`, `Maximum`, `Minimum`, `SampleCount` or `pNN` (0 < NN < 100, up to
    /// two decimals), as GetMetricData spells them.
    pub fn parse(s: &str) -> Option<Stat> {
        Some(match s {
            "Sum" => Stat::Sum,
            "Average" => Stat::Average,
            "Maximum" => Stat::Maximum,
            "Minimum" => Stat::Minimum,
            "SampleCount" => Stat::SampleCount,
            p => {
                let n = p.strip_prefix('p')?;
                let (int, frac) = n.split_once('.').unwrap_or((n, ""));
                let digits = |d: &str| d.chars().all(|c| c.is_ascii_digit());
                if int.is_empty() || int.len() > 2 || !digits(int) || frac.len() > 2 || !digits(frac) {
                    return None;
                }
                if n.ends_with('.') {
                    return None;
                }
                let v: f64 = n.parse().ok()?;
                if !(v > 0.0 && v < 100.0) {
                    return None;
                }
                Stat::Percentile(p.to_string())
            }
        })
    }

    pub fn as_str(&self) -> &str {
        match self {
            Stat::Sum => "Sum",
            Stat::Average => "Average",
            Stat::Maximum => "Maximum",
            Stat::Minimum => "Minimum",
            Stat::SampleCount => "SampleCount",
            Stat::Percentile(p) => p,
        }
    }

    /// A count per period (only recent datapoints count) rather than a level (the newest
    /// datapoint in the window stands).
    pub fn is_count(&self) -> bool {
        match self {
            Stat::Sum | Stat::SampleCount => true,
            Stat::Average | Stat::Maximum | Stat::Minimum | Stat::Percentile(_) => false,
        }
    }
}

/// The unit words of `[[panes.columns]] unit`.
pub const UNIT_NAMES: [(&str, Unit); 6] = [
    ("count", Unit::Count),
    ("pct", Unit::Percent),
    ("ms", Unit::Millis),
    ("s", Unit::Seconds),
    ("bytes", Unit::Bytes),
    ("bps", Unit::BitsPerSecond),
];

pub fn parse_unit(s: &str) -> Option<Unit> {
    UNIT_NAMES.iter().find(|(n, _)| *n == s).map(|(_, u)| *u)
}

/// What a column's value is when CloudWatch has no datapoint for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Missing {
    /// Unknown (`?`, JSON null), and a judged column's row is unknown too.
    #[default]
    Unknown,
    /// 0: for metrics AWS only emits when there is something to count (DynamoDB throttles,
    /// EventBridge failed invocations).
    Zero,
}

/// One column of a data-defined pane.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ColumnDef {
    /// The header, the key in snapshot JSON, and the name in health reasons.
    pub label: String,
    pub metric: String,
    pub stat: Stat,
    pub unit: Unit,
    pub threshold: Threshold,
    pub missing: Missing,
    /// Extra dimensions of this column's metric only (a Direct Connect interface metric).
    pub dimensions: Vec<(String, String)>,
    /// The metric's own period in seconds when it is not the console's minute (S3's daily
    /// storage metrics: 86400); `None`: one minute.
    pub period_s: Option<u32>,
}

impl Default for Threshold {
    fn default() -> Self {
        Threshold { direction: Direction::Above, warn: None, crit: None }
    }
}

impl ColumnDef {
    /// The value in the column's unit; a count that is not whole (an Average, a limit of
    /// 0.5 between a state's 0 and 1) keeps its decimal instead of rounding to a neighbour.
    pub fn format(&self, v: f64) -> String {
        if self.unit == Unit::Count && v.fract() != 0.0 {
            crate::model::metric::format_amount(v)
        } else {
            format_value(self.unit, v)
        }
    }

    /// Whether the column has limits (else it is shown for context only).
    pub fn judged(&self) -> bool {
        self.threshold.warn.is_some() || self.threshold.crit.is_some()
    }

    pub fn level(&self, v: f64) -> Level {
        self.threshold.level(v)
    }

    /// The health of one value, the reason naming the limit it crossed (`5xx 12 > 10`); a
    /// missing value of a judged column is unknown.
    pub fn health(&self, v: Option<f64>) -> Health {
        let Some(v) = v else {
            return if self.judged() {
                Health::new(Level::Unknown, format!("{} unknown (no datapoint)", self.label))
            } else {
                Health::ok()
            };
        };
        let t = &self.threshold;
        let limit = match t.level(v) {
            Level::Crit => t.crit,
            Level::Warn => t.warn,
            Level::Ok | Level::Unknown => return Health::ok(),
        };
        let op = match t.direction {
            Direction::Above => ">",
            Direction::Below => "<",
        };
        let limit = limit.map(|l| self.format(l)).unwrap_or_default();
        Health::new(t.level(v), format!("{} {} {op} {limit}", self.label, self.format(v)))
    }
}

/// A pane of CloudWatch metrics, one row per value of `row_dimension`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PaneDef {
    /// `:pane <id>`, the key in snapshot JSON.
    pub id: String,
    pub title: String,
    pub namespace: String,
    pub row_dimension: String,
    /// Names or globs (`pega-*`), resolved with ListMetrics.
    pub rows: Vec<String>,
    /// Fixed dimensions every column's metric also has (`Stage = "prod"`).
    pub dimensions: Vec<(String, String)>,
    pub columns: Vec<ColumnDef>,
    /// Where it was declared (`config.toml`, `preset lex`), for `switchboard panes`.
    pub origin: String,
}

impl PaneDef {
    /// The dimensions of `column`'s metric for the row `name`: the row dimension first, then
    /// the pane's and the column's fixed ones.
    pub fn dimensions_for(&self, column: &ColumnDef, name: &str) -> Vec<(String, String)> {
        let mut d = vec![(self.row_dimension.clone(), name.to_string())];
        d.extend(self.dimensions.iter().cloned());
        d.extend(column.dimensions.iter().cloned());
        d
    }

    /// The column whose label is `label`.
    pub fn column(&self, label: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.label == label)
    }
}

/// The identity of a row of a data-defined pane in [`Section::Panes`](crate::model::Section):
/// `crm-api/pega-prod`.
pub fn entity(pane: &str, row: &str) -> String {
    format!("{pane}/{row}")
}

/// One data-defined pane's figures in a snapshot.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PaneData {
    pub id: String,
    #[serde(skip)]
    pub def: Arc<PaneDef>,
    pub rows: Vec<PaneRow>,
    /// Rows that exist (CloudWatch lists them) but were not read: beyond the cap on a pane's
    /// rows. The pane's title counts them; 0 when every row was read.
    #[serde(skip_serializing_if = "is_zero")]
    pub unread: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PaneRow {
    pub name: String,
    /// One per column of the definition, in its order; `None`: no datapoint.
    pub values: Vec<Option<f64>>,
}

impl PaneData {
    pub fn new(def: Arc<PaneDef>, rows: Vec<PaneRow>) -> PaneData {
        PaneData { id: def.id.clone(), def, rows, unread: 0 }
    }

    /// A row's value of column `col`.
    pub fn value(&self, row: usize, col: usize) -> Option<f64> {
        self.rows.get(row).and_then(|r| r.values.get(col).copied().flatten())
    }

    /// The worst health of a row's columns, the first reason on a tie.
    pub fn row_health(&self, row: usize) -> Health {
        let mut worst = Health::ok();
        for (i, c) in self.def.columns.iter().enumerate() {
            let h = c.health(self.value(row, i));
            if h.level > worst.level {
                worst = h;
            }
        }
        worst
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(label: &str, warn: Option<f64>, crit: Option<f64>, direction: Direction) -> ColumnDef {
        ColumnDef {
            label: label.into(),
            metric: "M".into(),
            unit: Unit::Count,
            threshold: Threshold { direction, warn, crit },
            ..Default::default()
        }
    }

    #[test]
    fn stats_parse_as_cloudwatch_spells_them() {
        assert_eq!(Stat::parse("Sum"), Some(Stat::Sum));
        assert_eq!(Stat::parse("p99"), Some(Stat::Percentile("p99".into())));
        assert_eq!(Stat::parse("p99.9"), Some(Stat::Percentile("p99.9".into())));
        for bad in ["sum", "p", "p100", "p0", "p99.", "p9x", "p99.999", "max", "p-1"] {
            assert_eq!(Stat::parse(bad), None, "{bad}");
        }
        assert!(Stat::Sum.is_count() && Stat::SampleCount.is_count());
        assert!(!Stat::parse("p50").unwrap().is_count());
    }

    #[test]
    fn column_health_is_strict_names_the_limit_and_flips_below() {
        let c = col("5xx", Some(0.0), Some(10.0), Direction::Above);
        assert_eq!(c.health(Some(0.0)), Health::ok());
        assert_eq!(c.health(Some(3.0)).level, Level::Warn);
        assert_eq!(c.health(Some(12.0)).reason.as_deref(), Some("5xx 12 > 10"));
        let up = col("up", Some(1.0), Some(0.5), Direction::Below);
        assert_eq!(up.health(Some(1.0)), Health::ok());
        assert_eq!(up.health(Some(0.0)).reason.as_deref(), Some("up 0 < 0.5"));
        assert_eq!(up.health(Some(0.0)).level, Level::Crit);
    }

    #[test]
    fn a_missing_value_is_unknown_when_judged_and_nothing_otherwise() {
        let judged = col("5xx", Some(0.0), None, Direction::Above);
        assert_eq!(judged.health(None).level, Level::Unknown);
        let shown = col("count", None, None, Direction::Above);
        assert_eq!(shown.health(None), Health::ok());
        let def = Arc::new(PaneDef { id: "p".into(), columns: vec![shown, judged], ..Default::default() });
        let data = PaneData::new(def, vec![PaneRow { name: "a".into(), values: vec![Some(1.0), None] }]);
        assert_eq!(data.row_health(0).level, Level::Unknown);
        assert_eq!(data.value(0, 1), None);
        assert_eq!(data.value(0, 0), Some(1.0));
    }
}
