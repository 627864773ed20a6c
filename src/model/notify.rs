//! Where notifications go: a checked `[[notify]]` entry. Plain data; the config checks it
//! (with file:line:col) and the outbox keeps a copy in each message, secrets left out.

use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    Declared,
    /// A status change other than resolving (mitigated, reopened).
    Status,
    Resolved,
}

impl Trigger {
    pub const ALL: [Trigger; 3] = [Trigger::Declared, Trigger::Status, Trigger::Resolved];

    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Declared => "declared",
            Trigger::Status => "status",
            Trigger::Resolved => "resolved",
        }
    }

    pub fn parse(s: &str) -> Option<Trigger> {
        Trigger::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    /// ServiceNow table API: creates an incident, then updates it (PATCH on its sys_id).
    Servicenow,
    /// Jira REST API v2: creates an issue, then comments on it.
    Jira,
    /// Slack-compatible incoming webhook: `{"text": …}`.
    Slack,
    /// Switchboard's own JSON (the body in the README).
    Json,
}

impl WebhookFormat {
    pub const ALL: [WebhookFormat; 4] =
        [WebhookFormat::Servicenow, WebhookFormat::Jira, WebhookFormat::Slack, WebhookFormat::Json];

    pub fn as_str(self) -> &'static str {
        match self {
            WebhookFormat::Servicenow => "servicenow",
            WebhookFormat::Jira => "jira",
            WebhookFormat::Slack => "slack",
            WebhookFormat::Json => "json",
        }
    }

    pub fn parse(s: &str) -> Option<WebhookFormat> {
        WebhookFormat::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// A header value: read from the environment when sending, or written in the config (only
/// for headers that are not credentials).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HeaderValue {
    Env(String),
    Literal(String),
}

impl HeaderValue {
    /// `env:VAR` or a literal.
    pub fn parse(s: &str) -> Result<HeaderValue, String> {
        match s.strip_prefix("env:") {
            Some(var) => {
                let ok = !var.is_empty()
                    && var.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if ok {
                    Ok(HeaderValue::Env(var.to_string()))
                } else {
                    Err(format!("bad variable name {var:?}"))
                }
            }
            None => {
                if s.chars().any(|c| c.is_control()) {
                    Err("a header value cannot hold control characters".into())
                } else {
                    Ok(HeaderValue::Literal(s.to_string()))
                }
            }
        }
    }

    /// The value to send; an unset variable is an error naming it (never its value).
    pub fn resolve(&self) -> Result<String, String> {
        match self {
            HeaderValue::Literal(v) => Ok(v.clone()),
            HeaderValue::Env(var) => match std::env::var(var) {
                Ok(v) if !v.is_empty() => Ok(v),
                _ => Err(format!("environment variable {var} is not set")),
            },
        }
    }
}

/// Headers that carry credentials: their value must come from the environment.
pub fn is_secret_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "authorization"
        || n == "proxy-authorization"
        || n == "cookie"
        || ["token", "secret", "key", "password", "auth"].iter().any(|w| n.contains(w))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum NotifyKind {
    Sns {
        topic_arn: String,
    },
    Webhook {
        url: String,
        format: WebhookFormat,
        headers: Vec<(String, HeaderValue)>,
        /// Jira: the project key and issue type new issues get.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        project: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        issue_type: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// `oncall-sns`, or made from the kind and topic / host when not given.
    pub name: String,
    pub kind: NotifyKind,
    pub on: Vec<Trigger>,
    #[serde(with = "duration_ms")]
    pub timeout: Duration,
    #[serde(with = "duration_ms")]
    pub give_up_after: Duration,
}

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_GIVE_UP_AFTER: Duration = Duration::from_secs(6 * 3600);

impl Target {
    /// Safe in a file name and a message id.
    pub fn slug(&self) -> String {
        self.name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect()
    }

    /// The name a target gets when the config gives none.
    pub fn default_name(kind: &NotifyKind) -> String {
        match kind {
            NotifyKind::Sns { topic_arn } => {
                format!("sns-{}", topic_arn.rsplit(':').next().unwrap_or("topic"))
            }
            NotifyKind::Webhook { url, format, .. } => {
                let host =
                    url.split("://").nth(1).and_then(|r| r.split(['/', ':', '?']).next()).unwrap_or("host");
                format!("{}-{host}", format.as_str())
            }
        }
    }
}

/// `arn:aws:sns:us-east-1:123456789012:oncall` (any partition; FIFO topics end in `.fifo`).
pub fn check_topic_arn(arn: &str) -> Result<(), String> {
    let parts: Vec<&str> = arn.split(':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "sns"
        && !parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && !parts[5].is_empty()
        && parts[5].len() <= 256
        && parts[5].chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(format!("{arn:?} is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)"))
    }
}

/// https everywhere; plain http only to this machine (a local relay, a test receiver), so a
/// token never crosses a network in clear.
pub fn check_url(url: &str) -> Result<(), String> {
    let (scheme, rest) = url.split_once("://").ok_or_else(|| format!("{url:?} is not a URL"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_only = if host.starts_with('[') {
        host.split(']').next().map(|h| format!("{h}]")).unwrap_or_default()
    } else {
        host.split(':').next().unwrap_or("").to_string()
    };
    if host_only.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("{url:?} is not a URL"));
    }
    match scheme {
        "https" => Ok(()),
        "http" if matches!(host_only.as_str(), "localhost" | "127.0.0.1" | "[::1]") => Ok(()),
        "http" => Err(format!("{url:?}: use https (plain http only to localhost)")),
        other => Err(format!("{url:?}: unsupported scheme {other:?} (https)")),
    }
}

mod duration_ms {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis() as u64)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_millis(u64::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_come_from_the_environment_or_are_plain_words() {
        assert_eq!(HeaderValue::parse("env:SNOW_TOKEN").unwrap(), HeaderValue::Env("SNOW_TOKEN".into()));
        assert!(HeaderValue::parse("env:").is_err());
        assert!(HeaderValue::parse("env:1X").is_err());
        assert_eq!(
            HeaderValue::parse("application/json").unwrap(),
            HeaderValue::Literal("application/json".into())
        );
        let e = HeaderValue::Env("SWITCHBOARD_TEST_SURELY_UNSET_VAR".into()).resolve().unwrap_err();
        assert_eq!(e, "environment variable SWITCHBOARD_TEST_SURELY_UNSET_VAR is not set");
        assert!(
            is_secret_header("Authorization") && is_secret_header("X-Api-Key") && !is_secret_header("Accept")
        );
    }

    #[test]
    fn urls_and_arns_are_checked() {
        assert!(check_url("https://example.service-now.com/api/now/table/incident").is_ok());
        assert!(check_url("http://127.0.0.1:8080/hook").is_ok());
        assert!(check_url("http://example.com/hook").unwrap_err().contains("use https"));
        assert!(check_url("ftp://x/y").is_err());
        assert!(check_url("https:///x").is_err());
        assert!(check_topic_arn("arn:aws:sns:us-east-1:123456789012:oncall").is_ok());
        assert!(check_topic_arn("arn:aws:sns:us-east-1:123456789012:oncall.fifo").is_ok());
        assert!(check_topic_arn("arn:aws:sqs:us-east-1:123456789012:q").is_err());
        let t = NotifyKind::Webhook {
            url: "https://acme.atlassian.net/rest/api/2/issue".into(),
            format: WebhookFormat::Jira,
            headers: vec![],
            project: None,
            issue_type: None,
        };
        assert_eq!(Target::default_name(&t), "jira-acme.atlassian.net");
    }
}
