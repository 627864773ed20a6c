//! Reading what remote commands printed and judging it for a check. The formats are those of
//! `source::ps51` (what Windows PowerShell 5.1 prints for each rendered script, pinned by the
//! fixtures in `tests/fixtures/ps51`); this module reads only through `ps51::read`, so the
//! simulator, the fakes and a real server are read alike.
//!
//! - `QueryServices`: `name|Status` per requested service, `name|NotFound` for one the server
//!   does not have (that service fails the check, the others are judged as usual).
//! - `ResolveDns`: a `Name Type IPAddress` table; the A/AAAA rows are the addresses. A failed
//!   lookup is an error record on stderr (exit 1).
//! - `TestTcp`: `host:port tcp=True|False` (exit 1 when False; port 0 when the name did not
//!   resolve).
//! - `TailLog`: the log lines themselves; no log file is an error record (exit 1).
//! - `RestartService`: `name|Running` after `Restart-Service`'s warnings, or an error record.

use super::def::{Expect, LogPattern};
use super::record::ServerStatus;
use crate::model::ServiceStatus;
use crate::source::ps51::read::{self, DnsRow, ServiceReading, TcpVerdict};
use crate::source::{CommandStatus, Invocation, RemoteAction};

/// Removes terminal control sequences, control characters, bidi controls and zero-width
/// characters, so text from logs and remote output cannot repaint the operator's terminal or
/// hide what it says: the crate's one sanitiser ([`crate::sanitize::sanitize_line`]), which
/// also turns tabs into spaces and line breaks into nothing (evidence is one line).
pub fn strip_control(s: &str) -> String {
    crate::sanitize::sanitize_line(s.as_bytes())
}

/// One line for evidence: control-free, trimmed, at most `max` characters.
pub fn evidence_line(s: &str, max: usize) -> String {
    let clean = strip_control(s);
    let t = clean.trim();
    if t.chars().count() <= max {
        t.to_string()
    } else {
        let cut: String = t.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// The first non-empty line, for showing why a command failed.
pub fn first_line(s: &str) -> Option<String> {
    s.lines().map(|l| evidence_line(l, 160)).find(|l| !l.is_empty())
}

/// What one remote command printed, read for its action.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    Restart {
        service: String,
        status: Option<ServiceStatus>,
    },
    Services(ServiceReading),
    Log {
        lines: Vec<String>,
    },
    Dns {
        name: String,
        rows: Option<Vec<DnsRow>>,
    },
    Tcp {
        host: String,
        port: u16,
        verdict: Option<TcpVerdict>,
    },
    Counter {
        counter: String,
        value: Option<f64>,
    },
    /// What an AWS API call answered (a parameter's new version, the table's status), one
    /// line each; no check reads it.
    ApiCall {
        lines: Vec<String>,
    },
}

impl Reading {
    /// The host a TCP test tried, for TCP readings.
    pub fn tcp_host(&self) -> Option<&str> {
        match self {
            Reading::Tcp { host, .. } => Some(host),
            Reading::Restart { .. }
            | Reading::Services(_)
            | Reading::Log { .. }
            | Reading::Dns { .. }
            | Reading::Counter { .. }
            | Reading::ApiCall { .. } => None,
        }
    }
}

/// A NexTalk server a TCP test tried to reach, and where its address came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    pub server: String,
    /// `the IP address SSM reports`, `the address in the config`…
    pub from: String,
}

/// Reads `inv` as the output of `action`'s script.
pub fn read(action: &RemoteAction, inv: &Invocation) -> Reading {
    match action {
        RemoteAction::RestartService { service } => {
            Reading::Restart { service: service.clone(), status: read::restarted(&inv.stdout, service) }
        }
        RemoteAction::QueryServices { services } => Reading::Services(read::services(&inv.stdout, services)),
        RemoteAction::TailLog { .. } => Reading::Log {
            lines: read::lines(&inv.stdout).filter(|l| !l.is_empty()).map(str::to_string).collect(),
        },
        RemoteAction::ResolveDns { name } => {
            Reading::Dns { name: name.clone(), rows: read::dns(&inv.stdout) }
        }
        RemoteAction::TestTcp { host, port } => {
            Reading::Tcp { host: host.clone(), port: *port, verdict: read::tcp(&inv.stdout) }
        }
        RemoteAction::ReadCounter { counter } => {
            Reading::Counter { counter: counter.clone(), value: read::counter(&inv.stdout) }
        }
        RemoteAction::SetParameter { .. }
        | RemoteAction::UpdateTable { .. }
        | RemoteAction::UpdateShardCount { .. }
        | RemoteAction::ModifyDbStorage { .. }
        | RemoteAction::RoutingProfileQueue(_) => Reading::ApiCall {
            lines: read::lines(&inv.stdout)
                .filter(|l| !l.is_empty())
                .map(|l| evidence_line(l, 200))
                .collect(),
        },
    }
}

