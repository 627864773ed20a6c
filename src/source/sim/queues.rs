//! The Connect instance: queues with Poisson arrivals, agents with handle times, callers who
//! give up, and the instance-wide concurrency quotas. Each queue remembers what happened to
//! its contacts over the last 15 minutes (queued, answered after how long, abandoned), which
//! gives the service figures GetMetricDataV2 reports live: a queue whose callers wait longer
//! answers fewer within its threshold, and more of its callers give up.

use super::names;
use super::rng::SimRng;
use super::window::Window;
use crate::model;
use std::collections::VecDeque;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Voice,
    Chat,
}

/// A Connect chat contact that stands for a TTY session on a NexTalk server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TtyRef {
    pub server: usize,
    pub session: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TtyEnd {
    /// The agent finished the chat.
    Completed,
    /// The caller gave up while queued.
    Abandoned,
    /// The caller left a callback number (the emergency message's offer, or callback-only
    /// mode) and hung up: the session ends, the callback waits in the queue.
    Callback,
}

/// Share of callers who take the callback an emergency message offers instead of waiting,
/// once on entering the queue (or, for those already waiting, when the message goes on).
/// Contact centers report a third to a half of callers taking a callback offer when the wait
/// announced is long; the model takes the middle.
pub const CALLBACK_TAKE_UP: f64 = 0.4;

#[derive(Debug, Clone)]
struct Waiting {
    arrived: i64,
    abandon_at: i64,
    tty: Option<TtyRef>,
    /// A callback the caller asked for: it holds no line or chat and never gives up; it keeps
    /// its place in the queue (Connect counts queued callbacks in the queue's contacts and
    /// oldest age) until an agent calls back. A TTY callback goes out through NexTalk and
    /// needs a free port for as long as the agent serves it.
    callback: bool,
}

impl Waiting {
    fn callback(arrived: i64) -> Waiting {
        Waiting { arrived, abandon_at: i64::MAX, tty: None, callback: true }
    }
}

/// How often a queue's in-queue flow prompts the callers waiting (and, in callback-only mode,
/// moves them to a callback).
const QUEUE_PROMPT_S: i64 = 60;

#[derive(Debug, Clone)]
struct Busy {
    ends_at: i64,
    tty: Option<TtyRef>,
}

/// A queue added to the routing profile of another queue's agents (Connect's
/// AssociateRoutingProfileQueues): the demo has one routing profile per queue, named after it.
#[derive(Debug, Clone)]
pub struct Share {
    pub name: &'static str,
    /// The queue whose agents take the shared queue on.
    pub donor: usize,
    /// The queue they take on.
    pub queue: usize,
    pub routing_profile: String,
    pub routing_profile_id: String,
    pub priority: u32,
    pub delay_s: i64,
    /// Associated now.
    pub active: bool,
}

/// What happened to a queue's contact, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Queued,
    /// An agent took it after waiting this many seconds.
    Answered(i64),
    Abandoned,
}

/// The window the service figures cover: GetMetricDataV2's default in the console.
pub const SERVICE_WINDOW_S: i64 = 15 * 60;
/// The answer-within threshold of every queue but the TTY Relay.
pub const SERVICE_LEVEL_S: u32 = 20;
/// Relay callers expect to wait (see their patience): their queue is judged at a minute.
const TTY_SERVICE_LEVEL_S: u32 = 60;

#[derive(Debug, Clone)]
pub struct SimQueue {
    id: String,
    pub name: String,
    pub channel: Channel,
    agents: u32,
    handle_mean_s: f64,
    patience_mean_s: f64,
    /// Arrivals per second; the TTY Relay queue has none of its own (NexTalk feeds it).
    rate: f64,
    exp_neg_rate: f64,
    waiting: VecDeque<Waiting>,
    busy: Vec<Busy>,
    /// The queue's emergency message is on (its flag).
    emergency: bool,
    /// Callback-only mode (its flag): nobody waits on the line; every caller leaves a number.
    callback_only: bool,
    service_level_s: u32,
    /// The last [`SERVICE_WINDOW_S`] of outcomes, oldest first.
    outcomes: VecDeque<(i64, Outcome)>,
}

impl SimQueue {
    fn offered_erlangs(&self) -> f64 {
        self.rate * self.handle_mean_s
    }

