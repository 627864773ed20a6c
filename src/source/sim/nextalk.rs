//! The NexTalk servers: TTY calls that hold a port from answer to hang-up, a Chat Bridge that
//! turns each call into a Connect chat in the TTY Relay queue, three Windows services whose
//! state decides what works, and a log that tells the story.

use super::logs::LogRing;
use super::queues::{Connect, TtyEnd, TtyRef};
use super::rng::SimRng;
use super::stamp;
use crate::model::{self, PingStatus, ServiceStatus};
use crate::source::logs::LogLevel;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Svc {
    Server,
    AppApi,
    ChatBridge,
}

impl Svc {
    pub const ALL: [Svc; 3] = [Svc::Server, Svc::AppApi, Svc::ChatBridge];

    /// The display name, as the snapshot and `Get-Service` show it.
    pub fn display(self) -> &'static str {
        match self {
            Svc::Server => "NexTalk Server",
            Svc::AppApi => "NexTalk App API",
            Svc::ChatBridge => "NexTalk Chat Bridge",
        }
    }

    /// The short service name (`Get-Service -Name`).
    pub fn key(self) -> &'static str {
        match self {
            Svc::Server => "NexTalkServer",
            Svc::AppApi => "NexTalkAppApi",
            Svc::ChatBridge => "NexTalkChatBridge",
        }
    }

    /// Windows matches service names case-insensitively, by short or display name.
    pub fn lookup(name: &str) -> Option<Svc> {
        let name = name.trim();
        Svc::ALL
            .into_iter()
            .find(|s| s.key().eq_ignore_ascii_case(name) || s.display().eq_ignore_ascii_case(name))
    }

    fn index(self) -> usize {
        match self {
            Svc::Server => 0,
            Svc::AppApi => 1,
            Svc::ChatBridge => 2,
        }
    }
}

pub const PORTS_PER_SERVER: u32 = 96;
/// TTY calls per second on a quiet night, across both servers.
pub const TTY_RATE: f64 = 0.06;
/// How long the caller waits on hold for a chat before hanging up.
const BRIDGE_PATIENCE_S: f64 = 150.0;
const BRIDGE_RETRY_S: i64 = 30;

#[derive(Debug, Clone)]
pub(super) enum State {
    /// Modem handshake and the auto-attendant's greeting.
    Greeting {
        until: i64,
    },
    /// Waiting for the Chat Bridge (down, or Connect refused the chat).
    AwaitBridge {
        since: i64,
        give_up_at: i64,
        next_retry: i64,
    },
    Bridged {
        contact: String,
    },
    /// An agent's callback to a caller who left a number, dialled out on this port.
    Callback,
}

#[derive(Debug, Clone)]
pub(super) struct Session {
    id: u32,
    port: u32,
    started: i64,
    pub(super) state: State,
}

impl Session {
    /// Session ids as NexTalk prints them: eight hex digits. The multiplication is a bijection
    /// on u32, so ids stay unique while not looking like a counter.
    fn sid(&self) -> String {
        format!("{:08X}", self.id.wrapping_mul(0x9E37_79B1))
    }
}

#[derive(Debug, Clone)]
pub struct Server {
    pub name: String,
    pub instance_id: String,
    capacity: u32,
    ports: Vec<bool>,
    in_use: u32,
    pub(super) sessions: Vec<Session>,
    services: [ServiceStatus; 3],
    bridge_down_since: Option<i64>,
    /// Since when the site's network path to Amazon Connect (its Direct Connect link) is
    /// down; `None` while Connect answers.
    connect_down_since: Option<i64>,
    /// Whether the TTY front end sends it new calls (the `nextalk_active_servers` flag).
    in_rotation: bool,
    /// Second within the minute at which this server's SSM agent pings and its status lines
    /// are written, so the two servers don't log in lockstep.
    offset: i64,
    pub log: LogRing,
}

/// The performance counter the simulated NexTalk Server publishes its ports in use under.
pub const PORTS_COUNTER: &str = r"\NexTalk\Ports In Use";

