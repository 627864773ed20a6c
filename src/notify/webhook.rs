//! Webhook bodies per format, and one HTTP attempt with a timeout (ureq: blocking, run on
//! the outbox worker, never on a UI loop).

use super::Message;
use super::target::{HeaderValue, WebhookFormat};
use std::time::Duration;

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Attempt {
    /// The receiver took it; its own id for the record when it said one.
    Delivered { reference: Option<String> },
    /// Worth trying again (5xx, 408, 429, timeout, connection refused); `retry_after` when the
    /// receiver asked for a pause.
    Retry { error: String, retry_after: Option<Duration> },
    /// Trying again would not help (4xx: the request is wrong or not allowed).
    Permanent { error: String },
}

/// The request for one message: method, URL, JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: &'static str,
    pub url: String,
    pub body: serde_json::Value,
}

fn severity_numbers(sev: &str) -> (&'static str, &'static str) {
    // ServiceNow's impact and urgency (1 high … 3 low); priority follows from the two.
    match sev {
        "sev1" => ("1", "1"),
        "sev2" => ("1", "2"),
        "sev3" => ("2", "2"),
        _ => ("3", "3"),
    }
}

/// The request for `msg`. `reference` is what the receiver called the incident when an
/// earlier message created it (ServiceNow sys_id, Jira issue key): later messages update
/// that record instead of opening another.
pub fn request(
    format: WebhookFormat,
    url: &str,
    msg: &Message,
    reference: Option<&str>,
    jira: (&str, &str),
) -> Request {
    let base = url.trim_end_matches('/');
    match (format, reference) {
        (WebhookFormat::Json, _) => Request { method: "POST", url: url.into(), body: msg.json_body() },
        (WebhookFormat::Slack, _) => Request {
            method: "POST",
            url: url.into(),
            body: serde_json::json!({ "text": format!("{}\n(id {})", msg.text.trim_end(), msg.id) }),
        },
        (WebhookFormat::Servicenow, None) => {
            let (impact, urgency) = severity_numbers(&msg.severity);
            Request {
                method: "POST",
                url: url.into(),
                body: serde_json::json!({
                    "short_description": msg.subject,
                    "description": msg.text,
                    "impact": impact,
                    "urgency": urgency,
                    "correlation_id": msg.incident,
                    "correlation_display": "Switchboard",
                    "work_notes": format!("Switchboard message {}", msg.id),
                }),
            }
        }
        (WebhookFormat::Servicenow, Some(sys_id)) => {
            let mut body = serde_json::json!({
                "work_notes": format!("{}\n(Switchboard message {})", msg.text.trim_end(), msg.id),
            });
            if msg.status == "resolved" {
                body["state"] = "6".into();
                body["close_code"] = "Solved (Permanently)".into();
                body["close_notes"] = msg.text.clone().into();
            }
            Request { method: "PATCH", url: format!("{base}/{sys_id}"), body }
        }
        (WebhookFormat::Jira, None) => {
            let mut labels = vec!["switchboard".to_string(), msg.incident.clone()];
            if msg.drill.is_some() {
                labels.push("drill".into());
            }
            Request {
                method: "POST",
                url: url.into(),
                body: serde_json::json!({ "fields": {
                    "project": { "key": jira.0 },
                    "issuetype": { "name": jira.1 },
                    "summary": msg.subject,
                    "description": format!("{}\n(Switchboard message {})", msg.text.trim_end(), msg.id),
                    "labels": labels,
                }}),
            }
        }
        (WebhookFormat::Jira, Some(key)) => Request {
            method: "POST",
            url: format!("{base}/{key}/comment"),
            body: serde_json::json!({ "body": format!("{}\n(Switchboard message {})", msg.text.trim_end(), msg.id) }),
        },
    }
}

/// The receiver's id for what it created, from its answer.
fn reference_of(format: WebhookFormat, body: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    let r = match format {
        WebhookFormat::Servicenow => v.pointer("/result/sys_id"),
        WebhookFormat::Jira => v.get("key"),
        WebhookFormat::Slack | WebhookFormat::Json => v.get("id"),
    }?;
    r.as_str().filter(|s| !s.is_empty() && s.len() <= 200).map(str::to_string)
}

