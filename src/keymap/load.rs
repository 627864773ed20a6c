//! Finding keymaps by name and layering the user's overrides on top.

use super::Keymap;
use super::file::parse;
use super::merge::{apply_overrides, build};
use crate::config::named_files::{self, Kind};
use crate::file_error::FileError;
use std::path::Path;

/// The keymaps compiled into the binary, so a fresh install works without any files.
const KEYMAPS: Kind = Kind {
    what: "keymap",
    dir: "keymaps",
    shipped: &[
        ("default", include_str!("../../keymaps/default.toml")),
        ("vim", include_str!("../../keymaps/vim.toml")),
    ],
};

/// The user's override file in the config directory: single bindings changed on top of
/// whichever keymap is chosen.
pub const OVERRIDE_FILE: &str = "keymap.toml";

impl Keymap {
    /// Loads keymap `name`: `<user_dir>/keymaps/<name>.toml` if it exists, else the shipped
    /// one; then applies `<user_dir>/keymap.toml` if that exists. `user_dir` is normally
    /// [`crate::config::Config::user_dir`].
    pub fn load(name: &str, user_dir: Option<&Path>) -> Result<Keymap, FileError> {
        let found = KEYMAPS.find(name, user_dir, false)?;
        let mut keymap = build(name, &found.path, &found.src, parse(&found.path, &found.src)?)?;
        if let Some(dir) = user_dir {
            let path = dir.join(OVERRIDE_FILE);
            if path.exists() {
                let src = named_files::read(&path)?;
                keymap = apply_overrides(keymap, &path, &src, parse(&path, &src)?)?;
            }
        }
        Ok(keymap)
    }

    /// Parses a complete keymap file; `path` is only used in messages and for the name.
    pub fn from_str(path: &Path, src: &str) -> Result<Keymap, FileError> {
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("custom");
        build(name, path, src, parse(path, src)?)
    }

    /// Applies an override file (the format of `keymap.toml`) to this keymap.
    pub fn with_overrides(self, path: &Path, src: &str) -> Result<Keymap, FileError> {
        let entries = parse(path, src)?;
        apply_overrides(self, path, src, entries)
    }

    /// Names that [`Keymap::load`] accepts, shipped ones first, with the user's keymaps from
    /// the default config directory.
    pub fn available() -> Vec<String> {
        Self::available_in(crate::config::config_dir().as_deref())
    }

    /// Names that [`Keymap::load`] accepts with this `user_dir`.
    pub fn available_in(user_dir: Option<&Path>) -> Vec<String> {
        KEYMAPS.available(user_dir)
    }

    /// The shipped keymap files, by name, for tests and `--print-keymap`-style output.
    pub fn shipped() -> impl Iterator<Item = (&'static str, &'static str)> {
        KEYMAPS.shipped.iter().copied()
    }
}
