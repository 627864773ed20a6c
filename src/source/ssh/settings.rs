//! Per-server SSH settings, as they appear in the config file (the config loader mounts this
//! struct under each NexTalk server). There is deliberately no password field: keys come from
//! a file or the SSH agent.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where NexTalk writes its logs on a standard install.
pub const DEFAULT_LOG_DIR: &str = r"C:\ProgramData\NexTalk\Logs";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SshSettings {
    pub host: String,
    #[serde(default = "default_port")]
    pub port: u16,
    pub user: String,
    /// Private key file (OpenSSH or PEM format, no passphrase). When absent, the SSH agent
    /// (`SSH_AUTH_SOCK`) is asked instead; a key with a passphrase belongs in the agent.
    #[serde(default)]
    pub identity_file: Option<PathBuf>,
    /// Host keys are checked against this file; `~` is the home directory.
    #[serde(default = "default_known_hosts")]
    pub known_hosts: PathBuf,
    /// The log directory on the server, as Windows writes it (`C:\…`) or as a POSIX path.
    #[serde(default = "default_log_dir")]
    pub log_dir: String,
    /// Which files in `log_dir` are this server's log. It must select one rotating series
    /// (e.g. `NexTalk-*.log`): the newest match is followed.
    #[serde(default = "default_glob")]
    pub file_glob: String,
    /// How often to look for new lines and new files, e.g. `"1s"`, `"500ms"`.
    #[serde(default = "default_poll", with = "duration_text")]
    pub poll_interval: Duration,
    /// How long to wait for the TCP connection and for each SSH/SFTP request.
    #[serde(default = "default_timeout", with = "duration_text")]
    pub timeout: Duration,
}

fn default_port() -> u16 {
    22
}
fn default_known_hosts() -> PathBuf {
    PathBuf::from("~/.ssh/known_hosts")
}
fn default_log_dir() -> String {
    DEFAULT_LOG_DIR.to_owned()
}
fn default_glob() -> String {
    "*.log".to_owned()
}
fn default_poll() -> Duration {
    Duration::from_secs(1)
}
fn default_timeout() -> Duration {
    Duration::from_secs(15)
}

impl SshSettings {
    /// Settings with every default, for code and tests that build them by hand.
    pub fn new(host: impl Into<String>, user: impl Into<String>) -> Self {
        SshSettings {
            host: host.into(),
            port: default_port(),
            user: user.into(),
            identity_file: None,
            known_hosts: default_known_hosts(),
            log_dir: default_log_dir(),
            file_glob: default_glob(),
            poll_interval: default_poll(),
            timeout: default_timeout(),
        }
    }

    /// Checks what serde cannot. The error names the field, for the config loader to place.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if self.host.trim().is_empty() {
            return Err(("host", "must not be empty".into()));
        }
        if self.user.trim().is_empty() {
            return Err(("user", "must not be empty".into()));
        }
        if self.port == 0 {
            return Err(("port", "must be 1-65535".into()));
        }
        if self.log_dir.trim().is_empty() {
            return Err(("log_dir", "must not be empty".into()));
        }
        if let Err(e) = glob::Pattern::new(&self.file_glob) {
            return Err(("file_glob", format!("not a valid pattern: {e}")));
        }
        if self.file_glob.contains(['/', '\\']) {
            return Err(("file_glob", "matches file names only; put directories in log_dir".into()));
        }
        if self.poll_interval < Duration::from_millis(100) {
            return Err(("poll_interval", "must be at least 100ms".into()));
        }
        if self.timeout < Duration::from_secs(1) {
            return Err(("timeout", "must be at least 1s".into()));
        }
        Ok(())
    }

    /// `known_hosts` with `~` expanded.
    pub fn known_hosts_path(&self) -> PathBuf {
        expand_tilde(&self.known_hosts)
    }

    /// `identity_file` with `~` expanded.
    pub fn identity_path(&self) -> Option<PathBuf> {
        self.identity_file.as_deref().map(expand_tilde)
    }
}

/// `~/x` to `$HOME/x`; anything else unchanged.
pub fn expand_tilde(path: &Path) -> PathBuf {
    let Ok(rest) = path.strip_prefix("~") else {
        return path.to_path_buf();
    };
    match directories::BaseDirs::new() {
        Some(dirs) => dirs.home_dir().join(rest),
        None => path.to_path_buf(),
    }
}

/// Durations as people write them in config files: `"1s"`, `"250ms"`, `"2m"`.
mod duration_text {
    use super::*;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&humantime::format_duration(*d).to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(d)?;
        humantime::parse_duration(&text).map_err(|e| {
            serde::de::Error::custom(format!(
                "{text:?} is not a duration ({e}); write e.g. \"1s\" or \"500ms\""
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fill_everything_but_host_and_user() {
        let s: SshSettings = toml::from_str("host = \"nt-a\"\nuser = \"svc\"").unwrap();
        assert_eq!(s, SshSettings::new("nt-a", "svc"));
        assert_eq!(s.log_dir, r"C:\ProgramData\NexTalk\Logs");
        assert_eq!(s.poll_interval, Duration::from_secs(1));
        assert!(s.validate().is_ok());
    }

    #[test]
    fn full_settings_parse() {
        let s: SshSettings = toml::from_str(
            r#"
            host = "10.0.1.15"
            port = 2222
            user = "svc-switchboard"
            identity_file = "~/.ssh/switchboard_ed25519"
            known_hosts = "/etc/switchboard/known_hosts"
            log_dir = 'D:\NexTalk\Logs'
            file_glob = "NexTalk-*.log"
            poll_interval = "500ms"
            timeout = "5s"
            "#,
        )
        .unwrap();
        assert_eq!(s.port, 2222);
        assert_eq!(s.poll_interval, Duration::from_millis(500));
        assert_eq!(s.file_glob, "NexTalk-*.log");
    }

    #[test]
    fn passwords_and_typos_are_refused() {
        let err = toml::from_str::<SshSettings>("host = \"h\"\nuser = \"u\"\npassword = \"x\"").unwrap_err();
        assert!(err.to_string().contains("unknown field `password`"), "{err}");
        let err = toml::from_str::<SshSettings>("host = \"h\"\nuser = \"u\"\npoll_interval = \"soon\"")
            .unwrap_err();
        assert!(err.to_string().contains("not a duration"), "{err}");
    }

    #[test]
    fn validation_names_the_field() {
        let mut s = SshSettings::new("h", "u");
        s.file_glob = "logs/*.log".into();
        assert_eq!(s.validate().unwrap_err().0, "file_glob");
        let mut s = SshSettings::new("h", "u");
        s.poll_interval = Duration::from_millis(10);
        assert_eq!(s.validate().unwrap_err().0, "poll_interval");
    }

    #[test]
    fn tilde_is_the_home_directory() {
        let p = expand_tilde(Path::new("~/.ssh/known_hosts"));
        assert!(!p.starts_with("~"));
        assert!(p.ends_with(".ssh/known_hosts"));
        assert_eq!(expand_tilde(Path::new("/etc/kh")), PathBuf::from("/etc/kh"));
    }
}
