//! Shipped pane presets: `[[panes]]` files for the rest of the seeds' system (Lex, API
//! Gateway, the NexTalk configuration database on RDS, Direct Connect, EventBridge, the
//! recordings bucket, Synthetics canaries), embedded in the binary like the themes and enabled
//! by name (`presets = ["lex", "dx"]`). A user's `<config dir>/presets/<name>.toml` replaces
//! the shipped file of that name; a `[[panes]]` in the config with a preset pane's id replaces
//! that pane.
//!
//! Without a `presets` key the live console shows none (each costs GetMetricData queries and
//! ListMetrics calls) and the demo shows them all.

use super::named_files::{Kind, check_name};
use super::raw::RawPane;
use super::validate::Checker;
use crate::file_error::FileError;
use crate::model::PaneDef;
use serde::Deserialize;
use serde_spanned::Spanned;
use std::path::Path;

pub(super) const PRESETS: Kind = Kind {
    what: "preset",
    dir: "presets",
    shipped: &[
        ("lex", include_str!("../../presets/lex.toml")),
        ("api-gateway", include_str!("../../presets/api-gateway.toml")),
        ("rds", include_str!("../../presets/rds.toml")),
        ("direct-connect", include_str!("../../presets/direct-connect.toml")),
        ("eventbridge", include_str!("../../presets/eventbridge.toml")),
        ("s3", include_str!("../../presets/s3.toml")),
        ("synthetics", include_str!("../../presets/synthetics.toml")),
    ],
};

/// A preset file: `[[panes]]` tables and nothing else.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPresetFile {
    #[serde(default)]
    panes: Vec<Spanned<RawPane>>,
}

/// The shipped preset names, in shipping order.
pub fn shipped_names() -> Vec<&'static str> {
    PRESETS.shipped.iter().map(|(n, _)| *n).collect()
}

/// The names `presets = [...]` accepts with this user directory.
pub fn available(user_dir: Option<&Path>) -> Vec<String> {
    PRESETS.available(user_dir)
}

/// The panes of preset `name` (the user's file of that name if there is one), each problem
/// reported at its place in the preset file.
pub fn load(name: &str, user_dir: Option<&Path>) -> Result<Vec<PaneDef>, FileError> {
    let found = PRESETS.find(name, user_dir, false)?;
    let src = found.src.as_str();
    let raw: RawPresetFile = toml::from_str(src).map_err(|e| FileError::from_toml(&found.path, src, &e))?;
    let origin = if found.shipped {
        format!("preset {name}")
    } else {
        format!("preset {name} ({})", found.path.display())
    };
    let checker = Checker { path: &found.path, src };
    let panes = checker.panes(raw.panes, &origin)?;
    if panes.is_empty() {
        return Err(FileError::whole(&found.path, format!("preset {name:?} declares no [[panes]]")));
    }
    Ok(panes)
}

/// Preset panes first (in the order named), then the config's own; a config pane with a
/// preset pane's id takes its place. Two presets may not declare the same pane id.
pub fn merge(presets: Vec<(String, Vec<PaneDef>)>, own: &[PaneDef]) -> Result<Vec<PaneDef>, String> {
    let mut out: Vec<PaneDef> = Vec::new();
    for (name, panes) in presets {
        for p in panes {
            if let Some(other) = out.iter().find(|o| o.id == p.id) {
                return Err(format!("preset {name:?} declares pane {:?}, as {} does", p.id, other.origin));
            }
            out.push(p);
        }
    }
    for p in own {
        match out.iter_mut().find(|o| o.id == p.id) {
            Some(slot) => *slot = p.clone(),
            None => out.push(p.clone()),
        }
    }
    Ok(out)
}

/// Every shipped preset with the config's own panes merged in: what the demo shows when the
/// config names no presets.
pub fn all_with(own: &[PaneDef], user_dir: Option<&Path>) -> Result<Vec<PaneDef>, FileError> {
    let mut loaded = Vec::new();
    for name in shipped_names() {
        loaded.push((name.to_string(), load(name, user_dir)?));
    }
    merge(loaded, own).map_err(|m| FileError::whole(Path::new(PRESETS.dir), m))
}

