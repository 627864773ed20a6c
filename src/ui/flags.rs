//! `F`: the emergency flags. Above, one line per flag (its value now, how old that reading
//! is, its version); below, the flag under the cursor: its parameter, where the value was
//! read, when it last changed, and every value it may take with what that value does, the
//! one Enter would set marked. A value that could not be read says unknown and why.

use crate::app::flags::FlagsView;
use crate::app::geometry::overlay;
use crate::app::{State, window};
use crate::model::{Flag, age};
use crate::theme::{Role, Theme};
use crate::ui::wrap::{clip, wrap};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

const LABEL: usize = 9;

/// `off`, or `unknown` when the value was not read.
fn now_word(f: &Flag) -> &str {
    f.current.as_deref().unwrap_or("unknown")
}

/// Where the values come from, in words.
fn origin(state: &State) -> String {
    if state.simulated {
        format!("the simulator's Parameter Store ({})", state.source_label)
    } else {
        format!("SSM Parameter Store, GetParameters ({})", state.source_label)
    }
}

pub fn draw(frame: &mut Frame, area: Rect, view: &FlagsView, state: &State, theme: &Theme) {
    let flags = &state.snapshot.flags;
    let rect = overlay(area, 120);
    let keys = if state.read_only {
        " read-only: shown, not set · Esc close "
    } else if rect.width >= 70 {
        " j/k flag · Tab value · Enter set… · Esc close "
    } else {
        " j/k · Tab · Enter · Esc "
    };
    let block = Block::bordered()
        .title(Span::styled(format!(" Emergency flags ({}) ", flags.len()), theme.style(Role::Title)))
        .title_bottom(Line::from(keys).right_aligned())
        .border_style(theme.style(Role::Focus))
        .style(theme.style(Role::Popup));
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    let width = inner.width as usize;
    let height = inner.height as usize;
    let Some(selected) = flags.get(view.selected) else {
        let none = Line::from(Span::styled(" no flags", theme.style(Role::Muted)));
        frame.render_widget(Paragraph::new(none), inner);
        return;
    };

    let detail = detail(selected, view, state, theme, width);
    // The list gets what the detail leaves, at least three rows (header and two flags), at most
    // every flag.
    let list_rows = height.saturating_sub(detail.len() + 1).max(3).min(flags.len() + 1);
    let shown = list_rows.saturating_sub(1);
    let mut lines = list(flags, view.selected, shown, state, theme, width);
    // The flags the window leaves out are counted on the rule under it.
    let first = window(view.selected, 0, shown, flags.len());
    let below = flags.len().saturating_sub(first + shown);
    let hidden = crate::ui::pane_frame::hidden_label(first, below).unwrap_or_default();
    let rule = "─".repeat(width.saturating_sub(hidden.chars().count()));
    lines.push(Line::from(Span::styled(clip(&format!("{rule}{hidden}"), width), theme.style(Role::Muted))));
    lines.extend(detail);
    lines.truncate(height);
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The header and a window of `rows` flags that keeps the selected one in view.
fn list(
    flags: &[Flag],
    selected: usize,
    rows: usize,
    state: &State,
    theme: &Theme,
    width: usize,
) -> Vec<Line<'static>> {
    let name_w = flags.iter().map(|f| f.name.chars().count()).max().unwrap_or(4).clamp(4, 40);
    let value_w = flags.iter().map(|f| now_word(f).chars().count()).max().unwrap_or(3).clamp(3, 16);
    let header = format!("   {:<name_w$}  {:<value_w$}  {:<8}  Version", "Flag", "Now", "Read");
    let mut out = vec![Line::from(Span::styled(clip(&header, width), theme.style(Role::Muted)))];
    let first = window(selected, 0, rows, flags.len());
    for (i, f) in flags.iter().enumerate().skip(first).take(rows) {
        let mark = match (i == selected, f.current.is_some()) {
            (true, _) => "▶",
            (false, false) => "?",
            (false, true) => " ",
        };
        let read = match f.read_at {
            Some(_) if f.current.is_some() => format!("{} ago", age(state.now, f.read_at)),
            _ => "-".to_string(),
        };
        let version = f.version.map_or_else(|| "-".to_string(), |v| format!("v{v}"));
        let name = clip(&f.name, name_w);
        let now = clip(now_word(f), value_w);
        let text = format!(" {mark} {name:<name_w$}  {now:<value_w$}  {read:<8}  {version}");
        let mut style = if f.current.is_some() { theme.style(Role::Text) } else { theme.style(Role::Warn) };
        if i == selected {
            style = style.patch(theme.style(Role::Selected));
        }
        out.push(Line::from(Span::styled(clip(&text, width), style)));
    }
    out
}

fn labelled(label: &str, pieces: Vec<String>, style: Style, out: &mut Vec<Line<'static>>) {
    for (i, piece) in pieces.into_iter().enumerate() {
        let label = if i == 0 { label } else { "" };
        out.push(Line::from(vec![Span::raw(format!(" {label:<LABEL$}")), Span::styled(piece, style)]));
    }
}

/// The selected flag: parameter, value now (or why it is unknown), where and when it was
/// read, when it changed, and its values with what each does.
fn detail(f: &Flag, view: &FlagsView, state: &State, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    let text = theme.style(Role::Text);
    let value_w = width.saturating_sub(LABEL + 1).max(10);
    let mut out = Vec::new();
    let head = format!(" {}  {}", f.name, f.parameter);
    out.push(Line::from(Span::styled(clip(&head, width), theme.style(Role::Title))));
    match (&f.current, &f.error) {
        (Some(v), _) => {
            let read = format!("{v:?}, read {} ago", age(state.now, f.read_at));
            labelled("Now", wrap(&read, value_w), text, &mut out);
        }
        (None, why) => {
            let why = why.as_deref().unwrap_or("not read");
            labelled("Now", wrap(&format!("unknown: {why}"), value_w), theme.style(Role::Warn), &mut out);
        }
    }
    labelled("From", wrap(&origin(state), value_w), text, &mut out);
    let changed = match (f.version, f.modified_at) {
        (Some(v), Some(at)) => format!("version {v}, {} ago ({} UTC)", age(state.now, Some(at)), at.clock()),
        (Some(v), None) => format!("version {v}; when it changed is not known"),
        (None, _) => "not known".to_string(),
    };
    labelled("Changed", wrap(&changed, value_w), text, &mut out);
    let vw = f.values.iter().map(|v| v.value.chars().count()).max().unwrap_or(2).min(24);
    for (i, v) in f.values.iter().enumerate() {
        let cursor = if i == view.value { "▸" } else { " " };
        let now = if f.current.as_deref() == Some(v.value.as_str()) { "now" } else { "" };
        let lead = format!("{cursor} {:<vw$} {now:<3} ", clip(&v.value, vw));
        let lead_w = lead.chars().count();
        let label = if i == 0 { "Values" } else { "" };
        let mut style = text;
        if i == view.value {
            style = style.patch(theme.style(Role::Selected));
        }
        for (j, piece) in wrap(&v.meaning, value_w.saturating_sub(lead_w).max(10)).into_iter().enumerate() {
            let (label, lead) = if j == 0 { (label, lead.clone()) } else { ("", " ".repeat(lead_w)) };
            out.push(Line::from(vec![
                Span::raw(format!(" {label:<LABEL$}")),
                Span::styled(lead, style),
                Span::styled(piece, if j == 0 { style } else { text }),
            ]));
        }
    }
    out
}
