//! What each rendered script prints on Windows PowerShell 5.1 through SSM, given what the
//! server did. The one source of PowerShell output in the code base: the simulator, the test
//! fakes and the SSM stand-in all answer with [`print`].

use super::record::{self, Category, ErrorRecord, Extent};
use super::{NEWLINE, Printed, ScriptRun};
use crate::model::ServiceStatus;
use crate::source::powershell::{self, MAX_TAIL_LINES, RejectedValue, RenderContext};
use crate::source::remote::RemoteAction;
use serde::Deserialize;

/// One run of a script: the action and what happened on the server. Each variant carries the
/// action's own values, so an answer can never belong to another kind of action.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Execution {
    RestartService {
        service: String,
        outcome: RestartOutcome,
    },
    /// The state of each requested service, in the requested order.
    QueryServices {
        services: Vec<QueriedService>,
    },
    TailLog {
        lines: u32,
        outcome: TailOutcome,
    },
    ResolveDns {
        name: String,
        outcome: DnsOutcome,
    },
    TestTcp {
        host: String,
        port: u16,
        outcome: TcpOutcome,
    },
}

/// A requested service and its state; `None` when the server has no service of that name or
/// display name.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueriedService {
    pub name: String,
    pub status: Option<ServiceStatus>,
}

/// How `Restart-Service` went. `key` and `display` are the service's name and display name as
/// Windows has them (its messages name both). `Restart-Service` warns once for every 2 s it
/// waits for the service to stop and again to start.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case", deny_unknown_fields)]
pub enum RestartOutcome {
    Restarted {
        key: String,
        display: String,
        stop_waits: u32,
        start_waits: u32,
    },
    /// Neither a service name nor a display name matched: the script throws.
    NotFound,
    /// The service manager refused to start it (disabled, or its account cannot log on).
    CannotStart {
        key: String,
        display: String,
        stop_waits: u32,
    },
}

/// What the newest file in the log folder holds.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case", deny_unknown_fields)]
pub enum TailOutcome {
    /// Every line of the newest file, oldest first (the script prints the last N).
    Lines { lines: Vec<String> },
    /// The folder exists and holds no file.
    NoFile,
    /// The folder does not exist.
    NoFolder,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum DnsType {
    A,
    #[serde(rename = "AAAA")]
    Aaaa,
    #[serde(rename = "CNAME")]
    Cname,
    #[serde(rename = "SOA")]
    Soa,
}

impl DnsType {
    pub fn as_str(self) -> &'static str {
        match self {
            DnsType::A => "A",
            DnsType::Aaaa => "AAAA",
            DnsType::Cname => "CNAME",
            DnsType::Soa => "SOA",
        }
    }
}

/// One record of a `Resolve-DnsName` answer; `ip` only for A and AAAA.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnsRecord {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: DnsType,
    #[serde(default)]
    pub ip: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case", deny_unknown_fields)]
