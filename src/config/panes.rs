//! `[[panes]]`: panes of CloudWatch metrics a team declares without a rebuild, each problem
//! reported at its key.
//!
//! ```toml
//! [[panes]]
//! id = "crm-api"
//! title = "CRM API"
//! namespace = "AWS/ApiGateway"
//! row_dimension = "ApiName"
//! rows = ["pega-*"]                 # names or globs, resolved with ListMetrics
//! dimensions = { Stage = "prod" }   # optional
//! [[panes.columns]]
//! label = "5xx"
//! metric = "5XXError"
//! stat = "Sum"                      # Sum, Average, Maximum, Minimum, SampleCount, pNN
//! unit = "count"                    # count, pct, ms, s, bytes, bps
//! warn = 0                          # strictly above; `below = true` flips it
//! crit = 10
//! ```

use super::raw::{RawColumn, RawPane};
use super::validate::Checker;
use crate::file_error::FileError;
use crate::model::custom::{ColumnDef, Missing, PaneDef, Stat, UNIT_NAMES, parse_unit};
use crate::model::{Direction, Section, Threshold};
use crate::source::aws::names::NamePattern;
use serde_spanned::Spanned;
use std::collections::BTreeMap;
use std::ops::Range;

/// Columns per pane: a row is one line of a table.
pub const MAX_COLUMNS: usize = 12;
/// CloudWatch allows 30 dimensions per metric.
const MAX_DIMENSIONS: usize = 30;
/// Keys a row already has in snapshot JSON.
const RESERVED_LABELS: [&str; 3] = ["name", "health", "reason"];

fn id_ok(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 32
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// CloudWatch names (namespaces, metrics, dimension names and values): 1-255 printable
/// characters.
fn cw_name(what: &str, s: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        return Err(format!("{what} must not be empty"));
    }
    if s.len() > 255 {
        return Err(format!("{what} is longer than 255 characters"));
    }
    if s.chars().any(char::is_control) {
        return Err(format!("{what} {s:?} contains a control character"));
    }
    Ok(())
}

