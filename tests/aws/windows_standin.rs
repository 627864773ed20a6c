//! Two Windows servers behind SSM Run Command, as a live estate has them: SSM's
//! DescribeInstanceInformation reports each one's IPAddress and ComputerName, none of their
//! names resolves anywhere, and every script SendCommand carries is answered with exactly what
//! Windows PowerShell 5.1 prints for it. Those answers are the fixtures of
//! `tests/fixtures/ps51` (each one's `.json` execution, printed by `ps51::print`, which must give
//! the fixture's bytes), retargeted to the host, service or line count the script asks for.
//!
//! The stand-in reads the script back into the action it was rendered from and sends only
//! scripts that `powershell::render` gives byte for byte; anything else is recorded as a
//! problem, answered with an error, and fails the test that checks [`Estate::problems`].

use crate::standin::{Reply, Request};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use switchboard::model::ServiceStatus;
use switchboard::source::RemoteAction;
use switchboard::source::powershell::{DEFAULT_LOG_DIR, RenderContext, render};
use switchboard::source::ps51::{self, Execution, Printed, ScriptRun};

/// The Amazon Connect endpoint the shipped runbook names: it resolves and TCP 443 is open.
pub const CONNECT_ENDPOINT: &str = "contact-center.my.connect.aws";

/// `test_tcp/connected` → the fixture's execution, after checking that `ps51::print` reproduces its bytes
/// (so what the stand-in prints for a retargeted case is what Windows prints).
pub fn fixture(case: &str) -> Execution {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ps51");
    let read = |ext: &str| {
        let path = root.join(format!("{case}.{ext}"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let spec: Value = serde_json::from_str(&read("json")).unwrap_or_else(|e| panic!("{case}: {e}"));
    let execution: Execution =
        serde_json::from_value(spec["execution"].clone()).unwrap_or_else(|e| panic!("{case}: {e}"));
    let run: ScriptRun =
        serde_json::from_value(spec["run"].clone()).unwrap_or_else(|e| panic!("{case}: {e}"));
    let printed = ps51::print(&execution, &ctx(), &run).unwrap_or_else(|e| panic!("{case}: {e}"));
    assert_eq!(printed.stdout, read("stdout"), "{case}: print gives the fixture's stdout");
    assert_eq!(printed.stderr, read("stderr"), "{case}: print gives the fixture's stderr");
    execution
}

fn ctx() -> RenderContext {
    RenderContext { log_dir: DEFAULT_LOG_DIR.to_string() }
}

/// One Windows server.
#[derive(Debug, Clone)]
pub struct Host {
    pub name: String,
    pub instance_id: String,
    /// DescribeInstanceInformation `IPAddress`: the only way the other server reaches it.
    pub ip: String,
    /// DescribeInstanceInformation `ComputerName`: resolves nowhere (no domain, no DNS record).
    pub computer_name: String,
    /// The Chat Bridge's state; a restart starts it.
    pub chat_bridge: ServiceStatus,
}

/// One command as SSM keeps it: the action and what each instance printed.
#[derive(Debug, Clone)]
struct Sent {
    printed: HashMap<String, Printed>,
}

/// The estate and everything SSM was asked.
#[derive(Debug)]
pub struct Estate {
    pub hosts: Vec<Host>,
    /// The services each fixture of `query_services` lists, in order: the config must ask for
    /// these (a real server would answer any list; the fixtures pin these two).
    services: Vec<String>,
    commands: HashMap<String, Sent>,
    next: usize,
    /// Every action sent, with the instances it went to, in order.
    pub sent: Vec<(RemoteAction, Vec<String>)>,
    /// RestartService commands per instance id.
    pub restarts: BTreeMap<String, usize>,
    /// The performance counter the servers publish the ports in use with (read_counter/
    /// success); any other counter is not found on them (read_counter/not_found).
    pub counter: Option<String>,
    /// Whatever the stand-in could not answer with a fixture.
    pub problems: Vec<String>,
}

impl Estate {
    pub fn new(hosts: Vec<Host>) -> Estate {
        let services = match fixture("query_services/running") {
            Execution::QueryServices { services } => services.into_iter().map(|s| s.name).collect(),
            other => panic!("query_services/running is {other:?}"),
        };
        Estate {
            hosts,
            services,
            commands: HashMap::new(),
            next: 0,
            sent: Vec::new(),
            restarts: BTreeMap::new(),
            counter: None,
            problems: Vec::new(),
        }
    }

    /// The services the config must list for the fixtures to answer the probe.
    pub fn services(&self) -> &[String] {
        &self.services
    }

    pub fn host(&self, name: &str) -> &Host {
        self.hosts.iter().find(|h| h.name == name).unwrap_or_else(|| panic!("no host {name}"))
    }

    /// Restarts sent to `instance_id`.
    pub fn restarts_on(&self, instance_id: &str) -> usize {
        self.restarts.get(instance_id).copied().unwrap_or(0)
    }

    /// The SSM operations: DescribeInstanceInformation, SendCommand, GetCommandInvocation,
    /// CancelCommand. `None` for anything else.
    pub fn answer(&mut self, req: &Request) -> Option<Reply> {
        Some(match req.operation.as_str() {
            "DescribeInstanceInformation" => self.describe(req),
            "SendCommand" => self.send(req),
            "GetCommandInvocation" => self.invocation(req),
            "CancelCommand" => Reply::json(json!({})),
            _ => return None,
        })
    }

    fn describe(&self, req: &Request) -> Reply {
        let wanted: Vec<&str> = req.body["Filters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| f["Key"] == "InstanceIds")
            .flat_map(|f| f["Values"].as_array().into_iter().flatten().filter_map(Value::as_str))
            .collect();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or_default();
        let list: Vec<Value> = self
            .hosts
            .iter()
            .filter(|h| wanted.is_empty() || wanted.contains(&h.instance_id.as_str()))
            .map(|h| {
                json!({
                    "InstanceId": h.instance_id, "PingStatus": "Online", "LastPingDateTime": now - 20.0,
                    "AgentVersion": "3.3.1142.0", "IsLatestVersion": false, "PlatformType": "Windows",
                    "PlatformName": "Microsoft Windows Server 2019 Datacenter", "PlatformVersion": "10.0.17763",
                    "ResourceType": "EC2Instance", "IPAddress": h.ip, "ComputerName": h.computer_name,
                })
            })
            .collect();
        Reply::json(json!({ "InstanceInformationList": list }))
    }

    fn send(&mut self, req: &Request) -> Reply {
        let lines: Vec<String> = req.body["Parameters"]["commands"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|l| l.as_str().map(str::to_string))
            .collect();
        let instances: Vec<String> = req.body["InstanceIds"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|l| l.as_str().map(str::to_string))
            .collect();
        if req.body["DocumentName"] != "AWS-RunPowerShellScript" {
            return self.refuse(format!("SendCommand of {}", req.body["DocumentName"]));
        }
        let Some(action) = action_of(&lines) else {
            return self.refuse(format!("a script no RemoteAction renders to: {lines:#?}"));
        };
        self.next += 1;
        // SSM command ids are UUIDs.
        let id = format!("{:08x}-5b1e-4c3a-9d2f-{:012x}", self.next, self.next);
        let mut printed = HashMap::new();
        for instance in &instances {
            let Some(at) = self.hosts.iter().position(|h| &h.instance_id == instance) else {
                return self.refuse(format!("SendCommand to unknown instance {instance}"));
            };
            let execution = match self.execution(&action, at) {
                Ok(e) => e,
                Err(e) => return self.refuse(e),
            };
            let run = ScriptRun { instance_id: instance.clone(), command_id: id.clone() };
            match ps51::print(&execution, &ctx(), &run) {
                Ok(p) => printed.insert(instance.clone(), p),
                Err(e) => return self.refuse(format!("{action:?} cannot be printed: {e}")),
            };
            // What the command did to the server happens as it runs.
            if let Execution::RestartService { .. } = execution {
                *self.restarts.entry(instance.clone()).or_default() += 1;
                self.hosts[at].chat_bridge = ServiceStatus::Running;
            }
        }
        self.sent.push((action, instances));
        self.commands.insert(id.clone(), Sent { printed });
        Reply::json(json!({"Command": {
            "CommandId": id, "DocumentName": "AWS-RunPowerShellScript", "Status": "Pending",
            "InstanceIds": req.body["InstanceIds"], "Comment": req.body["Comment"],
        }}))
    }

    fn refuse(&mut self, problem: String) -> Reply {
        self.problems.push(problem.clone());
        Reply::aws_json_error(400, "InvalidParameters", &format!("stand-in has no fixture: {problem}"))
    }

    fn invocation(&mut self, req: &Request) -> Reply {
        let id = req.body["CommandId"].as_str().unwrap_or_default();
        let instance = req.body["InstanceId"].as_str().unwrap_or_default();
        let Some(p) = self.commands.get(id).and_then(|c| c.printed.get(instance)).cloned() else {
            return Reply::aws_json_error(400, "InvocationDoesNotExist", "no such invocation");
        };
        Reply::json(json!({
            "CommandId": id, "InstanceId": instance, "DocumentName": "AWS-RunPowerShellScript",
            "PluginName": "aws:runPowerShellScript", "Status": p.status().as_str(),
            "StatusDetails": p.status().as_str(), "ResponseCode": p.exit_code,
            "StandardOutputContent": p.stdout, "StandardErrorContent": p.stderr,
        }))
    }

    /// What running `action` on host `at` does: a fixture, retargeted to the action's values.
    fn execution(&self, action: &RemoteAction, at: usize) -> Result<Execution, String> {
        let host = &self.hosts[at];
        let retarget = |case: &str, f: &dyn Fn(&mut Execution)| {
            let mut e = fixture(case);
            f(&mut e);
            if e.action() == *action { Ok(e) } else { Err(format!("{case} cannot answer {action:?}")) }
        };
        match action {
            RemoteAction::QueryServices { .. } => {
                let case = match host.chat_bridge {
                    ServiceStatus::Stopped => "query_services/stopped",
                    _ => "query_services/running",
                };
                retarget(case, &|_| {})
            }
            RemoteAction::RestartService { .. } => {
                let case = match host.chat_bridge {
                    ServiceStatus::Running => "restart_service/success_from_running",
                    _ => "restart_service/success",
                };
                retarget(case, &|_| {})
            }
            RemoteAction::TailLog { lines: n } => {
                // The newest file holds fewer lines than any tail asks for: all of them print.
                let case = match host.chat_bridge {
                    ServiceStatus::Stopped => "tail_log/chat_bridge_down",
                    _ => "tail_log/success",
                };
                retarget(case, &|e| {
                    if let Execution::TailLog { lines, .. } = e {
                        *lines = *n;
                    }
                })
            }
            RemoteAction::ResolveDns { name: asked } => {
                let case =
                    if asked == CONNECT_ENDPOINT { "resolve_dns/success" } else { "resolve_dns/name_error" };
                retarget(case, &|e| {
                    if let Execution::ResolveDns { name, .. } = e {
                        *name = asked.clone();
                    }
                })
            }
            RemoteAction::TestTcp { host: to, port: p } => {
                // Only the Connect endpoint and the servers' IP addresses resolve; 443 is open
                // on each.
                let known = to == CONNECT_ENDPOINT || self.hosts.iter().any(|h| &h.ip == to);
                let case = match (known, *p) {
                    (true, 443) => "test_tcp/connected",
                    (true, _) => "test_tcp/closed",
                    (false, _) => "test_tcp/name_unresolved",
                };
                retarget(case, &|e| {
                    if let Execution::TestTcp { host, port, .. } = e {
                        *host = to.clone();
                        *port = *p;
                    }
                })
            }
            RemoteAction::ReadCounter { counter: asked } => {
                let case = if self.counter.as_ref() == Some(asked) {
                    "read_counter/success"
                } else {
                    "read_counter/not_found"
                };
                retarget(case, &|e| {
                    if let Execution::ReadCounter { counter, .. } = e {
                        *counter = asked.clone();
                    }
                })
            }
            // AWS API calls never reach a server's SSM agent.
            RemoteAction::SetParameter { .. }
            | RemoteAction::UpdateTable { .. }
            | RemoteAction::UpdateShardCount { .. }
            | RemoteAction::ModifyDbStorage { .. } => Err(format!("{action:?} is not a script")),
            RemoteAction::RoutingProfileQueue(_) => Err(format!("{action:?} is not a script")),
        }
    }
}

/// The action a rendered script came from: its values read back out of the script's
/// single-quoted literals and numbers, then rendered again; only an exact match counts.
pub fn action_of(lines: &[String]) -> Option<RemoteAction> {
    let text = lines.join("\n");
    let after = |marker: &str| text.find(marker).map(|i| &text[i + marker.len()..]);
    let candidate = if text.contains("Restart-Service") {
        RemoteAction::RestartService { service: literal(after("Get-Service -Name ")?)?.0 }
    } else if let Some(rest) = after("foreach ($n in @(") {
        let mut services = Vec::new();
        let mut rest = rest;
        while let Some((s, tail)) = literal(rest) {
            services.push(s);
            match tail.strip_prefix(", ") {
                Some(t) => rest = t,
                None => break,
            }
        }
        RemoteAction::QueryServices { services }
    } else if let Some(rest) = after("-Tail ") {
        RemoteAction::TailLog { lines: number(rest)? }
    } else if let Some(rest) = after("Resolve-DnsName -Name ") {
        RemoteAction::ResolveDns { name: literal(rest)?.0 }
    } else if let Some(rest) = after("Test-NetConnection -ComputerName ") {
        let (host, tail) = literal(rest)?;
        RemoteAction::TestTcp { host, port: number(tail.strip_prefix(" -Port ")?)? }
    } else if let Some(rest) = after("Get-Counter -Counter ") {
        RemoteAction::ReadCounter { counter: literal(rest)?.0 }
    } else {
        return None;
    };
    (render(&candidate, &ctx()).ok()? == lines).then_some(candidate)
}

/// A PowerShell single-quoted literal at the start of `s` (`''` is one quote), and the rest.
fn literal(s: &str) -> Option<(String, &str)> {
    let body = s.strip_prefix('\'')?;
    let mut out = String::new();
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\'' {
            out.push(c);
            continue;
        }
        if chars.peek().is_some_and(|&(_, n)| n == '\'') {
            out.push('\'');
            chars.next();
        } else {
            return Some((out, &body[i + 1..]));
        }
    }
    None
}

fn number<T: std::str::FromStr>(s: &str) -> Option<T> {
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[test]
fn every_action_is_read_back_from_its_script() {
    for action in [
        RemoteAction::RestartService { service: "NexTalk Chat Bridge".into() },
        RemoteAction::QueryServices { services: vec!["NexTalk App API".into(), "W3SVC".into()] },
        RemoteAction::TailLog { lines: 300 },
        RemoteAction::ResolveDns { name: CONNECT_ENDPOINT.into() },
        RemoteAction::TestTcp { host: "EC2AMAZ-7Q1N3RA".into(), port: 8443 },
        RemoteAction::TestTcp { host: "10.0.1.12".into(), port: 443 },
        RemoteAction::ReadCounter { counter: r"\NexTalk\Ports In Use".into() },
    ] {
        let lines = render(&action, &ctx()).unwrap_or_else(|e| panic!("{action:?}: {e}"));
        assert_eq!(action_of(&lines), Some(action.clone()), "{lines:#?}");
        let mut changed = lines.clone();
        changed[0].push(' ');
        assert_eq!(action_of(&changed), None, "a script that is not the rendered one: {changed:#?}");
    }
}

/// The two servers of the estate tests: names that resolve nowhere, addresses only from SSM,
/// the Chat Bridge stopped on nt-a.
pub fn two_servers() -> Vec<Host> {
    vec![
        Host {
            name: "nt-a".into(),
            instance_id: crate::NT_A.into(),
            ip: "10.20.1.17".into(),
            computer_name: "EC2AMAZ-7Q1N3RA".into(),
            chat_bridge: ServiceStatus::Stopped,
        },
        Host {
            name: "nt-b".into(),
            instance_id: crate::NT_B.into(),
            ip: "10.20.2.41".into(),
            computer_name: "EC2AMAZ-K4V0B2C".into(),
            chat_bridge: ServiceStatus::Running,
        },
    ]
}
