//! DynamoDB tables whose reads and writes follow the contacts, with provisioned capacity, the
//! 300-second burst allowance DynamoDB keeps from unused capacity, and throttling beyond it.

use super::names;
use super::queues::ContactEvents;
use super::rng::SimRng;
use super::window::Window;
use crate::model;
use crate::source::remote::TableCapacity;

/// DynamoDB retains up to five minutes of unused capacity for bursts.
const BURST_S: f64 = 300.0;

#[derive(Debug, Clone, Default)]
struct Capacity {
    /// Units per second; `None` for on-demand.
    provisioned: Option<f64>,
    burst: f64,
    consumed: Window<f64>,
    throttled: Window<u32>,
    /// Share of the last second's demand that was throttled.
    last_throttled_share: f64,
}

impl Capacity {
    fn new(provisioned: Option<f64>) -> Capacity {
        Capacity { provisioned, burst: provisioned.unwrap_or(0.0) * BURST_S, ..Capacity::default() }
    }

    /// Serves `demand` units (in requests of `unit` units each) within capacity plus burst.
    fn serve(&mut self, t: i64, demand: f64, unit: f64) {
        let (served, throttled) = match self.provisioned {
            None => (demand, 0.0),
            Some(p) if demand <= p => {
                self.burst = (self.burst + p - demand).min(p * BURST_S);
                (demand, 0.0)
            }
            Some(p) => {
                let draw = self.burst.min(demand - p);
                self.burst -= draw;
                (p + draw, demand - p - draw)
            }
        };
        self.consumed.set(t, served);
        self.throttled.set(t, (throttled / unit).ceil() as u32);
        self.last_throttled_share = if demand > 0.0 { throttled / demand } else { 0.0 };
    }
}

#[derive(Debug, Clone)]
pub struct Table {
    name: String,
    reads_per_arrival: f64,
    writes_per_arrival: f64,
    writes_per_end: f64,
    /// Capacity units per request (item size: 4 KB per read unit, 1 KB per write unit).
    rcu_per_read: f64,
    wcu_per_write: f64,
    /// Extra writes per second from a batch job (an incident).
    batch_wcu: f64,
    read: Capacity,
    write: Capacity,
}

impl Table {
    fn new(i: usize, arrivals_per_s: f64, rng: &mut SimRng) -> Table {
        let (reads_pa, writes_pa, writes_pe, rcu, wcu, on_demand) = match i {
            0 => (0.5, 1.0, 3.0, 1.0, 2.0, false),
            1 => (0.2, 3.0, 0.0, 0.5, 1.0, false),
            2 => (2.0, 0.0, 0.2, 1.0, 1.0, false),
            3 => (0.5, 4.0, 1.0, 0.5, 1.0, true),
            _ => (
                rng.uniform(0.0, 3.0),
                rng.uniform(0.0, 2.0),
                rng.uniform(0.0, 2.0),
                if rng.chance(0.5) { 0.5 } else { 1.0 },
                f64::from(rng.range(1, 3)),
                rng.chance(0.4),
            ),
        };
        // Provisioned tables are sized at a few times the night's load, never under 5 units.
        let mut size = |units: f64| (!on_demand).then(|| (units * rng.uniform(3.0, 4.5)).ceil().max(5.0));
        let read = size(reads_pa * rcu * arrivals_per_s);
        let write = size((writes_pa + writes_pe) * wcu * arrivals_per_s);
        Table {
            name: names::table(i),
            reads_per_arrival: reads_pa,
            writes_per_arrival: writes_pa,
            writes_per_end: writes_pe,
            rcu_per_read: rcu,
            wcu_per_write: wcu,
            batch_wcu: 0.0,
            read: Capacity::new(read),
            write: Capacity::new(write),
        }
    }

    fn step(&mut self, t: i64, rng: &mut SimRng, ev: &ContactEvents) {
        let arrivals = f64::from(ev.arrivals());
        let reads = rng.poisson(self.reads_per_arrival * arrivals);
        let writes =
            rng.poisson(self.writes_per_arrival * arrivals + self.writes_per_end * f64::from(ev.ended));
        let batch = if self.batch_wcu > 0.0 { self.batch_wcu * rng.uniform(0.9, 1.1) } else { 0.0 };
        self.read.serve(t, f64::from(reads) * self.rcu_per_read, self.rcu_per_read);
        self.write.serve(t, f64::from(writes) * self.wcu_per_write + batch, self.wcu_per_write);
    }

    fn snapshot(&self) -> model::DynamoTable {
        let per_s = |w: &Window<f64>| (w.mean() * 100.0).round() / 100.0;
        model::DynamoTable {
            name: self.name.clone(),
            consumed_read: per_s(&self.read.consumed),
            provisioned_read: self.read.provisioned,
            consumed_write: per_s(&self.write.consumed),
            provisioned_write: self.write.provisioned,
            read_throttles: self.read.throttled.sum(),
            write_throttles: self.write.throttled.sum(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct DynamoDb {
    pub tables: Vec<Table>,
    /// Per table, the share of writes throttled in the last second (Lambda writers feel it).
    pub write_throttle: Vec<f64>,
}

impl DynamoDb {
    pub fn new(count: usize, arrivals_per_s: f64, rng: &mut SimRng) -> DynamoDb {
        DynamoDb {
            tables: (0..count).map(|i| Table::new(i, arrivals_per_s, rng)).collect(),
            write_throttle: vec![0.0; count],
        }
    }

    /// A batch job writing at `factor` times the table's provisioned write capacity.
    pub fn start_batch_writes(&mut self, table: usize, factor: f64) {
        if let Some(t) = self.tables.get_mut(table) {
            t.batch_wcu = t.write.provisioned.unwrap_or(10.0) * factor;
        }
    }

    /// UpdateTable: new provisioned capacity or on-demand, effective from the next second (the
    /// real table is UPDATING for seconds to minutes meanwhile, still serving at the old
    /// capacity). Returns the capacity before, for the answer. Refuses what DynamoDB refuses:
    /// an unknown table, a zero capacity, a change to what the table already has.
    pub fn update(&mut self, name: &str, capacity: TableCapacity) -> Result<TableCapacity, String> {
        let table = self.tables.iter_mut().find(|t| t.name == name).ok_or_else(|| {
            format!("ResourceNotFoundException: Requested resource not found: Table: {name} not found")
        })?;
        let before = match (table.read.provisioned, table.write.provisioned) {
            (Some(r), Some(w)) => TableCapacity::Provisioned { read: r as u64, write: w as u64 },
            _ => TableCapacity::OnDemand,
        };
        if before == capacity {
            return Err(format!(
                "ValidationException: The provisioned throughput for the table will not change. The requested \
                 value equals the current value. Current: {before}"
            ));
        }
        match capacity {
            TableCapacity::OnDemand => {
                table.read.provisioned = None;
                table.write.provisioned = None;
            }
            TableCapacity::Provisioned { read, write } => {
                if read == 0 || write == 0 {
                    return Err("ValidationException: capacity units must be at least 1".into());
                }
                table.read.provisioned = Some(read as f64);
                table.write.provisioned = Some(write as f64);
            }
        }
        Ok(before)
    }

    pub fn step(&mut self, t: i64, rng: &mut SimRng, ev: &ContactEvents) {
        for (table, share) in self.tables.iter_mut().zip(self.write_throttle.iter_mut()) {
            table.step(t, rng, ev);
            *share = table.write.last_throttled_share;
        }
    }

    pub fn snapshot(&self) -> Vec<model::DynamoTable> {
        self.tables.iter().map(Table::snapshot).collect()
    }
}
