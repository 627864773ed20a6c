//! `Enter`: the selected row in full. Every figure beside its warn and crit limits, and a chart
//! of each trended figure with the limits drawn across it. Follows the selection (j/k).

use crate::app::geometry::overlay;
use crate::app::rows::{CONNECT_FIGURES, RowRef};
use crate::app::{Pane, State};
use crate::model::age;
use crate::model::assess::{ping_health, service_health};
use crate::model::{Level, MetricId, Section, Series, Threshold};
use crate::theme::{Role, Theme};
use crate::ui::cells::{figure, level_style, mark, mark_span};
use crate::ui::connect;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Block, Borders, Cell, Chart, Clear, Dataset, GraphType, Paragraph, Row, Table, Wrap,
};

/// One line of the figures table.
pub struct Figure {
    pub label: String,
    pub value: String,
    pub level: Level,
    /// The metric whose limits apply, if any.
    pub metric: Option<MetricId>,
}

impl Figure {
    fn plain(label: &str, value: String) -> Figure {
        Figure { label: label.to_string(), value, level: Level::Ok, metric: None }
    }

    fn measured(state: &State, metric: MetricId, v: f64) -> Figure {
        let label = metric.label().to_string();
        Figure {
            label,
            value: metric.format(v),
            level: state.thresholds.level(metric, v),
            metric: Some(metric),
        }
    }
}

/// What the detail view shows for one row.
pub struct DetailView {
    pub title: String,
    pub level: Level,
    pub reason: Option<String>,
    pub figures: Vec<Figure>,
    /// Trended figures to chart: (section, entity, metric).
    pub trends: Vec<(Section, String, MetricId)>,
}

