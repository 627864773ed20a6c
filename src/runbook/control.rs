//! Planning the AWS actions (set a flag, change a table's capacity, reshard a stream): what
//! will change, from what to what, and what that costs or risks, from the figures the run
//! last saw. The confirmation shows this summary; the audit log records it.
//!
//! DynamoDB's rules quoted here are those of the developer guide ("Considerations when
//! switching capacity modes", "Service, account, and table quotas"): provisioned → on-demand
//! at most 4 times per table in a rolling 24 h, on-demand → provisioned at any time; increases
//! of provisioned capacity at any time, decreases 4 at any time in a UTC day plus 1 more per
//! hour without a decrease (up to 27 a day). Kinesis UpdateShardCount (UNIFORM_SCALING) at
//! most doubles or halves per call and is limited per stream per rolling 24 h. RDS storage
//! (ModifyDBInstance, "Working with storage for Amazon RDS DB instances"): it only grows, by at
//! least 10 % a time; after a storage change none for 6 hours or while the volume is
//! `storage-optimization`, whichever is longer; only an `available` (or `storage-full`)
//! instance takes one.

use super::def::{Action, ActionKind, CapacityChange, Check, Runbook, StepKind};
use super::engine::{ConfirmRequest, RunContext, refusal_text};
use super::record::Outcome;
use crate::model::MetricId;
use crate::source::{RemoteAction, TableCapacity, Target};

pub const DYNAMODB_LIMITS: &str = "DynamoDB limits: switching a table to on-demand is allowed 4 times per rolling \
     24 h (back to provisioned any time); provisioned capacity can be raised any time, but lowered only 4 times a \
     day plus once per hour without a decrease";

pub const KINESIS_LIMITS: &str = "Kinesis limits: UpdateShardCount at most doubles or halves the open shards per call, \
     a limited number of times per stream per rolling 24 h; the stream is UPDATING for minutes and keeps serving";

pub const RDS_LIMITS: &str = "RDS limits: storage only grows (no decrease, ever); each increase at least 10% \
     (else InvalidParameterCombination); after this change no further storage change for 6 hours or while \
     storage-optimization runs, whichever is longer; no downtime on gp2/gp3/io1/io2, the space arrives in minutes";

/// The RDS maximum allocated storage: 16 TiB for SQL Server, 64 TiB for the other engines.
fn max_storage_gib(engine: Option<&str>) -> u32 {
    match engine {
        Some(e) if e.starts_with("sqlserver") => 16_384,
        Some(_) | None => 65_536,
    }
}

/// The confirmation for a control-plane action, or why it is not offered (skipped: nothing
/// to change; error: no such flag or table).
pub fn plan(
    index: usize,
    action: &Action,
    runbook: &Runbook,
    ctx: &RunContext,
) -> Result<ConfirmRequest, (Outcome, String)> {
    let (remote, resource, summary) = match &action.kind {
        ActionKind::SetFlag { flag, value } => set_flag(flag, value, &ctx.world.flags)?,
        ActionKind::UpdateTable { entity, change } => {
            let table =
                pick(entity.as_deref(), action, runbook, ctx, "table", &ctx.world.tables, |t| &t.name)?;
            update_table(table, *change)?
        }
        ActionKind::DoubleShards { entity } => {
            let stream =
                pick(entity.as_deref(), action, runbook, ctx, "stream", &ctx.world.streams, |s| &s.name)?;
            double_shards(stream)
        }
        ActionKind::GrowStorage { entity, grow_pct, autoscale_pct } => {
            grow_storage(entity.as_deref(), *grow_pct, *autoscale_pct, &ctx.world)?
        }
        ActionKind::ShareQueue { share, associate } => share_queue(share, *associate, ctx)?,
        ActionKind::RestartService { .. } | ActionKind::OpenLog => {
            return Err((Outcome::Error, "not an AWS action".into()));
        }
    };
    let mut plan = ConfirmRequest {
        step: index,
        kind: action.kind.clone(),
        remote: Some(remote),
        targets: vec![Target::aws(resource)],
        summary,
        mutating: true,
        refusal: None,
    };
    if ctx.read_only {
        plan.refusal = Some(refusal_text(&plan));
    }
    Ok(plan)
}

