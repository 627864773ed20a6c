//! Reading what remote commands printed. The renderers (PowerShell over SSM, the simulator)
//! print what Windows prints; these readers look for the few facts a check needs and ignore the
//! rest, so a banner line or a column change does not flip a result.
//!
//! What a `Remote` is expected to print, per command:
//! - `QueryServices`: one line per service naming it and its state, as `Get-Service` does
//!   (`Running  NexTalk Chat Bridge  NexTalk Chat Bridge`) or `NexTalk Chat Bridge: Running`.
//! - `ResolveDns`: anything; success is the command's status, addresses are picked out.
//! - `TestTcp`: `TcpTestSucceeded : True|False` as `Test-NetConnection` prints it; without that
//!   line a `WARNING:` line (name resolution failed) is a failure, anything else unknown.
//! - `TailLog`: the log lines themselves.

use crate::model::ServiceStatus;
use std::net::IpAddr;

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

const STATES: [&str; 5] = ["Running", "Stopped", "StartPending", "StopPending", "Paused"];

/// The state of `service` in `QueryServices` output, when a line names both.
pub fn service_status(stdout: &str, service: &str) -> Option<ServiceStatus> {
    let want = service.to_ascii_lowercase();
    stdout.lines().find_map(|line| {
        if !line.to_ascii_lowercase().contains(&want) {
            return None;
        }
        line.split(|c: char| !c.is_ascii_alphanumeric())
            .find(|tok| STATES.contains(tok))
            .map(ServiceStatus::parse)
    })
}

/// IP addresses printed by a DNS lookup, in order, without repeats.
pub fn addresses(stdout: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for tok in stdout.split(|c: char| c.is_whitespace() || c == ',' || c == '{' || c == '}') {
        if let Ok(ip) = tok.parse::<IpAddr>() {
            let s = ip.to_string();
            if !found.contains(&s) {
                found.push(s);
            }
        }
    }
    found
}

/// `Test-NetConnection`'s verdict, when it printed one.
pub fn tcp_succeeded(stdout: &str) -> Option<bool> {
    stdout.lines().find_map(|line| {
        let (k, v) = line.split_once(':')?;
        if k.trim() != "TcpTestSucceeded" {
            return None;
        }
        match v.trim() {
            "True" => Some(true),
            "False" => Some(false),
            _ => None,
        }
    })
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

    #[test]
    fn service_states_are_read_from_get_service_and_simple_lines() {
        let table = "Status   Name               DisplayName\n------   ----               -----------\n\
                     Running  NexTalk App API    NexTalk App API\nStopped  NexTalk Chat Bridge NexTalk Chat Bridge\n";
        assert_eq!(service_status(table, "NexTalk Chat Bridge"), Some(ServiceStatus::Stopped));
        assert_eq!(service_status(table, "NexTalk App API"), Some(ServiceStatus::Running));
        assert_eq!(
            service_status("nextalk chat bridge: StartPending", "NexTalk Chat Bridge"),
            Some(ServiceStatus::StartPending)
        );
        assert_eq!(service_status(table, "NexTalk Server"), None);
    }

    #[test]
    fn addresses_and_tcp_verdicts_are_picked_out() {
        let dns = "Name  Type TTL Section IPAddress\nacme.my.connect.aws A 60 Answer 52.94.1.10\nx A 60 Answer 52.94.1.10, 2600:1f18::1\n";
        assert_eq!(addresses(dns), ["52.94.1.10", "2600:1f18::1"]);
        assert_eq!(tcp_succeeded("ComputerName : x\nTcpTestSucceeded : False\n"), Some(false));
        assert_eq!(tcp_succeeded("TcpTestSucceeded : True"), Some(true));
        assert_eq!(tcp_succeeded("connected"), None);
    }
}
