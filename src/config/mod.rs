//! Configuration: TOML in the user's config directory, errors with file:line:col.
//!
//! Everything is optional; a missing default file means defaults. Unknown keys are errors, so
//! a typo never silently does nothing.

mod checks;
mod flags;
pub(crate) mod named_files;
mod notify;
mod panes;
mod paths;
pub mod presets;
mod queue_shares;
mod raw;
pub(crate) mod suggest;
mod validate;

pub use named_files::{MAX_USER_FILE, file_kind, read_user_file};
pub use paths::{config_dir, default_path, example, write_example};

use crate::file_error::FileError;
use crate::keymap::Keymap;
use crate::model::{MetricId, Threshold, Thresholds};
use crate::theme::Theme;
use raw::RawConfig;
use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Default NexTalk log folder on the servers.
pub const DEFAULT_LOG_DIR: &str = crate::source::powershell::DEFAULT_LOG_DIR;
pub const DEFAULT_THEME: &str = "dark";
pub const DEFAULT_KEYMAP: &str = "default";
pub const DEFAULT_REFRESH: Duration = Duration::from_secs(2);
/// Faster polling would burn the shared Connect API quota (5 requests/s per account).
pub const MIN_REFRESH: Duration = Duration::from_millis(250);
pub const MAX_REFRESH: Duration = Duration::from_secs(3600);
pub const DEFAULT_HISTORY: usize = 120;
pub const HISTORY_RANGE: RangeInclusive<u32> = 10..=10_000;
/// Lines per log view: enough for an incident's worth of context, few enough that a chatty
/// log cannot eat the machine the console runs on.
pub const LOG_LINES_RANGE: RangeInclusive<u32> = 100..=1_000_000;
/// Simulated resources per kind; more is a typo, not a scenario.
pub const DEMO_COUNT_RANGE: RangeInclusive<u32> = 0..=10_000;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Config {
    /// The file this came from; `None` for built-in defaults.
    pub path: Option<PathBuf>,
    pub read_only: bool,
    pub ui: UiConfig,
    /// `[thresholds.<metric>]` as written; [`Config::thresholds`] applies them.
    pub threshold_overrides: BTreeMap<MetricId, ThresholdOverride>,
    pub demo: DemoConfig,
    pub audit: AuditConfig,
    pub nextalk: NexTalkConfig,
    /// The live AWS backend; `None` runs the console on the simulator.
    pub aws: Option<crate::source::aws::AwsSettings>,
    /// `[[notify]]`: where incident notifications go.
    pub notify: Vec<crate::model::notify::Target>,
    /// `[[flags]]`: the emergency flags (their values are read live, `current` is `None` here).
    pub flags: Vec<crate::model::Flag>,
    /// `[[queue_shares]]`: queues a runbook may add to another routing profile's agents.
    pub queue_shares: Vec<crate::model::QueueShare>,
    /// The data-defined panes the console shows live: the presets named in `presets`, then
    /// the config's `[[panes]]` (one with a preset pane's id takes its place).
    pub panes: Vec<crate::model::PaneDef>,
    /// `presets = [...]` as written; `None` when the key is absent (the demo then shows every
    /// preset, the live console none).
    pub presets: Option<Vec<String>>,
    /// The config's own `[[panes]]`, in the order written.
    own_panes: Vec<crate::model::PaneDef>,
    origin: Origin,
}

/// Where `[ui] theme` / `keymap` were written, so a name that does not exist is reported at
/// the config line rather than at a file that is not there. Each is an error with an empty
/// message: a location to fill in.
#[derive(Debug, Clone, Default)]
struct Origin {
    theme: Option<FileError>,
    keymap: Option<FileError>,
}

