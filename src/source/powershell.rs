//! `RemoteAction` → PowerShell lines for SSM `AWS-RunPowerShellScript`.
//!
//! The templates are fixed in code. Every value spliced into them (service names, hosts,
//! ports, paths) is first checked against a strict allowlist for its kind and then written as
//! a PowerShell single-quoted literal, in which nothing is interpreted except `''` (one quote).
//! The literal quoting additionally refuses what PowerShell would treat specially even though
//! the allowlists already exclude it: control characters and newlines (a new statement), the
//! backtick (escape character), `$(` (subexpression), and the Unicode quote look-alikes
//! `‘ ’ ‚ ‛` that PowerShell accepts as single quotes (and `“ ” „` as double quotes). Values
//! never come from telemetry, logs or the keyboard; this is the second line of defence.

use crate::source::remote::RemoteAction;
use std::fmt;

/// Why a value was not allowed into a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedValue {
    /// What the value is: `service name`, `host`, `path`…
    pub kind: &'static str,
    pub value: String,
    pub reason: String,
}

impl RejectedValue {
    /// The value for a message: at most 80 characters, so a huge value is not echoed whole.
    pub fn shown(&self) -> String {
        const MAX: usize = 80;
        if self.value.chars().count() <= MAX {
            format!("{:?}", self.value)
        } else {
            let cut: String = self.value.chars().take(MAX).collect();
            format!("{cut:?}… ({} characters)", self.value.chars().count())
        }
    }
}

impl fmt::Display for RejectedValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} refused: {}", self.kind, self.shown(), self.reason)
    }
}

impl std::error::Error for RejectedValue {}

fn reject(kind: &'static str, value: &str, reason: impl Into<String>) -> RejectedValue {
    RejectedValue { kind, value: value.to_string(), reason: reason.into() }
}

/// Characters PowerShell's tokenizer takes as a single quote besides `'`.
const SINGLE_QUOTE_LOOKALIKES: [char; 4] = ['\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];
/// ... and as a double quote besides `"`.
const DOUBLE_QUOTE_LOOKALIKES: [char; 3] = ['\u{201C}', '\u{201D}', '\u{201E}'];

/// A PowerShell single-quoted string literal for `value`, or why it cannot be one.
pub fn quote(kind: &'static str, value: &str) -> Result<String, RejectedValue> {
    if value.chars().any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}' || c == '\u{85}') {
        return Err(reject(kind, value, "contains a control character or line break"));
    }
    if value.chars().any(|c| SINGLE_QUOTE_LOOKALIKES.contains(&c) || DOUBLE_QUOTE_LOOKALIKES.contains(&c)) {
        return Err(reject(kind, value, "contains a typographic quote PowerShell treats as a quote"));
    }
    if value.contains('`') {
        return Err(reject(kind, value, "contains a backtick"));
    }
    if value.contains("$(") {
        return Err(reject(kind, value, "contains a subexpression $("));
    }
    Ok(format!("'{}'", value.replace('\'', "''")))
}

fn check_chars(
    kind: &'static str,
    value: &str,
    max_len: usize,
    allowed: impl Fn(char) -> bool,
    reason: &'static str,
) -> Result<(), RejectedValue> {
    if value.is_empty() {
        return Err(reject(kind, value, "is empty"));
    }
    if value.chars().count() > max_len {
        return Err(reject(kind, value, format!("is longer than {max_len} characters")));
    }
    if !value.chars().all(allowed) {
        return Err(reject(kind, value, reason));
    }
    Ok(())
}

/// Longest Windows service name or display name the service manager accepts.
pub const MAX_SERVICE_NAME: usize = 256;

/// Windows service (or display) name: ASCII letters, digits, space, `.`, `_`, `-`, neither
/// starting nor ending with a space. No wildcards: `Get-Service -Name` would expand `*`, `?`
/// and `[...]`. A leading `-` is fine: inside a single-quoted literal `'-Force'` is a string
/// argument, never a parameter. The config check and the renderer both use this one.
pub fn check_service_name(name: &str) -> Result<(), RejectedValue> {
    const KIND: &str = "service name";
    check_chars(
        KIND,
        name,
        MAX_SERVICE_NAME,
        |c| c.is_ascii_alphanumeric() || " ._-".contains(c),
        "allowed: A-Z a-z 0-9 space . _ -",
    )?;
    if name.starts_with(' ') || name.ends_with(' ') {
        return Err(reject(KIND, name, "must not start or end with a space"));
    }
    Ok(())
}

