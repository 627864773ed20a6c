//! The log view: a self-contained component the console embeds for any [`LogTail`]
//! (a server's log over SSH, the simulator's logs, an SSM snapshot).
//!
//! It keeps a bounded ring of lines (oldest dropped first), follows the newest line until the
//! engineer scrolls up, searches (`/`, `n`, `N`) with highlighting, filters by level, wraps,
//! and saves what passes the filter to a file. Drawing is pure and touches only the lines on
//! screen. Keys arrive already mapped to [`Action`]s (context `log`), so they stay remappable.
//!
//! [`LogTail`]: crate::source::LogTail

mod headless;
mod render;
mod save;
mod spans;

pub use headless::{Grep, TailError, TailOptions, TailSummary, tail_to};
pub use save::SaveJob;

use crate::keymap::Action;
use crate::source::tailing::TailState;
use crate::source::{LogLevel, LogLine};
use std::collections::VecDeque;
use std::path::PathBuf;

pub const DEFAULT_CAPACITY: usize = 10_000;

/// Which levels are shown; `CycleLevel` steps All → WARN+ → ERROR → All.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LevelFilter {
    #[default]
    All,
    WarnAndUp,
    ErrorOnly,
}

impl LevelFilter {
    pub fn admits(self, level: LogLevel) -> bool {
        match self {
            LevelFilter::All => true,
            LevelFilter::WarnAndUp => level >= LogLevel::Warn,
            LevelFilter::ErrorOnly => level >= LogLevel::Error,
        }
    }

    pub fn next(self) -> Self {
        match self {
            LevelFilter::All => LevelFilter::WarnAndUp,
            LevelFilter::WarnAndUp => LevelFilter::ErrorOnly,
            LevelFilter::ErrorOnly => LevelFilter::All,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            LevelFilter::All => "all levels",
            LevelFilter::WarnAndUp => "WARN+",
            LevelFilter::ErrorOnly => "ERROR only",
        }
    }
}

/// What the console should do after the view handled an action.
#[derive(Debug)]
pub enum LogViewOutcome {
    /// Done; redraw.
    Handled,
    /// Not a log-view action: let the console handle it.
    Ignored,
    /// The engineer backed out of the view.
    Close,
    /// Open a text input for the search; hand the text to [`LogView::set_search`].
    StartSearch,
    /// Write this file off the UI loop (`spawn_blocking(move || job.write())`), then show
    /// the path it returns in the status line.
    Save(SaveJob),
}

#[derive(Debug, Clone)]
struct Search {
    query: String,
    /// Smart case, as in vim and less: all-lowercase queries ignore (ASCII) case.
    ignore_case: bool,
    /// The match the view jumped to.
    current: Option<u64>,
}

impl Search {
    fn new(query: &str) -> Self {
        let ignore_case = !query.chars().any(|c| c.is_ascii_uppercase());
        Search { query: query.to_owned(), ignore_case, current: None }
    }

    /// Byte ranges of the matches in `text`.
    fn find_in(&self, text: &str) -> Vec<std::ops::Range<usize>> {
        spans::find_all(text, &self.query, self.ignore_case)
    }

    fn matches(&self, line: &LogLine) -> bool {
        !self.find_in(&line.render()).is_empty()
    }
}

/// Lines of text inside a log view `height` rows tall: the border takes two, the status row
/// one (when there is room for text above it). `render` lays the view out the same way.
pub fn body_height(height: u16) -> usize {
    let inner = height.saturating_sub(2);
    usize::from(if inner >= 2 { inner - 1 } else { inner })
}

/// Cloned only with the console's state (tests, snapshots of a session); the ring is bounded.
#[derive(Clone)]
pub struct LogView {
    title: String,
    capacity: usize,
    lines: VecDeque<LogLine>,
    /// Sequence number of `lines[0]`; every line ever pushed has one, so positions survive
    /// the oldest lines falling out of the ring.
    first_seq: u64,
    follow: bool,
    /// The bottom line on screen while not following.
    anchor: u64,
    level: LevelFilter,
    wrap: bool,
    search: Option<Search>,
    status: TailState,
    notice: Option<String>,
    save_dir: Option<PathBuf>,
    /// Body rows on screen, for paging; set by `update` from the terminal size (never while
    /// drawing: a draw records nothing).
    page: usize,
}

