//! Putting the four AWS sources' partial snapshots together into the one Snapshot the console
//! shows. Each source runs on its own interval and fails on its own; the composer keeps each
//! one's last good result and turns its current error into a gap on the sections it feeds,
//! so a throttled Connect API leaves CloudWatch's and SSM's figures on screen (stale age and
//! error text in the Queues pane).

use super::settings::AwsSettings;
use crate::model::{
    Address, AddressSource, Flag, Gap, NexTalkFigure, NexTalkServer, Section, Snapshot, Timestamp,
};
use crate::source::SourceError;
use std::collections::BTreeMap;

/// The independent AWS sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AwsPart {
    /// CloudWatch GetMetricData: Connect instance figures, Lambda, Kinesis, DynamoDB, NexTalk ports.
    Metrics,
    /// Connect GetCurrentMetricData: live queue figures.
    Queues,
    /// SSM DescribeInstanceInformation: agent ping of each NexTalk server.
    SsmPing,
    /// SSM Run Command Get-Service probe: Windows service states.
    Services,
    /// SSM Run Command Get-Counter probe: ports in use where CloudWatch has no datapoint.
    PortsProbe,
    /// SSM GetParameters: the `[[flags]]` and their current values.
    Flags,
    /// RDS DescribeDBInstances: storage and status of the instances the RDS panes show.
    DbInstances,
}

impl AwsPart {
    /// In the order their figures are laid over each other: the ports probe after the
    /// metrics, so a CloudWatch datapoint wins and the probe fills only what is missing.
    pub const ALL: [AwsPart; 7] = [
        AwsPart::Metrics,
        AwsPart::Queues,
        AwsPart::SsmPing,
        AwsPart::Services,
        AwsPart::PortsProbe,
        AwsPart::Flags,
        AwsPart::DbInstances,
    ];

    pub fn label(self) -> &'static str {
        match self {
            AwsPart::Metrics => "CloudWatch metrics",
            AwsPart::Queues => "Connect queues",
            AwsPart::SsmPing => "SSM ping",
            AwsPart::Services => "Windows services",
            AwsPart::PortsProbe => "NexTalk ports probe",
            AwsPart::Flags => "emergency flags",
            AwsPart::DbInstances => "RDS instances",
        }
    }

    /// The sections this part feeds (where its errors show).
    /// One word for the status bar, where all four share a line.
    pub fn short(self) -> &'static str {
        match self {
            AwsPart::Metrics => "metrics",
            AwsPart::Queues => "queues",
            AwsPart::SsmPing => "ping",
            AwsPart::Services => "services",
            AwsPart::PortsProbe => "ports",
            AwsPart::Flags => "flags",
            AwsPart::DbInstances => "rds",
        }
    }

    /// The parts these settings run: queues only with a Connect instance, the SSM parts only
    /// with servers (and the probe only with services to probe).
    pub fn configured(settings: &AwsSettings) -> Vec<AwsPart> {
        let mut parts = vec![AwsPart::Metrics];
        if settings.connect.is_some() {
            parts.push(AwsPart::Queues);
        }
        if !settings.servers.is_empty() {
            parts.push(AwsPart::SsmPing);
            if !settings.ssm.services.is_empty() {
                parts.push(AwsPart::Services);
            }
            if settings.ports.counter.is_some() {
                parts.push(AwsPart::PortsProbe);
            }
        }
        if !settings.flags.is_empty() {
            parts.push(AwsPart::Flags);
        }
        if settings
            .panes
            .iter()
            .any(|p| p.namespace == "AWS/RDS" && p.row_dimension == "DBInstanceIdentifier")
        {
            parts.push(AwsPart::DbInstances);
        }
        parts
    }

    pub fn sections(self) -> &'static [Section] {
        match self {
            AwsPart::Metrics => &[
                Section::Connect,
                Section::Lambda,
                Section::Kinesis,
                Section::DynamoDb,
                Section::NexTalk,
                Section::Panes,
            ],
            AwsPart::Queues => &[Section::Queues],
            AwsPart::SsmPing | AwsPart::Services | AwsPart::PortsProbe => &[Section::NexTalk],
            // Flags are not a pane section: an unreadable one carries its own error.
            AwsPart::Flags => &[],
            // Planning figures, not a pane: a failed read leaves the storage unknown, and
            // `grow_storage` refuses on unknown.
            AwsPart::DbInstances => &[],
        }
    }

    /// The gaps a failing part leaves: whole sections for what it alone feeds, and in the
    /// NexTalk section only the figure it provides, so the others' figures still count.
    pub fn gaps(self, error: &str) -> Vec<Gap> {
        let nextalk = |figure| vec![Gap::nextalk(figure, None, error)];
        match self {
            AwsPart::Metrics => {
                let mut gaps: Vec<Gap> =
                    [Section::Connect, Section::Lambda, Section::Kinesis, Section::DynamoDb, Section::Panes]
                        .into_iter()
                        .map(|s| Gap::section(s, error))
                        .collect();
                gaps.push(Gap::nextalk(NexTalkFigure::Ports, None, error));
                gaps
            }
            AwsPart::Queues => vec![Gap::section(Section::Queues, error)],
            AwsPart::SsmPing => nextalk(NexTalkFigure::SsmPing),
            AwsPart::Services => nextalk(NexTalkFigure::Services),
            AwsPart::PortsProbe => nextalk(NexTalkFigure::Ports),
            AwsPart::Flags => vec![],
            AwsPart::DbInstances => vec![],
        }
    }
}

