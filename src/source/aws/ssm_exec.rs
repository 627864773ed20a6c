//! SSM Run Command plumbing shared by the service probe and the `Remote` implementation:
//! SendCommand of AWS-RunPowerShellScript, GetCommandInvocation with a grace period for
//! "InvocationDoesNotExist" (SSM is eventually consistent right after SendCommand), polling
//! to a terminal status, CancelCommand.

use super::errors::{Failure, classify};
use super::settings::{AwsSettings, SsmSettings};
use crate::source::powershell::{RenderContext, render};
use crate::source::{CommandStatus, RemoteAction, SourceError};
use aws_sdk_ssm::Client;
use aws_sdk_ssm::operation::get_command_invocation::GetCommandInvocationError;
use aws_sdk_ssm::types::CommandInvocationStatus;
use backon::{ConstantBuilder, Retryable};
use futures::future::join_all;
use std::time::Duration;
use tokio::time::Instant;

pub const DOCUMENT: &str = "AWS-RunPowerShellScript";
/// SendCommand's Comment limit.
pub const MAX_COMMENT_CHARS: usize = 100;
/// GetCommandInvocation cuts StandardOutputContent here…
pub const STDOUT_LIMIT: usize = 24_000;
/// … and StandardErrorContent here.
pub const STDERR_LIMIT: usize = 8_000;

/// One invocation as GetCommandInvocation reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvocationState {
    pub status: CommandStatus,
    /// -1 when the command never started.
    pub response_code: i32,
    pub stdout: String,
    pub stderr: String,
    pub status_details: String,
}

impl InvocationState {
    pub fn stdout_truncated(&self) -> bool {
        self.stdout.chars().count() >= STDOUT_LIMIT
    }