impl Server {
    /// Ports in use now, as the `\NexTalk\Ports In Use` counter reads.
    pub fn ports_in_use(&self) -> u32 {
        self.in_use
    }

    fn new(name: &str, instance_id: &str, offset: i64) -> Server {
        Server {
            name: name.to_string(),
            instance_id: instance_id.to_string(),
            capacity: PORTS_PER_SERVER,
            ports: vec![false; PORTS_PER_SERVER as usize],
            in_use: 0,
            sessions: Vec::new(),
            services: [ServiceStatus::Running; 3],
            bridge_down_since: None,
            connect_down_since: None,
            in_rotation: true,
            offset,
            log: LogRing::default(),
        }
    }

    pub fn service(&self, svc: Svc) -> ServiceStatus {
        self.services[svc.index()]
    }

    fn up(&self, svc: Svc) -> bool {
        self.service(svc) == ServiceStatus::Running
    }

    fn takes_calls(&self) -> bool {
        self.up(Svc::Server) && self.in_use < self.capacity
    }

    fn log(&mut self, t: i64, level: LogLevel, text: String) {
        self.log.push(stamp(t), level, text);
    }

    fn take_port(&mut self) -> Option<u32> {
        let p = self.ports.iter().position(|used| !used)?;
        self.ports[p] = true;
        self.in_use += 1;
        Some(p as u32 + 1)
    }

    fn free_port(&mut self, port: u32) {
        if let Some(used) = self.ports.get_mut(port as usize - 1)
            && *used
        {
            *used = false;
            self.in_use -= 1;
        }
    }

    fn count(&self, f: impl Fn(&State) -> bool) -> usize {
        self.sessions.iter().filter(|s| f(&s.state)).count()
    }

    /// Hands session `i` to the Chat Bridge, or parks it until the bridge can take it.
    fn bridge(&mut self, me: usize, i: usize, t: i64, rng: &mut SimRng, connect: &mut Connect) {
        let bridge_up = self.up(Svc::ChatBridge);
        let s = &self.sessions[i];
        let sid = s.sid();
        let (since, give_up_at) = match s.state {
            State::AwaitBridge { since, give_up_at, .. } => (since, give_up_at),
            _ => (t, t + rng.exp(BRIDGE_PATIENCE_S).ceil() as i64),
        };
        let retry = State::AwaitBridge { since, give_up_at, next_retry: t + BRIDGE_RETRY_S };
        if !bridge_up {
            self.sessions[i].state = retry;
            self.log(
                t,
                LogLevel::Error,
                format!(
                    "[Server] Session {sid}: hand-off to Chat Bridge failed: EndpointNotFoundException: \
                     no endpoint listening at net.pipe://localhost/NexTalk/ChatBridge; caller on hold"
                ),
            );
            return;
        }
        if self.connect_down_since.is_some() {
            self.sessions[i].state = retry;
            self.log(
                t,
                LogLevel::Error,
                format!(
                    "[ChatBridge] StartChatContact failed for session {sid}: HttpRequestException: A connection \
                     attempt failed because the connected party did not properly respond after a period of time \
                     ({CONNECT_HOST}:443); caller on hold, retrying in {BRIDGE_RETRY_S}s"
                ),
            );
            return;
        }
        match connect.enqueue_tty(t, TtyRef { server: me, session: self.sessions[i].id }, rng) {
            Ok(()) => {
                let contact = rng.uuid();
                let waited = matches!(self.sessions[i].state, State::AwaitBridge { .. });
                self.log(
                    t,
                    LogLevel::Info,
                    format!(
                        "[ChatBridge] StartChatContact ok for session {sid}{}: ContactId {contact}, \
                         participant WebSocket connected",
                        if waited { format!(" after {}s on hold", t - since) } else { String::new() }
                    ),
                );
                self.sessions[i].state = State::Bridged { contact };
            }
            Err(_) => {
                self.sessions[i].state = retry;
                self.log(
                    t,
                    LogLevel::Error,
                    format!(
                        "[ChatBridge] StartChatContact failed for session {sid}: LimitExceededException: \
                         concurrent active chats quota reached; retrying in {BRIDGE_RETRY_S}s"
                    ),
                );
            }
        }
    }

