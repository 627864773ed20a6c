//! Reading what the rendered scripts print (see [`super::print`] for the formats). Every
//! reader tolerates what Windows and SSM add on the way: CR LF or LF, a byte-order mark, blank
//! lines, warnings in stdout. Each returns `None` or an empty reading rather than guessing when
//! the expected line is not there: a check that cannot read its answer is unknown, not a pass.

use crate::model::{ServiceStatus, WinService};
use std::net::IpAddr;

/// Output lines without their line ends and a leading byte-order mark.
pub fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.strip_prefix('\u{feff}').unwrap_or(text).split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l))
}

/// What the service query said about each requested service, in the requested order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceReading {
    pub services: Vec<WinService>,
    /// Requested services the server does not have (`name|NotFound`).
    pub not_found: Vec<String>,
    /// Requested services the output did not mention at all (cut short, or garbled).
    pub missing: Vec<String>,
}

impl ServiceReading {
    /// `Some(None)`: the server has no such service; `None`: the output did not say.
    pub fn status(&self, name: &str) -> Option<Option<ServiceStatus>> {
        if self.not_found.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            return Some(None);
        }
        if self.missing.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            return None;
        }
        self.services.iter().find(|s| s.name.eq_ignore_ascii_case(name)).map(|s| Some(s.status))
    }
}

/// `name|Status` lines (`QueryServices`), one per requested service; `name|NotFound` for a
/// service the server does not have. Names are matched case-insensitively, as Windows does.
pub fn services(stdout: &str, requested: &[String]) -> ServiceReading {
    let mut found: Vec<Option<ServiceStatus>> = vec![None; requested.len()];
    let mut not_found = Vec::new();
    for line in lines(stdout) {
        let line = line.trim();
        // Split at the last separator: names cannot contain it (the allowlist refuses it).
        let Some((name, status)) = line.rsplit_once(crate::source::powershell::SERVICE_LINE_SEPARATOR) else {
            continue;
        };
        let (name, status) = (name.trim(), status.trim());
        let Some(i) = requested.iter().position(|r| r.eq_ignore_ascii_case(name)) else { continue };
        if status == "NotFound" {
            if !not_found.contains(&requested[i]) {
                not_found.push(requested[i].clone());
            }
            found[i] = Some(ServiceStatus::Unknown);
        } else {
            found[i] = Some(ServiceStatus::parse(status));
        }
    }
    let missing = requested.iter().zip(&found).filter(|(_, f)| f.is_none()).map(|(r, _)| r.clone()).collect();
    let services = requested
        .iter()
        .zip(found)
        .map(|(name, st)| WinService { name: name.clone(), status: st.unwrap_or(ServiceStatus::Unknown) })
        .collect();
    ServiceReading { services, not_found, missing }
}

/// The state `RestartService` printed last (`NexTalk Chat Bridge|Running`), after any
/// `Restart-Service` warnings.
pub fn restarted(stdout: &str, service: &str) -> Option<ServiceStatus> {
    services(stdout, &[service.to_string()]).status(service).flatten()
}

/// One row of the `Resolve-DnsName` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsRow {
    pub name: String,
    /// `A`, `AAAA`, `CNAME`, `SOA`…
    pub kind: String,
    pub ip: Option<IpAddr>,
}

/// The rows of the `Name Type IPAddress` table `ResolveDns` prints, or `None` when there is
/// no such table. Columns are found by the header's words: Format-Table starts every cell
/// where its header starts.
pub fn dns(stdout: &str) -> Option<Vec<DnsRow>> {
    let all: Vec<&str> = lines(stdout).collect();
    let header = all.iter().position(|l| l.split_whitespace().eq(["Name", "Type", "IPAddress"]))?;
    let under = all.get(header + 1)?;
    if !under.trim().chars().all(|c| c == '-' || c == ' ') || under.trim().is_empty() {
        return None;
    }
    let head: Vec<char> = all[header].chars().collect();
    let col = |word: &str| {
        let w: Vec<char> = word.chars().collect();
        head.windows(w.len()).position(|x| x == w.as_slice())
    };
    let (type_at, ip_at) = (col("Type")?, col("IPAddress")?);
    let mut rows = Vec::new();
    for line in &all[header + 2..] {
        if line.trim().is_empty() {
            break;
        }
        let chars: Vec<char> = line.chars().collect();
        let cell = |from: usize, to: usize| -> String {
            chars
                .get(from.min(chars.len())..to.min(chars.len()))
                .unwrap_or(&[])
                .iter()
                .collect::<String>()
                .trim()
                .to_string()
        };
        let ip = cell(ip_at, chars.len());
        rows.push(DnsRow {
            name: cell(0, type_at),
            kind: cell(type_at, ip_at),
            ip: if ip.is_empty() { None } else { ip.parse().ok() },
        });
    }
    Some(rows)
}