    /// Contacts on a line or in a chat: those being served and those waiting on the line
    /// (a queued callback holds neither).
    fn active(&self) -> u32 {
        (self.waiting.iter().filter(|w| !w.callback).count() + self.busy.len()) as u32
    }
}

/// What happened in Connect during one tick, for the parts of the model it drives.
#[derive(Debug, Clone, Default)]
pub struct ContactEvents {
    pub voice_arrivals: u32,
    pub chat_arrivals: u32,
    pub tty_arrivals: u32,
    /// Contacts that left Connect (handled or abandoned): each writes a contact trace record.
    pub ended: u32,
    pub abandoned: u32,
    pub throttled: u32,
    pub tty_ended: Vec<(TtyRef, TtyEnd)>,
}

impl ContactEvents {
    pub fn arrivals(&self) -> u32 {
        self.voice_arrivals + self.chat_arrivals + self.tty_arrivals
    }

    /// Resets the counters but keeps the list's allocation: this runs every tick.
    fn clear(&mut self) {
        let mut tty_ended = std::mem::take(&mut self.tty_ended);
        tty_ended.clear();
        *self = ContactEvents { tty_ended, ..ContactEvents::default() };
    }
}

/// TTY chats queue with unusually patient callers: relay users expect to wait.
const TTY_PATIENCE_S: f64 = 480.0;
const TTY_AGENTS: u32 = 30;
const TTY_HANDLE_S: f64 = 300.0;

#[derive(Debug, Clone)]
pub struct Connect {
    instance_id: String,
    calls_quota: u32,
    chats_quota: u32,
    pub queues: Vec<SimQueue>,
    /// Queues that can be added to another queue's routing profile (the demo's
    /// `[[queue_shares]]`), and whether they are.
    pub shares: Vec<Share>,
    active_voice: u32,
    active_chat: u32,
    pub events: ContactEvents,
    /// What a change between ticks (an emergency message going on) did, for the next tick's
    /// events: cleared at its start, they would be lost (and the NexTalk ports never freed).
    between_ticks: ContactEvents,
    pub missed: Window<u32>,
    throttled: Window<u32>,
    pub flow_errors: Window<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChatQuotaReached;

impl Connect {
    pub fn new(rng: &mut SimRng, count: usize) -> Connect {
        let instance_id = rng.uuid();
        let queues: Vec<SimQueue> = (0..count)
            .map(|i| {
                let channel = if names::queue_is_chat(i) { Channel::Chat } else { Channel::Voice };
                let service_level_s =
                    if i == names::TTY_RELAY_QUEUE { TTY_SERVICE_LEVEL_S } else { SERVICE_LEVEL_S };
                let (agents, handle, patience, rate) = if i == names::TTY_RELAY_QUEUE {
                    (TTY_AGENTS, TTY_HANDLE_S, TTY_PATIENCE_S, 0.0)
                } else {
                    let agents = rng.range(8, 20);
                    let (handle, patience) = match channel {
                        Channel::Voice => (rng.uniform(240.0, 420.0), 180.0),
                        Channel::Chat => (rng.uniform(300.0, 540.0), 300.0),
                    };
                    // 3 a.m.: staffed for the peak, so occupancy is low and waits are short.
                    let occupancy = rng.uniform(0.25, 0.4);
                    (agents, handle, patience, occupancy * f64::from(agents) / handle)
                };
                SimQueue {
                    id: rng.uuid(),
                    name: names::queue(i),
                    channel,
                    agents,
                    handle_mean_s: handle,
                    patience_mean_s: patience,
                    rate,
                    exp_neg_rate: (-rate).exp(),
                    waiting: VecDeque::new(),
                    busy: Vec::new(),
                    emergency: false,
                    callback_only: false,
                    service_level_s,
                    outcomes: VecDeque::new(),
                }
            })
            .collect();
        let erlangs = |ch: Channel| -> f64 {
            queues.iter().filter(|q| q.channel == ch).map(SimQueue::offered_erlangs).sum()
        };
        // Quotas are sized like a real instance: a few times the night-time load, in steps of 100.
        let round_up = |x: f64, min: u32| (((x / 100.0).ceil() as u32) * 100).max(min);
        let calls_quota = round_up(erlangs(Channel::Voice) * 3.0, 100);
        let tty_erlangs = f64::from(TTY_AGENTS) * 0.6;
        let chats_quota = round_up((erlangs(Channel::Chat) + tty_erlangs) * 4.0, 200);
        let shares = demo_shares(&instance_id, &queues);
        Connect {
            instance_id,
            shares,
            calls_quota,
            chats_quota,
            queues,
            active_voice: 0,
            active_chat: 0,
            events: ContactEvents::default(),
            between_ticks: ContactEvents::default(),
            missed: Window::default(),
            throttled: Window::default(),
            flow_errors: Window::default(),
        }
    }

