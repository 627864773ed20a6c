//! What an action does to live traffic, from the current telemetry: the calls, chats or
//! servers it affects. Nothing is guessed: a figure that is missing makes the impact unknown,
//! and says which figure. The confirmation shows it, and asks for typing unless it is none.

use crate::model::{ServiceStatus, Snapshot};
use crate::source::{RemoteAction, Target};

/// How much an action touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImpactLevel {
    /// Nothing live depends on what it changes (a stopped service, a read-only probe), or
    /// nothing in progress is interrupted (an AWS control-plane change: a flag new calls read,
    /// a table's capacity, a stream's shards).
    None,
    /// It affects live traffic, by the figures shown.
    Some,
    /// A figure it depends on is missing: nobody can say.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Impact {
    pub level: ImpactLevel,
    /// One line per target (and the room elsewhere), e.g. `drops 87 calls in progress on nt-a`.
    pub lines: Vec<String>,
}

impl Impact {
    fn none(line: impl Into<String>) -> Impact {
        Impact { level: ImpactLevel::None, lines: vec![line.into()] }
    }

    /// Needs more than a button press: typing the name.
    pub fn needs_typing(&self) -> bool {
        self.level != ImpactLevel::None
    }
}

/// The impact of `action` on `targets` by the figures in `snap` (`None` action: a UI effect).
pub fn of(action: Option<&RemoteAction>, targets: &[Target], snap: &Snapshot) -> Impact {
    let Some(action) = action else { return Impact::none("changes nothing (opens a log view)") };
    match action {
        RemoteAction::RestartService { service } => restart(service, targets, snap),
        RemoteAction::QueryServices { .. }
        | RemoteAction::TailLog { .. }
        | RemoteAction::ResolveDns { .. }
        | RemoteAction::TestTcp { .. }
        | RemoteAction::ReadCounter { .. } => Impact::none("changes nothing (a read-only probe)"),
        // The AWS control-plane actions restart nothing and hold no call: what they change is
        // in the confirmation's summary (old -> new, cost, limits); here only what it does to
        // the calls in progress, which is nothing.
        RemoteAction::SetParameter { parameter, value } => {
            let meaning = snap
                .flags
                .iter()
                .find(|f| f.parameter == *parameter)
                .and_then(|f| f.meaning(value))
                .map(|m| format!(" ({m})"))
                .unwrap_or_default();
            Impact::none(format!(
                "no call in progress is dropped or cut off: contact flows read {parameter} on the calls that \
                 come in after it is {value:?}{meaning}"
            ))
        }
        RemoteAction::UpdateTable { table, .. } => Impact::none(format!(
            "no call in progress is dropped: table {table} keeps serving reads and writes while its capacity \
             changes"
        )),
        RemoteAction::UpdateShardCount { stream, .. } => Impact::none(format!(
            "no call in progress is dropped: stream {stream} keeps taking and serving records while it reshards"
        )),
        RemoteAction::ModifyDbStorage { instance, .. } => grow_storage(instance, snap),
        RemoteAction::RoutingProfileQueue(call) => share(call, snap),
    }
}

/// Growing RDS storage on SSD volumes (gp2, gp3, io1, io2) needs no restart and no failover:
/// the instance keeps serving while it is `modifying`, and writes refused for space resume when
/// the space arrives. On magnetic storage, or with the type not known, nobody can say.
fn grow_storage(instance: &str, snap: &Snapshot) -> Impact {
    let Some(db) = snap.db_instances.iter().find(|d| d.id == instance) else {
        return Impact {
            level: ImpactLevel::Unknown,
            lines: vec![format!("unknown: DB instance {instance} is not in the latest DescribeDBInstances")],
        };
    };
    match db.storage_type.as_deref() {
        Some(t @ ("gp2" | "gp3" | "io1" | "io2")) => Impact::none(format!(
            "no downtime: {instance} ({t}) keeps serving while RDS adds the storage (no restart, no failover); {}",
            if db.status == "storage-full" {
                "the writes it refuses now for lack of space resume when the space arrives, in minutes"
            } else {
                "the space arrives in minutes"
            }
        )),
        Some(other) => Impact {
            level: ImpactLevel::Unknown,
            lines: vec![format!(
                "unknown: {instance} has {other:?} storage; RDS documents no-downtime storage scaling for gp2, gp3, \
                 io1 and io2 only"
            )],
        },
        None => Impact {
            level: ImpactLevel::Unknown,
            lines: vec![format!("unknown: DescribeDBInstances gave no StorageType for {instance}")],
        },
    }
}

