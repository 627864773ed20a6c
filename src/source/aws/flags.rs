//! The emergency flags on SSM Parameter Store: GetParameters for their current values (at
//! most 10 names per call, so one call per 10 flags) and PutParameter to change one, DynamoDB
//! UpdateTable and Kinesis UpdateShardCount, the AWS API calls behind the runbook actions. Only configured
//! parameters are read or written, and only a configured value is ever written.

use super::errors::classify;
use crate::model::{Flag, Snapshot, Timestamp};
use crate::source::{RemoteError, SourceError, TableCapacity, Telemetry};
use futures::future::BoxFuture;

/// GetParameters takes at most 10 names.
pub const GET_PARAMETERS_MAX: usize = 10;

pub struct FlagsReader {
    client: aws_sdk_ssm::Client,
    flags: Vec<Flag>,
    label: String,
}

impl FlagsReader {
    pub fn new(client: aws_sdk_ssm::Client, flags: Vec<Flag>, label: String) -> Self {
        FlagsReader { client, flags, label }
    }

    /// Every flag with its current value, or the reason it is not known: a flag that cannot
    /// be read is shown as unknown, never as its first value.
    pub async fn read(&self) -> Vec<Flag> {
        let mut out = self.flags.clone();
        for chunk in out.chunks_mut(GET_PARAMETERS_MAX) {
            let names: Vec<String> = chunk.iter().map(|f| f.parameter.clone()).collect();
            match self.client.get_parameters().set_names(Some(names)).send().await {
                Ok(resp) => {
                    for f in chunk.iter_mut() {
                        let found = resp.parameters().iter().find(|p| p.name() == Some(f.parameter.as_str()));
                        match found.and_then(|p| Some((p, p.value()?))) {
                            Some((p, v)) => {
                                f.current = Some(v.to_string());
                                f.error = None;
                                f.read_at = Some(Timestamp::now());
                                f.version = Some(p.version());
                                f.modified_at = p
                                    .last_modified_date()
                                    .and_then(|d| d.to_millis().ok())
                                    .and_then(|ms| u64::try_from(ms).ok())
                                    .map(Timestamp);
                            }
                            None => {
                                f.current = None;
                                f.error =
                                    Some("ParameterNotFound (GetParameters lists it as invalid)".into());
                            }
                        }
                    }
                }
                Err(e) => {
                    let err = classify(&e).into_source("GetParameters", &chunk[0].parameter).to_string();
                    for f in chunk.iter_mut() {
                        f.current = None;
                        f.error = Some(err.clone());
                    }
                }
            }
        }
        out
    }
}

impl Telemetry for FlagsReader {
    fn describe(&self) -> String {
        self.label.clone()
    }

    fn collect(&mut self) -> BoxFuture<'_, Result<Snapshot, SourceError>> {
        Box::pin(async move {
            let flags = self.read().await;
            Ok(Snapshot {
                taken_at: Timestamp::now(),
                source: self.label.clone(),
                flags,
                ..Default::default()
            })
        })
    }
}

/// PutParameter (String, Overwrite) of a configured flag to one of its values; the answer's
/// line names the new version.
pub async fn put_flag(
    client: &aws_sdk_ssm::Client,
    flags: &[Flag],
    parameter: &str,
    value: &str,
) -> Result<String, RemoteError> {
    let Some(flag) = flags.iter().find(|f| f.parameter == parameter) else {
        return Err(RemoteError::Refused(format!("{parameter} is not a configured flag ([[flags]])")));
    };
    if flag.meaning(value).is_none() {
        return Err(RemoteError::Refused(format!("{value:?} is not one of flag {}'s values", flag.name)));
    }
    let resp = client
        .put_parameter()
        .name(parameter)
        .value(value)
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .overwrite(true)
        .send()
        .await
        .map_err(|e| classify(&e).into_remote("PutParameter", parameter))?;
    Ok(format!("PutParameter {parameter}: Version {}", resp.version()))
}

/// UpdateTable to on-demand or to new provisioned capacity.
pub async fn update_table(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    capacity: TableCapacity,
) -> Result<String, RemoteError> {
    use aws_sdk_dynamodb::types::{BillingMode, ProvisionedThroughput};
    let req = client.update_table().table_name(table);
    let req = match capacity {
        TableCapacity::OnDemand => req.billing_mode(BillingMode::PayPerRequest),
        TableCapacity::Provisioned { read, write } => {
            let throughput = ProvisionedThroughput::builder()
                .read_capacity_units(i64::try_from(read).unwrap_or(i64::MAX))
                .write_capacity_units(i64::try_from(write).unwrap_or(i64::MAX))
                .build()
                .map_err(|e| RemoteError::Refused(format!("UpdateTable {table}: {e}")))?;
            req.billing_mode(BillingMode::Provisioned).provisioned_throughput(throughput)
        }
    };
    let resp = req.send().await.map_err(|e| classify(&e).into_remote("UpdateTable", table))?;
    let status = resp
        .table_description()
        .and_then(|d| d.table_status())
        .map_or_else(|| "status not reported".to_string(), |s| s.as_str().to_string());
    Ok(format!("UpdateTable {table}: TableStatus {status} (to {capacity})"))
}

/// UpdateShardCount (UNIFORM_SCALING) of `stream` to `target` open shards, or to twice what
/// DescribeStreamSummary reports now. Kinesis takes at most double or half the open shards per
/// call: a target outside that is refused here, before any change is asked for.
pub async fn update_shard_count(
    client: &aws_sdk_kinesis::Client,
    stream: &str,
    target: Option<u32>,
) -> Result<String, RemoteError> {
    let summary = client
        .describe_stream_summary()
        .stream_name(stream)
        .send()
        .await
        .map_err(|e| classify(&e).into_remote("DescribeStreamSummary", stream))?;
    let Some(open) = summary.stream_description_summary().map(|d| d.open_shard_count()) else {
        return Err(RemoteError::Refused(format!(
            "DescribeStreamSummary {stream}: no open shard count in the answer; nothing changed"
        )));
    };
    let wanted = match target {
        Some(n) => i32::try_from(n).unwrap_or(i32::MAX),
        None => open.saturating_mul(2),
    };
    let lowest = (open + 1) / 2;
    if wanted < lowest.max(1) || wanted > open.saturating_mul(2) {
        return Err(RemoteError::Refused(format!(
            "UpdateShardCount {stream}: {wanted} shards is outside what one call allows from {open} \
             ({lowest} to {})",
            open.saturating_mul(2)
        )));
    }
    let resp = client
        .update_shard_count()
        .stream_name(stream)
        .target_shard_count(wanted)
        .scaling_type(aws_sdk_kinesis::types::ScalingType::UniformScaling)
        .send()
        .await
        .map_err(|e| classify(&e).into_remote("UpdateShardCount", stream))?;
    Ok(format!(
        "UpdateShardCount {stream}: CurrentShardCount {}, TargetShardCount {}",
        resp.current_shard_count().unwrap_or(open),
        resp.target_shard_count().unwrap_or(wanted)
    ))
}