/// Setting `flag` to `value`: the PutParameter, the parameter it writes, and the summary
/// the confirmation and the audit log show (`set flag crm_bypass (/…): "off" → "on": …`).
/// The same planning for a runbook's `set_flag` step and the console's Flags view, so both
/// confirm the same words. Skipped when the flag already has the value.
pub fn set_flag(
    flag: &str,
    value: &str,
    flags: &[crate::model::Flag],
) -> Result<(RemoteAction, String, String), (Outcome, String)> {
    let Some(f) = flags.iter().find(|f| f.name == flag) else {
        let known: Vec<&str> = flags.iter().map(|f| f.name.as_str()).collect();
        let known =
            if known.is_empty() { "none is configured ([[flags]])".to_string() } else { known.join(", ") };
        return Err((Outcome::Error, format!("no flag named {flag}: {known}")));
    };
    let Some(meaning) = f.meaning(value) else {
        let allowed: Vec<&str> = f.values.iter().map(|v| v.value.as_str()).collect();
        return Err((
            Outcome::Error,
            format!("flag {flag} cannot be {value:?}: its values are {}", allowed.join(", ")),
        ));
    };
    if f.current.as_deref() == Some(value) {
        return Err((
            Outcome::Skipped,
            format!("nothing to do: flag {flag} ({}) is already {value:?}", f.parameter),
        ));
    }
    let old = match (&f.current, &f.error) {
        (Some(v), _) => format!("{v:?}"),
        (None, Some(e)) => format!("unknown ({e})"),
        (None, None) => "not set".to_string(),
    };
    let summary = format!("set flag {flag} ({}): {old} → {value:?}: {meaning}", f.parameter);
    Ok((
        RemoteAction::SetParameter { parameter: f.parameter.clone(), value: value.to_string() },
        f.parameter.clone(),
        summary,
    ))
}

/// The table or stream named, else the one the action's `verifies` metric check fails on now
/// (else any failing in that section), else an error saying why nothing is picked.
fn pick<'a, T>(
    entity: Option<&str>,
    action: &Action,
    runbook: &Runbook,
    ctx: &RunContext,
    what: &str,
    list: &'a [T],
    name: impl Fn(&T) -> &String,
) -> Result<&'a T, (Outcome, String)> {
    if let Some(want) = entity {
        return list
            .iter()
            .find(|t| name(t) == want)
            .ok_or_else(|| (Outcome::Error, format!("no {what} named {want} in the figures")));
    }
    let metric: Option<MetricId> = action.verifies.and_then(|i| match &runbook.steps[i].kind {
        StepKind::Check(Check::Metric { metric, .. }) => Some(*metric),
        StepKind::Check(_) | StepKind::Action(_) | StepKind::Manual { .. } => None,
    });
    let failing: Vec<&String> = match metric {
        Some(m) => ctx.world.failing.get(m.key()).into_iter().flatten().collect(),
        None => ctx.world.failing.values().flatten().collect(),
    };
    let Some(first) = failing.iter().find_map(|f| list.iter().find(|t| name(t) == *f)) else {
        return Err((Outcome::Skipped, format!("nothing to do: no {what} is at warn or crit")));
    };
    Ok(first)
}

fn update_table(
    t: &crate::model::DynamoTable,
    change: CapacityChange,
) -> Result<(RemoteAction, String, String), (Outcome, String)> {
    let before = match (t.provisioned_read, t.provisioned_write) {
        (Some(r), Some(w)) => Some((r, w)),
        _ => None,
    };
    let demand = format!("consuming {:.0} RCU/s and {:.0} WCU/s", t.consumed_read, t.consumed_write);
    let throttled = if t.throttles() > 0 {
        format!(", {} throttle events in the last minute", t.throttles())
    } else {
        String::new()
    };
    let (capacity, after, cost) = match (change, before) {
        (CapacityChange::OnDemand, None) => {
            return Err((Outcome::Skipped, format!("nothing to do: table {} is already on-demand", t.name)));
        }
        (CapacityChange::OnDemand, Some(_)) => (
            TableCapacity::OnDemand,
            "on-demand (PAY_PER_REQUEST)".to_string(),
            "cost: billed per request instead of per provisioned hour — up while the extra load lasts (and it no \
             longer throttles on capacity); switch back to provisioned when it is over"
                .to_string(),
        ),
        (CapacityChange::Raise(_), None) => {
            return Err((
                Outcome::Error,
                format!("table {} is on-demand: it has no provisioned capacity to raise", t.name),
            ));
        }
        (CapacityChange::Raise(f), Some((r, w))) => {
            let read = (r * f).ceil() as u64;
            let write = (w * f).ceil() as u64;
            (
                TableCapacity::Provisioned { read, write },
                format!("provisioned {read} RCU / {write} WCU"),
                format!("cost: up about {f}x for this table's provisioned capacity, per hour until it is lowered again"),
            )
        }
    };
    let before_text = match before {
        Some((r, w)) => format!("provisioned {r:.0} RCU / {w:.0} WCU"),
        None => "on-demand".to_string(),
    };
    let summary = format!(
        "update table {}: {before_text} → {after} (now {demand}{throttled}); {cost}. {DYNAMODB_LIMITS}",
        t.name
    );
    Ok((RemoteAction::UpdateTable { table: t.name.clone(), capacity }, format!("table {}", t.name), summary))
}

