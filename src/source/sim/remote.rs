//! Remote commands on the simulated servers, with SSM's lifecycle: Pending → InProgress →
//! Success / Failed / Cancelled. A service restart walks the service through StopPending →
//! Stopped → StartPending → Running over several simulated seconds and changes the model as
//! it goes; read-only commands answer from the model's state when they finish.

use super::Simulator;
use super::nextalk::Svc;
use super::rng::SimRng;
use crate::model::ServiceStatus;
use crate::source::remote::{CommandId, CommandStatus, Invocation, RemoteAction, RemoteError, Target};
use std::collections::VecDeque;

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
    rng: SimRng,
    list: VecDeque<Command>,
}

impl Commands {
    pub fn new(rng: SimRng) -> Commands {
        Commands { rng, list: VecDeque::new() }
    }

    fn find(&self, id: &CommandId) -> Option<&Command> {
        self.list.iter().find(|c| c.id == *id)
    }
}

/// The steps of one invocation, timed from `t0`. Service timings are those of a Windows
/// service with some work to do on stop (NexTalk Server drains its calls) and on start.
fn plan(action: &RemoteAction, current: Option<ServiceStatus>, t0: i64, rng: &mut SimRng) -> VecDeque<Step> {
    let mut steps = VecDeque::new();
    // Pending for a second or two (the agent picks the command up), visible to the first poll.
    let mut at = t0 + i64::from(rng.range(2, 3));
    steps.push_back(Step { at, phase: Phase::InProgress });
    match action {
        RemoteAction::RestartService { service } => match (Svc::lookup(service), current) {
            (Some(svc), Some(status)) => {
                let slow = svc == Svc::Server;
                if status != ServiceStatus::Stopped {
                    at += 1;
                    steps.push_back(Step { at, phase: Phase::Service(svc, ServiceStatus::StopPending) });
                    at += i64::from(if slow { rng.range(4, 6) } else { rng.range(2, 4) });
                    steps.push_back(Step { at, phase: Phase::Service(svc, ServiceStatus::Stopped) });
                }
                at += 1;
                steps.push_back(Step { at, phase: Phase::Service(svc, ServiceStatus::StartPending) });
                at += i64::from(if slow { rng.range(5, 7) } else { rng.range(3, 5) });
                steps.push_back(Step { at, phase: Phase::Service(svc, ServiceStatus::Running) });
                steps.push_back(Step { at: at + 1, phase: Phase::Finish });
            }
            _ => steps.push_back(Step { at: at + 1, phase: Phase::Finish }),
        },
        _ => steps.push_back(Step { at: at + i64::from(rng.range(1, 2)), phase: Phase::Finish }),
    }
    steps
}

