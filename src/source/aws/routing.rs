//! Amazon Connect AssociateRoutingProfileQueues / DisassociateRoutingProfileQueues: one queue
//! into (or out of) one routing profile on one channel, the API call behind the runbooks'
//! `share_queue` / `unshare_queue`. Only a configured `[[queue_shares]]` entry is ever sent:
//! its ids were checked by the config, and the call's ids must be that entry's.

use super::errors::classify;
use crate::model::QueueShare;
use crate::source::{QueueShareCall, RemoteError};
use aws_sdk_connect::types::{Channel, RoutingProfileQueueConfig, RoutingProfileQueueReference};

pub async fn share_queue(
    client: &aws_sdk_connect::Client,
    configured_instance: Option<&str>,
    shares: &[QueueShare],
    call: &QueueShareCall,
) -> Result<String, RemoteError> {
    let op = call.operation();
    let resource = format!("routing profile {} ({})", call.routing_profile, call.routing_profile_id);
    if configured_instance != Some(call.instance_id.as_str()) {
        return Err(RemoteError::Refused(format!(
            "{op}: instance {} is not the configured [aws.connect] instance_id",
            call.instance_id
        )));
    }
    let configured = shares.iter().any(|s| {
        s.routing_profile_id == call.routing_profile_id
            && s.queue_id == call.queue_id
            && s.channel == call.channel
    });
    if !configured {
        return Err(RemoteError::Refused(format!(
            "{op}: queue {} on {resource} is not a configured [[queue_shares]] entry",
            call.queue_id
        )));
    }
    let channel = Channel::from(call.channel.as_str());
    let reference = RoutingProfileQueueReference::builder()
        .queue_id(&call.queue_id)
        .channel(channel)
        .build()
        .map_err(|e| RemoteError::Refused(format!("{op}: {e}")))?;
    if call.associate {
        let priority = i32::try_from(call.priority).unwrap_or(i32::MAX);
        let delay = i32::try_from(call.delay_s).unwrap_or(i32::MAX);
        let config = RoutingProfileQueueConfig::builder()
            .queue_reference(reference)
            .priority(priority)
            .delay(delay)
            .build()
            .map_err(|e| RemoteError::Refused(format!("{op}: {e}")))?;
        client
            .associate_routing_profile_queues()
            .instance_id(&call.instance_id)
            .routing_profile_id(&call.routing_profile_id)
            .queue_configs(config)
            .send()
            .await
            .map_err(|e| classify(&e).into_remote(op, &resource))?;
        Ok(format!(
            "{op} {}: queue {} ({}) associated at priority {}, delay {} s",
            call.routing_profile_id, call.queue_id, call.channel, call.priority, call.delay_s
        ))
    } else {
        client
            .disassociate_routing_profile_queues()
            .instance_id(&call.instance_id)
            .routing_profile_id(&call.routing_profile_id)
            .queue_references(reference)
            .send()
            .await
            .map_err(|e| classify(&e).into_remote(op, &resource))?;
        Ok(format!(
            "{op} {}: queue {} ({}) disassociated",
            call.routing_profile_id, call.queue_id, call.channel
        ))
    }
}
