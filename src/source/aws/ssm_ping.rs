//! SSM agent ping of each NexTalk server: DescribeInstanceInformation filtered by the
//! configured instance ids (paged).

use super::errors::source_error;
use super::settings::AwsSettings;
use crate::model::{NexTalkServer, PingStatus, Snapshot, Timestamp};
use crate::source::{SourceError, Telemetry};
use aws_sdk_ssm::Client;
use aws_sdk_ssm::types::{InstanceInformationStringFilter, PingStatus as SdkPing};
use futures::future::BoxFuture;
use std::collections::HashMap;
use std::sync::Arc;

pub struct SsmPingCollector {
    client: Client,
    settings: Arc<AwsSettings>,
    label: String,
}

impl SsmPingCollector {
    pub fn new(client: Client, settings: Arc<AwsSettings>, label: String) -> Self {
        SsmPingCollector { client, settings, label }
    }

    pub async fn collect_now(&self) -> Result<Snapshot, SourceError> {
        let servers = &self.settings.servers;
        let ids: Vec<String> = servers.iter().map(|s| s.instance_id.clone()).collect();
        let resource = format!("instances {}", ids.join(","));
        let mut seen: HashMap<String, (PingStatus, Option<Timestamp>)> = HashMap::new();
        if !ids.is_empty() {
            let filter = InstanceInformationStringFilter::builder()
                .key("InstanceIds")
                .set_values(Some(ids.clone()))
                .build()
                .map_err(|e| SourceError::Failed {
                    operation: "DescribeInstanceInformation".into(),
                    resource: resource.clone(),
                    message: e.to_string(),
                })?;
            let mut token: Option<String> = None;
            loop {
                let out = self
                    .client
                    .describe_instance_information()
                    .filters(filter.clone())
                    .set_next_token(token.take())
                    .send()
                    .await
                    .map_err(|e| source_error("DescribeInstanceInformation", &resource, &e))?;
                for info in out.instance_information_list() {
                    let Some(id) = info.instance_id() else { continue };
                    let ping = match info.ping_status() {
                        Some(SdkPing::Online) => PingStatus::Online,
                        Some(SdkPing::ConnectionLost) => PingStatus::ConnectionLost,
                        Some(SdkPing::Inactive) => PingStatus::Inactive,
                        _ => PingStatus::Unknown,
                    };
                    let last = info
                        .last_ping_date_time()
                        .and_then(|t| t.to_millis().ok())
                        .map(|ms| Timestamp(ms.max(0) as u64));
                    seen.insert(id.to_string(), (ping, last));
                }
                match out.next_token() {
                    Some(t) if !t.is_empty() => token = Some(t.to_string()),
                    _ => break,
                }
            }
        }
        let mut snap =
            Snapshot { taken_at: Timestamp::now(), source: self.label.clone(), ..Default::default() };
        snap.nextalk.servers = servers
            .iter()
            .map(|s| {
                // Not registered with SSM (no agent, no instance profile): ping stays Unknown.
                let (ssm_ping, last_seen) =
                    seen.get(&s.instance_id).copied().unwrap_or((PingStatus::Unknown, None));
                NexTalkServer {
                    name: s.name.clone(),
                    instance_id: s.instance_id.clone(),
                    ports_capacity: s.port_capacity,
                    ssm_ping,
                    last_seen,
                    ..Default::default()
                }
            })
            .collect();
        Ok(snap)
    }
}

impl Telemetry for SsmPingCollector {
    fn describe(&self) -> String {
        self.label.clone()
    }

    fn collect(&mut self) -> BoxFuture<'_, Result<Snapshot, SourceError>> {
        Box::pin(self.collect_now())
    }
}
