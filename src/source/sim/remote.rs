//! Remote commands on the simulated servers, with SSM's lifecycle: Pending → InProgress →
//! Success / Failed / Cancelled. A service restart walks the service through StopPending →
//! Stopped → StartPending → Running over several simulated seconds and changes the model as
//! it goes; read-only commands answer from the model's state when they finish.
//!
//! What a finished command printed comes from `ps51::print`, the same PowerShell 5.1 output
//! the fixtures pin down, for the script `powershell::render` writes; a command `render`
//! refuses is refused here too.

use super::Simulator;
use super::nextalk::Svc;
use super::rng::SimRng;
use crate::model::ServiceStatus;
use crate::source::powershell::{self, RenderContext};
use crate::source::ps51::{
    self, CounterOutcome, DnsOutcome, DnsRecord, DnsType, Execution, QueriedService, RestartOutcome,
    ScriptRun, TailOutcome, TcpOutcome,
};
use crate::source::remote::{
    AWS_TARGET, CommandId, CommandStatus, Invocation, RemoteAction, RemoteError, Target,
};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};

/// SSM's output limits.
const STDOUT_LIMIT: usize = 24_000;
const STDERR_LIMIT: usize = 8_000;
/// SendCommand accepts at most 50 instance ids.
const MAX_TARGETS: usize = 50;
/// Finished commands kept for polling; older ones are forgotten, as SSM eventually does.
const KEEP_COMMANDS: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    InProgress,
    Service(Svc, ServiceStatus),
    Finish,
}

#[derive(Debug, Clone)]
struct Step {
    at: i64,
    phase: Phase,
}

#[derive(Debug, Clone)]
struct Inv {
    server: usize,
    status: CommandStatus,
    steps: VecDeque<Step>,
    /// For a restart: how many 2-second waits `Restart-Service` warns about while the
    /// service stops and while it starts, from the planned timings.
    waits: (u32, u32),
    code: Option<i32>,
    stdout: String,
    stderr: String,
    stdout_truncated: bool,
    stderr_truncated: bool,
}

#[derive(Debug, Clone)]
struct Command {
    id: CommandId,
    action: RemoteAction,
    submitted: i64,
    invs: Vec<Inv>,
}

#[derive(Debug, Clone)]
pub struct Commands {
    /// Timings: seeded, so a run replays the same.
    rng: SimRng,
    /// Command ids: unique per command across runs and processes (audit records of every
    /// demo session share one log), so not from the seed.
    ids: SimRng,
    list: VecDeque<Command>,
    /// Answered AWS API calls (PutParameter, UpdateTable, UpdateShardCount): synchronous, so
    /// each is done when `submit` returns; kept for polling like a command.
    api_calls: VecDeque<ApiCall>,
}

#[derive(Debug, Clone)]
struct ApiCall {
    id: CommandId,
    result: Result<String, String>,
}

/// Where the simulated servers keep their logs (the config's default).
const LOG_DIR: &str = powershell::DEFAULT_LOG_DIR;

/// Entropy for command ids: the process's random hash keys, the clock and a counter, so two
/// simulators (in one process or two) never hand out the same id.
fn id_seed() -> u64 {
    use std::hash::BuildHasher;
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    std::collections::hash_map::RandomState::new().hash_one((n, nanos, std::process::id()))
}

impl Commands {
    pub fn new(rng: SimRng) -> Commands {
        Commands { rng, ids: SimRng::new(id_seed()), list: VecDeque::new(), api_calls: VecDeque::new() }
    }

    fn find(&self, id: &CommandId) -> Option<&Command> {
        self.list.iter().find(|c| c.id == *id)
    }
}

