//! A small fake contact center for the headless driver's tests: service states per server
//! that a restart really changes, DNS/TCP/log answers in the exact format the rendered scripts
//! print on PowerShell 5.1 (`ps51::print`), commands that go Pending → InProgress → terminal
//! over successive polls, and a record of what was sent.

use crate::audit;
use crate::model::{NexTalk, NexTalkServer, PingStatus, ServiceStatus, Snapshot, Timestamp, WinService};
use crate::source::powershell::{DEFAULT_LOG_DIR, RenderContext};
use crate::source::ps51::{
    self, CounterOutcome, DnsOutcome, DnsRecord, DnsType, Execution, QueriedService, RestartOutcome,
    ScriptRun, TailOutcome, TcpOutcome,
};
use crate::source::{CommandId, CommandStatus, Invocation, Remote, RemoteAction, RemoteError, Target};
use futures::future::BoxFuture;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

pub const SERVICES: [&str; 3] = ["NexTalk Server", "NexTalk App API", "NexTalk Chat Bridge"];

#[derive(Debug, Default)]
pub struct Center {
    pub services: BTreeMap<(String, String), ServiceStatus>,
    pub dns_ok: bool,
    pub log: String,
    /// Every command sent, in order.
    pub sent: Vec<RemoteAction>,
    pub cancelled: Vec<String>,
    /// Commands never reach a terminal status.
    pub hang: bool,
    /// A restart reports Failed and leaves the service stopped.
    pub restart_fails: bool,
    /// Hosts whose TCP test fails (resolved, connection refused).
    pub closed: Vec<String>,
    /// When set, `send` of a mutating command checks a `requested` record is already on disk.
    pub audit_path: Option<PathBuf>,
    pub audited_before_send: Vec<bool>,
    /// Put before every command id (a remote is outside the binary: its ids are outside text).
    pub id_prefix: String,
    /// After the first poll, every poll fails with this message.
    pub poll_error: Option<String>,
    commands: BTreeMap<String, (RemoteAction, BTreeMap<String, u32>)>,
}

#[derive(Clone)]
pub struct Fake(pub Arc<Mutex<Center>>);

impl Fake {
    pub fn new() -> Fake {
        let mut c =
            Center { dns_ok: true, log: "INFO started\nINFO chat bridged".into(), ..Default::default() };
        for server in ["nt-a", "nt-b"] {
            for s in SERVICES {
                c.services.insert((server.into(), s.into()), ServiceStatus::Running);
            }
        }
        Fake(Arc::new(Mutex::new(c)))
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut Center) -> R) -> R {
        let mut guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }

    pub fn snapshot(&self) -> Snapshot {
        self.with(|c| {
            let server = |name: &str, id: &str| NexTalkServer {
                name: name.into(),
                instance_id: id.into(),
                ports_in_use: Some(10),
                ports_capacity: 96,
                ssm_ping: PingStatus::Online,
                services: SERVICES
                    .iter()
                    .map(|s| WinService {
                        name: (*s).into(),
                        status: c.services[&(name.to_string(), s.to_string())],
                    })
                    .collect(),
                last_seen: None,
                address: None,
            };
            Snapshot {
                taken_at: Timestamp::now(),
                source: "fake".into(),
                nextalk: NexTalk { servers: vec![server("nt-a", "i-0a"), server("nt-b", "i-0b")] },
                ..Default::default()
            }
        })
    }

    /// What the rendered script of `action` prints on PowerShell 5.1 (`ps51::print`) on a
    /// server in this center's state; a restart changes the state first.
    fn answer(
        c: &mut Center,
        action: &RemoteAction,
        target: &Target,
        id: &CommandId,
    ) -> (CommandStatus, String, String) {
        let server = target.server.as_str();
        let execution = match action {
            RemoteAction::RestartService { service } => Execution::RestartService {
                service: service.clone(),
                outcome: if c.restart_fails {
                    RestartOutcome::CannotStart { key: key(service), display: service.clone(), stop_waits: 0 }
                } else {
                    c.services.insert((server.into(), service.clone()), ServiceStatus::Running);
                    RestartOutcome::Restarted {
                        key: key(service),
                        display: service.clone(),
                        stop_waits: 0,
                        start_waits: 1,
                    }
                },
            },
            RemoteAction::QueryServices { services } => Execution::QueryServices {
                services: services
                    .iter()
                    .map(|s| QueriedService {
                        name: s.clone(),
                        status: c.services.get(&(server.to_string(), s.clone())).copied(),
                    })
                    .collect(),
            },
            RemoteAction::TailLog { lines } => Execution::TailLog {
                lines: *lines,
                outcome: TailOutcome::Lines { lines: c.log.lines().map(str::to_string).collect() },
            },
            RemoteAction::ResolveDns { name } => Execution::ResolveDns {
                name: name.clone(),
                outcome: if c.dns_ok {
                    DnsOutcome::Records {
                        records: vec![DnsRecord {
                            name: name.clone(),
                            kind: DnsType::A,
                            ip: Some("52.94.1.10".into()),
                        }],
                    }
                } else {
                    DnsOutcome::NameError
                },
            },
            RemoteAction::TestTcp { host, port } => Execution::TestTcp {
                host: host.clone(),
                port: *port,
                outcome: if c.closed.contains(host) { TcpOutcome::Closed } else { TcpOutcome::Connected },
            },
            RemoteAction::ReadCounter { counter } => Execution::ReadCounter {
                counter: counter.clone(),
                outcome: CounterOutcome::Value { value: 10.0 },
            },
            // The fake center has servers only; an API call reaching it is a bug in the test.
            RemoteAction::SetParameter { .. }
            | RemoteAction::UpdateTable { .. }
            | RemoteAction::UpdateShardCount { .. }
            | RemoteAction::ModifyDbStorage { .. } => {
                return (
                    CommandStatus::Failed,
                    String::new(),
                    format!("{} is not a script", action.summary()),
                );
            }
            RemoteAction::RoutingProfileQueue(_) => {
                return (
                    CommandStatus::Failed,
                    String::new(),
                    format!("{} is not a script", action.summary()),
                );
            }
        };
        let run = ScriptRun { instance_id: target.instance_id.clone(), command_id: id.0.clone() };
        let ctx = RenderContext { log_dir: DEFAULT_LOG_DIR.into() };
        match ps51::print(&execution, &ctx, &run) {
            Ok(out) => (out.status(), out.stdout, out.stderr),
            Err(e) => (CommandStatus::Failed, String::new(), e.to_string()),
        }
    }
}

