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
            // `exists`, not `is_file`: a FIFO or a device under that name is reported (by
            // `read`), not silently passed over for the shipped file.
            if path.exists() {
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

/// The most a file people edit (config, keymap, theme, runbook) may hold. A config for
/// 100,000 servers is about 12 MB; anything past this is a mistake, or `/dev/zero`.
pub const MAX_USER_FILE: u64 = 32 * 1024 * 1024;

/// Reads a file people edit (config, keymaps, themes, runbooks: every loader goes through
/// here), with the reason in the message when it cannot be read. Links are followed (dotfile
/// managers link configs), but what they lead to must be a regular file of at most
/// [`MAX_USER_FILE`] bytes: a FIFO would block the reader forever, a link to `/dev/zero`
/// would be read until memory runs out.
pub(crate) fn read(path: &Path) -> Result<String, FileError> {
    read_user_file(path, MAX_USER_FILE).map_err(|m| FileError::whole(path, m))
}

/// [`read`] with a size cap of the caller's; the error is the message alone.
pub fn read_user_file(path: &Path, max: u64) -> Result<String, String> {
    use std::io::Read as _;
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Opening a FIFO for reading waits for a writer unless non-blocking; the file type is
        // checked right after, before anything is read.
        opts.custom_flags(libc::O_NONBLOCK);
    }
    let file = opts.open(path).map_err(|e| format!("cannot read: {e}"))?;
    let meta = file.metadata().map_err(|e| format!("cannot read: {e}"))?;
    if !meta.is_file() {
        return Err(format!("cannot read: not a regular file ({})", file_kind(&meta)));
    }
    let too_big = |n: u64| format!("cannot read: too large ({n} bytes; at most {max})");
    if meta.len() > max {
        return Err(too_big(meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // `take` as well: the file may grow between the check and the read.
    file.take(max + 1).read_to_end(&mut bytes).map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > max {
        return Err(too_big(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!("cannot read: not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to())
    })
}

/// What a path that is not a regular file is, for messages.
pub fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else if t.is_symlink() {
        "a symbolic link"
    } else if t.is_file() {
        "a regular file"
    } else {
        "not a file"
    }
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
