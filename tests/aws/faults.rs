//! One source failing (throttled, 5xx, timing out, access denied) leaves the other sources'
//! figures on screen, its own last figures stay (marked with a gap), and it recovers when the
//! fault clears. CloudWatch comes from ministack, Connect and SSM from the stand-in.

use crate::connect_standin::{current_metrics, list_queues, metric_data_v2};
use crate::emulator::Emulator;
use crate::ssm_standin::{invocation, ping, send_command};
use crate::standin::{Reply, Request, StandIn};
use crate::{INSTANCE, NT_A, connect_table, context, settings};
use std::time::Duration;
use switchboard::model::{PingStatus, Section, ServiceStatus, Snapshot};
use switchboard::source::Telemetry;
use switchboard::source::aws::{AwsComposer, AwsPart, AwsSource};

fn healthy(req: &Request) -> Reply {
    match req.operation.as_str() {
        "ListQueues" => list_queues(req, 5, 100),
        "GetCurrentMetricData" => current_metrics(req, 100),
        "GetMetricDataV2" => metric_data_v2(req, 100),
        "DescribeInstanceInformation" => ping(req),
        "SendCommand" => send_command(req),
        "GetCommandInvocation" => {
            invocation("Success", 0, "NexTalk App API|Running\r\nNexTalk Chat Bridge|Running\r\n", "")
        }
        other => Reply::aws_json_error(400, "UnknownOperation", other),
    }
}

/// Runs every source once, feeding the composer, as the console's tasks would.
async fn refresh(sources: &mut [AwsSource], composer: &mut AwsComposer) -> Snapshot {
    for s in sources.iter_mut() {
        let result = s.telemetry.collect().await;
        composer.update(s.part, result);
    }
    composer.snapshot()
}