/// The short service name Windows would have for a display name (`NexTalkChatBridge`).
fn key(display: &str) -> String {
    display.chars().filter(|c| !c.is_whitespace()).collect()
}

impl Remote for Fake {
    fn describe(&self) -> String {
        "fake".into()
    }

    fn send<'a>(
        &'a self,
        action: &'a RemoteAction,
        targets: &'a [Target],
    ) -> BoxFuture<'a, Result<CommandId, RemoteError>> {
        let r = self.with(|c| {
            if action.is_mutating()
                && let Some(path) = &c.audit_path
            {
                let on_disk = audit::read(path, None).map(|r| r.records).unwrap_or_default();
                let ok = on_disk
                    .last()
                    .is_some_and(|r| r.status == "requested" && r.action.kind == "restart_service");
                c.audited_before_send.push(ok);
            }
            c.sent.push(action.clone());
            let id = format!("{}cmd-{}", c.id_prefix, c.sent.len());
            let polls = targets.iter().map(|t| (t.server.clone(), 0)).collect();
            c.commands.insert(id.clone(), (action.clone(), polls));
            CommandId(id)
        });
        Box::pin(async move { Ok(r) })
    }

    fn poll<'a>(
        &'a self,
        id: &'a CommandId,
        target: &'a Target,
    ) -> BoxFuture<'a, Result<Invocation, RemoteError>> {
        let r = self.with(|c| {
            let (action, polls) =
                c.commands.get_mut(&id.0).ok_or_else(|| RemoteError::UnknownCommand(id.0.clone()))?;
            let action = action.clone();
            let n = polls
                .get_mut(&target.server)
                .ok_or_else(|| RemoteError::UnknownServer(target.server.clone()))?;
            *n += 1;
            let n = *n;
            // Right after sending, the invocation does not exist yet (as on SSM).
            if n == 1 {
                return Err(RemoteError::InvocationDoesNotExist(id.0.clone()));
            }
            if let Some(message) = &c.poll_error {
                return Err(RemoteError::Failed {
                    operation: "GetCommandInvocation".into(),
                    message: message.clone(),
                });
            }
            let (status, stdout, stderr) = match n {
                2 => (CommandStatus::Pending, String::new(), String::new()),
                3 => (CommandStatus::InProgress, String::new(), String::new()),
                _ if c.hang => (CommandStatus::InProgress, String::new(), String::new()),
                _ => Fake::answer(c, &action, target, id),
            };
            Ok(Invocation {
                command_id: id.clone(),
                server: target.server.clone(),
                status,
                response_code: status.is_terminal().then_some(if status == CommandStatus::Success {
                    0
                } else {
                    1
                }),
                stdout,
                stderr,
                stdout_truncated: false,
                stderr_truncated: false,
            })
        });
        Box::pin(async move { r })
    }

    fn cancel<'a>(&'a self, id: &'a CommandId) -> BoxFuture<'a, Result<(), RemoteError>> {
        self.with(|c| c.cancelled.push(id.0.clone()));
        Box::pin(async { Ok(()) })
    }
}
