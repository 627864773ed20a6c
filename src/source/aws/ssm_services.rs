//! Windows service states of the NexTalk servers: one read-only `Get-Service` probe sent to
//! every server with SSM Run Command, polled to a terminal status, its output parsed. Runs on
//! its own, slower interval: each probe is a command in the servers' Run Command history.

use super::settings::AwsSettings;
use super::ssm_exec::{self, InvocationState};
use crate::model::{Gap, NexTalkFigure, NexTalkServer, Snapshot, Timestamp};
use crate::source::ps51::read::services as parse_services;
use crate::source::{CommandStatus, RemoteAction, SourceError, Telemetry};
use aws_sdk_ssm::Client;
use futures::future::BoxFuture;
use std::sync::Arc;

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
        let probe = ssm_exec::probe_every_server(
            &self.client,
            s,
            &action,
            "service probe",
            "switchboard: Windows service probe (read-only)",
        )
        .await?;
        let mut snap =
            Snapshot { taken_at: Timestamp::now(), source: self.label.clone(), ..Default::default() };
        for (srv, result) in s.servers.iter().zip(&probe.results) {
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
                    describe_problem(state, &reading.missing)
                }
                Err(e) => {
                    row.services = parse_services("", &wanted).services;
                    Some(probe.poll_failure(e.clone(), &srv.instance_id))
                }
            };
            if let Some(p) = problem {
                // This server's service states only: its ports and ping stand.
                snap.gaps.push(Gap::nextalk(
                    NexTalkFigure::Services,
                    Some(&srv.name),
                    format!("{}: service probe {p}", srv.name),
                ));
            }
            snap.nextalk.servers.push(row);
        }
        probe.cancel_unfinished(&self.client).await;
        Ok(snap)
    }
}

/// What is worth telling about one server's probe, if anything.
fn describe_problem(state: &InvocationState, missing: &[String]) -> Option<String> {
    match state.status {
        // A service the server does not have is that service's state (NotFound), not a gap.
        CommandStatus::Success if missing.is_empty() => None,
        CommandStatus::Success => Some(format!("said nothing about {}", missing.join(", "))),
        _ => ssm_exec::unsuccessful(state),
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
