//! The strict shapes every value must have before it may reach a remote command. Runbook files
//! are data a team edits; these checks are what keeps a typo (or worse) out of PowerShell.
//! Renderers still quote each value as a literal: this is the first of two fences.

/// A Windows service name: letters, digits, space, dot, underscore, hyphen; 1 to 64 characters.
pub fn service_name(s: &str) -> Result<(), String> {
    let ok = (1..=64).contains(&s.chars().count())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid service name {s:?}: use 1 to 64 letters, digits, spaces, dots, underscores or hyphens"
        ))
    }
}

/// A host name as RFC 1123 allows it (which includes dotted IPv4 addresses): labels of 1 to 63
/// letters, digits and hyphens, not starting or ending with a hyphen, at most 253 characters.
pub fn host_name(s: &str) -> Result<(), String> {
    let label_ok = |l: &str| {
        (1..=63).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if !s.is_empty() && s.len() <= 253 && s.split('.').all(label_ok) {
        Ok(())
    } else {
        Err(format!("invalid host name {s:?}: expected an RFC 1123 name such as nt-a.corp.example"))
    }
}

/// A TCP port, 1 to 65535.
pub fn port(n: i64) -> Result<u16, String> {
    match u16::try_from(n) {
        Ok(p) if p >= 1 => Ok(p),
        _ => Err(format!("invalid port {n}: expected 1 to 65535")),
    }
}

/// A NexTalk server name as used in `on = "<server>"`: the host-name rules keep it printable
/// and free of quoting characters.
pub fn server_name(s: &str) -> Result<(), String> {
    host_name(s).map_err(|_| format!("invalid server name {s:?}: expected letters, digits, dots and hyphens"))
}

/// Step ids and runbook ids: lower-case words joined by hyphens, so they read well in the audit
/// log and on the command line (`switchboard runbook run nextalk-connectivity`).
pub fn ident(s: &str) -> Result<(), String> {
    let ok = (1..=64).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && s.as_bytes()[0].is_ascii_alphanumeric();
    if ok {
        Ok(())
    } else {
        Err(format!("invalid id {s:?}: use lower-case letters, digits, '-' and '_' (at most 64)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_names_allow_the_nextalk_ones_and_refuse_quotes() {
        for ok in ["NexTalk Server", "NexTalk App API", "NexTalk Chat Bridge", "W3SVC", "a.b_c-d"] {
            assert!(service_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "x'; Stop-Computer", "a\"b", "a$b", "tab\there", &"x".repeat(65), "ünï"] {
            assert!(service_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn host_names_follow_rfc_1123() {
        for ok in ["nt-a", "acme.my.connect.aws", "10.0.1.15", "x", &format!("{}.com", "a".repeat(63))] {
            assert!(host_name(ok).is_ok(), "{ok}");
        }
        let long = vec!["abc"; 70].join(".");
        for bad in ["", "-a.com", "a-.com", "a..b", "a b", "a_b.com", "a;rm", &"a".repeat(64), &long, "."] {
            assert!(host_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ports_are_1_to_65535() {
        assert_eq!(port(443), Ok(443));
        assert_eq!(port(65535), Ok(65535));
        assert!(port(0).is_err());
        assert!(port(65536).is_err());
        assert!(port(-1).is_err());
    }

    #[test]
    fn ids_are_lower_case_words() {
        assert!(ident("chat-bridge-running").is_ok());
        assert!(ident("Chat").is_err());
        assert!(ident("-x").is_err());
        assert!(ident("").is_err());
    }
}
