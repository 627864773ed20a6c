//! SSM agent ping of each NexTalk server: DescribeInstanceInformation filtered by the
//! configured instance ids (paged). The same answer says how the servers reach each other:
//! the instance's `IPAddress`, else its `ComputerName` (used where the config gives no
//! `address`), each only when it passes the renderer's host rule.

use super::errors::source_error;
use super::settings::AwsSettings;
use crate::model::{Address, AddressSource, NexTalkServer, PingStatus, Snapshot, Timestamp};
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
        let mut seen: HashMap<String, (PingStatus, Option<Timestamp>, Option<Address>)> = HashMap::new();
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
                    seen.insert(
                        id.to_string(),
                        (ping, last, reported_address(info.ip_address(), info.computer_name())),
                    );
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
                let (ssm_ping, last_seen, address) =
                    seen.get(&s.instance_id).cloned().unwrap_or((PingStatus::Unknown, None, None));
                NexTalkServer {
                    name: s.name.clone(),
                    instance_id: s.instance_id.clone(),
                    ports_capacity: s.port_capacity,
                    ssm_ping,
                    last_seen,
                    address,
                    ..Default::default()
                }
            })
            .collect();
        Ok(snap)
    }
}

/// The address SSM reports for an instance: its IP address, else its computer name; a value
/// our commands could not carry (not a host name or IP address) is no address at all.
pub fn reported_address(ip: Option<&str>, computer_name: Option<&str>) -> Option<Address> {
    let usable = |h: &&str| !h.is_empty() && crate::source::powershell::check_host(h).is_ok();
    ip.filter(usable).map(|h| Address { host: h.to_string(), source: AddressSource::SsmIpAddress }).or_else(
        || {
            computer_name
                .filter(usable)
                .map(|h| Address { host: h.to_string(), source: AddressSource::SsmComputerName })
        },
    )
}

impl Telemetry for SsmPingCollector {
    fn describe(&self) -> String {
        self.label.clone()
    }

    fn collect(&mut self) -> BoxFuture<'_, Result<Snapshot, SourceError>> {
        Box::pin(self.collect_now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ip_address_comes_first_then_the_computer_name_and_junk_is_dropped() {
        let a = reported_address(Some("10.0.1.12"), Some("NT-B"));
        assert_eq!(a, Some(Address { host: "10.0.1.12".into(), source: AddressSource::SsmIpAddress }));
        let a = reported_address(None, Some("EC2AMAZ-NTB.corp.example"));
        assert_eq!(
            a,
            Some(Address { host: "EC2AMAZ-NTB.corp.example".into(), source: AddressSource::SsmComputerName })
        );
        assert_eq!(reported_address(Some(""), Some("x'; Stop-Computer")), None);
        assert_eq!(reported_address(None, None), None);
    }
}
