//! The AWS actions behind the runbooks, over the wire on moto through the real SDK clients:
//! the emergency flags (GetParameters, PutParameter), DynamoDB UpdateTable and Kinesis
//! UpdateShardCount (with read-only refusal: nothing reaches the API).

use crate::emulator::Emulator;
use crate::{context, emulator_settings};
use switchboard::model::{Flag, FlagValue};
use switchboard::source::{CommandStatus, Remote, RemoteAction, TableCapacity, Target, Telemetry};

const PARAM: &str = "/contact-center/flags/crm-bypass";

fn flag() -> Flag {
    Flag {
        name: "crm_bypass".into(),
        parameter: PARAM.into(),
        values: vec![
            FlagValue { value: "off".into(), meaning: "look callers up".into() },
            FlagValue { value: "on".into(), meaning: "skip the CRM lookup".into() },
        ],
        current: None,
        error: None,
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flag_is_read_and_written_in_parameter_store() {
    let emu = Emulator::moto();
    let mut settings = emulator_settings("");
    settings.flags = vec![flag()];
    let ctx = context(&emu.url, settings).await;

    // Not there yet: unknown, with the reason, never "off".
    let snap = ctx.flags_reader().collect().await.unwrap_or_else(|e| panic!("{e}\n{}", emu.log_text()));
    assert_eq!(snap.flags.len(), 1);
    assert_eq!(snap.flags[0].current, None);
    assert!(
        snap.flags[0].error.as_deref().is_some_and(|e| e.contains("ParameterNotFound")),
        "{:?}",
        snap.flags
    );

    let remote = ctx.remote();
    let target = Target::aws(PARAM.into());
    for (value, version) in [("on", 1), ("off", 2)] {
        let action = RemoteAction::SetParameter { parameter: PARAM.into(), value: value.into() };
        let id = remote
            .send(&action, std::slice::from_ref(&target))
            .await
            .unwrap_or_else(|e| panic!("{e}\n{}", emu.log_text()));
        let inv = remote.poll(&id, &target).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(inv.status, CommandStatus::Success);
        assert_eq!(inv.stdout, format!("PutParameter {PARAM}: Version {version}"));
        let snap = ctx.flags_reader().collect().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(snap.flags[0].current.as_deref(), Some(value));
        assert_eq!(snap.flags[0].error, None);
    }
    assert_eq!(ctx.stats().count("PutParameter"), 2);

    // Only configured parameters, only their values: refused before any call is made.
    for action in [
        RemoteAction::SetParameter { parameter: "/elsewhere".into(), value: "on".into() },
        RemoteAction::SetParameter { parameter: PARAM.into(), value: "maybe".into() },
    ] {
        let err = remote.send(&action, std::slice::from_ref(&target)).await.expect_err("refused");
        assert!(err.to_string().starts_with("refused:"), "{err}");
    }
    // And never on a server.
    let server = Target { server: "nt-a".into(), instance_id: crate::NT_A.into() };
    let action = RemoteAction::SetParameter { parameter: PARAM.into(), value: "on".into() };
    assert!(remote.send(&action, std::slice::from_ref(&server)).await.is_err());
    assert_eq!(ctx.stats().count("PutParameter"), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn update_table_switches_to_on_demand_and_back_to_provisioned() {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ProvisionedThroughput,
        ScalarAttributeType,
    };
    let emu = Emulator::moto();
    let ctx = context(&emu.url, emulator_settings("")).await;
    let conf = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
        .endpoint_url(&emu.url)
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "AKIDTEST", "test", None, None, "test",
        ))
        .build();
    let ddb = aws_sdk_dynamodb::Client::from_conf(conf);
    ddb.create_table()
        .table_name("CallRecords")
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(KeySchemaElement::builder().attribute_name("pk").key_type(KeyType::Hash).build().unwrap())
        .billing_mode(BillingMode::Provisioned)
        .provisioned_throughput(
            ProvisionedThroughput::builder().read_capacity_units(5).write_capacity_units(7).build().unwrap(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateTable: {e:?}\n{}", emu.log_text()));

    let remote = ctx.remote();
    let target = Target::aws("table CallRecords".into());
    let describe = || async {
        let t = ddb.describe_table().table_name("CallRecords").send().await.expect("DescribeTable");
        let t = t.table().expect("table").clone();
        let mode = t.billing_mode_summary().and_then(|b| b.billing_mode()).cloned();
        let pt = t.provisioned_throughput().cloned();
        (
            mode,
            pt.as_ref().and_then(|p| p.read_capacity_units()),
            pt.as_ref().and_then(|p| p.write_capacity_units()),
        )
    };

    let action = RemoteAction::UpdateTable { table: "CallRecords".into(), capacity: TableCapacity::OnDemand };
    let id = remote.send(&action, std::slice::from_ref(&target)).await.unwrap_or_else(|e| panic!("{e}"));
    let inv = remote.poll(&id, &target).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(inv.status, CommandStatus::Success);
    assert!(inv.stdout.starts_with("UpdateTable CallRecords: TableStatus"), "{}", inv.stdout);
    assert_eq!(describe().await.0, Some(BillingMode::PayPerRequest));

    let action = RemoteAction::UpdateTable {
        table: "CallRecords".into(),
        capacity: TableCapacity::Provisioned { read: 10, write: 40 },
    };
    let id = remote.send(&action, std::slice::from_ref(&target)).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        remote.poll(&id, &target).await.unwrap_or_else(|e| panic!("{e}")).status,
        CommandStatus::Success
    );
    assert_eq!(describe().await, (Some(BillingMode::Provisioned), Some(10), Some(40)));

    // A table that is not there: the send fails naming the operation and the table.
    let action = RemoteAction::UpdateTable { table: "Nope".into(), capacity: TableCapacity::OnDemand };
    let err = remote.send(&action, std::slice::from_ref(&target)).await.expect_err("no such table");
    assert!(err.to_string().contains("UpdateTable") && err.to_string().contains("Nope"), "{err}");
    assert_eq!(ctx.stats().count("UpdateTable"), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn update_shard_count_doubles_the_open_shards_and_read_only_sends_nothing() {
    use std::sync::Arc;
    use switchboard::app::{JobId, Msg, RemoteJob};
    use switchboard::audit::{AuditLog, Session};
    use switchboard::console::exec::{ExecOptions, Executor};
    let emu = Emulator::moto();
    let ctx = context(&emu.url, emulator_settings("")).await;
    let conf = aws_sdk_kinesis::Config::builder()
        .behavior_version(aws_sdk_kinesis::config::BehaviorVersion::latest())
        .region(aws_sdk_kinesis::config::Region::new("us-east-1"))
        .endpoint_url(&emu.url)
        .credentials_provider(aws_sdk_kinesis::config::Credentials::new(
            "AKIDTEST", "test", None, None, "test",
        ))
        .build();
    let kinesis = aws_sdk_kinesis::Client::from_conf(conf);
    kinesis
        .create_stream()
        .stream_name("ctr-stream")
        .shard_count(2)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateStream: {e:?}\n{}", emu.log_text()));
    let open = || async {
        let s = kinesis.describe_stream_summary().stream_name("ctr-stream").send().await.expect("summary");
        s.stream_description_summary().map(|d| d.open_shard_count())
    };
    assert_eq!(open().await, Some(2));

    let remote = Arc::new(ctx.remote());
    let target = Target::aws("stream ctr-stream".into());
    // Read-only first: the executor refuses, records the refusal, and nothing reaches Kinesis.
    let dir = tempfile::tempdir().unwrap();
    let audit_path = dir.path().join("audit.jsonl");
    let log = AuditLog::open(&audit_path, Session::new("aws:test", None)).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Msg>(16);
    let exec = Executor::new(remote.clone(), Some(log), tx, ExecOptions::default());
    let double = RemoteAction::UpdateShardCount { stream: "ctr-stream".into(), target: None };
    let job =
        RemoteJob { id: JobId(1), action: double.clone(), targets: vec![target.clone()], runbook: None };
    exec.run(job, true).await.unwrap();
    let mut ended = None;
    while let Ok(Some(msg)) = tokio::time::timeout(std::time::Duration::from_secs(2), rx.recv()).await {
        if let Msg::RemoteEnded { result, .. } = msg {
            ended = Some(result);
        }
    }
    assert!(ended.is_some_and(|r| r.is_err()), "refused, not run");
    let records = switchboard::audit::read(&audit_path, None).unwrap().records;
    assert!(
        records.iter().any(|r| r.status == "refused" && r.action.kind == "update_shard_count"),
        "{records:?}"
    );
    assert_eq!(ctx.stats().count("UpdateShardCount"), 0);
    assert_eq!(ctx.stats().count("DescribeStreamSummary"), 0);
    assert_eq!(open().await, Some(2));

    // Then for real: twice the open shards, read from DescribeStreamSummary when it runs.
    let id = remote
        .send(&double, std::slice::from_ref(&target))
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", emu.log_text()));
    let inv = remote.poll(&id, &target).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(inv.status, CommandStatus::Success);
    assert_eq!(inv.stdout, "UpdateShardCount ctr-stream: CurrentShardCount 2, TargetShardCount 4");
    assert_eq!(open().await, Some(4));
    assert_eq!(ctx.stats().count("UpdateShardCount"), 1);

    // More than one call may do (4 -> 10), a stream that is not there: refused or failed,
    // naming the operation and the stream; no second change.
    let too_far = RemoteAction::UpdateShardCount { stream: "ctr-stream".into(), target: Some(10) };
    let err = remote.send(&too_far, std::slice::from_ref(&target)).await.expect_err("beyond doubling");
    assert!(err.to_string().contains("outside what one call allows from 4"), "{err}");
    let missing = RemoteAction::UpdateShardCount { stream: "nope".into(), target: None };
    let err = remote.send(&missing, std::slice::from_ref(&target)).await.expect_err("no such stream");
    assert!(err.to_string().contains("DescribeStreamSummary") && err.to_string().contains("nope"), "{err}");
    assert_eq!(ctx.stats().count("UpdateShardCount"), 1);
    assert_eq!(open().await, Some(4));
}
