//! Windows service states of the NexTalk servers: one read-only `Get-Service` probe sent to
//! every server with SSM Run Command, polled to a terminal status, its output parsed. Runs on
//! its own, slower interval: each probe is a command in the servers' Run Command history.

use super::settings::AwsSettings;
use super::ssm_exec::{self, InvocationState, PollError};
use crate::model::{Gap, NexTalkServer, Section, Snapshot, Timestamp};
use crate::source::powershell::{RenderContext, render};
use crate::source::ps51::read::services as parse_services;
use crate::source::{CommandStatus, RemoteAction, SourceError, Telemetry};
use aws_sdk_ssm::Client;
use futures::future::{BoxFuture, join_all};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

pub struct ServiceProbeCollector {
    client: Client,
    settings: Arc<AwsSettings>,
    label: String,
}

impl ServiceProbeCollector {
    pub fn new(client: Client, settings: Arc<AwsSettings>, label: String) -> Self {
        ServiceProbeCollector { client, settings, label }
    }

    pub async fn collect_now(&self) -> Result<Snapshot, SourceError> {
        let s = &self.settings;
        let wanted = s.ssm.services.clone();
        let action = RemoteAction::QueryServices { services: wanted.clone() };
        let lines = render(&action, &RenderContext { log_dir: s.ssm.log_dir.clone() }).map_err(|e| {
            SourceError::Failed {
                operation: "SendCommand".into(),
                resource: "service probe".into(),
                message: e.to_string(),
            }
        })?;
        let ids: Vec<String> = s.servers.iter().map(|x| x.instance_id.clone()).collect();
        let resource = format!("{} on {}", ssm_exec::DOCUMENT, ids.join(","));
        let command_id = ssm_exec::send(
            &self.client,
            &s.ssm,
            lines,
            ids,
            "switchboard: Windows service probe (read-only)",
        )
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
                    let reading = parse_services(&state.stdout, &wanted);
                    row.services = reading.services;
                    unfinished |= !state.status.is_terminal();
                    describe_problem(&state, &reading.not_found, &reading.missing)
                }
                Err(PollError::NotYet) => {
                    row.services = parse_services("", &wanted).services;
                    Some("GetCommandInvocation: invocation does not exist".to_string())
                }
                Err(PollError::Failed(f)) => {
                    row.services = parse_services("", &wanted).services;
                    Some(
                        f.into_source(
                            "GetCommandInvocation",
                            &format!("{command_id} on {}", srv.instance_id),
                        )
                        .to_string(),
                    )
                }
            };
            if let Some(p) = problem {
                snap.gaps.push(Gap {
                    section: Section::NexTalk,
                    error: format!("{}: service probe {p}", srv.name),
                });
            }
            snap.nextalk.servers.push(row);
        }
        if unfinished {
            // Do not leave a probe queued on a server that is not answering.
            let _ = ssm_exec::cancel(&self.client, &command_id).await;
        }
        Ok(snap)
    }
}

/// What is worth telling about one server's probe, if anything.
fn describe_problem(state: &InvocationState, not_found: &[String], missing: &[String]) -> Option<String> {
    let first_line = |t: &str| t.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim().to_string();
    match state.status {
        CommandStatus::Success if not_found.is_empty() && missing.is_empty() => None,
        CommandStatus::Success if !not_found.is_empty() => {
            Some(format!("found no service {}", not_found.join(", ")))
        }
        CommandStatus::Success => Some(format!("said nothing about {}", missing.join(", "))),
        s if !s.is_terminal() => Some(format!("still {} at the probe timeout", s.as_str())),
        s => {
            let why = [first_line(&state.stderr), state.status_details.clone()]
                .into_iter()
                .find(|x| !x.is_empty())
                .unwrap_or_default();
            Some(format!(
                "{} (exit {}){}",
                s.as_str(),
                state.response_code,
                if why.is_empty() { String::new() } else { format!(": {why}") }
            ))
        }
    }
}

impl Telemetry for ServiceProbeCollector {
    fn describe(&self) -> String {
        self.label.clone()
    }

    fn collect(&mut self) -> BoxFuture<'_, Result<Snapshot, SourceError>> {
        Box::pin(self.collect_now())
    }
}
