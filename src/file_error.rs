//! Errors in files people edit (config, keymaps, themes, runbooks) name the file, line and
//! column, the way compilers do: `keymaps/custom.toml:3:7: unknown action "qiut"`.

use crate::sanitize;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub path: PathBuf,
    /// 1-based; 0 when the error is about the file as a whole (e.g. it cannot be read).
    pub line: usize,
    /// 1-based, in characters.
    pub col: usize,
    pub message: String,
}

impl FileError {
    /// An error at a byte offset of `src`.
    pub fn at(path: &Path, src: &str, offset: usize, message: impl Into<String>) -> Self {
        let (line, col) = line_col(src, offset);
        FileError { path: path.to_path_buf(), line, col, message: message.into() }
    }

    /// An error at the start of a span (as given by `serde_spanned` or `toml`).
    pub fn at_span(path: &Path, src: &str, span: Range<usize>, message: impl Into<String>) -> Self {
        Self::at(path, src, span.start, message)
    }

    /// The file itself is the problem (missing, unreadable).
    pub fn whole(path: &Path, message: impl Into<String>) -> Self {
        FileError { path: path.to_path_buf(), line: 0, col: 0, message: message.into() }
    }

    /// From a TOML parse / deserialize error, keeping only its message (the location is ours).
    pub fn from_toml(path: &Path, src: &str, err: &toml::de::Error) -> Self {
        let message = err.message().trim().to_string();
        match err.span() {
            Some(span) => Self::at_span(path, src, span, message),
            None => Self::whole(path, message),
        }
    }
}

/// The one way a file error reaches a terminal: the path and the message go through the
/// sanitiser, and the values a message quotes are cut (`toml` echoes an unknown key's raw
/// bytes; a bad value may be megabytes long).
impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = sanitize::sanitize_one_line(&self.path.display().to_string());
        let message = sanitize::message(&self.message);
        if self.line == 0 {
            write!(f, "{path}: {message}")
        } else {
            write!(f, "{path}:{}:{}: {message}", self.line, self.col)
        }
    }
}

impl std::error::Error for FileError {}

/// 1-based line and column (in characters) of a byte offset; offsets past the end point just
/// after the last character.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(src.len());
    while !src.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &src[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_to_one_based_line_and_column() {
        let src = "a = 1\nbé = 2\n";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 6), (2, 1));
        assert_eq!(line_col(src, 9), (2, 3)); // after the two-byte é
        assert_eq!(line_col(src, 999), (3, 1));
    }

    #[test]
    fn toml_errors_point_at_the_offending_token() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct C {
            a: u32,
        }
        let src = "a = 1\nzzz = 2\n";
        let err = toml::from_str::<C>(src).unwrap_err();
        let e = FileError::from_toml(Path::new("c.toml"), src, &err);
        assert_eq!((e.line, e.col), (2, 1));
        assert!(e.to_string().starts_with("c.toml:2:1: unknown field `zzz`"), "{e}");
    }

    #[test]
    fn unknown_keys_are_not_echoed_raw_or_whole() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct C {
            a: u32,
        }
        // A quoted key may hold any character; toml's message quotes it back byte for byte.
        // (TOML escapes: a basic string may not hold raw control characters.)
        let key = format!("x\\u001b]52;c;Y3VybCBldmlsfHNo\\u0007\\u001b[2J\\u202E{}", "k".repeat(100_000));
        let src = format!("a = 1\n\"{key}\" = 2\n");
        let err = toml::from_str::<C>(&src).unwrap_err();
        assert!(err.message().contains('\u{1b}'), "toml no longer echoes raw bytes: {}", err.message());
        let shown = FileError::from_toml(Path::new("c\u{1b}[31m.toml"), &src, &err).to_string();
        assert!(!shown.chars().any(sanitize::is_unsafe), "{shown:?}");
        assert!(shown.starts_with("c.toml:2:1: unknown field `x"), "{shown}");
        assert!(shown.len() < 400, "{} bytes echoed", shown.len());
        assert!(shown.contains("k…`"), "{shown}");
    }
}