/// One judged row: the subject (a service, a host) when there is one, the status, the words.
pub type Row = (Option<String>, ServerStatus, String);

/// Why a command failed, in one line: the error record's message, else the first line of
/// output, else the status and exit code.
pub fn why(inv: &Invocation) -> String {
    read::error(&inv.stderr)
        .map(|e| evidence_line(&e.message, 160))
        .or_else(|| first_line(&inv.stdout))
        .unwrap_or_else(|| match inv.response_code {
            Some(code) if code >= 0 => format!("command {} (exit {code})", inv.status.as_str()),
            _ => format!("command {}", inv.status.as_str()),
        })
}

fn unexpected(reading: &Reading, check: &str) -> Vec<Row> {
    let what = match reading {
        Reading::Restart { .. } => "a service restart",
        Reading::Services(_) => "a service query",
        Reading::Log { .. } => "a log read",
        Reading::Dns { .. } => "a DNS lookup",
        Reading::Tcp { .. } => "a TCP test",
        Reading::Counter { .. } => "a counter read",
        Reading::ApiCall { .. } => "an AWS API call",
    };
    vec![(None, ServerStatus::Unknown, format!("{what} cannot answer a {check} check"))]
}

/// A `dns` check from a `ResolveDns` answer: pass with the addresses, fail when the lookup
/// failed or found no address.
pub fn dns_verdict(reading: &Reading, inv: &Invocation) -> Vec<Row> {
    let (name, rows) = match reading {
        Reading::Dns { name, rows } => (name, rows),
        Reading::Restart { .. }
        | Reading::Services(_)
        | Reading::Log { .. }
        | Reading::Tcp { .. }
        | Reading::Counter { .. }
        | Reading::ApiCall { .. } => {
            return unexpected(reading, "dns");
        }
    };
    let row = match (inv.status, rows) {
        (CommandStatus::Success, Some(rows)) => {
            let addrs: Vec<String> = rows.iter().filter_map(|r| r.ip).map(|ip| ip.to_string()).collect();
            if addrs.is_empty() {
                let kinds: Vec<&str> = rows.iter().map(|r| r.kind.as_str()).collect();
                (ServerStatus::Fail, format!("{name} resolves to no address (records: {})", kinds.join(", ")))
            } else {
                (ServerStatus::Pass, format!("{name} resolves to {}", addrs.join(", ")))
            }
        }
        (CommandStatus::Success, None) => {
            (ServerStatus::Unknown, format!("{name}: no Name/Type/IPAddress table in the output"))
        }
        _ => (ServerStatus::Fail, format!("{name} does not resolve: {}", why(inv))),
    };
    vec![(None, row.0, row.1)]
}

