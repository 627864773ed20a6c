//! `Remote` on SSM Run Command: SendCommand of AWS-RunPowerShellScript with the action
//! rendered from fixed templates (see `source::powershell`), GetCommandInvocation for
//! progress (retrying "does not exist" briefly), CancelCommand.

use super::settings::AwsSettings;
use super::ssm_exec::{self, PollError};
use crate::model::Timestamp;
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
    /// For UpdateTable; `None`: table actions are refused.
    dynamodb: Option<aws_sdk_dynamodb::Client>,
    /// For UpdateShardCount; `None`: stream actions are refused.
    kinesis: Option<aws_sdk_kinesis::Client>,
    /// For ModifyDBInstance; `None`: storage actions are refused.
    rds: Option<aws_sdk_rds::Client>,
    /// For AssociateRoutingProfileQueues / DisassociateRoutingProfileQueues; `None`: refused.
    connect: Option<aws_sdk_connect::Client>,
    /// Answers of the AWS API calls, kept for `poll` (they are done when `send` returns).
    api_calls: std::sync::Mutex<Vec<(CommandId, String)>>,
}

impl SsmRemote {
    pub fn new(client: Client, settings: Arc<AwsSettings>, label: String) -> Self {
        SsmRemote {
            client,
            settings,
            label,
            dynamodb: None,
            kinesis: None,
            rds: None,
            connect: None,
            api_calls: std::sync::Mutex::default(),
        }
    }

    pub fn with_dynamodb(mut self, client: aws_sdk_dynamodb::Client) -> Self {
        self.dynamodb = Some(client);
        self
    }

    pub fn with_kinesis(mut self, client: aws_sdk_kinesis::Client) -> Self {
        self.kinesis = Some(client);
        self
    }

    pub fn with_rds(mut self, client: aws_sdk_rds::Client) -> Self {
        self.rds = Some(client);
        self
    }
    pub fn with_connect(mut self, client: aws_sdk_connect::Client) -> Self {
        self.connect = Some(client);
        self
    }

    /// An AWS API call: made now, its answer kept under a new id for `poll`. Refused unless
    /// the one target is the AWS API naming the resource the action changes.
    async fn api_call(&self, action: &RemoteAction, targets: &[Target]) -> Result<CommandId, RemoteError> {
        match targets {
            [t] if t.server == crate::source::AWS_TARGET => {}
            _ => {
                return Err(RemoteError::Refused(format!(
                    "{} runs on the AWS API, not on servers",
                    action.summary()
                )));
            }
        }
        let result = match action {
            RemoteAction::SetParameter { parameter, value } => {
                super::flags::put_flag(&self.client, &self.settings.flags, parameter, value).await
            }
            RemoteAction::UpdateTable { table, capacity } => match &self.dynamodb {
                Some(ddb) => super::flags::update_table(ddb, table, *capacity).await,
                None => Err(RemoteError::Refused("no DynamoDB client for UpdateTable".into())),
            },
            RemoteAction::UpdateShardCount { stream, target } => match &self.kinesis {
                Some(k) => super::flags::update_shard_count(k, stream, *target).await,
                None => Err(RemoteError::Refused("no Kinesis client for UpdateShardCount".into())),
            },
            RemoteAction::ModifyDbStorage { instance, allocated_gib, max_allocated_gib } => match &self.rds {
                Some(rds) => {
                    super::rds::modify_storage(rds, instance, *allocated_gib, *max_allocated_gib).await
                }
                None => Err(RemoteError::Refused("no RDS client for ModifyDBInstance".into())),
            },
            RemoteAction::RoutingProfileQueue(call) => match &self.connect {
                Some(c) => {
                    let instance = self.settings.connect.as_ref().map(|c| c.instance_id.as_str());
                    super::routing::share_queue(c, instance, &self.settings.queue_shares, call).await
                }
                None => Err(RemoteError::Refused(format!("no Connect client for {}", call.operation()))),
            },
            RemoteAction::RestartService { .. }
            | RemoteAction::QueryServices { .. }
            | RemoteAction::TailLog { .. }
            | RemoteAction::ResolveDns { .. }
            | RemoteAction::TestTcp { .. }
            | RemoteAction::ReadCounter { .. } => {
                return Err(RemoteError::Refused(format!("{} is not an AWS API call", action.summary())));
            }
        };
        // A refusal or a failed call is the send failing: nothing changed.
        let answer = result?;
        static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let id = CommandId(format!("api-{}-{}-{n}", Timestamp::now().0, std::process::id()));
        let mut calls =
            self.api_calls.lock().map_err(|_| RemoteError::Refused("answer store poisoned".into()))?;
        if calls.len() >= 100 {
            calls.remove(0);
        }
        calls.push((id.clone(), answer));
        Ok(id)
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
        if action.is_control_plane() {
            return self.api_call(action, targets).await;
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
        let answered = self
            .api_calls
            .lock()
            .ok()
            .and_then(|calls| calls.iter().find(|(c, _)| c == id).map(|(_, r)| r.clone()));
        if let Some(stdout) = answered {
            return Ok(Invocation {
                command_id: id.clone(),
                server: target.server.clone(),
                status: crate::source::CommandStatus::Success,
                response_code: Some(0),
                stdout,
                stderr: String::new(),
                stdout_truncated: false,
                stderr_truncated: false,
            });
        }
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
            if id.0.starts_with("api-") {
                // An API call is answered when sent: nothing is left to cancel.
                return Ok(());
            }
            ssm_exec::cancel(&self.client, &id.0).await.map_err(|f| f.into_remote("CancelCommand", &id.0))
        })
    }
}
