//! The config file as written, before checking. Spans are kept wherever a check happens after
//! parsing, so its message can point at the value.

use serde::Deserialize;
use serde_spanned::Spanned;
use std::collections::BTreeMap;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    #[serde(default)]
    pub read_only: bool,
    #[serde(default)]
    pub ui: RawUi,
    #[serde(default)]
    pub thresholds: BTreeMap<Spanned<String>, Spanned<RawThreshold>>,
    #[serde(default)]
    pub demo: RawDemo,
    #[serde(default)]
    pub audit: RawAudit,
    #[serde(default)]
    pub nextalk: RawNexTalk,
    /// The live AWS backend; its own checks run after parsing (see `aws_settings`).
    pub aws: Option<Spanned<crate::source::aws::AwsSettings>>,
    /// `[[notify]]`: where incident notifications go (checked in `notify`).
    #[serde(default)]
    pub notify: Vec<Spanned<RawNotify>>,
    /// `[[flags]]`: emergency flags in SSM Parameter Store (checked in `flags`).
    #[serde(default)]
    pub flags: Vec<Spanned<RawFlag>>,
    /// `[[queue_shares]]`: queues to add to another routing profile (checked in `queue_shares`).
    #[serde(default)]
    pub queue_shares: Vec<Spanned<RawQueueShare>>,
    /// `[[panes]]`: panes of CloudWatch metrics (checked in `panes`).
    #[serde(default)]
    pub panes: Vec<Spanned<RawPane>>,
    /// `presets = [...]`: shipped pane presets to show (checked in `presets`).
    pub presets: Option<Spanned<Vec<Spanned<String>>>>,
}

/// One `[[queue_shares]]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawQueueShare {
    pub name: Spanned<String>,
    pub queue: Spanned<String>,
    pub queue_id: Spanned<String>,
    pub routing_profile: Spanned<String>,
    pub routing_profile_id: Spanned<String>,
    pub donor_queue: Spanned<String>,
    pub channel: Option<Spanned<String>>,
    pub priority: Option<Spanned<i64>>,
    pub delay: Option<Spanned<i64>>,
}

/// One `[[flags]]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFlag {
    pub name: Spanned<String>,
    pub parameter: Spanned<String>,
    pub values: Spanned<Vec<Spanned<RawFlagValue>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFlagValue {
    pub value: Spanned<String>,
    /// What setting this value does, as the confirmation shows it.
    pub means: Spanned<String>,
}

/// One `[[panes]]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPane {
    pub id: Spanned<String>,
    pub title: Option<Spanned<String>>,
    pub namespace: Spanned<String>,
    pub row_dimension: Spanned<String>,
    pub rows: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    pub dimensions: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    pub columns: Vec<Spanned<RawColumn>>,
}

/// One `[[panes.columns]]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawColumn {
    pub label: Spanned<String>,
    pub metric: Spanned<String>,
    pub stat: Option<Spanned<String>>,
    pub unit: Option<Spanned<String>>,
    pub warn: Option<Spanned<f64>>,
    pub crit: Option<Spanned<f64>>,
    #[serde(default)]
    pub below: bool,
    pub missing: Option<Spanned<String>>,
    /// The metric's period when it is not one minute (`"1d"` for S3's storage metrics).
    pub period: Option<Spanned<String>>,
    #[serde(default)]
    pub dimensions: BTreeMap<Spanned<String>, Spanned<String>>,
}

/// One `[[notify]]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNotify {
    pub kind: Spanned<String>,
    pub name: Option<Spanned<String>>,
    pub topic_arn: Option<Spanned<String>>,
    pub url: Option<Spanned<String>>,
    pub format: Option<Spanned<String>>,
    #[serde(default)]
    pub headers: BTreeMap<Spanned<String>, Spanned<String>>,
    pub project: Option<Spanned<String>>,
    pub issue_type: Option<Spanned<String>>,
    pub on: Option<Vec<Spanned<String>>>,
    pub timeout: Option<Spanned<String>>,
    pub give_up_after: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawUi {
    pub theme: Option<Spanned<String>>,
    pub keymap: Option<Spanned<String>>,
    pub mouse: Option<bool>,
    pub refresh: Option<Spanned<String>>,
    pub history: Option<Spanned<u32>>,
    pub log_lines: Option<Spanned<u32>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawThreshold {
    pub warn: Option<f64>,
    pub crit: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDemo {
    pub scenario: Option<Spanned<String>>,
    pub seed: Option<u64>,
    pub speed: Option<Spanned<f64>>,
    pub queues: Option<Spanned<u32>>,
    pub functions: Option<Spanned<u32>>,
    pub streams: Option<Spanned<u32>>,
    pub tables: Option<Spanned<u32>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAudit {
    pub path: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNexTalk {
    #[serde(default)]
    pub servers: Vec<Spanned<RawServer>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawServer {
    pub name: Spanned<String>,
    pub instance_id: Spanned<String>,
    pub ports_capacity: Spanned<u32>,
    #[serde(default)]
    pub services: Vec<Spanned<String>>,
    pub log_dir: Option<Spanned<String>>,
    /// How the other NexTalk servers reach this one (host name or IP address); without it,
    /// the address SSM reports for the instance.
    pub address: Option<Spanned<String>>,
    /// How to reach the server's logs over SSH (SFTP); without it, logs come through SSM.
    pub ssh: Option<Spanned<crate::source::ssh::SshSettings>>,
}