    /// Expected contacts per second (excluding TTY), for sizing streams and tables.
    pub fn expected_arrivals_per_s(&self) -> f64 {
        self.queues.iter().map(|q| q.rate).sum()
    }

    pub fn expected_voice_arrivals_per_s(&self) -> f64 {
        self.queues.iter().filter(|q| q.channel == Channel::Voice).map(|q| q.rate).sum()
    }

    /// Starts a tick: forget the previous tick's events.
    pub fn begin_tick(&mut self) {
        self.events.clear();
        self.events.ended = std::mem::take(&mut self.between_ticks.ended);
        self.events.tty_ended.append(&mut self.between_ticks.tty_ended);
    }

    /// A TTY session bridged into Connect becomes a chat in the TTY Relay queue.
    pub fn enqueue_tty(&mut self, t: i64, tty: TtyRef, rng: &mut SimRng) -> Result<(), ChatQuotaReached> {
        if self.active_chat >= self.chats_quota {
            return Err(ChatQuotaReached);
        }
        let q = &mut self.queues[names::TTY_RELAY_QUEUE];
        self.events.tty_arrivals += 1;
        if q.callback_only || (q.emergency && rng.chance(CALLBACK_TAKE_UP)) {
            // Left a number: the chat ends and NexTalk frees the port; the callback waits its
            // turn in the queue.
            self.events.ended += 1;
            self.events.tty_ended.push((tty, TtyEnd::Callback));
            q.waiting.push_back(Waiting::callback(t));
            q.outcomes.push_back((t, Outcome::Queued));
            return Ok(());
        }
        let abandon_at = t + rng.exp(q.patience_mean_s).ceil() as i64;
        q.waiting.push_back(Waiting { arrived: t, abandon_at, tty: Some(tty), callback: false });
        q.outcomes.push_back((t, Outcome::Queued));
        self.active_chat += 1;
        Ok(())
    }

    /// Turns queue `q`'s emergency message on or off. Callers already waiting hear it too, and
    /// the same share of them take the callback.
    pub fn set_emergency(&mut self, q: usize, on: bool, rng: &mut SimRng) {
        let Some(queue) = self.queues.get_mut(q) else { return };
        let was = std::mem::replace(&mut queue.emergency, on);
        if !on || was {
            return;
        }
        let ev = &mut self.between_ticks;
        for w in queue.waiting.iter_mut().filter(|w| !w.callback) {
            if rng.chance(CALLBACK_TAKE_UP) {
                to_callback(w, ev);
            }
        }
    }

    /// Turns queue `q`'s callback-only mode on or off. Callers already waiting are moved to a
    /// callback at the in-queue flow's next prompt.
    pub fn set_callback_only(&mut self, q: usize, on: bool) {
        if let Some(queue) = self.queues.get_mut(q) {
            queue.callback_only = on;
        }
    }

    /// Removes every TTY chat belonging to `server` (its Chat Bridge went away) and returns the
    /// sessions that lost their chat.
    pub fn drop_tty(&mut self, server: usize) -> Vec<u32> {
        let q = &mut self.queues[names::TTY_RELAY_QUEUE];
        let mut lost = Vec::new();
        q.waiting.retain(|w| match w.tty {
            Some(r) if r.server == server => {
                lost.push(r.session);
                false
            }
            _ => true,
        });
        q.busy.retain(|b| match b.tty {
            Some(r) if r.server == server => {
                lost.push(r.session);
                false
            }
            _ => true,
        });
        self.active_chat = self.active_chat.saturating_sub(lost.len() as u32);
        lost
    }

