//! A config-defined pane (`[[panes]]`) live against ministack: seeded API Gateway metrics come
//! back in the pane's rows, judged by the pane's own limits, in the same GetMetricData call
//! as every built-in pane's figures.

use crate::cloudwatch_ministack::{client, datum, metrics_table, put, seed_contact_center};
use crate::emulator::Emulator;
use crate::{context, emulator_settings};
use std::path::Path;
use switchboard::config::Config;
use switchboard::model::{Level, Section, Thresholds, assess};
use switchboard::report::Report;
use switchboard::source::Telemetry;

const PANE: &str = include_str!("../fixtures/panes/crm-api.toml");

#[tokio::test(flavor = "multi_thread")]
async fn a_config_pane_is_collected_in_the_same_get_metric_data_call_and_judged_by_its_limits() {
    let emu = Emulator::ministack();
    let cw = client(&emu.url);
    seed_contact_center(&cw).await;
    let prod = |api| [("ApiName", api), ("Stage", "prod")];
    put(
        &cw,
        "AWS/ApiGateway",
        vec![
            // pega-crm: 12 5xx (past crit 10), p99 800 ms (fine).
            datum("5XXError", &prod("pega-crm"), &[12.0]),
            datum("Latency", &prod("pega-crm"), &[800.0; 20]),
            // pega-auth: no 5xx, p99 4 s (past crit 3 s).
            datum("5XXError", &prod("pega-auth"), &[0.0]),
            datum("Latency", &prod("pega-auth"), &[4000.0; 20]),
            // pega-docs: a 5xx figure but no latency datapoint: p99 unknown, never 0.
            datum("5XXError", &prod("pega-docs"), &[0.0]),
            // Not matched: another API name, and a pega API on another stage.
            datum("5XXError", &prod("billing"), &[50.0]),
            datum("5XXError", &[("ApiName", "pega-test"), ("Stage", "test")], &[50.0]),
        ],
    )
    .await;

    let cfg = Config::from_str(Path::new("team.toml"), PANE).expect("the pane parses");
    let mut settings = emulator_settings(&metrics_table(r#""connect-*""#));
    settings.panes = cfg.panes.clone();
    let ctx = context(&emu.url, settings).await;
    let mut metrics = ctx.metrics();
    metrics.discover().await.expect("discover");
    let stats = ctx.stats();
    let before = stats.count("GetMetricData");
    let snap = metrics.collect().await.unwrap_or_else(|e| panic!("collect: {e}\n{}", emu.log_text()));
    let calls = stats.count("GetMetricData") - before;
    let n = metrics.query_count();
    eprintln!("one refresh with a config pane: {n} queries, {calls} GetMetricData calls");
    assert!(snap.gaps.is_empty(), "{:?}", snap.gaps);
    // Built-in figures (2 functions, stream, table, flows, ports) and 3 rows × 2 columns.
    assert_eq!(n, 6 + 2 + 2 * 5 + 6 + 6 + 2 + 3 * 2);
    assert_eq!(calls, 1, "every pane, built-in and configured, in one GetMetricData call");

    let pane = snap.panes.iter().find(|p| p.id == "crm-api").expect("the pane's figures");
    let names: Vec<&str> = pane.rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        ["pega-auth", "pega-crm", "pega-docs"],
        "the glob resolved with ListMetrics, Stage=prod only"
    );
    assert_eq!(pane.rows[1].values, [Some(12.0), Some(800.0)]);
    assert_eq!(pane.rows[0].values, [Some(0.0), Some(4000.0)]);
    assert_eq!(pane.rows[2].values, [Some(0.0), None]);
    // The built-in figures came in the same snapshot.
    assert_eq!(snap.lambda[0].errors, 12);

    let a = assess(&snap, &Thresholds::default());
    let row = |name: &str| a.row(Section::Panes, &format!("crm-api/{name}"));
    assert_eq!(row("pega-crm").level, Level::Crit);
    assert_eq!(row("pega-crm").reason.as_deref(), Some("5xx 12 > 10"));
    assert_eq!(row("pega-auth").level, Level::Crit);
    assert_eq!(row("pega-auth").reason.as_deref(), Some("p99 4s > 3s"));
    assert_eq!(row("pega-docs").level, Level::Unknown);

    let json: serde_json::Value =
        serde_json::from_str(&Report::new(&snap, &a, &[]).to_json()).expect("snapshot JSON");
    let rows = &json["panes"]["crm-api"]["rows"];
    assert_eq!(rows[1]["name"], "pega-crm");
    assert_eq!(rows[1]["5xx"], 12.0);
    assert_eq!(rows[1]["health"], "crit");
    assert_eq!(rows[1]["reason"], "5xx 12 > 10");
    assert!(rows[2]["p99"].is_null(), "no datapoint is null, not 0: {}", rows[2]);
}

/// Shipped presets enabled by name, live against ministack: the real namespaces, metric and
/// dimension names they ask for come back in their rows (globs resolved with ListMetrics),
/// judged by the presets' limits, in the same single GetMetricData call as the built-in panes.
#[tokio::test(flavor = "multi_thread")]
async fn presets_read_their_metrics_in_the_same_call_and_judge_them() {
    let emu = Emulator::ministack();
    let cw = client(&emu.url);
    seed_contact_center(&cw).await;
    let link = |id| [("ConnectionId", id)];
    put(
        &cw,
        "AWS/DX",
        vec![
            // nt-a's link down, after CRC errors; nt-b's up and clean.
            datum("ConnectionState", &link("dxcon-fh6ayh1d"), &[0.0]),
            datum("ConnectionBpsIngress", &link("dxcon-fh6ayh1d"), &[0.0]),
            datum("ConnectionBpsEgress", &link("dxcon-fh6ayh1d"), &[0.0]),
            datum("ConnectionCRCErrorCount", &link("dxcon-fh6ayh1d"), &[640.0]),
            datum("ConnectionState", &link("dxcon-fgq9x2kt"), &[1.0]),
            datum("ConnectionBpsIngress", &link("dxcon-fgq9x2kt"), &[150e6]),
            datum("ConnectionBpsEgress", &link("dxcon-fgq9x2kt"), &[87e6]),
        ],
    )
    .await;
    let db = [("DBInstanceIdentifier", "nextalk-config-db")];
    put(
        &cw,
        "AWS/RDS",
        vec![
            datum("CPUUtilization", &db, &[46.0]),
            datum("FreeStorageSpace", &db, &[1.5e9]),
            datum("DatabaseConnections", &db, &[118.0]),
            datum("ReadLatency", &db, &[0.002]),
            datum("WriteLatency", &db, &[0.006]),
        ],
    )
    .await;
    let canary = |n| [("CanaryName", n)];
    put(
        &cw,
        "CloudWatchSynthetics",
        vec![
            datum("SuccessPercent", &canary("pega-crm-health"), &[0.0]),
            datum("Duration", &canary("pega-crm-health"), &[30_000.0]),
            datum("SuccessPercent", &canary("connect-ccp-login"), &[100.0]),
            datum("Duration", &canary("connect-ccp-login"), &[2_400.0]),
        ],
    )
    .await;

    let bucket = |extra| [("BucketName", "cc-call-recordings-prod"), extra];
    put(
        &cw,
        "AWS/S3",
        vec![
            datum("5xxErrors", &bucket(("FilterId", "EntireBucket")), &[0.0]),
            datum("AllRequests", &bucket(("FilterId", "EntireBucket")), &[1200.0]),
            // A daily metric: one datapoint for the day.
            datum("BucketSizeBytes", &bucket(("StorageType", "StandardStorage")), &[4.2e12]),
        ],
    )
    .await;

    let src = "presets = [\"direct-connect\", \"rds\", \"synthetics\", \"s3\"]\n";
    let cfg = Config::from_str(Path::new("team.toml"), src).expect("presets by name");
    let mut settings = emulator_settings(&metrics_table(r#""connect-*""#));
    settings.panes = cfg.panes.clone();
    let ctx = context(&emu.url, settings).await;
    let mut metrics = ctx.metrics();
    metrics.discover().await.expect("discover");
    let stats = ctx.stats();
    let before = stats.count("GetMetricData");
    let snap = metrics.collect().await.unwrap_or_else(|e| panic!("collect: {e}\n{}", emu.log_text()));
    let calls = stats.count("GetMetricData") - before;
    let n = metrics.query_count();
    eprintln!("one refresh with four presets: {n} queries, {calls} GetMetricData calls");
    assert!(snap.gaps.is_empty(), "{:?}", snap.gaps);
    // Built-in figures, then 2 links × 5 columns, 1 database × 5, 2 canaries × 2, 1 bucket × 3.
    assert_eq!(n, 6 + 2 + 2 * 5 + 6 + 6 + 2 + 2 * 5 + 5 + 2 * 2 + 3);
    assert_eq!(calls, 2, "every minute figure in one GetMetricData call, the daily bucket size in another");
    let s3 = snap.panes.iter().find(|p| p.id == "s3").expect("the s3 pane");
    assert_eq!(s3.rows[0].name, "cc-call-recordings-prod");
    assert_eq!(s3.rows[0].values, [Some(0.0), Some(1200.0), Some(4.2e12)], "the daily size is read");
    // The daily figure is not asked for again on the next refresh (it changes once a day).
    let before = stats.count("GetMetricData");
    let again = metrics.collect().await.expect("second refresh");
    assert_eq!(stats.count("GetMetricData") - before, 1, "the minute figures only");
    assert_eq!(again.panes.iter().find(|p| p.id == "s3").unwrap().rows[0].values[2], Some(4.2e12));

    let pane = |id: &str| snap.panes.iter().find(|p| p.id == id).unwrap_or_else(|| panic!("pane {id}"));
    let dx = pane("dx");
    let names: Vec<&str> = dx.rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["dxcon-fgq9x2kt", "dxcon-fh6ayh1d"], "dxcon-* through ListMetrics");
    // ConnectionErrorCount was never published: AWS emits it only with errors, so 0.
    assert_eq!(dx.rows[1].values, [Some(0.0), Some(0.0), Some(0.0), Some(640.0), Some(0.0)]);
    assert_eq!(pane("rds").rows[0].values[1], Some(1.5e9));

    let a = assess(&snap, &Thresholds::default());
    let row = |key: &str| a.row(Section::Panes, key);
    assert_eq!(row("dx/dxcon-fh6ayh1d").level, Level::Crit);
    assert_eq!(row("dx/dxcon-fgq9x2kt").level, Level::Ok);
    assert_eq!(row("rds/nextalk-config-db").reason.as_deref(), Some("free storage 1.5GB < 2GB"));
    assert_eq!(row("canaries/pega-crm-health").level, Level::Crit);
    assert_eq!(row("canaries/connect-ccp-login").level, Level::Ok);
    let dx_state = a.findings.iter().find(|f| f.key == "panes:dx/dxcon-fh6ayh1d:state").expect("state alert");
    assert_eq!(dx_state.reason, "state 0 < 0.5");
}