/// The steps of one invocation, timed from `t0`. Service timings are those of a Windows
/// service with some work to do on stop (NexTalk Server drains its calls) and on start.
fn plan(
    action: &RemoteAction,
    current: Option<ServiceStatus>,
    t0: i64,
    rng: &mut SimRng,
) -> (VecDeque<Step>, (u32, u32)) {
    let mut steps = VecDeque::new();
    let mut waits = (0, 0);
    // `Restart-Service` waits in 2-second slices and warns after each one that runs out.
    let warnings = |seconds: i64| u32::try_from((seconds.max(1) - 1) / 2).unwrap_or(0);
    // Pending for a second or two (the agent picks the command up), visible to the first poll.
    let mut at = t0 + i64::from(rng.range(2, 3));
    steps.push_back(Step { at, phase: Phase::InProgress });
    match action {
        RemoteAction::RestartService { service } => match (Svc::lookup(service), current) {
            (Some(svc), Some(status)) => {
                let slow = svc == Svc::Server;
                if status != ServiceStatus::Stopped {
                    let from = at;
                    at += 1;
                    steps.push_back(Step { at, phase: Phase::Service(svc, ServiceStatus::StopPending) });
                    at += i64::from(if slow { rng.range(4, 6) } else { rng.range(2, 4) });
                    steps.push_back(Step { at, phase: Phase::Service(svc, ServiceStatus::Stopped) });
                    waits.0 = warnings(at - from);
                }
                let from = at;
                at += 1;
                steps.push_back(Step { at, phase: Phase::Service(svc, ServiceStatus::StartPending) });
                at += i64::from(if slow { rng.range(5, 7) } else { rng.range(3, 5) });
                steps.push_back(Step { at, phase: Phase::Service(svc, ServiceStatus::Running) });
                waits.1 = warnings(at - from);
                steps.push_back(Step { at: at + 1, phase: Phase::Finish });
            }
            (None, _) | (Some(_), None) => steps.push_back(Step { at: at + 1, phase: Phase::Finish }),
        },
        RemoteAction::QueryServices { .. }
        | RemoteAction::TailLog { .. }
        | RemoteAction::ResolveDns { .. }
        | RemoteAction::TestTcp { .. }
        | RemoteAction::ReadCounter { .. }
        // Not reached: `submit` answers API calls itself.
        | RemoteAction::SetParameter { .. }
        | RemoteAction::UpdateTable { .. }
        | RemoteAction::UpdateShardCount { .. }
        | RemoteAction::ModifyDbStorage { .. } => {
            steps.push_back(Step { at: at + i64::from(rng.range(1, 2)), phase: Phase::Finish })
        }
        | RemoteAction::RoutingProfileQueue(_) => {
            steps.push_back(Step { at: at + i64::from(rng.range(1, 2)), phase: Phase::Finish })
        }
    }
    (steps, waits)
}

