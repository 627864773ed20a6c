//! The runbooks on offer: the shipped ones (embedded in the binary) and the user's own from
//! `<config_dir>/runbooks/*.toml`, a user file replacing a shipped runbook with the same id.
//! Also which of them fit the alerts on screen.

use super::def::{AlertKind, Origin, Runbook};
use super::parse::parse;
use crate::file_error::FileError;
use crate::model::{Alert, Level};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The shipped runbooks: file name and text.
pub const SHIPPED: &[(&str, &str)] = &[
    ("nextalk-connectivity.toml", include_str!("../../runbooks/nextalk-connectivity.toml")),
    ("service-failure.toml", include_str!("../../runbooks/service-failure.toml")),
    ("high-latency.toml", include_str!("../../runbooks/high-latency.toml")),
    ("failover-readiness.toml", include_str!("../../runbooks/failover-readiness.toml")),
    ("crm-lookup-bypass.toml", include_str!("../../runbooks/crm-lookup-bypass.toml")),
    ("dynamodb-capacity.toml", include_str!("../../runbooks/dynamodb-capacity.toml")),
    ("kinesis-shards.toml", include_str!("../../runbooks/kinesis-shards.toml")),
    ("tty-surge.toml", include_str!("../../runbooks/tty-surge.toml")),
    ("direct-connect.toml", include_str!("../../runbooks/direct-connect.toml")),
    ("rds-storage.toml", include_str!("../../runbooks/rds-storage.toml")),
];

/// The shipped runbooks, parsed. An error here is a bug in this crate (a test parses them all).
pub fn shipped() -> Result<Vec<Runbook>, FileError> {
    SHIPPED
        .iter()
        .map(|(name, src)| parse(&Path::new("runbooks").join(name), src, Origin::Shipped(name)))
        .collect()
}

/// `<config_dir>/runbooks` for the standard config directory, when there is one.
pub fn user_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "switchboard").map(|d| d.config_dir().join("runbooks"))
}

/// Runbooks in force, and the files that could not be used (each error names file:line:col).
#[derive(Debug, Default)]
pub struct Library {
    pub runbooks: Vec<Runbook>,
    pub errors: Vec<FileError>,
}

impl Library {
    /// Shipped runbooks plus `*.toml` in `user_dir` (when given and present). A broken user
    /// file is reported and left out; the others still load, so one typo does not take every
    /// runbook away at 3 a.m.
    pub fn load(user_dir: Option<&Path>) -> Library {
        let mut lib = Library::default();
        match shipped() {
            Ok(rbs) => lib.runbooks = rbs,
            Err(e) => lib.errors.push(e),
        }
        let Some(dir) = user_dir else { return lib };
        let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
            Ok(entries) => entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return lib,
            Err(e) => {
                lib.errors.push(FileError::whole(dir, format!("cannot read the directory: {e}")));
                return lib;
            }
        };
        // Sorted so that two user files with one id resolve the same way every time.
        files.sort();
        let mut user_ids: BTreeMap<String, PathBuf> = BTreeMap::new();
        for path in files {
            // The loader every file people edit goes through: a FIFO or a link to a device in
            // runbooks/ is refused here instead of hanging or filling memory.
            let src = match crate::config::read_user_file(&path, crate::config::MAX_USER_FILE) {
                Ok(s) => s,
                Err(e) => {
                    lib.errors.push(FileError::whole(&path, e));
                    continue;
                }
            };
            match parse(&path, &src, Origin::User(path.clone())) {
                Err(e) => lib.errors.push(e),
                Ok(rb) => {
                    if let Some(first) = user_ids.get(&rb.id) {
                        lib.errors.push(FileError::whole(
                            &path,
                            format!(
                                "runbook id {:?} is already defined in {}; this file is ignored",
                                rb.id,
                                first.display()
                            ),
                        ));
                        continue;
                    }
                    user_ids.insert(rb.id.clone(), path.clone());
                    match lib.runbooks.iter_mut().find(|r| r.id == rb.id) {
                        Some(slot) => *slot = rb,
                        None => lib.runbooks.push(rb),
                    }
                }
            }
        }
        lib
    }

    pub fn get(&self, id: &str) -> Option<&Runbook> {
        self.runbooks.iter().find(|r| r.id == id)
    }

    /// Applies param overrides (e.g. `connect_endpoint` from the user's config) to every
    /// runbook that declares them. Returns the values that were refused, with why.
    pub fn set_params(&mut self, params: &BTreeMap<String, String>) -> Vec<(String, String)> {
        let mut refused = Vec::new();
        for (name, value) in params {
            let mut used = false;
            for rb in self.runbooks.iter_mut().filter(|r| r.params.contains_key(name)) {
                used = true;
                if let Err(e) = rb.set_param(name, value) {
                    refused.push((name.clone(), e));
                    break;
                }
            }
            if !used {
                refused.push((name.clone(), format!("no runbook uses a param named {name:?}")));
            }
        }
        refused
    }
}

/// How a runbook fits one alert, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FitKind {
    /// It declares `fixes` for the alert: it has the action that ends it.
    Fixes,
    /// It declares `diagnoses` (or the older `metrics`/`services`) for the alert.
    Diagnoses,
    /// Only the alert's section is listed.
    Section,
}

impl FitKind {
    pub fn label(self) -> &'static str {
        match self {
            FitKind::Fixes => "fixes",
            FitKind::Diagnoses => "diagnoses",
            FitKind::Section => "same section as",
        }
    }
}

/// One alert a runbook fits, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fit {
    pub kind: FitKind,
    pub severity: Level,
    /// The alert as the alert list names it: "what: reason".
    pub alert: String,
}

