//! NexTalk ports in use read on the servers themselves, for when CloudWatch has no datapoint
//! (no team publishes the metric, or CloudWatch is down): one read-only `Get-Counter` command
//! (`RemoteAction::ReadCounter` of `[aws.ports] counter`) sent to every server with SSM Run
//! Command, polled to a terminal status, its `counter=<value>` line read. The composer uses
//! these figures only for servers the metric left unknown.

use super::settings::AwsSettings;
use super::ssm_exec;
use crate::model::{Gap, NexTalkFigure, NexTalkServer, Snapshot, Timestamp};
use crate::source::ps51::read;
use crate::source::{CommandStatus, RemoteAction, SourceError, Telemetry};
use aws_sdk_ssm::Client;
use futures::future::BoxFuture;
use std::sync::Arc;

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
        let Some(counter) = s.ports.counter.clone() else {
            return Err(SourceError::Failed {
                operation: "SendCommand".into(),
                resource: "ports probe".into(),
                message: "no [aws.ports] counter to read".into(),
            });
        };
        let action = RemoteAction::ReadCounter { counter: counter.clone() };
        let probe = ssm_exec::probe_every_server(
            &self.client,
            s,
            &action,
            "ports probe",
            "switchboard: NexTalk ports probe (read-only)",
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
                Ok(state) => match (state.status, read::counter(&state.stdout)) {
                    (CommandStatus::Success, Some(v)) => {
                        row.ports_in_use = Some(v.max(0.0).round().min(f64::from(u32::MAX)) as u32);
                        None
                    }
                    (CommandStatus::Success, None) => Some("printed no counter= line".to_string()),
                    _ => ssm_exec::unsuccessful(state),
                },
                Err(e) => Some(probe.poll_failure(e.clone(), &srv.instance_id)),
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
        probe.cancel_unfinished(&self.client).await;
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
