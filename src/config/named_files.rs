//! Files chosen by name (`theme = "dark"`, `keymap = "vim"`): a user's file in
//! `<user_dir>/<kind_dir>/<name>.toml` wins, else the copy shipped inside the binary. Shared by
//! keymaps and themes so both follow the same rules and give the same messages.

use crate::file_error::FileError;
use std::path::{Path, PathBuf};

/// One kind of named file: where users keep them and which ones ship.
pub(crate) struct Kind {
    /// Singular, for messages: "theme".
    pub what: &'static str,
    /// Folder under the user's config directory, and the repository folder of the shipped ones.
    pub dir: &'static str,
    pub shipped: &'static [(&'static str, &'static str)],
}

/// A named file found and read.
pub(crate) struct Found {
    /// Where it came from, for error messages. Shipped files use their repository path.
    pub path: PathBuf,
    pub src: String,
    pub shipped: bool,
}

/// Names become file names, so they are kept to a safe, portable alphabet: no separators, no
/// `..`, nothing a shell or Windows would trip over.
/// `what` names the kind in the message: "theme", "keymap", "scenario".
pub(crate) fn check_name(what: &str, name: &str) -> Result<(), String> {
    let ok_chars = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let starts_ok = name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if ok_chars && starts_ok && name.len() <= 64 {
        Ok(())
    } else {
        Err(format!(
            "bad {what} name {name:?}: use 1-64 letters, digits, `-` or `_`, starting with a letter or digit"
        ))
    }
}

impl Kind {
    fn user_path(&self, user_dir: &Path, name: &str) -> PathBuf {
        user_dir.join(self.dir).join(format!("{name}.toml"))
    }

    fn shipped_path(&self, name: &str) -> PathBuf {
        Path::new(self.dir).join(format!("{name}.toml"))
    }

    /// Shipped names first (in shipping order), then the user's extra ones, sorted.
    pub fn available(&self, user_dir: Option<&Path>) -> Vec<String> {
        let mut names: Vec<String> = self.shipped.iter().map(|(n, _)| n.to_string()).collect();
        let mut extra: Vec<String> = user_dir
            .and_then(|d| std::fs::read_dir(d.join(self.dir)).ok())
            .into_iter()
            .flatten()
            .filter_map(|entry| {
                let path = entry.ok()?.path();
                if path.extension()? != "toml" {
                    return None;
                }
                let stem = path.file_stem()?.to_str()?.to_string();
                check_name(self.what, &stem).ok().map(|()| stem)
            })
            .filter(|n| !names.contains(n))
            .collect();
        extra.sort();
        names.append(&mut extra);
        names
    }

    /// Finds `name`: the user's file unless `skip_user`, then the shipped one. An unknown name
    /// is an error listing what exists.
    pub fn find(&self, name: &str, user_dir: Option<&Path>, skip_user: bool) -> Result<Found, FileError> {
        let where_ = user_dir.map_or_else(|| self.shipped_path(name), |d| self.user_path(d, name));
        check_name(self.what, name).map_err(|m| FileError::whole(&where_, m))?;
        if let (Some(dir), false) = (user_dir, skip_user) {
            let path = self.user_path(dir, name);
            if path.is_file() {
                let src = read(&path)?;
                return Ok(Found { path, src, shipped: false });
            }
        }
        match self.shipped.iter().find(|(n, _)| *n == name) {
            Some((_, src)) => {
                Ok(Found { path: self.shipped_path(name), src: src.to_string(), shipped: true })
            }
            None => Err(FileError::whole(
                &where_,
                format!(
                    "unknown {} {name:?} (available: {})",
                    self.what,
                    self.available(user_dir).join(", ")
                ),
            )),
        }
    }
}

/// Reads a file people edit, with the reason in the message when it cannot be read.
pub(crate) fn read(path: &Path) -> Result<String, FileError> {
    std::fs::read_to_string(path).map_err(|e| FileError::whole(path, format!("cannot read: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_escape_their_folder() {
        assert!(check_name("theme", "high-contrast").is_ok());
        assert!(check_name("theme", "my_theme2").is_ok());
        for bad in ["", "../etc", "a/b", "a\\b", ".hidden", "-x", "a b", &"x".repeat(65)] {
            assert!(check_name("theme", bad).is_err(), "{bad:?} accepted");
        }
    }
}