/// A runbook with how well it fits the current alerts.
#[derive(Debug, Clone)]
pub struct Ranked<'a> {
    pub runbook: &'a Runbook,
    /// Per alert, the strongest way the runbook fits it; crit alerts first.
    pub fits: Vec<Fit>,
}

impl Fit {
    /// `fixes crit alert: NexTalk nt-a / NexTalk Chat Bridge: … is Stopped`, as `runbook list`
    /// and the console's picker say it.
    pub fn describe(&self) -> String {
        format!("{} {} alert: {}", self.kind.label(), self.severity.as_str(), self.alert)
    }
}

impl Ranked<'_> {
    /// Fits nothing: not starred, listed after every runbook that fits.
    pub fn fits_any(&self) -> bool {
        !self.fits.is_empty()
    }

    /// Compared as a whole, so any fix outranks any number of diagnoses, and a diagnosis
    /// outranks any number of section matches. Within a kind a crit alert weighs two warns.
    fn key(&self) -> [u32; 3] {
        let mut k = [0u32; 3];
        for f in &self.fits {
            let weight = match f.severity {
                Level::Crit => 2,
                Level::Warn => 1,
                Level::Ok | Level::Unknown => 0,
            };
            let slot = match f.kind {
                FitKind::Fixes => 0,
                FitKind::Diagnoses => 1,
                FitKind::Section => 2,
            };
            k[slot] += weight;
        }
        k
    }
}

/// How `rb` fits one alert, if it does.
fn fit_of(rb: &Runbook, alert: &Alert) -> Option<FitKind> {
    let a = &rb.applies_to;
    let key = alert.key.as_str();
    let legacy = a.metrics.iter().any(|m| AlertKind::Metric(*m).matches(key))
        || a.services.iter().any(|s| AlertKind::Service(s.clone()).matches(key));
    if a.fixes.iter().any(|k| k.matches(key)) {
        Some(FitKind::Fixes)
    } else if legacy || a.diagnoses.iter().any(|k| k.matches(key)) {
        Some(FitKind::Diagnoses)
    } else if a.sections.contains(&alert.section) {
        Some(FitKind::Section)
    } else {
        None
    }
}

/// The one ranking the console picker and `runbook list` share: every runbook, best fit to
/// the alerts first (fixes, then diagnoses, then section matches, weighed by severity), the
/// ones that fit nothing last; ties keep library order.
pub fn rank<'a>(alerts: &[Alert], all: &'a [Runbook]) -> Vec<Ranked<'a>> {
    let mut ranked: Vec<Ranked> = all
        .iter()
        .map(|rb| {
            let mut fits: Vec<Fit> = alerts
                .iter()
                .filter(|a| a.severity >= Level::Warn)
                .filter_map(|a| {
                    fit_of(rb, a).map(|kind| Fit {
                        kind,
                        severity: a.severity,
                        alert: format!("{}: {}", a.what, a.reason),
                    })
                })
                .collect();
            fits.sort_by(|x, y| x.kind.cmp(&y.kind).then(y.severity.cmp(&x.severity)));
            Ranked { runbook: rb, fits }
        })
        .collect();
    // A stable sort: equal fits stay in library order.
    ranked.sort_by_key(|r| std::cmp::Reverse(r.key()));
    ranked
}

/// `rank` reduced to whether each fits, for callers that only star.
pub fn runbooks_for<'a>(alerts: &[Alert], all: &'a [Runbook]) -> Vec<(&'a Runbook, bool)> {
    rank(alerts, all).into_iter().map(|r| (r.runbook, r.fits_any())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::StepKind;
    use crate::sanitize::is_unsafe;

    /// A user runbook is outside text: what it says reaches the console and stdout only after
    /// the sanitiser (issue 11: OSC 52, `ESC[2J`, OSC 8 and U+202E came through `runbook show`).
    #[test]
    fn user_runbooks_are_sanitised_when_loaded() {
        let dir = tempfile::tempdir().unwrap();
        let evil = r"\u001b]52;c;Y3VybCBldmls\u0007\u001b[2J\u001b]8;;https://x.example/\u001b\\a\u202E\u200B\u2028\u200F";
        let src = format!(
            "id = \"mine\"\ntitle = \"T{evil}\\nSecond line\"\nsummary = \"S{evil}\\nkept break\"\n\
             [[steps]]\nid = \"m\"\ntitle = \"Step{evil}\"\nkind = \"manual\"\ntext = \"X{evil}\"\nhelp = \"H{evil}\"\n"
        );
        std::fs::write(dir.path().join("mine.toml"), src).unwrap();
        let lib = Library::load(Some(dir.path()));
        assert!(lib.errors.is_empty(), "{:?}", lib.errors);
        let rb = lib.get("mine").unwrap();
        let step = &rb.steps[0];
        let StepKind::Manual { text } = &step.kind else { panic!("manual") };
        let help = step.help.as_deref().unwrap();
        for field in [&rb.title, &rb.summary, &step.title, text, help] {
            assert!(!field.chars().any(|c| c != '\n' && is_unsafe(c)), "{field:?}");
            assert!(!field.contains("Y3VybCBldmls") && !field.contains("x.example"), "{field:?}");
        }
        assert_eq!(rb.title, "Ta Second line");
        assert_eq!(rb.summary, "Sa\nkept break");
        assert_eq!(text, "Xa");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_in_the_runbooks_folder_is_reported_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("stuck.toml");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let lib = Library::load(Some(dir.path()));
        assert_eq!(lib.errors.len(), 1);
        assert!(lib.errors[0].to_string().ends_with("stuck.toml: cannot read: not a regular file (a FIFO)"));
        assert_eq!(lib.runbooks.len(), SHIPPED.len());
    }
}
