//! The confirmation dialog: exactly what will run (document, command text), on which servers
//! and in which environment, with Cancel highlighted until the engineer moves to Run. A
//! change to production is framed in the danger style; a refusal says why Run is off. The
//! manual-step prompt shares the frame.

use crate::app::geometry::centered;
use crate::app::{Button, Dialog, Purpose, State};
use crate::source::RemoteAction;
use crate::theme::{Role, Theme};
use crate::ui::command_text::{DOCUMENT, powershell};
use crate::ui::wrap::wrap;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

const LABEL: usize = 10;

pub fn draw(frame: &mut Frame, area: Rect, d: &Dialog, state: &State, theme: &Theme) {
    let w = area.width.min(100);
    let inner_w = w.saturating_sub(4) as usize;
    let (mut top, bottom) = body(d, state, theme, inner_w);
    let middle = Rect { y: area.y + 1, height: area.height.saturating_sub(2), ..area };
    let h = ((top.len() + bottom.len()) as u16 + 2).min(middle.height);
    let rect = centered(middle, w, h);
    // The answer (refusal, typed name, buttons) always shows; a script too long for the
    // screen is cut with a note rather than pushing the buttons off it.
    let room = (h.saturating_sub(2) as usize).saturating_sub(bottom.len());
    if top.len() > room {
        let cut = top.len() - room + 1;
        top.truncate(room.saturating_sub(1));
        let note = format!(" … {cut} more line(s): make the terminal taller to read the whole command");
        top.push(Line::from(Span::styled(note, theme.style(Role::Warn))));
    }
    let frame_style = if d.mutating { theme.style(Role::Danger) } else { theme.style(Role::Focus) };
    let title = match d.purpose {
        Purpose::Manual { .. } => format!(" Manual step: {} ", d.title),
        _ if d.mutating => format!(" Confirm change: {} ", d.title),
        _ => format!(" Confirm: {} ", d.title),
    };
    let block = Block::bordered()
        .title(Span::styled(title, theme.style(Role::Title).patch(frame_style)))
        .border_style(frame_style)
        .style(theme.style(Role::Popup));
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    let [upper, lower] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(bottom.len() as u16)]).areas(inner);
    frame.render_widget(Paragraph::new(top), upper);
    frame.render_widget(Paragraph::new(bottom), lower);
}

fn labelled(label: &str, value: String, style: Style) -> Line<'static> {
    Line::from(vec![Span::raw(format!(" {label:<LABEL$}")), Span::styled(value, style)])
}

