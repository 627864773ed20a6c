//! SDK errors → `SourceError` / `RemoteError`: what the console shows names the AWS operation
//! and the resource, says "throttled" for throttling, and for a missing permission the IAM
//! action to grant.

use crate::source::{RemoteError, SourceError};
use aws_sdk_cloudwatch::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;

/// Error codes AWS services use for "slow down".
pub const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "LimitExceededException",
    "ProvisionedThroughputExceededException",
];

/// Error codes for "you may not".
const ACCESS_DENIED_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedException",
    "NotAuthorized",
];

/// The IAM action behind each operation the console calls.
pub fn iam_action(operation: &str) -> String {
    match service(operation) {
        Some(service) => format!("{service}:{operation}"),
        // Never a guessed prefix: a wrong one sends the reader to the wrong policy.
        None => format!("the IAM action for {operation}"),
    }
}

/// The IAM service prefix of an operation this crate calls, as the README's policy names it;
/// `None` for one it does not know.
pub fn service(operation: &str) -> Option<&'static str> {
    Some(match operation {
        "GetMetricData" | "ListMetrics" => "cloudwatch",
        "ListQueues"
        | "GetCurrentMetricData"
        | "GetMetricDataV2"
        | "AssociateRoutingProfileQueues"
        | "DisassociateRoutingProfileQueues" => "connect",
        "GetCallerIdentity" => "sts",
        "FilterLogEvents" => "logs",
        "GetItem" | "UpdateItem" | "PutItem" | "BatchGetItem" | "DeleteItem" | "CreateTable"
        | "DescribeTable" | "UpdateTimeToLive" | "UpdateTable" => "dynamodb",
        "DescribeDBInstances" | "ModifyDBInstance" => "rds",
        "DescribeStreamSummary" | "UpdateShardCount" => "kinesis",
        "Publish" => "sns",
        "SendCommand"
        | "GetCommandInvocation"
        | "CancelCommand"
        | "DescribeInstanceInformation"
        | "PutParameter"
        | "GetParameter"
        | "GetParameters" => "ssm",
        _ => return None,
    })
}

/// How a failed call reads, before it is given its operation and resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    Throttled,
    AccessDenied,
    /// Worth retrying: a 5xx, a timeout, a dropped connection.
    Transient(String),
    Other(String),
}

impl Failure {
    pub fn is_retryable(&self) -> bool {
        matches!(self, Failure::Throttled | Failure::Transient(_))
    }

    pub fn into_source(self, operation: &str, resource: &str) -> SourceError {
        match self {
            Failure::Throttled => SourceError::Throttled { operation: operation.to_string() },
            Failure::AccessDenied => SourceError::AccessDenied {
                operation: operation.to_string(),
                resource: resource.to_string(),
                iam_action: iam_action(operation),
            },
            Failure::Transient(message) | Failure::Other(message) => SourceError::Failed {
                operation: operation.to_string(),
                resource: resource.to_string(),
                message,
            },
        }
    }

    pub fn into_remote(self, operation: &str, resource: &str) -> RemoteError {
        match self {
            Failure::Throttled => RemoteError::Throttled { operation: operation.to_string() },
            Failure::AccessDenied => RemoteError::Failed {
                operation: operation.to_string(),
                message: format!("access denied on {resource} (grant {})", iam_action(operation)),
            },
            Failure::Transient(m) | Failure::Other(m) => {
                RemoteError::Failed { operation: operation.to_string(), message: format!("{resource}: {m}") }
            }
        }
    }
}

/// Classifies any SDK error (all our clients share the smithy runtime's error type).
pub fn classify<E>(err: &SdkError<E, HttpResponse>) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match err {
        SdkError::ServiceError(ctx) => {
            let status = ctx.raw().status().as_u16();
            let e = ctx.err();
            let code = e.code().unwrap_or("");
            let message = match (e.code(), e.message()) {
                (Some(c), Some(m)) => format!("{c}: {m}"),
                (Some(c), None) => c.to_string(),
                _ => format!("HTTP {status}"),
            };
            if THROTTLING_CODES.contains(&code) || status == 429 {
                Failure::Throttled
            } else if ACCESS_DENIED_CODES.contains(&code) {
                Failure::AccessDenied
            } else if status >= 500 {
                Failure::Transient(message)
            } else {
                Failure::Other(message)
            }
        }
        SdkError::TimeoutError(_) => Failure::Transient("timed out".into()),
        SdkError::DispatchFailure(d) => {
            let what = if d.is_timeout() { "timed out" } else { "cannot reach the endpoint" };
            Failure::Transient(format!("{what}: {}", DisplayErrorContext(err)))
        }
        SdkError::ResponseError(r) => {
            let status = r.raw().status().as_u16();
            if status == 429 {
                Failure::Throttled
            } else if status >= 500 {
                Failure::Transient(format!("HTTP {status}"))
            } else {
                Failure::Other(format!("unreadable response (HTTP {status}): {}", DisplayErrorContext(err)))
            }
        }
        _ => Failure::Other(DisplayErrorContext(err).to_string()),
    }
}

pub fn source_error<E>(operation: &str, resource: &str, err: &SdkError<E, HttpResponse>) -> SourceError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    classify(err).into_source(operation, resource)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_denied_names_the_iam_action() {
        let e = Failure::AccessDenied.into_source("GetCurrentMetricData", "instance abc");
        assert_eq!(
            e.to_string(),
            "GetCurrentMetricData on instance abc: access denied (grant connect:GetCurrentMetricData)"
        );
        assert_eq!(iam_action("DescribeInstanceInformation"), "ssm:DescribeInstanceInformation");
        assert_eq!(iam_action("ListMetrics"), "cloudwatch:ListMetrics");
        assert_eq!(iam_action("FilterLogEvents"), "logs:FilterLogEvents");
        // Kinesis was once named ssm:UpdateShardCount (an `ssm` fallback for every other name).
        assert_eq!(iam_action("UpdateShardCount"), "kinesis:UpdateShardCount");
        assert_eq!(iam_action("AssociateRoutingProfileQueues"), "connect:AssociateRoutingProfileQueues");
        assert_eq!(iam_action("Publish"), "sns:Publish");
        assert_eq!(iam_action("SomethingNew"), "the IAM action for SomethingNew");
    }
}