/// DNS name or IPv4/IPv6 address: letters, digits, `.`, `-`, `:`; not starting with `-` (it
/// would read as a parameter name to a native command).
pub fn check_host(host: &str) -> Result<(), RejectedValue> {
    const KIND: &str = "host";
    check_chars(
        KIND,
        host,
        253,
        |c| c.is_ascii_alphanumeric() || ".-:".contains(c),
        "allowed: A-Z a-z 0-9 . - :",
    )?;
    if host.starts_with(['-', '.']) {
        return Err(reject(KIND, host, "must start with a letter, digit or ':'"));
    }
    Ok(())
}

/// Longest log folder accepted: short of Windows' 260-character MAX_PATH with room for a file
/// name.
pub const MAX_PATH_CHARS: usize = 240;

/// Absolute Windows folder on a drive: `C:\ProgramData\NexTalk\Logs`,
/// `C:\Program Files (x86)\NexTalk\Logs`. Between the backslashes: letters, digits, space,
/// `.`, `_`, `-`, `(`, `)`; no `.` or `..` segment, no UNC path, no wildcard (`-LiteralPath`
/// would not expand one anyway). Parentheses are plain characters inside a single-quoted
/// literal. The config check and the renderer both use this one.
pub fn check_path(path: &str) -> Result<(), RejectedValue> {
    const KIND: &str = "path";
    let mut chars = path.chars();
    let drive = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    if !(drive && chars.next() == Some(':') && chars.next() == Some('\\')) {
        return Err(reject(KIND, path, "must be an absolute path like C:\\ProgramData\\NexTalk\\Logs"));
    }
    if path.chars().count() > MAX_PATH_CHARS {
        return Err(reject(KIND, path, "is longer than 240 characters"));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || " ._-()".contains(c);
    for segment in path[3..].split('\\').filter(|s| !s.is_empty()) {
        if segment == "." || segment == ".." {
            return Err(reject(KIND, path, "must not contain a . or .. segment"));
        }
        if !segment.chars().all(allowed) {
            return Err(reject(KIND, path, "allowed between the backslashes: A-Z a-z 0-9 space . _ - ( )"));
        }
    }
    Ok(())
}

/// Longest performance counter path accepted (PDH allows more; ours are short).
pub const MAX_COUNTER_PATH: usize = 255;

/// A local Windows performance counter path: `\Object\Counter` or
/// `\Object(Instance)\Counter`, e.g. `\NexTalk\Ports In Use`. Between the backslashes:
/// letters, digits, space and `. _ - ( ) # % /`. No computer name (`\\host\…`) and no
/// wildcard: one local counter, one sample.
pub fn check_counter(path: &str) -> Result<(), RejectedValue> {
    const KIND: &str = "counter";
    check_chars(
        KIND,
        path,
        MAX_COUNTER_PATH,
        |c| c.is_ascii_alphanumeric() || " ._-()#%/\\".contains(c),
        "allowed: A-Z a-z 0-9 space . _ - ( ) # % / and the backslashes of \\Object\\Counter",
    )?;
    let parts: Vec<&str> = path.split('\\').collect();
    let well_formed = parts.len() == 3
        && parts[0].is_empty()
        && parts[1..].iter().all(|p| !p.trim().is_empty() && p.trim() == *p);
    if !well_formed {
        return Err(reject(KIND, path, "must be \\Object\\Counter or \\Object(Instance)\\Counter"));
    }
    Ok(())
}

/// A checked service name as a literal.
fn service(name: &str) -> Result<String, RejectedValue> {
    check_service_name(name)?;
    quote("service name", name)
}

/// The NexTalk log folder unless the config names another.
pub const DEFAULT_LOG_DIR: &str = r"C:\ProgramData\NexTalk\Logs";

/// Most log lines a tail asks for; SSM cuts stdout at 24,000 characters anyway.
pub const MAX_TAIL_LINES: u32 = 2_000;

/// Where the rendered commands run.
#[derive(Debug, Clone)]
pub struct RenderContext {
    /// NexTalk log folder, from settings.
    pub log_dir: String,
}

/// Output of the service query: one `name|Status` line per requested service, `NotFound` for
/// services that do not exist. Names are the requested ones, so the parser can match them.
pub const SERVICE_LINE_SEPARATOR: char = '|';

/// The PowerShell lines for `action` (the `commands` parameter of AWS-RunPowerShellScript).
pub fn render(action: &RemoteAction, ctx: &RenderContext) -> Result<Vec<String>, RejectedValue> {
    // A lookup by service name first, then by display name: config may carry either.
    let find = |var: &str, name_expr: &str| {
        format!(
            "{var} = Get-Service -Name {name_expr} -ErrorAction SilentlyContinue; \
             if (-not {var}) {{ {var} = Get-Service -DisplayName {name_expr} -ErrorAction SilentlyContinue }}"
        )
    };
    let lines = match action {
        RemoteAction::RestartService { service: name } => {
            let lit = service(name)?;
            vec![
                "$ErrorActionPreference = 'Stop'".to_string(),
                find("$svc", &lit),
                format!("if (-not $svc) {{ throw ('service not found: ' + {lit}) }}"),
                "Restart-Service -InputObject $svc -Force".to_string(),
                "$svc.WaitForStatus('Running', [TimeSpan]::FromSeconds(60))".to_string(),
                format!(
                    "'{{0}}{SERVICE_LINE_SEPARATOR}{{1}}' -f {lit}, (Get-Service -Name $svc.Name).Status"
                ),
            ]
        }
        RemoteAction::QueryServices { services } => {
            if services.is_empty() {
                return Err(reject("service list", "", "is empty"));
            }
            let list = services.iter().map(|s| service(s)).collect::<Result<Vec<_>, _>>()?.join(", ");
            vec![
                "$ErrorActionPreference = 'Continue'".to_string(),
                format!("foreach ($n in @({list})) {{"),
                format!("  {}", find("$s", "$n")),
                format!(
                    "  if ($s) {{ '{{0}}{sep}{{1}}' -f $n, $s.Status }} else {{ '{{0}}{sep}NotFound' -f $n }}",
                    sep = SERVICE_LINE_SEPARATOR
                ),
                "}".to_string(),
            ]
        }
        RemoteAction::TailLog { lines } => {
            check_path(&ctx.log_dir)?;
            let dir = quote("path", &ctx.log_dir)?;
            let n = (*lines).clamp(1, MAX_TAIL_LINES);
            vec![
                "$ErrorActionPreference = 'Stop'".to_string(),
                format!(
                    "$f = Get-ChildItem -LiteralPath {dir} -File | Sort-Object LastWriteTime -Descending | \
                     Select-Object -First 1"
                ),
                format!("if (-not $f) {{ throw ('no log file in ' + {dir}) }}"),
                format!("Get-Content -LiteralPath $f.FullName -Tail {n}"),
            ]
        }
        RemoteAction::ResolveDns { name } => {
            check_host(name)?;
            let lit = quote("host", name)?;
            vec![
                "$ErrorActionPreference = 'Stop'".to_string(),
                format!(
                    "Resolve-DnsName -Name {lit} -DnsOnly | Select-Object Name, Type, IPAddress | \
                     Format-Table -AutoSize | Out-String -Width 200"
                ),
            ]
        }
        RemoteAction::TestTcp { host, port } => {
            check_host(host)?;
            if *port == 0 {
                return Err(reject("port", "0", "must be 1-65535"));
            }
            let lit = quote("host", host)?;
            vec![
                format!(
                    "$r = Test-NetConnection -ComputerName {lit} -Port {port} -WarningAction SilentlyContinue"
                ),
                "'{0}:{1} tcp={2}' -f $r.ComputerName, $r.RemotePort, $r.TcpTestSucceeded".to_string(),
                "if (-not $r.TcpTestSucceeded) { exit 1 }".to_string(),
            ]
        }
        RemoteAction::ReadCounter { counter } => {
            check_counter(counter)?;
            let lit = quote("counter", counter)?;
            vec![
                "$ErrorActionPreference = 'Stop'".to_string(),
                format!("$s = (Get-Counter -Counter {lit} -MaxSamples 1).CounterSamples[0]"),
                // Invariant culture: a German server would otherwise print `37,5`.
                "'counter={0}' -f $s.CookedValue.ToString([cultureinfo]::InvariantCulture)".to_string(),
            ]
        }
        // AWS API calls have no script: nothing of theirs is ever sent to a server.
        RemoteAction::SetParameter { parameter: name, .. }
        | RemoteAction::UpdateTable { table: name, .. }
        | RemoteAction::UpdateShardCount { stream: name, .. }
        | RemoteAction::ModifyDbStorage { instance: name, .. } => {
            return Err(reject("action", name, "is an AWS API call, not a PowerShell script"));
        }
        RemoteAction::RoutingProfileQueue(crate::source::QueueShareCall {
            routing_profile_id: name, ..
        }) => {
            return Err(reject("action", name, "is an AWS API call, not a PowerShell script"));
        }
    };
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> RenderContext {
        RenderContext { log_dir: r"C:\ProgramData\NexTalk\Logs".into() }
    }

    const INJECTIONS: &[&str] = &[
        "'; Stop-Computer -Force; '",
        "x'; Stop-Computer",
        "$(Stop-Computer)",
        "x$(Stop-Computer)",
        "`$(Stop-Computer)",
        "Chat Bridge`nStop-Computer",
        "Chat Bridge\nStop-Computer",
        "Chat Bridge\r\nStop-Computer",
        "Chat Bridge\u{2028}Stop-Computer",
        "Chat\u{2019}; Stop-Computer; \u{2018}",
        "Chat\u{2018}",
        "Chat\u{201A}",
        "Chat\u{201B}",
        "Chat\u{201C}x\u{201D}",
        "Chat; Stop-Computer",
        "Chat | Stop-Computer",
        "Chat & Stop-Computer",
        "*",
        "Chat*",
        "Chat\0",
        "",
    ];

    #[test]
    fn quoting_doubles_single_quotes_and_refuses_the_dangerous() {
        assert_eq!(quote("v", "it's").unwrap(), "'it''s'");
        assert_eq!(quote("v", "plain").unwrap(), "'plain'");
        assert_eq!(quote("v", "'; Stop-Computer; '").unwrap(), "'''; Stop-Computer; '''");
        for bad in ["a\nb", "a\rb", "a`b", "a$(b)", "a\u{2018}b", "a\u{2019}b", "a\u{201A}b", "a\u{201B}b"] {
            assert!(quote("v", bad).is_err(), "{bad:?} should be refused");
        }
        // `$x` alone is inert inside single quotes: allowed by quote, refused by allowlists.
        assert_eq!(quote("v", "$env:PATH").unwrap(), "'$env:PATH'");
        assert!(check_service_name("$env:PATH").is_err());
    }

    #[test]
    fn injection_strings_never_reach_a_command() {
        for bad in INJECTIONS {
            for action in [
                RemoteAction::RestartService { service: bad.to_string() },
                RemoteAction::QueryServices { services: vec!["NexTalk App API".into(), bad.to_string()] },
                RemoteAction::ResolveDns { name: bad.to_string() },
                RemoteAction::TestTcp { host: bad.to_string(), port: 443 },
                RemoteAction::ReadCounter { counter: format!("\\NexTalk\\{bad}") },
            ] {
                let r = render(&action, &ctx());
                assert!(r.is_err(), "{action:?} rendered to {r:?}");
            }
            // `C:\` is a folder name inside -LiteralPath '…': inert.
            if bad.is_empty() {
                continue;
            }
            let r = render(
                &RemoteAction::TailLog { lines: 10 },
                &RenderContext { log_dir: format!("C:\\{bad}") },
            );
            assert!(r.is_err(), "log dir {bad:?} rendered to {r:?}");
        }
    }

    /// What we accept must be inert: each value appears only inside one single-quoted literal.
    #[test]
    fn accepted_values_appear_only_as_literals() {
        let action = RemoteAction::QueryServices { services: vec!["NexTalk App API".into(), "W3SVC".into()] };
        let lines = render(&action, &ctx()).unwrap();
        assert_eq!(lines[1], "foreach ($n in @('NexTalk App API', 'W3SVC')) {");
        let restart =
            render(&RemoteAction::RestartService { service: "NexTalk Chat Bridge".into() }, &ctx()).unwrap();
        let text = restart.join("\n");
        // Looked up by name, then by display name, named in the error and in the result line:
        // four times, each inside quotes. (Counting only "equal" would pass at 0 == 0.)
        assert_eq!(text.matches("'NexTalk Chat Bridge'").count(), 4, "{text}");
        assert_eq!(text.matches("NexTalk Chat Bridge").count(), 4, "{text}");
        let tcp = render(
            &RemoteAction::TestTcp { host: "connect.eu-west-2.amazonaws.com".into(), port: 443 },
            &ctx(),
        )
        .unwrap();
        assert!(tcp[0].contains("-ComputerName 'connect.eu-west-2.amazonaws.com' -Port 443"));
    }

    #[test]
    fn a_leading_dash_and_parentheses_stay_inside_literals() {
        let q = render(&RemoteAction::RestartService { service: "-Force".into() }, &ctx()).unwrap();
        assert_eq!(
            q[1],
            "$svc = Get-Service -Name '-Force' -ErrorAction SilentlyContinue; if (-not $svc) { $svc = Get-Service -DisplayName '-Force' -ErrorAction SilentlyContinue }"
        );
        let dir = r"C:\Program Files (x86)\NexTalk\Logs";
        let t = render(&RemoteAction::TailLog { lines: 5 }, &RenderContext { log_dir: dir.into() }).unwrap();
        assert!(t[1].contains(r"-LiteralPath 'C:\Program Files (x86)\NexTalk\Logs' -File"), "{t:?}");
        assert_eq!(t.join("\n").matches(dir).count(), 2);
        for bad in [" Chat", "Chat ", "Chat(1)", &"x".repeat(MAX_SERVICE_NAME + 1)] {
            assert!(check_service_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_service_name(&"x".repeat(MAX_SERVICE_NAME)).is_ok());
    }

    #[test]
    fn refusals_echo_at_most_80_characters_of_the_value() {
        let huge = "x'".repeat(1_000_000);
        let text = check_service_name(&huge).unwrap_err().to_string();
        assert!(text.len() < 200 && text.contains("(2000000 characters)"), "{text}");
    }

    #[test]
    fn tails_are_bounded_and_paths_checked() {
        let lines = render(&RemoteAction::TailLog { lines: 1_000_000 }, &ctx()).unwrap();
        assert!(lines.last().unwrap().ends_with("-Tail 2000"), "{lines:?}");
        assert!(lines[1].contains(r"-LiteralPath 'C:\ProgramData\NexTalk\Logs'"));
        for bad in [
            r"\\evil\share",
            r"C:\Logs\..\Windows",
            r"C:\Logs\.\x",
            "Logs",
            r"C:\Logs\*",
            "C:/Logs",
            r"C:\a'b",
            r"C:\$env:TEMP",
        ] {
            assert!(check_path(bad).is_err(), "{bad}");
        }
        assert!(check_path(r"C:\").is_ok());
    }

    #[test]
    fn counters_are_one_local_path() {
        for ok in [
            r"\NexTalk\Ports In Use",
            r"\NexTalk(_Total)\Ports In Use",
            r"\Processor(_Total)\% Processor Time",
        ] {
            assert!(check_counter(ok).is_ok(), "{ok}");
        }
        for bad in [
            r"\\nt-b\NexTalk\Ports",
            r"\NexTalk\*",
            r"NexTalk\Ports",
            r"\NexTalk",
            r"\NexTalk\a\b",
            r"\ NexTalk\Ports",
            r"\NexTalk\Ports'",
        ] {
            assert!(check_counter(bad).is_err(), "{bad}");
        }
        let lines =
            render(&RemoteAction::ReadCounter { counter: r"\NexTalk\Ports In Use".into() }, &ctx()).unwrap();
        assert_eq!(
            lines[1],
            r"$s = (Get-Counter -Counter '\NexTalk\Ports In Use' -MaxSamples 1).CounterSamples[0]"
        );
    }

    #[test]
    fn hosts_and_ports_are_checked() {
        assert!(check_host("10.0.0.5").is_ok());
        assert!(check_host("fe80::1").is_ok());
        assert!(check_host("-oProxyCommand").is_err());
        assert!(render(&RemoteAction::TestTcp { host: "db".into(), port: 0 }, &ctx()).is_err());
    }
}
