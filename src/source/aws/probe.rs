//! Reading the Windows service probe's output (`name|Status` lines, see
//! `powershell::render(QueryServices)`), robustly: Windows line ends, a byte-order mark, stray
//! blank or extra lines, services that are not installed, names in another case.

use crate::model::{ServiceStatus, WinService};
use crate::source::powershell::SERVICE_LINE_SEPARATOR;

/// What the probe said about each requested service, in the requested order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeReading {
    pub services: Vec<WinService>,
    /// Requested services the server does not have.
    pub not_found: Vec<String>,
    /// Requested services the output did not mention at all (cut short, or garbled).
    pub missing: Vec<String>,
}

pub fn parse_services(stdout: &str, requested: &[String]) -> ProbeReading {
    let mut found: Vec<Option<ServiceStatus>> = vec![None; requested.len()];
    let mut not_found = Vec::new();
    for line in stdout.lines() {
        let line = line.trim_matches(|c: char| c == '\u{feff}' || c.is_whitespace());
        // Split at the last separator: names cannot contain it (the allowlist refuses it).
        let Some((name, status)) = line.rsplit_once(SERVICE_LINE_SEPARATOR) else { continue };
        let (name, status) = (name.trim(), status.trim());
        // Windows service names are case-insensitive.
        let Some(i) = requested.iter().position(|r| r.eq_ignore_ascii_case(name)) else { continue };
        if status == "NotFound" {
            not_found.push(requested[i].clone());
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
    ProbeReading { services, not_found, missing }
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
        let r = parse_services(out, &req());
        let st: Vec<_> = r.services.iter().map(|s| s.status).collect();
        assert_eq!(st, [ServiceStatus::Running, ServiceStatus::Stopped, ServiceStatus::StartPending]);
        assert_eq!(r.services[1].name, "NexTalk Chat Bridge");
        assert!(r.not_found.is_empty() && r.missing.is_empty());
    }

    #[test]
    fn not_found_missing_and_noise_are_told_apart() {
        let out = "WARNING: something\nNexTalk App API|NotFound\ngarbage line\nother|Running\n";
        let r = parse_services(out, &req());
        assert!(r.services.iter().all(|s| s.status == ServiceStatus::Unknown));
        assert_eq!(r.not_found, ["NexTalk App API"]);
        assert_eq!(r.missing, ["NexTalk Chat Bridge", "W3SVC"]);
    }

    #[test]
    fn empty_output_leaves_everything_unknown() {
        let r = parse_services("", &req());
        assert_eq!(r.missing.len(), 3);
        assert_eq!(r.services.len(), 3);
    }
}
