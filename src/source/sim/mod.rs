//! The built-in simulated contact center: a seeded, deterministic model of an Amazon Connect
//! instance (queues, agents, contact-flow Lambdas, Kinesis, DynamoDB) and two NexTalk servers,
//! advancing in 1-second ticks on its own clock, with scripted incidents and remote commands
//! that really change the model.
//!
//! The causal chain, in one tick: TTY calls take NexTalk ports → the Chat Bridge turns them into
//! Connect chats in the TTY Relay queue → contacts arrive in every queue, wait, get an agent or
//! give up → contact arrivals invoke flow Lambdas (errors become ContactFlowErrors) → contact
//! events are written to Kinesis and DynamoDB → finished TTY chats release their ports.

mod adapters;
pub mod custom;
mod dynamodb;
pub mod estate;
pub mod flags;
mod kinesis;
mod lambda;
mod lambda_logs;
pub mod log_opener;
mod logs;
mod names;
mod nextalk;
mod params;
mod queues;
mod remote;
mod rng;
mod scenario;
mod window;

#[cfg(test)]
mod tests;

pub use adapters::{MAX_SPEED, SimClock, SimHandle, SimLambdaLog, SimLogTail, SimRemote, SimSource};
pub use lambda_logs::{LAMBDA_LOG_CAPACITY, LambdaLogBatch, LambdaLogEvent};
pub use log_opener::SimLogOpener;
pub use logs::{LOG_CAPACITY, LogBatch};
pub use params::SimParams;
pub use scenario::Scenario;

use crate::model::{Snapshot, Timestamp};
use crate::source::logs::LogLine;
use crate::source::remote::Target;
use dynamodb::DynamoDb;
use kinesis::Kinesis;
use lambda::Lambda;
use lambda_logs::LambdaLogs;
use nextalk::NexTalk;
use queues::Connect;
use remote::Commands;
use rng::SimRng;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Simulated time zero: 03:00 UTC, the hour you get paged.
pub const EPOCH: Timestamp = Timestamp(1_795_316_400_000);
/// The model advances in whole seconds.
pub const TICK: Duration = Duration::from_secs(1);
/// When the scenario's incident starts.
pub const INCIDENT_AT: Duration = Duration::from_secs(120);
/// When every scenario shows its symptoms (and `calm` is still all green).
pub const DEFAULT_SNAPSHOT_AT: Duration = Duration::from_secs(600);
/// Simulated history before time zero, so queues, ports and one-minute windows are in steady
/// state (and the logs have a past) from the first snapshot.
const WARMUP_S: i64 = 900;

pub type SharedSim = Arc<Mutex<Simulator>>;

/// The instant `t` seconds after [`EPOCH`] (negative during warm-up).
pub(crate) fn stamp(t: i64) -> Timestamp {
    let ms = EPOCH.0 as i64 + t * 1000;
    Timestamp(ms.max(0) as u64)
}

#[derive(Debug, Clone)]
pub struct Simulator {
    params: SimParams,
    /// Seconds since [`EPOCH`].
    t: i64,
    /// Part of a tick handed to `step` but not yet simulated.
    pending_ms: u64,
    rng: SimRng,
    connect: Connect,
    lambda: Lambda,
    lambda_logs: LambdaLogs,
    kinesis: Kinesis,
    dynamodb: DynamoDb,
    nextalk: NexTalk,
    commands: Commands,
    flags: flags::Flags,
    estate: estate::Estate,
}

