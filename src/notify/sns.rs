//! SNS targets: the message as JSON (the `json` webhook body), its subject, and its id as a
//! message attribute (and the deduplication id on FIFO topics), through the AWS SDK.

use super::Message;
use super::webhook::Attempt;
use crate::source::aws::AwsOptions;
use std::time::Duration;

#[cfg(feature = "aws")]
pub fn publish(msg: &Message, topic_arn: &str, aws: &AwsOptions, timeout: Duration) -> Attempt {
    use crate::source::aws::sns::{Publish, Published, publish};
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return Attempt::Retry { error: format!("no async runtime: {e}"), retry_after: None },
    };
    let body = msg.json_body().to_string();
    let attributes = [
        ("idempotency_key", msg.id.clone()),
        ("incident", msg.incident.clone()),
        ("trigger", msg.trigger.as_str().to_string()),
        ("drill", if msg.drill.is_some() { "true" } else { "false" }.to_string()),
    ];
    let fifo = topic_arn.ends_with(".fifo").then_some((msg.incident.as_str(), msg.id.as_str()));
    let p =
        Publish { topic_arn, subject: &msg.subject, message: &body, attributes: &attributes, fifo, timeout };
    match rt.block_on(publish(aws, &p)) {
        Published::Ok(id) => Attempt::Delivered { reference: (!id.is_empty()).then_some(id) },
        Published::Retry(e) => Attempt::Retry { error: e, retry_after: None },
        Published::Refused(e) => Attempt::Permanent { error: e },
    }
}

#[cfg(not(feature = "aws"))]
pub fn publish(_: &Message, _: &str, _: &AwsOptions, _: Duration) -> Attempt {
    Attempt::Permanent { error: "this build has no AWS support (built without the `aws` feature)".into() }
}