/// The lines inside the frame, `width` columns wide: what will run, and the answer part
/// (refusal or typed name, then the buttons).
pub fn body(
    d: &Dialog,
    state: &State,
    theme: &Theme,
    width: usize,
) -> (Vec<Line<'static>>, Vec<Line<'static>>) {
    let mut out = Vec::new();
    let text = theme.style(Role::Text);
    let value_w = width.saturating_sub(LABEL + 1).max(10);
    if let Some(instruction) = &d.instruction {
        for l in wrap(instruction, width.saturating_sub(1)) {
            out.push(Line::from(format!(" {l}")));
        }
    } else {
        if d.mutating {
            out.push(Line::from(Span::styled(" ⚠ This changes production.", theme.style(Role::Danger))));
        }
        match (&d.action, d.action.as_ref().and_then(RemoteAction::api_call)) {
            // An AWS API call: what changes (old → new, what the new value does), then the
            // request exactly as the backend sends it. No document, no PowerShell.
            (Some(_), Some(call)) => {
                for (j, piece) in wrap(&d.summary, value_w).into_iter().enumerate() {
                    out.push(labelled(if j == 0 { "Changes" } else { "" }, piece, text));
                }
                for (i, line) in call.into_iter().enumerate() {
                    out.push(labelled(
                        if i == 0 { "API call" } else { "" },
                        line,
                        theme.style(Role::Highlight),
                    ));
                }
            }
            (Some(action), None) => {
                out.push(labelled("Document", DOCUMENT.to_string(), text));
                match powershell(action) {
                    Ok(script) => {
                        for (i, cmd) in script.iter().enumerate() {
                            for (j, piece) in wrap(cmd, value_w).into_iter().enumerate() {
                                let label = if i == 0 && j == 0 { "Command" } else { "" };
                                out.push(labelled(label, piece, theme.style(Role::Highlight)));
                            }
                        }
                    }
                    Err(why) => {
                        out.push(labelled("Command", format!("not sendable: {why}"), theme.style(Role::Crit)))
                    }
                }
            }
            (None, _) => out.push(labelled("Does", d.summary.clone(), text)),
        }
        for (i, t) in d.targets.iter().enumerate() {
            let label = if i == 0 { "Targets" } else { "" };
            out.push(labelled(label, format!("{} ({})", t.server, t.instance_id), text));
        }
        out.push(labelled("Where", state.source_label.clone(), text));
        // At most three lines of why; the rest are counted, not dropped silently.
        const WHY: usize = 3;
        for (i, line) in d.why.iter().take(WHY).enumerate() {
            let piece = crate::ui::wrap::clip(line, value_w);
            out.push(labelled(if i == 0 { "Because" } else { "" }, piece, theme.style(Role::Warn)));
        }
        if d.why.len() > WHY {
            out.push(labelled("", format!("+{} more", d.why.len() - WHY), theme.style(Role::Muted)));
        }
        if let Some(impact) = &d.impact {
            use crate::runbook::impact::ImpactLevel;
            let style = match impact.level {
                ImpactLevel::None => theme.style(Role::Ok),
                ImpactLevel::Some => theme.style(Role::Crit),
                ImpactLevel::Unknown => theme.style(Role::Warn),
            };
            for (i, line) in impact.lines.iter().enumerate() {
                for (j, piece) in wrap(line, value_w).into_iter().enumerate() {
                    let label = if i == 0 && j == 0 { "Impact" } else { "" };
                    out.push(labelled(label, piece, style));
                }
            }
        }
    }
    let top = std::mem::take(&mut out);
    out.push(Line::from(""));
    if let Some(refusal) = &d.refusal {
        for l in wrap(refusal, width.saturating_sub(3)) {
            out.push(Line::from(Span::styled(format!(" ⊘ {l}"), theme.style(Role::Crit))));
        }
        out.push(Line::from(""));
    } else if let Some(name) = &d.must_type {
        use crate::runbook::impact::ImpactLevel;
        let why = match d.impact.as_ref().map(|i| i.level) {
            Some(ImpactLevel::Some) => "It affects live traffic (Impact above)".to_string(),
            Some(ImpactLevel::Unknown) => "Its impact is unknown".to_string(),
            Some(ImpactLevel::None) | None => format!("Runs on {} servers", d.targets.len()),
        };
        out.push(Line::from(format!(" {why}: type {name} to enable Run")));
        out.push(Line::from(vec![
            Span::raw(" > "),
            Span::styled(format!("{}▏", d.typed), theme.style(Role::Input)),
        ]));
        out.push(Line::from(""));
    }
    out.push(buttons(d, theme));
    (top, out)
}

/// `[ Cancel ]  [ Run ]`, centred by padding; the highlighted one in the selection style.
fn buttons(d: &Dialog, theme: &Theme) -> Line<'static> {
    let mut spans = vec![Span::raw("   ")];
    for (i, b) in d.buttons().iter().enumerate() {
        let label = format!("[ {} ]", b.label());
        let enabled = d.enabled(*b);
        let mut style = match b {
            Button::Run if d.mutating => theme.style(Role::Danger),
            _ => theme.style(Role::Text),
        };
        if !enabled {
            style = theme.style(Role::Muted);
        }
        if i == d.choice {
            style = style.patch(theme.style(Role::Selected));
        }
        spans.push(Span::styled(label, style));
        spans.push(Span::raw("   "));
    }
    let hint = if d.enabled(Button::Run) || d.instruction.is_some() {
        "Tab moves · Enter presses · Esc cancels"
    } else {
        "Esc closes"
    };
    spans.push(Span::styled(hint, theme.style(Role::Muted)));
    Line::from(spans)
}
