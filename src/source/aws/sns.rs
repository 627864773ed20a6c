//! SNS Publish for incident notifications. One call per message, no SDK retries (the outbox
//! worker retries with its own backoff, across restarts); the Region is the topic's own when
//! the command line names none.

use super::errors::{Failure, classify};
use super::options::AwsOptions;
use aws_config::BehaviorVersion;
use aws_config::Region;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_sns::types::MessageAttributeValue;
use std::time::Duration;

/// What one publish came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    /// SNS's MessageId.
    Ok(String),
    /// Throttling, a 5xx, a timeout, no connection: worth another try.
    Retry(String),
    /// Refused for good (no permission, no such topic, a bad parameter).
    Refused(String),
}

pub struct Publish<'a> {
    pub topic_arn: &'a str,
    pub subject: &'a str,
    pub message: &'a str,
    /// String message attributes (idempotency key, incident, trigger, drill).
    pub attributes: &'a [(&'a str, String)],
    /// For FIFO topics: message group and deduplication id.
    pub fifo: Option<(&'a str, &'a str)>,
    pub timeout: Duration,
}

pub async fn publish(options: &AwsOptions, p: &Publish<'_>) -> Published {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .timeout_config(
            TimeoutConfig::builder().operation_timeout(p.timeout).connect_timeout(p.timeout).build(),
        );
    if let Some(prof) = &options.profile {
        loader = loader.profile_name(prof);
    }
    match (&options.region, p.topic_arn.split(':').nth(3)) {
        (Some(r), _) => loader = loader.region(Region::new(r.clone())),
        (None, Some(r)) if !r.is_empty() => loader = loader.region(Region::new(r.to_string())),
        _ => {}
    }
    if let Some(u) = &options.endpoint_url {
        loader = loader.endpoint_url(u);
    }
    let sdk = loader.load().await;
    let client = aws_sdk_sns::Client::new(&sdk);
    let mut req = client.publish().topic_arn(p.topic_arn).subject(p.subject).message(p.message);
    for (k, v) in p.attributes {
        match MessageAttributeValue::builder().data_type("String").string_value(v.clone()).build() {
            Ok(attr) => req = req.message_attributes(*k, attr),
            Err(e) => return Published::Refused(format!("message attribute {k}: {e}")),
        }
    }
    if let Some((group, dedup)) = p.fifo {
        req = req.message_group_id(group).message_deduplication_id(dedup);
    }
    match req.send().await {
        Ok(out) => Published::Ok(out.message_id().unwrap_or("").to_string()),
        Err(e) => match classify(&e) {
            Failure::Throttled => Published::Retry("Publish: throttled".into()),
            Failure::Transient(m) => Published::Retry(format!("Publish: {m}")),
            Failure::AccessDenied => {
                Published::Refused(format!("Publish on {}: access denied (grant sns:Publish)", p.topic_arn))
            }
            Failure::Other(m) => Published::Refused(format!("Publish on {}: {m}", p.topic_arn)),
        },
    }
}
