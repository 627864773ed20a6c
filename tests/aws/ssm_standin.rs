//! SSM paths no emulator produces, over awsJson1.1 against the stand-in: agent ping,
//! InvocationDoesNotExist right after SendCommand, Pending → InProgress → Failed / TimedOut,
//! a probe that never finishes, truncated output, and what SendCommand carries.

use crate::standin::{Reply, Request, StandIn};
use crate::{NT_A, NT_B, context, settings};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use switchboard::model::{PingStatus, ServiceStatus};
use switchboard::source::{CommandId, CommandStatus, Remote, RemoteAction, RemoteError, Target, Telemetry};

pub fn send_command(req: &Request) -> Reply {
    Reply::json(
        json!({"Command": {"CommandId": "cmd-1", "DocumentName": req.body["DocumentName"], "Status": "Pending"}}),
    )
}

pub fn invocation(status: &str, code: i64, stdout: &str, stderr: &str) -> Reply {
    Reply::json(json!({
        "CommandId": "cmd-1", "InstanceId": NT_A, "Status": status, "StatusDetails": status,
        "ResponseCode": code, "StandardOutputContent": stdout, "StandardErrorContent": stderr,
    }))
}

pub fn ping(_req: &Request) -> Reply {
    Reply::json(json!({"InstanceInformationList": [
        {"InstanceId": NT_A, "PingStatus": "Online", "LastPingDateTime": 1_795_827_600.0, "ComputerName": "NT-A"},
        {"InstanceId": NT_B, "PingStatus": "ConnectionLost", "LastPingDateTime": 1_795_820_000.0},
    ]}))
}

fn target(server: &str, id: &str) -> Target {
    Target { server: server.into(), instance_id: id.into() }
}

