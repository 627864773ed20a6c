//! Lambda functions called from contact flows. Invocations follow the contacts that arrive;
//! a failed or throttled invocation sends the flow down its error branch, which Connect counts
//! as a ContactFlowError.

use super::names;
use super::queues::ContactEvents;
use super::rng::SimRng;
use super::window::Window;
use crate::model;

/// Which contacts run the flow block that calls the function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trigger {
    AllContacts,
    Voice,
    Tty,
}

/// `connect-lookup-customer`: the function that calls the CRM.
pub const CRM_LOOKUP: usize = 0;

/// z-score of the 99th percentile of a normal distribution.
const Z99: f64 = 2.326;

/// What one function did in the last second, for its log.
#[derive(Debug, Clone, Copy, Default)]
pub struct TickOutcome {
    pub invoked: u32,
    pub timed_out: u32,
    /// Failed because its DynamoDB writes were throttled.
    pub write_failed: u32,
    pub table: Option<usize>,
    pub median_ms: f64,
    pub timeout_ms: f64,
}

#[derive(Debug, Clone)]
pub struct Function {
    name: String,
    trigger: Trigger,
    per_contact: f64,
    median_ms: f64,
    sigma: f64,
    timeout_ms: f64,
    reserved: Option<u32>,
    /// The DynamoDB table it writes; its throttling surfaces here as errors.
    writes_table: Option<usize>,
    /// Share of invocations that hang until the timeout (an incident).
    hang_p: f64,
    /// Share that hangs because the CRM it calls does not answer (the estate's CRM state).
    crm_hang_p: f64,
    /// It calls the CRM, and the CRM bypass flag is on: it answers "no record" without the
    /// call, so a hanging CRM no longer makes it hang.
    bypassed: bool,
    /// Slow drift of the duration distribution, so p99 is not a flat line.
    drift: f64,
    invocations: Window<u32>,
    errors: Window<u32>,
    timeouts: Window<u32>,
    throttles: Window<u32>,
    concurrency: Window<u32>,
    last: TickOutcome,
}

impl Function {
    fn new(i: usize, tables: usize, rng: &mut SimRng) -> Function {
        use Trigger::*;
        let (trigger, per_contact, median_ms, reserved, writes) = match i {
            0 => (AllContacts, 1.0, 140.0, None, None),
            1 => (Tty, 1.0, 90.0, None, None),
            2 => (AllContacts, 1.0, 60.0, None, Some(0)),
            3 => (AllContacts, 1.0, 25.0, None, None),
            4 => (Voice, 0.6, 40.0, None, None),
            5 => (Voice, 3.0, 35.0, None, Some(1)),
            6 => (Voice, 0.05, 150.0, None, None),
            7 => (Voice, 0.8, 320.0, Some(50), None),
            _ => {
                let reserved = rng.chance(0.2).then(|| rng.range(20, 100));
                (AllContacts, rng.uniform(0.05, 1.0), rng.uniform(20.0, 400.0), reserved, None)
            }
        };
        Function {
            name: names::function(i),
            trigger,
            per_contact,
            median_ms,
            sigma: rng.uniform(0.2, 0.45),
            timeout_ms: 8000.0,
            reserved,
            writes_table: writes.filter(|&t| t < tables),
            hang_p: 0.0,
            crm_hang_p: 0.0,
            bypassed: false,
            drift: 1.0,
            invocations: Window::default(),
            errors: Window::default(),
            timeouts: Window::default(),
            throttles: Window::default(),
            concurrency: Window::default(),
            last: TickOutcome::default(),
        }
    }

    fn mean_s(&self) -> f64 {
        self.median_ms * self.drift * (self.sigma * self.sigma / 2.0).exp() / 1000.0
    }