impl Simulator {
    pub fn new(params: SimParams) -> Simulator {
        let params = params.normalised();
        let mut rng = SimRng::new(params.seed);
        let connect = Connect::new(&mut rng, params.queues);
        let arrivals = connect.expected_arrivals_per_s() + nextalk::TTY_RATE;
        let voice = connect.expected_voice_arrivals_per_s();
        let lambda = Lambda::new(params.functions, params.tables, &mut rng);
        let kinesis = Kinesis::new(params.streams, arrivals, voice, &mut rng);
        let dynamodb = DynamoDb::new(params.tables, arrivals, &mut rng);
        // Command ids come from their own stream, so issuing a command does not change what
        // the contact center does next.
        let commands = Commands::new(SimRng::new(params.seed ^ 0x5EED_C0DE_D1CE_F00D));
        // Likewise the Lambda logs: writing them draws request ids and durations, never the
        // model's dice.
        let lambda_logs = LambdaLogs::new(SimRng::new(params.seed ^ 0x1A4B_DA10_6C0F_FEE5), params.functions);
        let demo_flags = flags::Flags::new(params.queues);
        let params_seed = params.seed;
        let mut sim = Simulator {
            params,
            t: -WARMUP_S,
            pending_ms: 0,
            rng,
            connect,
            lambda,
            lambda_logs,
            kinesis,
            dynamodb,
            nextalk: NexTalk::new(),
            commands,
            flags: demo_flags,
            estate: estate::Estate::new(params_seed),
        };
        while sim.t < 0 {
            sim.tick();
        }
        sim
    }

    pub fn params(&self) -> &SimParams {
        &self.params
    }

    pub fn scenario(&self) -> Scenario {
        self.params.scenario
    }

    /// Simulated time since [`EPOCH`].
    pub fn elapsed(&self) -> Duration {
        Duration::from_secs(self.t.max(0) as u64)
    }

    pub fn now(&self) -> Timestamp {
        stamp(self.t)
    }

    /// Advances by `dt`; fractions of a second are kept and count towards the next tick.
    pub fn step(&mut self, dt: Duration) {
        let total = self.pending_ms.saturating_add(u64::try_from(dt.as_millis()).unwrap_or(u64::MAX));
        let ticks = total / 1000;
        self.pending_ms = total % 1000;
        for _ in 0..ticks {
            self.tick();
        }
    }

    /// Advances until [`elapsed`](Self::elapsed) reaches `t` (whole seconds); never goes back.
    pub fn advance_to(&mut self, t: Duration) {
        let target = i64::try_from(t.as_secs()).unwrap_or(i64::MAX);
        while self.t < target {
            self.tick();
        }
    }

    fn tick(&mut self) {
        self.t += 1;
        let t = self.t;
        self.run_commands();
        if t == INCIDENT_AT.as_secs() as i64 {
            self.start_incident();
        }
        let rng = &mut self.rng;
        self.connect.begin_tick();
        let missed = self.nextalk.step(t, rng, &mut self.connect);
        let nextalk = &mut self.nextalk;
        self.connect.step(t, rng, &mut |t| nextalk.dial_out(t));
        self.nextalk.finish(t, &self.connect.events.tty_ended);
        let ev = &self.connect.events;
        // The CRM's state reaches the lookup Lambda before it runs this second.
        self.lambda.set_crm_hang(if self.estate.crm_up { 0.0 } else { estate::CRM_DOWN_HANG });
        let flow_errors = self.lambda.step(t, rng, ev, &self.dynamodb.write_throttle);
        self.estate.step(t, ev, self.lambda.crm_calls());
        let flow_errors = flow_errors + self.estate.flow_errors;
        self.lambda_logs.record(t, &self.lambda);
        self.kinesis.step(t, rng, ev);
        self.dynamodb.step(t, rng, ev);
        self.connect.missed.set(t, missed);
        self.connect.flow_errors.set(t, flow_errors);
        self.nextalk.config_db_full = self.estate.db_full();
        self.nextalk.periodic(t, rng);
        // Each NexTalk site reaches Connect over its own Direct Connect link; the effect (chats
        // dropped, hand-offs failing) starts with the next second's sessions.
        for server in 0..self.nextalk.servers.len() {
            let up = self.estate.server_reaches_connect(t, server);
            self.nextalk.set_connect_path(t, server, up, &mut self.rng, &mut self.connect);
        }
    }