pub enum DnsOutcome {
    Records {
        records: Vec<DnsRecord>,
    },
    /// NXDOMAIN.
    NameError,
    /// No DNS server answered.
    Timeout,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TcpOutcome {
    Connected,
    /// The name resolved; the connection was refused or timed out.
    Closed,
    /// The name did not resolve: `Test-NetConnection` returns before it records the port.
    NameUnresolved,
}

impl Execution {
    /// The action whose script ran.
    pub fn action(&self) -> RemoteAction {
        match self {
            Execution::RestartService { service, .. } => {
                RemoteAction::RestartService { service: service.clone() }
            }
            Execution::QueryServices { services } => {
                RemoteAction::QueryServices { services: services.iter().map(|s| s.name.clone()).collect() }
            }
            Execution::TailLog { lines, .. } => RemoteAction::TailLog { lines: *lines },
            Execution::ResolveDns { name, .. } => RemoteAction::ResolveDns { name: name.clone() },
            Execution::TestTcp { host, port, .. } => {
                RemoteAction::TestTcp { host: host.clone(), port: *port }
            }
        }
    }
}

/// Joins `lines` with CR LF after each, as the console host writes them.
fn out_lines<S: AsRef<str>>(lines: impl IntoIterator<Item = S>) -> String {
    let mut s = String::new();
    for l in lines {
        s.push_str(l.as_ref());
        s.push_str(NEWLINE);
    }
    s
}

/// What the rendered script of `execution` prints. Refused like `powershell::render` refuses:
/// a script that cannot be sent cannot print anything.
pub fn print(execution: &Execution, ctx: &RenderContext, run: &ScriptRun) -> Result<Printed, RejectedValue> {
    let lines = powershell::render(&execution.action(), ctx)?;
    let path = run.script_path();
    let script = Script { lines: &lines, path: &path };
    Ok(match execution {
        Execution::RestartService { service, outcome } => restart(&script, service, outcome),
        Execution::QueryServices { services } => Printed {
            stdout: out_lines(services.iter().map(|s| match s.status {
                Some(st) => format!("{}|{}", s.name, st.as_str()),
                None => format!("{}|NotFound", s.name),
            })),
            stderr: String::new(),
            exit_code: 0,
        },
        Execution::TailLog { lines: n, outcome } => tail(&script, &ctx.log_dir, *n, outcome),
        Execution::ResolveDns { name, outcome } => dns(&script, name, outcome),
        Execution::TestTcp { host, port, outcome } => {
            let (shown_port, verdict, exit_code) = match outcome {
                TcpOutcome::Connected => (*port, "True", 0),
                TcpOutcome::Closed => (*port, "False", 1),
                TcpOutcome::NameUnresolved => (0, "False", 1),
            };
            Printed {
                stdout: out_lines([format!("{host}:{shown_port} tcp={verdict}")]),
                stderr: String::new(),
                exit_code,
            }
        }
    })
}

struct Script<'a> {
    lines: &'a [String],
    path: &'a str,
}

impl Script<'_> {
    /// The statement starting at `marker`. The markers are words of our own templates: a
    /// template without one is a bug in this file, caught by the fixture tests, so the
    /// fallback (line 1, whole line) only keeps this total.
    fn at(&self, marker: &str) -> Extent {
        record::statement(self.lines, marker).unwrap_or(Extent {
            line: 1,
            start: 0,
            end: self.lines.first().map_or(0, |l| l.chars().count()),
        })
    }

    fn failed(&self, record: &ErrorRecord<'_>, stdout: String) -> Printed {
        Printed { stdout, stderr: record::render(self.path, self.lines, record), exit_code: 1 }
    }

    /// `throw ('text' + 'value')` under `$ErrorActionPreference = 'Stop'`.
    fn thrown(&self, message: String) -> Printed {
        let record = ErrorRecord {
            command: None,
            at: self.at("throw"),
            category: Category {
                category: "OperationStopped",
                target_name: &message,
                target_type: "String",
                activity: "",
                reason: "RuntimeException",
            },
            id: message.clone(),
            message: message.clone(),
        };
        self.failed(&record, String::new())
    }
}

/// `Restart-Service`'s progress warnings for one service (`'<display> (<key>)'`).
fn waits(display: &str, key: &str, verb: &str, n: u32) -> Vec<String> {
    (0..n).map(|_| format!("WARNING: Waiting for service '{display} ({key})' to {verb}...")).collect()
}

fn restart(script: &Script<'_>, service: &str, outcome: &RestartOutcome) -> Printed {
    match outcome {
        RestartOutcome::Restarted { key, display, stop_waits, start_waits } => {
            let mut out = waits(display, key, "stop", *stop_waits);
            out.extend(waits(display, key, "start", *start_waits));
            out.push(format!("{service}|Running"));
            Printed { stdout: out_lines(out), stderr: String::new(), exit_code: 0 }
        }
        RestartOutcome::NotFound => script.thrown(format!("service not found: {service}")),
        RestartOutcome::CannotStart { key, display, stop_waits } => {
            let record = ErrorRecord {
                command: Some("Restart-Service"),
                message: format!(
                    "Service '{display} ({key})' cannot be started due to the following error: Cannot start service {key} on computer '.'."
                ),
                at: script.at("Restart-Service"),
                category: Category {
                    category: "OpenError",
                    target_name: "System.ServiceProcess.ServiceController",
                    target_type: "ServiceController",
                    activity: "Restart-Service",
                    reason: "ServiceCommandException",
                },
                id: "CouldNotStartService,Microsoft.PowerShell.Commands.RestartServiceCommand".into(),
            };
            script.failed(&record, out_lines(waits(display, key, "stop", *stop_waits)))
        }
    }
}

