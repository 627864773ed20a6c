//! Host keys: checked against a known_hosts file, refused when unknown or changed, added only
//! when the engineer says so.
//!
//! libssh2's known_hosts code does the matching (plain, hashed and `[host]:port` entries). Two
//! things are added around it: the key types already known for a host are offered first in
//! the handshake (libssh2's own order would otherwise pick a type the file lacks and report a
//! key the engineer has in fact accepted as unknown), and accepting appends one line instead
//! of letting libssh2 rewrite the whole file (which would drop the lines it cannot parse).

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use ssh2::{CheckResult, HashType, KnownHostFileKind, Session};
use std::io::{self, Write as _};
use std::path::Path;

/// OpenSSH's order of preference.
const DEFAULT_HOST_KEY_ORDER: &[&str] = &[
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "rsa-sha2-512",
    "rsa-sha2-256",
    "ssh-rsa",
];

/// A server's host key as it presented it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostKey {
    pub host: String,
    pub port: u16,
    /// As in known_hosts: `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`…
    pub key_type: String,
    /// The public key blob (what known_hosts holds in base64).
    pub key: Vec<u8>,
    /// `SHA256:<base64>`, as `ssh-keygen -l` and OpenSSH's prompts show it.
    pub fingerprint: String,
}

impl HostKey {
    /// How known_hosts names this host: `host` on port 22, `[host]:port` otherwise.
    pub fn host_pattern(&self) -> String {
        if self.port == 22 { self.host.clone() } else { format!("[{}]:{}", self.host, self.port) }
    }

    pub fn known_hosts_line(&self) -> String {
        format!("{} {} {}", self.host_pattern(), self.key_type, STANDARD.encode(&self.key))
    }
}

/// What the known_hosts file says about a presented key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostKeyCheck {
    Known,
    Unknown(HostKey),
    Changed(HostKey),
}

/// The key the server presented during the handshake.
pub(crate) fn presented_key(session: &Session, host: &str, port: u16) -> Option<HostKey> {
    let (blob, _) = session.host_key()?;
    let hash = session.host_key_hash(HashType::Sha256)?;
    Some(HostKey {
        host: host.to_owned(),
        port,
        key_type: blob_key_type(blob)?,
        key: blob.to_vec(),
        fingerprint: format!("SHA256:{}", STANDARD_NO_PAD.encode(hash)),
    })
}

/// The key type named at the start of a public key blob (an SSH string: u32 length, bytes).
fn blob_key_type(blob: &[u8]) -> Option<String> {
    let len = u32::from_be_bytes(blob.get(..4)?.try_into().ok()?) as usize;
    let name = blob.get(4..4usize.checked_add(len)?)?;
    std::str::from_utf8(name).ok().map(str::to_owned)
}

/// Plain (unhashed) entries for `host`/`port` in the file: (key type, key blob).
fn plain_entries(
    session: &Session,
    known_hosts: &Path,
    host: &str,
    port: u16,
) -> io::Result<Vec<(String, Vec<u8>)>> {
    let mut kh = session.known_hosts().map_err(io::Error::from)?;
    if !known_hosts.exists() {
        return Ok(Vec::new());
    }
    kh.read_file(known_hosts, KnownHostFileKind::OpenSSH).map_err(io::Error::from)?;
    let bracketed = format!("[{host}]:{port}");
    let mut out = Vec::new();
    for entry in kh.iter().map_err(io::Error::from)? {
        let Some(names) = entry.name() else { continue };
        let named = names.split(',').any(|n| n == bracketed || (port == 22 && n == host));
        if !named {
            continue;
        }
        if let Ok(blob) = STANDARD.decode(entry.key())
            && let Some(kind) = blob_key_type(&blob)
        {
            out.push((kind, blob));
        }
    }
    Ok(out)
}

/// Before the handshake: ask for the key types known_hosts already has for this host first.
pub(crate) fn prefer_known_types(
    session: &Session,
    known_hosts: &Path,
    host: &str,
    port: u16,
) -> io::Result<()> {
    let known = plain_entries(session, known_hosts, host, port)?;
    let mut order: Vec<&str> = Vec::new();
    for (kind, _) in &known {
        // An RSA key is presented with a SHA-2 signature in modern servers.
        let names: &[&str] =
            if kind == "ssh-rsa" { &["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] } else { &[kind.as_str()] };
        for n in names {
            if !order.contains(n) {
                order.push(n);
            }
        }
    }
    for n in DEFAULT_HOST_KEY_ORDER {
        if !order.contains(n) {
            order.push(n);
        }
    }
    session.method_pref(ssh2::MethodType::HostKey, &order.join(",")).map_err(io::Error::from)
}

/// After the handshake: is the presented key the one known_hosts has for this host?
pub(crate) fn check(session: &Session, known_hosts: &Path, key: HostKey) -> io::Result<HostKeyCheck> {
    if !known_hosts.exists() {
        return Ok(HostKeyCheck::Unknown(key));
    }
    let mut kh = session.known_hosts().map_err(io::Error::from)?;
    kh.read_file(known_hosts, KnownHostFileKind::OpenSSH).map_err(io::Error::from)?;
    Ok(match kh.check_port(&key.host, key.port, &key.key) {
        CheckResult::Match => HostKeyCheck::Known,
        CheckResult::NotFound => HostKeyCheck::Unknown(key),
        // Refused either way: a different key, or (after asking for the known types first) a
        // server that no longer offers any key type the file has for it.
        CheckResult::Mismatch => HostKeyCheck::Changed(key),
        CheckResult::Failure => return Err(io::Error::other("libssh2 could not check the key")),
    })
}

#[derive(Debug, thiserror::Error)]
pub enum AcceptError {
    #[error("{}: already has a different {} key for {}; remove it first (ssh-keygen -R '{}' -f {})",
        path.display(), key_type, host, host, path.display())]
    Conflicting { path: std::path::PathBuf, host: String, key_type: String },
    #[error("{}: {source}", path.display())]
    Io { path: std::path::PathBuf, source: io::Error },
}