    fn step_sessions(&mut self, me: usize, t: i64, rng: &mut SimRng, connect: &mut Connect) -> u64 {
        let mut failed = 0;
        let mut i = 0;
        while i < self.sessions.len() {
            match self.sessions[i].state {
                State::Greeting { until } if until <= t => self.bridge(me, i, t, rng, connect),
                State::AwaitBridge { since, give_up_at, .. } if give_up_at <= t => {
                    let s = self.sessions.remove(i);
                    self.free_port(s.port);
                    failed += 1;
                    self.log(
                        t,
                        LogLevel::Warn,
                        format!(
                            "[Server] Session {}: caller hung up after {}s on hold without reaching an agent; \
                             TTY chat failed, port {} released",
                            s.sid(),
                            t - since,
                            s.port
                        ),
                    );
                    continue;
                }
                State::AwaitBridge { next_retry, .. } if next_retry <= t => {
                    self.bridge(me, i, t, rng, connect)
                }
                _ => {}
            }
            i += 1;
        }
        failed
    }

    fn end_session(&mut self, t: i64, session: u32, end: TtyEnd) {
        let Some(i) = self.sessions.iter().position(|s| s.id == session) else { return };
        let s = self.sessions.remove(i);
        self.free_port(s.port);
        let contact = match &s.state {
            State::Bridged { contact } => contact.as_str(),
            State::Callback => "callback",
            State::Greeting { .. } | State::AwaitBridge { .. } => "-",
        };
        let how = match end {
            TtyEnd::Completed => "agent closed the chat",
            TtyEnd::Abandoned => "caller hung up while queued",
            TtyEnd::Callback => "caller took the emergency message's callback offer",
        };
        self.log(
            t,
            LogLevel::Info,
            format!(
                "[Server] Session {} ended ({how}, {}s, ContactId {contact}); port {} released",
                s.sid(),
                t - s.started,
                s.port
            ),
        );
    }

    fn periodic(&mut self, t: i64, rng: &mut SimRng, config_db_full: bool) {
        let bridged = self.count(|s| matches!(s, State::Bridged { .. }));
        if self.up(Svc::ChatBridge) && bridged > 0 && rng.chance(0.002) {
            // Background noise a real log has: a dropped keep-alive that recovers on its own.
            self.log(
                t,
                LogLevel::Warn,
                format!(
                    "[ChatBridge] WebSocket ping timeout on a participant connection; reconnected in {} ms",
                    rng.range(300, 2400)
                ),
            );
        }
        if (t - self.offset).rem_euclid(60) != 0 {
            return;
        }
        let holding = self.count(|s| matches!(s, State::AwaitBridge { .. }));
        if self.up(Svc::Server) {
            let (used, cap) = (self.in_use, self.capacity);
            self.log(
                t,
                LogLevel::Info,
                format!(
                    "[Server] Status: {used}/{cap} ports in use, {bridged} chats bridged, {holding} on hold"
                ),
            );
            if let Some(pct) = model::pct(f64::from(used), f64::from(cap))
                && pct >= 90.0
            {
                self.log(
                    t,
                    LogLevel::Warn,
                    format!("[Server] Port utilisation {pct:.0}% ({used}/{cap}): new TTY calls are rejected when full"),
                );
            }
        }
        if self.up(Svc::AppApi) {
            let ms = rng.range(2, 9);
            self.log(t, LogLevel::Info, format!("[AppApi] GET /api/v1/health 200 ({ms} ms)"));
            if config_db_full {
                // The health probe reads nothing from the database; the writes fail.
                self.log(
                    t,
                    LogLevel::Error,
                    "[AppApi] POST /api/v1/sessions 500: SqlException (0x80131904): Could not allocate space \
                     for object 'dbo.SessionAudit' in database 'NexTalkConfig' because the 'PRIMARY' filegroup \
                     is full (nextalk-config-db)"
                        .to_string(),
                );
            }
        } else if self.up(Svc::Server) {
            self.log(
                t,
                LogLevel::Warn,
                "[Server] App API health probe failed: connection refused (http://localhost:8085/api/v1/health)"
                    .to_string(),
            );
        }
        if let Some(since) = self.connect_down_since
            && self.up(Svc::ChatBridge)
        {
            self.log(
                t,
                LogLevel::Error,
                format!(
                    "[ChatBridge] Amazon Connect unreachable since {} ({CONNECT_HOST}:443 timed out); {holding} TTY \
                     sessions on hold",
                    stamp(since).clock()
                ),
            );
        }
        match self.bridge_down_since {
            Some(since) if self.up(Svc::Server) => self.log(
                t,
                LogLevel::Error,
                format!(
                    "[Server] Chat Bridge heartbeat missing since {}; {holding} TTY sessions cannot reach Amazon Connect",
                    stamp(since).clock()
                ),
            ),
            None if (t - self.offset).rem_euclid(300) == 0 => self.log(
                t,
                LogLevel::Info,
                format!("[ChatBridge] Participant tokens refreshed for {bridged} chats; keep-alive ok"),
            ),
            _ => {}
        }
    }