impl Checker<'_> {
    fn named(&self, v: &Spanned<String>, what: &str) -> Result<String, FileError> {
        cw_name(what, v.get_ref()).map_err(|m| self.at(v.span(), m))?;
        Ok(v.get_ref().clone())
    }

    fn dims(
        &self,
        raw: &BTreeMap<Spanned<String>, Spanned<String>>,
        row_dimension: &str,
    ) -> Result<Vec<(String, String)>, FileError> {
        let mut out = Vec::new();
        for (k, v) in raw {
            let name = self.named(k, "a dimension name")?;
            if name == row_dimension {
                return Err(
                    self.at(k.span(), format!("{name} is the row_dimension; its values are the rows"))
                );
            }
            out.push((name, self.named(v, "a dimension value")?));
        }
        Ok(out)
    }

    /// Every `[[panes]]` table, in order; `origin` names where they were declared.
    pub(super) fn panes(&self, raw: Vec<Spanned<RawPane>>, origin: &str) -> Result<Vec<PaneDef>, FileError> {
        let mut out: Vec<PaneDef> = Vec::new();
        for table in raw {
            let span = table.span();
            let p = table.into_inner();
            let id = p.id.get_ref();
            if !id_ok(id) {
                return Err(self.at(
                    p.id.span(),
                    format!("bad pane id {id:?} (1-32 of a-z, 0-9, - and _, starting with a letter)"),
                ));
            }
            if Section::ALL.iter().any(|s| s.key() == id) || id == "alerts" {
                return Err(self.at(p.id.span(), format!("{id:?} is a built-in pane")));
            }
            if out.iter().any(|d| d.id == *id) {
                return Err(self.at(p.id.span(), format!("two [[panes]] have the id {id:?}")));
            }
            let title = match &p.title {
                Some(t) => {
                    let s = t.get_ref();
                    if s.trim().is_empty() || s.chars().count() > 40 || s.chars().any(char::is_control) {
                        return Err(self.at(t.span(), "title must be 1-40 printable characters"));
                    }
                    s.clone()
                }
                None => id.clone(),
            };
            let namespace = self.named(&p.namespace, "namespace")?;
            let row_dimension = self.named(&p.row_dimension, "row_dimension")?;
            if p.rows.get_ref().is_empty() {
                return Err(self.at(p.rows.span(), "rows must name at least one row (a name or a glob)"));
            }
            let mut rows = Vec::new();
            for r in p.rows.get_ref() {
                NamePattern::parse(r.get_ref()).map_err(|m| self.at(r.span(), format!("row {m}")))?;
                rows.push(r.get_ref().clone());
            }
            let dimensions = self.dims(&p.dimensions, &row_dimension)?;
            if p.columns.is_empty() {
                return Err(
                    self.at(span.clone(), format!("pane {id:?} needs at least one [[panes.columns]]"))
                );
            }
            if p.columns.len() > MAX_COLUMNS {
                return Err(self
                    .at(p.columns[MAX_COLUMNS].span(), format!("a pane has at most {MAX_COLUMNS} columns")));
            }
            let mut columns: Vec<ColumnDef> = Vec::new();
            for c in p.columns {
                let c_span = c.span();
                let col = self.column(c.into_inner(), c_span, &row_dimension)?;
                if 1 + dimensions.len() + col.dimensions.len() > MAX_DIMENSIONS {
                    return Err(
                        self.at(span.clone(), format!("a metric has at most {MAX_DIMENSIONS} dimensions"))
                    );
                }
                if columns.iter().any(|x| x.label == col.label) {
                    return Err(self.at(span.clone(), format!("two columns are labelled {:?}", col.label)));
                }
                columns.push(col);
            }
            out.push(PaneDef {
                id: id.clone(),
                title,
                namespace,
                row_dimension,
                rows,
                dimensions,
                columns,
                origin: origin.to_string(),
            });
        }
        Ok(out)
    }

    fn column(&self, c: RawColumn, span: Range<usize>, row_dimension: &str) -> Result<ColumnDef, FileError> {
        let label = c.label.get_ref();
        if label.trim().is_empty() || label.chars().count() > 16 || label.chars().any(char::is_control) {
            return Err(self.at(c.label.span(), "label must be 1-16 printable characters"));
        }
        if RESERVED_LABELS.contains(&label.as_str()) {
            return Err(self.at(c.label.span(), format!("label {label:?} is taken by the row itself")));
        }
        let metric = self.named(&c.metric, "metric")?;
        let stat = match &c.stat {
            None => Stat::Sum,
            Some(s) => Stat::parse(s.get_ref()).ok_or_else(|| {
                self.at(
                    s.span(),
                    format!(
                        "unknown stat {:?} (Sum, Average, Maximum, Minimum, SampleCount or a percentile like p99)",
                        s.get_ref()
                    ),
                )
            })?,
        };
        let unit = match &c.unit {
            None => crate::model::Unit::Count,
            Some(u) => parse_unit(u.get_ref()).ok_or_else(|| {
                let names: Vec<&str> = UNIT_NAMES.iter().map(|(n, _)| *n).collect();
                self.at(u.span(), format!("unknown unit {:?} ({})", u.get_ref(), names.join(", ")))
            })?,
        };
        let limit = |v: &Option<Spanned<f64>>| -> Result<Option<f64>, FileError> {
            match v {
                Some(v) if !v.get_ref().is_finite() => {
                    Err(self.at(v.span(), "limits must be finite numbers"))
                }
                Some(v) => Ok(Some(*v.get_ref())),
                None => Ok(None),
            }
        };
        let direction = if c.below { Direction::Below } else { Direction::Above };
        let threshold = Threshold { direction, warn: limit(&c.warn)?, crit: limit(&c.crit)? };
        threshold.validate().map_err(|m| {
            let at = c.warn.as_ref().map_or(span.clone(), Spanned::span);
            self.at(at, format!("column {label:?}: {m}"))
        })?;
        let missing = match &c.missing {
            None => Missing::Unknown,
            Some(m) => match m.get_ref().as_str() {
                "unknown" => Missing::Unknown,
                "zero" => Missing::Zero,
                other => {
                    return Err(self.at(m.span(), format!("unknown missing {other:?} (unknown or zero)")));
                }
            },
        };
        let period_s = match &c.period {
            None => None,
            Some(p) => {
                let d = humantime::parse_duration(p.get_ref())
                    .map_err(|e| self.at(p.span(), format!("bad period {:?}: {e}", p.get_ref())))?;
                let s = d.as_secs();
                // GetMetricData takes periods in whole minutes; a day is the longest any AWS
                // metric a pane would show is published at.
                if d.subsec_nanos() != 0 || s % 60 != 0 || !(60..=86_400).contains(&s) {
                    return Err(self.at(p.span(), "period must be whole minutes from 1m to 1d"));
                }
                (s != 60).then_some(s as u32)
            }
        };
        Ok(ColumnDef {
            period_s,
            label: label.clone(),
            metric,
            stat,
            unit,
            threshold,
            missing,
            dimensions: self.dims(&c.dimensions, row_dimension)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::model::custom::Stat;
    use crate::model::{Direction, Unit};
    use std::path::Path;

    /// Shared with the live (ministack) and render tests; its line numbers are in the errors below.
    const PANE: &str = include_str!("../../tests/fixtures/panes/crm-api.toml");

    fn err(src: &str) -> String {
        Config::from_str(Path::new("c.toml"), src).unwrap_err().to_string()
    }

    #[test]
    fn the_issue_contract_parses() {
        let c = Config::from_str(Path::new("c.toml"), PANE).unwrap();
        let p = &c.panes[0];
        assert_eq!(
            (p.id.as_str(), p.title.as_str(), p.namespace.as_str()),
            ("crm-api", "CRM API", "AWS/ApiGateway")
        );
        assert_eq!(p.rows, ["pega-*"]);
        assert_eq!(p.dimensions, [("Stage".to_string(), "prod".to_string())]);
        assert_eq!(p.columns[1].stat, Stat::Percentile("p99".into()));
        assert_eq!(p.columns[1].unit, Unit::Millis);
        assert_eq!((p.columns[0].threshold.warn, p.columns[0].threshold.crit), (Some(0.0), Some(10.0)));
        assert_eq!(p.columns[0].threshold.direction, Direction::Above);
        // The AWS backend plans the same panes.
        let aws = Config::from_str(Path::new("c.toml"), &format!("[aws]\n{PANE}")).unwrap();
        assert_eq!(aws.aws.unwrap().panes.len(), 1);
    }

    #[test]
    fn problems_are_pointed_at_their_key() {
        assert_eq!(
            err(&PANE.replace("\"p99\"\nunit", "\"p100\"\nunit")),
            "c.toml:19:8: unknown stat \"p100\" (Sum, Average, Maximum, Minimum, SampleCount or a percentile like p99)"
        );
        assert_eq!(
            err(&PANE.replace("\"ms\"", "\"hours\"")),
            "c.toml:20:8: unknown unit \"hours\" (count, pct, ms, s, bytes, bps)"
        );
        assert_eq!(
            err(&PANE.replace("\"crm-api\"", "\"queues\"")),
            "c.toml:3:6: \"queues\" is a built-in pane"
        );
        assert_eq!(
            err(&PANE.replace("warn = 1000", "warn = 5000")),
            "c.toml:21:8: column \"p99\": warn (5000) must be at most crit (3000)"
        );
        assert_eq!(
            err(&PANE.replace("rows = [\"pega-*\"]", "rows = []")),
            "c.toml:7:8: rows must name at least one row (a name or a glob)"
        );
        assert_eq!(
            err(&PANE.replace("label = \"p99\"", "label = \"5xx\"")),
            "c.toml:2:1: two columns are labelled \"5xx\""
        );
        assert_eq!(err(&format!("{PANE}{PANE}")), "c.toml:25:6: two [[panes]] have the id \"crm-api\"");
        assert_eq!(
            err(&PANE.replace("Stage", "ApiName")),
            "c.toml:8:16: ApiName is the row_dimension; its values are the rows"
        );
        assert!(
            err(&PANE.replace("stat = \"Sum\"", "stat = \"Sum\"\nbogus = 1"))
                .starts_with("c.toml:13:1: unknown field `bogus`")
        );
    }

    #[test]
    fn a_column_may_have_a_period_of_whole_minutes_up_to_a_day() {
        let with = |p: &str| PANE.replace("unit = \"ms\"", &format!("unit = \"ms\"\nperiod = \"{p}\""));
        let c = Config::from_str(Path::new("c.toml"), &with("1d")).unwrap();
        assert_eq!((c.panes[0].columns[0].period_s, c.panes[0].columns[1].period_s), (None, Some(86_400)));
        assert_eq!(
            Config::from_str(Path::new("c.toml"), &with("1m")).unwrap().panes[0].columns[1].period_s,
            None
        );
        for bad in ["90s", "2d", "0s"] {
            assert_eq!(err(&with(bad)), "c.toml:21:10: period must be whole minutes from 1m to 1d", "{bad}");
        }
        assert!(err(&with("daily")).starts_with("c.toml:21:10: bad period \"daily\""));
    }

    #[test]
    fn below_flips_the_direction_and_missing_may_be_zero() {
        let src =
            PANE.replace("warn = 0\ncrit = 10", "warn = 99\ncrit = 90\nbelow = true\nmissing = \"zero\"");
        let c = Config::from_str(Path::new("c.toml"), &src).unwrap();
        let col = &c.panes[0].columns[0];
        assert_eq!(col.threshold.direction, Direction::Below);
        assert_eq!(col.missing, crate::model::custom::Missing::Zero);
    }
}
