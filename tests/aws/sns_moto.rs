//! Incident notifications on SNS, on moto: a topic with an SQS subscription (raw delivery),
//! `incident open` and `incident status … resolved` through the binary, and the queue read
//! back: one message per trigger, each marked as a drill, each with the id the timeline
//! recorded. SQS is read through moto's HTTP API (awsJson 1.0) rather than another SDK crate;
//! moto does not check signatures, so the requests carry only a SigV4-shaped Authorization
//! header that names the Region.

use crate::emulator::Emulator;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_sns::config::Credentials;
use serde_json::{Value, json};
use std::process::Command;
use std::time::{Duration, Instant};

fn sns(url: &str) -> aws_sdk_sns::Client {
    let conf = aws_sdk_sns::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(url)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDTEST", "test", None, None, "test"))
        .build();
    aws_sdk_sns::Client::from_conf(conf)
}

/// One SQS call in the JSON protocol.
fn sqs(url: &str, op: &str, body: Value) -> Value {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(20)))
        .http_status_as_error(false)
        .build()
        .into();
    let mut resp = agent
        .post(url)
        .header("Content-Type", "application/x-amz-json-1.0")
        .header("X-Amz-Target", format!("AmazonSQS.{op}"))
        .header(
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDTEST/20261122/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0",
        )
        .send(body.to_string().as_bytes())
        .unwrap_or_else(|e| panic!("SQS {op}: {e}"));
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap_or_default();
    assert_eq!(status, 200, "SQS {op}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("SQS {op}: {e}: {text}"))
}

fn switchboard(dir: &std::path::Path, moto: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["--config", dir.join("config.toml").to_str().unwrap()])
        .args(["--audit-log", dir.join("audit.jsonl").to_str().unwrap(), "--endpoint-url", moto])
        .args(args)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CONFIG_HOME", dir.join("none"))
        .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_REGION")
        .env("AWS_CONFIG_FILE", dir.join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("none"))
        .output()
        .expect("run switchboard")
}

#[tokio::test(flavor = "multi_thread")]
async fn sns_on_moto_gets_the_declaration_and_the_resolution_once_each_marked_as_a_drill() {
    let emu = Emulator::moto();
    let client = sns(&emu.url);
    let topic = client.create_topic().name("oncall").send().await.expect("CreateTopic");
    let topic_arn = topic.topic_arn().expect("topic ARN").to_string();
    let url = emu.url.clone();
    let queue =
        tokio::task::spawn_blocking(move || sqs(&url, "CreateQueue", json!({"QueueName": "oncall-inbox"})))
            .await
            .unwrap();
    let queue_url = queue["QueueUrl"].as_str().expect("QueueUrl").to_string();
    let queue_arn = "arn:aws:sqs:us-east-1:123456789012:oncall-inbox";
    client
        .subscribe()
        .topic_arn(&topic_arn)
        .protocol("sqs")
        .endpoint(queue_arn)
        .attributes("RawMessageDelivery", "true")
        .send()
        .await
        .expect("Subscribe");

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        format!("[[notify]]\nkind = \"sns\"\ntopic_arn = \"{topic_arn}\"\ntimeout = \"10s\"\n"),
    )
    .unwrap();
    let d = dir.path().to_path_buf();
    let moto = emu.url.clone();
    let id = tokio::task::spawn_blocking(move || {
        let out = switchboard(
            &d,
            &moto,
            &[
                "incident",
                "open",
                "--title",
                "Chat Bridge down",
                "--severity",
                "sev2",
                "--demo",
                "--scenario",
                "chat-bridge-down",
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let out = switchboard(&d, &moto, &["incident", "status", &id, "resolved"]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        id
    })
    .await
    .unwrap();

    // Read the queue until both have arrived (the background worker publishes them).
    let url = emu.url.clone();
    let bodies: Vec<Value> = tokio::task::spawn_blocking(move || {
        let mut got: Vec<Value> = Vec::new();
        let until = Instant::now() + Duration::from_secs(60);
        while got.len() < 2 && Instant::now() < until {
            let r = sqs(
                &url,
                "ReceiveMessage",
                json!({"QueueUrl": queue_url, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 1}),
            );
            for m in r["Messages"].as_array().cloned().unwrap_or_default() {
                got.push(
                    serde_json::from_str(m["Body"].as_str().unwrap_or("")).expect("the message is JSON"),
                );
                sqs(
                    &url,
                    "DeleteMessage",
                    json!({"QueueUrl": queue_url, "ReceiptHandle": m["ReceiptHandle"]}),
                );
            }
        }
        // Nothing more comes after them.
        std::thread::sleep(Duration::from_secs(2));
        let r = sqs(&url, "ReceiveMessage", json!({"QueueUrl": queue_url, "MaxNumberOfMessages": 10}));
        assert!(r["Messages"].as_array().is_none_or(|m| m.is_empty()), "a duplicate arrived: {r}");
        got
    })
    .await
    .unwrap();
    let log =
        std::fs::read_to_string(dir.path().join("data/switchboard/outbox/worker.log")).unwrap_or_default();
    assert_eq!(bodies.len(), 2, "{bodies:?}\nworker log:\n{log}\nmoto:\n{}", emu.log_text());
    let triggers: Vec<&str> = bodies.iter().map(|b| b["trigger"].as_str().unwrap()).collect();
    assert_eq!(triggers, ["declared", "resolved"]);
    for b in &bodies {
        assert_eq!(b["drill"], true, "{b}");
        assert!(b["subject"].as_str().unwrap().starts_with(&format!("[DRILL] {id}")), "{b}");
        assert_eq!(b["incident"]["id"], id.as_str());
    }
    // The timeline holds each message once, with SNS's MessageId.
    let timeline = std::fs::read_to_string(
        dir.path().join("data/switchboard/incidents").join(&id).join("timeline.jsonl"),
    )
    .unwrap();
    let sent: Vec<Value> = timeline
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["event"] == "notification_sent")
        .collect();
    let ids: Vec<&str> = sent.iter().map(|e| e["message_id"].as_str().unwrap()).collect();
    let body_ids: Vec<&str> = bodies.iter().map(|b| b["id"].as_str().unwrap()).collect();
    assert_eq!(ids, body_ids);
    assert!(sent.iter().all(|e| e["reference"].as_str().is_some_and(|r| !r.is_empty())), "{sent:?}");
}