    /// One second of arrivals, abandonment, hand-offs to agents and completions. `dial_tty`
    /// places a TTY callback through NexTalk (a free port, or `None`).
    pub fn step(&mut self, t: i64, rng: &mut SimRng, dial_tty: &mut dyn FnMut(i64) -> Option<TtyRef>) {
        let ev = &mut self.events;
        let mut active_voice = self.active_voice;
        for (qi, q) in self.queues.iter_mut().enumerate() {
            let ended_before = ev.ended;
            q.busy.retain(|b| {
                if b.ends_at > t {
                    return true;
                }
                ev.ended += 1;
                if let Some(r) = b.tty {
                    ev.tty_ended.push((r, TtyEnd::Completed));
                }
                false
            });
            let n = rng.poisson_cached(q.rate, q.exp_neg_rate);
            for _ in 0..n {
                if q.channel == Channel::Voice && active_voice >= self.calls_quota {
                    ev.throttled += 1;
                    continue;
                }
                match q.channel {
                    Channel::Voice => {
                        ev.voice_arrivals += 1;
                        active_voice += 1;
                    }
                    Channel::Chat => ev.chat_arrivals += 1,
                }
                q.outcomes.push_back((t, Outcome::Queued));
                if q.callback_only || (q.emergency && rng.chance(CALLBACK_TAKE_UP)) {
                    // The call (or chat) ends; the callback waits in the queue.
                    ev.ended += 1;
                    q.waiting.push_back(Waiting::callback(t));
                    continue;
                }
                let abandon_at = t + rng.exp(q.patience_mean_s).ceil() as i64;
                q.waiting.push_back(Waiting { arrived: t, abandon_at, tty: None, callback: false });
            }
            if q.callback_only {
                let prompt =
                    |w: &Waiting| !w.callback && t > w.arrived && (t - w.arrived) % QUEUE_PROMPT_S == 0;
                for w in q.waiting.iter_mut().filter(|w| prompt(w)) {
                    to_callback(w, ev);
                }
            }
            if !q.waiting.is_empty() {
                let outcomes = &mut q.outcomes;
                q.waiting.retain(|w| {
                    if w.abandon_at > t {
                        return true;
                    }
                    outcomes.push_back((t, Outcome::Abandoned));
                    ev.ended += 1;
                    ev.abandoned += 1;
                    if let Some(r) = w.tty {
                        ev.tty_ended.push((r, TtyEnd::Abandoned));
                    }
                    false
                });
            }
            // A donor's agents are handed contacts below, across its own queue and the shared one.
            let shared = self.shares.iter().any(|s| s.active && s.donor == qi);
            while !shared && q.busy.len() < q.agents as usize {
                let Some(tty) = take_next(q, qi == names::TTY_RELAY_QUEUE, t, dial_tty) else { break };
                let ends_at = t + rng.handle_time(q.handle_mean_s).ceil().max(1.0) as i64;
                q.busy.push(Busy { ends_at, tty });
            }
            if q.channel == Channel::Voice {
                active_voice = active_voice.saturating_sub(ev.ended - ended_before);
            }
            while q.outcomes.front().is_some_and(|(at, _)| *at <= t - SERVICE_WINDOW_S) {
                q.outcomes.pop_front();
            }
        }
        for s in self.shares.iter().filter(|s| s.active) {
            serve_shared(&mut self.queues, s, t, rng, dial_tty);
        }
        let (mut voice, mut chat) = (0, 0);
        for q in &self.queues {
            match q.channel {
                Channel::Voice => voice += q.active(),
                Channel::Chat => chat += q.active(),
            }
        }
        self.active_voice = voice;
        self.active_chat = chat;
        self.throttled.set(t, self.events.throttled);
    }

    pub fn snapshot(&self, t: i64) -> model::Connect {
        model::Connect {
            instance_id: self.instance_id.clone(),
            concurrent_calls: self.active_voice,
            concurrent_calls_quota: self.calls_quota,
            concurrent_chats: self.active_chat,
            concurrent_chats_quota: self.chats_quota,
            missed_calls: self.missed.sum() as u32,
            throttled_calls: self.throttled.sum() as u32,
            contact_flow_errors: self.flow_errors.sum() as u32,
            queues: self
                .queues
                .iter()
                .enumerate()
                .map(|(i, q)| {
                    let mut figures = queue_snapshot(q, t);
                    // Connect counts a queue's agents by routing profile: every agent whose
                    // profile has the queue, on whatever contact they are.
                    for s in self.shares.iter().filter(|s| s.active && s.queue == i) {
                        if let Some(d) = self.queues.get(s.donor) {
                            figures.agents_online += d.agents;
                            figures.agents_available += d.agents.saturating_sub(d.busy.len() as u32);
                            figures.agents_on_contact += d.busy.len() as u32;
                        }
                    }
                    figures
                })
                .collect(),
        }
    }