    fn snapshot(&self, t: i64) -> model::NexTalkServer {
        model::NexTalkServer {
            name: self.name.clone(),
            instance_id: self.instance_id.clone(),
            ports_in_use: Some(self.in_use),
            ports_capacity: self.capacity,
            services: Svc::ALL
                .iter()
                .map(|&s| model::WinService { name: s.display().to_string(), status: self.service(s) })
                .collect(),
            ssm_ping: PingStatus::Online,
            last_seen: Some(stamp(t - (t - self.offset).rem_euclid(60))),
            // How the simulated servers reach each other: names the simulator resolves.
            address: Some(model::Address {
                host: format!("{}.nextalk.internal", self.name),
                source: model::AddressSource::Simulator,
            }),
        }
    }
}

#[derive(Debug, Clone)]
pub struct NexTalk {
    pub servers: Vec<Server>,
    rate: f64,
    exp_neg_rate: f64,
    next_session: u32,
    /// Which server the carrier tries first when both are equally loaded.
    prefer: usize,
    pub failed_chats: u64,
    /// The configuration database (RDS) is out of storage: the App API's writes fail.
    pub config_db_full: bool,
}

/// The Amazon Connect participant endpoint the Chat Bridge talks to.
pub const CONNECT_HOST: &str = "participant.connect.us-east-1.amazonaws.com";

impl NexTalk {
    pub fn new() -> NexTalk {
        NexTalk {
            servers: vec![
                Server::new("nt-a", "i-0a1b2c3d4e5f60001", 7),
                Server::new("nt-b", "i-0a1b2c3d4e5f60002", 37),
            ],
            rate: TTY_RATE,
            exp_neg_rate: (-TTY_RATE).exp(),
            next_session: 1,
            prefer: 0,
            failed_chats: 0,
            config_db_full: false,
        }
    }

    /// Multiplies the normal TTY call volume (a surge from a neighbouring relay).
    pub fn set_volume(&mut self, factor: f64) {
        self.rate = TTY_RATE * factor;
        self.exp_neg_rate = (-self.rate).exp();
    }

    pub fn server_index(&self, name: &str) -> Option<usize> {
        self.servers.iter().position(|s| s.name == name)
    }