pub fn view(state: &State, pane: Pane, row: RowRef) -> Option<DetailView> {
    let s = &state.snapshot;
    let health = |section: Section, entity: &str| state.assessment.row(section, entity);
    let v = match pane {
        Pane::Queues => {
            let q = s.connect.queues.get(row.item)?;
            let h = health(Section::Queues, &q.name);
            let mut figures =
                vec![Figure::measured(state, MetricId::ContactsInQueue, q.contacts_in_queue as f64)];
            figures.push(match q.oldest_contact_age_s {
                Some(a) => Figure::measured(state, MetricId::OldestContactAge, a),
                None => Figure::plain("oldest contact", "nobody waiting".into()),
            });
            figures.push(Figure::plain("agents online", q.agents_online.to_string()));
            figures.push(Figure::plain("agents available", q.agents_available.to_string()));
            figures.push(Figure::plain("agents on contact", q.agents_on_contact.to_string()));
            let e = q.name.clone();
            DetailView {
                title: format!("queue {}", q.name),
                level: h.level,
                reason: h.reason,
                figures,
                trends: vec![
                    (Section::Queues, e.clone(), MetricId::ContactsInQueue),
                    (Section::Queues, e, MetricId::OldestContactAge),
                ],
            }
        }
        Pane::Connect => {
            let m = *CONNECT_FIGURES.get(row.item)?;
            let c = &s.connect;
            let f = Figure::measured(state, m, connect::value(state, m));
            let mut figures = vec![];
            let (level, reason) =
                (f.level, (f.level != Level::Ok).then(|| format!("{} {}", m.label(), f.value)));
            figures.push(f);
            figures.push(Figure::plain(
                "concurrent calls",
                format!("{}/{}", c.concurrent_calls, c.concurrent_calls_quota),
            ));
            figures.push(Figure::plain(
                "concurrent chats",
                format!("{}/{}", c.concurrent_chats, c.concurrent_chats_quota),
            ));
            figures.push(Figure::plain("instance", c.instance_id.clone()));
            DetailView {
                title: format!("Connect: {}", m.label()),
                level,
                reason,
                figures,
                trends: vec![(Section::Connect, String::new(), m)],
            }
        }
        Pane::Lambda => {
            let f = s.lambda.get(row.item)?;
            let h = health(Section::Lambda, &f.name);
            let mut figures = vec![
                Figure::plain("invocations /min", f.invocations.to_string()),
                Figure::plain("errors /min", f.errors.to_string()),
                Figure::measured(state, MetricId::LambdaErrorRate, f.error_rate_pct()),
                Figure::measured(state, MetricId::LambdaThrottles, f.throttles as f64),
            ];
            figures.push(match f.duration_p99_ms {
                Some(ms) => Figure::measured(state, MetricId::LambdaDurationP99, ms),
                None => Figure::plain("p99 duration", "not invoked".into()),
            });
            figures.push(Figure::plain("concurrent executions", f.concurrent_executions.to_string()));
            let e = f.name.clone();
            DetailView {
                title: format!("function {}", f.name),
                level: h.level,
                reason: h.reason,
                figures,
                trends: vec![
                    (Section::Lambda, e.clone(), MetricId::LambdaErrorRate),
                    (Section::Lambda, e, MetricId::LambdaDurationP99),
                ],
            }
        }
        Pane::Kinesis => {
            let k = s.kinesis.get(row.item)?;
            let h = health(Section::Kinesis, &k.name);
            let opt = |m: MetricId, v: Option<f64>, none: &str| match v {
                Some(v) => Figure::measured(state, m, v),
                None => Figure::plain(m.label(), none.into()),
            };
            let figures = vec![
                opt(MetricId::IteratorAge, k.iterator_age_ms, "no consumer"),
                opt(MetricId::PutLatency, k.put_latency_ms, "no puts"),
                Figure::measured(state, MetricId::ThroughputExceeded, k.throughput_exceeded() as f64),
                Figure::plain("write throughput exceeded /min", k.write_throughput_exceeded.to_string()),
                Figure::plain("read throughput exceeded /min", k.read_throughput_exceeded.to_string()),
                Figure::plain("incoming records /min", k.incoming_records.to_string()),
            ];
            let e = k.name.clone();
            DetailView {
                title: format!("stream {}", k.name),
                level: h.level,
                reason: h.reason,
                figures,
                trends: vec![
                    (Section::Kinesis, e.clone(), MetricId::IteratorAge),
                    (Section::Kinesis, e, MetricId::PutLatency),
                ],
            }
        }
        Pane::DynamoDb => {
            let d = s.dynamodb.get(row.item)?;
            let h = health(Section::DynamoDb, &d.name);
            let util = |m: MetricId, p: Option<f64>| match p {
                Some(p) => Figure::measured(state, m, p),
                None => Figure::plain(m.label(), "on-demand".into()),
            };
            let units = |c: f64, p: Option<f64>| p.map_or(format!("{c:.0}"), |p| format!("{c:.0} of {p:.0}"));
            let figures = vec![
                util(MetricId::ReadUtilisation, d.read_pct()),
                util(MetricId::WriteUtilisation, d.write_pct()),
                Figure::plain("read capacity units /s", units(d.consumed_read, d.provisioned_read)),
                Figure::plain("write capacity units /s", units(d.consumed_write, d.provisioned_write)),
                Figure::measured(state, MetricId::ThrottleEvents, d.throttles() as f64),
                Figure::plain(
                    "read / write throttles",
                    format!("{} / {}", d.read_throttles, d.write_throttles),
                ),
            ];
            let e = d.name.clone();
            let mut trends = Vec::new();
            if d.provisioned_read.is_some() {
                trends.push((Section::DynamoDb, e.clone(), MetricId::ReadUtilisation));
            }
            if d.provisioned_write.is_some() {
                trends.push((Section::DynamoDb, e.clone(), MetricId::WriteUtilisation));
            }
            trends.push((Section::DynamoDb, e, MetricId::ThrottleEvents));
            trends.truncate(2);
            DetailView {
                title: format!("table {}", d.name),
                level: h.level,
                reason: h.reason,
                figures,
                trends,
            }
        }
        Pane::NexTalk => {
            let srv = s.nextalk.servers.get(row.item)?;
            let h = health(Section::NexTalk, &srv.name);
            let mut figures = vec![
                Figure::measured(state, MetricId::PortUtilisation, srv.port_pct()),
                Figure::plain("ports in use", format!("{} of {}", srv.ports_in_use, srv.ports_capacity)),
            ];
            let ping = ping_health(srv.ssm_ping);
            figures.push(Figure {
                level: ping.level,
                ..Figure::plain("SSM agent", srv.ssm_ping.as_str().into())
            });
            figures.push(Figure::plain("last seen", format!("{} ago", age(state.now, srv.last_seen))));
            figures.push(Figure::plain("instance", srv.instance_id.clone()));
            for svc in &srv.services {
                let sh = service_health(&svc.name, svc.status);
                figures
                    .push(Figure { level: sh.level, ..Figure::plain(&svc.name, svc.status.as_str().into()) });
            }
            if let Some(f) = s.nextalk.failover() {
                figures.push(Figure::measured(state, MetricId::FailoverLoad, f.load_pct));
            }
            let e = srv.name.clone();
            DetailView {
                title: format!("NexTalk {}", srv.name),
                level: h.level,
                reason: h.reason,
                figures,
                trends: vec![
                    (Section::NexTalk, e, MetricId::PortUtilisation),
                    (Section::NexTalk, String::new(), MetricId::FailoverLoad),
                ],
            }
        }
        Pane::Alerts => {
            let a = state.alerts.get(row.item)?;
            let target = entity_row(state, a.section, &a.entity, &a.key);
            let mut v = target.and_then(|(p, r)| view(state, p, r)).unwrap_or(DetailView {
                title: String::new(),
                level: a.severity,
                reason: None,
                figures: vec![],
                trends: vec![],
            });
            v.title = a.what.clone();
            v.level = a.severity;
            v.reason = Some(format!(
                "{} · since {} ({} ago)",
                a.reason,
                a.since.clock(),
                age(state.now, Some(a.since))
            ));
            v
        }
    };
    Some(v)
}

