//! Reads a captured console screen the way an engineer does: by pane. A word found anywhere on
//! the screen proves little (a pane's name is also in the tab bar and in alert text, and a
//! blank screen satisfies every "does not contain"), so the tests look inside one pane's box,
//! at one row, at one cell.

#![allow(dead_code)]

/// One box on screen: its title and the text of each line inside its borders.
#[derive(Debug, Clone)]
pub struct Pane {
    pub title: String,
    pub lines: Vec<String>,
}

/// One table row inside a pane: its health mark, how far its first cell is indented (a
/// server's services sit under it), its text after that, and its cells (split where two or
/// more spaces separate them; a column as wide as its widest value is followed by one space
/// only, so look a row up by [`Row::starts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub mark: char,
    pub indent: usize,
    pub text: String,
    pub cells: Vec<String>,
}

const MARKS: [char; 4] = ['✓', '▲', '✖', '?'];

/// Every box on the screen, top to bottom, left to right. A box is a `┌` with its `┐` on the
/// same line, and the lines below that start with `│` in the same column, up to its `└`.
pub fn panes(screen: &str) -> Vec<Pane> {
    let grid: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
    let mut out = Vec::new();
    for (y, line) in grid.iter().enumerate() {
        for (x, &c) in line.iter().enumerate() {
            if c != '┌' {
                continue;
            }
            let Some(right) = line[x + 1..].iter().position(|&c| c == '┐').map(|p| x + 1 + p) else {
                continue;
            };
            let title: String = line[x + 1..right].iter().take_while(|&&c| c != '─').collect();
            let mut lines = Vec::new();
            for below in &grid[y + 1..] {
                match below.get(x) {
                    Some('│') => {
                        let end = right.min(below.len());
                        lines.push(below.get(x + 1..end).map(|s| s.iter().collect()).unwrap_or_default());
                    }
                    _ => break,
                }
            }
            out.push(Pane { title: title.trim().to_string(), lines });
        }
    }
    out
}

/// The pane whose title names `name` (`✖ NexTalk (8)`, `✓ Queues /bill (1 of 12)`).
pub fn pane(screen: &str, name: &str) -> Option<Pane> {
    panes(screen).into_iter().find(|p| p.name() == name)
}

impl Pane {
    /// The title without its health mark and counts: `NexTalk`, `Queues`.
    pub fn name(&self) -> &str {
        let t = self.title.trim_start_matches(MARKS).trim_start();
        let end = t.find([' ', '(']).unwrap_or(t.len());
        &t[..end]
    }

    /// The health mark in the title.
    pub fn mark(&self) -> Option<char> {
        self.title.chars().next().filter(|c| MARKS.contains(c))
    }

    /// The table rows: lines that start with a health mark.
    pub fn rows(&self) -> Vec<Row> {
        self.lines.iter().filter_map(|l| row(l)).collect()
    }

    /// The first row that starts with the word(s) `first`.
    pub fn row(&self, first: &str) -> Option<Row> {
        self.rows().into_iter().find(|r| r.starts(first))
    }

    /// The service rows under server `server` (the NexTalk pane), by service name.
    pub fn service(&self, server: &str, service: &str) -> Option<Row> {
        let rows = self.rows();
        let at = rows.iter().position(|r| r.indent == 0 && r.starts(server))?;
        rows[at + 1..].iter().take_while(|r| r.indent > 0).find(|r| r.starts(service)).cloned()
    }

    /// Every line of the pane as one text (for messages).
    pub fn text(&self) -> String {
        format!("┌ {} ┐\n{}", self.title, self.lines.join("\n"))
    }
}

/// A line inside a pane as a table row, if it starts with a health mark.
pub fn row(line: &str) -> Option<Row> {
    let mut chars = line.chars();
    let mark = chars.next().filter(|c| MARKS.contains(c))?;
    let rest: String = chars.collect();
    // One space separates the mark from a top-level row; deeper rows are indented further.
    let indent = rest.chars().take_while(|&c| c == ' ').count().saturating_sub(1);
    let text = rest.trim().to_string();
    let cells = text.split("  ").map(str::trim).filter(|c| !c.is_empty()).map(str::to_string).collect();
    Some(Row { mark, indent, text, cells })
}

