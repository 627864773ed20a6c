//! From TOML text to a validated `Runbook`. Every error names file:line:col, pointing at the
//! offending value, so a team editing its own SOPs is told exactly what to fix.

use super::def::*;
use super::validate;
use crate::file_error::FileError;
use crate::model::{MetricId, Section};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::Path;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRunbook {
    id: Spanned<String>,
    title: Spanned<String>,
    summary: Spanned<String>,
    #[serde(default)]
    applies_to: RawApplies,
    #[serde(default)]
    params: BTreeMap<Spanned<String>, Spanned<String>>,
    steps: Spanned<Vec<Spanned<RawStep>>>,
    escalation: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawApplies {
    #[serde(default)]
    sections: Vec<Spanned<String>>,
    #[serde(default)]
    metrics: Vec<Spanned<String>>,
    #[serde(default)]
    services: Vec<Spanned<String>>,
    #[serde(default)]
    fixes: Vec<Spanned<String>>,
    #[serde(default)]
    diagnoses: Vec<Spanned<String>>,
}

type S<T> = Option<Spanned<T>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAdvice {
    when: Spanned<String>,
    text: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    id: Spanned<String>,
    title: Spanned<String>,
    kind: Spanned<String>,
    help: S<String>,
    #[serde(default)]
    advice: Vec<RawAdvice>,
    // kind = "check"
    check: S<String>,
    metric: S<String>,
    entity: S<String>,
    service: S<String>,
    services: S<Vec<Spanned<String>>>,
    via: S<String>,
    name: S<String>,
    host: S<String>,
    port: S<i64>,
    to: S<String>,
    pattern: S<String>,
    lines: S<i64>,
    expect: S<String>,
    max_pct: S<f64>,
    pane: S<String>,
    column: S<String>,
    advisory: S<bool>,
    // kind = "action"
    action: S<String>,
    on: S<String>,
    verifies: S<String>,
    flag: S<String>,
    value: S<String>,
    capacity: S<String>,
    grow_pct: S<i64>,
    autoscale_pct: S<i64>,
    /// `share_queue` / `unshare_queue`: a `[[queue_shares]]` name.
    share: S<String>,
    verify_within: S<i64>,
    after: S<Vec<Spanned<String>>>,
    requires: S<Vec<Spanned<String>>>,
    // kind = "manual"
    text: S<String>,
}

impl RawStep {
    /// The optional fields that are present, with where they are: used to refuse fields that do
    /// not apply to the step's kind (a `port` on a `dns` check is a mistake worth reporting).
    fn present(&self) -> Vec<(&'static str, Range<usize>)> {
        fn sp<T>(name: &'static str, v: &S<T>) -> Option<(&'static str, Range<usize>)> {
            v.as_ref().map(|s| (name, s.span()))
        }
        [
            sp("check", &self.check),
            sp("metric", &self.metric),
            sp("entity", &self.entity),
            sp("service", &self.service),
            sp("services", &self.services),
            sp("via", &self.via),
            sp("name", &self.name),
            sp("host", &self.host),
            sp("port", &self.port),
            sp("to", &self.to),
            sp("pattern", &self.pattern),
            sp("lines", &self.lines),
            sp("expect", &self.expect),
            sp("max_pct", &self.max_pct),
            sp("pane", &self.pane),
            sp("column", &self.column),
            sp("advisory", &self.advisory),
            sp("action", &self.action),
            sp("on", &self.on),
            sp("verifies", &self.verifies),
            sp("flag", &self.flag),
            sp("value", &self.value),
            sp("capacity", &self.capacity),
            sp("grow_pct", &self.grow_pct),
            sp("autoscale_pct", &self.autoscale_pct),
            sp("share", &self.share),
            sp("verify_within", &self.verify_within),
            sp("after", &self.after),
            sp("requires", &self.requires),
            sp("text", &self.text),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// Parses and validates one runbook file.
pub fn parse(path: &Path, src: &str, origin: Origin) -> Result<Runbook, FileError> {
    let raw: RawRunbook = toml::from_str(src).map_err(|e| FileError::from_toml(path, src, &e))?;
    Parser { path, src }.runbook(raw, origin)
}

struct Parser<'a> {
    path: &'a Path,
    src: &'a str,
}

const CHECKS: &str = "metric, service, dns, tcp, log, ssm_ping, failover";
const ACTIONS: &str = "restart_service, open_log, set_flag, update_table, double_shards, grow_storage, share_queue, unshare_queue";

impl Parser<'_> {
    fn err(&self, span: Range<usize>, msg: impl Into<String>) -> FileError {
        FileError::at_span(self.path, self.src, span, msg)
    }

    fn check<T>(&self, v: &Spanned<T>, f: impl FnOnce(&T) -> Result<(), String>) -> Result<(), FileError> {
        f(v.get_ref()).map_err(|m| self.err(v.span(), m))
    }

    /// Prose shown to people (titles, summaries, help, instructions). A runbook file is
    /// outside text: it goes through the sanitiser here, once, so neither the console nor the
    /// headless commands ever hold an escape sequence, bidi control or zero-width character
    /// from it. Titles are one line; the rest keeps its line breaks.
    fn text(&self, v: &Spanned<String>, what: &str) -> Result<String, FileError> {
        let clean = if what == "title" {
            crate::sanitize::sanitize_one_line(v.get_ref())
        } else {
            crate::sanitize::sanitize_text(v.get_ref())
        };
        let t = clean.trim();
        if t.is_empty() {
            return Err(self.err(v.span(), format!("{what} must not be empty")));
        }
        Ok(t.to_string())
    }

    fn runbook(&self, raw: RawRunbook, origin: Origin) -> Result<Runbook, FileError> {
        self.check(&raw.id, |s| validate::ident(s))?;
        let mut params = BTreeMap::new();
        for (k, v) in &raw.params {
            self.check(k, |s| validate::ident(s))?;
            self.check(v, |s| validate::host_name(s))?;
            params.insert(k.get_ref().clone(), v.get_ref().clone());
        }
        let applies_to = self.applies(&raw.applies_to)?;
        if raw.steps.get_ref().is_empty() {
            return Err(self.err(raw.steps.span(), "a runbook needs at least one step"));
        }
        let mut seen: HashMap<&str, ()> = HashMap::new();
        for s in raw.steps.get_ref() {
            let id = &s.get_ref().id;
            self.check(id, |s| validate::ident(s))?;
            if seen.insert(id.get_ref(), ()).is_some() {
                return Err(self.err(id.span(), format!("duplicate step id {:?}", id.get_ref())));
            }
        }
        let ids: Vec<&str> = raw.steps.get_ref().iter().map(|s| s.get_ref().id.get_ref().as_str()).collect();
        let mut steps: Vec<Step> = Vec::with_capacity(ids.len());
        for (index, s) in raw.steps.get_ref().iter().enumerate() {
            let step = self.step(s.get_ref(), index, &ids, &steps, &params)?;
            steps.push(step);
        }
        Ok(Runbook {
            id: raw.id.into_inner(),
            title: self.text(&raw.title, "title")?,
            summary: self.text(&raw.summary, "summary")?,
            applies_to,
            params,
            steps,
            escalation: raw.escalation.as_ref().map(|e| self.text(e, "escalation")).transpose()?,
            origin,
        })
    }

    fn applies(&self, raw: &RawApplies) -> Result<AppliesTo, FileError> {
        let mut a = AppliesTo::default();
        for s in &raw.sections {
            let sec = Section::from_key(s.get_ref()).ok_or_else(|| {
                let keys: Vec<_> = Section::ALL.iter().map(|s| s.key()).collect();
                self.err(s.span(), format!("unknown section {:?} (one of {})", s.get_ref(), keys.join(", ")))
            })?;
            a.sections.push(sec);
        }
        for m in &raw.metrics {
            a.metrics.push(self.metric(m)?);
        }
        for s in &raw.services {
            self.check(s, |s| validate::service_name(s))?;
            a.services.push(s.get_ref().clone());
        }
        for k in &raw.fixes {
            a.fixes.push(self.alert_kind(k)?);
        }
        for k in &raw.diagnoses {
            a.diagnoses.push(self.alert_kind(k)?);
        }
        Ok(a)
    }

    /// `service:<Windows service name>` or a thresholds key.
    fn alert_kind(&self, k: &Spanned<String>) -> Result<AlertKind, FileError> {
        if let Some(rest) = k.get_ref().strip_prefix("pane:") {
            let (pane, column) = match rest.split_once(':') {
                Some((p, c)) => (p, Some(c.to_string())),
                None => (rest, None),
            };
            let (pane, row) = match pane.split_once('/') {
                Some((p, r)) if !r.is_empty() => (p, Some(r.to_string())),
                Some(_) => return Err(self.err(k.span(), "an empty row name after the pane id")),
                None => (pane, None),
            };
            self.check(k, |_| pane_id(pane))?;
            if column.as_deref().is_some_and(|c| c.trim().is_empty()) {
                return Err(self.err(k.span(), "an empty column label after the pane id"));
            }
            return Ok(AlertKind::Pane { pane: pane.to_string(), row, column });
        }
        match k.get_ref().strip_prefix("service:") {
            Some(name) => {
                self.check(k, |_| validate::service_name(name))?;
                Ok(AlertKind::Service(name.to_string()))
            }
            None => self.metric(k).map(AlertKind::Metric),
        }
    }

    fn metric(&self, m: &Spanned<String>) -> Result<MetricId, FileError> {
        MetricId::from_key(m.get_ref()).ok_or_else(|| {
            self.err(m.span(), format!("unknown metric key {:?} (see `[thresholds]` keys)", m.get_ref()))
        })
    }

    fn refuse_others(&self, s: &RawStep, allowed: &[&str], what: &str) -> Result<(), FileError> {
        for (name, span) in s.present() {
            if !allowed.contains(&name) {
                return Err(self.err(span, format!("`{name}` does not apply to {what}")));
            }
        }
        Ok(())
    }

    fn required<'s, T>(
        &self,
        v: &'s S<T>,
        name: &str,
        s: &RawStep,
        what: &str,
    ) -> Result<&'s Spanned<T>, FileError> {
        v.as_ref().ok_or_else(|| self.err(s.id.span(), format!("{what} needs `{name}`")))
    }

    fn step(
        &self,
        s: &RawStep,
        index: usize,
        ids: &[&str],
        before: &[Step],
        params: &BTreeMap<String, String>,
    ) -> Result<Step, FileError> {
        let kind = match s.kind.get_ref().as_str() {
            "check" => StepKind::Check(self.check_step(s, params)?),
            "action" => StepKind::Action(self.action_step(s, index, ids, before)?),
            "manual" => {
                self.refuse_others(s, &["text"], "a manual step")?;
                let text = self.required(&s.text, "text", s, "a manual step")?;
                StepKind::Manual { text: self.text(text, "text")? }
            }
            other => {
                return Err(self.err(
                    s.kind.span(),
                    format!("unknown step kind {other:?} (one of check, action, manual)"),
                ));
            }
        };
        let help = match &s.help {
            Some(h) => Some(self.text(h, "help")?),
            None => None,
        };
        let advisory = s.advisory.as_ref().is_some_and(|a| *a.get_ref());
        let mut advice = Vec::new();
        for a in &s.advice {
            let (metric, op, value) = self.condition(&a.when)?;
            advice.push(super::def::Advice { metric, op, value, text: self.text(&a.text, "text")? });
        }
        Ok(Step {
            id: s.id.get_ref().clone(),
            title: self.text(&s.title, "title")?,
            help,
            advisory,
            advice,
            kind,
        })
    }

    /// `"<metric key> <op> <number>"`, op one of `>`, `>=`, `<`, `<=`.
    fn condition(
        &self,
        when: &Spanned<String>,
    ) -> Result<(crate::model::MetricId, super::def::Op, f64), FileError> {
        use super::def::Op;
        let parts: Vec<&str> = when.get_ref().split_whitespace().collect();
        let bad = || {
            self.err(
                when.span(),
                format!(
                    "`when` is \"<metric key> <op> <number>\" with op >, >=, < or <=: {:?}",
                    when.get_ref()
                ),
            )
        };
        let [key, op, value] = parts.as_slice() else { return Err(bad()) };
        let metric = crate::model::MetricId::from_key(key)
            .ok_or_else(|| self.err(when.span(), format!("`when` names no known metric: {key:?}")))?;
        let op = match *op {
            ">" => Op::Above,
            ">=" => Op::AtLeast,
            "<" => Op::Below,
            "<=" => Op::AtMost,
            _ => return Err(bad()),
        };
        let value: f64 = value.parse().ok().filter(|v: &f64| v.is_finite()).ok_or_else(bad)?;
        Ok((metric, op, value))
    }

    fn host_ref(&self, v: &Spanned<String>, params: &BTreeMap<String, String>) -> Result<HostRef, FileError> {
        let s = v.get_ref();
        if let Some(name) = s.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
            if params.contains_key(name) {
                return Ok(HostRef::Param(name.to_string()));
            }
            return Err(self.err(v.span(), format!("unknown param {name:?}: declare it under [params]")));
        }
        self.check(v, |s| validate::host_name(s))?;
        Ok(HostRef::Literal(s.clone()))
    }

    fn port(&self, v: &Spanned<i64>) -> Result<u16, FileError> {
        validate::port(*v.get_ref()).map_err(|m| self.err(v.span(), m))
    }

    fn check_step(&self, s: &RawStep, params: &BTreeMap<String, String>) -> Result<Check, FileError> {
        let c = self.required(&s.check, "check", s, "a check step")?;
        let what = format!("a `{}` check", c.get_ref());
        let allow = |extra: &[&'static str]| {
            let mut v = vec!["check", "advisory"];
            v.extend_from_slice(extra);
            v
        };
        match c.get_ref().as_str() {
            "metric" => {
                self.refuse_others(s, &allow(&["metric", "entity"]), &what)?;
                let metric = self.metric(self.required(&s.metric, "metric", s, &what)?)?;
                let entity = match &s.entity {
                    Some(e) => Some(self.text(e, "entity")?),
                    None => None,
                };
                Ok(Check::Metric { metric, entity })
            }
            "pane" => {
                self.refuse_others(s, &allow(&["pane", "column", "entity"]), &what)?;
                let pane = self.required(&s.pane, "pane", s, &what)?;
                self.check(pane, |p| pane_id(p))?;
                let text = |v: &S<String>, what: &str| v.as_ref().map(|v| self.text(v, what)).transpose();
                Ok(Check::Pane {
                    pane: pane.get_ref().clone(),
                    column: text(&s.column, "column")?,
                    row: text(&s.entity, "entity")?,
                })
            }
            "service" => {
                self.refuse_others(s, &allow(&["service", "services", "via"]), &what)?;
                let mut services = Vec::new();
                if let Some(one) = &s.service {
                    services.push(one.clone());
                }
                if let Some(many) = &s.services {
                    services.extend(many.get_ref().iter().cloned());
                }
                if services.is_empty() {
                    return Err(self.err(s.id.span(), "a `service` check needs `service` or `services`"));
                }
                for svc in &services {
                    self.check(svc, |s| validate::service_name(s))?;
                }
                let via = match s.via.as_ref().map(|v| (v.get_ref().as_str(), v.span())) {
                    None | Some(("snapshot", _)) => ServiceSource::Snapshot,
                    Some(("remote", _)) => ServiceSource::Remote,
                    Some((other, span)) => {
                        return Err(self.err(span, format!("unknown via {other:?} (snapshot or remote)")));
                    }
                };
                Ok(Check::Service { services: services.into_iter().map(Spanned::into_inner).collect(), via })
            }
            "dns" => {
                self.refuse_others(s, &allow(&["name"]), &what)?;
                let name = self.host_ref(self.required(&s.name, "name", s, &what)?, params)?;
                Ok(Check::Dns { name })
            }
            "tcp" => {
                self.refuse_others(s, &allow(&["host", "port", "to"]), &what)?;
                let port = self.port(self.required(&s.port, "port", s, &what)?)?;
                match (&s.host, &s.to) {
                    (Some(h), None) => {
                        Ok(Check::Tcp { dest: TcpDest::Host { host: self.host_ref(h, params)?, port } })
                    }
                    (None, Some(to)) if to.get_ref() == "peers" => {
                        Ok(Check::Tcp { dest: TcpDest::Peers { port } })
                    }
                    (None, Some(to)) => {
                        Err(self.err(to.span(), format!("unknown `to` {:?} (only \"peers\")", to.get_ref())))
                    }
                    (Some(_), Some(to)) => {
                        Err(self.err(to.span(), "give either `host` or `to = \"peers\"`, not both"))
                    }
                    (None, None) => {
                        Err(self.err(s.id.span(), "a `tcp` check needs `host` or `to = \"peers\"`"))
                    }
                }
            }
            "log" => {
                self.refuse_others(s, &allow(&["pattern", "lines", "expect"]), &what)?;
                let p = self.required(&s.pattern, "pattern", s, &what)?;
                let regex = regex::RegexBuilder::new(p.get_ref())
                    .size_limit(1 << 20)
                    .build()
                    .map_err(|e| self.err(p.span(), format!("invalid pattern: {e}")))?;
                let lines = match &s.lines {
                    Some(l) => match u32::try_from(*l.get_ref()) {
                        Ok(n @ 1..=5000) => n,
                        _ => return Err(self.err(l.span(), "lines must be 1 to 5000")),
                    },
                    None => 200,
                };
                let expect = match s.expect.as_ref().map(|v| (v.get_ref().as_str(), v.span())) {
                    None | Some(("absent", _)) => Expect::Absent,
                    Some(("present", _)) => Expect::Present,
                    Some((other, span)) => {
                        return Err(self.err(span, format!("unknown expect {other:?} (absent or present)")));
                    }
                };
                Ok(Check::Log { pattern: LogPattern { source: p.get_ref().clone(), regex }, lines, expect })
            }
            "ssm_ping" => {
                self.refuse_others(s, &allow(&[]), &what)?;
                Ok(Check::SsmPing)
            }
            "failover" => {
                self.refuse_others(s, &allow(&["max_pct"]), &what)?;
                let max_pct = match &s.max_pct {
                    Some(m) if m.get_ref().is_finite() && *m.get_ref() > 0.0 => Some(*m.get_ref()),
                    Some(m) => return Err(self.err(m.span(), "max_pct must be a positive number")),
                    None => None,
                };
                Ok(Check::Failover { max_pct })
            }
            other => Err(self.err(c.span(), format!("unknown check {other:?} (one of {CHECKS})"))),
        }
    }

    fn action_step(
        &self,
        s: &RawStep,
        index: usize,
        ids: &[&str],
        before: &[Step],
    ) -> Result<Action, FileError> {
        let a = self.required(&s.action, "action", s, "an action step")?;
        let what = format!("a `{}` action", a.get_ref());
        let kind = match a.get_ref().as_str() {
            "restart_service" => {
                self.refuse_others(
                    s,
                    &["action", "service", "on", "verifies", "verify_within", "after", "requires"],
                    &what,
                )?;
                let svc = self.required(&s.service, "service", s, &what)?;
                self.check(svc, |s| validate::service_name(s))?;
                ActionKind::RestartService { service: svc.get_ref().clone() }
            }
            "open_log" => {
                self.refuse_others(s, &["action", "on", "requires"], &what)?;
                ActionKind::OpenLog
            }
            "set_flag" => {
                self.refuse_others(
                    s,
                    &["action", "flag", "value", "verifies", "verify_within", "after", "requires"],
                    &what,
                )?;
                let flag = self.required(&s.flag, "flag", s, &what)?;
                self.check(flag, |f| crate::model::check_flag_name(f))?;
                let value = self.required(&s.value, "value", s, &what)?;
                self.check(value, |v| crate::model::check_flag_value(v))?;
                ActionKind::SetFlag { flag: flag.get_ref().clone(), value: value.get_ref().clone() }
            }
            "update_table" => {
                self.refuse_others(
                    s,
                    &["action", "entity", "capacity", "verifies", "verify_within", "after", "requires"],
                    &what,
                )?;
                let c = self.required(&s.capacity, "capacity", s, &what)?;
                let change = match c.get_ref().as_str() {
                    "on_demand" => CapacityChange::OnDemand,
                    other => match other.strip_prefix('x').and_then(|f| f.parse::<f64>().ok()) {
                        Some(f) if f.is_finite() && f > 1.0 && f <= 10.0 => CapacityChange::Raise(f),
                        _ => {
                            return Err(self.err(
                                c.span(),
                                format!("unknown capacity {other:?}: \"on_demand\", or \"x2\" (raise provisioned capacity by a factor above 1, at most 10)"),
                            ));
                        }
                    },
                };
                ActionKind::UpdateTable { entity: self.entity_name(s)?, change }
            }
            "double_shards" => {
                self.refuse_others(
                    s,
                    &["action", "entity", "verifies", "verify_within", "after", "requires"],
                    &what,
                )?;
                ActionKind::DoubleShards { entity: self.entity_name(s)? }
            }
            "grow_storage" => {
                self.refuse_others(
                    s,
                    &[
                        "action",
                        "entity",
                        "grow_pct",
                        "autoscale_pct",
                        "verifies",
                        "verify_within",
                        "after",
                        "requires",
                    ],
                    &what,
                )?;
                let g = self.required(&s.grow_pct, "grow_pct", s, &what)?;
                // RDS refuses a storage increase under 10 % (InvalidParameterCombination); more
                // than 5x in one change is a typo rather than a plan.
                let grow_pct = match u32::try_from(*g.get_ref()) {
                    Ok(p) if (10..=400).contains(&p) => p,
                    _ => {
                        return Err(self.err(
                            g.span(),
                            format!(
                                "`grow_pct` is the increase in percent, 10 to 400 (RDS takes no increase under \
                                 10%): {}",
                                g.get_ref()
                            ),
                        ));
                    }
                };
                let autoscale_pct = match &s.autoscale_pct {
                    None => None,
                    Some(a) => match u32::try_from(*a.get_ref()) {
                        // RDS wants MaxAllocatedStorage at least 10 % above the allocated size.
                        Ok(p) if (10..=1000).contains(&p) => Some(p),
                        _ => {
                            return Err(self.err(
                                a.span(),
                                format!(
                                    "`autoscale_pct` is how far above the new size storage autoscaling may \
                                     grow, in percent, 10 to 1000: {}",
                                    a.get_ref()
                                ),
                            ));
                        }
                    },
                };
                let entity = match &s.entity {
                    None => None,
                    Some(e) => {
                        self.check(e, |id| crate::model::check_db_instance_id(id))?;
                        Some(e.get_ref().clone())
                    }
                };
                ActionKind::GrowStorage { entity, grow_pct, autoscale_pct }
            }
            name @ ("share_queue" | "unshare_queue") => {
                self.refuse_others(
                    s,
                    &["action", "share", "verifies", "verify_within", "after", "requires"],
                    &what,
                )?;
                let share = self.required(&s.share, "share", s, &what)?;
                // A `[[queue_shares]]` name is spelled like a flag's.
                self.check(share, |f| crate::model::check_flag_name(f))?;
                ActionKind::ShareQueue { share: share.get_ref().clone(), associate: name == "share_queue" }
            }
            other => return Err(self.err(a.span(), format!("unknown action {other:?} (one of {ACTIONS})"))),
        };
        let verifies = match &s.verifies {
            None => None,
            Some(v) => {
                let target = ids.iter().position(|id| id == v.get_ref()).ok_or_else(|| {
                    self.err(v.span(), format!("`verifies` names no step of this runbook: {:?}", v.get_ref()))
                })?;
                if target >= index || !matches!(before[target].kind, StepKind::Check(_)) {
                    return Err(self.err(
                        v.span(),
                        format!("`verifies` must name a check step before this one: {:?}", v.get_ref()),
                    ));
                }
                Some(target)
            }
        };
        let verify_within = match &s.verify_within {
            None => None,
            Some(v) => {
                if verifies.is_none() {
                    return Err(
                        self.err(v.span(), "`verify_within` needs `verifies` (the check it waits for)")
                    );
                }
                let secs = *v.get_ref();
                if !(1..=3600).contains(&secs) {
                    return Err(self.err(v.span(), format!("`verify_within` is seconds, 1 to 3600: {secs}")));
                }
                Some(std::time::Duration::from_secs(secs as u64))
            }
        };
        let after = match &s.after {
            None => None,
            Some(list) => {
                let mut out = Vec::new();
                for v in list.get_ref() {
                    let at = ids.iter().position(|id| id == v.get_ref());
                    match at {
                        Some(i) if i < index && matches!(before[i].kind, StepKind::Check(_)) => out.push(i),
                        _ => {
                            return Err(self.err(
                                v.span(),
                                format!("`after` must name check steps before this one: {:?}", v.get_ref()),
                            ));
                        }
                    }
                }
                Some(out)
            }
        };
        let mut requires = Vec::new();
        for v in s.requires.iter().flat_map(|l| l.get_ref()) {
            let text = v.get_ref().trim();
            let (id, rest) = text.split_once(' ').unwrap_or((text, ""));
            let (pass, server) = match rest.split_once(" on ") {
                None if rest.is_empty() => (true, None),
                Some(("passes", srv)) => (true, Some(srv.trim())),
                Some(("fails", srv)) => (false, Some(srv.trim())),
                _ => {
                    return Err(self.err(
                        v.span(),
                        format!("`requires`: \"<check>\", \"<check> passes on <server>\" or \"<check> fails on <server>\", not {text:?}"),
                    ));
                }
            };
            let at = ids.iter().position(|s| *s == id);
            let check = match at.map(|i| (i, before.get(i).map(|b| &b.kind))) {
                Some((i, Some(StepKind::Check(c)))) if i < index => {
                    if server.is_some() && !c.is_per_server() {
                        return Err(self.err(v.span(), format!("`requires`: {id} is not a per-server check")));
                    }
                    i
                }
                _ => {
                    return Err(self
                        .err(v.span(), format!("`requires` must name check steps before this one: {id:?}")));
                }
            };
            if let Some(srv) = server {
                validate::server_name(srv).map_err(|m| self.err(v.span(), m))?;
            }
            requires.push(super::def::Requirement { check, server: server.map(str::to_string), pass });
        }
        let failures_of =
            verifies.or_else(|| before.iter().rposition(|st| matches!(st.kind, StepKind::Check(_))));
        let on = match s.on.as_ref() {
            None => On::All,
            Some(v) => match v.get_ref().as_str() {
                "all" => On::All,
                "failed" => {
                    let per_server = failures_of
                        .and_then(|i| match &before[i].kind {
                            StepKind::Check(c) => Some(c.is_per_server()),
                            _ => None,
                        })
                        .unwrap_or(false);
                    if !per_server {
                        return Err(self.err(
                            v.span(),
                            "`on = \"failed\"` needs a per-server check (service, dns, tcp, log, ssm_ping) to remediate: set `verifies` or put one before it",
                        ));
                    }
                    On::Failed
                }
                server => {
                    self.check(v, |_| validate::server_name(server))?;
                    On::Server(server.to_string())
                }
            },
        };
        Ok(Action { kind, on, verifies, verify_within, after, failures_of, requires })
    }
}

