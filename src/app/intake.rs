//! Taking in a snapshot, in two halves. `State::judge` is the heavy half: the sections merged
//! into the figures on screen, health assessed, alerts dated, every pane's rows filtered and
//! sorted, the trends' samples planned. `State::settle` is the light one: section freshness,
//! and each pane's new rows with its cursor put back on its row.
//!
//! `State::absorb` runs both in place (tests, `snapshot`, the backfill, a replay's jumps). The
//! console runs the heavy half on a worker thread (`console::intake`), on an [`Intake`]: its
//! own copy of what a snapshot is judged against. The key loop then swaps the [`Prepared`]
//! result in (`State::take_prepared`) and settles: a 1,000-queue snapshot costs the loop a
//! few hundred microseconds instead of milliseconds. Both paths are the same code, so they
//! give the same alerts, order, cursors and trends.

use crate::app::panes::{PaneId, SortKey};
use crate::app::rows::{self, RowRef};
use crate::app::state::State;
use crate::model::{Alert, AlertBook, Assessment, Samples, Section, Snapshot, Timestamp, assess};
use std::collections::HashSet;

/// A table's filter and sort, as the rows were built for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableOrder {
    pub filter: String,
    pub sort: SortKey,
}

/// One pane's rows as the heavy half built them, and the first of the worst of them.
#[derive(Debug, Clone)]
pub struct Built {
    order: TableOrder,
    rows: Vec<RowRef>,
    worst: Option<usize>,
}

/// What the heavy half found, for `settle`.
#[derive(Debug, Clone)]
pub(super) struct Judged {
    /// The panes (by section; `None`: the alerts list) an alert was raised about.
    pub(super) raised: HashSet<Option<Section>>,
    pub(super) rows: Vec<Built>,
    pub(super) samples: Option<Samples>,
}

/// A snapshot taken in by an [`Intake`], ready to swap into the state on screen.
#[derive(Debug, Clone)]
pub struct Prepared {
    snapshot: Snapshot,
    assessment: Assessment,
    alerts: Vec<Alert>,
    alert_book: AlertBook,
    judged: Judged,
}

/// What a prepared intake replaced on screen: only for dropping, off the key loop.
#[derive(Debug, Clone)]
#[allow(dead_code)] // Held to be dropped, never read.
pub struct Spent {
    snapshot: Snapshot,
    assessment: Assessment,
    alerts: Vec<Alert>,
    alert_book: AlertBook,
    samples: Option<Samples>,
}

/// The intake's own copy of what snapshots are judged against: the figures as merged so far,
/// the alerts and when each began, the trends' index (no samples), the panes and thresholds.
/// It follows the console's state as long as every snapshot goes through it; a state changed
/// some other way (a replay's jump) makes a new one.
pub struct Intake {
    shadow: State,
}

impl Intake {
    pub fn new(state: &State) -> Intake {
        Intake { shadow: state.shadow() }
    }

    /// The heavy half of taking in `incoming`, which arrived `at`, for tables filtered and
    /// sorted as `orders`.
    pub fn prepare(&mut self, incoming: Snapshot, at: Timestamp, orders: &[TableOrder]) -> Prepared {
        let judged = self.shadow.judge(incoming, at, true, true, orders);
        let s = &mut self.shadow;
        Prepared {
            snapshot: s.snapshot.clone(),
            // Made afresh from each snapshot: the copy needs none between two.
            assessment: std::mem::take(&mut s.assessment),
            alerts: s.alerts.clone(),
            alert_book: s.alert_book.clone(),
            judged,
        }
    }
}

impl State {
    /// A state holding only what `judge` reads and writes, for an [`Intake`].
    fn shadow(&self) -> State {
        let mut s = State::from_specs(self.thresholds.clone(), 1, self.panes.clone());
        s.snapshot = self.snapshot.clone();
        s.assessment = self.assessment.clone();
        s.alerts = self.alerts.clone();
        s.alert_book = self.alert_book.clone();
        s.history = self.history.index_only();
        s
    }

    /// Each table's filter and sort, in pane order: what the rows are built for.
    pub fn table_orders(&self) -> Vec<TableOrder> {
        self.tables.iter().map(|t| TableOrder { filter: t.filter.clone(), sort: t.sort }).collect()
    }

