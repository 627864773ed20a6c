//! One live refresh through the `switchboard` binary against the `aws` CLI making the same
//! calls, on the same emulators: 200 Connect queues (ListQueues + GetCurrentMetricData on the
//! Connect stand-in, which enforces Connect's 5 req/s, burst 8) and about 150 CloudWatch metric
//! queries (ListMetrics discovery + GetMetricData on ministack).
//!
//! The binary: `switchboard snapshot --format json`, a whole process each time (start, config,
//! credentials, every call, JSON out). The CLI: a script a skilled engineer would write, two
//! stages of parallel `aws` invocations (ListQueues and the ListMetrics discoveries together,
//! then both GetCurrentMetricData chunks and GetMetricData together); its GetMetricData
//! queries are handed to it ready-made from the binary's own plan, which only favours the CLI.
//!
//! `scripts/bench-refresh` runs it (it installs the `aws` CLI into its own venv when missing);
//! `cargo test --all-targets` runs a single small round so the benchmark cannot rot. The aws
//! CLI half is skipped, saying so, when no `aws` is found (`SWITCHBOARD_AWS_CLI` names one).

#[path = "../tests/aws/emulator.rs"]
#[allow(dead_code)]
mod emulator;
#[path = "../tests/aws/standin.rs"]
#[allow(dead_code)]
mod standin;

use aws_sdk_cloudwatch::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum};
use serde_json::{Value, json};
use standin::{Quota, Reply, Request, StandIn};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use switchboard::source::aws::plan::{Targets, plan};

const INSTANCE: &str = "11111111-2222-3333-4444-555555555555";
const QUEUES: usize = 200;
const FUNCTIONS: usize = 24;
const STREAMS: usize = 2;
const TABLES: usize = 2;

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let rounds = if full { 7 } else { 1 };
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("rt");
    let emu = emulator::Emulator::ministack();
    runtime.block_on(seed(&emu.url));
    let quota = Arc::new(Mutex::new(Quota::connect()));
    let q = quota.clone();
    let standin = runtime.block_on(StandIn::start(move |req| {
        let mut quota = q.lock().expect("quota");
        match req.operation.as_str() {
            "ListQueues" => quota.gate(|| list_queues(req)),
            "GetCurrentMetricData" => quota.gate(|| current_metrics(req)),
            other => Reply::rest_error(400, "UnknownOperation", other),
        }
    }));
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path());
    let queries = write_queries(dir.path());

    // Warm both (ministack loads a service's code on first use), then alternate rounds.
    let mut ours = Vec::new();
    let mut cli = Vec::new();
    let aws = aws_cli();
    let _ = run_switchboard(&cfg, &emu.url, &standin.url);
    if let Some(aws) = &aws {
        let _ = run_cli(aws, dir.path(), &emu.url, &standin.url, &queries);
    }
    for _ in 0..rounds {
        ours.push(run_switchboard(&cfg, &emu.url, &standin.url));
        if let Some(aws) = &aws {
            cli.push(run_cli(aws, dir.path(), &emu.url, &standin.url, &queries));
        }
        // Let the Connect quota refill between rounds, as between two refreshes.
        std::thread::sleep(Duration::from_secs(2));
    }
    let n_queries = plan(&targets()).len();
    println!(
        "refresh: {QUEUES} queues (Connect stand-in, 5 req/s burst 8) + {n_queries} metric queries (ministack), {rounds} round(s), median"
    );
    let ours = median(&mut ours);
    println!("  switchboard snapshot --format json  {:>8.1} ms", ours.as_secs_f64() * 1e3);
    match aws {
        Some(_) => {
            let cli = median(&mut cli);
            println!("  aws CLI, same calls, parallel       {:>8.1} ms", cli.as_secs_f64() * 1e3);
            println!("  ratio aws CLI / switchboard: {:.1}x", cli.as_secs_f64() / ours.as_secs_f64());
        }
        None => {
            println!("  aws CLI: not found (pip install awscli, or set SWITCHBOARD_AWS_CLI); not compared")
        }
    }
    let q = quota.lock().expect("quota");
    println!("  Connect stand-in: {} calls admitted, {} throttled", q.admitted, q.throttled);
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn targets() -> Targets {
    Targets {
        connect_instance: Some(INSTANCE.into()),
        contact_flows: vec!["Main".into(), "Chat".into()],
        lambda: (0..FUNCTIONS).map(function).collect(),
        kinesis: (0..STREAMS).map(|i| format!("ctr-stream-{i}")).collect(),
        dynamodb: (0..TABLES).map(|i| format!("contacts-{i}")).collect(),
        servers: Vec::new(),
        ports: Default::default(),
        panes: Vec::new(),
    }
}

fn function(i: usize) -> String {
    format!("connect-fn-{i:02}")
}