/// The pane row an alert is about: its entity's row, or for instance-wide Connect figures the
/// figure named in the alert key (`connect::connect_missed_calls`).
fn entity_row(state: &State, section: Section, entity: &str, key: &str) -> Option<(Pane, RowRef)> {
    let pane = Pane::from_section(section);
    let s = &state.snapshot;
    let item = match section {
        Section::Connect => {
            let metric = key.rsplit(':').next().and_then(MetricId::from_key)?;
            CONNECT_FIGURES.iter().position(|m| *m == metric)
        }
        Section::Queues => s.connect.queues.iter().position(|q| q.name == entity),
        Section::Lambda => s.lambda.iter().position(|f| f.name == entity),
        Section::Kinesis => s.kinesis.iter().position(|k| k.name == entity),
        Section::DynamoDb => s.dynamodb.iter().position(|d| d.name == entity),
        Section::NexTalk if entity.is_empty() => (!s.nextalk.servers.is_empty()).then_some(0),
        Section::NexTalk => s.nextalk.servers.iter().position(|srv| srv.name == entity),
    }?;
    Some((pane, RowRef::item(item)))
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let pane = state.focus;
    let Some(v) = state.selected_row(pane).and_then(|r| view(state, pane, r)) else { return };
    let rect = overlay(area, 140);
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .title(Line::from(vec![
            Span::raw(" "),
            mark_span(theme, v.level),
            Span::styled(format!(" {} ", v.title), theme.style(Role::Title)),
        ]))
        .border_style(theme.style(Role::Focus))
        .style(theme.style(Role::Popup));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);

    let reason_h = u16::from(v.reason.is_some());
    let figures_h = v.figures.len() as u16 + 1;
    let [reason, figures, charts] =
        Layout::vertical([Constraint::Length(reason_h), Constraint::Length(figures_h), Constraint::Fill(1)])
            .areas(inner);
    if let Some(r) = &v.reason {
        let p = Paragraph::new(r.clone()).style(level_style(theme, v.level)).wrap(Wrap { trim: true });
        frame.render_widget(p, reason);
    }
    figures_table(frame, figures, state, theme, &v.figures);

    let series: Vec<(MetricId, &Series)> = v
        .trends
        .iter()
        .filter_map(|(section, entity, m)| state.history.get(*section, entity, *m).map(|s| (*m, s)))
        .collect();
    // A chart needs about eight lines to show a shape; on small screens the first one gets them.
    let fit = (charts.height / 8).max(1) as usize;
    if series.is_empty() || charts.height < 4 {
        return;
    }
    let series = &series[..series.len().min(fit)];
    let parts = Layout::vertical(vec![Constraint::Fill(1); series.len()]).split(charts);
    for ((metric, s), area) in series.iter().zip(parts.iter()) {
        chart(frame, *area, state, theme, *metric, s);
    }
}