    /// The shares as the snapshot shows them (`[[queue_shares]]` with their state).
    pub fn share_figures(&self) -> Vec<model::QueueShare> {
        self.shares
            .iter()
            .filter_map(|s| {
                let (q, d) = (self.queues.get(s.queue)?, self.queues.get(s.donor)?);
                Some(model::QueueShare {
                    name: s.name.to_string(),
                    queue: q.name.clone(),
                    queue_id: q.id.clone(),
                    routing_profile: s.routing_profile.clone(),
                    routing_profile_id: s.routing_profile_id.clone(),
                    donor_queue: d.name.clone(),
                    channel: "CHAT".into(),
                    priority: s.priority,
                    delay_s: s.delay_s as u32,
                    associated: Some(s.active),
                    profile_agents: Some(d.agents),
                })
            })
            .collect()
    }

    /// AssociateRoutingProfileQueues / DisassociateRoutingProfileQueues, as Connect checks
    /// them: the instance, the routing profile and the queue must exist; the demo knows only
    /// the routing profiles of its shares. Returns whether it was associated before.
    pub fn associate(&mut self, call: &crate::source::QueueShareCall) -> Result<bool, String> {
        if call.instance_id != self.instance_id {
            return Err(format!("ResourceNotFoundException: instance {} not found", call.instance_id));
        }
        let queue = self.queues.iter().position(|q| q.id == call.queue_id);
        let Some(s) = self.shares.iter_mut().find(|s| s.routing_profile_id == call.routing_profile_id) else {
            return Err(format!(
                "ResourceNotFoundException: routing profile {} not found",
                call.routing_profile_id
            ));
        };
        if queue != Some(s.queue) {
            return Err(format!(
                "InvalidRequestException: queue {} cannot be associated with {} in the demo",
                call.queue_id, s.routing_profile
            ));
        }
        if call.channel != "CHAT" {
            return Err(format!(
                "InvalidParameterException: {} is a chat queue; channel {} is not served",
                s.routing_profile, call.channel
            ));
        }
        if !(model::queue_share::SHARE_PRIORITY.contains(&call.priority)
            && model::queue_share::SHARE_DELAY_S.contains(&call.delay_s))
        {
            return Err("InvalidParameterException: Priority 1-99, Delay 0-9999".into());
        }
        let was = s.active;
        s.active = call.associate;
        if call.associate {
            s.priority = call.priority;
            s.delay_s = i64::from(call.delay_s);
        }
        Ok(was)
    }
}

/// The demo's shares: TTY Relay into the routing profile of the Web Chat agents, the chat
/// agents nearest to TTY work (a TTY call reaches Connect as a chat), at priority 2 so their
/// own chats still come first. Ids are derived from the instance's, not drawn from the
/// model's dice, so the rest of the model stays as it was.
fn demo_shares(instance_id: &str, queues: &[SimQueue]) -> Vec<Share> {
    let Some(donor) = queues.iter().position(|q| q.name == "Web Chat") else { return Vec::new() };
    if names::TTY_RELAY_QUEUE >= queues.len() {
        return Vec::new();
    }
    let h = instance_id
        .bytes()
        .chain(*b"routing-profile/web-chat")
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    let id = format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        h >> 32,
        (h >> 16) & 0xffff,
        h & 0xfff,
        (h >> 4) & 0xfff,
        h.rotate_left(17) & 0xffff_ffff_ffff
    );
    vec![Share {
        name: "tty_relay_overflow",
        donor,
        queue: names::TTY_RELAY_QUEUE,
        routing_profile: "Web Chat Agents".into(),
        routing_profile_id: id,
        priority: 2,
        delay_s: 0,
        active: false,
    }]
}