    /// New calls, greetings that end, parked sessions that retry or give up. Returns the calls
    /// that found no free port (Connect counts them as missed).
    pub fn step(&mut self, t: i64, rng: &mut SimRng, connect: &mut Connect) -> u32 {
        for me in 0..self.servers.len() {
            self.failed_chats += self.servers[me].step_sessions(me, t, rng, connect);
        }
        let mut missed = 0;
        for _ in 0..rng.poisson_cached(self.rate, self.exp_neg_rate) {
            let caller = format!(
                "+1-{}-555-01{:02}",
                [202, 312, 415, 512, 617, 720][rng.range(0, 5) as usize],
                rng.range(0, 99)
            );
            let pick = (0..self.servers.len())
                .map(|k| (k + self.prefer) % self.servers.len())
                .filter(|&k| self.servers[k].takes_calls() && self.servers[k].in_rotation)
                .min_by_key(|&k| self.servers[k].in_use);
            let Some(k) = pick else {
                missed += 1;
                // The carrier hunts across both servers; the one it tried first logs the reject.
                let n = self.servers.len();
                let first = (0..n)
                    .map(|k| (k + self.prefer) % n)
                    .find(|&k| self.servers[k].up(Svc::Server) && self.servers[k].in_rotation);
                if let Some(srv) = first.and_then(|k| self.servers.get_mut(k)) {
                    let (used, cap) = (srv.in_use, srv.capacity);
                    srv.log(
                        t,
                        LogLevel::Warn,
                        format!("[Server] Incoming call from {caller} rejected: no free port ({used}/{cap} in use), SIP 486 Busy Here"),
                    );
                }
                self.prefer = (self.prefer + 1) % n;
                continue;
            };
            self.prefer = (self.prefer + 1) % self.servers.len();
            let srv = &mut self.servers[k];
            let Some(port) = srv.take_port() else { continue };
            let id = self.next_session;
            self.next_session = self.next_session.wrapping_add(1);
            let until = t + i64::from(rng.range(15, 40));
            let s = Session { id, port, started: t, state: State::Greeting { until } };
            let line = format!(
                "[Server] Incoming TTY call from {caller} on port {port}: session {}, Baudot 45.45 detected",
                s.sid()
            );
            srv.sessions.push(s);
            srv.log(t, LogLevel::Info, line);
        }
        missed
    }

    /// An agent calls back a TTY caller who left a number: an outbound call on a free port of
    /// the least loaded server whose Server and Chat Bridge run. `None`: no port anywhere (the
    /// callback waits).
    pub fn dial_out(&mut self, t: i64) -> Option<TtyRef> {
        let k = (0..self.servers.len())
            .filter(|&k| {
                let s = &self.servers[k];
                s.takes_calls() && s.up(Svc::ChatBridge) && s.in_rotation
            })
            .min_by_key(|&k| self.servers[k].in_use)?;
        let id = self.next_session;
        self.next_session = self.next_session.wrapping_add(1);
        let srv = &mut self.servers[k];
        let port = srv.take_port()?;
        let s = Session { id, port, started: t, state: State::Callback };
        let line = format!(
            "[Server] Outbound TTY callback on port {port}: session {} (Connect queue callback)",
            s.sid()
        );
        srv.sessions.push(s);
        srv.log(t, LogLevel::Info, line);
        Some(TtyRef { server: k, session: id })
    }

    /// Releases the ports of TTY calls whose chat ended in Connect this tick.
    pub fn finish(&mut self, t: i64, ended: &[(TtyRef, TtyEnd)]) {
        for &(r, end) in ended {
            if let Some(srv) = self.servers.get_mut(r.server) {
                srv.end_session(t, r.session, end);
            }
        }
    }

    pub fn periodic(&mut self, t: i64, rng: &mut SimRng) {
        for srv in &mut self.servers {
            srv.periodic(t, rng, self.config_db_full);
        }
    }

