//! Everything the console shows and remembers between key presses. Changed only by `update`.

use crate::app::dialog::Dialog;
use crate::app::guide::Guide;
use crate::app::incident::OpenIncident;
use crate::app::jobs::{JobId, LiveJob, ServerTarget};
use crate::app::log_session::{LogId, LogSession};
use crate::app::msg::Effect;
use crate::app::panes::{self, PaneId, PaneSpec, SortKey};
use crate::app::rows::{self, RowRef};
use crate::audit::AuditRecord;
use crate::incident::Severity;
use crate::keymap::Key;
use crate::model::{Alert, AlertBook, Assessment, History, Level, Section, Snapshot, Thresholds, Timestamp};
use crate::runbook::Runbook;
use crate::source::SourceError;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Finished commands kept for the screen; older ones live on in the audit log.
const KEEP_JOBS: usize = 50;
/// This session's audit records kept for `:audit`.
const KEEP_RECORDS: usize = 1000;

/// How the keyboard is being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    Normal,
    /// Typing a `/` filter for the focused table; applied as you type.
    Filter,
    /// Typing a `:` command.
    Palette,
    /// Typing a search for the open log; set on Enter.
    Search,
    /// Typing the title of an incident to declare, at this severity (Tab changes it).
    Declare(Severity),
    /// Typing a note for the open incident.
    Note,
}

/// Overlays, drawn on top of the panes; the last one has the keyboard. An overlay owns what it
/// shows (the dialog, the log session), so closing it is all it takes to be rid of that.
#[derive(Debug, Clone)]
pub enum Popup {
    Help {
        scroll: usize,
    },
    /// Details of the focused pane's selected row (follows the selection).
    Detail,
    /// `R`: the runbooks, those fitting the current alerts first.
    Picker {
        selected: usize,
    },
    /// The runbook run: steps, results, the command in flight.
    Runbook,
    /// A confirmation dialog or manual-step prompt (one at a time).
    Confirm(Dialog),
    /// `:audit`: what this session recorded in the audit log.
    Audit {
        scroll: usize,
    },
    /// The open log (one at a time), full screen between the tab bar and the status line;
    /// its tail is pumped exactly while this is on the stack.
    Log(LogSession),
    /// `I`: the open incident and its timeline.
    Incident {
        scroll: usize,
    },
    /// `F`: the emergency flags, their values and what each does; the flag and value under
    /// the cursor.
    Flags(crate::app::flags::FlagsView),
}

/// Which overlay a `Popup` is, without what it owns: for comparing stacks (tests, the status
/// line) where the dialog or log inside does not matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PopupKind {
    Help { scroll: usize },
    Detail,
    Picker { selected: usize },
    Runbook,
    Confirm,
    Audit { scroll: usize },
    Log,
    Incident { scroll: usize },
    Flags,
}

impl Popup {
    pub fn kind(&self) -> PopupKind {
        match *self {
            Popup::Help { scroll } => PopupKind::Help { scroll },
            Popup::Detail => PopupKind::Detail,
            Popup::Picker { selected } => PopupKind::Picker { selected },
            Popup::Runbook => PopupKind::Runbook,
            Popup::Confirm(_) => PopupKind::Confirm,
            Popup::Audit { scroll } => PopupKind::Audit { scroll },
            Popup::Log(_) => PopupKind::Log,
            Popup::Incident { scroll } => PopupKind::Incident { scroll },
            Popup::Flags(_) => PopupKind::Flags,
        }
    }
}

/// A snapshot from before the console started (the demo's lead-up, CloudWatch's recent past),
/// and what it is for: the alert book learns when each alert began from the `alerts` ones, the
/// trends get a sample from the `trends` ones.
#[derive(Debug, Clone)]
pub struct Earlier {
    pub snapshot: Snapshot,
    pub alerts: bool,
    pub trends: bool,
}

/// A line for the status bar, kept until the next key press.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub error: bool,
}