impl Parser<'_> {
    /// A table or stream name: what AWS allows for both (letters, digits, `_.-`, 1 to 255).
    fn entity_name(&self, s: &RawStep) -> Result<Option<String>, FileError> {
        let Some(e) = &s.entity else { return Ok(None) };
        self.check(e, |name| {
            let ok = (1..=255).contains(&name.len())
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
            if ok { Ok(()) } else { Err(format!("invalid table or stream name {name:?}")) }
        })?;
        Ok(Some(e.get_ref().clone()))
    }
}

impl Runbook {
    /// Replaces a param's value (e.g. the Connect endpoint from the user's config), checked like
    /// a host name in the file would be.
    pub fn set_param(&mut self, name: &str, value: &str) -> Result<(), String> {
        match self.params.get_mut(name) {
            None => Err(format!("runbook {} has no param {name:?}", self.id)),
            Some(slot) => {
                validate::host_name(value)?;
                *slot = value.to_string();
                Ok(())
            }
        }
    }
}

/// A data-defined pane's id as `[[panes]] id` allows it (the pane itself may come from a
/// preset or a config that this runbook cannot see, so only the spelling is checked here).
fn pane_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= 32
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!("bad pane id {id:?} (1-32 of a-z, 0-9, - and _, starting with a letter)"))
    }
}