impl Checker<'_> {
    /// `presets = [...]`: each name known (shipped or the user's), none twice.
    pub(super) fn presets(
        &self,
        raw: &Spanned<Vec<Spanned<String>>>,
        user_dir: Option<&Path>,
    ) -> Result<Vec<(String, Vec<PaneDef>)>, FileError> {
        let mut out: Vec<(String, Vec<PaneDef>)> = Vec::new();
        for n in raw.get_ref() {
            let name = n.get_ref();
            check_name("preset", name).map_err(|m| self.at(n.span(), m))?;
            let known = available(user_dir);
            if !known.iter().any(|k| k == name) {
                let hint = super::suggest::hint(name, known.iter().map(String::as_str));
                return Err(self.at(
                    n.span(),
                    format!("unknown preset {name:?}{hint} (available: {})", known.join(", ")),
                ));
            }
            if out.iter().any(|(o, _)| o == name) {
                return Err(self.at(n.span(), format!("preset {name:?} is named twice")));
            }
            out.push((name.clone(), load(name, user_dir)?));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::model::{Level, Unit};

    #[test]
    fn every_shipped_preset_loads_and_pane_ids_are_unique() {
        let all = all_with(&[], None).unwrap();
        let ids: Vec<&str> = all.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["lex", "apigw", "rds", "dx", "events", "s3", "canaries"]);
        assert!(all.iter().all(|p| p.origin.starts_with("preset ")));
        let dx = all.iter().find(|p| p.id == "dx").unwrap();
        assert_eq!((dx.namespace.as_str(), dx.row_dimension.as_str()), ("AWS/DX", "ConnectionId"));
        let state = &dx.columns[0];
        assert_eq!(
            (state.metric.as_str(), state.level(0.0), state.level(1.0)),
            ("ConnectionState", Level::Crit, Level::Ok)
        );
        let rds = all.iter().find(|p| p.id == "rds").unwrap();
        let free = &rds.columns[rds.column("free storage").unwrap()];
        assert_eq!(free.unit, Unit::Bytes);
        assert_eq!(
            (free.level(1e9), free.level(5e9), free.level(18e9)),
            (Level::Crit, Level::Warn, Level::Ok)
        );
    }

    #[test]
    fn presets_are_enabled_by_name_and_a_config_pane_overrides_by_id() {
        let src = "presets = [\"direct-connect\", \"rds\"]\n[[panes]]\nid = \"rds\"\ntitle = \"Our DB\"\nnamespace = \"AWS/RDS\"\nrow_dimension = \"DBInstanceIdentifier\"\nrows = [\"db-1\"]\n[[panes.columns]]\nlabel = \"cpu\"\nmetric = \"CPUUtilization\"\n";
        let c = Config::from_str(Path::new("c.toml"), src).unwrap();
        let ids: Vec<(&str, &str)> = c.panes.iter().map(|p| (p.id.as_str(), p.title.as_str())).collect();
        assert_eq!(ids, [("dx", "Direct Connect"), ("rds", "Our DB")]);
        assert_eq!(c.presets.as_deref(), Some(&["direct-connect".to_string(), "rds".to_string()][..]));
        // The demo shows what the config enabled, not every preset.
        assert_eq!(c.demo_panes().unwrap().len(), 2);
        // Without the key, the live console has only the config's panes and the demo all presets.
        let none = Config::from_str(Path::new("c.toml"), "").unwrap();
        assert!(none.panes.is_empty());
        assert_eq!(none.demo_panes().unwrap().len(), shipped_names().len());
        // An empty list turns them off in the demo too.
        let off = Config::from_str(Path::new("c.toml"), "presets = []\n").unwrap();
        assert!(off.demo_panes().unwrap().is_empty());
    }

    #[test]
    fn an_unknown_or_repeated_preset_is_pointed_at() {
        let err = |src: &str| Config::from_str(Path::new("c.toml"), src).unwrap_err().to_string();
        let e = err("presets = [\"lex\", \"direct-conect\"]\n");
        assert!(
            e.starts_with("c.toml:1:19: unknown preset \"direct-conect\"; did you mean \"direct-connect\"?"),
            "{e}"
        );
        assert!(e.contains("direct-connect"), "{e}");
        assert_eq!(err("presets = [\"s3\", \"s3\"]\n"), "c.toml:1:18: preset \"s3\" is named twice");
    }

    #[test]
    fn a_users_preset_file_replaces_the_shipped_one_and_its_errors_name_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("presets")).unwrap();
        let path = dir.path().join("presets/s3.toml");
        std::fs::write(&path, "[[panes]]\nid = \"s3\"\nnamespace = \"AWS/S3\"\nrow_dimension = \"BucketName\"\nrows = [\"b\"]\n[[panes.columns]]\nlabel = \"5xx\"\nmetric = \"5xxErrors\"\nunit = \"furlongs\"\n").unwrap();
        let e = load("s3", Some(dir.path())).unwrap_err().to_string();
        assert!(e.starts_with(&format!("{}:9:8: unknown unit \"furlongs\"", path.display())), "{e}");
        std::fs::write(&path, "[[panes]]\nid = \"s3\"\nnamespace = \"AWS/S3\"\nrow_dimension = \"BucketName\"\nrows = [\"b\"]\n[[panes.columns]]\nlabel = \"5xx\"\nmetric = \"5xxErrors\"\n").unwrap();
        let p = load("s3", Some(dir.path())).unwrap();
        assert_eq!(p[0].rows, ["b"]);
        assert!(p[0].origin.contains("s3.toml"), "{}", p[0].origin);
    }
}