/// `TestTcp`'s verdict line, `<host>:<port> tcp=True|False`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpVerdict {
    /// As `Test-NetConnection` reports it: the name it was given.
    pub host: String,
    /// 0 when the name did not resolve (the cmdlet returns before it records the port).
    pub port: u16,
    pub succeeded: bool,
}

pub fn tcp(stdout: &str) -> Option<TcpVerdict> {
    lines(stdout).find_map(|line| {
        let (target, verdict) = line.trim().rsplit_once(" tcp=")?;
        let succeeded = match verdict {
            "True" => true,
            "False" => false,
            _ => return None,
        };
        let (host, port) = target.rsplit_once(':')?;
        Some(TcpVerdict { host: host.to_string(), port: port.parse().ok()?, succeeded })
    })
}

/// The parts of an error record a person needs (see `record` for the layout).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorText {
    /// The first line: `Restart-Service : Service '…' cannot be started…`, `service not found: X`.
    pub message: String,
    /// The script line it happened on, from `At <file>:<line> char:<col>`.
    pub line: Option<u32>,
    /// `PathNotFound,Microsoft.PowerShell.Commands.GetChildItemCommand`…
    pub id: Option<String>,
}

/// The first error record in `stderr`, if any.
pub fn error(stderr: &str) -> Option<ErrorText> {
    let mut it = lines(stderr).map(str::trim_end).skip_while(|l| l.trim().is_empty());
    let message = it.next()?.trim().to_string();
    let mut text = ErrorText { message, line: None, id: None };
    for l in it {
        let t = l.trim_start();
        if let Some(at) = t.strip_prefix("At ") {
            text.line = at.rsplit_once(" char:").and_then(|(file, _)| file.rsplit_once(':')?.1.parse().ok());
        } else if let Some(id) = t.strip_prefix("+ FullyQualifiedErrorId : ") {
            // A long id is split with four spaces in the middle (see `record`): join it again.
            text.id = Some(id.split("    ").collect::<Vec<_>>().concat());
            break;
        }
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> Vec<String> {
        vec!["NexTalk App API".into(), "NexTalk Chat Bridge".into(), "W3SVC".into()]
    }

    #[test]
    fn crlf_bom_and_case_are_handled() {
        let out =
            "\u{feff}NexTalk App API|Running\r\nnextalk chat bridge|Stopped\r\n\r\nW3SVC|StartPending\r\n";
        let r = services(out, &req());
        let st: Vec<_> = r.services.iter().map(|s| s.status).collect();
        assert_eq!(st, [ServiceStatus::Running, ServiceStatus::Stopped, ServiceStatus::StartPending]);
        assert_eq!(r.services[1].name, "NexTalk Chat Bridge");
        assert!(r.not_found.is_empty() && r.missing.is_empty());
    }

    #[test]
    fn not_found_missing_and_noise_are_told_apart() {
        let out = "WARNING: something\nNexTalk App API|NotFound\ngarbage line\nother|Running\n";
        let r = services(out, &req());
        assert!(r.services.iter().all(|s| s.status == ServiceStatus::Unknown));
        assert_eq!(r.not_found, ["NexTalk App API"]);
        assert_eq!(r.missing, ["NexTalk Chat Bridge", "W3SVC"]);
        assert_eq!(r.status("nexTalk app api"), Some(None));
        assert_eq!(r.status("W3SVC"), None);
    }

    #[test]
    fn empty_output_leaves_everything_unknown() {
        let r = services("", &req());
        assert_eq!(r.missing.len(), 3);
        assert_eq!(r.services.len(), 3);
    }

    #[test]
    fn a_tcp_verdict_needs_the_whole_line() {
        assert_eq!(
            tcp("WARNING: x\r\nfe80::1:443 tcp=True\r\n"),
            Some(TcpVerdict { host: "fe80::1".into(), port: 443, succeeded: true })
        );
        for bad in ["TcpTestSucceeded : True", "x:443 tcp=Maybe", "x:port tcp=True", "x tcp=True", ""] {
            assert_eq!(tcp(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_dns_table_is_read_by_its_header_columns() {
        let out = "\r\nName Type IPAddress\r\n---- ---- ---------\r\nx.y  A    10.0.0.1\r\nx.y  AAAA 2600:1f18::1\r\n\r\n";
        let rows = dns(out).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].ip.map(|i| i.to_string()).as_deref(), Some("2600:1f18::1"));
        assert_eq!(dns("Name : x\r\nType : A\r\n"), None, "a list view is not the table the script prints");
    }
}