#[tokio::test(flavor = "multi_thread")]
async fn ping_status_and_last_ping_come_from_describe_instance_information() {
    let server = StandIn::start(ping).await;
    let ctx = context(&server.url, settings("")).await;
    let snap = ctx.ssm_ping().collect().await.expect("ping");
    let s = &snap.nextalk.servers;
    assert_eq!((s[0].ssm_ping, s[1].ssm_ping), (PingStatus::Online, PingStatus::ConnectionLost));
    assert_eq!(s[0].last_seen.map(|t| t.rfc3339()), Some("2026-11-28T01:00:00Z".to_string()));
    let req = &server.requests()[0];
    assert_eq!(req.operation, "DescribeInstanceInformation");
    assert_eq!(req.body["Filters"], json!([{"Key": "InstanceIds", "Values": [NT_A, NT_B]}]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_command_goes_from_not_yet_known_through_pending_and_in_progress_to_failed() {
    // GetCommandInvocation answers, in turn: does not exist, Pending, InProgress, Failed.
    let step = Arc::new(Mutex::new(0));
    let s = step.clone();
    let server = StandIn::start(move |req| match req.operation.as_str() {
        "SendCommand" => send_command(req),
        "GetCommandInvocation" => {
            let mut n = s.lock().expect("step");
            *n += 1;
            match *n {
                1 => Reply::aws_json_error(400, "InvocationDoesNotExist", "no such invocation"),
                2 => invocation("Pending", -1, "", ""),
                3 => invocation("InProgress", -1, "", ""),
                // What the restart script prints when the service manager refuses the start.
                _ => invocation(
                    "Failed",
                    1,
                    include_str!("../fixtures/ps51/restart_service/cannot_start.stdout"),
                    include_str!("../fixtures/ps51/restart_service/cannot_start.stderr"),
                ),
            }
        }
        other => Reply::aws_json_error(400, "UnknownOperation", other),
    })
    .await;
    let ctx = context(&server.url, settings("")).await;
    let remote = ctx.remote();
    let action = RemoteAction::RestartService { service: "NexTalk Chat Bridge".into() };
    let nt_a = target("nt-a", NT_A);
    let id = remote.send(&action, std::slice::from_ref(&nt_a)).await.expect("send");
    assert_eq!(id, CommandId("cmd-1".into()));

    let sent = &server.requests()[0].body;
    assert_eq!(sent["DocumentName"], "AWS-RunPowerShellScript");
    assert_eq!(sent["InstanceIds"], json!([NT_A]));
    assert_eq!(sent["Comment"], "switchboard: restart service NexTalk Chat Bridge");
    assert_eq!(sent["TimeoutSeconds"], 60);
    let preview = remote.preview(&action).expect("preview");
    assert_eq!(sent["Parameters"]["commands"], json!(preview), "exactly the rendered lines");
    assert_eq!(sent["Parameters"]["executionTimeout"], json!(["120"]));

    let first = remote.poll(&id, &nt_a).await.expect("poll after the grace retry");
    assert_eq!(first.status, CommandStatus::Pending, "InvocationDoesNotExist was retried");
    assert_eq!(remote.poll(&id, &nt_a).await.expect("poll").status, CommandStatus::InProgress);
    let done = remote.poll(&id, &nt_a).await.expect("poll");
    assert_eq!(done.status, CommandStatus::Failed);
    assert_eq!(done.response_code, Some(1));
    assert!(
        done.stderr.starts_with(
            "Restart-Service : Service 'NexTalk Chat Bridge (NexTalkChatBridge)' cannot be started"
        ),
        "{done:?}"
    );
    assert!(done.stderr.contains("\r\n    + FullyQualifiedErrorId : CouldNotStartService,"), "{done:?}");
    assert!(!done.stdout_truncated && !done.stderr_truncated);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invocation_that_never_appears_is_reported_after_the_grace_period() {
    let server = StandIn::start(|req| match req.operation.as_str() {
        "SendCommand" => send_command(req),
        _ => Reply::aws_json_error(400, "InvocationDoesNotExist", "no such invocation"),
    })
    .await;
    let ctx = context(&server.url, settings("")).await;
    let remote = ctx.remote();
    let err =
        remote.poll(&CommandId("cmd-1".into()), &target("nt-a", NT_A)).await.expect_err("never appears");
    assert!(matches!(err, RemoteError::InvocationDoesNotExist(_)), "{err:?}");
    assert!(server.count("GetCommandInvocation") >= 2, "retried within the grace period");
}

#[tokio::test(flavor = "multi_thread")]
async fn output_at_the_ssm_limits_is_flagged_truncated() {
    let server = StandIn::start(|req| match req.operation.as_str() {
        "GetCommandInvocation" => invocation("Success", 0, &"x".repeat(24_000), &"e".repeat(8_000)),
        _ => send_command(req),
    })
    .await;
    let ctx = context(&server.url, settings("")).await;
    let inv = ctx.remote().poll(&CommandId("cmd-1".into()), &target("nt-a", NT_A)).await.expect("poll");
    assert!(inv.stdout_truncated && inv.stderr_truncated);
    assert_eq!(inv.stdout.len(), 24_000);
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_actions_and_unknown_targets_never_reach_ssm() {
    let server = StandIn::start(send_command).await;
    let ctx = context(&server.url, settings("")).await;
    let remote = ctx.remote();
    let evil = RemoteAction::RestartService { service: "Chat'; Stop-Computer -Force; '".into() };
    let err = remote.send(&evil, &[target("nt-a", NT_A)]).await.expect_err("refused");
    assert!(matches!(err, RemoteError::Refused(_)), "{err:?}");
    let ok = RemoteAction::QueryServices { services: vec!["W3SVC".into()] };
    let err = remote.send(&ok, &[target("rogue", "i-0123456789abcdef0")]).await.expect_err("unknown");
    assert_eq!(err, RemoteError::UnknownServer("rogue".into()));
    assert_eq!(server.count("SendCommand"), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_service_probe_reads_windows_output_and_reports_each_server_problem() {
    // nt-a answers with a BOM, CRLF line ends and different case; nt-b timed out.
    let server = StandIn::start(|req| match req.operation.as_str() {
        "SendCommand" => send_command(req),
        "GetCommandInvocation" if req.body["InstanceId"] == NT_A => {
            invocation("Success", 0, "\u{feff}NexTalk App API|Running\r\nnextalk chat bridge|Stopped\r\n", "")
        }
        "GetCommandInvocation" => invocation("TimedOut", -1, "", ""),
        other => Reply::aws_json_error(400, "UnknownOperation", other),
    })
    .await;
    let ctx = context(&server.url, settings("")).await;
    let snap = ctx.service_probe().collect().await.expect("probe");
    let a = &snap.nextalk.servers[0];
    assert_eq!(a.service("NexTalk App API").map(|s| s.status), Some(ServiceStatus::Running));
    assert_eq!(a.service("NexTalk Chat Bridge").map(|s| s.status), Some(ServiceStatus::Stopped));
    let b = &snap.nextalk.servers[1];
    assert!(b.services.iter().all(|s| s.status == ServiceStatus::Unknown));
    assert_eq!(snap.gaps.len(), 1, "{:?}", snap.gaps);
    assert!(snap.gaps[0].error.starts_with("nt-b: service probe TimedOut"), "{:?}", snap.gaps);

    let sent: &Value = &server.requests()[0].body;
    assert_eq!(sent["InstanceIds"], json!([NT_A, NT_B]), "one command for all servers");
    let script = sent["Parameters"]["commands"].to_string();
    assert!(script.contains("'NexTalk App API', 'NexTalk Chat Bridge'"), "{script}");
    assert!(!script.contains("Restart-Service"), "the probe is read-only");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_probe_stuck_in_progress_gives_up_at_its_timeout_and_cancels() {
    let server = StandIn::start(|req| match req.operation.as_str() {
        "SendCommand" => send_command(req),
        "CancelCommand" => Reply::json(json!({})),
        _ => invocation("InProgress", -1, "", ""),
    })
    .await;
    let extra = "[ssm]\npoll_interval_ms = 100\ninvocation_grace_ms = 300\nprobe_timeout_s = 1\n";
    let ctx = context(&server.url, settings(extra)).await;
    let started = std::time::Instant::now();
    let snap = ctx.service_probe().collect().await.expect("probe");
    assert!(started.elapsed() < std::time::Duration::from_secs(3), "bounded by probe_timeout_s");
    assert_eq!(snap.gaps.len(), 2);
    assert!(
        snap.gaps.iter().all(|g| g.error.contains("still InProgress at the probe timeout")),
        "{:?}",
        snap.gaps
    );
    assert_eq!(server.count("CancelCommand"), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_sends_cancel_command_for_the_command_id() {
    let server = StandIn::start(|req| match req.operation.as_str() {
        "CancelCommand" => Reply::json(json!({})),
        _ => send_command(req),
    })
    .await;
    let ctx = context(&server.url, settings("")).await;
    ctx.remote().cancel(&CommandId("cmd-9".into())).await.expect("cancel");
    let req = server.requests().pop().expect("a request");
    assert_eq!((req.operation.as_str(), &req.body["CommandId"]), ("CancelCommand", &json!("cmd-9")));
}