/// Short on purpose: the console's state is printed in test failures, and ten thousand lines
/// would bury the message.
impl std::fmt::Debug for LogView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogView")
            .field("title", &self.title)
            .field("lines", &self.lines.len())
            .field("follow", &self.follow)
            .field("level", &self.level)
            .field("search", &self.search.as_ref().map(|s| s.query.as_str()))
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl LogView {
    /// `title` names the source (`nt-a NexTalk log`); `capacity` bounds the lines kept.
    pub fn new(title: impl Into<String>, capacity: usize) -> Self {
        LogView {
            title: title.into(),
            capacity: capacity.max(1),
            lines: VecDeque::new(),
            first_seq: 0,
            follow: true,
            anchor: 0,
            level: LevelFilter::All,
            wrap: false,
            search: None,
            status: TailState::Connecting { to: String::new() },
            notice: None,
            save_dir: None,
            page: 20,
        }
    }

    /// How many lines the body shows (the page PageUp and PageDown move by).
    pub fn set_page(&mut self, rows: usize) {
        self.page = rows;
    }

    /// Where `SaveLog` writes: `<dir>/logs/<title>-<time>.log`. Normally the data directory.
    pub fn set_save_dir(&mut self, dir: impl Into<PathBuf>) {
        self.save_dir = Some(dir.into());
    }

    /// Appends a batch (as `LogTail::next_batch` returns it), dropping the oldest lines past
    /// the capacity.
    pub fn push_lines(&mut self, batch: Vec<LogLine>) {
        let new_end = self.end_seq() + batch.len() as u64;
        // Lines that would fall out of the ring at once are never stored.
        let skip = batch.len().saturating_sub(self.capacity);
        for line in batch.into_iter().skip(skip) {
            if self.lines.len() == self.capacity {
                self.lines.pop_front();
            }
            self.lines.push_back(line);
        }
        self.first_seq = new_end - self.lines.len() as u64;
        if self.anchor < self.first_seq {
            self.anchor = self.first_seq;
        }
    }

    /// The connection state for the status line.
    pub fn set_status(&mut self, status: TailState) {
        self.status = status;
    }

    pub fn status(&self) -> &TailState {
        &self.status
    }

    /// A one-off message for the status line (e.g. "saved to …"), until the next action.
    pub fn set_notice(&mut self, notice: impl Into<String>) {
        self.notice = Some(notice.into());
    }

    pub fn title(&self) -> &str {
        &self.title
    }

    /// The search being highlighted, if any.
    pub fn search_query(&self) -> Option<&str> {
        self.search.as_ref().map(|s| s.query.as_str())
    }

    /// Position (in lines pushed since the view opened) of the match the view jumped to.
    pub fn current_match(&self) -> Option<u64> {
        self.search.as_ref().and_then(|s| s.current)
    }

    pub fn is_following(&self) -> bool {
        self.follow
    }

    pub fn level_filter(&self) -> LevelFilter {
        self.level
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Searches for `query` (empty clears the search) and jumps to the newest match at or above
    /// the bottom of the screen.
    pub fn set_search(&mut self, query: &str) {
        if query.is_empty() {
            self.search = None;
            return;
        }
        let search = Search::new(query);
        let from = self.bottom_seq().unwrap_or(self.first_seq);
        let found = self.find(&search, from, Direction::Older, true);
        let count = self.admitted().filter(|(_, l)| search.matches(l)).count();
        self.search = Some(search);
        match found {
            Some(seq) => {
                self.jump_to(seq);
                self.notice = Some(format!("{count} matching lines"));
            }
            None => self.notice = Some(format!("no match for {query:?}")),
        }
    }

    pub fn handle(&mut self, action: Action) -> LogViewOutcome {
        self.notice = None;
        match action {
            Action::Up => self.scroll_older(1),
            Action::Down => self.scroll_newer(1),
            Action::PageUp => self.scroll_older(self.page.max(1)),
            Action::PageDown => self.scroll_newer(self.page.max(1)),
            Action::Top => self.go_top(),
            Action::Bottom | Action::FollowLog => self.follow = true,
            Action::SearchNext => self.next_match(Direction::Newer),
            Action::SearchPrev => self.next_match(Direction::Older),
            Action::ToggleWrap => self.wrap = !self.wrap,
            Action::CycleLevel => self.cycle_level(),
            Action::SaveLog => return LogViewOutcome::Save(self.save_job()),
            Action::Filter => return LogViewOutcome::StartSearch,
            Action::FilterClear => self.search = None,
            Action::Back | Action::Cancel => {
                if self.search.take().is_none() {
                    return LogViewOutcome::Close;
                }
            }
            _ => return LogViewOutcome::Ignored,
        }
        LogViewOutcome::Handled
    }

    // ---- positions -------------------------------------------------------------------------

    fn end_seq(&self) -> u64 {
        self.first_seq + self.lines.len() as u64
    }

    fn get(&self, seq: u64) -> Option<&LogLine> {
        let i = seq.checked_sub(self.first_seq)?;
        self.lines.get(usize::try_from(i).ok()?)
    }

    fn admits(&self, seq: u64) -> bool {
        self.get(seq).is_some_and(|l| self.level.admits(l.level))
    }

    fn admitted(&self) -> impl DoubleEndedIterator<Item = (u64, &LogLine)> {
        let first = self.first_seq;
        self.lines
            .iter()
            .enumerate()
            .map(move |(i, l)| (first + i as u64, l))
            .filter(|(_, l)| self.level.admits(l.level))
    }

    /// The admitted line at the bottom of the screen: the newest when following, else the
    /// anchor or the nearest admitted line above it (below it when there is none above).
    fn bottom_seq(&self) -> Option<u64> {
        if self.follow {
            return self.admitted().next_back().map(|(s, _)| s);
        }
        let anchor = self.anchor.clamp(self.first_seq, self.end_seq().saturating_sub(1));
        (self.first_seq..=anchor)
            .rev()
            .find(|&s| self.admits(s))
            .or_else(|| (anchor..self.end_seq()).find(|&s| self.admits(s)))
    }

    /// The lowest bottom line that still fills the screen.
    fn min_bottom(&self) -> Option<u64> {
        let page = self.page.max(1);
        self.admitted().nth(page - 1).or_else(|| self.admitted().next_back()).map(|(s, _)| s)
    }

    fn step(&self, from: u64, n: usize, dir: Direction) -> u64 {
        let mut at = from;
        let mut left = n;
        while left > 0 {
            let next = match dir {
                Direction::Older => (self.first_seq..at).rev().find(|&s| self.admits(s)),
                Direction::Newer => (at + 1..self.end_seq()).find(|&s| self.admits(s)),
            };
            match next {
                Some(s) => at = s,
                None => break,
            }
            left -= 1;
        }
        at
    }

    fn scroll_older(&mut self, n: usize) {
        let Some(bottom) = self.bottom_seq() else { return };
        let min = self.min_bottom().unwrap_or(bottom);
        self.follow = false;
        self.anchor = self.step(bottom, n, Direction::Older).max(min.min(bottom));
    }

    /// Scrolling down stays paused even at the newest line: following resumes only on
    /// `FollowLog` (`G`/`End`), so lines never move under a reader by surprise.
    fn scroll_newer(&mut self, n: usize) {
        if self.follow {
            return;
        }
        let Some(bottom) = self.bottom_seq() else { return };
        self.anchor = self.step(bottom, n, Direction::Newer);
    }

    fn go_top(&mut self) {
        if let Some(min) = self.min_bottom() {
            self.follow = false;
            self.anchor = min;
        }
    }

    fn jump_to(&mut self, seq: u64) {
        self.follow = false;
        let min = self.min_bottom().unwrap_or(seq);
        self.anchor = seq.max(min);
        if let Some(s) = self.search.as_mut() {
            s.current = Some(seq);
        }
    }

    fn cycle_level(&mut self) {
        let bottom = self.bottom_seq();
        self.level = self.level.next();
        // Stay near the same place in the log.
        if let (false, Some(b)) = (self.follow, bottom) {
            self.anchor = b;
        }
    }

    // ---- search ----------------------------------------------------------------------------

    /// The first admitted match from `from` in `dir` (including `from` when `inclusive`).
    fn find(&self, search: &Search, from: u64, dir: Direction, inclusive: bool) -> Option<u64> {
        let hit = |s: &u64| self.get(*s).is_some_and(|l| self.level.admits(l.level) && search.matches(l));
        match dir {
            Direction::Older => {
                let end = if inclusive { from.saturating_add(1) } else { from };
                (self.first_seq..end.min(self.end_seq())).rev().find(hit)
            }
            Direction::Newer => {
                let start = if inclusive { from } else { from + 1 };
                (start.max(self.first_seq)..self.end_seq()).find(hit)
            }
        }
    }

    fn next_match(&mut self, dir: Direction) {
        let Some(search) = self.search.clone() else {
            self.notice = Some("no search: press / first".into());
            return;
        };
        let from = search.current.or_else(|| self.bottom_seq()).unwrap_or(self.first_seq);
        let inclusive = search.current.is_none_or(|c| c < self.first_seq);
        match self.find(&search, from, dir, inclusive) {
            Some(seq) => self.jump_to(seq),
            None => {
                let which = if dir == Direction::Newer { "newer" } else { "older" };
                self.notice = Some(format!("no {which} match for {:?}", search.query));
            }
        }
    }

    // ---- saving ----------------------------------------------------------------------------

    fn save_job(&self) -> SaveJob {
        let dir = self.save_dir.clone().unwrap_or_else(save::default_dir);
        let lines: Vec<String> = self.admitted().map(|(_, l)| l.render()).collect();
        SaveJob::new(&dir, &self.title, lines)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Older,
    Newer,
}

#[cfg(test)]
mod tests;
