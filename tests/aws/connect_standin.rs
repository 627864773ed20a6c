//! Amazon Connect over REST-JSON against the stand-in: ListQueues paging, GetCurrentMetricData
//! chunked by 100 queues and paged by NextToken, pacing under the shared quota, backoff on
//! throttling, access denied naming the IAM action.

use crate::standin::{Quota, Reply, Request, StandIn};
use crate::{INSTANCE, connect_table, context, settings};
use serde_json::{Value, json};
use std::time::Duration;
use switchboard::source::{SourceError, Telemetry};

pub fn queue_id(i: usize) -> String {
    format!("q-{i:04}")
}

/// ListQueues over `total` queues in pages of `page` (whatever MaxResults says).
pub fn list_queues(req: &Request, total: usize, page: usize) -> Reply {
    let start: usize = req.query.get("nextToken").and_then(|t| t.parse().ok()).unwrap_or(0);
    let end = (start + page).min(total);
    let list: Vec<Value> = (start..end)
        .map(|i| json!({"Id": queue_id(i), "Arn": format!("arn:q/{i}"), "Name": format!("Queue {i:04}"), "QueueType": "STANDARD"}))
        .collect();
    let mut body = json!({ "QueueSummaryList": list });
    if end < total {
        body["NextToken"] = json!(end.to_string());
    }
    Reply::json(body)
}

