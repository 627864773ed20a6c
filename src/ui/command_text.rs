//! The command text a confirmation dialog shows: the PowerShell that
//! `AWS-RunPowerShellScript` runs for a `RemoteAction`. Every value is written as a PowerShell
//! single-quoted literal (in which only `''` means anything), the way the SSM backend quotes
//! them; the values themselves were validated when the config and runbooks were loaded.

use crate::source::RemoteAction;

/// The SSM document remote commands run as.
pub const DOCUMENT: &str = "AWS-RunPowerShellScript";

/// Where NexTalk writes its logs on every server.
const LOG_DIR: &str = r"C:\ProgramData\NexTalk\Logs";

/// `'it''s'`: a PowerShell single-quoted literal.
pub fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// The script lines, as they would be sent.
pub fn powershell(action: &RemoteAction) -> Vec<String> {
    match action {
        RemoteAction::RestartService { service } => {
            vec![format!("Restart-Service -Name {} -Force", quote(service))]
        }
        RemoteAction::QueryServices { services } if services.is_empty() => {
            vec!["Get-Service -Name 'NexTalk*', 'AmazonSSMAgent'".into()]
        }
        RemoteAction::QueryServices { services } => {
            let names: Vec<String> = services.iter().map(|s| quote(s)).collect();
            vec![format!("Get-Service -Name {}", names.join(", "))]
        }
        RemoteAction::TailLog { lines } => vec![
            format!(
                "$log = Get-ChildItem -Path {} -Filter *.log | Sort-Object LastWriteTime | Select-Object -Last 1",
                quote(LOG_DIR)
            ),
            format!("Get-Content -Path $log.FullName -Tail {lines}"),
        ],
        RemoteAction::ResolveDns { name } => vec![format!("Resolve-DnsName -Name {}", quote(name))],
        RemoteAction::TestTcp { host, port } => {
            vec![format!("Test-NetConnection -ComputerName {} -Port {port}", quote(host))]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restart_reads_as_the_powershell_that_runs() {
        let a = RemoteAction::RestartService { service: "NexTalk Chat Bridge".into() };
        assert_eq!(powershell(&a), ["Restart-Service -Name 'NexTalk Chat Bridge' -Force"]);
    }

    #[test]
    fn quotes_are_doubled_inside_literals() {
        assert_eq!(quote("it's"), "'it''s'");
        let a = RemoteAction::TestTcp { host: "nt-b.nextalk.internal".into(), port: 443 };
        assert_eq!(powershell(&a), ["Test-NetConnection -ComputerName 'nt-b.nextalk.internal' -Port 443"]);
    }
}