    pub fn stderr_truncated(&self) -> bool {
        self.stderr.chars().count() >= STDERR_LIMIT
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollError {
    /// SSM does not know the invocation (yet).
    NotYet,
    Failed(Failure),
}

pub fn comment(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(MAX_COMMENT_CHARS).collect()
}

pub fn status(s: Option<&CommandInvocationStatus>) -> CommandStatus {
    match s {
        Some(CommandInvocationStatus::Pending) => CommandStatus::Pending,
        Some(CommandInvocationStatus::InProgress) => CommandStatus::InProgress,
        Some(CommandInvocationStatus::Delayed) => CommandStatus::Delayed,
        Some(CommandInvocationStatus::Success) => CommandStatus::Success,
        Some(CommandInvocationStatus::Cancelled) => CommandStatus::Cancelled,
        Some(CommandInvocationStatus::TimedOut) => CommandStatus::TimedOut,
        Some(CommandInvocationStatus::Failed) => CommandStatus::Failed,
        Some(CommandInvocationStatus::Cancelling) => CommandStatus::Cancelling,
        // A status newer than this build: keep polling until the deadline says otherwise.
        _ => CommandStatus::Pending,
    }
}

/// Sends the PowerShell `lines` to `instance_ids`; returns the command id.
pub async fn send(
    client: &Client,
    settings: &SsmSettings,
    lines: Vec<String>,
    instance_ids: Vec<String>,
    comment_text: &str,
) -> Result<String, Failure> {
    let out = client
        .send_command()
        .document_name(DOCUMENT)
        .set_instance_ids(Some(instance_ids))
        .comment(comment(comment_text))
        .timeout_seconds(settings.delivery_timeout_s.clamp(30, 2_592_000) as i32)
        .parameters("commands", lines)
        .parameters("executionTimeout", vec![settings.execution_timeout_s.max(1).to_string()])
        .send()
        .await
        .map_err(|e| classify(&e))?;
    out.command()
        .and_then(|c| c.command_id())
        .map(str::to_string)
        .ok_or_else(|| Failure::Other("SendCommand answered without a command id".into()))
}

/// One GetCommandInvocation.
pub async fn get(client: &Client, command_id: &str, instance_id: &str) -> Result<InvocationState, PollError> {
    match client.get_command_invocation().command_id(command_id).instance_id(instance_id).send().await {
        Ok(out) => Ok(InvocationState {
            status: status(out.status()),
            response_code: out.response_code(),
            stdout: out.standard_output_content().unwrap_or_default().to_string(),
            stderr: out.standard_error_content().unwrap_or_default().to_string(),
            status_details: out.status_details().unwrap_or_default().to_string(),
        }),
        Err(e) => {
            if matches!(e.as_service_error(), Some(GetCommandInvocationError::InvocationDoesNotExist(_))) {
                Err(PollError::NotYet)
            } else {
                Err(PollError::Failed(classify(&e)))
            }
        }
    }
}

/// GetCommandInvocation, retrying "does not exist" for up to `grace`.
pub async fn get_with_grace(
    client: &Client,
    command_id: &str,
    instance_id: &str,
    grace: Duration,
) -> Result<InvocationState, PollError> {
    let step = Duration::from_millis(200).min(grace.max(Duration::from_millis(1)));
    let times = (grace.as_millis() / step.as_millis().max(1)) as usize;
    (|| get(client, command_id, instance_id))
        .retry(ConstantBuilder::default().with_delay(step).with_max_times(times))
        .sleep(tokio::time::sleep)
        .when(|e| *e == PollError::NotYet)
        .await
}

/// Polls until a terminal status or `deadline`; returns the last state seen (non-terminal
/// when the deadline passed).
pub async fn wait_terminal(
    client: &Client,
    settings: &SsmSettings,
    command_id: &str,
    instance_id: &str,
    deadline: Instant,
) -> Result<InvocationState, PollError> {
    let grace = Duration::from_millis(settings.invocation_grace_ms);
    let every = Duration::from_millis(settings.poll_interval_ms.max(50));
    loop {
        let state = get_with_grace(client, command_id, instance_id, grace).await?;
        if state.status.is_terminal() || Instant::now() + every > deadline {
            return Ok(state);
        }
        tokio::time::sleep(every).await;
    }
}

pub async fn cancel(client: &Client, command_id: &str) -> Result<(), Failure> {
    client.cancel_command().command_id(command_id).send().await.map(|_| ()).map_err(|e| classify(&e))
}

/// A read-only probe sent to every server at once: its command id and, in server order, what
/// each invocation ended as (or was at the probe timeout).
pub struct Probe {
    pub command_id: String,
    pub results: Vec<Result<InvocationState, PollError>>,
}

/// Renders `action`, sends it to every configured server in one SendCommand and polls each
/// invocation to a terminal status until the probe timeout. `what` names the probe in errors
/// ("service probe"), `comment_text` is the command's Comment in the servers' history.
pub async fn probe_every_server(
    client: &Client,
    s: &AwsSettings,
    action: &RemoteAction,
    what: &str,
    comment_text: &str,
) -> Result<Probe, SourceError> {
    let lines = render(action, &RenderContext { log_dir: s.ssm.log_dir.clone() }).map_err(|e| {
        SourceError::Failed { operation: "SendCommand".into(), resource: what.into(), message: e.to_string() }
    })?;
    let ids: Vec<String> = s.servers.iter().map(|x| x.instance_id.clone()).collect();
    let resource = format!("{DOCUMENT} on {}", ids.join(","));
    let command_id = send(client, &s.ssm, lines, ids, comment_text)
        .await
        .map_err(|f| f.into_source("SendCommand", &resource))?;
    let deadline = Instant::now() + Duration::from_secs(s.ssm.probe_timeout_s.max(1));
    let results = join_all(
        s.servers.iter().map(|srv| wait_terminal(client, &s.ssm, &command_id, &srv.instance_id, deadline)),
    )
    .await;
    Ok(Probe { command_id, results })
}

impl Probe {
    /// Whether an invocation was still running at the probe timeout.
    pub fn unfinished(&self) -> bool {
        self.results.iter().any(|r| r.as_ref().is_ok_and(|st| !st.status.is_terminal()))
    }

    /// Cancels what still runs: a probe is not left queued on a server that is not answering.
    pub async fn cancel_unfinished(&self, client: &Client) {
        if self.unfinished() {
            let _ = cancel(client, &self.command_id).await;
        }
    }

    /// Why one server's poll gave no state.
    pub fn poll_failure(&self, e: PollError, instance_id: &str) -> String {
        match e {
            PollError::NotYet => "GetCommandInvocation: invocation does not exist".to_string(),
            PollError::Failed(f) => f
                .into_source("GetCommandInvocation", &format!("{} on {instance_id}", self.command_id))
                .to_string(),
        }
    }
}

/// What went wrong with an invocation that did not succeed (`None` when it did): still running
/// at the timeout, or its status and exit code with the error record's message (else SSM's
/// status details).
pub fn unsuccessful(state: &InvocationState) -> Option<String> {
    match state.status {
        CommandStatus::Success => None,
        s if !s.is_terminal() => Some(format!("still {} at the probe timeout", s.as_str())),
        s => {
            // The error record's message, not its position lines.
            let why = crate::source::ps51::read::error(&state.stderr)
                .map(|e| e.message)
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| state.status_details.clone());
            let why = if why.is_empty() { String::new() } else { format!(": {why}") };
            Some(format!("{} (exit {}){why}", s.as_str(), state.response_code))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_cut_to_the_limit_and_cleaned() {
        let long = "x".repeat(150);
        assert_eq!(comment(&long).len(), 100);
        assert_eq!(comment("a\nb"), "ab");
    }

    #[test]
    fn truncation_flags_follow_the_limits() {
        let s = InvocationState {
            status: CommandStatus::Success,
            response_code: 0,
            stdout: "a".repeat(STDOUT_LIMIT),
            stderr: "b".repeat(STDERR_LIMIT - 1),
            status_details: String::new(),
        };
        assert!(s.stdout_truncated());
        assert!(!s.stderr_truncated());
    }
}