#[derive(Debug, Clone, Default)]
struct PartState {
    last: Option<Snapshot>,
    error: Option<SourceError>,
}

/// Keeps the newest result of each part and composes them.
#[derive(Debug, Clone)]
pub struct AwsComposer {
    source: String,
    instance_id: String,
    /// Configured servers: always listed, in config order, even before any part answered.
    servers: Vec<NexTalkServer>,
    /// The parts that run; only these can be "waiting for the first answer".
    expected: Vec<AwsPart>,
    parts: BTreeMap<AwsPart, PartState>,
    /// Whether any data-defined pane is configured (else a failing metrics part leaves no
    /// gap in their section).
    has_panes: bool,
    /// The configured `[[flags]]`, listed (as unknown) before GetParameters first answers.
    flags: Vec<Flag>,
    /// The configured `[[queue_shares]]`, their state unknown.
    queue_shares: Vec<crate::model::QueueShare>,
}

impl AwsComposer {
    /// `source` is the status bar label (`aws:123456789012/eu-west-2`).
    pub fn new(source: impl Into<String>, settings: &AwsSettings) -> Self {
        let servers = settings
            .servers
            .iter()
            .map(|s| NexTalkServer {
                name: s.name.clone(),
                instance_id: s.instance_id.clone(),
                ports_capacity: s.port_capacity,
                address: s.address.clone().map(|host| Address { host, source: AddressSource::Config }),
                ..Default::default()
            })
            .collect();
        AwsComposer {
            source: source.into(),
            instance_id: settings.connect.as_ref().map(|c| c.instance_id.clone()).unwrap_or_default(),
            servers,
            expected: AwsPart::configured(settings),
            parts: BTreeMap::new(),
            has_panes: !settings.panes.is_empty(),
            flags: settings
                .flags
                .iter()
                .map(|f| Flag {
                    current: None,
                    error: Some("not read yet: waiting for the first GetParameters answer".into()),
                    read_at: None,
                    ..f.clone()
                })
                .collect(),
            queue_shares: settings
                .queue_shares
                .iter()
                .map(|s| crate::model::QueueShare { associated: None, profile_agents: None, ..s.clone() })
                .collect(),
        }
    }

    /// Records one collection result of `part`. An error keeps the last good figures.
    pub fn update(&mut self, part: AwsPart, result: Result<Snapshot, SourceError>) {
        let state = self.parts.entry(part).or_default();
        match result {
            Ok(snap) => {
                state.last = Some(snap);
                state.error = None;
            }
            Err(e) => state.error = Some(e),
        }
    }

    /// When `part` last delivered figures.
    pub fn last_success(&self, part: AwsPart) -> Option<Timestamp> {
        self.parts.get(&part).and_then(|p| p.last.as_ref()).map(|s| s.taken_at)
    }

    pub fn error(&self, part: AwsPart) -> Option<&SourceError> {
        self.parts.get(&part).and_then(|p| p.error.as_ref())
    }