/// The table behind one pane: what it shows (filtered, sorted rows) and where the cursor is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableView {
    pub selected: usize,
    /// First visible row; kept so that the selection stays on screen.
    pub offset: usize,
    pub filter: String,
    pub sort: SortKey,
    /// Indices into the snapshot, filtered and sorted; rebuilt when the data, filter or sort
    /// change, never while drawing.
    pub rows: Vec<RowRef>,
}

/// Freshness of one section's data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SectionStatus {
    /// When this section last arrived without error (wall clock of the console).
    pub last_good: Option<Timestamp>,
    /// Why the latest collection of this section failed, if it did.
    pub error: Option<String>,
}

/// Freshness of the telemetry source as a whole.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeedStatus {
    pub last_ok: Option<Timestamp>,
    pub error: Option<SourceError>,
    /// A collection is under way (a refresh asked for now will not start another).
    pub in_flight: bool,
    /// The feeds with a collection under way, by index: with several (AWS), a re-check
    /// needs to know which answers on their way may predate the action.
    pub collecting: BTreeSet<usize>,
}

/// One of several sources (AWS has four), for the status bar's per-source freshness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceAge {
    pub label: String,
    pub last_ok: Option<Timestamp>,
    pub failing: bool,
}

#[derive(Debug, Clone)]
pub struct State {
    /// `demo:calm`, `aws:123456789012/eu-west-2`.
    pub source_label: String,
    /// The latest good data of each section: a section that failed keeps its previous figures.
    pub snapshot: Snapshot,
    pub assessment: Assessment,
    pub alerts: Vec<Alert>,
    /// The incident this console is attached to (declared here), if any.
    pub incident: Option<OpenIncident>,
    pub(super) alert_book: AlertBook,
    pub history: History,
    pub thresholds: Thresholds,
    pub feed: FeedStatus,
    /// Per-source freshness when there is more than one source; empty otherwise.
    pub sources: Vec<SourceAge>,
    /// Where the queue figures come from and who holds the team lease (live only; `None`
    /// when the source does not say). Ages are read from it against `now` when drawn.
    pub queue_source: Option<crate::source::aws::budget::QueueSource>,
    /// Freshness of each telemetry section.
    pub(super) sections: BTreeMap<Section, SectionStatus>,
    /// The panes, declared once each: focus, tab and layout order. A `PaneId` indexes it.
    pub panes: Arc<[PaneSpec]>,
    pub focus: PaneId,
    /// One table per pane, in `panes` order.
    pub tables: Vec<TableView>,
    pub popups: Vec<Popup>,
    pub mode: Mode,
    /// The text being typed in `Filter` or `Palette` mode.
    pub input: String,
    pub theme_name: String,
    /// The themes `:theme` accepts, for listing them.
    pub themes: Vec<String>,
    /// The figures come from the built-in simulator, not a real contact center: the status bar
    /// says so on every screen.
    pub simulated: bool,
    pub read_only: bool,
    pub mouse: bool,
    pub zoom: bool,
    /// Keys of a chord typed so far (`g` of `g g`).
    pub pending: Vec<Key>,
    pub message: Option<Message>,
    pub now: Timestamp,
    /// Terminal size in cells, for layout-dependent moves (page size, mouse hits).
    pub size: (u16, u16),
    /// Something visible changed since the last frame.
    pub dirty: bool,
    /// The runbooks on offer (shipped and the user's).
    pub library: Vec<Runbook>,
    /// The picker's rows: index into `library`, and how it fits the current alerts (one line
    /// per alert it fixes or diagnoses; empty: it fits none).
    pub picker: Vec<(usize, Vec<String>)>,
    /// The NexTalk servers commands may go to, with their restartable services.
    pub targets: Vec<ServerTarget>,
    /// The runbook run on screen (kept after it finishes, until another starts).
    pub guide: Option<Guide>,
    /// Remote commands of this session, in flight and recently ended.
    pub jobs: BTreeMap<JobId, LiveJob>,
    next_job: u64,
    /// What this session wrote to the audit log.
    pub audit_records: Vec<AuditRecord>,
    /// Records of this session no longer in `audit_records` (the oldest beyond
    /// `KEEP_RECORDS`): still in the file, and counted where the list says what it hides.
    pub audit_dropped: usize,
    /// Where the audit log is, or why there is none (then the console is read-only).
    pub audit_path: Result<String, String>,
    /// Turns while something runs.
    pub spinner: usize,
    /// Quit was pressed once while commands were running.
    pub quit_armed: bool,
    next_log: u64,
    /// Lines a log view keeps; older ones fall out of its ring.
    pub log_capacity: usize,
    /// `switchboard replay`: where the playback is and the events it marks.
    pub replay: Option<crate::app::replay::ReplayView>,
    /// What the last prepared intake replaced (the figures, health and alerts before it),
    /// for the console to drop off the key loop (`take_spent`): freeing thousands of names
    /// costs the loop more than the swap. Dropped with the next one if nobody takes it.
    pub(super) spent: Option<Box<crate::app::intake::Spent>>,
}