impl Simulator {
    /// Sends `action` to `targets` (SendCommand). The invocations exist from the next simulated
    /// second on; polling earlier gets `InvocationDoesNotExist`, as with SSM.
    pub fn submit(&mut self, action: &RemoteAction, targets: &[Target]) -> Result<CommandId, RemoteError> {
        if targets.is_empty() {
            return Err(RemoteError::Refused("no targets".into()));
        }
        if action.is_control_plane() {
            return self.api_call(action, targets);
        }
        if targets.len() > MAX_TARGETS {
            return Err(RemoteError::Refused(format!(
                "{} targets; SendCommand takes at most {MAX_TARGETS}",
                targets.len()
            )));
        }
        // What SSM would refuse to send is refused here, with the same words.
        powershell::render(action, &RenderContext { log_dir: LOG_DIR.to_string() })
            .map_err(|e| RemoteError::Refused(e.to_string()))?;
        let mut servers = Vec::with_capacity(targets.len());
        for target in targets {
            let i = self
                .nextalk
                .servers
                .iter()
                .position(|s| s.name == target.server && s.instance_id == target.instance_id)
                .ok_or_else(|| {
                    RemoteError::UnknownServer(format!("{} ({})", target.server, target.instance_id))
                })?;
            if !servers.contains(&i) {
                servers.push(i);
            }
        }
        let t0 = self.t;
        let id = CommandId(self.commands.ids.uuid());
        let invs = servers
            .into_iter()
            .map(|server| {
                let current = match action {
                    RemoteAction::RestartService { service } => {
                        Svc::lookup(service).map(|svc| self.nextalk.servers[server].service(svc))
                    }
                    RemoteAction::QueryServices { .. }
                    | RemoteAction::TailLog { .. }
                    | RemoteAction::ResolveDns { .. }
                    | RemoteAction::TestTcp { .. }
                    | RemoteAction::ReadCounter { .. }
                    | RemoteAction::SetParameter { .. }
                    | RemoteAction::UpdateTable { .. }
                    | RemoteAction::UpdateShardCount { .. }
                    | RemoteAction::ModifyDbStorage { .. } => None,
                    RemoteAction::RoutingProfileQueue(_) => None,
                };
                let (steps, waits) = plan(action, current, t0, &mut self.commands.rng);
                Inv {
                    server,
                    status: CommandStatus::Pending,
                    steps,
                    waits,
                    code: None,
                    stdout: String::new(),
                    stderr: String::new(),
                    stdout_truncated: false,
                    stderr_truncated: false,
                }
            })
            .collect();
        if self.commands.list.len() >= KEEP_COMMANDS {
            self.commands.list.pop_front();
        }
        self.commands.list.push_back(Command { id: id.clone(), action: action.clone(), submitted: t0, invs });
        Ok(id)
    }

    /// An AWS API call on the demo's own resources: its Parameter Store, tables and streams.
    /// It changes the model at once, as the real call returns once AWS accepted it; what the
    /// change does to the figures follows second by second.
    fn api_call(&mut self, action: &RemoteAction, targets: &[Target]) -> Result<CommandId, RemoteError> {
        match targets {
            [t] if t.server == AWS_TARGET => {}
            _ => {
                return Err(RemoteError::Refused(format!(
                    "{} runs on the AWS API, not on servers",
                    action.summary()
                )));
            }
        }
        let t = self.t;
        let result = match action {
            RemoteAction::SetParameter { parameter, value } => {
                self.flags.put(parameter, value, super::stamp(t)).map(|(effect, v)| {
                    let on = value == "on";
                    match effect {
                        super::flags::Effect::CrmBypass => self.lambda.set_crm_bypass(on),
                        super::flags::Effect::CallbackOnly { queue } => {
                            self.connect.set_callback_only(queue, on)
                        }
                        super::flags::Effect::EmergencyMessage { queue } => {
                            self.connect.set_emergency(queue, on, &mut self.rng)
                        }
                        super::flags::Effect::ActiveServers => self.nextalk.set_rotation(t, value),
                    }
                    format!("PutParameter {parameter}: Version {v}, Tier Standard")
                })
            }
            RemoteAction::UpdateTable { table, capacity } => self
                .dynamodb
                .update(table, *capacity)
                .map(|before| format!("UpdateTable {table}: TableStatus UPDATING ({before} -> {capacity})")),
            RemoteAction::UpdateShardCount { stream, target } => {
                let current = self.kinesis_open_shards(stream);
                let target = target.or(current.map(|c| c * 2)).unwrap_or(0);
                self.kinesis.update_shard_count(t, stream, target).map(|from| {
                    format!("UpdateShardCount {stream}: CurrentShardCount {from}, TargetShardCount {target}")
                })
            }
            RemoteAction::ModifyDbStorage { instance, allocated_gib, max_allocated_gib } => self
                .estate
                .modify_db_storage(t, instance, *allocated_gib, *max_allocated_gib)
                .map(|db| crate::source::rds_answer("ModifyDBInstance", &db)),
            // The same answer line as the live call's (Connect's own answer is an empty 200).
            RemoteAction::RoutingProfileQueue(call) => self.connect.associate(call).map(|_| {
                let (op, id, q, ch) =
                    (call.operation(), &call.routing_profile_id, &call.queue_id, &call.channel);
                if call.associate {
                    format!(
                        "{op} {id}: queue {q} ({ch}) associated at priority {}, delay {} s",
                        call.priority, call.delay_s
                    )
                } else {
                    format!("{op} {id}: queue {q} ({ch}) disassociated")
                }
            }),
            RemoteAction::RestartService { .. }
            | RemoteAction::QueryServices { .. }
            | RemoteAction::TailLog { .. }
            | RemoteAction::ResolveDns { .. }
            | RemoteAction::TestTcp { .. }
            | RemoteAction::ReadCounter { .. } => {
                return Err(RemoteError::Refused(format!("{} is not an AWS API call", action.summary())));
            }
        };
        let id = CommandId(self.commands.ids.uuid());
        if self.commands.api_calls.len() >= KEEP_COMMANDS {
            self.commands.api_calls.pop_front();
        }
        self.commands.api_calls.push_back(ApiCall { id: id.clone(), result });
        Ok(id)
    }