fn tail(script: &Script<'_>, dir: &str, n: u32, outcome: &TailOutcome) -> Printed {
    match outcome {
        TailOutcome::Lines { lines } => {
            // The same clamp as the rendered `-Tail N`.
            let n = n.clamp(1, MAX_TAIL_LINES) as usize;
            let from = lines.len().saturating_sub(n);
            Printed { stdout: out_lines(&lines[from..]), stderr: String::new(), exit_code: 0 }
        }
        TailOutcome::NoFile => script.thrown(format!("no log file in {dir}")),
        TailOutcome::NoFolder => {
            let record = ErrorRecord {
                command: Some("Get-ChildItem"),
                message: format!("Cannot find path '{dir}' because it does not exist."),
                at: script.at("Get-ChildItem"),
                category: Category {
                    category: "ObjectNotFound",
                    target_name: dir,
                    target_type: "String",
                    activity: "Get-ChildItem",
                    reason: "ItemNotFoundException",
                },
                id: "PathNotFound,Microsoft.PowerShell.Commands.GetChildItemCommand".into(),
            };
            script.failed(&record, String::new())
        }
    }
}

/// `… | Select-Object Name, Type, IPAddress | Format-Table -AutoSize | Out-String -Width 200`:
/// a blank line, the header, dashes under each header word, the rows (each column as wide as
/// its widest cell, one space between columns, the last one not padded), two blank lines
/// (Out-String's end) and the line break the host writes after the string.
fn dns(script: &Script<'_>, name: &str, outcome: &DnsOutcome) -> Printed {
    let failure = |message: String, category: &'static str, id: &'static str| {
        let record = ErrorRecord {
            command: Some("Resolve-DnsName"),
            message,
            at: script.at("Resolve-DnsName"),
            category: Category {
                category,
                target_name: name,
                target_type: "String",
                activity: "Resolve-DnsName",
                reason: "Win32Exception",
            },
            id: id.into(),
        };
        script.failed(&record, String::new())
    };
    match outcome {
        DnsOutcome::Records { records } => {
            let rows: Vec<[&str; 3]> = records
                .iter()
                .map(|r| [r.name.as_str(), r.kind.as_str(), r.ip.as_deref().unwrap_or("")])
                .collect();
            let header = ["Name", "Type", "IPAddress"];
            let width = |i: usize| rows.iter().map(|r| r[i].chars().count()).chain([header[i].len()]).max();
            let (w0, w1) = (width(0).unwrap_or(4), width(1).unwrap_or(4));
            let row = |cells: [&str; 3]| format!("{:<w0$} {:<w1$} {}", cells[0], cells[1], cells[2]);
            let mut text = String::from(NEWLINE);
            text.push_str(&out_lines(
                [row(header), row(["----", "----", "---------"])]
                    .into_iter()
                    .chain(rows.into_iter().map(row)),
            ));
            text.push_str(NEWLINE);
            text.push_str(NEWLINE);
            text.push_str(NEWLINE);
            Printed { stdout: text, stderr: String::new(), exit_code: 0 }
        }
        DnsOutcome::NameError => failure(
            format!("{name} : DNS name does not exist"),
            "ResourceUnavailable",
            "DNS_ERROR_RCODE_NAME_ERROR,Microsoft.DnsClient.Commands.ResolveDnsName",
        ),
        DnsOutcome::Timeout => failure(
            format!("{name} : This operation returned because the timeout period expired"),
            "OperationTimeout",
            "ERROR_TIMEOUT,Microsoft.DnsClient.Commands.ResolveDnsName",
        ),
    }
}
