//! Opening an authenticated SFTP session to one server. Blocking: runs on the tail's own
//! thread (or in `spawn_blocking` for [`probe_host_key`]), never on the UI loop.

use super::error::SshError;
use super::hostkey::{self, HostKeyCheck};
use super::settings::SshSettings;
use ssh2::{Session, Sftp};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};

pub struct Connection {
    // Field order matters on drop: the SFTP channel closes before its session.
    pub sftp: Sftp,
    /// Held so the session outlives every use of `sftp`.
    _session: Session,
}

/// Connects, checks the host key, authenticates and starts SFTP.
pub fn connect(server: &str, s: &SshSettings) -> Result<Connection, SshError> {
    let session = handshake(server, s)?;
    match check_host_key(server, s, &session)? {
        HostKeyCheck::Known => {}
        HostKeyCheck::Unknown(key) => {
            return Err(SshError::UnknownHostKey {
                server: server.into(),
                key: Box::new(key),
                known_hosts: s.known_hosts_path(),
            });
        }
        HostKeyCheck::Changed(key) => {
            return Err(SshError::ChangedHostKey {
                server: server.into(),
                key: Box::new(key),
                known_hosts: s.known_hosts_path(),
            });
        }
    }
    authenticate(server, s, &session)?;
    let sftp =
        session.sftp().map_err(|e| SshError::Sftp { server: server.into(), message: e.message().into() })?;
    Ok(Connection { sftp, _session: session })
}

/// Connects only as far as the host key, to show it to the engineer before they accept it.
pub fn probe_host_key(server: &str, s: &SshSettings) -> Result<HostKeyCheck, SshError> {
    let session = handshake(server, s)?;
    check_host_key(server, s, &session)
}

fn handshake(server: &str, s: &SshSettings) -> Result<Session, SshError> {
    let addr = resolve(server, s)?;
    let connect_err =
        |message: String| SshError::Connect { server: server.into(), addr: addr.to_string(), message };
    let tcp = TcpStream::connect_timeout(&addr, s.timeout).map_err(|e| connect_err(e.to_string()))?;
    // Lines should show up as soon as they are read, not when a segment fills.
    tcp.set_nodelay(true).map_err(|e| connect_err(e.to_string()))?;
    let handshake_err =
        |message: String| SshError::Handshake { server: server.into(), addr: addr.to_string(), message };
    let mut session = Session::new().map_err(|e| handshake_err(e.message().into()))?;
    // Every blocking call gives up after this long, so a dead link becomes an error (and a
    // reconnect) instead of a hung thread.
    session.set_timeout(u32::try_from(s.timeout.as_millis()).unwrap_or(u32::MAX));
    session.set_tcp_stream(tcp);
    hostkey::prefer_known_types(&session, &s.known_hosts_path(), &s.host, s.port)
        .map_err(|e| known_hosts_err(server, s, e))?;
    session.handshake().map_err(|e| handshake_err(e.message().into()))?;
    Ok(session)
}

fn check_host_key(server: &str, s: &SshSettings, session: &Session) -> Result<HostKeyCheck, SshError> {
    let key = hostkey::presented_key(session, &s.host, s.port).ok_or_else(|| SshError::Handshake {
        server: server.into(),
        addr: format!("{}:{}", s.host, s.port),
        message: "the server presented no usable host key".into(),
    })?;
    hostkey::check(session, &s.known_hosts_path(), key).map_err(|e| known_hosts_err(server, s, e))
}

fn known_hosts_err(server: &str, s: &SshSettings, e: std::io::Error) -> SshError {
    SshError::KnownHosts { server: server.into(), path: s.known_hosts_path(), message: e.to_string() }
}

fn resolve(server: &str, s: &SshSettings) -> Result<SocketAddr, SshError> {
    let err = |message: String| SshError::Resolve { server: server.into(), host: s.host.clone(), message };
    (s.host.as_str(), s.port)
        .to_socket_addrs()
        .map_err(|e| err(e.to_string()))?
        .next()
        .ok_or_else(|| err("no address".into()))
}

fn authenticate(server: &str, s: &SshSettings, session: &Session) -> Result<(), SshError> {
    let auth_err = |method: String, message: String| SshError::Auth {
        server: server.into(),
        user: s.user.clone(),
        method,
        message,
    };
    match s.identity_path() {
        Some(key) => {
            let method = format!("key {}", key.display());
            session
                .userauth_pubkey_file(&s.user, None, &key, None)
                .map_err(|e| auth_err(method, e.message().into()))?;
        }
        None => {
            if std::env::var_os("SSH_AUTH_SOCK").is_none() {
                return Err(auth_err(
                    "agent".into(),
                    "no identity_file is configured and no SSH agent is running (SSH_AUTH_SOCK is not set)"
                        .into(),
                ));
            }
            session.userauth_agent(&s.user).map_err(|e| auth_err("agent".into(), e.message().into()))?;
        }
    }
    if session.authenticated() {
        Ok(())
    } else {
        Err(auth_err("publickey".into(), "the server did not accept the key".into()))
    }
}
