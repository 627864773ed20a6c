//! NexTalk ports in use read on the servers themselves, for when CloudWatch has no datapoint
//! (no team publishes the metric, or CloudWatch is down): one read-only `Get-Counter` command
//! (`RemoteAction::ReadCounter` of `[aws.ports] counter`) sent to every server with SSM Run
//! Command, polled to a terminal status, its `counter=<value>` line read. The composer uses
//! these figures only for servers the metric left unknown.

use super::settings::AwsSettings;
use super::ssm_exec::{self, PollError};
use crate::model::{Gap, NexTalkFigure, NexTalkServer, Snapshot, Timestamp};
use crate::source::powershell::{RenderContext, render};
use crate::source::ps51::read;
use crate::source::{CommandStatus, RemoteAction, SourceError, Telemetry};
use aws_sdk_ssm::Client;
use futures::future::{BoxFuture, join_all};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

pub struct PortsProbeCollector {
    client: Client,
    settings: Arc<AwsSettings>,
    label: String,
}

impl PortsProbeCollector {
    pub fn new(client: Client, settings: Arc<AwsSettings>, label: String) -> Self {
        PortsProbeCollector { client, settings, label }
    }

    pub async fn collect_now(&self) -> Result<Snapshot, SourceError> {
        let s = &self.settings;
        let failed = |message: String| SourceError::Failed {
            operation: "SendCommand".into(),
            resource: "ports probe".into(),
            message,
        };
        let Some(counter) = s.ports.counter.clone() else {
            return Err(failed("no [aws.ports] counter to read".into()));
        };
        let action = RemoteAction::ReadCounter { counter: counter.clone() };
        let lines = render(&action, &RenderContext { log_dir: s.ssm.log_dir.clone() })
            .map_err(|e| failed(e.to_string()))?;
        let ids: Vec<String> = s.servers.iter().map(|x| x.instance_id.clone()).collect();
        let resource = format!("{} on {}", ssm_exec::DOCUMENT, ids.join(","));
        let command_id =
            ssm_exec::send(&self.client, &s.ssm, lines, ids, "switchboard: NexTalk ports probe (read-only)")
                .await
                .map_err(|f| f.into_source("SendCommand", &resource))?;
        let deadline = Instant::now() + Duration::from_secs(s.ssm.probe_timeout_s.max(1));
        let results = join_all(s.servers.iter().map(|srv| {
            ssm_exec::wait_terminal(&self.client, &s.ssm, &command_id, &srv.instance_id, deadline)
        }))
        .await;
        let mut snap =
            Snapshot { taken_at: Timestamp::now(), source: self.label.clone(), ..Default::default() };
        let mut unfinished = false;
        for (srv, result) in s.servers.iter().zip(results) {
            let mut row = NexTalkServer {
                name: srv.name.clone(),
                instance_id: srv.instance_id.clone(),
                ports_capacity: srv.port_capacity,
                ..Default::default()
            };
            let problem = match result {
                Ok(state) => {
                    unfinished |= !state.status.is_terminal();
                    match (state.status, read::counter(&state.stdout)) {
                        (CommandStatus::Success, Some(v)) => {
                            row.ports_in_use = Some(v.max(0.0).round().min(f64::from(u32::MAX)) as u32);
                            None
                        }
                        (CommandStatus::Success, None) => Some("printed no counter= line".to_string()),
                        (status, _) if !status.is_terminal() => {
                            Some(format!("still {} at the probe timeout", status.as_str()))
                        }
                        (status, _) => {
                            let why = read::error(&state.stderr)
                                .map(|e| e.message)
                                .filter(|m| !m.is_empty())
                                .unwrap_or(state.status_details.clone());
                            Some(format!("{} (exit {}): {why}", status.as_str(), state.response_code))
                        }
                    }
                }
                Err(PollError::NotYet) => Some("GetCommandInvocation: invocation does not exist".to_string()),
                Err(PollError::Failed(f)) => Some(
                    f.into_source("GetCommandInvocation", &format!("{command_id} on {}", srv.instance_id))
                        .to_string(),
                ),
            };
            if let Some(p) = problem {
                snap.gaps.push(Gap::nextalk(
                    NexTalkFigure::Ports,
                    Some(&srv.name),
                    format!("{}: ports probe ({counter}) {p}", srv.name),
                ));
            }
            snap.nextalk.servers.push(row);
        }
        if unfinished {
            let _ = ssm_exec::cancel(&self.client, &command_id).await;
        }
        Ok(snap)
    }
}

impl Telemetry for PortsProbeCollector {
    fn describe(&self) -> String {
        self.label.clone()
    }

    fn collect(&mut self) -> BoxFuture<'_, Result<Snapshot, SourceError>> {
        Box::pin(self.collect_now())
    }
}