    /// The composed view: every part's owned fields from its last good snapshot, and gaps for
    /// parts that are failing or have not answered yet.
    pub fn snapshot(&self) -> Snapshot {
        let mut out = Snapshot { source: self.source.clone(), ..Default::default() };
        out.connect.instance_id = self.instance_id.clone();
        out.nextalk.servers = self.servers.clone();
        out.flags = self.flags.clone();
        // Whether each is associated is not read (no ListRoutingProfileQueues): unknown.
        out.queue_shares = self.queue_shares.clone();
        for &part in &self.expected {
            let state = self.parts.get(&part);
            let last = state.and_then(|s| s.last.as_ref());
            if let Some(snap) = last {
                out.taken_at = out.taken_at.max(snap.taken_at);
                overlay(part, snap, &mut out);
                out.gaps.extend(snap.gaps.iter().cloned());
            }
            let problem = match (state.and_then(|s| s.error.as_ref()), last) {
                (Some(e), Some(snap)) => {
                    Some(format!("{}: {e} (figures from {})", part.label(), snap.taken_at.clock()))
                }
                (Some(e), None) => Some(format!("{}: {e}", part.label())),
                (None, None) => Some(format!("{}: waiting for the first answer", part.label())),
                (None, Some(_)) => None,
            };
            if let Some(error) = problem {
                // Gaps on what the part feeds: those figures are missing or stale. The other
                // parts' figures in the same pane stay as they are.
                out.gaps.extend(part.gaps(&error));
                // Without data-defined panes there is nothing in that section to miss.
                if !self.has_panes {
                    out.gaps.retain(|g| g.section != Section::Panes);
                }
            }
        }
        settle_port_gaps(&mut out);
        out
    }
}

/// A ports gap stays only for the servers whose ports are still unknown: the CloudWatch metric
/// missing is no gap where the SSM probe filled it in, and the reverse.
fn settle_port_gaps(snap: &mut Snapshot) {
    let unknown: Vec<String> =
        snap.nextalk.servers.iter().filter(|s| s.ports_in_use.is_none()).map(|s| s.name.clone()).collect();
    let mut gaps = Vec::with_capacity(snap.gaps.len());
    for gap in std::mem::take(&mut snap.gaps) {
        if gap.section != Section::NexTalk || gap.figure != Some(NexTalkFigure::Ports) {
            gaps.push(gap);
            continue;
        }
        match &gap.server {
            Some(server) if unknown.contains(server) => gaps.push(gap),
            Some(_) => {}
            None => {
                gaps.extend(unknown.iter().map(|s| Gap::nextalk(NexTalkFigure::Ports, Some(s), &gap.error)))
            }
        }
    }
    gaps.dedup();
    snap.gaps = gaps;
}

/// Copies the fields `part` owns from `from` into `into`.
fn overlay(part: AwsPart, from: &Snapshot, into: &mut Snapshot) {
    match part {
        AwsPart::Metrics => {
            let queues = std::mem::take(&mut into.connect.queues);
            into.connect = from.connect.clone();
            into.connect.queues = queues;
            if into.connect.instance_id.is_empty() {
                into.connect.instance_id = from.connect.instance_id.clone();
            }
            into.lambda = from.lambda.clone();
            into.kinesis = from.kinesis.clone();
            into.dynamodb = from.dynamodb.clone();
            into.panes = from.panes.clone();
            for_servers(from, into, |src, dst| {
                dst.ports_in_use = src.ports_in_use;
                dst.ports_capacity = src.ports_capacity;
            });
        }
        AwsPart::Queues => into.connect.queues = from.connect.queues.clone(),
        AwsPart::SsmPing => for_servers(from, into, |src, dst| {
            dst.ssm_ping = src.ssm_ping;
            dst.last_seen = src.last_seen;
            // An address in the config wins over what SSM reports.
            if dst.address.as_ref().is_none_or(|a| a.source != AddressSource::Config) {
                dst.address = src.address.clone();
            }
        }),
        AwsPart::Services => for_servers(from, into, |src, dst| dst.services = src.services.clone()),
        // Only where CloudWatch had no datapoint: the metric is the first choice.
        AwsPart::PortsProbe => for_servers(from, into, |src, dst| {
            if dst.ports_in_use.is_none() {
                dst.ports_in_use = src.ports_in_use;
            }
        }),
        AwsPart::Flags => into.flags = from.flags.clone(),
        AwsPart::DbInstances => into.db_instances = from.db_instances.clone(),
    }
}

fn for_servers(from: &Snapshot, into: &mut Snapshot, copy: impl Fn(&NexTalkServer, &mut NexTalkServer)) {
    for src in &from.nextalk.servers {
        if let Some(dst) = into.nextalk.servers.iter_mut().find(|d| d.name == src.name) {
            copy(src, dst);
        }
    }
}

/// The AWS parts as the console's feeds: feed `i` is `parts[i]`; every answer, good or bad,
/// updates its part and the console gets the composed view (errors become gaps).
pub struct AwsFeeds {
    pub parts: Vec<AwsPart>,
    pub composer: AwsComposer,
}

impl crate::source::Compose for AwsFeeds {
    fn update(
        &mut self,
        feed: usize,
        result: Result<Snapshot, SourceError>,
    ) -> Result<Snapshot, SourceError> {
        if let Some(&part) = self.parts.get(feed) {
            self.composer.update(part, result);
        }
        Ok(self.composer.snapshot())
    }