    fn kinesis_open_shards(&self, stream: &str) -> Option<u32> {
        self.kinesis.snapshot().into_iter().find(|s| s.name == stream).and_then(|s| s.open_shards)
    }

    /// GetCommandInvocation for one server.
    pub fn invocation(&self, id: &CommandId, server: &str) -> Result<Invocation, RemoteError> {
        if let Some(call) = self.commands.api_calls.iter().find(|c| c.id == *id && server == AWS_TARGET) {
            let (status, code, stdout, stderr) = match &call.result {
                Ok(out) => (CommandStatus::Success, 0, out.clone(), String::new()),
                Err(e) => (CommandStatus::Failed, 1, String::new(), e.clone()),
            };
            return Ok(Invocation {
                command_id: id.clone(),
                server: server.to_string(),
                status,
                response_code: Some(code),
                stdout,
                stderr,
                stdout_truncated: false,
                stderr_truncated: false,
            });
        }
        let cmd = self.commands.find(id).ok_or_else(|| RemoteError::UnknownCommand(id.0.clone()))?;
        let missing = || RemoteError::InvocationDoesNotExist(format!("{id} on {server}"));
        if cmd.submitted >= self.t {
            return Err(missing());
        }
        let inv = cmd
            .invs
            .iter()
            .find(|inv| self.nextalk.servers.get(inv.server).is_some_and(|s| s.name == server))
            .ok_or_else(missing)?;
        Ok(Invocation {
            command_id: cmd.id.clone(),
            server: server.to_string(),
            status: inv.status,
            response_code: inv.code,
            stdout: inv.stdout.clone(),
            stderr: inv.stderr.clone(),
            stdout_truncated: inv.stdout_truncated,
            stderr_truncated: inv.stderr_truncated,
        })
    }

    /// CancelCommand. A restart cancelled half-way leaves the service where the script left
    /// it: a service that was stopping still stops, and nobody starts it again.
    pub fn cancel(&mut self, id: &CommandId) -> Result<(), RemoteError> {
        if self.commands.api_calls.iter().any(|c| c.id == *id) {
            // An API call is answered when sent: nothing is left to cancel.
            return Ok(());
        }
        let Some(cmd) = self.commands.list.iter_mut().find(|c| c.id == *id) else {
            return Err(RemoteError::UnknownCommand(id.0.clone()));
        };
        for inv in cmd.invs.iter_mut().filter(|inv| !inv.status.is_terminal()) {
            inv.status = CommandStatus::Cancelled;
            let mut next_service = inv.steps.iter().find_map(|s| match s.phase {
                Phase::Service(..) => Some(s.clone()),
                _ => None,
            });
            // Only a transition the service manager already started carries on.
            if let Some(Step { phase: Phase::Service(svc, to), .. }) = &next_service {
                let now = self.nextalk.servers[inv.server].service(*svc);
                let in_flight = matches!(
                    (now, to),
                    (ServiceStatus::StopPending, ServiceStatus::Stopped)
                        | (ServiceStatus::StartPending, ServiceStatus::Running)
                );
                if !in_flight {
                    next_service = None;
                }
            }
            inv.steps = next_service.into_iter().collect();
        }
        Ok(())
    }