impl Simulator {
    /// Sends `action` to `targets` (SendCommand). The invocations exist from the next simulated
    /// second on; polling earlier gets `InvocationDoesNotExist`, as with SSM.
    pub fn submit(&mut self, action: &RemoteAction, targets: &[Target]) -> Result<CommandId, RemoteError> {
        if targets.is_empty() {
            return Err(RemoteError::Refused("no targets".into()));
        }
        if targets.len() > MAX_TARGETS {
            return Err(RemoteError::Refused(format!(
                "{} targets; SendCommand takes at most {MAX_TARGETS}",
                targets.len()
            )));
        }
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
        let id = CommandId(self.commands.rng.uuid());
        let invs = servers
            .into_iter()
            .map(|server| {
                let current = match action {
                    RemoteAction::RestartService { service } => {
                        Svc::lookup(service).map(|svc| self.nextalk.servers[server].service(svc))
                    }
                    _ => None,
                };
                Inv {
                    server,
                    status: CommandStatus::Pending,
                    steps: plan(action, current, t0, &mut self.commands.rng),
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

    /// GetCommandInvocation for one server.
    pub fn invocation(&self, id: &CommandId, server: &str) -> Result<Invocation, RemoteError> {
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
                let (code, stdout, stderr) = self.output(&self.commands.list[c].action, server);
                let inv = &mut self.commands.list[c].invs[k];
                if inv.status.is_terminal() {
                    return;
                }
                inv.status = if code == 0 { CommandStatus::Success } else { CommandStatus::Failed };
                inv.code = Some(code);
                (inv.stdout, inv.stdout_truncated) = truncate(stdout, STDOUT_LIMIT);
                (inv.stderr, inv.stderr_truncated) = truncate(stderr, STDERR_LIMIT);
            }
        }
    }

    /// Exit code, stdout and stderr of a finished command, as PowerShell would print them.
    fn output(&self, action: &RemoteAction, server: usize) -> (i32, String, String) {
        let srv = &self.nextalk.servers[server];
        match action {
            RemoteAction::RestartService { service } => match Svc::lookup(service) {
                Some(svc) if srv.service(svc) == ServiceStatus::Running => {
                    (0, service_table(&[(srv.service(svc), svc.key(), svc.display())]), String::new())
                }
                Some(svc) => (
                    1,
                    String::new(),
                    format!(
                        "Restart-Service : Service '{} ({})' cannot be started: it is {}.",
                        svc.display(),
                        svc.key(),
                        srv.service(svc).as_str()
                    ),
                ),
                None => (1, String::new(), no_such_service("Restart-Service", service)),
            },
            RemoteAction::QueryServices { services } => {
                let mut rows = Vec::new();
                let mut errors = Vec::new();
                if services.is_empty() {
                    rows.extend(Svc::ALL.iter().map(|&s| (srv.service(s), s.key(), s.display())));
                    rows.push((ServiceStatus::Running, "AmazonSSMAgent", "Amazon SSM Agent"));
                }
                for name in services {
                    match Svc::lookup(name) {
                        Some(s) => rows.push((srv.service(s), s.key(), s.display())),
                        None => errors.push(no_such_service("Get-Service", name)),
                    }
                }
                let code = if errors.is_empty() { 0 } else { 1 };
                (code, if rows.is_empty() { String::new() } else { service_table(&rows) }, errors.join("\n"))
            }
            RemoteAction::TailLog { lines } => {
                let text: Vec<String> = srv.log.tail(*lines as usize).iter().map(|l| l.render()).collect();
                (0, text.join("\n"), String::new())
            }
            RemoteAction::ResolveDns { name } => match resolve(name) {
                Some(ip) => (
                    0,
                    format!(
                        "\nName{:<43} Type   TTL   Section    IPAddress\n----{:<43} ----   ---   -------    ---------\n{name:<47} A      60    Answer     {ip}\n",
                        "", ""
                    ),
                    String::new(),
                ),
                None => (1, String::new(), format!("Resolve-DnsName : {name} : DNS name does not exist")),
            },
            RemoteAction::TestTcp { host, port } => {
                if *port == 0 {
                    return (
                        1,
                        String::new(),
                        "Test-NetConnection : Cannot validate argument on parameter 'Port'. The 0 argument is less than the minimum allowed range of 1.".into(),
                    );
                }
                let source = format!("10.20.{}.11", server + 1);
                match resolve(host) {
                    Some(ip) => (
                        0,
                        format!(
                            "\nComputerName     : {host}\nRemoteAddress    : {ip}\nRemotePort       : {port}\nInterfaceAlias   : Ethernet 2\nSourceAddress    : {source}\nTcpTestSucceeded : True\n"
                        ),
                        String::new(),
                    ),
                    None => (
                        0,
                        format!(
                            "WARNING: Name resolution of {host} failed\n\nComputerName     : {host}\nRemoteAddress    :\nInterfaceAlias   :\nSourceAddress    :\nPingSucceeded    : False\n"
                        ),
                        String::new(),
                    ),
                }
            }
        }
    }

    #[cfg(test)]
    pub(super) fn service_status(&self, server: &str, service: &str) -> Option<ServiceStatus> {
        let i = self.nextalk.server_index(server)?;
        Some(self.nextalk.servers[i].service(Svc::lookup(service)?))
    }
}

fn no_such_service(cmdlet: &str, name: &str) -> String {
    format!("{cmdlet} : Cannot find any service with service name '{name}'.")
}

fn service_table(rows: &[(ServiceStatus, &str, &str)]) -> String {
    let mut out =
        String::from("\nStatus   Name               DisplayName\n------   ----               -----------\n");
    for (status, name, display) in rows {
        out.push_str(&format!("{:<8} {name:<18} {display}\n", status.as_str()));
    }
    out
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
