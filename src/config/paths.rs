//! Where the config lives, and writing a starter file.

use crate::file_error::FileError;
use directories::ProjectDirs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The example's text, with a `{{key}}` where each default goes (see [`example_defaults`]).
pub(super) const EXAMPLE_TEMPLATE: &str = include_str!("example.toml");

/// The commented example config; every line of it is valid, and so is every commented-out
/// setting once its `#` is removed. The defaults it shows are the program's own, filled in
/// here, so the file cannot promise a default the code no longer has.
pub fn example() -> String {
    let mut text = EXAMPLE_TEMPLATE.to_string();
    for (key, value) in example_defaults() {
        text = text.replace(&format!("{{{{{key}}}}}"), &value);
    }
    text
}

/// Each `{{key}}` of the template and the default it stands for, as TOML.
pub(super) fn example_defaults() -> Vec<(&'static str, String)> {
    use crate::model::MetricId;
    use crate::model::notify::{DEFAULT_GIVE_UP_AFTER, DEFAULT_TIMEOUT, Trigger};
    use crate::source::aws::settings::{LogSettings, PortMetricSettings, RefreshSettings};
    use crate::source::sim::SimParams;

    let string = |s: &str| toml::Value::String(s.to_string()).to_string();
    let duration = |d: std::time::Duration| string(&humantime::format_duration(d).to_string());
    let limit = |metric: MetricId, crit: bool| {
        let (warn, critical) = metric.default_limits();
        // Every metric the example names has both limits; one without is an example gone wrong.
        let value = if crit { critical } else { warn };
        value.map_or_else(|| "none".to_string(), |v| format!("{v:?}"))
    };
    let config = super::Config::default();
    let sim = SimParams::default();
    // The SSH settings' defaults are serde's (`host` and `user` have none): read them back.
    let ssh: Option<crate::source::ssh::SshSettings> = toml::from_str("host = \"h\"\nuser = \"u\"").ok();
    let refresh = RefreshSettings::default();
    let ports = PortMetricSettings::default();
    let logs = LogSettings::default();
    let dimensions: Vec<String> =
        ports.dimensions.iter().map(|(k, v)| format!("{k} = {}", string(v))).collect();
    let triggers: Vec<String> = Trigger::ALL.iter().map(|t| string(t.as_str())).collect();
    vec![
        ("read_only", config.read_only.to_string()),
        ("ui.theme", string(&config.ui.theme)),
        ("ui.keymap", string(&config.ui.keymap)),
        ("ui.mouse", config.ui.mouse.to_string()),
        ("ui.refresh", duration(config.ui.refresh)),
        ("ui.history", config.ui.history.to_string()),
        ("ui.log_lines", config.ui.log_lines.to_string()),
        ("thresholds.queue_oldest_contact_age_s.warn", limit(MetricId::OldestContactAge, false)),
        ("thresholds.queue_oldest_contact_age_s.crit", limit(MetricId::OldestContactAge, true)),
        ("thresholds.nextalk_port_utilisation_pct.warn", limit(MetricId::PortUtilisation, false)),
        ("thresholds.nextalk_port_utilisation_pct.crit", limit(MetricId::PortUtilisation, true)),
        ("demo.scenario", string(sim.scenario.name())),
        ("demo.seed", sim.seed.to_string()),
        ("demo.speed", format!("{:?}", config.demo.speed)),
        ("demo.queues", sim.queues.to_string()),
        ("demo.functions", sim.functions.to_string()),
        ("demo.streams", sim.streams.to_string()),
        ("demo.tables", sim.tables.to_string()),
        ("nextalk.log_dir", string(super::DEFAULT_LOG_DIR)),
        ("ssh.port", ssh.as_ref().map_or("none".into(), |s| s.port.to_string())),
        ("ssh.known_hosts", ssh.as_ref().map_or("none".into(), |s| string(&s.known_hosts.to_string_lossy()))),
        ("ssh.file_glob", ssh.as_ref().map_or("none".into(), |s| string(&s.file_glob))),
        ("ssh.poll_interval", ssh.as_ref().map_or("none".into(), |s| duration(s.poll_interval))),
        ("ssh.timeout", ssh.as_ref().map_or("none".into(), |s| duration(s.timeout))),
        ("aws.refresh.metrics_s", refresh.metrics_s.to_string()),
        ("aws.refresh.queues_s", refresh.queues_s.to_string()),
        ("aws.refresh.ssm_ping_s", refresh.ssm_ping_s.to_string()),
        ("aws.refresh.services_s", refresh.services_s.to_string()),
        ("aws.refresh.service_s", refresh.service_s.to_string()),
        ("aws.ports.namespace", string(&ports.namespace)),
        ("aws.ports.metric", string(&ports.metric)),
        ("aws.ports.dimensions", format!("{{ {} }}", dimensions.join(", "))),
        ("aws.logs.lookback_minutes", logs.lookback_minutes.to_string()),
        ("aws.logs.poll_interval_s", logs.poll_interval_s.to_string()),
        ("notify.on", format!("[{}]", triggers.join(", "))),
        ("notify.timeout", duration(DEFAULT_TIMEOUT)),
        ("notify.give_up_after", duration(DEFAULT_GIVE_UP_AFTER)),
    ]
}

/// The user's config directory (`~/.config/switchboard` on Linux), where `config.toml`,
/// `keymap.toml`, `keymaps/` and `themes/` live. `None` when the platform has no home
/// directory (some containers and service accounts).
pub fn config_dir() -> Option<PathBuf> {
    ProjectDirs::from("", "", "switchboard").map(|d| d.config_dir().to_path_buf())
}

/// `config.toml` in [`config_dir`].
pub fn default_path() -> Option<PathBuf> {
    config_dir().map(|d| d.join("config.toml"))
}

/// Writes [`example`] to `path`, creating its directory; refuses to overwrite an existing file
/// (someone's settings are worth more than a template).
pub fn write_example(path: &Path) -> Result<(), FileError> {
    let fail = |what: &str, e: std::io::Error| FileError::whole(path, format!("cannot {what}: {e}"));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| fail("create its directory", e))?;
    }
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            FileError::whole(path, "already exists; not overwriting it")
        } else {
            fail("create", e)
        }
    })?;
    file.write_all(example().as_bytes()).and_then(|()| file.sync_all()).map_err(|e| fail("write", e))
}
