//! NexTalk server logs over SSH: SFTP reads of the newest log file, followed through
//! rotations and reconnects, with host keys checked against known_hosts.
//!
//! SFTP rather than a remote `tail`/`Get-Content`: it works the same against Windows OpenSSH
//! and any other sshd, and nothing is ever run in the remote shell. ssh2 types stay inside
//! this module.

mod connect;
mod error;
mod follow;
mod hostkey;
mod lines;
mod remote_path;
mod settings;
mod sftp_dir;
mod tail;

pub use connect::probe_host_key;
pub use error::SshError;
pub use follow::StartAt;
pub use hostkey::{AcceptError, HostKey, HostKeyCheck, accept_host_key};
pub use remote_path::RemoteDir;
pub use settings::{DEFAULT_LOG_DIR, SshSettings, expand_tilde};
pub use tail::{SshTail, SshTailOptions};
