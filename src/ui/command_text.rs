//! The command text a confirmation dialog shows: the PowerShell that
//! `AWS-RunPowerShellScript` runs for a `RemoteAction`, from the same renderer the SSM backend
//! sends (`source::powershell`), so what is confirmed is what runs.

use crate::config::DEFAULT_LOG_DIR;
use crate::source::RemoteAction;
use crate::source::powershell::{RenderContext, render};

/// The SSM document remote commands run as.
pub const DOCUMENT: &str = "AWS-RunPowerShellScript";

/// The script lines, as they would be sent; or why a value was refused (the backend would
/// refuse to send it too).
pub fn powershell(action: &RemoteAction) -> Result<Vec<String>, String> {
    // Only a log tail reads the folder; restarts and queries do not depend on it.
    let ctx = RenderContext { log_dir: DEFAULT_LOG_DIR.to_string() };
    render(action, &ctx).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restart_reads_as_the_powershell_that_runs() {
        let a = RemoteAction::RestartService { service: "NexTalk Chat Bridge".into() };
        let lines = powershell(&a).unwrap();
        assert!(lines.iter().any(|l| l == "Restart-Service -InputObject $svc -Force"), "{lines:?}");
        assert!(lines.iter().any(|l| l.contains("Get-Service -Name 'NexTalk Chat Bridge'")), "{lines:?}");
    }

    #[test]
    fn a_value_the_backend_would_refuse_is_refused_here_too() {
        let a = RemoteAction::RestartService { service: "x'; Stop-Computer".into() };
        assert!(powershell(&a).is_err());
    }
}