/// Sharing a queue with another routing profile drops nothing, but its agents now answer a
/// second queue: the donor queue's callers wait for the same agents. Both queues' figures
/// now, and how many agents gain (or lose) the queue; a figure that is not there says so.
fn share(call: &crate::source::QueueShareCall, snap: &Snapshot) -> Impact {
    let mut level = ImpactLevel::Some;
    let mut lines = Vec::new();
    let def = snap.queue_shares.iter().find(|s| s.routing_profile_id == call.routing_profile_id);
    let verb = if call.associate { "gain" } else { "lose" };
    match def.and_then(|d| d.profile_agents) {
        Some(n) => lines.push(format!(
            "{n} agents of routing profile {} {verb} queue {} ({})",
            call.routing_profile, call.queue, call.channel
        )),
        None => {
            level = ImpactLevel::Unknown;
            lines.push(format!(
                "unknown: how many agents routing profile {} has is not in the figures; they all {verb} queue {}",
                call.routing_profile, call.queue
            ));
        }
    }
    let mut figures = |name: &str| -> String {
        let (line, known) = queue_figures(name, snap);
        if !known {
            level = ImpactLevel::Unknown;
        }
        line
    };
    match def {
        Some(d) if call.associate => {
            let donor = figures(&d.donor_queue);
            lines.push(format!(
                "{donor}: its callers now wait for agents who also answer {}{}",
                call.queue,
                if call.priority > 1 {
                    format!(" (at priority {}: only when none of theirs waits, but a {} contact an agent took runs to its end)", call.priority, call.queue)
                } else {
                    " (at priority 1: oldest first across both)".to_string()
                }
            ));
            lines.push(figures(&call.queue));
        }
        Some(d) => {
            lines.push(figures(&call.queue));
            lines.push(format!("{}: gets its agents back for its own callers", figures(&d.donor_queue)));
        }
        None => {
            lines.push(figures(&call.queue));
            lines.push(format!(
                "unknown: which queue of its own routing profile {} serves is not configured",
                call.routing_profile
            ));
            level = ImpactLevel::Unknown;
        }
    }
    lines.push("no contact in progress is dropped or moved".into());
    Impact { level, lines }
}

/// `TTY Relay: 412 waiting (oldest 9m), 0 of 30 agents available`, and whether it is known.
fn queue_figures(name: &str, snap: &Snapshot) -> (String, bool) {
    match snap.connect.queues.iter().find(|q| q.name == name) {
        Some(q) => {
            let oldest = q.oldest_contact_age_s.map_or_else(
                || "nobody waiting".to_string(),
                |s| {
                    format!(
                        "oldest {}",
                        crate::model::fmt_duration(std::time::Duration::from_secs_f64(s.max(0.0)))
                    )
                },
            );
            (
                format!(
                    "{name}: {} waiting ({oldest}), {} of {} agents available",
                    q.contacts_in_queue, q.agents_available, q.agents_online
                ),
                true,
            )
        }
        None => (format!("{name}: unknown (not in the latest queue figures)"), false),
    }
}

/// What the NexTalk services carry, as the playbook describes them.
#[derive(Clone, Copy)]
enum Carries {
    /// NexTalk Server: every TTY call holds a port on it; a restart drops them.
    Calls,
    /// Chat Bridge: each TTY call's Connect chat goes through it; a restart ends them.
    Chats,
    /// App API: lookups and screen pops for the calls on the server.
    Lookups,
}

