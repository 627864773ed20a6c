//! Saving the lines that pass the level filter to a file, for the incident report.

use crate::model::Timestamp;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// A file to write: prepared on the UI loop (a copy of the lines), written off it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveJob {
    path: PathBuf,
    lines: Vec<String>,
}

impl SaveJob {
    /// `<dir>/logs/<title>-<UTC time>.log`, with the title reduced to safe file-name characters.
    pub(super) fn new(dir: &Path, title: &str, lines: Vec<String>) -> Self {
        let stem: String = title
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' { c } else { '_' })
            .collect();
        let stem = stem.trim_matches(['_', '.']);
        let stem = if stem.is_empty() { "log" } else { stem };
        let time: String = Timestamp::now().rfc3339().chars().filter(|c| *c != '-' && *c != ':').collect();
        SaveJob { path: dir.join("logs").join(format!("{stem}-{time}.log")), lines }
    }

    /// Where the file will be written (unless it exists: then a `-N` suffix is added).
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn line_count(&self) -> usize {
        self.lines.len()
    }

    /// Writes the file, never over an existing one; returns the path written.
    pub fn write(&self) -> std::io::Result<PathBuf> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut n = 0;
        let (mut file, path) = loop {
            let path = if n == 0 { self.path.clone() } else { self.path.with_extension(format!("{n}.log")) };
            let mut opts = std::fs::OpenOptions::new();
            // `create_new` never follows a link planted at the path; 0600 because a log holds
            // caller names and chat text.
            opts.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            match opts.open(&path) {
                Ok(f) => break (f, path),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 100 => n += 1,
                Err(e) => return Err(e),
            }
        };
        let mut out = std::io::BufWriter::new(&mut file);
        for line in &self.lines {
            out.write_all(line.as_bytes())?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
        drop(out);
        file.sync_all()?;
        Ok(path)
    }
}

/// When the console has not said where: the platform's data directory for switchboard.
pub(super) fn default_dir() -> PathBuf {
    directories::ProjectDirs::from("", "", "switchboard")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(std::env::temp_dir)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_saved_log_is_private_to_its_owner() {
        let dir = tempfile::tempdir().unwrap();
        let job = SaveJob::new(dir.path(), "nt-a", vec!["caller: Jane Doe".into()]);
        let path = job.write().unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn a_link_planted_at_the_name_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let job = SaveJob::new(dir.path(), "nt-a", vec!["line".into()]);
        std::fs::create_dir_all(job.path().parent().unwrap()).unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        std::os::unix::fs::symlink(&victim, job.path()).unwrap();
        let written = job.write().unwrap();
        assert_ne!(written, job.path());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    }
}
