//! SSM Run Command against moto: the happy path of SendCommand and GetCommandInvocation
//! through the real SDK (moto ends every command in Success, with no output).

use crate::emulator::Emulator;
use crate::{NT_A, context, emulator_settings};
use switchboard::model::ServiceStatus;
use switchboard::source::{CommandStatus, Remote, RemoteAction, SourceError, Target, Telemetry};

#[tokio::test(flavor = "multi_thread")]
async fn send_and_poll_round_trip_on_moto() {
    let emu = Emulator::moto();
    let ctx = context(&emu.url, emulator_settings("")).await;
    let remote = ctx.remote();
    let target = Target { server: "nt-a".into(), instance_id: NT_A.into() };
    let action = RemoteAction::RestartService { service: "NexTalk Chat Bridge".into() };
    let id = remote
        .send(&action, std::slice::from_ref(&target))
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", emu.log_text()));
    assert!(!id.0.is_empty());
    let inv = remote.poll(&id, &target).await.unwrap_or_else(|e| panic!("{e}\n{}", emu.log_text()));
    assert_eq!(inv.status, CommandStatus::Success);
    assert_eq!(inv.server, "nt-a");
    assert_eq!(inv.command_id, id);
    // CancelCommand is not implemented in moto (HTTP 500); the stand-in tests cover it.
    assert_eq!(ctx.stats().count("SendCommand"), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_probe_on_moto_completes_and_says_what_it_could_not_read() {
    let emu = Emulator::moto();
    let ctx = context(&emu.url, emulator_settings("")).await;
    let snap = ctx.service_probe().collect().await.unwrap_or_else(|e| panic!("{e}\n{}", emu.log_text()));
    // moto runs nothing: Success with empty output, so every service is Unknown, and said so.
    for srv in &snap.nextalk.servers {
        assert_eq!(srv.services.len(), 2);
        assert!(srv.services.iter().all(|s| s.status == ServiceStatus::Unknown));
    }
    assert_eq!(snap.gaps.len(), 2);
    assert!(snap.gaps[0].error.contains("said nothing about NexTalk App API"), "{:?}", snap.gaps);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unimplemented_call_fails_naming_the_operation() {
    let emu = Emulator::moto();
    let ctx = context(&emu.url, emulator_settings("")).await;
    // moto has no DescribeInstanceInformation: the error must say which call failed where.
    let err = ctx.ssm_ping().collect().await.expect_err("not implemented in moto");
    match &err {
        SourceError::Failed { operation, resource, .. } => {
            assert_eq!(operation, "DescribeInstanceInformation");
            assert!(resource.contains(NT_A), "{resource}");
        }
        other => panic!("unexpected {other:?}"),
    }
}
