//! From the file as written to a checked [`Config`]: every value that parsing alone cannot
//! judge (ranges, names, ids, limit order) is checked here, and each problem becomes an error
//! at its place in the source.

use super::raw::{RawConfig, RawServer, RawUi};
use super::{
    AuditConfig, Config, DEFAULT_LOG_DIR, DEMO_COUNT_RANGE, DemoConfig, HISTORY_RANGE, LOG_LINES_RANGE,
    MAX_REFRESH, MIN_REFRESH, NexTalkConfig, NexTalkServer, Origin, ThresholdOverride, UiConfig, checks,
    merged, named_files, suggest,
};
use crate::file_error::FileError;
use crate::model::MetricId;
use crate::source::aws::AwsSettings;
use crate::source::aws::settings::ServerSettings;
use serde_spanned::Spanned;
use std::collections::BTreeMap;
use std::ops::{Range, RangeInclusive};
use std::path::{Path, PathBuf};

/// Checks a parsed file, turning each problem into an error at its place in the source.
pub(super) struct Checker<'a> {
    pub path: &'a Path,
    pub src: &'a str,
}

impl Checker<'_> {
    pub(super) fn at(&self, span: Range<usize>, message: impl Into<String>) -> FileError {
        FileError::at_span(self.path, self.src, span, message)
    }

    fn check<T>(
        &self,
        value: &Spanned<T>,
        check: impl FnOnce(&T) -> Result<(), String>,
    ) -> Result<(), FileError> {
        check(value.get_ref()).map_err(|m| self.at(value.span(), m))
    }

    fn in_range(
        &self,
        value: &Spanned<u32>,
        range: RangeInclusive<u32>,
        what: &str,
    ) -> Result<u32, FileError> {
        let v = *value.get_ref();
        if range.contains(&v) {
            Ok(v)
        } else {
            Err(self.at(value.span(), format!("{what} must be {}-{}, not {v}", range.start(), range.end())))
        }
    }

    pub fn config(&self, raw: RawConfig) -> Result<Config, FileError> {
        let (ui, theme_at, keymap_at) = self.ui(raw.ui)?;
        let mut threshold_overrides = BTreeMap::new();
        for (key, table) in raw.thresholds {
            let metric = MetricId::from_key(key.get_ref()).ok_or_else(|| {
                let keys = MetricId::ALL.iter().map(|m| m.key());
                let hint = suggest::hint(key.get_ref(), keys);
                self.at(key.span(), format!("unknown metric {:?} in [thresholds]{hint}", key.get_ref()))
            })?;
            let o = ThresholdOverride { warn: table.get_ref().warn, crit: table.get_ref().crit };
            merged(metric, &o).validate().map_err(|m| {
                let default_note = match (o.warn, o.crit) {
                    (Some(_), None) => " (crit is the shipped default; set it here too)",
                    (None, Some(_)) => " (warn is the shipped default; set it here too)",
                    _ => "",
                };
                self.at(table.span(), format!("[thresholds.{}]: {m}{default_note}", metric.key()))
            })?;
            threshold_overrides.insert(metric, o);
        }
        let demo = &raw.demo;
        if let Some(s) = &demo.scenario {
            self.check(s, |s| named_files::check_name("scenario", s))?;
        }
        if let Some(speed) = &demo.speed {
            self.check(speed, |&s| {
                if s.is_finite() && s > 0.0 && s <= 1000.0 {
                    Ok(())
                } else {
                    Err(format!("speed must be more than 0 and at most 1000, not {s}"))
                }
            })?;
        }
        let count = |v: &Option<Spanned<u32>>, what| {
            v.as_ref().map(|v| self.in_range(v, DEMO_COUNT_RANGE, what)).transpose()
        };
        let demo = DemoConfig {
            scenario: demo.scenario.as_ref().map(|s| s.get_ref().clone()),
            seed: demo.seed,
            speed: demo.speed.as_ref().map_or(1.0, |s| *s.get_ref()),
            queues: count(&demo.queues, "queues")?,
            functions: count(&demo.functions, "functions")?,
            streams: count(&demo.streams, "streams")?,
            tables: count(&demo.tables, "tables")?,
        };
        let audit_path = match raw.audit.path {
            Some(p) if p.get_ref().trim().is_empty() => return Err(self.at(p.span(), "audit path is empty")),
            Some(p) => Some(PathBuf::from(p.into_inner())),
            None => None,
        };
        let servers = self.servers(raw.nextalk.servers)?;
        let origin = self
            .path
            .file_name()
            .map_or_else(|| self.path.display().to_string(), |n| n.to_string_lossy().into_owned());
        let own_panes = self.panes(raw.panes, &origin)?;
        // Presets named here are looked up beside this file (`presets/<name>.toml`), as themes
        // are, else in the default config directory.
        let user_dir = self
            .path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .or_else(super::config_dir);
        let (presets, panes) = match &raw.presets {
            Some(list) => {
                let loaded = self.presets(list, user_dir.as_deref())?;
                let names = list.get_ref().iter().map(|n| n.get_ref().clone()).collect();
                let merged =
                    super::presets::merge(loaded, &own_panes).map_err(|m| self.at(list.span(), m))?;
                (Some(names), merged)
            }
            None => (None, own_panes.clone()),
        };
        let mut aws = raw.aws.map(|a| self.aws(a, &servers)).transpose()?;
        if let Some(aws) = aws.as_mut() {
            aws.panes = panes.clone();
        }
        let notify = self.notify(raw.notify)?;
        let flags = self.flags(raw.flags)?;
        if let Some(aws) = aws.as_mut() {
            aws.flags = flags.clone();
        }
        let queue_shares = self.queue_shares(raw.queue_shares, &flags)?;
        if let Some(aws) = aws.as_mut() {
            aws.queue_shares = queue_shares.clone();
        }
        Ok(Config {
            path: None,
            read_only: raw.read_only,
            ui,
            threshold_overrides,
            demo,
            audit: AuditConfig { path: audit_path },
            nextalk: NexTalkConfig { servers },
            aws,
            notify,
            flags,
            queue_shares,
            panes,
            presets,
            own_panes,
            origin: Origin { theme: theme_at, keymap: keymap_at },
        })
    }

    /// `[aws]`: the backend's own checks, each pointed at its key; the NexTalk servers are
    /// listed once, under `[[nextalk.servers]]`, and handed to the backend from there.
    fn aws(&self, raw: Spanned<AwsSettings>, servers: &[NexTalkServer]) -> Result<AwsSettings, FileError> {
        let table = raw.span();
        let mut aws = raw.into_inner();
        if let Some(problem) = aws.validate().into_iter().next() {
            let (key, _) = problem.split_once(": ").unwrap_or((problem.as_str(), ""));
            // A bad placeholder is pointed at itself, wherever the dimensions table is written.
            let at = aws
                .ports
                .unknown_placeholder()
                .filter(|_| key == "aws.ports.dimensions")
                .and_then(|bad| {
                    let value_at = locate_in_tables(self.src, "aws.ports", &format!("\"{}\"", bad.value))?;
                    Some(value_at + 1 + bad.value.find(&bad.placeholder).unwrap_or(0))
                })
                .or_else(|| locate_key(self.src, key))
                .unwrap_or(table.start);
            return Err(FileError::at(self.path, self.src, at, problem.clone()));
        }
        if !aws.servers.is_empty() {
            let at = locate_key(self.src, "aws.servers[0].name").unwrap_or(table.start);
            return Err(FileError::at(
                self.path,
                self.src,
                at,
                "list the NexTalk servers under [[nextalk.servers]], not [[aws.servers]]",
            ));
        }
        aws.servers = servers
            .iter()
            .map(|s| ServerSettings {
                name: s.name.clone(),
                instance_id: s.instance_id.clone(),
                port_capacity: s.ports_capacity,
                address: s.address.clone(),
            })
            .collect();
        // Probe the services the servers list (when they list any) rather than a default set.
        let mut services: Vec<String> = Vec::new();
        for s in servers.iter().flat_map(|s| &s.services) {
            if !services.iter().any(|o| o.eq_ignore_ascii_case(s)) {
                services.push(s.clone());
            }
        }
        if !services.is_empty() {
            aws.ssm.services = services;
        }
        Ok(aws)
    }

    #[allow(clippy::type_complexity)]
    fn ui(&self, raw: RawUi) -> Result<(UiConfig, Option<FileError>, Option<FileError>), FileError> {
        let mut ui = UiConfig::default();
        let name = |value: Option<Spanned<String>>, what: &str, out: &mut String| {
            value
                .map(|v| {
                    self.check(&v, |n| named_files::check_name(what, n))?;
                    *out = v.get_ref().clone();
                    Ok(self.at(v.span(), ""))
                })
                .transpose()
        };
        let theme_at = name(raw.theme, "theme", &mut ui.theme)?;
        let keymap_at = name(raw.keymap, "keymap", &mut ui.keymap)?;
        if let Some(mouse) = raw.mouse {
            ui.mouse = mouse;
        }
        if let Some(r) = raw.refresh {
            ui.refresh = humantime::parse_duration(r.get_ref()).map_err(|e| {
                self.at(
                    r.span(),
                    format!("bad duration {:?}: {e} (write e.g. \"2s\" or \"500ms\")", r.get_ref()),
                )
            })?;
            if !(MIN_REFRESH..=MAX_REFRESH).contains(&ui.refresh) {
                return Err(
                    self.at(r.span(), format!("refresh must be between 250ms and 1h, not {}", r.get_ref()))
                );
            }
        }
        if let Some(h) = &raw.history {
            ui.history = self.in_range(h, HISTORY_RANGE, "history")? as usize;
        }
        if let Some(n) = &raw.log_lines {
            ui.log_lines = self.in_range(n, LOG_LINES_RANGE, "log_lines")? as usize;
        }
        Ok((ui, theme_at, keymap_at))
    }

    fn servers(&self, raw: Vec<Spanned<RawServer>>) -> Result<Vec<NexTalkServer>, FileError> {
        let mut servers: Vec<NexTalkServer> = Vec::with_capacity(raw.len());
        // A set, not a scan of the servers so far: checking 100,000 servers stays linear.
        let mut names: std::collections::HashSet<String> =
            std::collections::HashSet::with_capacity(raw.len());
        for s in raw {
            let s = s.into_inner();
            self.check(&s.name, |n| checks::server_name(n))?;
            if !names.insert(s.name.get_ref().clone()) {
                return Err(self.at(s.name.span(), format!("two servers are named {:?}", s.name.get_ref())));
            }
            self.check(&s.instance_id, |id| checks::instance_id(id))?;
            let ports_capacity = self.in_range(&s.ports_capacity, 1..=100_000, "ports_capacity")?;
            let mut services: Vec<String> = Vec::new();
            for svc in &s.services {
                self.check(svc, |n| checks::service_name(n))?;
                if services.iter().any(|o| o.eq_ignore_ascii_case(svc.get_ref())) {
                    // Windows service names are case-insensitive.
                    return Err(self.at(svc.span(), format!("service {:?} is listed twice", svc.get_ref())));
                }
                services.push(svc.get_ref().clone());
            }
            let log_dir = match &s.log_dir {
                Some(d) => {
                    self.check(d, |d| checks::windows_dir(d))?;
                    d.get_ref().clone()
                }
                None => DEFAULT_LOG_DIR.to_string(),
            };
            // A host that reaches a `Test-NetConnection` command: the renderer's own rule.
            let address = match &s.address {
                Some(a) => {
                    self.check(a, |a| checks::address(a))?;
                    Some(a.get_ref().clone())
                }
                None => None,
            };
            let ssh = match s.ssh {
                Some(ssh) => {
                    let span = ssh.span();
                    let mut ssh = ssh.into_inner();
                    ssh.validate()
                        .map_err(|(field, why)| self.at(span.clone(), format!("ssh.{field}: {why}")))?;
                    // One log folder per server unless the SSH table names its own (a POSIX
                    // path, say, for a server whose SFTP root differs).
                    if ssh.log_dir == crate::source::ssh::DEFAULT_LOG_DIR {
                        ssh.log_dir = log_dir.clone();
                    }
                    Some(ssh)
                }
                None => None,
            };
            servers.push(NexTalkServer {
                name: s.name.into_inner(),
                instance_id: s.instance_id.into_inner(),
                ports_capacity,
                services,
                log_dir,
                address,
                ssh,
            });
        }
        Ok(servers)
    }
}