fn config(dir: &Path) -> PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(
        &path,
        format!(
            "[aws]\naccount_id = \"123456789012\"\nmax_attempts = 1\noperation_timeout_ms = 20000\n\
             [aws.connect]\ninstance_id = \"{INSTANCE}\"\n\
             [aws.metrics]\nlambda = [\"connect-*\"]\nkinesis = [\"ctr-stream-*\"]\ndynamodb = [\"contacts-*\"]\n"
        ),
    )
    .expect("config");
    path
}

fn run_switchboard(cfg: &Path, cloudwatch: &str, connect: &str) -> Duration {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("--config")
        .arg(cfg)
        .args(["--region", "us-east-1", "snapshot", "--format", "json"])
        .envs(credentials())
        .env("AWS_ENDPOINT_URL_CLOUDWATCH", cloudwatch)
        .env("AWS_ENDPOINT_URL_CONNECT", connect)
        .output()
        .expect("run switchboard");
    let took = started.elapsed();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(v["connect"]["queues"].as_array().map(Vec::len), Some(QUEUES), "{}", v["gaps"]);
    assert_eq!(v["lambda"].as_array().map(Vec::len), Some(FUNCTIONS), "{}", v["gaps"]);
    took
}

fn credentials() -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID", "AKIDTEST".into()),
        ("AWS_SECRET_ACCESS_KEY", "test".into()),
        ("AWS_CONFIG_FILE", "/nonexistent".into()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent".into()),
        ("AWS_DEFAULT_REGION", "us-east-1".into()),
    ]
}

fn aws_cli() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("SWITCHBOARD_AWS_CLI").map(PathBuf::from),
        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/switchboard/awscli-venv/bin/aws")),
        Some(PathBuf::from("/usr/local/bin/aws")),
        Some(PathBuf::from("/usr/bin/aws")),
    ];
    candidates.into_iter().flatten().find(|p| p.exists())
}

/// The GetMetricData queries of one refresh in the CLI's JSON shape.
fn write_queries(dir: &Path) -> PathBuf {
    let queries: Vec<Value> = plan(&targets())
        .iter()
        .map(|q| {
            json!({
                "Id": q.id,
                "MetricStat": {
                    "Metric": {
                        "Namespace": q.namespace,
                        "MetricName": q.metric,
                        "Dimensions": q.dimensions.iter().map(|(k, v)| json!({"Name": k, "Value": v})).collect::<Vec<_>>(),
                    },
                    "Period": 60,
                    "Stat": q.stat,
                },
            })
        })
        .collect();
    let path = dir.join("queries.json");
    std::fs::write(&path, serde_json::to_vec(&queries).expect("json")).expect("queries");
    path
}

/// The calls of one refresh with the `aws` CLI, as a skilled script makes them.
fn run_cli(aws: &Path, dir: &Path, cloudwatch: &str, connect: &str, queries: &Path) -> Duration {
    let script = format!(
        r#"set -e
cd {dir}
AWS={aws}
CW="--endpoint-url {cloudwatch}"
CN="--endpoint-url {connect}"
$AWS connect list-queues --instance-id {INSTANCE} --queue-types STANDARD --max-results 1000 $CN > queues.json &
$AWS cloudwatch list-metrics --namespace AWS/Connect --metric-name ContactFlowErrors --dimensions Name=InstanceId,Value={INSTANCE} Name=MetricGroup,Value=ContactFlow Name=ContactFlowName $CW > lm0.json &
$AWS cloudwatch list-metrics --namespace AWS/Lambda --metric-name Invocations --dimensions Name=FunctionName $CW > lm1.json &
$AWS cloudwatch list-metrics --namespace AWS/Kinesis --metric-name IncomingRecords --dimensions Name=StreamName $CW > lm2.json &
$AWS cloudwatch list-metrics --namespace AWS/DynamoDB --metric-name ConsumedReadCapacityUnits --dimensions Name=TableName $CW > lm3.json &
wait
python3 - <<'EOF'
import json
ids = [q["Id"] for q in json.load(open("queues.json"))["QueueSummaryList"]]
for n, i in enumerate(range(0, len(ids), 100)):
    json.dump({{"Queues": ids[i:i+100], "Channels": ["VOICE", "CHAT"]}}, open(f"filter{{n}}.json", "w"))
EOF
M='[{{"Name":"CONTACTS_IN_QUEUE","Unit":"COUNT"}},{{"Name":"OLDEST_CONTACT_AGE","Unit":"SECONDS"}},{{"Name":"AGENTS_ONLINE","Unit":"COUNT"}},{{"Name":"AGENTS_AVAILABLE","Unit":"COUNT"}},{{"Name":"AGENTS_ON_CONTACT","Unit":"COUNT"}}]'
for f in filter*.json; do
  $AWS connect get-current-metric-data --instance-id {INSTANCE} --filters file://$f --groupings QUEUE --current-metrics "$M" --max-results 100 $CN > "out-$f" &
done
$AWS cloudwatch get-metric-data --metric-data-queries file://{queries} --start-time "$(date -u -d '-15 min' +%FT%TZ)" --end-time "$(date -u +%FT%TZ)" $CW > gmd.json &
wait
"#,
        dir = dir.display(),
        aws = aws.display(),
        queries = queries.display(),
    );
    let started = Instant::now();
    let out = Command::new("bash").arg("-c").arg(&script).envs(credentials()).output().expect("bash");
    let took = started.elapsed();
    assert!(out.status.success(), "aws CLI script failed: {}", String::from_utf8_lossy(&out.stderr));
    let results: usize = (0..QUEUES.div_ceil(100))
        .map(|n| {
            let text = std::fs::read_to_string(dir.join(format!("out-filter{n}.json"))).unwrap_or_default();
            let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            v["MetricResults"].as_array().map_or(0, Vec::len)
        })
        .sum();
    assert_eq!(results, QUEUES, "the CLI got every queue's figures");
    took
}