fn double_shards(s: &crate::model::KinesisStream) -> (RemoteAction, String, String) {
    let (target, change) = match s.open_shards {
        Some(n) => (Some(n * 2), format!("{n} → {} open shards", n * 2)),
        None => (None, "open shards read with DescribeStreamSummary, then doubled".to_string()),
    };
    let summary = format!(
        "update shard count of stream {}: {change} (UNIFORM_SCALING); doubles the stream's read and write \
         limits (each shard: 1 MB/s or 1,000 records/s in, 2 MB/s out shared by polling consumers); cost: up \
         2x in shard hours until merged back. {KINESIS_LIMITS}",
        s.name
    );
    (RemoteAction::UpdateShardCount { stream: s.name.clone(), target }, format!("stream {}", s.name), summary)
}

/// Growing a DB instance's storage by `pct` from what DescribeDBInstances last said: the
/// instance named, else the one an RDS pane shows at warn or crit. Refused (an error naming
/// why) where RDS would refuse it, or where what it would change is not known.
fn grow_storage(
    entity: Option<&str>,
    pct: u32,
    autoscale_pct: Option<u32>,
    world: &super::engine::World,
) -> Result<(RemoteAction, String, String), (Outcome, String)> {
    let id = match entity {
        Some(id) => id.to_string(),
        None => match world.db_rows.iter().find(|r| r.failing) {
            Some(r) => r.id.clone(),
            None => {
                return Err((
                    Outcome::Skipped,
                    "nothing to do: no DB instance's free storage is at warn or crit".into(),
                ));
            }
        },
    };
    // The id reaches ModifyDBInstance: a pane row is outside text, so it passes RDS's rule
    // first (a runbook's entity already did, when it was parsed).
    crate::model::check_db_instance_id(&id).map_err(|e| (Outcome::Error, e))?;
    let Some(db) = world.db_instances.iter().find(|d| d.id == id) else {
        return Err((
            Outcome::Error,
            format!(
                "DB instance {id}: its storage is not known (DescribeDBInstances has not described it), so \
                 nothing is changed"
            ),
        ));
    };
    let Some(before) = db.allocated_gib else {
        return Err((
            Outcome::Error,
            format!("DB instance {id}: DescribeDBInstances gave no AllocatedStorage"),
        ));
    };
    if let Some(p) = db.pending_allocated_gib {
        return Err((
            Outcome::Error,
            format!(
                "DB instance {id} is {}: a storage change to {p} GiB is already pending (PendingModifiedValues); \
                 RDS takes no other until it is applied",
                db.status
            ),
        ));
    }
    match db.status.as_str() {
        // RDS lets a full instance grow out of it: that is what the change is for.
        "available" | "storage-full" => {}
        "storage-optimization" => {
            return Err((
                Outcome::Error,
                format!(
                    "DB instance {id} is storage-optimization: RDS takes no storage change while the last one is \
                     optimized (and for 6 hours after it)"
                ),
            ));
        }
        other => {
            return Err((
                Outcome::Error,
                format!(
                    "DB instance {id} is {other:?}, not available: RDS refuses a storage change until it is"
                ),
            ));
        }
    }
    // At least 10 % more, in whole GiB (RDS's unit), rounded up so the minimum always holds.
    let after = (u64::from(before) * u64::from(100 + pct)).div_ceil(100);
    let ceiling = max_storage_gib(db.engine.as_deref());
    let Some(after) = u32::try_from(after).ok().filter(|&a| a <= ceiling) else {
        return Err((
            Outcome::Error,
            format!("DB instance {id}: {before} GiB + {pct}% is beyond RDS's {ceiling} GiB for its engine"),
        ));
    };
    let max = autoscale_pct.map(|p| {
        let m = (u64::from(after) * u64::from(100 + p)).div_ceil(100);
        u32::try_from(m).unwrap_or(u32::MAX).min(ceiling)
    });
    // RDS refuses an allocated size that autoscaling's ceiling does not clear by 10 %.
    let ceiling_after = max.or(db.max_allocated_gib);
    if let Some(m) = ceiling_after
        && u64::from(m) * 10 < u64::from(after) * 11
    {
        return Err((
            Outcome::Error,
            format!(
                "DB instance {id}: MaxAllocatedStorage {m} GiB would not be 10% above {after} GiB; set \
                 autoscale_pct to raise it too"
            ),
        ));
    }
    let kind = [db.engine.as_deref(), db.storage_type.as_deref()].into_iter().flatten().collect::<Vec<_>>();
    let kind = if kind.is_empty() { String::new() } else { format!(" ({})", kind.join(", ")) };
    let free = match world.db_rows.iter().find(|r| r.id == id).and_then(|r| r.free_bytes) {
        Some(b) => {
            format!("free storage now {}", crate::model::metric::format_value(crate::model::Unit::Bytes, b))
        }
        None => "free storage now unknown (no FreeStorageSpace figure)".to_string(),
    };
    let autoscaling = match (max, db.max_allocated_gib) {
        (Some(m), Some(old)) => format!("storage autoscaling ceiling {old} → {m} GiB"),
        (Some(m), None) => format!("storage autoscaling turned on, up to {m} GiB"),
        (None, Some(old)) => format!("storage autoscaling stays on, up to {old} GiB"),
        (None, None) => "storage autoscaling stays off".to_string(),
    };
    let summary = format!(
        "grow the storage of DB instance {id}{kind}, {}: {before} → {after} GiB allocated (+{} GiB, +{pct}%), \
         ApplyImmediately; {free}; {autoscaling}. cost: up — allocated storage is billed per GiB-month, +{} GiB \
         from now on, and it cannot be given back. {RDS_LIMITS}",
        db.status,
        after - before,
        after - before,
    );
    Ok((
        RemoteAction::ModifyDbStorage { instance: id.clone(), allocated_gib: after, max_allocated_gib: max },
        format!("db {id}"),
        summary,
    ))
}