    /// One second; returns the failures its contact flows saw (errors plus throttles).
    fn step(&mut self, t: i64, rng: &mut SimRng, ev: &ContactEvents, write_throttle: &[f64]) -> u32 {
        self.drift = (self.drift + 0.01 * rng.normal()).clamp(0.9, 1.15);
        let contacts = match self.trigger {
            Trigger::AllContacts => ev.arrivals(),
            Trigger::Voice => ev.voice_arrivals,
            Trigger::Tty => ev.tty_arrivals,
        };
        let wanted = rng.poisson(self.per_contact * f64::from(contacts));
        let hang_p = if self.bypassed { 0.0 } else { self.hang_p.max(self.crm_hang_p) };
        let hung = rng.binomial(wanted, hang_p);
        // Little's law: executions in flight = arrivals/s x seconds each.
        let busy_s = f64::from(wanted - hung) * self.mean_s() + f64::from(hung) * self.timeout_ms / 1000.0;
        let wanted_conc = busy_s.ceil() as u32;
        let throttled = match self.reserved {
            Some(limit) if wanted_conc > limit => {
                (f64::from(wanted) * (1.0 - f64::from(limit) / f64::from(wanted_conc))).round() as u32
            }
            _ => 0,
        };
        let invoked = wanted - throttled;
        let hung = hung.min(invoked);
        // The SDK retries throttled writes; a share of them still runs out of retries.
        let table_p = self.writes_table.and_then(|i| write_throttle.get(i)).map_or(0.0, |f| f * 0.4);
        let failed = rng.binomial(invoked - hung, table_p);
        let errors = hung + failed;
        self.invocations.set(t, invoked);
        self.errors.set(t, errors);
        self.timeouts.set(t, hung);
        self.throttles.set(t, throttled);
        self.concurrency.set(t, wanted_conc.min(self.reserved.unwrap_or(u32::MAX)));
        self.last = TickOutcome {
            invoked,
            timed_out: hung,
            write_failed: failed,
            table: self.writes_table,
            median_ms: self.median_ms * self.drift,
            timeout_ms: self.timeout_ms,
        };
        errors + throttled
    }

    fn snapshot(&self) -> model::LambdaFunction {
        let invocations = self.invocations.sum();
        let duration_p99_ms = (invocations > 0).then(|| {
            // Once more than 1% of calls hang, the 99th percentile is the timeout itself.
            if self.timeouts.sum() * 100 > invocations {
                self.timeout_ms
            } else {
                (self.median_ms * self.drift * (Z99 * self.sigma).exp()).round()
            }
        });
        model::LambdaFunction {
            name: self.name.clone(),
            invocations,
            errors: self.errors.sum(),
            throttles: self.throttles.sum(),
            duration_p99_ms,
            concurrent_executions: self.concurrency.max(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Lambda {
    pub functions: Vec<Function>,
}

impl Lambda {
    pub fn new(count: usize, tables: usize, rng: &mut SimRng) -> Lambda {
        Lambda { functions: (0..count).map(|i| Function::new(i, tables, rng)).collect() }
    }

    /// Makes a share of the function's invocations hang until they time out.
    pub fn set_hang(&mut self, function: usize, share: f64) {
        if let Some(f) = self.functions.get_mut(function) {
            f.hang_p = share.clamp(0.0, 1.0);
        }
    }

    /// The CRM bypass flag: only the function that looks callers up in the CRM reads it.
    pub fn set_crm_bypass(&mut self, on: bool) {
        if let Some(f) = self.functions.get_mut(CRM_LOOKUP) {
            f.bypassed = on;
        }
    }

    /// The share of the CRM lookup's calls that hang because the CRM does not answer.
    pub fn set_crm_hang(&mut self, share: f64) {
        if let Some(f) = self.functions.get_mut(CRM_LOOKUP) {
            f.crm_hang_p = share.clamp(0.0, 1.0);
        }
    }

    /// The CRM lookup's calls to the CRM API in the last second, and how many of them hung
    /// (none while bypassed: it does not call the CRM then).
    pub fn crm_calls(&self) -> (u32, u32) {
        match self.functions.get(CRM_LOOKUP) {
            Some(f) if !f.bypassed => (f.last.invoked, f.last.timed_out),
            Some(_) | None => (0, 0),
        }
    }

    pub fn step(&mut self, t: i64, rng: &mut SimRng, ev: &ContactEvents, write_throttle: &[f64]) -> u32 {
        self.functions.iter_mut().map(|f| f.step(t, rng, ev, write_throttle)).sum()
    }

    /// Each function's last second, in function order.
    pub fn last_ticks(&self) -> impl Iterator<Item = &TickOutcome> {
        self.functions.iter().map(|f| &f.last)
    }

    pub fn snapshot(&self) -> Vec<model::LambdaFunction> {
        self.functions.iter().map(Function::snapshot).collect()
    }
}