impl State {
    pub fn new(thresholds: Thresholds, history: usize) -> State {
        State::with_panes(thresholds, history, panes::builtin())
    }

    /// A state showing these panes (the built-in ones first, so their `PaneId` constants
    /// hold).
    pub fn with_panes(thresholds: Thresholds, history: usize, panes: Vec<PaneSpec>) -> State {
        State::from_specs(thresholds, history, panes.into())
    }

    pub(super) fn from_specs(thresholds: Thresholds, history: usize, panes: Arc<[PaneSpec]>) -> State {
        let tables = vec![TableView::default(); panes.len()];
        State {
            source_label: String::new(),
            snapshot: Snapshot::default(),
            assessment: Assessment::default(),
            alerts: Vec::new(),
            incident: None,
            alert_book: AlertBook::default(),
            history: History::new(history),
            thresholds,
            feed: FeedStatus::default(),
            sources: Vec::new(),
            queue_source: None,
            sections: Section::ALL.into_iter().map(|s| (s, SectionStatus::default())).collect(),
            panes,
            focus: PaneId::QUEUES,
            tables,
            popups: Vec::new(),
            mode: Mode::Normal,
            input: String::new(),
            theme_name: String::new(),
            themes: Vec::new(),
            simulated: false,
            read_only: false,
            mouse: false,
            zoom: false,
            pending: Vec::new(),
            message: None,
            now: Timestamp::default(),
            size: (80, 24),
            dirty: true,
            library: Vec::new(),
            picker: Vec::new(),
            targets: Vec::new(),
            guide: None,
            jobs: BTreeMap::new(),
            next_job: 0,
            audit_records: Vec::new(),
            audit_dropped: 0,
            audit_path: Err("no audit log".into()),
            spinner: 0,
            quit_armed: false,
            next_log: 0,
            log_capacity: crate::logview::DEFAULT_CAPACITY,
            replay: None,
            spent: None,
        }
    }

    /// The overlay stack by kind, bottom first.
    pub fn popup_kinds(&self) -> Vec<PopupKind> {
        self.popups.iter().map(Popup::kind).collect()
    }

    /// The open confirmation dialog or manual prompt, wherever it is on the overlay stack.
    pub fn dialog(&self) -> Option<&Dialog> {
        self.popups.iter().find_map(|p| match p {
            Popup::Confirm(d) => Some(d),
            _ => None,
        })
    }

    pub fn dialog_mut(&mut self) -> Option<&mut Dialog> {
        self.popups.iter_mut().find_map(|p| match p {
            Popup::Confirm(d) => Some(d),
            _ => None,
        })
    }

    /// The open log, wherever it is on the overlay stack.
    pub fn log(&self) -> Option<&LogSession> {
        self.popups.iter().find_map(|p| match p {
            Popup::Log(s) => Some(s),
            _ => None,
        })
    }

    pub fn log_mut(&mut self) -> Option<&mut LogSession> {
        self.popups.iter_mut().find_map(|p| match p {
            Popup::Log(s) => Some(s),
            _ => None,
        })
    }

    /// Closes the top overlay, if any; a log view takes its tail with it.
    pub fn close_top(&mut self, fx: &mut Vec<Effect>) -> bool {
        match self.popups.pop() {
            Some(Popup::Log(session)) => {
                self.log_closed(session, fx);
                true
            }
            Some(_) => true,
            None => false,
        }
    }