    fn start_incident(&mut self) {
        let t = self.t;
        match self.params.scenario {
            Scenario::Calm => {}
            Scenario::ChatBridgeDown => self.nextalk.crash_bridge(t, 0, &mut self.rng, &mut self.connect),
            Scenario::LambdaErrors => self.lambda.set_hang(0, 0.5),
            Scenario::KinesisLag => self.kinesis.throttle_consumer(0, 0.2),
            Scenario::PortExhaustion => self.nextalk.set_volume(12.0),
            Scenario::DynamoDbThrottling => self.dynamodb.start_batch_writes(0, 2.5),
            Scenario::DirectConnectDown => self.estate.fail_link(t, 0),
            Scenario::CrmOutage => self.estate.crm_up = false,
            Scenario::RdsStorageFull => self.estate.grow_db(60e6),
        }
    }

    /// Everything the console shows, as of now. Pure: taking a snapshot never changes what
    /// happens next, however often a reader polls.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            taken_at: self.now(),
            source: format!("demo:{}", self.params.scenario.name()),
            connect: self.connect.snapshot(self.t),
            lambda: self.lambda.snapshot(),
            kinesis: self.kinesis.snapshot(),
            dynamodb: self.dynamodb.snapshot(),
            nextalk: self.nextalk.snapshot(self.t),
            flags: self.flags.snapshot(self.now()),
            // DescribeDBInstances of the instances the RDS panes show, as the live console
            // reads them (the demo has one).
            db_instances: if self.params.panes.iter().any(|d| d.namespace == "AWS/RDS") {
                vec![self.estate.db_instance(self.t)]
            } else {
                Vec::new()
            },
            queue_shares: self.connect.share_figures(),
            panes: self
                .params
                .panes
                .iter()
                .map(|d| custom::snapshot(d, self.params.seed, self.t, &self.estate))
                .collect(),
            gaps: Vec::new(),
        }
    }

    /// The NexTalk servers as command targets.
    pub fn targets(&self) -> Vec<Target> {
        self.nextalk
            .servers
            .iter()
            .map(|s| Target { server: s.name.clone(), instance_id: s.instance_id.clone() })
            .collect()
    }

    /// Log lines of `server` from sequence number `seq` on; `None` for an unknown server.
    pub fn log_since(&self, server: &str, seq: u64) -> Option<LogBatch> {
        let i = self.nextalk.server_index(server)?;
        Some(self.nextalk.servers[i].log.since(seq))
    }

    /// The newest `n` log lines of `server`, oldest first.
    pub fn log_tail(&self, server: &str, n: usize) -> Option<Vec<LogLine>> {
        let i = self.nextalk.server_index(server)?;
        Some(self.nextalk.servers[i].log.tail(n))
    }

    /// Sequence number the next log line of `server` will get.
    pub fn log_next_seq(&self, server: &str) -> Option<u64> {
        let i = self.nextalk.server_index(server)?;
        Some(self.nextalk.servers[i].log.next_seq())
    }

    /// The simulated Lambda function names, in pane order.
    pub fn function_names(&self) -> Vec<String> {
        (0..self.params.functions).map(names::function).collect()
    }

    /// CloudWatch Logs events of `function` from invocation sequence number `seq` on; `None`
    /// for an unknown function.
    pub fn lambda_log_since(&self, function: &str, seq: u64) -> Option<LambdaLogBatch> {
        self.lambda_logs.since(self.function_index(function)?, seq)
    }

    /// Events of `function`'s invocations that ended at or after `from`.
    pub fn lambda_log_from(&self, function: &str, from: Timestamp) -> Option<LambdaLogBatch> {
        self.lambda_logs.ended_since(self.function_index(function)?, from)
    }

    fn function_index(&self, function: &str) -> Option<usize> {
        (0..self.params.functions).find(|&i| names::function(i) == function)
    }

    /// TTY chats that never reached an agent because the caller gave up waiting for the bridge.
    pub fn failed_tty_chats(&self) -> u64 {
        self.nextalk.failed_chats
    }

    pub fn shared(self) -> SharedSim {
        Arc::new(Mutex::new(self))
    }
}