/// Where a value was written is not part of the configuration: two files that say the same
/// thing are equal.
impl PartialEq for Origin {
    fn eq(&self, _: &Origin) -> bool {
        true
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct UiConfig {
    pub theme: String,
    pub keymap: String,
    pub mouse: bool,
    pub refresh: Duration,
    /// Samples kept per trend line.
    pub history: usize,
    /// Lines a log view keeps in memory; older ones fall out.
    pub log_lines: usize,
}

/// One `[thresholds.<metric>]` table; a limit left out keeps its shipped default.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ThresholdOverride {
    pub warn: Option<f64>,
    pub crit: Option<f64>,
}

/// `[demo]`: settings for the simulator, as plain values (the simulator owns their meaning).
/// `None` means the simulator's own default.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoConfig {
    pub scenario: Option<String>,
    pub seed: Option<u64>,
    /// Simulated seconds per real second.
    pub speed: f64,
    pub queues: Option<u32>,
    pub functions: Option<u32>,
    pub streams: Option<u32>,
    pub tables: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AuditConfig {
    /// `None`: the default file in the data directory.
    pub path: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct NexTalkConfig {
    pub servers: Vec<NexTalkServer>,
}

/// A NexTalk Windows server. Every field is checked against an allowlist, because service
/// names and the log folder are quoted into remote PowerShell commands.
#[derive(Debug, Clone, PartialEq)]
pub struct NexTalkServer {
    pub name: String,
    /// EC2 instance id, the SSM Run Command target.
    pub instance_id: String,
    /// Simultaneous call channels the server carries.
    pub ports_capacity: u32,
    /// Windows services that may be checked and restarted.
    pub services: Vec<String>,
    pub log_dir: String,
    /// How the other servers reach this one (`tcp` checks to peers); `None`: what SSM reports.
    pub address: Option<String>,
    /// SSH access for following the logs; the server's `log_dir` is the folder it reads.
    pub ssh: Option<crate::source::ssh::SshSettings>,
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig {
            theme: DEFAULT_THEME.into(),
            keymap: DEFAULT_KEYMAP.into(),
            mouse: true,
            refresh: DEFAULT_REFRESH,
            history: DEFAULT_HISTORY,
            log_lines: crate::logview::DEFAULT_CAPACITY,
        }
    }
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig {
            scenario: None,
            seed: None,
            speed: 1.0,
            queues: None,
            functions: None,
            streams: None,
            tables: None,
        }
    }
}

impl Config {
    /// Reads and checks the file at `path`. A missing file is an error: use [`Config::discover`]
    /// for "the default file if there is one".
    pub fn load(path: &Path) -> Result<Config, FileError> {
        let src = named_files::read(path)?;
        let mut config = Config::from_str(path, &src)?;
        config.path = Some(path.to_path_buf());
        Ok(config)
    }

    /// What main wants: the `--config` file if given (must exist), else the default file if it
    /// exists, else defaults.
    pub fn discover(explicit: Option<&Path>) -> Result<Config, FileError> {
        match (explicit, default_path()) {
            (Some(path), _) => Config::load(path),
            // `exists`: a default path that is a FIFO or a directory is an error to report,
            // not a reason to fall back to defaults silently.
            (None, Some(path)) if path.exists() => Config::load(&path),
            (None, _) => Ok(Config::default()),
        }
    }

    /// Parses config text; `path` is only used in messages (and [`Config::path`] stays `None`).
    pub fn from_str(path: &Path, src: &str) -> Result<Config, FileError> {
        let raw: RawConfig = toml::from_str(src).map_err(|e| FileError::from_toml(path, src, &e))?;
        validate::Checker { path, src }.config(raw)
    }

    /// The data-defined panes the demo shows: those of [`Config::panes`] when the config names
    /// its presets, else every shipped preset with the config's own panes merged in.
    pub fn demo_panes(&self) -> Result<Vec<crate::model::PaneDef>, FileError> {
        match &self.presets {
            Some(_) => Ok(self.panes.clone()),
            None => presets::all_with(&self.own_panes, self.user_dir().as_deref()),
        }
    }

    /// Shipped limits with this file's `[thresholds]` applied.
    pub fn thresholds(&self) -> Thresholds {
        let mut t = Thresholds::default();
        for (&metric, o) in &self.threshold_overrides {
            t.set(metric, merged(metric, o));
        }
        t
    }

    /// Where user keymaps and themes are looked up: the directory of the config file in use
    /// (so `--config some/dir/config.toml` brings its own `themes/`), else [`config_dir`].
    pub fn user_dir(&self) -> Option<PathBuf> {
        match self.path.as_deref().and_then(Path::parent) {
            Some(dir) if dir.as_os_str().is_empty() => Some(PathBuf::from(".")),
            Some(dir) => Some(dir.to_path_buf()),
            None => config_dir(),
        }
    }

    /// The configured theme (see [`Theme::resolve`] for `no_color`). An unknown name is
    /// reported at `[ui] theme` in this file.
    pub fn theme(&self, no_color: bool) -> Result<Theme, FileError> {
        let dir = self.user_dir();
        let known = Theme::available_in(dir.as_deref());
        unknown_name(&self.ui.theme, "theme", &known, self.origin.theme.as_ref())?;
        Theme::resolve(&self.ui.theme, dir.as_deref(), no_color)
    }