    /// Whether `server` reaches Amazon Connect over its site's network path. Losing it drops
    /// the server's bridged chats (their WebSockets die) and puts their callers on hold, as a
    /// crashed Chat Bridge does, while the service itself keeps running; regaining it lets the
    /// callers on hold through at once.
    pub fn set_connect_path(
        &mut self,
        t: i64,
        server: usize,
        up: bool,
        rng: &mut SimRng,
        connect: &mut Connect,
    ) {
        let Some(srv) = self.servers.get_mut(server) else { return };
        match (srv.connect_down_since, up) {
            (None, false) => {
                srv.connect_down_since = Some(t);
                let lost = connect.drop_tty(server);
                let n = lost.len();
                for s in srv.sessions.iter_mut().filter(|s| lost.contains(&s.id)) {
                    let give_up_at = t + rng.exp(BRIDGE_PATIENCE_S).ceil() as i64;
                    s.state = State::AwaitBridge { since: t, give_up_at, next_retry: t + BRIDGE_RETRY_S };
                }
                srv.log(
                    t,
                    LogLevel::Error,
                    format!(
                        "[ChatBridge] WebSocket to wss://{CONNECT_HOST} timed out (no pong in 10 s); {n} bridged \
                         chats lost their Connect participant; callers on hold"
                    ),
                );
            }
            (Some(_), true) => {
                srv.connect_down_since = None;
                for s in &mut srv.sessions {
                    if let State::AwaitBridge { next_retry, .. } = &mut s.state {
                        *next_retry = t;
                    }
                }
                srv.log(
                    t,
                    LogLevel::Info,
                    format!("[ChatBridge] Amazon Connect reachable again (wss://{CONNECT_HOST})"),
                );
            }
            (None, true) | (Some(_), false) => {}
        }
    }

    /// The `nextalk_active_servers` flag: `both`, or `<server>-only`. Servers taken out of
    /// rotation get no new call or callback; their callers on hold for a chat are transferred by
    /// the front end to a server in rotation that has a free port (a new session there, which
    /// greets and bridges as any call does), else they hear busy and hang up. Calls already
    /// bridged stay where they are until they end.
    pub fn set_rotation(&mut self, t: i64, value: &str) {
        let only = value.strip_suffix("-only");
        if only.is_some_and(|name| self.server_index(name).is_none()) {
            return;
        }
        for s in &mut self.servers {
            s.in_rotation = only.is_none_or(|name| s.name == name);
        }
        for from in 0..self.servers.len() {
            if self.servers[from].in_rotation {
                continue;
            }
            let held: Vec<Session> = {
                let srv = &mut self.servers[from];
                let (held, kept) = std::mem::take(&mut srv.sessions)
                    .into_iter()
                    .partition(|s| matches!(s.state, State::AwaitBridge { .. }));
                srv.sessions = kept;
                held
            };
            for s in held {
                self.servers[from].free_port(s.port);
                let to = (0..self.servers.len())
                    .filter(|&k| self.servers[k].in_rotation && self.servers[k].takes_calls())
                    .min_by_key(|&k| self.servers[k].in_use);
                let target_name = to.map(|k| self.servers[k].name.clone());
                let srv = &mut self.servers[from];
                let line = match &target_name {
                    Some(name) => format!(
                        "[Server] Session {}: out of rotation, caller on hold transferred to {name} by the front end; port {} released",
                        s.sid(),
                        s.port
                    ),
                    None => format!(
                        "[Server] Session {}: out of rotation and no server in rotation has a free port: caller released (busy); port {} released",
                        s.sid(),
                        s.port
                    ),
                };
                srv.log(t, LogLevel::Warn, line);
                let Some(k) = to else { continue };
                let id = self.next_session;
                self.next_session = self.next_session.wrapping_add(1);
                let srv = &mut self.servers[k];
                let Some(port) = srv.take_port() else { continue };
                // A transferred call skips the auto-attendant: the modem handshake only.
                let n = Session { id, port, started: t, state: State::Greeting { until: t + 5 } };
                let line = format!(
                    "[Server] Transferred TTY call on port {port}: session {} (from {})",
                    n.sid(),
                    self.servers[from].name
                );
                let srv = &mut self.servers[k];
                srv.sessions.push(n);
                srv.log(t, LogLevel::Info, line);
            }
        }
    }

    /// Whether `server` reaches Amazon Connect now.
    pub fn reaches_connect(&self, server: usize) -> bool {
        self.servers.get(server).is_some_and(|s| s.connect_down_since.is_none())
    }