/// Adding a queue to another routing profile (or taking it off): the Connect call with the
/// ids from `[[queue_shares]]`, and what it means from the figures the run last saw.
fn share_queue(
    name: &str,
    associate: bool,
    ctx: &RunContext,
) -> Result<(RemoteAction, String, String), (Outcome, String)> {
    let shares = &ctx.world.queue_shares;
    let Some(s) = shares.iter().find(|s| s.name == name) else {
        let known: Vec<&str> = shares.iter().map(|s| s.name.as_str()).collect();
        let known = if known.is_empty() {
            "none is configured ([[queue_shares]])".to_string()
        } else {
            known.join(", ")
        };
        return Err((Outcome::Error, format!("no queue share named {name}: {known}")));
    };
    if s.associated == Some(associate) {
        let state = if associate { "already takes" } else { "does not take" };
        return Err((
            Outcome::Skipped,
            format!(
                "nothing to do: routing profile {} {state} queue {} ({})",
                s.routing_profile, s.queue, s.channel
            ),
        ));
    }
    let instance_id = ctx.world.connect_instance.clone();
    if instance_id.is_empty() {
        return Err((Outcome::Error, "no Amazon Connect instance id ([aws.connect] instance_id)".into()));
    }
    let call = crate::source::QueueShareCall {
        associate,
        instance_id,
        routing_profile_id: s.routing_profile_id.clone(),
        routing_profile: s.routing_profile.clone(),
        queue_id: s.queue_id.clone(),
        queue: s.queue.clone(),
        channel: s.channel.clone(),
        priority: s.priority,
        delay_s: s.delay_s,
    };
    let state = match s.associated {
        Some(true) => "in the profile now",
        Some(false) => "not in the profile now",
        None => "whether it is in the profile now is not known",
    };
    let summary = if associate {
        format!(
            "add queue {} ({}) to routing profile {} ({}) at priority {}, delay {} s ({state}): the profile's agents \
             take {}'s contacts too{}; take it off again (unshare_queue, DisassociateRoutingProfileQueues) when the \
             surge is over",
            s.queue,
            s.channel,
            s.routing_profile,
            s.routing_profile_id,
            s.priority,
            s.delay_s,
            s.queue,
            if s.priority > 1 {
                format!(" when none of their own (priority 1, such as {}) waits", s.donor_queue)
            } else {
                format!(", oldest first beside their own (such as {})", s.donor_queue)
            }
        )
    } else {
        format!(
            "take queue {} ({}) off routing profile {} ({}) ({state}): its agents answer only their own queues \
             again; contacts of {} already with them are finished",
            s.queue, s.channel, s.routing_profile, s.routing_profile_id, s.queue
        )
    };
    Ok((RemoteAction::RoutingProfileQueue(call), format!("routing profile {}", s.routing_profile), summary))
}