/// The contact an agent of `q` takes next: the oldest, unless it is a TTY callback and NexTalk
/// has no port to call out on (then the oldest one waiting on the line, if any). Records the
/// answer; `None`: nothing it can take. `Some(tty)`: taken, with its NexTalk session if any.
fn take_next(
    q: &mut SimQueue,
    tty_queue: bool,
    t: i64,
    dial_tty: &mut dyn FnMut(i64) -> Option<TtyRef>,
) -> Option<Option<TtyRef>> {
    let front = q.waiting.front()?;
    let (at, tty) = match front.callback && tty_queue {
        false => (0, front.tty),
        true => match dial_tty(t) {
            Some(r) => (0, Some(r)),
            None => {
                let i = q.waiting.iter().position(|w| !w.callback)?;
                (i, q.waiting[i].tty)
            }
        },
    };
    let w = q.waiting.remove(at)?;
    q.outcomes.push_back((t, Outcome::Answered(t - w.arrived)));
    Some(tty)
}

/// The free agents of a share's donor queue take contacts as Connect routes them: from the
/// queue of the highest priority (1 first) that has one; at equal priority, the oldest contact
/// of the two. The donor's own queue is at priority 1 in its profile; a contact of the shared
/// queue is offered only after waiting the share's delay. A shared contact keeps its own
/// handle time and, when it ends, ends in its own queue's figures.
fn serve_shared(
    queues: &mut [SimQueue],
    s: &Share,
    t: i64,
    rng: &mut SimRng,
    dial_tty: &mut dyn FnMut(i64) -> Option<TtyRef>,
) {
    if s.donor == s.queue || s.donor >= queues.len() || s.queue >= queues.len() {
        return;
    }
    let (donor, other) = if s.donor < s.queue {
        let (a, b) = queues.split_at_mut(s.queue);
        (&mut a[s.donor], &mut b[0])
    } else {
        let (a, b) = queues.split_at_mut(s.donor);
        (&mut b[0], &mut a[s.queue])
    };
    let tty_queue = s.queue == names::TTY_RELAY_QUEUE;
    while donor.busy.len() < donor.agents as usize {
        let own = donor.waiting.front().map(|w| w.arrived);
        let theirs = other.waiting.front().map(|w| w.arrived).filter(|&a| t - a >= s.delay_s);
        let shared_first = match (own, theirs) {
            (None, None) => break,
            (Some(_), None) => false,
            (None, Some(_)) => true,
            (Some(o), Some(x)) => s.priority <= 1 && x < o,
        };
        if shared_first {
            let Some(tty) = take_next(other, tty_queue, t, dial_tty) else {
                // Nothing of the shared queue it can take (no port for a callback): its own.
                if own.is_none() {
                    break;
                }
                let Some(tty) = take_next(donor, false, t, dial_tty) else { break };
                let ends_at = t + rng.handle_time(donor.handle_mean_s).ceil().max(1.0) as i64;
                donor.busy.push(Busy { ends_at, tty });
                continue;
            };
            let ends_at = t + rng.handle_time(other.handle_mean_s).ceil().max(1.0) as i64;
            donor.busy.push(Busy { ends_at, tty });
        } else {
            let Some(tty) = take_next(donor, false, t, dial_tty) else { break };
            let ends_at = t + rng.handle_time(donor.handle_mean_s).ceil().max(1.0) as i64;
            donor.busy.push(Busy { ends_at, tty });
        }
    }
}

/// A caller waiting on the line leaves a callback number: the line (and a TTY caller's NexTalk
/// session) ends, the contact keeps its place in the queue as a callback.
fn to_callback(w: &mut Waiting, ev: &mut ContactEvents) {
    ev.ended += 1;
    if let Some(r) = w.tty.take() {
        ev.tty_ended.push((r, TtyEnd::Callback));
    }
    w.callback = true;
    w.abandon_at = i64::MAX;
}

fn queue_snapshot(q: &SimQueue, t: i64) -> model::Queue {
    model::Queue {
        id: q.id.clone(),
        name: q.name.clone(),
        contacts_in_queue: q.waiting.len() as u32,
        // Waiting is FIFO (retain keeps order), so the front is the oldest.
        oldest_contact_age_s: q.waiting.front().map(|w| (t - w.arrived) as f64),
        agents_online: q.agents,
        agents_available: q.agents.saturating_sub(q.busy.len() as u32),
        agents_on_contact: q.busy.len() as u32,
        ..service_figures(q)
    }
}