fn figures_table(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, figures: &[Figure]) {
    let limit = |t: Option<Threshold>, pick: fn(&Threshold) -> Option<f64>, m: Option<MetricId>| match (
        t.as_ref().and_then(pick),
        m,
    ) {
        (Some(v), Some(m)) => m.format(v),
        _ => "-".into(),
    };
    let rows: Vec<Row> = figures
        .iter()
        .map(|f| {
            let t = f.metric.map(|m| state.thresholds.get(m));
            Row::new(vec![
                mark(theme, f.level),
                Cell::from(f.label.clone()),
                figure(theme, f.value.clone(), f.level),
                Cell::from(limit(t, |t| t.warn, f.metric)).style(theme.style(Role::Muted)),
                Cell::from(limit(t, |t| t.crit, f.metric)).style(theme.style(Role::Muted)),
            ])
        })
        .collect();
    let widths = [
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(16),
        Constraint::Length(8),
        Constraint::Length(8),
    ];
    let header = Row::new(["", "Figure", "Now", "Warn", "Crit"]).style(theme.style(Role::Header));
    frame.render_widget(Table::new(rows, widths).header(header).column_spacing(1), area);
}

/// A line chart of one series with its warn and crit limits drawn across it.
fn chart(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, metric: MetricId, s: &Series) {
    // Right-aligned: the newest sample is always at "now", however short the history.
    let start = s.capacity().saturating_sub(s.len());
    let points: Vec<(f64, f64)> = s.iter().enumerate().map(|(i, v)| ((start + i) as f64, v)).collect();
    let t = state.thresholds.get(metric);
    let x_max = (s.capacity().max(2) - 1) as f64;
    let top = [s.max(), t.warn, t.crit].into_iter().flatten().fold(0.0_f64, f64::max);
    let mut y_max = if top > 0.0 { top * 1.15 } else { 1.0 };
    // Headroom above a share that cannot pass 100 % would label the axis with an impossible
    // figure (an error rate of 115 %).
    if metric.unit() == crate::model::Unit::Percent && top <= 100.0 {
        y_max = y_max.min(100.0);
    }
    let across = |v: f64| vec![(0.0, v), (x_max, v)];
    let warn_line = t.warn.map(across).unwrap_or_default();
    let crit_line = t.crit.map(across).unwrap_or_default();
    let level = s.last().map_or(Level::Unknown, |v| state.thresholds.level(metric, v));
    let mut datasets = vec![
        Dataset::default()
            .name(metric.label())
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(if level == Level::Ok { theme.style(Role::Ok) } else { level_style(theme, level) })
            .data(&points),
    ];
    if !warn_line.is_empty() {
        datasets.push(
            Dataset::default()
                .name("warn")
                .graph_type(GraphType::Line)
                .style(theme.style(Role::Warn))
                .data(&warn_line),
        );
    }
    if !crit_line.is_empty() {
        datasets.push(
            Dataset::default()
                .name("crit")
                .graph_type(GraphType::Line)
                .style(theme.style(Role::Crit))
                .data(&crit_line),
        );
    }
    let now = s.last().map(|v| metric.format(v)).unwrap_or_default();
    let limits: Vec<String> = [("warn", t.warn), ("crit", t.crit)]
        .into_iter()
        .filter_map(|(name, v)| v.map(|v| format!("{name} {}", metric.format(v))))
        .collect();
    let dotted = if limits.is_empty() { String::new() } else { format!(" · dotted: {}", limits.join(", ")) };
    let title = format!(" {}: now {now}, last {} samples{dotted} ", metric.label(), s.len());
    let chart = Chart::new(datasets)
        .block(Block::default().borders(Borders::TOP).title(title).border_style(theme.style(Role::Border)))
        .x_axis(Axis::default().bounds([0.0, x_max]).labels(["older", "now"]).style(theme.style(Role::Muted)))
        .y_axis(
            Axis::default()
                .bounds([0.0, y_max])
                .labels([metric.format(0.0), metric.format(y_max)])
                .style(theme.style(Role::Muted)),
        );
    frame.render_widget(chart, area);
}