    /// Removes the log view wherever it is on the stack, stopping its tail.
    pub fn close_log(&mut self, fx: &mut Vec<Effect>) {
        if let Some(i) = self.popups.iter().position(|p| matches!(p, Popup::Log(_)))
            && let Popup::Log(session) = self.popups.remove(i)
        {
            self.log_closed(session, fx);
        }
    }

    fn log_closed(&mut self, session: LogSession, fx: &mut Vec<Effect>) {
        fx.push(Effect::CloseLog(session.id));
        if self.mode == Mode::Search {
            self.mode = Mode::Normal;
            self.input.clear();
        }
    }

    /// A new log number, so lines of a log closed meanwhile are never taken for the open one.
    pub fn new_log_id(&mut self) -> LogId {
        self.next_log += 1;
        LogId(self.next_log)
    }

    /// A new command number; also drops the oldest finished commands beyond what the screen
    /// needs.
    pub fn new_job_id(&mut self) -> JobId {
        self.next_job += 1;
        while self.jobs.len() >= KEEP_JOBS {
            let Some(old) = self.jobs.iter().find(|(_, j)| !j.in_flight()).map(|(id, _)| *id) else { break };
            self.jobs.remove(&old);
        }
        JobId(self.next_job)
    }

    /// Something is running that the screen animates.
    pub fn busy(&self) -> bool {
        self.jobs.values().any(LiveJob::in_flight) || self.guide.as_ref().is_some_and(Guide::is_busy)
    }

    pub fn record_audit(&mut self, rec: AuditRecord) {
        if self.audit_records.len() >= KEEP_RECORDS {
            self.audit_records.remove(0);
            self.audit_dropped += 1;
        }
        self.audit_records.push(rec);
    }

    pub fn table(&self, pane: PaneId) -> &TableView {
        &self.tables[pane.index()]
    }

    pub fn table_mut(&mut self, pane: PaneId) -> &mut TableView {
        &mut self.tables[pane.index()]
    }

    /// The spec of a pane of this state (ids come from `panes`).
    pub fn pane(&self, pane: PaneId) -> &PaneSpec {
        &self.panes[pane.index()]
    }

    /// Every pane, in focus order.
    pub fn pane_ids(&self) -> impl Iterator<Item = PaneId> + use<> {
        (0..self.panes.len()).map(PaneId)
    }

    /// The pane after `pane` in focus order (Tab), wrapping round.
    pub fn next_pane(&self, pane: PaneId) -> PaneId {
        PaneId((pane.index() + 1) % self.panes.len())
    }

    /// The pane before `pane` in focus order (Shift-Tab), wrapping round.
    pub fn prev_pane(&self, pane: PaneId) -> PaneId {
        PaneId((pane.index() + self.panes.len() - 1) % self.panes.len())
    }

    /// The alerts list, if this console has one (the built-in panes do).
    /// The alert under the cursor when the alerts pane has the keyboard.
    pub fn selected_alert(&self) -> Option<&Alert> {
        let pane = self.alerts_pane().filter(|p| *p == self.focus)?;
        let row = self.selected_row(pane)?;
        self.alerts.get(row.item)
    }

    pub fn alerts_pane(&self) -> Option<PaneId> {
        self.panes.iter().position(|p| p.view == panes::View::Alerts).map(PaneId)
    }

    /// The pane with this key or title, any case.
    pub fn pane_named(&self, name: &str) -> Option<PaneId> {
        self.panes.iter().position(|p| p.is_named(name)).map(PaneId)
    }

    pub fn section_status(&self, section: Section) -> &SectionStatus {
        static NEVER: SectionStatus = SectionStatus { last_good: None, error: None };
        self.sections.get(&section).unwrap_or(&NEVER)
    }