/// GetCurrentMetricData answering for the queues in the filter, `page` results at a time:
/// queue i has i % 7 contacts waiting, the oldest for 10·i seconds, and i % 5 agents online.
pub fn current_metrics(req: &Request, page: usize) -> Reply {
    let queues: Vec<String> = req.body["Filters"]["Queues"]
        .as_array()
        .map(|a| a.iter().filter_map(|q| q.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let start: usize = req.body["NextToken"].as_str().and_then(|t| t.parse().ok()).unwrap_or(0);
    let end = (start + page).min(queues.len());
    let results: Vec<Value> = queues[start..end]
        .iter()
        .map(|id| {
            let i: usize = id.trim_start_matches("q-").parse().unwrap_or(0);
            let waiting = i % 7;
            json!({
                "Dimensions": {"Queue": {"Id": id, "Arn": format!("arn:q/{i}")}},
                "Collections": [
                    {"Metric": {"Name": "CONTACTS_IN_QUEUE", "Unit": "COUNT"}, "Value": waiting as f64},
                    {"Metric": {"Name": "OLDEST_CONTACT_AGE", "Unit": "SECONDS"},
                     "Value": if waiting > 0 { json!((i * 10) as f64) } else { Value::Null }},
                    {"Metric": {"Name": "AGENTS_ONLINE", "Unit": "COUNT"}, "Value": (i % 5) as f64},
                    {"Metric": {"Name": "AGENTS_AVAILABLE", "Unit": "COUNT"}, "Value": Value::Null},
                ]
            })
        })
        .collect();
    let mut body = json!({ "MetricResults": results, "DataSnapshotTime": 1.7e9 });
    if end < queues.len() {
        body["NextToken"] = json!(end.to_string());
    }
    Reply::json(body)
}

/// Queue i's service level at a threshold of `t` seconds, as the stand-in reports it: a longer
/// threshold answers more, so a figure read at the wrong threshold shows.
pub fn service_level(i: usize, t: f64) -> f64 {
    100.0 - 400.0 / t - (i % 10) as f64 * 2.0
}

/// Queues the stand-in has no service data for: i % 11 == 0 has no result at all, i % 11 == 5
/// a result whose values are all missing (GetMetricDataV2's "no data").
pub fn no_service_data(i: usize) -> bool {
    i.is_multiple_of(11) || i % 11 == 5
}

/// GetMetricDataV2 (`POST /metrics/data`) for the queues in the QUEUE filter, `page` results a
/// page, in its real shape: `MetricResults[]` of `Dimensions` {"QUEUE": id}, `MetricInterval`
/// and `Collections` [{`Metric` as asked (with its `Threshold`), `Value`}], `NextToken`.
/// The request is checked against the API's rules first (instance ARN, a QUEUE filter of at
/// most 100 values, groupings, ≤ 20 SERVICE_LEVEL with an LT threshold of 1-604800 s,
/// MaxResults ≤ 100, a window that ends by now); a request that breaks one is refused as
/// Connect refuses it (400 InvalidRequestException). Queue i abandons (i % 13)·1.5 % and
/// answers in (i % 9)·7 s on average.
pub fn metric_data_v2(req: &Request, page: usize) -> Reply {
    let b = &req.body;
    let invalid = |why: &str| Reply::rest_error(400, "InvalidRequestException", why);
    if req.method != "POST" {
        return invalid("POST only");
    }
    let arn = b["ResourceArn"].as_str().unwrap_or_default();
    if !(arn.starts_with("arn:aws:connect:") && arn.contains(":instance/")) {
        return invalid("ResourceArn must be an instance ARN");
    }
    let filters = b["Filters"].as_array().cloned().unwrap_or_default();
    let values = |key: &str| -> Vec<String> {
        filters
            .iter()
            .filter(|f| f["FilterKey"] == key)
            .flat_map(|f| f["FilterValues"].as_array().cloned().unwrap_or_default())
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    };
    let queues = values("QUEUE");
    if queues.is_empty() || queues.len() > 100 {
        return invalid("a QUEUE filter of 1 to 100 values is required");
    }
    if values("CHANNEL").iter().any(|c| !["VOICE", "CHAT", "TASK", "EMAIL"].contains(&c.as_str())) {
        return invalid("bad CHANNEL filter value");
    }
    if b["Groupings"] != json!(["QUEUE"]) {
        return invalid("this stand-in serves Groupings [\"QUEUE\"]");
    }
    let (start, end) = (b["StartTime"].as_f64().unwrap_or(0.0), b["EndTime"].as_f64().unwrap_or(0.0));
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64());
    if !(start < end && end <= now + 1.0) {
        return invalid("StartTime must be before EndTime, and EndTime not in the future");
    }
    if b["MaxResults"].as_u64().is_some_and(|m| m > 100) {
        return invalid("MaxResults must be at most 100");
    }
    let metrics = b["Metrics"].as_array().cloned().unwrap_or_default();
    let levels: Vec<&Value> = metrics.iter().filter(|m| m["Name"] == "SERVICE_LEVEL").collect();
    if levels.len() > 20 {
        return invalid("at most 20 SERVICE_LEVEL metrics");
    }
    for m in &levels {
        let t = &m["Threshold"][0];
        let v = t["ThresholdValue"].as_f64().unwrap_or(0.0);
        if !(t["Comparison"] == "LT" || t["Comparison"] == "LTE")
            || !(1.0..=604_800.0).contains(&v)
            || v.fract() != 0.0
        {
            return invalid("SERVICE_LEVEL needs a threshold LT/LTE 1-604800 whole seconds");
        }
    }
    let start_at: usize = b["NextToken"].as_str().and_then(|t| t.parse().ok()).unwrap_or(0);
    let stop = (start_at + page).min(queues.len());
    let results: Vec<Value> = queues[start_at..stop]
        .iter()
        .filter_map(|id| {
            let i: usize = id.trim_start_matches("q-").parse().unwrap_or(0);
            if i.is_multiple_of(11) {
                return None;
            }
            let empty = no_service_data(i);
            let collections: Vec<Value> = metrics
                .iter()
                .map(|m| {
                    let value = match m["Name"].as_str().unwrap_or_default() {
                        "SERVICE_LEVEL" => {
                            service_level(i, m["Threshold"][0]["ThresholdValue"].as_f64().unwrap_or(1.0))
                        }
                        "ABANDONMENT_RATE" => (i % 13) as f64 * 1.5,
                        "AVG_QUEUE_ANSWER_TIME" => (i % 9) as f64 * 7.0,
                        _ => 0.0,
                    };
                    let mut c = json!({ "Metric": m.clone() });
                    if !empty {
                        c["Value"] = json!(value);
                    }
                    c
                })
                .collect();
            Some(json!({
                "Dimensions": {"QUEUE": id},
                "MetricInterval": {"Interval": "TOTAL", "StartTime": start, "EndTime": end},
                "Collections": collections,
            }))
        })
        .collect();
    let mut body = json!({ "MetricResults": results });
    if stop < queues.len() {
        body["NextToken"] = json!(stop.to_string());
    }
    Reply::json(body)
}

#[tokio::test(flavor = "multi_thread")]
async fn service_figures_come_from_get_metric_data_v2_batched_paged_at_each_queues_threshold() {
    let server = StandIn::start(|req| match req.operation.as_str() {
        "ListQueues" => list_queues(req, 250, 1000),
        "GetCurrentMetricData" => current_metrics(req, 100),
        // 40 a page: a 100-queue batch takes three pages.
        "GetMetricDataV2" => metric_data_v2(req, 40),
        other => Reply::rest_error(400, "UnknownOperation", other),
    })
    .await;
    let table = format!(
        "{}service_level_s_by_queue = {{ \"Queue 0003\" = 60, \"Queue 0007\" = 45 }}\n",
        connect_table(100.0, 100)
    );
    let ctx = context(&server.url, settings(&table)).await;
    let mut queues = ctx.queues().expect("queues");
    let snap = queues.collect().await.unwrap_or_else(|e| panic!("collect: {e}"));
    assert!(snap.gaps.is_empty(), "{:?}", snap.gaps);
    let rows = &snap.connect.queues;
    assert_eq!(rows.len(), 250);
    let q = |i: usize| rows.iter().find(|q| q.id == queue_id(i)).expect("queue");
    for i in [1, 3, 7, 13, 249] {
        let t = match i {
            3 => 60,
            7 => 45,
            _ => 20,
        };
        let r = q(i);
        assert_eq!(r.service_level_threshold_s, Some(t), "queue {i}");
        assert_eq!(
            r.service_level_pct,
            Some(service_level(i, f64::from(t))),
            "queue {i} at its own threshold"
        );
        assert_eq!(r.abandonment_rate_pct, Some((i % 13) as f64 * 1.5), "queue {i}");
        assert_eq!(r.avg_answer_time_s, Some((i % 9) as f64 * 7.0), "queue {i}");
        // The live figures are still there beside them.
        assert_eq!(r.contacts_in_queue, (i % 7) as u32, "queue {i}");
    }
    // No data is unknown, never 0: with no result (0, 11, …) and with results lacking values (5, 16, …).
    for i in [0, 5, 11, 16, 242] {
        assert!(no_service_data(i));
        let r = q(i);
        assert_eq!(
            (r.service_level_pct, r.abandonment_rate_pct, r.avg_answer_time_s),
            (None, None, None),
            "queue {i}"
        );
        assert_eq!(r.service_level_threshold_s, Some(20), "the threshold is known all the same");
    }

    // 250 queues: 248 at 20 s, one at 45, one at 60 → batches of 100, 100, 50 (the last with all
    // three thresholds); 40 a page → 3 + 3 + 2 requests.
    let v2: Vec<Request> =
        server.requests().into_iter().filter(|r| r.operation == "GetMetricDataV2").collect();
    assert_eq!(v2.len(), 8);
    assert_eq!(ctx.stats().count("GetMetricDataV2"), 8);
    let arn = format!("arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE}");
    let mut asked: Vec<String> = Vec::new();
    for r in &v2 {
        assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/metrics/data"));
        assert_eq!(r.body["ResourceArn"], json!(arn));
        assert_eq!(r.body["Groupings"], json!(["QUEUE"]));
        assert_eq!(r.body["MaxResults"], json!(100));
        let window = r.body["EndTime"].as_f64().unwrap() - r.body["StartTime"].as_f64().unwrap();
        assert_eq!(window, 900.0, "the 15-minute window");
        let filters = r.body["Filters"].as_array().unwrap();
        let ids =
            filters.iter().find(|f| f["FilterKey"] == "QUEUE").unwrap()["FilterValues"].as_array().unwrap();
        assert!(ids.len() <= 100);
        let channels = filters.iter().find(|f| f["FilterKey"] == "CHANNEL").unwrap();
        assert_eq!(channels["FilterValues"], json!(["VOICE", "CHAT"]), "the live figures' channels");
        let names: Vec<&str> =
            r.body["Metrics"].as_array().unwrap().iter().filter_map(|m| m["Name"].as_str()).collect();
        assert!(names.contains(&"ABANDONMENT_RATE") && names.contains(&"AVG_QUEUE_ANSWER_TIME"), "{names:?}");
        if r.body["NextToken"].is_null() {
            asked.extend(ids.iter().filter_map(|v| v.as_str().map(str::to_string)));
        }
    }
    asked.sort();
    asked.dedup();
    assert_eq!(asked.len(), 250, "every queue asked for once");
    let last_batch = v2.iter().find(|r| {
        r.body["Metrics"].as_array().unwrap().iter().filter(|m| m["Name"] == "SERVICE_LEVEL").count() == 3
    });
    let sl = &last_batch.expect("the batch with the three thresholds").body["Metrics"][0];
    assert_eq!(sl["Threshold"], json!([{"Comparison": "LT", "ThresholdValue": 20.0}]));

    // Within [aws.refresh] service_s (60 s) the next refresh asks only for the live figures
    // and keeps the service figures it has.
    server.clear();
    let again = queues.collect().await.expect("second refresh");
    assert_eq!((server.count("GetMetricDataV2"), server.count("GetCurrentMetricData")), (0, 3));
    assert_eq!(again.connect.queues, snap.connect.queues);
}

#[tokio::test(flavor = "multi_thread")]
async fn denied_service_figures_stay_unknown_and_say_which_iam_action_while_the_live_ones_stand() {
    let server = StandIn::start(|req| match req.operation.as_str() {
        "ListQueues" => list_queues(req, 3, 1000),
        "GetCurrentMetricData" => current_metrics(req, 100),
        "GetMetricDataV2" => Reply::rest_error(403, "AccessDeniedException", "not authorized"),
        other => Reply::rest_error(400, "UnknownOperation", other),
    })
    .await;
    let ctx = context(&server.url, settings(&connect_table(100.0, 100))).await;
    let snap = ctx.queues().expect("queues").collect().await.expect("the live figures");
    assert_eq!(snap.connect.queues.len(), 3);
    assert_eq!(snap.connect.queues[1].contacts_in_queue, 1);
    for q in &snap.connect.queues {
        assert_eq!((q.service_level_pct, q.abandonment_rate_pct, q.avg_answer_time_s), (None, None, None));
    }
    assert_eq!(snap.gaps.len(), 1, "{:?}", snap.gaps);
    let e = &snap.gaps[0].error;
    assert!(
        e.contains("GetMetricDataV2") && e.contains("connect:GetMetricDataV2") && e.contains("unknown"),
        "{e}"
    );
    assert_eq!(server.count("GetMetricDataV2"), 1, "a permission error is not retried");
}

#[tokio::test(flavor = "multi_thread")]
async fn queues_are_listed_paged_chunked_by_100_and_paced() {
    let server = StandIn::start(|req| match req.operation.as_str() {
        "ListQueues" => list_queues(req, 250, 120),
        // 60 per page: a 100-queue chunk takes two pages.
        "GetCurrentMetricData" => current_metrics(req, 60),
        "GetMetricDataV2" => metric_data_v2(req, 100),
        other => Reply::rest_error(400, "UnknownOperation", other),
    })
    .await;
    let ctx = context(&server.url, settings(&connect_table(25.0, 1))).await;
    let mut queues = ctx.queues().expect("[connect] is configured");
    let started = std::time::Instant::now();
    let snap = queues.collect().await.unwrap_or_else(|e| panic!("collect: {e}"));
    let took = started.elapsed();

    let rows = &snap.connect.queues;
    assert_eq!(rows.len(), 250);
    let q = rows.iter().find(|q| q.id == queue_id(13)).expect("queue 13");
    assert_eq!(q.name, "Queue 0013");
    assert_eq!((q.contacts_in_queue, q.agents_online, q.agents_available), (6, 3, 0));
    assert_eq!(q.oldest_contact_age_s, Some(130.0), "seconds, as grouped by QUEUE");
    let empty = rows.iter().find(|q| q.id == queue_id(14)).expect("queue 14");
    assert_eq!(empty.oldest_contact_age_s, None, "nobody waiting: no age");

    // ListQueues: 250 in pages of 120 = 3 requests. GetCurrentMetricData: ceil(250/100) = 3
    // chunks (100, 100, 50); the 100s take 2 pages of 60, the 50 one: 5 requests.
    assert_eq!(server.count("ListQueues"), 3);
    assert_eq!(server.count("GetCurrentMetricData"), 5);
    assert_eq!(ctx.stats().count("GetCurrentMetricData"), 5);
    let reqs = server.requests();
    for r in reqs.iter().filter(|r| r.operation == "ListQueues") {
        assert_eq!(
            (r.method.as_str(), r.query.get("queueTypes").map(String::as_str)),
            ("GET", Some("STANDARD"))
        );
    }
    for r in reqs.iter().filter(|r| r.operation == "GetCurrentMetricData") {
        assert_eq!(r.method, "POST");
        assert_eq!(r.body["Groupings"], json!(["QUEUE"]));
        assert!(r.body["Filters"]["Queues"].as_array().is_some_and(|a| a.len() <= 100));
        assert_eq!(r.path, format!("/metrics/current/{INSTANCE}"));
    }
    // 8 requests, each waiting its turn 40 ms after the previous one started. (Measured at the
    // caller: arrival times at the server also vary with each request's own latency.)
    assert!(took >= Duration::from_millis(7 * 40), "8 paced requests took only {took:?}");

    // The list is kept: the next refresh only asks for figures.
    server.clear();
    queues.collect().await.expect("second refresh");
    assert_eq!(server.count("ListQueues"), 0);
    assert_eq!(server.count("GetCurrentMetricData"), 5);
    // …until someone asks for a reload.
    queues.reload_handle().request();
    queues.collect().await.expect("refresh after reload");
    assert_eq!(server.count("ListQueues"), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn configured_queue_names_keep_their_order_and_unknown_ones_are_reported() {
    let server = StandIn::start(|req| match req.operation.as_str() {
        "ListQueues" => list_queues(req, 20, 1000),
        "GetMetricDataV2" => metric_data_v2(req, 100),
        _ => current_metrics(req, 100),
    })
    .await;
    let table = format!("{}queues = [\"Queue 0007\", \"Queue 0002\", \"Nope\"]\n", connect_table(100.0, 100));
    let ctx = context(&server.url, settings(&table)).await;
    let snap = ctx.queues().expect("queues").collect().await.expect("collect");
    let names: Vec<_> = snap.connect.queues.iter().map(|q| q.name.as_str()).collect();
    assert_eq!(names, ["Queue 0007", "Queue 0002"]);
    assert_eq!(snap.gaps.len(), 1);
    assert!(snap.gaps[0].error.contains("Nope"), "{:?}", snap.gaps);
    let last =
        server.requests().into_iter().rfind(|r| r.operation == "GetCurrentMetricData").expect("a request");
    assert_eq!(last.body["Filters"]["Queues"], json!(["q-0007", "q-0002"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn throttling_backs_off_with_retries_then_says_throttled_and_recovers() {
    let server = StandIn::start(|req| match req.operation.as_str() {
        "ListQueues" => list_queues(req, 3, 100),
        _ => Reply::rest_error(429, "ThrottlingException", "Rate exceeded"),
    })
    .await;
    let ctx = context(&server.url, settings(&connect_table(100.0, 100))).await;
    let mut queues = ctx.queues().expect("queues");
    let err = queues.collect().await.expect_err("throttled");
    assert_eq!(err, SourceError::Throttled { operation: "GetCurrentMetricData".into() });
    assert_eq!(err.to_string(), "GetCurrentMetricData: throttled");
    assert_eq!(server.count("GetCurrentMetricData"), 3, "first try + 2 retries");

    // One throttle, then fine: the retry absorbs it.
    let mut throttled_once = false;
    server.set_handler(move |req| match req.operation.as_str() {
        "ListQueues" => list_queues(req, 3, 100),
        _ if !throttled_once => {
            throttled_once = true;
            Reply::rest_error(429, "ThrottlingException", "Rate exceeded")
        }
        _ => current_metrics(req, 100),
    });
    let snap = queues.collect().await.expect("recovered");
    assert_eq!(snap.connect.queues.len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn access_denied_names_the_missing_iam_action() {
    let server = StandIn::start(|req| match req.operation.as_str() {
        "ListQueues" => Reply::rest_error(403, "AccessDeniedException", "not authorized"),
        _ => current_metrics(req, 100),
    })
    .await;
    let ctx = context(&server.url, settings(&connect_table(100.0, 100))).await;
    let err = ctx.queues().expect("queues").collect().await.expect_err("denied");
    assert_eq!(
        err,
        SourceError::AccessDenied {
            operation: "ListQueues".into(),
            resource: format!("instance {INSTANCE}"),
            iam_action: "connect:ListQueues".into(),
        }
    );
    assert_eq!(server.count("ListQueues"), 1, "a permission error is not retried");
}

/// A stand-in whose every Connect call is gated by `quota` (shared with the test).
async fn quota_standin(quota: &std::sync::Arc<std::sync::Mutex<Quota>>, queues: usize) -> StandIn {
    let q = quota.clone();
    StandIn::start(move |req| {
        let mut quota = q.lock().expect("quota lock");
        match req.operation.as_str() {
            "ListQueues" => quota.gate(|| list_queues(req, queues, 1000)),
            "GetCurrentMetricData" => quota.gate(|| current_metrics(req, 100)),
            "GetMetricDataV2" => quota.gate(|| metric_data_v2(req, 100)),
            other => Reply::rest_error(400, "UnknownOperation", other),
        }
    })
    .await
}

fn arrival_spread(server: &StandIn, first: usize) -> Duration {
    let at: Vec<_> = server.requests().iter().take(first).map(|r| r.at).collect();
    match (at.iter().min(), at.iter().max()) {
        (Some(a), Some(b)) => b.duration_since(*a),
        _ => Duration::ZERO,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_first_refresh_spends_the_burst_and_the_rate_holds_under_the_real_quota() {
    // Connect's own quota (5/s, burst 8) at the stand-in; our bucket a little under it.
    let quota = std::sync::Arc::new(std::sync::Mutex::new(Quota::connect()));
    let server = quota_standin(&quota, 1000).await;
    let ctx = context(&server.url, settings(&connect_table(4.5, 8))).await;
    let mut queues = ctx.queues().expect("queues");

    let started = std::time::Instant::now();
    let snap = queues.collect().await.unwrap_or_else(|e| panic!("first refresh: {e}"));
    let first = started.elapsed();
    assert_eq!(snap.connect.queues.len(), 1000);
    // ListQueues + 7 of the 10 chunks leave on the burst, together (one after another at
    // 4.5/s they would spread over 1.5 s; the margin is for a machine busy with other tests).
    assert!(arrival_spread(&server, 8) < Duration::from_millis(600), "{:?}", arrival_spread(&server, 8));
    // The last 3 wait for tokens at 4.5/s, then the 10 GetMetricDataV2 batches of the service
    // figures draw from the same bucket: 13 calls at 4.5/s, about 2.9 s (not the 5 s of 250 ms
    // spacing for all 21).
    assert!(first >= Duration::from_millis(2500) && first < Duration::from_millis(4500), "{first:?}");

    // Back to back refreshes: 10 calls each (the service figures are not due again within
    // [aws.refresh] service_s), all at the bucket's rate, none throttled.
    let again = std::time::Instant::now();
    for _ in 0..3 {
        queues.collect().await.unwrap_or_else(|e| panic!("refresh: {e}"));
    }
    let took = again.elapsed();
    let q = quota.lock().expect("quota");
    assert_eq!(q.throttled, 0, "the bucket kept under the quota");
    assert_eq!(q.admitted, 1 + 10 + 10 + 30);
    // 30 calls at 4.5/s on a bucket that starts (nearly) empty: at least 6 s.
    assert!(took >= Duration::from_millis(6000), "30 calls took only {took:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bucket_faster_than_the_quota_is_throttled() {
    // The control for the test above: the stand-in's quota does bite.
    let quota = std::sync::Arc::new(std::sync::Mutex::new(Quota::connect()));
    let server = quota_standin(&quota, 1000).await;
    let table = connect_table(100.0, 100).replace("throttle_retries = 2", "throttle_retries = 0");
    let ctx = context(&server.url, settings(&table)).await;
    let err = ctx.queues().expect("queues").collect().await.expect_err("over the quota");
    assert_eq!(err, SourceError::Throttled { operation: "GetCurrentMetricData".into() });
    let throttled = quota.lock().expect("quota").throttled as u64;
    assert!(throttled > 0);
    assert!(ctx.stats().count("GetCurrentMetricData") >= 8);
    // The budget gauge counts the throttled answers this process read. The collection stops at
    // the first throttle with no retries, so an answer still in flight then is never read: the
    // gauge sees at least one and never more than the stand-in gave.
    let seen = ctx.stats().throttled("GetCurrentMetricData");
    assert!((1..=throttled).contains(&seen), "gauge {seen}, stand-in {throttled}");
    let budget = ctx.budget();
    let gcmd = budget.apis.iter().find(|a| a.operation == "GetCurrentMetricData").expect("row");
    assert_eq!((gcmd.service.as_str(), gcmd.throttled), ("connect", seen));
    assert!(gcmd.calls_per_s > 0.0);
    assert_eq!(budget.connect_pacing.as_ref().map(|p| (p.rate_per_s, p.burst)), Some((100.0, 100)));
}

#[tokio::test(flavor = "multi_thread")]
async fn every_connect_caller_of_the_process_shares_one_bucket() {
    // Two contexts of the same account, Region and endpoint (two consoles' worth of sources
    // in one process): together they stay under a quota that one alone would nearly fill.
    let quota = std::sync::Arc::new(std::sync::Mutex::new(Quota::connect()));
    let server = quota_standin(&quota, 1000).await;
    // 4/s: 42 calls leave 50 ms between arrivals to spare against the stand-in's 5/s, room
    // for a busy machine's latency jitter over the whole run.
    let a = context(&server.url, settings(&connect_table(4.0, 8))).await;
    let b = context(&server.url, settings(&connect_table(4.0, 8))).await;
    let (mut qa, mut qb) = (a.queues().expect("queues"), b.queues().expect("queues"));
    let (ra, rb) = tokio::join!(qa.collect(), qb.collect());
    ra.unwrap_or_else(|e| panic!("a: {e}"));
    rb.unwrap_or_else(|e| panic!("b: {e}"));
    let q = quota.lock().expect("quota");
    assert_eq!(
        (q.admitted, q.throttled),
        (42, 0),
        "42 calls (ListQueues, 10 live, 10 service each), one budget"
    );
}

// ---- AssociateRoutingProfileQueues / DisassociateRoutingProfileQueues (the runbooks'
// share_queue / unshare_queue): moto has no Connect, so the stand-in speaks their REST-JSON
// (POST /routing-profiles/{InstanceId}/{RoutingProfileId}/associate-queues, an empty 200) and
// the test reads what it received.

const ROUTING_PROFILE: &str = "bbbbbbbb-0000-0000-0000-000000000001";
const TTY_QUEUE: &str = "aaaaaaaa-0000-0000-0000-000000000003";

fn share() -> switchboard::model::QueueShare {
    switchboard::model::QueueShare {
        name: "tty_relay_overflow".into(),
        queue: "TTY Relay".into(),
        queue_id: TTY_QUEUE.into(),
        routing_profile: "Chat Agents".into(),
        routing_profile_id: ROUTING_PROFILE.into(),
        donor_queue: "Web Chat".into(),
        channel: "CHAT".into(),
        priority: 2,
        delay_s: 0,
        associated: None,
        profile_agents: None,
    }
}

fn share_call(associate: bool) -> switchboard::source::QueueShareCall {
    switchboard::source::QueueShareCall {
        associate,
        instance_id: INSTANCE.into(),
        routing_profile_id: ROUTING_PROFILE.into(),
        routing_profile: "Chat Agents".into(),
        queue_id: TTY_QUEUE.into(),
        queue: "TTY Relay".into(),
        channel: "CHAT".into(),
        priority: 2,
        delay_s: 0,
    }
}

async fn routing_standin() -> StandIn {
    StandIn::start(|req| match req.operation.as_str() {
        "AssociateRoutingProfileQueues" | "DisassociateRoutingProfileQueues" if req.method == "POST" => {
            Reply::json(json!({}))
        }
        other => Reply::rest_error(400, "InvalidRequestException", &format!("unexpected {other}")),
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn share_queue_sends_associate_routing_profile_queues_as_connect_reads_it_and_undoes_it() {
    use switchboard::source::{CommandStatus, Remote, RemoteAction, Target};
    let server = routing_standin().await;
    let mut s = settings(&connect_table(50.0, 10));
    s.queue_shares = vec![share()];
    let ctx = context(&server.url, s).await;
    let remote = ctx.remote();
    let target = Target::aws("routing profile Chat Agents".into());

    let id = remote
        .send(&RemoteAction::RoutingProfileQueue(share_call(true)), std::slice::from_ref(&target))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let inv = remote.poll(&id, &target).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(inv.status, CommandStatus::Success);
    assert_eq!(
        inv.stdout,
        format!(
            "AssociateRoutingProfileQueues {ROUTING_PROFILE}: queue {TTY_QUEUE} (CHAT) associated at priority 2, delay 0 s"
        )
    );
    let got = server.requests();
    let assoc: Vec<_> = got.iter().filter(|r| r.operation == "AssociateRoutingProfileQueues").collect();
    assert_eq!(assoc.len(), 1, "{got:?}");
    assert_eq!(assoc[0].path, format!("/routing-profiles/{INSTANCE}/{ROUTING_PROFILE}/associate-queues"));
    assert_eq!(
        assoc[0].body,
        json!({"QueueConfigs": [{"QueueReference": {"QueueId": TTY_QUEUE, "Channel": "CHAT"}, "Priority": 2, "Delay": 0}]})
    );

    remote
        .send(&RemoteAction::RoutingProfileQueue(share_call(false)), std::slice::from_ref(&target))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let got = server.requests();
    let dis: Vec<_> = got.iter().filter(|r| r.operation == "DisassociateRoutingProfileQueues").collect();
    assert_eq!(dis.len(), 1, "{got:?}");
    assert_eq!(dis[0].path, format!("/routing-profiles/{INSTANCE}/{ROUTING_PROFILE}/disassociate-queues"));
    assert_eq!(dis[0].body, json!({"QueueReferences": [{"QueueId": TTY_QUEUE, "Channel": "CHAT"}]}));

    // Ids that are not a configured share, or another instance: refused before any request.
    let mut other = share_call(true);
    other.queue_id = "cccccccc-0000-0000-0000-000000000009".into();
    let err = remote.send(&RemoteAction::RoutingProfileQueue(other), std::slice::from_ref(&target)).await;
    assert!(
        err.as_ref().is_err_and(|e| e.to_string().contains("not a configured [[queue_shares]]")),
        "{err:?}"
    );
    let mut other = share_call(true);
    other.instance_id = "99999999-0000-0000-0000-000000000000".into();
    let err = remote.send(&RemoteAction::RoutingProfileQueue(other), std::slice::from_ref(&target)).await;
    assert!(
        err.as_ref().is_err_and(|e| e.to_string().contains("configured [aws.connect] instance_id")),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), 2, "the refusals sent nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn share_queue_is_refused_in_read_only_and_connect_hears_nothing() {
    use std::sync::Arc;
    use switchboard::app::{JobId, Msg, RemoteJob};
    use switchboard::audit::{AuditLog, Session};
    use switchboard::console::exec::{ExecOptions, Executor};
    use switchboard::source::{RemoteAction, Target};
    let server = routing_standin().await;
    let mut s = settings(&connect_table(50.0, 10));
    s.queue_shares = vec![share()];
    let ctx = context(&server.url, s).await;
    let remote = Arc::new(ctx.remote());
    let dir = tempfile::tempdir().unwrap();
    let audit_path = dir.path().join("audit.jsonl");
    let log = AuditLog::open(&audit_path, Session::new("aws:test", None)).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Msg>(16);
    let exec = Executor::new(remote, Some(log), tx, ExecOptions::default());
    let job = RemoteJob {
        id: JobId(1),
        action: RemoteAction::RoutingProfileQueue(share_call(true)),
        targets: vec![Target::aws("routing profile Chat Agents".into())],
        runbook: None,
    };
    exec.run(job, true).await.unwrap();
    let mut ended = None;
    while let Ok(Some(msg)) = tokio::time::timeout(Duration::from_secs(2), rx.recv()).await {
        if let Msg::RemoteEnded { result, .. } = msg {
            ended = Some(result);
        }
    }
    assert!(ended.is_some_and(|r| r.is_err()), "refused, not run");
    let records = switchboard::audit::read(&audit_path, None).unwrap().records;
    assert!(
        records.iter().any(|r| r.status == "refused" && r.action.kind == "associate_routing_profile_queues"),
        "{records:?}"
    );
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}
