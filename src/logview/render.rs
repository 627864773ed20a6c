//! Drawing the log view. Pure: reads the view, builds only the rows that fit on screen.

use super::spans;
use super::{LevelFilter, LogView};
use crate::sanitize::sanitize_line;
use crate::source::LogLevel;
use crate::source::tailing::TailState;
use crate::theme::{Role, Theme};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

impl LogView {
    /// Draws the view into `area`: a bordered box titled with the source, the lines, and a
    /// status row (connection state, follow/paused, filter, wrap, search, notices).
    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let title =
            Span::styled(format!(" {} ", sanitize_line(self.title.as_bytes())), theme.style(Role::Title));
        let block = Block::bordered().title(title).border_style(theme.style(Role::Border));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        if inner.width == 0 || inner.height == 0 {
            return;
        }
        let (body, status) = if inner.height >= 2 {
            let [body, status] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
            (body, Some(status))
        } else {
            (inner, None)
        };
        let rows = self.visible_rows(usize::from(body.width), usize::from(body.height), theme);
        frame.render_widget(Paragraph::new(rows).style(theme.style(Role::Text)), body);
        if let Some(status) = status {
            frame.render_widget(Paragraph::new(self.status_line(usize::from(status.width), theme)), status);
        }
    }

    /// The rows on screen: the bottom line and as many older admitted lines as fit above it.
    fn visible_rows(&self, width: usize, height: usize, theme: &Theme) -> Vec<Line<'static>> {
        let Some(bottom) = self.bottom_seq() else {
            let what = if self.lines.is_empty() { "no lines yet" } else { "no lines at this level" };
            return vec![Line::styled(what, theme.style(Role::Muted))];
        };
        let mut blocks: Vec<Vec<Line<'static>>> = Vec::new();
        let mut used = 0;
        for seq in (self.first_seq..=bottom).rev() {
            if used >= height {
                break;
            }
            if self.admits(seq) {
                let rows = self.rows_of(seq, width, theme);
                used += rows.len();
                blocks.push(rows);
            }
        }
        let mut rows: Vec<Line<'static>> = blocks.into_iter().rev().flatten().collect();
        if rows.len() > height {
            // The oldest line is wrapped and only its end fits.
            rows.drain(..rows.len() - height);
        } else {
            // Not enough above (e.g. right after a filter change): fill with what follows.
            for seq in bottom + 1..self.end_seq() {
                if rows.len() >= height {
                    break;
                }
                if self.admits(seq) {
                    rows.extend(self.rows_of(seq, width, theme));
                }
            }
            rows.truncate(height);
        }
        rows
    }

    /// One log line as screen rows (one, or several when wrapping).
    fn rows_of(&self, seq: u64, width: usize, theme: &Theme) -> Vec<Line<'static>> {
        let Some(line) = self.get(seq) else { return Vec::new() };
        let ts = line.at.rfc3339();
        let level = format!("{:<5}", line.level.as_str());
        let text = format!("{ts} {level} {}", line.text);
        let level_end = ts.len() + 1 + level.len();
        let segments = [
            (0..ts.len(), theme.style(Role::Muted)),
            (ts.len()..ts.len() + 1, Style::default()),
            (ts.len() + 1..level_end, theme.style(level_role(line.level))),
            (level_end..text.len(), Style::default()),
        ];
        let matches = self.search.as_ref().map(|s| s.find_in(&text)).unwrap_or_default();
        let spans = spans::styled(&text, &segments, &matches, theme.style(Role::Highlight));
        let current = self.search.as_ref().is_some_and(|s| s.current == Some(seq));
        let line_style = if current { theme.style(Role::Selected) } else { Style::default() };
        if self.wrap {
            spans::wrap(spans, width, line_style)
        } else {
            vec![Line::from(spans).style(line_style)]
        }
    }

    fn status_line(&self, width: usize, theme: &Theme) -> Line<'static> {
        let mut flags: Vec<String> = Vec::new();
        if self.follow {
            flags.push("FOLLOW".into());
        } else {
            let newer = self.bottom_seq().map_or(0, |b| self.end_seq().saturating_sub(b + 1));
            flags.push(if newer > 0 { format!("PAUSED +{newer}, G follows") } else { "PAUSED".into() });
        }
        if self.level != LevelFilter::All {
            flags.push(self.level.label().into());
        }
        if self.wrap {
            flags.push("wrap".into());
        }
        if let Some(s) = &self.search {
            flags.push(format!("/{}", s.query));
        }
        if let Some(n) = &self.notice {
            flags.push(n.clone());
        }
        // States and notices can carry text from the server (file names, error messages).
        let right = sanitize_line(format!(" {} ", flags.join(" │ ")).as_bytes());
        let state = sanitize_line(format!(" {} {}", state_symbol(&self.status), self.status).as_bytes());
        let room = width.saturating_sub(right.width());
        let left = truncate_front(&state, room);
        let gap = room.saturating_sub(left.width());
        Line::from(vec![
            Span::styled(left, theme.style(state_role(&self.status))),
            Span::styled(" ".repeat(gap), theme.style(Role::StatusBar)),
            Span::styled(right, theme.style(Role::StatusBar)),
        ])
    }
}

fn level_role(level: LogLevel) -> Role {
    match level {
        LogLevel::Error => Role::Crit,
        LogLevel::Warn => Role::Warn,
        LogLevel::Info => Role::Text,
        LogLevel::Debug => Role::Muted,
    }
}

fn state_role(state: &TailState) -> Role {
    match state {
        TailState::Following { .. } => Role::Ok,
        TailState::Failed { .. } => Role::Crit,
        TailState::Stopped => Role::Muted,
        // A snapshot must not be mistaken for a live view.
        TailState::Connecting { .. }
        | TailState::Waiting { .. }
        | TailState::Reconnecting { .. }
        | TailState::Snapshot { .. } => Role::Warn,
    }
}

/// A symbol too, so the state reads without colour (NO_COLOR, the plain theme).
fn state_symbol(state: &TailState) -> &'static str {
    match state {
        TailState::Following { .. } => "●",
        TailState::Failed { .. } => "✗",
        TailState::Snapshot { .. } => "◼",
        TailState::Stopped => "○",
        TailState::Connecting { .. } | TailState::Waiting { .. } | TailState::Reconnecting { .. } => "◌",
    }
}

/// Keeps the end of `s` (the file name matters more than the drive) within `width` columns.
fn truncate_front(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut kept: Vec<char> = Vec::new();
    let mut used = 1; // the ellipsis
    for c in s.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w > width {
            break;
        }
        used += w;
        kept.push(c);
    }
    std::iter::once('…').chain(kept.into_iter().rev()).collect()
}