/// Byte offset of a dotted key (`aws.connect.instance_id`, `aws.servers[1].name`) in TOML
/// text written in the usual table style: the key's line inside its table's section.
fn locate_key(src: &str, dotted: &str) -> Option<usize> {
    let (table, key) = dotted.rsplit_once('.')?;
    let (table, index) = match table.split_once('[') {
        Some((t, rest)) => (t, rest.trim_end_matches(']').parse::<usize>().ok()?),
        None => (table, 0),
    };
    let header = |line: &str| {
        let l = line.trim();
        l == format!("[{table}]") || l == format!("[[{table}]]")
    };
    let mut offset = 0;
    let mut seen = 0;
    let mut inside = false;
    for line in src.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            inside = header(line) && {
                seen += 1;
                seen == index + 1
            };
        } else if inside && trimmed.starts_with(key) && trimmed[key.len()..].trim_start().starts_with('=') {
            return Some(offset + (line.len() - trimmed.len()));
        }
        offset += line.len();
    }
    None
}

/// Byte offset of `needle` inside the table `table` or one of its sub-tables (`[aws.ports]`,
/// `[aws.ports.dimensions]`), in TOML written in the usual table style.
fn locate_in_tables(src: &str, table: &str, needle: &str) -> Option<usize> {
    let mut offset = 0;
    let mut inside = false;
    for line in src.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            let name = trimmed.trim_start_matches('[').split(']').next().unwrap_or("").trim();
            inside = name == table || name.starts_with(&format!("{table}."));
        } else if inside && let Some(i) = line.find(needle) {
            return Some(offset + i);
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod locate_tests {
    use super::{locate_in_tables, locate_key};

    #[test]
    fn keys_are_found_in_their_table_and_array_element() {
        let src = "[aws]\nmax_attempts = 0\n[aws.connect]\n  instance_id = \"x\"\n[[aws.servers]]\nname = \"a\"\n[[aws.servers]]\nname = \"b\"\n";
        assert_eq!(locate_key(src, "aws.max_attempts"), Some(6));
        assert_eq!(locate_key(src, "aws.connect.instance_id"), Some(src.find("instance_id").unwrap()));
        assert_eq!(locate_key(src, "aws.servers[1].name"), Some(src.rfind("name").unwrap()));
        assert_eq!(locate_key(src, "aws.metrics.lambda"), None);
    }

    #[test]
    fn needles_are_found_in_a_table_or_its_sub_tables_only() {
        let src = "[aws.metrics]\nx = \"{name}\"\n[aws.ports.dimensions]\nServer = \"{name}\"\n";
        assert_eq!(locate_in_tables(src, "aws.ports", "\"{name}\""), Some(src.rfind('"').unwrap() - 7));
        assert_eq!(locate_in_tables(src, "aws.logs", "\"{name}\""), None);
    }
}