    /// The heavy half: merges `incoming` into the figures (sections listed in its gaps keep
    /// theirs), assesses them, dates the alerts (`alerts`), samples the trends (`trends`), and
    /// builds every pane's rows for `orders`. The tables are left as they are. `at`: when it
    /// arrived, which dates new alerts.
    pub(super) fn judge(
        &mut self,
        incoming: Snapshot,
        at: Timestamp,
        alerts: bool,
        trends: bool,
        orders: &[TableOrder],
    ) -> Judged {
        // A gap in one figure of a section (a server's ports) does not hold the section back:
        // that figure is already unknown in the snapshot, the rest is current.
        let gapped: HashSet<Section> = incoming.gaps.iter().filter(|g| whole(g)).map(|g| g.section).collect();
        let mut inc = incoming;
        for section in Section::ALL.into_iter().filter(|s| !gapped.contains(s)) {
            self.snapshot.take_section(&mut inc, section);
        }
        // The flags are no pane section: each one carries its own error when unreadable. A
        // snapshot without any (CloudWatch's past, a source with no flags) keeps the last.
        if !inc.flags.is_empty() {
            self.snapshot.flags = std::mem::take(&mut inc.flags);
        }
        // The same for what the AWS actions are planned against: the DB instances (read on
        // their own interval) and the queue shares. Without them a runbook's grow_storage in
        // the console found no instance ("its storage is not known") while headless it did.
        if !inc.db_instances.is_empty() {
            self.snapshot.db_instances = std::mem::take(&mut inc.db_instances);
        }
        if !inc.queue_shares.is_empty() {
            self.snapshot.queue_shares = std::mem::take(&mut inc.queue_shares);
        }
        self.snapshot.taken_at = inc.taken_at;
        self.snapshot.source = inc.source;
        self.snapshot.gaps = inc.gaps;
        self.assessment = assess(&self.snapshot, &self.thresholds);
        let mut raised: HashSet<Option<Section>> = HashSet::new();
        if alerts {
            let before: HashSet<&str> = self.alerts.iter().map(|a| a.key.as_str()).collect();
            let now = self.alert_book.update(&self.assessment.findings, at);
            for a in now.iter().filter(|a| !before.contains(a.key.as_str())) {
                // The pane the alert is about, and the alerts list (no section).
                raised.insert(Some(a.section));
                raised.insert(None);
            }
            self.alerts = now;
        }
        let rows = self
            .pane_ids()
            .zip(orders)
            .map(|(pane, order)| {
                let rows = rows::build(self, pane, &order.filter, order.sort);
                let worst = rows::worst_of(self, pane, &rows);
                Built { order: order.clone(), rows, worst }
            })
            .collect();
        let samples = trends.then(|| self.history.record(&self.snapshot));
        Judged { raised, rows, samples }
    }

    /// Swaps in what an [`Intake`] prepared, then settles as `absorb` does; `at` is when the
    /// snapshot arrived.
    pub fn take_prepared(&mut self, prepared: Prepared, at: Timestamp) {
        let Prepared { snapshot, assessment, alerts, alert_book, judged } = prepared;
        let Judged { raised, rows, samples } = judged;
        if let Some(samples) = &samples {
            self.history.apply(samples);
        }
        let spent = Spent {
            snapshot: std::mem::replace(&mut self.snapshot, snapshot),
            assessment: std::mem::replace(&mut self.assessment, assessment),
            alerts: std::mem::replace(&mut self.alerts, alerts),
            alert_book: std::mem::replace(&mut self.alert_book, alert_book),
            samples,
        };
        self.settle(at, raised, rows);
        self.spent = Some(Box::new(spent));
    }

    /// What the last `take_prepared` replaced, to be dropped elsewhere.
    pub fn take_spent(&mut self) -> Option<Box<Spent>> {
        self.spent.take()
    }

    /// The light half: section freshness, and each pane's new rows with its cursor following
    /// its row, except on the first data and when an alert raises about the pane: then it
    /// goes to the worst row, where the trouble is. Rows built for a filter or sort that
    /// changed meanwhile are built again.
    pub(super) fn settle(&mut self, at: Timestamp, raised: HashSet<Option<Section>>, built: Vec<Built>) {
        for section in Section::ALL {
            let gap = self.snapshot.gaps.iter().filter(|g| whole(g)).find(|g| g.section == section);
            let status = self.sections.entry(section).or_default();
            match gap {
                Some(gap) => status.error = Some(gap.error.clone()),
                None => {
                    status.last_good = Some(at);
                    status.error = None;
                }
            }
        }
        self.feed.last_ok = Some(at);
        self.feed.error = None;
        let mut built = built.into_iter();
        for pane in self.pane_ids() {
            let had_rows = !self.table(pane).rows.is_empty();
            let fresh = built.next().filter(|b| {
                let t = self.table(pane);
                b.order.filter == t.filter && b.order.sort == t.sort
            });
            let (new_rows, worst) = match fresh {
                Some(b) => (b.rows, b.worst),
                None => {
                    let t = self.table(pane);
                    let rows = rows::build(self, pane, &t.filter, t.sort);
                    let worst = rows::worst_of(self, pane, &rows);
                    (rows, worst)
                }
            };
            self.follow_rows(pane, new_rows);
            if (!had_rows || raised.contains(&self.pane(pane).section))
                && let Some(i) = worst
            {
                self.table_mut(pane).selected = i;
            }
        }
    }

    /// Puts `new_rows` in a pane's table, keeping the cursor on the same entity when it is
    /// still there.
    pub(super) fn follow_rows(&mut self, pane: PaneId, new_rows: Vec<RowRef>) {
        let keep = self.selected_row(pane).map(|r| rows::key(self, pane, r));
        let at = keep.and_then(|k| new_rows.iter().position(|r| rows::key(self, pane, *r) == k));
        let t = self.table_mut(pane);
        t.rows = new_rows;
        t.selected = match at {
            Some(i) => i,
            None => t.selected.min(t.rows.len().saturating_sub(1)),
        };
    }
}

/// A gap of a whole section (not of one figure or one server).
fn whole(g: &crate::model::Gap) -> bool {
    g.figure.is_none() && g.server.is_none()
}
