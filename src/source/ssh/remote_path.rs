//! The log directory as SFTP wants it and as people read it.
//!
//! Windows OpenSSH's SFTP server names `C:\ProgramData\NexTalk\Logs` as
//! `/C:/ProgramData/NexTalk/Logs`; engineers know the first form. Both are accepted in the
//! settings; the SFTP form goes on the wire, the Windows form on the screen.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteDir {
    /// For SFTP requests, without a trailing slash (except the root `/`).
    sftp: String,
    /// For people: `C:\ProgramData\NexTalk\Logs` or `/var/log/nextalk`.
    display: String,
    windows: bool,
}

impl RemoteDir {
    pub fn parse(dir: &str) -> RemoteDir {
        let dir = dir.trim();
        // `/C:/x` (already in SFTP form) is a Windows path too.
        let drive_path = dir.strip_prefix('/').filter(|rest| is_drive_path(rest)).unwrap_or(dir);
        if is_drive_path(drive_path) {
            let forward = drive_path.replace('\\', "/");
            let trimmed = trim_trailing(&forward, 3); // keep `C:/`
            let sftp = format!("/{trimmed}");
            let display = trimmed.replace('/', "\\");
            // `C:` alone means the drive root.
            let display = if display.len() == 2 { format!("{display}\\") } else { display };
            return RemoteDir { sftp, display, windows: true };
        }
        let trimmed = trim_trailing(dir, 1).to_owned();
        RemoteDir { sftp: trimmed.clone(), display: trimmed, windows: false }
    }

    pub fn sftp(&self) -> &str {
        &self.sftp
    }

    pub fn display(&self) -> &str {
        &self.display
    }

    /// File names on Windows compare without regard to case.
    pub fn is_windows(&self) -> bool {
        self.windows
    }

    pub fn sftp_file(&self, name: &str) -> String {
        if self.sftp.ends_with('/') {
            format!("{}{name}", self.sftp)
        } else {
            format!("{}/{name}", self.sftp)
        }
    }

    pub fn display_file(&self, name: &str) -> String {
        let sep = if self.windows { '\\' } else { '/' };
        if self.display.ends_with(sep) {
            format!("{}{name}", self.display)
        } else {
            format!("{}{sep}{name}", self.display)
        }
    }
}

/// `C:`, `C:\…`, `C:/…`.
fn is_drive_path(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2
        && b[0].is_ascii_alphabetic()
        && b[1] == b':'
        && (b.len() == 2 || b[2] == b'\\' || b[2] == b'/')
}

/// Drops trailing slashes but keeps at least `keep` characters (so `/` and `C:/` survive).
fn trim_trailing(s: &str, keep: usize) -> &str {
    let mut end = s.len();
    while end > keep && s.as_bytes()[end - 1] == b'/' {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_directories_become_sftp_paths() {
        let d = RemoteDir::parse(r"C:\ProgramData\NexTalk\Logs");
        assert_eq!(d.sftp(), "/C:/ProgramData/NexTalk/Logs");
        assert_eq!(d.display(), r"C:\ProgramData\NexTalk\Logs");
        assert!(d.is_windows());
        assert_eq!(d.sftp_file("NexTalk-20261122.log"), "/C:/ProgramData/NexTalk/Logs/NexTalk-20261122.log");
        assert_eq!(
            d.display_file("NexTalk-20261122.log"),
            r"C:\ProgramData\NexTalk\Logs\NexTalk-20261122.log"
        );
    }

    #[test]
    fn sftp_form_and_trailing_separators_are_accepted() {
        let d = RemoteDir::parse("/C:/ProgramData/NexTalk/Logs/");
        assert_eq!(d.sftp(), "/C:/ProgramData/NexTalk/Logs");
        assert_eq!(d.display(), r"C:\ProgramData\NexTalk\Logs");
        let d = RemoteDir::parse(r"d:\logs\");
        assert_eq!(d.sftp(), "/d:/logs");
        let root = RemoteDir::parse(r"C:\");
        assert_eq!(root.sftp(), "/C:/");
        assert_eq!(root.sftp_file("a.log"), "/C:/a.log");
        assert_eq!(root.display_file("a.log"), r"C:\a.log");
    }

    #[test]
    fn posix_directories_stay_as_they_are() {
        let d = RemoteDir::parse("/var/log/nextalk/");
        assert_eq!(d.sftp(), "/var/log/nextalk");
        assert!(!d.is_windows());
        assert_eq!(d.display_file("a.log"), "/var/log/nextalk/a.log");
        assert_eq!(RemoteDir::parse("/").sftp_file("a.log"), "/a.log");
        // Relative to the login directory, as SFTP resolves it.
        assert_eq!(RemoteDir::parse("logs").sftp_file("a.log"), "logs/a.log");
    }
}