    fn feed_label(&self, feed: usize) -> Option<String> {
        self.parts.get(feed).map(|p| p.short().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{PingStatus, Queue, ServiceStatus, WinService};

    fn settings() -> AwsSettings {
        toml::from_str(
            r#"
[connect]
instance_id = "11111111-2222-3333-4444-555555555555"
[[servers]]
name = "nt-a"
instance_id = "i-0123abcd"
port_capacity = 96
[[servers]]
name = "nt-b"
instance_id = "i-0456abcd"
port_capacity = 96
"#,
        )
        .unwrap()
    }

    fn server(name: &str) -> NexTalkServer {
        NexTalkServer { name: name.into(), ..Default::default() }
    }

    #[test]
    fn parts_that_are_not_configured_are_never_waited_for() {
        let mut plain = settings();
        plain.connect = None;
        plain.servers.clear();
        let s = AwsComposer::new("aws:1/r", &plain).snapshot();
        assert!(s.gaps.iter().all(|g| g.error.starts_with("CloudWatch metrics")), "{:?}", s.gaps);
        assert_eq!(AwsPart::configured(&plain), [AwsPart::Metrics]);
        let mut counter = settings();
        assert_eq!(AwsPart::configured(&counter), AwsPart::ALL[..4], "no counter: no ports probe");
        counter.ports.counter = Some(r"\NexTalk\Ports In Use".into());
        assert_eq!(AwsPart::configured(&counter), AwsPart::ALL[..5], "no [[flags]]: no flags part");
        counter.flags = vec![crate::model::Flag { name: "f".into(), ..Default::default() }];
        assert_eq!(AwsPart::configured(&counter), AwsPart::ALL[..6], "no RDS pane: no RDS part");
        counter.panes = vec![crate::model::PaneDef {
            namespace: "AWS/RDS".into(),
            row_dimension: "DBInstanceIdentifier".into(),
            ..Default::default()
        }];
        assert_eq!(AwsPart::configured(&counter), AwsPart::ALL);
    }

    #[test]
    fn configured_flags_are_unknown_until_parameter_store_answers() {
        let mut s = settings();
        s.flags = vec![crate::model::Flag { name: "crm_bypass".into(), ..Default::default() }];
        let mut c = AwsComposer::new("aws:1/r", &s);
        let before = c.snapshot();
        assert_eq!(before.flags.len(), 1, "listed before any answer");
        assert_eq!(before.flags[0].current, None, "never a default value");
        assert!(before.flags[0].error.as_deref().is_some_and(|e| e.contains("not read yet")));
        let read = crate::model::Flag {
            name: "crm_bypass".into(),
            current: Some("on".into()),
            read_at: Some(Timestamp(5)),
            ..Default::default()
        };
        c.update(AwsPart::Flags, Ok(Snapshot { flags: vec![read.clone()], ..Default::default() }));
        assert_eq!(c.snapshot().flags, [read]);
    }

    fn ports_of(s: &Snapshot) -> Vec<Option<u32>> {
        s.nextalk.servers.iter().map(|x| x.ports_in_use).collect()
    }

    /// The metric first, the probe where the metric has nothing; a ports gap only where
    /// neither knows, and only on the ports of that server.
    #[test]
    fn the_ports_probe_fills_what_the_metric_lacks_and_gaps_stay_on_the_unknown_server() {
        let mut s = settings();
        s.ports.counter = Some(r"\NexTalk\Ports In Use".into());
        let mut c = AwsComposer::new("aws:1/r", &s);
        let mut m = Snapshot::default();
        m.nextalk.servers = vec![
            NexTalkServer { ports_in_use: Some(40), ..server("nt-a") },
            NexTalkServer { ports_in_use: None, ..server("nt-b") },
        ];
        m.gaps.push(Gap::nextalk(
            NexTalkFigure::Ports,
            Some("nt-b"),
            "GetMetricData: no NexTalk/PortsInUse datapoint",
        ));
        c.update(AwsPart::Metrics, Ok(m));
        // The probe has not answered yet: nt-b's ports are unknown, with both reasons.
        let snap = c.snapshot();
        assert_eq!(ports_of(&snap), [Some(40), None]);
        let ports_gaps: Vec<_> =
            snap.gaps.iter().filter(|g| g.figure == Some(NexTalkFigure::Ports)).collect();
        assert!(ports_gaps.iter().all(|g| g.server.as_deref() == Some("nt-b")), "{ports_gaps:?}");
        assert_eq!(ports_gaps.len(), 2, "{ports_gaps:?}");
        let mut p = Snapshot::default();
        p.nextalk.servers = vec![
            NexTalkServer { ports_in_use: Some(99), ..server("nt-a") },
            NexTalkServer { ports_in_use: Some(12), ..server("nt-b") },
        ];
        c.update(AwsPart::PortsProbe, Ok(p));
        let snap = c.snapshot();
        assert_eq!(ports_of(&snap), [Some(40), Some(12)], "the metric wins where it has a datapoint");
        assert!(!snap.gaps.iter().any(|g| g.figure == Some(NexTalkFigure::Ports)), "{:?}", snap.gaps);
        // CloudWatch down, the probe up: the probe's figures stand, CloudWatch's sections show the gap.
        c.update(AwsPart::Metrics, Err(SourceError::Throttled { operation: "GetMetricData".into() }));
        let snap = c.snapshot();
        assert_eq!(ports_of(&snap), [Some(40), Some(12)], "the last good metric stays for nt-a");
        assert!(snap.gaps.iter().any(|g| g.section == Section::Lambda && g.figure.is_none()));
        assert!(!snap.gaps.iter().any(|g| g.figure == Some(NexTalkFigure::Ports)), "{:?}", snap.gaps);
    }

    #[test]
    fn an_address_in_the_config_wins_over_the_one_ssm_reports() {
        let mut s = settings();
        s.servers[0].address = Some("nt-a.corp.example".into());
        let mut c = AwsComposer::new("aws:1/r", &s);
        let ssm = |host: &str, source| Some(Address { host: host.into(), source });
        let mut p = Snapshot::default();
        p.nextalk.servers = vec![
            NexTalkServer { address: ssm("10.0.1.11", AddressSource::SsmIpAddress), ..server("nt-a") },
            NexTalkServer { address: ssm("10.0.1.12", AddressSource::SsmIpAddress), ..server("nt-b") },
        ];
        c.update(AwsPart::SsmPing, Ok(p));
        let snap = c.snapshot();
        let addrs: Vec<_> = snap.nextalk.servers.iter().map(|x| x.address.clone()).collect();
        assert_eq!(
            addrs,
            [ssm("nt-a.corp.example", AddressSource::Config), ssm("10.0.1.12", AddressSource::SsmIpAddress)]
        );
    }

    #[test]
    fn parts_fill_their_own_fields_and_errors_keep_the_last_figures() {
        let mut c = AwsComposer::new("aws:1/r", &settings());
        let s = c.snapshot();
        assert_eq!(s.nextalk.servers.len(), 2);
        assert_eq!(
            s.gaps.len(),
            4 + 2 + 1 + 1 + 1,
            "every part is waiting, on each section it feeds (ports per server): {:?}",
            s.gaps
        );

        let mut m = Snapshot::default();
        m.nextalk.servers =
            vec![NexTalkServer { ports_in_use: Some(40), ports_capacity: 96, ..server("nt-a") }];
        c.update(AwsPart::Metrics, Ok(m));
        let mut q = Snapshot::default();
        q.connect.queues = vec![Queue { name: "Billing".into(), ..Default::default() }];
        c.update(AwsPart::Queues, Ok(q));
        let mut p = Snapshot::default();
        p.nextalk.servers = vec![NexTalkServer { ssm_ping: PingStatus::Online, ..server("nt-b") }];
        c.update(AwsPart::SsmPing, Ok(p));
        let mut v = Snapshot::default();
        let svc = WinService { name: "NexTalk Chat Bridge".into(), status: ServiceStatus::Running };
        v.nextalk.servers = vec![NexTalkServer { services: vec![svc], ..server("nt-a") }];
        c.update(AwsPart::Services, Ok(v));

        let s = c.snapshot();
        assert!(s.gaps.is_empty(), "{:?}", s.gaps);
        assert_eq!(s.connect.queues.len(), 1);
        assert_eq!(s.nextalk.servers[0].ports_in_use, Some(40));
        assert_eq!(s.nextalk.servers[0].services.len(), 1);
        assert_eq!(s.nextalk.servers[1].ssm_ping, PingStatus::Online);

        c.update(AwsPart::Queues, Err(SourceError::Throttled { operation: "GetCurrentMetricData".into() }));
        let s = c.snapshot();
        assert_eq!(s.connect.queues.len(), 1, "last good queue figures stay");
        assert_eq!(s.gaps.len(), 1);
        assert_eq!(s.gaps[0].section, Section::Queues);
        assert!(
            s.gaps[0].error.starts_with("Connect queues: GetCurrentMetricData: throttled"),
            "{:?}",
            s.gaps
        );
        assert_eq!(s.nextalk.servers[0].ports_in_use, Some(40), "other parts untouched");
    }
}