    /// Applies every command step that is due.
    pub(super) fn run_commands(&mut self) {
        let t = self.t;
        for c in 0..self.commands.list.len() {
            for k in 0..self.commands.list[c].invs.len() {
                while let Some(step) = self.commands.list[c].invs[k].steps.front().cloned() {
                    if step.at > t {
                        break;
                    }
                    self.commands.list[c].invs[k].steps.pop_front();
                    self.apply(c, k, step.phase);
                }
            }
        }
    }

    fn apply(&mut self, c: usize, k: usize, phase: Phase) {
        let t = self.t;
        let server = self.commands.list[c].invs[k].server;
        match phase {
            Phase::InProgress => {
                let inv = &mut self.commands.list[c].invs[k];
                if inv.status == CommandStatus::Pending {
                    inv.status = CommandStatus::InProgress;
                }
            }
            Phase::Service(svc, status) => {
                self.nextalk.set_service(t, server, svc, status, &mut self.rng, &mut self.connect);
            }
            Phase::Finish => {
                let cmd = &self.commands.list[c];
                let printed = self.output(&cmd.action, &cmd.id, server, cmd.invs[k].waits);
                let inv = &mut self.commands.list[c].invs[k];
                if inv.status.is_terminal() {
                    return;
                }
                inv.status = printed.status();
                inv.code = Some(printed.exit_code);
                (inv.stdout, inv.stdout_truncated) = truncate(printed.stdout, STDOUT_LIMIT);
                (inv.stderr, inv.stderr_truncated) = truncate(printed.stderr, STDERR_LIMIT);
            }
        }
    }

    /// What happened on `server` when the command's script ran, from the model's state now.
    /// `None` for AWS API calls, which run no script.
    fn execution(&self, action: &RemoteAction, server: usize, waits: (u32, u32)) -> Option<Execution> {
        let srv = &self.nextalk.servers[server];
        Some(match action {
            RemoteAction::RestartService { service } => Execution::RestartService {
                service: service.clone(),
                outcome: match Svc::lookup(service) {
                    None => RestartOutcome::NotFound,
                    Some(svc) if srv.service(svc) == ServiceStatus::Running => RestartOutcome::Restarted {
                        key: svc.key().into(),
                        display: svc.display().into(),
                        stop_waits: waits.0,
                        start_waits: waits.1,
                    },
                    // Something stopped it again before the script saw it run.
                    Some(svc) => RestartOutcome::CannotStart {
                        key: svc.key().into(),
                        display: svc.display().into(),
                        stop_waits: waits.0,
                    },
                },
            },
            RemoteAction::QueryServices { services } => Execution::QueryServices {
                services: services
                    .iter()
                    .map(|name| QueriedService {
                        name: name.clone(),
                        status: Svc::lookup(name).map(|s| srv.service(s)),
                    })
                    .collect(),
            },
            RemoteAction::TailLog { lines } => {
                let n = (*lines).clamp(1, powershell::MAX_TAIL_LINES) as usize;
                Execution::TailLog {
                    lines: *lines,
                    outcome: TailOutcome::Lines {
                        lines: srv.log.tail(n).iter().map(|l| l.render()).collect(),
                    },
                }
            }
            RemoteAction::ResolveDns { name } => Execution::ResolveDns {
                name: name.clone(),
                outcome: match resolve(name) {
                    Some(ip) => DnsOutcome::Records {
                        records: vec![DnsRecord { name: name.clone(), kind: DnsType::A, ip: Some(ip) }],
                    },
                    None => DnsOutcome::NameError,
                },
            },
            RemoteAction::TestTcp { host, port } => Execution::TestTcp {
                host: host.clone(),
                port: *port,
                outcome: match resolve(host) {
                    None => TcpOutcome::NameUnresolved,
                    // AWS endpoints are reached over the site's Direct Connect link.
                    Some(_) if is_aws(host) && !self.nextalk.reaches_connect(server) => TcpOutcome::Closed,
                    Some(_) => TcpOutcome::Connected,
                },
            },
            RemoteAction::ReadCounter { counter } => Execution::ReadCounter {
                counter: counter.clone(),
                outcome: if counter.eq_ignore_ascii_case(super::nextalk::PORTS_COUNTER) {
                    CounterOutcome::Value { value: f64::from(srv.ports_in_use()) }
                } else {
                    CounterOutcome::NotFound
                },
            },
            RemoteAction::SetParameter { .. }
            | RemoteAction::UpdateTable { .. }
            | RemoteAction::UpdateShardCount { .. }
            | RemoteAction::ModifyDbStorage { .. } => return None,
            RemoteAction::RoutingProfileQueue(_) => return None,
        })
    }