    /// The configured keymap with the user's `keymap.toml` applied. An unknown name is
    /// reported at `[ui] keymap` in this file.
    pub fn keymap(&self) -> Result<Keymap, FileError> {
        let dir = self.user_dir();
        let known = Keymap::available_in(dir.as_deref());
        unknown_name(&self.ui.keymap, "keymap", &known, self.origin.keymap.as_ref())?;
        Keymap::load(&self.ui.keymap, dir.as_deref())
    }
}

fn unknown_name(name: &str, what: &str, known: &[String], at: Option<&FileError>) -> Result<(), FileError> {
    match at {
        Some(at) if !known.iter().any(|k| k == name) => Err(FileError {
            message: format!("unknown {what} {name:?} (available: {})", known.join(", ")),
            ..at.clone()
        }),
        _ => Ok(()),
    }
}

/// A metric's shipped limits with an override on top.
fn merged(metric: MetricId, o: &ThresholdOverride) -> Threshold {
    let (warn, crit) = metric.default_limits();
    Threshold { direction: metric.direction(), warn: o.warn.or(warn), crit: o.crit.or(crit) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Level;

    fn parse(src: &str) -> Result<Config, FileError> {
        Config::from_str(Path::new("c.toml"), src)
    }

    #[test]
    fn empty_file_is_all_defaults() {
        assert_eq!(parse("").unwrap(), Config::default());
    }

    #[test]
    fn the_example_loads_and_so_do_its_commented_settings() {
        assert_eq!(parse(&example()).unwrap(), Config::default());
        // `#key = value` lines are settings; `# text` lines are prose.
        let uncommented: String = example()
            .lines()
            .map(|l| match l.strip_prefix('#') {
                Some(rest) if !rest.starts_with([' ', '#']) && !rest.is_empty() => rest,
                _ => l,
            })
            .map(|l| format!("{l}\n"))
            .collect();
        let c = parse(&uncommented).unwrap();
        assert_eq!(c.nextalk.servers.len(), 1);
        assert_eq!(c.nextalk.servers[0].log_dir, DEFAULT_LOG_DIR);
        assert_eq!(c.thresholds().level(MetricId::OldestContactAge, 100.0), Level::Warn);

        // Each value it shows for a setting that has a default is that default: the file
        // with every setting switched on behaves as the file without them (`#queues = 8`
        // once stood for a simulator of 12).
        let sim = crate::source::sim::SimParams::default();
        let count = |n: usize| u32::try_from(n).ok();
        let demo = DemoConfig {
            scenario: Some(sim.scenario.name().to_string()),
            seed: Some(sim.seed),
            speed: DemoConfig::default().speed,
            queues: count(sim.queues),
            functions: count(sim.functions),
            streams: count(sim.streams),
            tables: count(sim.tables),
        };
        assert_eq!(c.demo, demo);
        assert_eq!(c.thresholds(), Thresholds::default());
        let aws = c.aws.as_ref().unwrap();
        use crate::source::aws::settings::{LogSettings, PortMetricSettings, RefreshSettings};
        assert_eq!(aws.refresh, RefreshSettings::default());
        assert_eq!(aws.ports, PortMetricSettings::default());
        let logs = LogSettings::default();
        assert_eq!(
            (aws.logs.lookback_minutes, aws.logs.poll_interval_s),
            (logs.lookback_minutes, logs.poll_interval_s)
        );
        let ssh = c.nextalk.servers[0].ssh.clone().unwrap();
        let bare: crate::source::ssh::SshSettings =
            toml::from_str(&format!("host = {:?}\nuser = {:?}", ssh.host, ssh.user)).unwrap();
        assert_eq!(crate::source::ssh::SshSettings { identity_file: None, ..ssh }, bare);
        let webhook = &c.notify[1];
        assert_eq!(webhook.on, crate::model::notify::Trigger::ALL);
        assert_eq!(webhook.timeout, crate::model::notify::DEFAULT_TIMEOUT);
        assert_eq!(webhook.give_up_after, crate::model::notify::DEFAULT_GIVE_UP_AFTER);
    }

    #[test]
    fn the_example_template_has_each_default_and_only_those() {
        let text = example();
        assert!(!text.contains("{{") && !text.contains("}}"), "a default was not filled in:\n{text}");
        for (key, _) in paths::example_defaults() {
            assert!(
                paths::EXAMPLE_TEMPLATE.contains(&format!("{{{{{key}}}}}")),
                "{key} is not in the template"
            );
        }
    }

    #[test]
    fn overrides_change_one_limit_and_keep_the_other() {
        let c = parse("[thresholds.queue_oldest_contact_age_s]\nwarn = 30\n").unwrap();
        let t = c.thresholds().get(MetricId::OldestContactAge);
        assert_eq!((t.warn, t.crit), (Some(30.0), Some(180.0)));
        assert_eq!(
            c.thresholds().get(MetricId::ContactsInQueue),
            Thresholds::default().get(MetricId::ContactsInQueue)
        );
    }

    #[test]
    fn a_warn_past_the_default_crit_says_so() {
        let e = parse("\n[thresholds.queue_oldest_contact_age_s]\nwarn = 200\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "c.toml:2:1: [thresholds.queue_oldest_contact_age_s]: warn (200) must be at most crit (180) \
             (crit is the shipped default; set it here too)"
        );
    }

    #[test]
    fn ui_values_are_checked() {
        let c = parse("[ui]\nrefresh = \"500ms\"\nhistory = 300\nmouse = false\n").unwrap();
        assert_eq!(c.ui.refresh, Duration::from_millis(500));
        assert_eq!((c.ui.history, c.ui.mouse), (300, false));
        assert_eq!(c.ui.log_lines, crate::logview::DEFAULT_CAPACITY);
        assert_eq!(parse("[ui]\nlog_lines = 500\n").unwrap().ui.log_lines, 500);
        assert_eq!(
            parse("[ui]\nlog_lines = 5\n").unwrap_err().to_string(),
            "c.toml:2:13: log_lines must be 100-1000000, not 5"
        );
        assert_eq!(
            parse("[ui]\nrefresh = \"10ms\"\n").unwrap_err().to_string(),
            "c.toml:2:11: refresh must be between 250ms and 1h, not 10ms"
        );
        assert!(
            parse("[ui]\nhistory = 5\n")
                .unwrap_err()
                .to_string()
                .starts_with("c.toml:2:11: history must be 10-10000")
        );
        assert!(
            parse("[ui]\ntheme = \"../x\"\n")
                .unwrap_err()
                .to_string()
                .starts_with("c.toml:2:9: bad theme name")
        );
    }

    #[test]
    fn unknown_theme_names_point_at_the_config() {
        let c = parse("[ui]\ntheme = \"nope\"\n").unwrap();
        let e = c.theme(false).unwrap_err();
        assert!(
            e.to_string().starts_with("c.toml:2:9: unknown theme \"nope\" (available: dark, light"),
            "{e}"
        );
        let c = parse("[ui]\nkeymap = \"emacs\"\n").unwrap();
        assert!(c.keymap().unwrap_err().to_string().starts_with("c.toml:2:10: unknown keymap \"emacs\""));
    }

    #[test]
    fn servers_are_checked() {
        let ok = "[[nextalk.servers]]\nname = \"a\"\ninstance_id = \"i-1234abcd\"\nports_capacity = 48\n";
        let c = parse(ok).unwrap();
        assert_eq!(c.nextalk.servers[0].ports_capacity, 48);
        let dup = format!("{ok}{ok}");
        assert_eq!(parse(&dup).unwrap_err().to_string(), "c.toml:6:8: two servers are named \"a\"");
        let bad = ok.replace("48", "0");
        assert!(
            parse(&bad).unwrap_err().to_string().starts_with("c.toml:4:18: ports_capacity must be 1-100000")
        );
    }

    /// 100,000 servers took 23 s (the duplicate-name check compared each with all before it).
    /// 40,000 took 45 s in a debug build before the fix; now about 1 s. The bound leaves room
    /// for a loaded machine.
    #[test]
    fn validation_is_linear_in_the_number_of_servers() {
        let n = 40_000;
        let src: String = (0..n)
            .map(|i| {
                format!(
                    "[[nextalk.servers]]\nname = \"nt-{i}\"\ninstance_id = \"i-{i:017x}\"\nports_capacity = 96\n"
                )
            })
            .collect();
        let started = std::time::Instant::now();
        let c = parse(&src).unwrap();
        let took = started.elapsed();
        assert_eq!(c.nextalk.servers.len(), n);
        assert!(took < Duration::from_secs(15), "{n} servers took {took:?}");
        // The check itself still works at that size.
        let dup = format!(
            "{src}[[nextalk.servers]]\nname = \"nt-7\"\ninstance_id = \"i-1234abcd\"\nports_capacity = 1\n"
        );
        assert!(parse(&dup).unwrap_err().to_string().ends_with("two servers are named \"nt-7\""));
    }

    #[test]
    fn write_example_refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/config.toml");
        write_example(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), example());
        let e = write_example(&path).unwrap_err();
        assert!(e.to_string().ends_with("already exists; not overwriting it"));
    }
}
