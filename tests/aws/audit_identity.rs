//! The audit log's `aws_identity` is the caller's ARN from STS GetCallerIdentity (issue 11,
//! item 12), not the account id the config names: on moto, through the SDK and through the
//! binary's headless `runbook run`.

use crate::emulator::Emulator;
use crate::{context, emulator_settings};
use std::process::Command;

#[tokio::test(flavor = "multi_thread")]
async fn the_caller_arn_comes_from_sts() {
    let emu = Emulator::moto();
    let ctx = context(&emu.url, emulator_settings("")).await;
    let arn = ctx.caller_arn().await.unwrap_or_else(|e| panic!("{e}\n{}", emu.log_text()));
    // moto answers as its default user.
    assert_eq!(arn, "arn:aws:sts::123456789012:user/moto");
    assert_eq!(ctx.stats().count("GetCallerIdentity"), 1);
}

#[test]
fn a_live_runbook_run_records_who_ran_it() {
    let emu = Emulator::moto();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        "[[nextalk.servers]]\nname = \"nt-a\"\ninstance_id = \"i-0aaaaaaaaaaaaaaa1\"\nports_capacity = 96\n\
         services = [\"NexTalk Chat Bridge\"]\n\
         [aws]\naccount_id = \"123456789012\"\nmax_attempts = 1\noperation_timeout_ms = 20000\n\
         [aws.ssm]\npoll_interval_ms = 50\nprobe_timeout_s = 5\n",
    )
    .unwrap();
    let audit = dir.path().join("audit.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["--config", cfg.to_str().unwrap(), "--region", "us-east-1", "--endpoint-url", &emu.url])
        .args(["--audit-log", audit.to_str().unwrap(), "runbook", "run", "nextalk-connectivity"])
        .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", dir.path().join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none"))
        .env("XDG_CONFIG_HOME", "/nonexistent-switchboard-test")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("result:"), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let records = switchboard::audit::read(&audit, None).unwrap().records;
    assert!(!records.is_empty(), "{stdout}");
    for r in &records {
        assert_eq!(r.aws_identity.as_deref(), Some("arn:aws:sts::123456789012:user/moto"), "{r:?}");
    }
    assert!(matches!(
        switchboard::audit::verify(&audit).unwrap(),
        switchboard::audit::Verdict::Intact { .. }
    ));
}
