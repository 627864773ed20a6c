//! The AWS backend against real wire protocols: ministack (CloudWatch, CBOR), moto (SSM Run
//! Command, CloudWatch Logs) and a scripted stand-in server (Connect REST-JSON, SSM failure paths, faults),
//! all through the real SDK clients with an endpoint override. Needs `scripts/emulators`.

mod actions_moto;
mod audit_identity;
mod cli_live;
mod cloudwatch_ministack;
mod connect_standin;
mod console_live;
mod emulator;
mod faults;
mod logs_moto;
mod logs_standin;
mod panes_ministack;
mod rds_moto;
mod real_estate;
#[path = "../support/screen.rs"]
mod screen;
mod sns_moto;
mod ssm_moto;
mod ssm_standin;
mod standin;
mod team_moto;
#[path = "../support/tmux.rs"]
mod tmux;
mod windows_standin;

use switchboard::source::aws::{AwsContext, AwsOptions, AwsSettings};

pub const INSTANCE: &str = "11111111-2222-3333-4444-555555555555";
pub const NT_A: &str = "i-0aaaaaaaaaaaaaaa1";
pub const NT_B: &str = "i-0bbbbbbbbbbbbbbb2";

/// Settings tuned for tests: few SDK attempts, short timeouts, fast polling and backoff.
/// `extra` holds whole tables (`[connect]`, `[metrics]`, `[ssm]` …).
pub fn settings(extra: &str) -> AwsSettings {
    let top = r#"
account_id = "123456789012"
max_attempts = 1
operation_timeout_ms = 3000
connect_timeout_ms = 1000
"#;
    let ssm = if extra.contains("[ssm]") {
        String::new()
    } else {
        "[ssm]\npoll_interval_ms = 50\ninvocation_grace_ms = 600\nprobe_timeout_s = 3\n".to_string()
    };
    let servers = format!(
        r#"
[[servers]]
name = "nt-a"
instance_id = "{NT_A}"
port_capacity = 96
[[servers]]
name = "nt-b"
instance_id = "{NT_B}"
port_capacity = 96
"#
    );
    let src = format!("{top}\n{extra}\n{ssm}\n{servers}");
    let s: AwsSettings = toml::from_str(&src).unwrap_or_else(|e| panic!("test settings: {e}\n{src}"));
    let problems = s.validate();
    assert!(problems.is_empty(), "{problems:?}");
    s
}

/// For tests against emulator processes: the same, with a generous operation timeout. An
/// emulator loads a service's code on its first request, which can take seconds on a busy
/// 2-core machine while other tests start theirs.
pub fn emulator_settings(extra: &str) -> AwsSettings {
    let mut s = settings(extra);
    s.operation_timeout_ms = 20_000;
    s.connect_timeout_ms = 5_000;
    s
}

/// `[connect]` with its token bucket: `rate_per_s` calls per second after `burst` at once.
pub fn connect_table(rate_per_s: f64, burst: u32) -> String {
    format!(
        r#"
[connect]
instance_id = "{INSTANCE}"
rate_per_s = {rate_per_s:?}
burst = {burst}
throttle_retries = 2
backoff_min_ms = 10
backoff_max_ms = 40
"#
    )
}

pub async fn context(url: &str, settings: AwsSettings) -> AwsContext {
    let options = AwsOptions {
        profile: None,
        region: Some("us-east-1".into()),
        endpoint_url: Some(url.to_string()),
        emulator_credentials: true,
    };
    match AwsContext::load(&options, settings).await {
        Ok(c) => c,
        Err(e) => panic!("AwsContext::load: {e}"),
    }
}