fn carries(service: &str) -> Option<Carries> {
    let s = service.to_ascii_lowercase().replace(' ', "");
    match s.as_str() {
        "nextalkserver" => Some(Carries::Calls),
        "nextalkchatbridge" => Some(Carries::Chats),
        "nextalkappapi" => Some(Carries::Lookups),
        _ => None,
    }
}

fn restart(service: &str, targets: &[Target], snap: &Snapshot) -> Impact {
    let mut level = ImpactLevel::None;
    let mut lines = Vec::new();
    let worse = |a: ImpactLevel, b: ImpactLevel| match (a, b) {
        (ImpactLevel::Unknown, _) | (_, ImpactLevel::Unknown) => ImpactLevel::Unknown,
        (ImpactLevel::Some, _) | (_, ImpactLevel::Some) => ImpactLevel::Some,
        (ImpactLevel::None, ImpactLevel::None) => ImpactLevel::None,
    };
    for t in targets {
        let (l, line) = restart_on(service, t, targets, snap);
        level = worse(level, l);
        lines.extend(line);
    }
    Impact { level, lines }
}

fn restart_on(service: &str, t: &Target, all: &[Target], snap: &Snapshot) -> (ImpactLevel, Vec<String>) {
    let name = &t.server;
    let Some(srv) = snap.nextalk.servers.iter().find(|s| s.name == *name) else {
        return (ImpactLevel::Unknown, vec![format!("unknown: {name} is not in the latest telemetry")]);
    };
    let gap = snap.gaps.iter().find(|g| g.section == crate::model::Section::NexTalk && g.figure.is_none());
    if let Some(g) = gap {
        return (ImpactLevel::Unknown, vec![format!("unknown: NexTalk figures are missing ({})", g.error)]);
    }
    let status = srv.service(service).map(|s| s.status);
    // A service that does not run carries nothing now; restarting it starts it.
    if let Some(s @ (ServiceStatus::Stopped | ServiceStatus::NotFound | ServiceStatus::StopPending)) = status
    {
        return (
            ImpactLevel::None,
            vec![format!("none: {service} is {} on {name}, nothing runs through it", s.as_str())],
        );
    }
    let Some(what) = carries(service) else {
        return (
            ImpactLevel::Unknown,
            vec![format!("unknown: what {service} carries on {name} is not known to Switchboard")],
        );
    };
    let Some(calls) = srv.ports_in_use else {
        return (
            ImpactLevel::Unknown,
            vec![format!("unknown: the calls in progress on {name} are not known (no ports-in-use figure)")],
        );
    };
    if calls == 0 {
        return (ImpactLevel::None, vec![format!("none: no TTY calls in progress on {name}")]);
    }
    let first = match what {
        Carries::Calls => format!("drops {calls} calls in progress on {name}"),
        Carries::Chats => format!("ends the Connect chats of the {calls} TTY calls in progress on {name}"),
        Carries::Lookups => {
            format!("{calls} TTY calls in progress on {name} lose lookups and screen pops while it restarts")
        }
    };
    let mut lines = vec![first];
    if matches!(what, Carries::Calls) {
        // Where those callers can go: the free ports on the other servers that take calls.
        for other in snap.nextalk.servers.iter().filter(|s| s.name != *name) {
            let up = other.service("NexTalk Server").map(|s| s.status);
            let room = match (up, other.ports_in_use) {
                (Some(ServiceStatus::Running), Some(used)) => {
                    format!("{} has room for {}", other.name, other.ports_capacity.saturating_sub(used))
                }
                (Some(ServiceStatus::Running), None) => {
                    format!("room on {} unknown (no ports figure)", other.name)
                }
                (Some(s), _) => format!("{} takes no calls (NexTalk Server {})", other.name, s.as_str()),
                (None, _) => format!("room on {} unknown (no NexTalk Server state)", other.name),
            };
            let restarted_too = all.iter().any(|t| t.server == other.name);
            lines.push(if restarted_too { format!("{room}, but it is restarted too") } else { room });
        }
    }
    (ImpactLevel::Some, lines)
}