impl Row {
    /// Some cell is exactly `cell`.
    pub fn has(&self, cell: &str) -> bool {
        self.cells.iter().any(|c| c == cell)
    }

    /// The row's text starts with `words`, followed by a space or nothing.
    pub fn starts(&self, words: &str) -> bool {
        self.text.strip_prefix(words).is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
    }
}

/// The status bar: the screen's last line.
pub fn status_bar(screen: &str) -> &str {
    screen.lines().last().unwrap_or("")
}

/// One source's entry in the status bar (`↻ metrics 2s · ✖queues 14s`): its label, whether it
/// is marked failing, and the age of its last good data in seconds (None for `–`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceAge {
    pub label: String,
    pub failing: bool,
    pub age_s: Option<u64>,
}

/// The sources in the status bar, in order; empty when the bar shows no per-source ages.
pub fn source_ages(screen: &str) -> Vec<SourceAge> {
    let bar = status_bar(screen);
    let Some(at) = bar.find("↻ ") else { return Vec::new() };
    let list = &bar[at + "↻ ".len()..];
    let mut out = Vec::new();
    for part in list.split(" · ") {
        let mut words = part.split_whitespace();
        let (Some(label), Some(age)) = (words.next(), words.next()) else { break };
        let (failing, label) = match label.strip_prefix('✖') {
            Some(l) => (true, l),
            None => (false, label),
        };
        out.push(SourceAge { label: label.to_string(), failing, age_s: parse_age(age) });
        // The last source's age is followed by the rest of the bar.
        if words.next().is_some() {
            break;
        }
    }
    out
}

/// `0s`, `42s`, `4m12s`, `3m`, `1h05m` → seconds.
pub fn parse_age(text: &str) -> Option<u64> {
    let mut total = 0;
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let n: u64 = digits.parse().ok()?;
        digits.clear();
        total += n * match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return None,
        };
    }
    digits.is_empty().then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRID: &str = "\
 ✓ Queues  ✓ Connect  ✖ NexTalk  ✖ Alerts 1
┌ ✓ Queues /bill (1 of 12) ──┐┌ ✖ NexTalk (8) ─────────────────────┐
│  Queue    In q Oldest      ││  Server / service Ports Load/state │
│✓ Billing  0    -           ││✖ nt-a             8/96  8.3% Online│
│                            ││✖   Chat Bridge          Stopped    │
│                            ││✓ nt-b             10/96 10%  Online│
│                            ││✓   Chat Bridge          Running    │
└────────────────────────────┘└────────────────────────────────────┘
 demo:x ↻ metrics 2s · ✖queues 1m05s · ssm – ? help";

    #[test]
    fn boxes_rows_and_cells() {
        let q = pane(GRID, "Queues").expect("queues");
        assert_eq!(q.title, "✓ Queues /bill (1 of 12)");
        assert_eq!(q.rows().len(), 1);
        assert_eq!(q.row("Billing").map(|r| r.mark), Some('✓'));
        let n = pane(GRID, "NexTalk").expect("nextalk");
        assert_eq!(n.mark(), Some('✖'));
        let a = n.service("nt-a", "Chat Bridge").expect("nt-a's bridge");
        assert_eq!(
            (a.mark, a.indent, a.cells.clone()),
            ('✖', 2, vec!["Chat Bridge".into(), "Stopped".into()])
        );
        assert!(n.service("nt-b", "Chat Bridge").is_some_and(|r| r.mark == '✓' && r.has("Running")));
        assert!(pane(GRID, "Alerts").is_none(), "a tab is not a pane");
        assert!(pane("", "Queues").is_none());
    }

    #[test]
    fn source_ages_in_the_status_bar() {
        let got = source_ages(GRID);
        let want = [("metrics", false, Some(2)), ("queues", true, Some(65)), ("ssm", false, None)];
        let want: Vec<SourceAge> =
            want.iter().map(|&(l, f, a)| SourceAge { label: l.into(), failing: f, age_s: a }).collect();
        assert_eq!(got, want);
        assert_eq!(parse_age("1h05m"), Some(3900));
        assert_eq!(parse_age("–"), None);
    }
}
