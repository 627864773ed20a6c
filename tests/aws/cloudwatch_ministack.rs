//! CloudWatch against ministack (Smithy RPC v2 CBOR): known values go in with PutMetricData,
//! the collector's GetMetricData brings them back into the right rows with the right health.

use crate::emulator::Emulator;
use crate::{INSTANCE, NT_A, NT_B, context, emulator_settings};
use aws_sdk_cloudwatch::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum};
use std::time::{Duration, Instant, SystemTime};
use switchboard::model::{Level, Section, Thresholds, assess};
use switchboard::source::Telemetry;

pub fn client(url: &str) -> aws_sdk_cloudwatch::Client {
    let conf = aws_sdk_cloudwatch::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(url)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDTEST", "test", None, None, "test"))
        .build();
    aws_sdk_cloudwatch::Client::from_conf(conf)
}

/// Half a minute ago: inside the current window, in a complete bucket.
fn recent() -> DateTime {
    DateTime::from(SystemTime::now() - Duration::from_secs(30))
}

pub fn datum(metric: &str, dims: &[(&str, &str)], values: &[f64]) -> MetricDatum {
    MetricDatum::builder()
        .metric_name(metric)
        .set_dimensions(Some(
            dims.iter().map(|(k, v)| Dimension::builder().name(*k).value(*v).build()).collect(),
        ))
        .set_values(Some(values.to_vec()))
        .timestamp(recent())
        .build()
}