/// Records `key` as trusted for its host in `known_hosts` (creating the file and its directory
/// when missing). Call only after the engineer has compared the fingerprint and agreed.
/// Refuses to add a second key of the same type for a host: a changed key is not "new".
pub fn accept_host_key(known_hosts: &Path, key: &HostKey) -> Result<(), AcceptError> {
    let io_err = |source| AcceptError::Io { path: known_hosts.to_path_buf(), source };
    let session = Session::new().map_err(|e| io_err(e.into()))?;
    let existing = plain_entries(&session, known_hosts, &key.host, key.port).map_err(io_err)?;
    for (kind, blob) in &existing {
        if *kind == key.key_type {
            if *blob == key.key {
                return Ok(());
            }
            return Err(AcceptError::Conflicting {
                path: known_hosts.to_path_buf(),
                host: key.host_pattern(),
                key_type: kind.clone(),
            });
        }
    }
    if let Some(dir) = known_hosts.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io_err)?;
    }
    // Start on a fresh line even when the file's last line has no newline.
    let needs_newline =
        std::fs::read(known_hosts).map(|b| b.last().is_some_and(|&c| c != b'\n')).unwrap_or(false);
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(known_hosts).map_err(io_err)?;
    let mut line = String::new();
    if needs_newline {
        line.push('\n');
    }
    line.push_str(&key.known_hosts_line());
    line.push('\n');
    f.write_all(line.as_bytes()).and_then(|()| f.sync_all()).map_err(io_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(port: u16) -> HostKey {
        // ssh-ed25519 blob: string "ssh-ed25519", string <32 bytes>.
        let mut blob = Vec::new();
        blob.extend_from_slice(&11u32.to_be_bytes());
        blob.extend_from_slice(b"ssh-ed25519");
        blob.extend_from_slice(&32u32.to_be_bytes());
        blob.extend_from_slice(&[7; 32]);
        HostKey {
            host: "10.0.0.5".into(),
            port,
            key_type: "ssh-ed25519".into(),
            key: blob,
            fingerprint: "SHA256:x".into(),
        }
    }

    #[test]
    fn key_type_is_read_from_the_blob() {
        assert_eq!(blob_key_type(&key(22).key).as_deref(), Some("ssh-ed25519"));
        assert_eq!(blob_key_type(&[0, 0, 0, 9, b'a']), None);
        assert_eq!(blob_key_type(&[]), None);
    }

    #[test]
    fn lines_name_the_port_only_when_it_is_not_22() {
        assert!(key(22).known_hosts_line().starts_with("10.0.0.5 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5"));
        assert!(key(2222).known_hosts_line().starts_with("[10.0.0.5]:2222 ssh-ed25519 "));
    }

    #[test]
    fn accepting_appends_once_and_refuses_a_different_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ssh/known_hosts");
        let k = key(2222);
        accept_host_key(&path, &k).unwrap();
        accept_host_key(&path, &k).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");

        let session = Session::new().unwrap();
        assert_eq!(check(&session, &path, k.clone()).unwrap(), HostKeyCheck::Known);

        let mut other = k.clone();
        other.key[30] ^= 1;
        assert!(matches!(accept_host_key(&path, &other), Err(AcceptError::Conflicting { .. })));
        assert!(matches!(check(&session, &path, other).unwrap(), HostKeyCheck::Changed(_)));

        let mut elsewhere = k;
        elsewhere.port = 2223;
        assert!(matches!(check(&session, &path, elsewhere).unwrap(), HostKeyCheck::Unknown(_)));
    }

    #[test]
    fn a_file_without_final_newline_gets_one_before_the_new_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("known_hosts");
        std::fs::write(&path, "# my hosts").unwrap();
        accept_host_key(&path, &key(22)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# my hosts\n10.0.0.5 ssh-ed25519 "), "{text}");
    }
}
