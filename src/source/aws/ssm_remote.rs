//! `Remote` on SSM Run Command: SendCommand of AWS-RunPowerShellScript with the action
//! rendered from fixed templates (see `source::powershell`), GetCommandInvocation for
//! progress (retrying "does not exist" briefly), CancelCommand.

use super::settings::AwsSettings;
use super::ssm_exec::{self, PollError};
use crate::source::powershell::{RenderContext, render};
use crate::source::{CommandId, Invocation, Remote, RemoteAction, RemoteError, Target};
use aws_sdk_ssm::Client;
use futures::future::BoxFuture;
use std::sync::Arc;
use std::time::Duration;

/// SendCommand takes at most 50 instance ids.
pub const MAX_TARGETS: usize = 50;

pub struct SsmRemote {
    client: Client,
    settings: Arc<AwsSettings>,
    label: String,
}

impl SsmRemote {
    pub fn new(client: Client, settings: Arc<AwsSettings>, label: String) -> Self {
        SsmRemote { client, settings, label }
    }

    /// The exact PowerShell lines `action` runs, for the confirmation dialog and audit log.
    pub fn preview(&self, action: &RemoteAction) -> Result<Vec<String>, RemoteError> {
        render(action, &RenderContext { log_dir: self.settings.ssm.log_dir.clone() })
            .map_err(|e| RemoteError::Refused(e.to_string()))
    }

    async fn send_now(&self, action: &RemoteAction, targets: &[Target]) -> Result<CommandId, RemoteError> {
        if targets.is_empty() {
            return Err(RemoteError::Refused("no target".into()));
        }
        if targets.len() > MAX_TARGETS {
            return Err(RemoteError::Refused(format!(
                "{} targets; SSM takes at most {MAX_TARGETS}",
                targets.len()
            )));
        }
        // Targets must be configured servers: nothing else is ever sent a command.
        for t in targets {
            if !self.settings.servers.iter().any(|s| s.name == t.server && s.instance_id == t.instance_id) {
                return Err(RemoteError::UnknownServer(t.server.clone()));
            }
        }
        let lines = self.preview(action)?;
        let ids = targets.iter().map(|t| t.instance_id.clone()).collect();
        let comment = format!("switchboard: {}", action.summary());
        ssm_exec::send(&self.client, &self.settings.ssm, lines, ids, &comment)
            .await
            .map(CommandId)
            .map_err(|f| f.into_remote("SendCommand", ssm_exec::DOCUMENT))
    }

    async fn poll_now(&self, id: &CommandId, target: &Target) -> Result<Invocation, RemoteError> {
        let grace = Duration::from_millis(self.settings.ssm.invocation_grace_ms);
        match ssm_exec::get_with_grace(&self.client, &id.0, &target.instance_id, grace).await {
            Ok(state) => Ok(Invocation {
                command_id: id.clone(),
                server: target.server.clone(),
                status: state.status,
                response_code: Some(state.response_code),
                stdout_truncated: state.stdout_truncated(),
                stderr_truncated: state.stderr_truncated(),
                stdout: state.stdout,
                stderr: state.stderr,
            }),
            Err(PollError::NotYet) => {
                Err(RemoteError::InvocationDoesNotExist(format!("{id} on {}", target.instance_id)))
            }
            Err(PollError::Failed(f)) => {
                Err(f.into_remote("GetCommandInvocation", &format!("{id} on {}", target.instance_id)))
            }
        }
    }
}

impl Remote for SsmRemote {
    fn describe(&self) -> String {
        format!("ssm:{}", self.label.trim_start_matches("aws:"))
    }

    fn send<'a>(
        &'a self,
        action: &'a RemoteAction,
        targets: &'a [Target],
    ) -> BoxFuture<'a, Result<CommandId, RemoteError>> {
        Box::pin(self.send_now(action, targets))
    }

    fn poll<'a>(
        &'a self,
        id: &'a CommandId,
        target: &'a Target,
    ) -> BoxFuture<'a, Result<Invocation, RemoteError>> {
        Box::pin(self.poll_now(id, target))
    }

    fn cancel<'a>(&'a self, id: &'a CommandId) -> BoxFuture<'a, Result<(), RemoteError>> {
        Box::pin(async move {
            ssm_exec::cancel(&self.client, &id.0).await.map_err(|f| f.into_remote("CancelCommand", &id.0))
        })
    }
}
