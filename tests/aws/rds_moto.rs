//! grow_storage over the wire on moto through aws-sdk-rds: DescribeDBInstances of the RDS
//! pane's instances, ModifyDBInstance AllocatedStorage (ApplyImmediately) read back, the
//! refusals made before any change, and `--read-only`: refused by the executor, audited, and
//! no RDS call at all.
//!
//! moto differs from RDS here: it applies a storage change at once (the answer and the next
//! DescribeDBInstances have the new AllocatedStorage, nothing under PendingModifiedValues, the
//! status stays `available`), where RDS answers with the change pending and is `modifying` for
//! minutes. The parser reads both; the simulator does what RDS does.

use crate::emulator::Emulator;
use crate::{context, emulator_settings};
use std::sync::Arc;
use switchboard::app::{JobId, Msg, RemoteJob};
use switchboard::audit::{AuditLog, Session};
use switchboard::console::exec::{ExecOptions, Executor};
use switchboard::model::PaneDef;
use switchboard::source::{CommandStatus, Remote, RemoteAction, Target, Telemetry};

const DB: &str = "nextalk-config-db";

fn rds_pane(rows: &[&str]) -> PaneDef {
    PaneDef {
        id: "rds".into(),
        title: "NexTalk config DB".into(),
        namespace: "AWS/RDS".into(),
        row_dimension: "DBInstanceIdentifier".into(),
        rows: rows.iter().map(|r| r.to_string()).collect(),
        ..Default::default()
    }
}

fn rds_client(url: &str) -> aws_sdk_rds::Client {
    let conf = aws_sdk_rds::Config::builder()
        .behavior_version(aws_sdk_rds::config::BehaviorVersion::latest())
        .region(aws_sdk_rds::config::Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(aws_sdk_rds::config::Credentials::new("AKIDTEST", "test", None, None, "test"))
        .build();
    aws_sdk_rds::Client::from_conf(conf)
}

#[tokio::test(flavor = "multi_thread")]
async fn grow_storage_modifies_allocated_storage_and_read_only_sends_nothing() {
    let emu = Emulator::moto();
    let rds = rds_client(&emu.url);
    rds.create_db_instance()
        .db_instance_identifier(DB)
        .db_instance_class("db.m5.large")
        .engine("sqlserver-se")
        .license_model("license-included")
        .allocated_storage(200)
        .storage_type("gp3")
        .master_username("admin")
        .master_user_password("not-a-real-password-1")
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateDBInstance: {e:?}\n{}", emu.log_text()));
    let mut settings = emulator_settings("");
    settings.panes = vec![rds_pane(&[DB])];
    let ctx = context(&emu.url, settings).await;
    let remote = Arc::new(ctx.remote());
    let target = Target::aws(format!("db {DB}"));
    let grow =
        RemoteAction::ModifyDbStorage { instance: DB.into(), allocated_gib: 300, max_allocated_gib: None };

    // Read-only first: the executor refuses, records the refusal, and nothing reaches RDS.
    let dir = tempfile::tempdir().unwrap();
    let audit_path = dir.path().join("audit.jsonl");
    let log = AuditLog::open(&audit_path, Session::new("aws:test", None)).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Msg>(16);
    let exec = Executor::new(remote.clone(), Some(log), tx, ExecOptions::default());
    let job = RemoteJob { id: JobId(1), action: grow.clone(), targets: vec![target.clone()], runbook: None };
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
        records.iter().any(|r| r.status == "refused" && r.action.kind == "modify_db_storage"),
        "{records:?}"
    );
    assert_eq!(ctx.stats().count("ModifyDBInstance"), 0);
    assert_eq!(ctx.stats().count("DescribeDBInstances"), 0);

    // What the plan reads: the pane's instance, described by its id.
    let snap =
        ctx.db_instances_reader().collect().await.unwrap_or_else(|e| panic!("{e}\n{}", emu.log_text()));
    let [db] = &snap.db_instances[..] else { panic!("{:?}", snap.db_instances) };
    assert_eq!(db.id, DB);
    assert_eq!(db.status, "available");
    assert_eq!(db.engine.as_deref(), Some("sqlserver-se"));
    assert_eq!(db.storage_type.as_deref(), Some("gp3"));
    assert_eq!(db.allocated_gib, Some(200));
    assert_eq!(db.pending_allocated_gib, None);

    // For real: DescribeDBInstances, then ModifyDBInstance; read back.
    let id = remote
        .send(&grow, std::slice::from_ref(&target))
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", emu.log_text()));
    let inv = remote.poll(&id, &target).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(inv.status, CommandStatus::Success);
    // moto's shortcut: applied at once (RDS: "AllocatedStorage 200 GiB, pending AllocatedStorage 300 GiB").
    assert_eq!(
        inv.stdout,
        "ModifyDBInstance nextalk-config-db: DBInstanceStatus available, AllocatedStorage 300 GiB"
    );
    assert_eq!(ctx.stats().count("ModifyDBInstance"), 1);
    let back = rds.describe_db_instances().db_instance_identifier(DB).send().await.expect("describe");
    assert_eq!(back.db_instances()[0].allocated_storage(), Some(300));

    // Less than 10 % more (or less), a change beyond what RDS takes, an instance that is not
    // there: refused or failed, naming the operation and the instance; no second change.
    for (to, why) in
        [(310, "310 GiB is not at least 10% more than the 300 GiB allocated"), (250, "not at least 10% more")]
    {
        let a =
            RemoteAction::ModifyDbStorage { instance: DB.into(), allocated_gib: to, max_allocated_gib: None };
        let err = remote.send(&a, std::slice::from_ref(&target)).await.expect_err("refused");
        assert!(err.to_string().contains(why) && err.to_string().contains("nothing changed"), "{err}");
    }
    let missing = RemoteAction::ModifyDbStorage {
        instance: "nope".into(),
        allocated_gib: 300,
        max_allocated_gib: None,
    };
    let err = remote.send(&missing, std::slice::from_ref(&target)).await.expect_err("no such instance");
    assert!(err.to_string().contains("DescribeDBInstances") && err.to_string().contains("nope"), "{err}");
    let bad = RemoteAction::ModifyDbStorage {
        instance: "x; drop".into(),
        allocated_gib: 300,
        max_allocated_gib: None,
    };
    let err = remote.send(&bad, std::slice::from_ref(&target)).await.expect_err("not an identifier");
    assert!(err.to_string().contains("invalid DB instance identifier"), "{err}");
    assert_eq!(ctx.stats().count("ModifyDBInstance"), 1);

    // With autoscaling: MaxAllocatedStorage set beside the new size.
    let auto = RemoteAction::ModifyDbStorage {
        instance: DB.into(),
        allocated_gib: 400,
        max_allocated_gib: Some(800),
    };
    let id = remote.send(&auto, std::slice::from_ref(&target)).await.unwrap_or_else(|e| panic!("{e}"));
    let inv = remote.poll(&id, &target).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(inv.stdout.contains("MaxAllocatedStorage 800 GiB"), "{}", inv.stdout);
    let back = rds.describe_db_instances().db_instance_identifier(DB).send().await.expect("describe");
    assert_eq!(back.db_instances()[0].max_allocated_storage(), Some(800));

    // A pane whose rows are a pattern: one listing, matched against it.
    let mut settings = emulator_settings("");
    settings.panes = vec![rds_pane(&["nextalk-config*"])];
    let ctx = context(&emu.url, settings).await;
    let snap = ctx.db_instances_reader().collect().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(snap.db_instances.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(), [DB]);
}