fn gaps(s: &Snapshot, section: Section) -> Vec<String> {
    s.gaps.iter().filter(|g| g.section == section).map(|g| g.error.clone()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_source_leaves_the_others_intact_and_recovers() {
    let emu = Emulator::ministack();
    let cw = aws_sdk_cloudwatch::Client::from_conf(
        aws_sdk_cloudwatch::Config::builder()
            .behavior_version(aws_sdk_cloudwatch::config::BehaviorVersion::latest())
            .endpoint_url(&emu.url)
            .region(aws_sdk_cloudwatch::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_cloudwatch::config::Credentials::new("A", "s", None, None, "t"))
            .build(),
    );
    cw.put_metric_data()
        .namespace("AWS/Lambda")
        .metric_data(
            aws_sdk_cloudwatch::types::MetricDatum::builder()
                .metric_name("Invocations")
                .dimensions(
                    aws_sdk_cloudwatch::types::Dimension::builder()
                        .name("FunctionName")
                        .value("connect-auth")
                        .build(),
                )
                .value(50.0)
                .build(),
        )
        .send()
        .await
        .expect("PutMetricData");

    let server = StandIn::start(healthy).await;
    let extra = format!("{}\n[metrics]\nlambda = [\"connect-auth\"]\n", connect_table(100.0, 100));
    let mut s = settings(&extra);
    s.operation_timeout_ms = 800;
    let cw_ctx = context(&emu.url, crate::emulator_settings(&extra)).await;
    let si_ctx = context(&server.url, s).await;
    let mut sources = si_ctx.sources();
    // The metrics source talks to ministack; the others to the stand-in.
    sources[0].telemetry = Box::new(cw_ctx.metrics());
    // No `[aws.ports] counter` in this config, so no ports probe.
    assert_eq!(sources.iter().map(|s| s.part).collect::<Vec<_>>(), AwsPart::ALL[..4]);
    let mut composer = si_ctx.composer();

    // All well. One full refresh of the four sources, timed (the console runs them in
    // parallel; here they run one after another).
    let started = std::time::Instant::now();
    let snap = refresh(&mut sources, &mut composer).await;
    let (took, cw_calls, si_calls) = (started.elapsed(), cw_ctx.stats().all(), si_ctx.stats().all());
    eprintln!(
        "full refresh, sequential: {took:?}; CloudWatch calls {cw_calls:?}; Connect/SSM calls {si_calls:?}"
    );
    assert!(
        snap.gaps.iter().all(|g| g.section == Section::NexTalk && g.error.contains("PortsInUse")),
        "{:?}",
        snap.gaps
    );
    assert_eq!(snap.connect.queues.len(), 5);
    assert_eq!(snap.lambda[0].invocations, 50);
    assert_eq!(snap.nextalk.servers[0].ssm_ping, PingStatus::Online);
    assert_eq!(snap.nextalk.servers[0].services[1].status, ServiceStatus::Running);
    assert_eq!(snap.source, "aws:123456789012/us-east-1");

    // Connect throttled, SSM ping 5xx, SendCommand denied.
    server.set_handler(|req| match req.operation.as_str() {
        "GetCurrentMetricData" => Reply::rest_error(429, "ThrottlingException", "Rate exceeded"),
        "DescribeInstanceInformation" => Reply::aws_json_error(500, "InternalServerError", "boom"),
        "SendCommand" => Reply::aws_json_error(400, "AccessDeniedException", "not allowed"),
        _ => healthy(req),
    });
    let snap = refresh(&mut sources, &mut composer).await;
    assert_eq!(snap.lambda[0].invocations, 50, "CloudWatch figures untouched");
    assert_eq!(snap.connect.queues.len(), 5, "last queue figures kept");
    assert_eq!(snap.nextalk.servers[0].ssm_ping, PingStatus::Online, "last ping kept");
    assert_eq!(snap.nextalk.servers[0].services[1].status, ServiceStatus::Running, "last services kept");
    let q = gaps(&snap, Section::Queues);
    assert!(q.len() == 1 && q[0].starts_with("Connect queues: GetCurrentMetricData: throttled"), "{q:?}");
    let n = gaps(&snap, Section::NexTalk).join("\n");
    assert!(n.contains("SSM ping: DescribeInstanceInformation on instances"), "{n}");
    assert!(n.contains("InternalServerError"), "{n}");
    assert!(n.contains("grant ssm:SendCommand"), "{n}");
    assert!(gaps(&snap, Section::Lambda).is_empty());

    // Connect now hangs past the operation timeout; the rest is fine again.
    server.set_handler(|req| match req.operation.as_str() {
        "GetCurrentMetricData" => current_metrics(req, 100).delayed(Duration::from_secs(2)),
        _ => healthy(req),
    });
    let snap = refresh(&mut sources, &mut composer).await;
    let q = gaps(&snap, Section::Queues);
    assert!(q.len() == 1 && q[0].contains("timed out"), "{q:?}");
    assert!(!gaps(&snap, Section::NexTalk).iter().any(|g| g.starts_with("SSM ping")), "{:?}", snap.gaps);

    // CloudWatch unreachable (an endpoint that answers 503): its figures stay, with a gap.
    let broken = StandIn::start(|_| Reply::aws_json_error(503, "ServiceUnavailable", "down")).await;
    let broken_ctx = context(&broken.url, settings(&extra)).await;
    let mut broken_metrics = broken_ctx.metrics();
    composer.update(AwsPart::Metrics, broken_metrics.collect().await);
    let snap = composer.snapshot();
    assert_eq!(snap.lambda[0].invocations, 50);
    // A fresh collector looks up the contact flows first, so ListMetrics is what fails.
    let lambda_gaps = gaps(&snap, Section::Lambda);
    assert!(
        lambda_gaps[0].starts_with("CloudWatch metrics: ListMetrics on AWS/Connect/ContactFlowErrors"),
        "{lambda_gaps:?}"
    );

    // Everything clears.
    server.set_handler(healthy);
    let snap = refresh(&mut sources, &mut composer).await;
    let unexpected: Vec<_> = snap.gaps.iter().filter(|g| !g.error.contains("PortsInUse")).collect();
    assert!(unexpected.is_empty(), "{unexpected:?}");
    assert_eq!(snap.connect.instance_id, INSTANCE);
    assert_eq!(snap.nextalk.servers[0].instance_id, NT_A);
}