/// Sends once. Headers: JSON content, the message id as `Idempotency-Key`, then the target's
/// own (secrets resolved from the environment now, kept nowhere).
pub fn send(
    req: &Request,
    format: WebhookFormat,
    headers: &[(String, HeaderValue)],
    id: &str,
    timeout: Duration,
) -> Attempt {
    let mut resolved = Vec::with_capacity(headers.len());
    for (k, v) in headers {
        match v.resolve() {
            Ok(v) => resolved.push((k.as_str(), v)),
            Err(e) => return Attempt::Retry { error: format!("header {k}: {e}"), retry_after: None },
        }
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent(concat!("switchboard/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let body = req.body.to_string();
    let builder = match req.method {
        "PATCH" => agent.patch(&req.url),
        _ => agent.post(&req.url),
    };
    let mut builder = builder.header("Content-Type", "application/json").header("Idempotency-Key", id);
    for (k, v) in &resolved {
        builder = builder.header(*k, v.as_str());
    }
    let mut resp = match builder.send(body.as_bytes()) {
        Ok(r) => r,
        Err(e) => return Attempt::Retry { error: describe(&e), retry_after: None },
    };
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|s| Duration::from_secs(s.min(300)));
    let text = resp.body_mut().with_config().limit(64 * 1024).read_to_string().unwrap_or_default();
    match status {
        200..=299 => Attempt::Delivered { reference: reference_of(format, &text) },
        408 | 425 | 429 | 500..=599 => Attempt::Retry { error: format!("HTTP {status}"), retry_after },
        _ => Attempt::Permanent { error: format!("HTTP {status}: {}", first_line(&text)) },
    }
}

fn first_line(s: &str) -> String {
    crate::runbook::output::evidence_line(s.lines().next().unwrap_or(""), 160)
}

fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(_) => "timed out".into(),
        other => crate::runbook::output::evidence_line(&other.to_string(), 200),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::target::{NotifyKind, Target, Trigger};

    fn msg(status: &str, drill: bool) -> Message {
        Message {
            id: "INC-20261122-001.1.sn".into(),
            created: crate::model::Timestamp(0),
            incident: "INC-20261122-001".into(),
            title: "Chat Bridge down".into(),
            severity: "sev2".into(),
            status: status.into(),
            drill: drill.then(|| "chat-bridge-down".into()),
            trigger: Trigger::Declared,
            subject: "[DRILL] INC-20261122-001 declared (sev2): Chat Bridge down".into(),
            text: "[DRILL] Incident INC-20261122-001 declared.\n".into(),
            target: Target {
                name: "sn".into(),
                kind: NotifyKind::Sns { topic_arn: "arn:aws:sns:us-east-1:123456789012:x".into() },
                on: Trigger::ALL.to_vec(),
                timeout: Duration::from_secs(1),
                give_up_after: Duration::from_secs(60),
            },
            by: "jdoe".into(),
        }
    }

    #[test]
    fn servicenow_creates_then_updates_its_record() {
        let url = "https://x.service-now.com/api/now/table/incident";
        let create = request(WebhookFormat::Servicenow, url, &msg("open", true), None, ("", ""));
        assert_eq!((create.method, create.url.as_str()), ("POST", url));
        assert_eq!(create.body["correlation_id"], "INC-20261122-001");
        assert_eq!((create.body["impact"].as_str(), create.body["urgency"].as_str()), (Some("1"), Some("2")));
        assert!(create.body["short_description"].as_str().unwrap().starts_with("[DRILL]"));
        let update =
            request(WebhookFormat::Servicenow, url, &msg("resolved", true), Some("abc123"), ("", ""));
        assert_eq!(
            (update.method, update.url.as_str()),
            ("PATCH", "https://x.service-now.com/api/now/table/incident/abc123")
        );
        assert_eq!(update.body["state"], "6");
        assert_eq!(
            reference_of(WebhookFormat::Servicenow, r#"{"result":{"sys_id":"abc123"}}"#).as_deref(),
            Some("abc123")
        );
    }

    #[test]
    fn jira_creates_an_issue_then_comments_and_drills_are_labelled() {
        let url = "https://acme.atlassian.net/rest/api/2/issue";
        let create = request(WebhookFormat::Jira, url, &msg("open", true), None, ("OPS", "Incident"));
        assert_eq!(create.body["fields"]["project"]["key"], "OPS");
        assert!(create.body["fields"]["labels"].as_array().unwrap().iter().any(|l| l == "drill"));
        let comment =
            request(WebhookFormat::Jira, url, &msg("resolved", false), Some("OPS-7"), ("OPS", "Incident"));
        assert_eq!(comment.url, "https://acme.atlassian.net/rest/api/2/issue/OPS-7/comment");
        assert_eq!(
            reference_of(WebhookFormat::Jira, r#"{"id":"1","key":"OPS-7"}"#).as_deref(),
            Some("OPS-7")
        );
    }

    #[test]
    fn json_and_slack_carry_the_id_and_the_drill_mark() {
        let j = request(WebhookFormat::Json, "http://127.0.0.1:1/h", &msg("open", true), None, ("", ""));
        assert_eq!(j.body["idempotency_key"], "INC-20261122-001.1.sn");
        assert_eq!(j.body["drill"], true);
        let s = request(WebhookFormat::Slack, "http://127.0.0.1:1/h", &msg("open", true), None, ("", ""));
        let text = s.body["text"].as_str().unwrap();
        assert!(text.starts_with("[DRILL]") && text.contains("INC-20261122-001.1.sn"), "{text}");
    }
}