/// A `tcp` check from a `TestTcp` answer: the `host:port tcp=True|False` line decides. For a
/// peer, the evidence names the server, the address tried and where it came from.
pub fn tcp_verdict(reading: &Reading, inv: &Invocation, peer: Option<&Peer>) -> Vec<Row> {
    let (host, port, verdict) = match reading {
        Reading::Tcp { host, port, verdict } => (host, *port, verdict),
        Reading::Restart { .. }
        | Reading::Services(_)
        | Reading::Log { .. }
        | Reading::Dns { .. }
        | Reading::Counter { .. }
        | Reading::ApiCall { .. } => {
            return unexpected(reading, "tcp");
        }
    };
    let line =
        |v: &TcpVerdict| format!("{}:{} tcp={}", v.host, v.port, if v.succeeded { "True" } else { "False" });
    // `nt-b at 10.0.1.12:443 (the IP address SSM reports)`, or `contact-center…:443`.
    let (subject, target, from) = match peer {
        Some(p) if p.server != *host => {
            (p.server.clone(), format!("{} at {host}:{port}", p.server), format!("{}; ", p.from))
        }
        Some(p) => (host.clone(), format!("{host}:{port}"), format!("{}; ", p.from)),
        None => (host.clone(), format!("{host}:{port}"), String::new()),
    };
    let (status, detail) = match (inv.status, verdict) {
        (CommandStatus::Success, Some(v)) if v.succeeded => (
            ServerStatus::Pass,
            match peer {
                Some(p) => format!("{target} reachable ({})", p.from),
                None => format!("{target} reachable"),
            },
        ),
        (_, Some(v)) if !v.succeeded && v.port == 0 && port != 0 => (
            ServerStatus::Fail,
            format!("{target} unreachable: {host} does not resolve from this server ({from}{})", line(v)),
        ),
        (_, Some(v)) if !v.succeeded => {
            (ServerStatus::Fail, format!("{target} unreachable ({from}{})", line(v)))
        }
        (_, Some(v)) => (
            ServerStatus::Unknown,
            format!("{target}: the script said {} but ended {}", line(v), inv.status.as_str()),
        ),
        (_, None) => (
            ServerStatus::Unknown,
            format!("{target}: no `{host}:{port} tcp=` line in the output: {}", why(inv)),
        ),
    };
    vec![(Some(subject), status, detail)]
}

/// A `log` check from a `TailLog` answer: the pattern against the newest lines.
pub fn log_verdict(
    reading: &Reading,
    inv: &Invocation,
    pattern: &LogPattern,
    lines: u32,
    expect: Expect,
) -> Vec<Row> {
    let text = match reading {
        Reading::Log { lines } => lines,
        Reading::Restart { .. }
        | Reading::Services(_)
        | Reading::Dns { .. }
        | Reading::Tcp { .. }
        | Reading::Counter { .. }
        | Reading::ApiCall { .. } => {
            return unexpected(reading, "log");
        }
    };
    if inv.status != CommandStatus::Success {
        return vec![(None, ServerStatus::Unknown, format!("could not read the newest log: {}", why(inv)))];
    }
    let hits: Vec<&String> = text.iter().filter(|l| pattern.regex.is_match(l)).collect();
    let status = match (expect, hits.is_empty()) {
        (Expect::Absent, true) | (Expect::Present, false) => ServerStatus::Pass,
        (Expect::Absent, false) | (Expect::Present, true) => ServerStatus::Fail,
    };
    let mut detail = if hits.is_empty() {
        format!("no line matches /{}/ in the last {lines} lines", pattern.source)
    } else {
        format!("{} of the last {lines} lines match /{}/", hits.len(), pattern.source)
    };
    // The newest matching lines are the ones that explain what is happening now.
    for l in hits.iter().rev().take(5).rev() {
        detail.push_str("\n    ");
        detail.push_str(&evidence_line(l, 200));
    }
    vec![(None, status, detail)]
}

/// A `service` check from a `QueryServices` answer: one row per service; a service the
/// server does not have fails on its own.
pub fn service_verdict(
    reading: &Reading,
    inv: &Invocation,
    services: &[String],
    row: impl Fn(&str, Option<ServiceStatus>) -> Row,
) -> Vec<Row> {
    let answer = match reading {
        Reading::Services(answer) => answer,
        Reading::Restart { .. }
        | Reading::Log { .. }
        | Reading::Dns { .. }
        | Reading::Tcp { .. }
        | Reading::Counter { .. }
        | Reading::ApiCall { .. } => {
            return unexpected(reading, "service");
        }
    };
    if inv.status != CommandStatus::Success {
        return vec![(None, ServerStatus::Unknown, format!("could not query services: {}", why(inv)))];
    }
    services
        .iter()
        .map(|name| match answer.status(name) {
            Some(Some(status)) => row(name, Some(status)),
            Some(None) => row(name, Some(ServiceStatus::NotFound)),
            None => row(name, None),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_sequences_are_removed() {
        let s = "\u{1b}[31mERROR\u{1b}[0m boom\u{1b}]0;title\u{7} tail\r\u{8}\tx\u{9b}";
        assert_eq!(strip_control(s), "ERROR boom tail x");
        // Bidi and zero-width characters in log evidence (kept before issue 11).
        assert_eq!(strip_control("Chat\u{202E}Bridge\u{200B} \u{200F}down\u{2028}"), "ChatBridge down");
        assert_eq!(evidence_line("  abcdef  ", 4), "abc…");
    }
}