    /// The Chat Bridge falls over on its own: the story in the log, then the effect.
    pub fn crash_bridge(&mut self, t: i64, server: usize, rng: &mut SimRng, connect: &mut Connect) {
        let Some(srv) = self.servers.get_mut(server) else { return };
        srv.log(
            t,
            LogLevel::Error,
            "[ChatBridge] WebSocket to wss://participant.connect.us-east-1.amazonaws.com closed without close \
             handshake (1006)"
                .to_string(),
        );
        srv.log(
            t,
            LogLevel::Error,
            "[ChatBridge] Unhandled exception: System.Net.WebSockets.WebSocketException (0x80004005): The remote \
             party closed the WebSocket connection without completing the close handshake. Service terminating."
                .to_string(),
        );
        self.set_service(t, server, Svc::ChatBridge, ServiceStatus::Stopped, rng, connect);
    }

    /// Moves a service to a new state and applies what that means for calls and chats.
    pub fn set_service(
        &mut self,
        t: i64,
        server: usize,
        svc: Svc,
        status: ServiceStatus,
        rng: &mut SimRng,
        connect: &mut Connect,
    ) {
        let Some(srv) = self.servers.get_mut(server) else { return };
        let was_up = srv.up(svc);
        srv.services[svc.index()] = status;
        let name = svc.display();
        let level = if status == ServiceStatus::Stopped { LogLevel::Warn } else { LogLevel::Info };
        srv.log(t, level, format!("[{}] Service {name} is now {}", component(svc), status.as_str()));
        let now_up = status == ServiceStatus::Running;
        match (svc, was_up, now_up) {
            (Svc::ChatBridge, true, false) => {
                srv.bridge_down_since = Some(t);
                let lost = connect.drop_tty(server);
                let n = lost.len();
                for s in srv.sessions.iter_mut().filter(|s| lost.contains(&s.id)) {
                    let give_up_at = t + rng.exp(BRIDGE_PATIENCE_S).ceil() as i64;
                    s.state = State::AwaitBridge { since: t, give_up_at, next_retry: t + BRIDGE_RETRY_S };
                }
                srv.log(
                    t,
                    LogLevel::Error,
                    format!("[Server] Chat Bridge went away: {n} bridged chats lost their Connect participant; callers on hold"),
                );
            }
            (Svc::ChatBridge, false, true) => {
                srv.bridge_down_since = None;
                // Callers on hold get their chat as soon as the bridge is back, not at the next retry.
                for s in &mut srv.sessions {
                    if let State::AwaitBridge { next_retry, .. } = &mut s.state {
                        *next_retry = t;
                    }
                }
                srv.log(
                    t,
                    LogLevel::Info,
                    "[ChatBridge] Connected to Amazon Connect participant service (wss://participant.connect.us-east-1.amazonaws.com)"
                        .to_string(),
                );
            }
            (Svc::Server, true, false) => {
                connect.drop_tty(server);
                let n = srv.sessions.len();
                srv.sessions.clear();
                srv.ports.iter_mut().for_each(|p| *p = false);
                srv.in_use = 0;
                srv.log(
                    t,
                    LogLevel::Warn,
                    format!("[Server] Service stopping: {n} active TTY calls dropped"),
                );
            }
            _ => {}
        }
    }

    /// TTY sessions of `server` that currently have a chat in Connect.
    #[cfg(test)]
    pub fn bridged_on(&self, server: usize) -> usize {
        self.servers.get(server).map_or(0, |s| s.count(|st| matches!(st, State::Bridged { .. })))
    }

    pub fn snapshot(&self, t: i64) -> model::NexTalk {
        model::NexTalk { servers: self.servers.iter().map(|s| s.snapshot(t)).collect() }
    }
}

fn component(svc: Svc) -> &'static str {
    match svc {
        Svc::Server => "Server",
        Svc::AppApi => "AppApi",
        Svc::ChatBridge => "ChatBridge",
    }
}