    /// A pane's health: the worst of its rows, or unknown while its data is stale.
    pub fn pane_level(&self, pane: PaneId) -> Level {
        match self.pane(pane).section {
            Some(s) => {
                let st = self.section_status(s);
                let spec = self.pane(pane);
                let level = spec.rows.pane_level(self).unwrap_or_else(|| self.assessment.section(s));
                if st.error.is_some() || st.last_good.is_none() { level.max(Level::Unknown) } else { level }
            }
            None => self.alerts.iter().map(|a| a.severity).max().unwrap_or(Level::Ok),
        }
    }

    /// The row under the cursor of a pane, if it has any rows.
    pub fn selected_row(&self, pane: PaneId) -> Option<RowRef> {
        let t = self.table(pane);
        t.rows.get(t.selected).copied()
    }

    /// Takes in a new snapshot: sections listed in its gaps keep their previous figures and
    /// show the error; the others are replaced. Then health, alerts, trends and rows follow.
    /// A gap in one figure of a section (a server's ports) does not hold the section back:
    /// that figure is already unknown in the snapshot, the rest is current.
    pub fn absorb(&mut self, incoming: Snapshot, at: Timestamp) {
        self.take_in(incoming, at, true, true);
    }

    /// Takes in a snapshot from before the console started, at the time it describes (the
    /// source's clock): for the alert book (when each alert began), the trends, or both.
    pub fn absorb_earlier(&mut self, earlier: Earlier) {
        let at = earlier.snapshot.taken_at;
        self.take_in(earlier.snapshot, at, earlier.alerts, earlier.trends);
    }

    fn take_in(&mut self, incoming: Snapshot, at: Timestamp, alerts: bool, trends: bool) {
        let orders = self.table_orders();
        let judged = self.judge(incoming, at, alerts, trends, &orders);
        self.settle(at, judged.raised, judged.rows);
    }

    /// Forgets every figure, alert and trend, as before the first snapshot: a replay that
    /// jumps to another time then takes in the frames before it again (`absorb_earlier`).
    pub fn rewind(&mut self) {
        self.snapshot = Snapshot::default();
        self.assessment = Assessment::default();
        self.alerts.clear();
        self.alert_book = AlertBook::default();
        self.history.clear();
        self.feed = FeedStatus::default();
        self.sections = Section::ALL.into_iter().map(|s| (s, SectionStatus::default())).collect();
        self.now = Timestamp::default();
        self.dirty = true;
    }

    /// The source failed as a whole: every section keeps its figures and shows why.
    pub fn source_failed(&mut self, error: SourceError) {
        let text = error.to_string();
        for status in self.sections.values_mut() {
            status.error = Some(text.clone());
        }
        self.feed.error = Some(error);
    }

    /// Puts a pane's cursor on its worst row (the first of them in display order).
    pub fn select_worst(&mut self, pane: PaneId) {
        if let Some(i) = rows::worst(self, pane) {
            self.table_mut(pane).selected = i;
        }
    }

    /// Rebuilds one pane's rows after the data, filter or sort changed, keeping the cursor on
    /// the same entity when it is still there.
    pub fn rebuild_rows(&mut self, pane: PaneId) {
        let t = &self.tables[pane.index()];
        let new_rows = rows::build(self, pane, &t.filter, t.sort);
        self.follow_rows(pane, new_rows);
    }
}

/// First visible row so that `selected` is on screen, moving as little as possible from
/// `offset` and leaving no blank rows at the bottom when the list is long enough.
pub fn window(selected: usize, offset: usize, height: usize, len: usize) -> usize {
    if height == 0 || len == 0 {
        return 0;
    }
    let mut off = offset;
    if selected < off {
        off = selected;
    } else if selected >= off + height {
        off = selected + 1 - height;
    }
    off.min(len.saturating_sub(height))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_follows_the_selection_with_minimal_movement() {
        assert_eq!(window(0, 0, 10, 100), 0);
        assert_eq!(window(9, 0, 10, 100), 0);
        assert_eq!(window(10, 0, 10, 100), 1);
        assert_eq!(window(5, 8, 10, 100), 5);
        assert_eq!(window(99, 0, 10, 100), 90);
        // The list shrank under a scrolled view: no blank rows at the bottom.
        assert_eq!(window(3, 50, 10, 12), 2);
        assert_eq!(window(0, 3, 0, 12), 0);
    }
}