/// The queue's service figures over its outcome window, as Connect defines them: service
/// level = answered within the threshold / contacts that left the queue (answered or
/// abandoned); abandonment rate = abandoned / queued; average answer time over the answered.
/// Each is `None` when its denominator is empty: no contact, no figure.
fn service_figures(q: &SimQueue) -> model::Queue {
    let (mut queued, mut answered, mut within, mut abandoned, mut waited) = (0u32, 0u32, 0u32, 0u32, 0i64);
    for (_, o) in &q.outcomes {
        match *o {
            Outcome::Queued => queued += 1,
            Outcome::Answered(wait) => {
                answered += 1;
                waited += wait;
                if wait < i64::from(q.service_level_s) {
                    within += 1;
                }
            }
            Outcome::Abandoned => abandoned += 1,
        }
    }
    let round1 = |v: f64| (v * 10.0).round() / 10.0;
    // Contacts queued before the window can be abandoned in it: never more than all of them.
    let pct = |part: u32, whole: u32| model::pct(f64::from(part), f64::from(whole)).map(round1);
    model::Queue {
        service_level_pct: pct(within, answered + abandoned),
        service_level_threshold_s: Some(q.service_level_s),
        abandonment_rate_pct: pct(abandoned, queued.max(abandoned)),
        avg_answer_time_s: (answered > 0).then(|| round1(waited as f64 / f64::from(answered))),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A calm instance, warmed up past one service window.
    fn connect(seed: u64) -> (Connect, SimRng, i64) {
        let mut rng = SimRng::new(seed);
        let mut c = Connect::new(&mut rng, 12);
        let mut t = 0;
        for _ in 0..SERVICE_WINDOW_S + 60 {
            t += 1;
            c.begin_tick();
            c.step(t, &mut rng, &mut |_| None);
        }
        (c, rng, t)
    }

    fn figures(c: &Connect, t: i64, queue: usize) -> model::Queue {
        c.snapshot(t).queues.swap_remove(queue)
    }

    #[test]
    fn a_calm_queue_answers_within_its_threshold_and_nobody_gives_up() {
        let (c, _, t) = connect(7);
        let q = figures(&c, t, 0);
        assert_eq!(q.service_level_threshold_s, Some(SERVICE_LEVEL_S));
        assert_eq!(q.service_level_pct, Some(100.0), "{q:?}");
        assert_eq!(q.abandonment_rate_pct, Some(0.0), "{q:?}");
        assert_eq!(q.avg_answer_time_s, Some(0.0), "{q:?}");
        let relay = figures(&c, t, names::TTY_RELAY_QUEUE);
        assert_eq!(relay.service_level_threshold_s, Some(TTY_SERVICE_LEVEL_S));
    }

    /// Fewer agents → contacts wait longer → the oldest contact ages, callers give up, and
    /// fewer are answered within the threshold. The figures follow the queue, not a script.
    #[test]
    fn as_waits_grow_abandonment_rises_and_service_level_falls() {
        let (mut c, mut rng, mut t) = connect(7);
        let before = figures(&c, t, 0);
        // Triple the arrivals on one agent: the queue backs up.
        let q = &mut c.queues[0];
        q.agents = 1;
        q.rate *= 3.0;
        q.exp_neg_rate = (-q.rate).exp();
        let mut oldest = Vec::new();
        let mut service = Vec::new();
        for _ in 0..3 {
            for _ in 0..SERVICE_WINDOW_S / 3 {
                t += 1;
                c.begin_tick();
                c.step(t, &mut rng, &mut |_| None);
            }
            let q = figures(&c, t, 0);
            oldest.push(q.oldest_contact_age_s.unwrap_or(0.0));
            service.push((q.service_level_pct.unwrap_or(100.0), q.abandonment_rate_pct.unwrap_or(0.0)));
        }
        let after = figures(&c, t, 0);
        assert!(after.oldest_contact_age_s.unwrap_or(0.0) > 60.0, "{after:?}");
        let (sl, ab) = (after.service_level_pct.unwrap(), after.abandonment_rate_pct.unwrap());
        assert!(sl < before.service_level_pct.unwrap() - 20.0, "service level {sl} from {before:?}");
        assert!(ab > before.abandonment_rate_pct.unwrap() + 10.0, "abandonment {ab} from {before:?}");
        assert!(after.avg_answer_time_s.unwrap() > 20.0, "{after:?}");
        // Over the backlog's growth the service level only goes down, abandonment only up.
        assert!(service.windows(2).all(|w| w[1].0 <= w[0].0 && w[1].1 >= w[0].1), "{service:?} {oldest:?}");
    }

    #[test]
    fn a_queue_with_no_contact_in_the_window_has_no_figures_not_zero() {
        let (mut c, mut rng, mut t) = connect(3);
        let q = &mut c.queues[0];
        q.rate = 0.0;
        q.exp_neg_rate = 1.0;
        for _ in 0..SERVICE_WINDOW_S + 600 {
            t += 1;
            c.begin_tick();
            c.step(t, &mut rng, &mut |_| None);
        }
        let q = figures(&c, t, 0);
        assert_eq!(q.contacts_in_queue, 0);
        assert_eq!((q.service_level_pct, q.abandonment_rate_pct, q.avg_answer_time_s), (None, None, None));
        assert_eq!(q.service_level_threshold_s, Some(SERVICE_LEVEL_S), "the target is still known");
    }

    /// A TTY surge the TTY agents cannot answer, with and without TTY Relay added to the Web
    /// Chat agents' routing profile (priority 2): the shared agents answer TTY contacts when
    /// none of their own chats waits, so the backlog grows slower by what they take on, and
    /// Web Chat's own callers wait longer for agents now busy with 5-minute TTY contacts.
    #[test]
    fn a_shared_queue_is_answered_by_the_donor_agents_whose_own_queue_waits_longer() {
        let run = |share: bool| {
            let (mut c, mut rng, mut t) = connect(11);
            let donor = c.shares[0].donor;
            assert_eq!(c.queues[donor].name, "Web Chat");
            if share {
                let call = crate::source::QueueShareCall {
                    associate: true,
                    instance_id: c.instance_id.clone(),
                    routing_profile_id: c.shares[0].routing_profile_id.clone(),
                    routing_profile: c.shares[0].routing_profile.clone(),
                    queue_id: c.queues[names::TTY_RELAY_QUEUE].id.clone(),
                    queue: "TTY Relay".into(),
                    channel: "CHAT".into(),
                    priority: 2,
                    delay_s: 0,
                };
                assert_eq!(c.associate(&call), Ok(false));
            }
            c.set_callback_only(names::TTY_RELAY_QUEUE, true);
            let mut session = 0;
            let (mut donor_wait, mut answered) = (0.0, 0u32);
            for _ in 0..1800 {
                t += 1;
                c.begin_tick();
                // 0.4 TTY contacts a second: twice what 30 agents at 5 minutes answer.
                if rng.chance(0.4) {
                    session += 1;
                    let _ = c.enqueue_tty(t, TtyRef { server: 0, session }, &mut rng);
                }
                c.step(t, &mut rng, &mut |_| {
                    session += 1;
                    Some(TtyRef { server: 1, session })
                });
                answered += c.events.tty_ended.iter().filter(|(_, e)| *e == TtyEnd::Completed).count() as u32;
                donor_wait += c.snapshot(t).queues[donor].oldest_contact_age_s.unwrap_or(0.0);
            }
            let snap = c.snapshot(t);
            (
                snap.queues[names::TTY_RELAY_QUEUE].clone(),
                donor_wait / 1800.0,
                answered,
                snap.queues[donor].clone(),
            )
        };
        let (alone, donor_alone, answered_alone, _) = run(false);
        let (shared, donor_shared, answered_shared, donor) = run(true);
        assert!(answered_shared > answered_alone + 10, "{answered_alone} -> {answered_shared}");
        assert!(shared.contacts_in_queue < alone.contacts_in_queue, "{alone:?}\n{shared:?}");
        assert!(
            donor_shared > donor_alone,
            "Web Chat's oldest contact, on average: {donor_alone} -> {donor_shared}"
        );
        // Connect counts TTY Relay's agents by routing profile: the Web Chat agents are among them.
        assert_eq!(shared.agents_online, TTY_AGENTS + donor.agents_online, "{shared:?}");
    }
}
