//! Where the config lives, and writing a starter file.

use crate::file_error::FileError;
use directories::ProjectDirs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The commented example config; every line of it is valid, and so is every commented-out
/// setting once its `#` is removed.
pub fn example() -> &'static str {
    include_str!("example.toml")
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
