//! The other half of the remote-command contract: what Windows PowerShell 5.1 prints when SSM
//! Run Command (`AWS-RunPowerShellScript`) runs one of the scripts `powershell::render` writes,
//! and how we read it back.
//!
//! - [`print`] produces, for an [`Execution`] (an action plus what the server did), the exact
//!   stdout, stderr and exit code of the rendered script. The simulator answers with it, and so
//!   do the test fakes and the SSM stand-in: nothing else in the code base invents PowerShell
//!   output.
//! - [`read`] turns that output back into facts (a service's state, a TCP verdict, the
//!   addresses of a DNS answer). The runbook checks and the service probe read only through it.
//! - `tests/fixtures/ps51/<action>/<case>.{json,stdout,stderr}` hold what each script prints on
//!   a real server (success, failure, not found), written from PowerShell 5.1's own formatting
//!   rules (see the README there). The tests render each case's action, print it and compare
//!   byte for byte, and read each fixture back to the facts its `.json` names.
//!
//! How SSM runs a script (amazon-ssm-agent, `runscript`): the `commands` lines are joined with
//! `\n` into `_script.ps1` under the instance's orchestration folder and run as
//! `powershell.exe -InputFormat None -Noninteractive -NoProfile -ExecutionPolicy unrestricted
//! -f <script>`. So line numbers in error records are the rendered lines' numbers, the script's
//! path names the instance and the command, an uncaught terminating error ends the process
//! with exit code 1, `exit N` with N; SSM reports exit 0 as `Success` and anything else as
//! `Failed`, with the exit code as `ResponseCode`.

pub mod print;
pub mod read;
mod record;

#[cfg(test)]
mod tests;

pub use print::{
    DnsOutcome, DnsRecord, DnsType, Execution, QueriedService, RestartOutcome, TailOutcome, TcpOutcome, print,
};

use crate::source::remote::CommandStatus;
use serde::Deserialize;

/// Windows writes CR LF after every line, to stdout and stderr alike.
pub const NEWLINE: &str = "\r\n";

/// The console buffer width a service-started `powershell.exe` gets (the Windows default of
/// 120 columns). PowerShell's error view splits long category lines at this width minus 6.
pub const CONSOLE_WIDTH: usize = 120;

/// The instance and command a script ran for: SSM writes the script into a folder named after
/// both, and every error record names that file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ScriptRun {
    pub instance_id: String,
    pub command_id: String,
}

impl ScriptRun {
    /// `C:\ProgramData\Amazon\SSM\InstanceData\<instance>\document\orchestration\<command>\…\_script.ps1`
    pub fn script_path(&self) -> String {
        format!(
            r"C:\ProgramData\Amazon\SSM\InstanceData\{}\document\orchestration\{}\awsrunPowerShellScript\0.awsrunPowerShellScript\_script.ps1",
            self.instance_id, self.command_id
        )
    }
}

/// What one run of a script left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Printed {
    pub stdout: String,
    pub stderr: String,
    pub exit_code: i32,
}

impl Printed {
    /// The invocation status SSM reports for this exit code.
    pub fn status(&self) -> CommandStatus {
        if self.exit_code == 0 { CommandStatus::Success } else { CommandStatus::Failed }
    }
}
