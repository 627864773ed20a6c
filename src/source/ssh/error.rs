//! What can go wrong on the way to a server's log, worded for the engineer who must act on it.

use super::hostkey::HostKey;
use crate::source::SourceError;
use std::path::PathBuf;

#[derive(Debug, Clone, thiserror::Error)]
pub enum SshError {
    #[error("{server}: cannot resolve {host}: {message}")]
    Resolve { server: String, host: String, message: String },

    #[error("{server}: cannot connect to {addr}: {message}")]
    Connect { server: String, addr: String, message: String },

    #[error("{server}: SSH handshake with {addr} failed: {message}")]
    Handshake { server: String, addr: String, message: String },

    #[error(
        "{server}: the host key of {} is not in {}: {} {}. Check this fingerprint with the \
         server's administrator, then accept it (--accept-new-host-key)",
        key.host_pattern(), known_hosts.display(), key.key_type, key.fingerprint
    )]
    UnknownHostKey { server: String, key: Box<HostKey>, known_hosts: PathBuf },

    #[error(
        "{server}: HOST KEY CHANGED for {}: it presented {} {}, which does not match {}. \
         Someone may be intercepting the connection. If the server was rebuilt, remove the \
         old entry (ssh-keygen -R '{}' -f {}) and accept the new key",
        key.host_pattern(), key.key_type, key.fingerprint, known_hosts.display(),
        key.host_pattern(), known_hosts.display()
    )]
    ChangedHostKey { server: String, key: Box<HostKey>, known_hosts: PathBuf },

    #[error("{server}: cannot read known_hosts file {}: {message}", path.display())]
    KnownHosts { server: String, path: PathBuf, message: String },

    #[error("{server}: authentication as {user} failed ({method}): {message}")]
    Auth { server: String, user: String, method: String, message: String },

    #[error("{server}: SFTP: {message}")]
    Sftp { server: String, message: String },

    #[error("{server}: no file matching {glob} in {dir}")]
    NoLogFile { server: String, dir: String, glob: String },

    #[error("{server}: {message}")]
    Settings { server: String, message: String },
}

impl SshError {
    /// Retrying cannot help: the engineer has to do something first (accept or check a host
    /// key, fix a key or user name, fix the config).
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            SshError::UnknownHostKey { .. }
                | SshError::ChangedHostKey { .. }
                | SshError::KnownHosts { .. }
                | SshError::Auth { .. }
                | SshError::NoLogFile { .. }
                | SshError::Settings { .. }
        )
    }

    /// The key the server presented, when it was refused: what `accept_host_key` takes once
    /// the engineer has agreed (only offered for unknown keys, never for changed ones).
    pub fn unknown_host_key(&self) -> Option<&HostKey> {
        match self {
            SshError::UnknownHostKey { key, .. } => Some(key.as_ref()),
            _ => None,
        }
    }

    fn operation(&self) -> &'static str {
        match self {
            SshError::Resolve { .. } | SshError::Connect { .. } => "ssh connect",
            SshError::Handshake { .. } => "ssh handshake",
            SshError::UnknownHostKey { .. }
            | SshError::ChangedHostKey { .. }
            | SshError::KnownHosts { .. } => "ssh host key check",
            SshError::Auth { .. } => "ssh authentication",
            SshError::Sftp { .. } | SshError::NoLogFile { .. } => "sftp read log",
            SshError::Settings { .. } => "ssh settings",
        }
    }

    fn server(&self) -> &str {
        match self {
            SshError::Resolve { server, .. }
            | SshError::Connect { server, .. }
            | SshError::Handshake { server, .. }
            | SshError::UnknownHostKey { server, .. }
            | SshError::ChangedHostKey { server, .. }
            | SshError::KnownHosts { server, .. }
            | SshError::Auth { server, .. }
            | SshError::Sftp { server, .. }
            | SshError::NoLogFile { server, .. }
            | SshError::Settings { server, .. } => server,
        }
    }
}

impl From<SshError> for SourceError {
    fn from(e: SshError) -> Self {
        // The resource already names the server; the message need not repeat it.
        let text = e.to_string();
        let message = text.strip_prefix(&format!("{}: ", e.server())).unwrap_or(&text).to_owned();
        SourceError::Failed { operation: e.operation().into(), resource: e.server().into(), message }
    }
}