pub async fn put(cw: &aws_sdk_cloudwatch::Client, namespace: &str, data: Vec<MetricDatum>) {
    for chunk in data.chunks(1000) {
        cw.put_metric_data()
            .namespace(namespace)
            .set_metric_data(Some(chunk.to_vec()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("PutMetricData {namespace}: {e:?}"));
    }
}

pub async fn seed_contact_center(cw: &aws_sdk_cloudwatch::Client) {
    seed_aws_services(cw).await;
    put(
        cw,
        "NexTalk",
        vec![
            datum("PortsInUse", &[("InstanceId", NT_A)], &[90.0]),
            datum("PortsInUse", &[("InstanceId", NT_B)], &[20.0]),
        ],
    )
    .await;
}

/// The AWS services' figures of the contact center without the NexTalk ports metric: what a
/// team has that never set up the CloudWatch agent on its NexTalk servers.
pub async fn seed_aws_services(cw: &aws_sdk_cloudwatch::Client) {
    let voice = [("InstanceId", INSTANCE), ("MetricGroup", "VoiceCalls")];
    let chats = [("InstanceId", INSTANCE), ("MetricGroup", "Chats")];
    let flow = |name| [("InstanceId", INSTANCE), ("MetricGroup", "ContactFlow"), ("ContactFlowName", name)];
    put(
        cw,
        "AWS/Connect",
        vec![
            datum("ConcurrentCalls", &voice, &[45.0]),
            datum("ConcurrentCallsPercentage", &voice, &[0.45]),
            datum("MissedCalls", &voice, &[2.0]),
            datum("ConcurrentActiveChats", &chats, &[40.0]),
            datum("ConcurrentActiveChatsPercentage", &chats, &[80.0]),
            datum("ContactFlowErrors", &flow("Main"), &[3.0]),
            datum("ContactFlowErrors", &flow("Chat"), &[4.0]),
        ],
    )
    .await;
    let f = |n| [("FunctionName", n)];
    put(
        cw,
        "AWS/Lambda",
        vec![
            datum("Invocations", &f("connect-auth"), &[200.0]),
            datum("Errors", &f("connect-auth"), &[12.0]),
            datum("Duration", &f("connect-auth"), &[4000.0; 20]),
            datum("ConcurrentExecutions", &f("connect-auth"), &[7.0]),
            datum("Invocations", &f("connect-route"), &[100.0]),
            datum("Errors", &f("connect-route"), &[0.0]),
            datum("Duration", &f("connect-route"), &[200.0; 20]),
            // Not matched by `connect-*`: must not show up.
            datum("Invocations", &f("billing-batch"), &[5.0]),
        ],
    )
    .await;
    let s = [("StreamName", "ctr-stream")];
    put(
        cw,
        "AWS/Kinesis",
        vec![
            datum("GetRecords.IteratorAgeMilliseconds", &s, &[400_000.0]),
            datum("PutRecords.Latency", &s, &[50.0]),
            datum("IncomingRecords", &s, &[1000.0]),
        ],
    )
    .await;
    let t = [("TableName", "contacts")];
    put(
        cw,
        "AWS/DynamoDB",
        vec![
            datum("ConsumedReadCapacityUnits", &t, &[1140.0]),
            datum("ProvisionedReadCapacityUnits", &t, &[20.0]),
            datum("ConsumedWriteCapacityUnits", &t, &[600.0]),
            datum("ProvisionedWriteCapacityUnits", &t, &[100.0]),
        ],
    )
    .await;
}

pub fn metrics_table(lambda: &str) -> String {
    format!(
        r#"
[connect]
instance_id = "{INSTANCE}"
[metrics]
lambda = [{lambda}]
kinesis = ["ctr-stream"]
dynamodb = ["contacts"]
"#
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn cloudwatch_values_land_in_their_rows_with_the_right_health() {
    let emu = Emulator::ministack();
    let cw = client(&emu.url);
    seed_contact_center(&cw).await;

    let ctx = context(&emu.url, emulator_settings(&metrics_table(r#""connect-*""#))).await;
    let mut metrics = ctx.metrics();
    let snap = metrics.collect().await.unwrap_or_else(|e| panic!("collect: {e}\n{}", emu.log_text()));
    assert!(snap.gaps.is_empty(), "{:?}", snap.gaps);

    let c = &snap.connect;
    assert_eq!((c.concurrent_calls, c.concurrent_calls_quota), (45, 100), "quota from the 0.45 fraction");
    assert_eq!((c.concurrent_chats, c.concurrent_chats_quota), (40, 50), "quota from the integer 80 %");
    assert_eq!(c.missed_calls, 2);
    assert_eq!(c.contact_flow_errors, 7, "summed over the flows ListMetrics found");

    let names: Vec<_> = snap.lambda.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["connect-auth", "connect-route"], "glob resolved through ListMetrics");
    let auth = &snap.lambda[0];
    assert_eq!((auth.invocations, auth.errors, auth.concurrent_executions), (200, 12, 7));
    assert_eq!(auth.duration_p99_ms, Some(4000.0));

    let k = &snap.kinesis[0];
    assert_eq!(k.iterator_age_ms, Some(400_000.0));
    assert_eq!(k.put_latency_ms, Some(50.0));
    assert_eq!(k.incoming_records, 1000);

    let d = &snap.dynamodb[0];
    assert_eq!(d.consumed_read, 19.0, "Sum / 60 = units per second");
    assert_eq!(d.read_pct(), Some(95.0));
    assert_eq!(d.write_pct(), Some(10.0));
    assert_eq!(d.throttles(), 0, "no throttle metric means none");

    let servers = &snap.nextalk.servers;
    assert_eq!((servers[0].ports_in_use, servers[1].ports_in_use), (Some(90), Some(20)));

    let a = assess(&snap, &Thresholds::default());
    assert_eq!(a.row(Section::Lambda, "connect-auth").level, Level::Crit, "6 % errors");
    assert_eq!(a.row(Section::Lambda, "connect-route").level, Level::Ok);
    assert_eq!(a.row(Section::Kinesis, "ctr-stream").level, Level::Crit, "iterator age 6m40s");
    assert_eq!(a.row(Section::DynamoDb, "contacts").level, Level::Warn, "95 % read is warn, not past crit");
    assert_eq!(a.row(Section::NexTalk, "nt-a").level, Level::Crit, "90 of 96 ports");
    assert_eq!(a.section(Section::Connect), Level::Warn, "80 % chats, missed calls, flow errors");
    let failover =
        a.findings.iter().find(|f| f.key.ends_with("nextalk_failover_load_pct")).expect("failover finding");
    assert_eq!(failover.level, Level::Crit, "110 ports on one 96-port survivor");

    // Trends at start: the same queries over a longer window, one snapshot per minute.
    let history = metrics.history(15).await.expect("history");
    let last = history.last().expect("at least one minute of history");
    assert_eq!(last.lambda[0].errors, 12);
    assert_eq!(last.nextalk.servers[0].ports_in_use, Some(90));
}

#[tokio::test(flavor = "multi_thread")]
async fn one_refresh_makes_one_get_metric_data_call_per_500_queries() {
    let emu = Emulator::ministack();
    let cw = client(&emu.url);
    seed_contact_center(&cw).await;
    let fns: Vec<String> = (0..110).map(|i| format!("fn-{i:03}")).collect();
    let data = fns.iter().map(|f| datum("Invocations", &[("FunctionName", f)], &[1.0])).collect();
    put(&cw, "AWS/Lambda", data).await;

    let ctx = context(&emu.url, emulator_settings(&metrics_table(r#""fn-*", "connect-*""#))).await;
    let mut metrics = ctx.metrics();
    metrics.discover().await.expect("discover");
    let stats = ctx.stats();
    let before = stats.count("GetMetricData");
    let started = Instant::now();
    let snap = metrics.collect().await.expect("collect");
    let took = started.elapsed();
    let n = metrics.query_count();
    let calls = stats.count("GetMetricData") - before;
    eprintln!("one CloudWatch refresh: {n} queries, {calls} GetMetricData calls, {took:?}");
    assert_eq!(snap.lambda.len(), 112);
    assert_eq!(n, 6 + 2 + 112 * 5 + 6 + 6 + 2);
    assert_eq!(calls as usize, n.div_ceil(500));
    assert_eq!(stats.count("ListMetrics"), 2, "one lookup for the Lambda globs, one for contact flows");
}