fn list_queues(_: &Request) -> Reply {
    let list: Vec<Value> = (0..QUEUES)
        .map(|i| json!({"Id": format!("q-{i:04}"), "Arn": format!("arn:q/{i}"), "Name": format!("Queue {i:04}"), "QueueType": "STANDARD"}))
        .collect();
    Reply::json(json!({ "QueueSummaryList": list }))
}

fn current_metrics(req: &Request) -> Reply {
    let queues: Vec<String> = req.body["Filters"]["Queues"]
        .as_array()
        .map(|a| a.iter().filter_map(|q| q.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let results: Vec<Value> = queues
        .iter()
        .map(|id| {
            json!({
                "Dimensions": {"Queue": {"Id": id, "Arn": format!("arn:{id}")}},
                "Collections": [
                    {"Metric": {"Name": "CONTACTS_IN_QUEUE", "Unit": "COUNT"}, "Value": 2.0},
                    {"Metric": {"Name": "OLDEST_CONTACT_AGE", "Unit": "SECONDS"}, "Value": 40.0},
                    {"Metric": {"Name": "AGENTS_ONLINE", "Unit": "COUNT"}, "Value": 3.0},
                ]
            })
        })
        .collect();
    Reply::json(json!({ "MetricResults": results, "DataSnapshotTime": 1.7e9 }))
}

async fn seed(url: &str) {
    let conf = aws_sdk_cloudwatch::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(url)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDTEST", "test", None, None, "test"))
        .build();
    let cw = aws_sdk_cloudwatch::Client::from_conf(conf);
    let at = DateTime::from(SystemTime::now() - Duration::from_secs(30));
    let datum = |metric: &str, dims: &[(&str, &str)], v: f64| {
        MetricDatum::builder()
            .metric_name(metric)
            .set_dimensions(Some(
                dims.iter().map(|(k, v)| Dimension::builder().name(*k).value(*v).build()).collect(),
            ))
            .value(v)
            .timestamp(at)
            .build()
    };
    let mut by_ns: Vec<(&str, Vec<MetricDatum>)> = Vec::new();
    let voice = [("InstanceId", INSTANCE), ("MetricGroup", "VoiceCalls")];
    let mut connect =
        vec![datum("ConcurrentCalls", &voice, 45.0), datum("ConcurrentCallsPercentage", &voice, 0.45)];
    for flow in ["Main", "Chat"] {
        let dims = [("InstanceId", INSTANCE), ("MetricGroup", "ContactFlow"), ("ContactFlowName", flow)];
        connect.push(datum("ContactFlowErrors", &dims, 1.0));
    }
    by_ns.push(("AWS/Connect", connect));
    let names: Vec<String> = (0..FUNCTIONS).map(function).collect();
    let mut lambda = Vec::new();
    for n in &names {
        let d = [("FunctionName", n.as_str())];
        for (m, v) in [
            ("Invocations", 100.0),
            ("Errors", 1.0),
            ("Throttles", 0.0),
            ("Duration", 120.0),
            ("ConcurrentExecutions", 3.0),
        ] {
            lambda.push(datum(m, &d, v));
        }
    }
    by_ns.push(("AWS/Lambda", lambda));
    let streams: Vec<String> = (0..STREAMS).map(|i| format!("ctr-stream-{i}")).collect();
    by_ns.push((
        "AWS/Kinesis",
        streams.iter().map(|s| datum("IncomingRecords", &[("StreamName", s.as_str())], 10.0)).collect(),
    ));
    let tables: Vec<String> = (0..TABLES).map(|i| format!("contacts-{i}")).collect();
    by_ns.push((
        "AWS/DynamoDB",
        tables
            .iter()
            .map(|t| datum("ConsumedReadCapacityUnits", &[("TableName", t.as_str())], 60.0))
            .collect(),
    ));
    for (ns, data) in by_ns {
        for chunk in data.chunks(500) {
            cw.put_metric_data()
                .namespace(ns)
                .set_metric_data(Some(chunk.to_vec()))
                .send()
                .await
                .unwrap_or_else(|e| panic!("PutMetricData {ns}: {e:?}"));
        }
    }
}
