//! `switchboard config path|init|check`: where the config file is, an example of one, and
//! whether one (with its theme, keymap and the runbooks) loads.

use super::args::ConfigCommand;
use super::common::{no_color, print_quietly};
use crate::config::{self, Config};
use crate::runbook::{self, Library};
use anyhow::{Context as _, Result, bail};
use std::path::Path;

pub(super) fn run(explicit: Option<&Path>, command: ConfigCommand) -> Result<u8> {
    match command {
        ConfigCommand::Path => {
            let path = explicit.map(Path::to_path_buf).or_else(config::default_path);
            match path {
                Some(p) => {
                    let state =
                        if p.exists() { "exists" } else { "not created yet; `switchboard config init`" };
                    print_quietly(&format!("{}\t({state})\n", p.display()))?;
                    Ok(0)
                }
                None => bail!("no config directory could be determined; pass --config PATH"),
            }
        }
        ConfigCommand::Init { path } => {
            let path = path
                .or_else(|| explicit.map(Path::to_path_buf))
                .or_else(config::default_path)
                .context("no config directory could be determined; give a path")?;
            config::write_example(&path).map_err(anyhow::Error::new)?;
            print_quietly(&format!("wrote {}\n", path.display()))?;
            Ok(0)
        }
        ConfigCommand::Check { path } => {
            let checked = match path.as_deref() {
                Some(p) => Config::load(p),
                None => Config::discover(explicit),
            }
            .map_err(anyhow::Error::new)?;
            let no_color = no_color();
            checked.theme(no_color).map_err(anyhow::Error::new)?;
            checked.keymap().map_err(anyhow::Error::new)?;
            let lib = Library::load(runbook::user_dir().as_deref());
            if let Some(e) = lib.errors.first() {
                return Err(anyhow::Error::new(e.clone()));
            }
            let what = checked
                .path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or("defaults (no config file)".into());
            print_quietly(&format!("ok: {what}\n"))?;
            Ok(0)
        }
    }
}