    /// Exit code, stdout and stderr of a finished command, as PowerShell 5.1 prints them.
    fn output(
        &self,
        action: &RemoteAction,
        id: &CommandId,
        server: usize,
        waits: (u32, u32),
    ) -> ps51::Printed {
        let srv = &self.nextalk.servers[server];
        let run = ScriptRun { instance_id: srv.instance_id.clone(), command_id: id.0.clone() };
        let ctx = RenderContext { log_dir: LOG_DIR.to_string() };
        // `submit` renders every action first (and answers API calls itself), so neither
        // failure is reached; if one were, the command fails the way SSM reports a script it
        // could not run.
        let failed = |why: String| ps51::Printed { stdout: String::new(), stderr: why, exit_code: 1 };
        match self.execution(action, server, waits) {
            Some(exec) => ps51::print(&exec, &ctx, &run).unwrap_or_else(|e| failed(e.to_string())),
            None => failed(format!("{} is an AWS API call, not a script", action.summary())),
        }
    }

    #[cfg(test)]
    pub(super) fn service_status(&self, server: &str, service: &str) -> Option<ServiceStatus> {
        let i = self.nextalk.server_index(server)?;
        Some(self.nextalk.servers[i].service(Svc::lookup(service)?))
    }
}

/// Names the NexTalk sites reach over Direct Connect: AWS service endpoints and Connect
/// instance aliases.
fn is_aws(host: &str) -> bool {
    let h = host.trim().trim_end_matches('.').to_ascii_lowercase();
    h.ends_with(".amazonaws.com") || h.ends_with(".connect.aws")
}

/// A stable, plausible address for a name: AWS endpoints in AWS ranges, the rest private.
/// Names that cannot exist (no dot, `.invalid`, odd characters) don't resolve.
fn resolve(name: &str) -> Option<String> {
    let name = name.trim().trim_end_matches('.');
    let valid = name.contains('.')
        && !name.ends_with(".invalid")
        && name.len() <= 253
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if !valid {
        return None;
    }
    // FNV-1a: stable across runs and platforms, unlike the std hasher.
    let h =
        name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    let (a, b) = ((h >> 8) as u8, h as u8);
    Some(if name.ends_with("amazonaws.com") {
        format!("52.94.{a}.{}", b.max(1))
    } else {
        format!("10.20.{a}.{}", b.max(1))
    })
}

/// Cuts `s` to at most `limit` characters, on a character boundary.
fn truncate(s: String, limit: usize) -> (String, bool) {
    match s.char_indices().nth(limit) {
        Some((cut, _)) => (s[..cut].to_string(), true),
        None => (s, false),
    }
}
