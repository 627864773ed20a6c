//! The panes of the console and the orders their tables can be sorted in.

use crate::model::Section;

/// A pane: one per telemetry section, plus the alerts list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pane {
    Queues,
    Connect,
    Lambda,
    Kinesis,
    DynamoDb,
    NexTalk,
    Alerts,
}

impl Pane {
    /// Focus order (Tab / Shift-Tab) and tab-bar order.
    pub const ALL: [Pane; 7] = [
        Pane::Queues,
        Pane::Connect,
        Pane::Lambda,
        Pane::Kinesis,
        Pane::DynamoDb,
        Pane::NexTalk,
        Pane::Alerts,
    ];

    /// Index into per-pane arrays in `State`.
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn section(self) -> Option<Section> {
        match self {
            Pane::Queues => Some(Section::Queues),
            Pane::Connect => Some(Section::Connect),
            Pane::Lambda => Some(Section::Lambda),
            Pane::Kinesis => Some(Section::Kinesis),
            Pane::DynamoDb => Some(Section::DynamoDb),
            Pane::NexTalk => Some(Section::NexTalk),
            Pane::Alerts => None,
        }
    }

    pub fn from_section(section: Section) -> Pane {
        match section {
            Section::Queues => Pane::Queues,
            Section::Connect => Pane::Connect,
            Section::Lambda => Pane::Lambda,
            Section::Kinesis => Pane::Kinesis,
            Section::DynamoDb => Pane::DynamoDb,
            Section::NexTalk => Pane::NexTalk,
        }
    }

    pub fn title(self) -> &'static str {
        match self.section() {
            Some(s) => s.title(),
            None => "Alerts",
        }
    }

    /// Accepts the section keys and titles, any case (`:pane dynamodb`, `:pane Alerts`).
    pub fn from_name(name: &str) -> Option<Pane> {
        let name = name.trim();
        Pane::ALL.iter().copied().find(|p| {
            p.title().eq_ignore_ascii_case(name)
                || p.section().is_some_and(|s| s.key().eq_ignore_ascii_case(name))
        })
    }

    pub fn next(self) -> Pane {
        Pane::ALL[(self.index() + 1) % Pane::ALL.len()]
    }

    pub fn prev(self) -> Pane {
        Pane::ALL[(self.index() + Pane::ALL.len() - 1) % Pane::ALL.len()]
    }

    /// The sort orders this pane offers, the default first. Connect lists fixed figures and the
    /// alerts come ordered by the alert book, so neither sorts.
    pub fn sort_keys(self) -> &'static [SortKey] {
        match self {
            Pane::Queues => &[SortKey::Worst, SortKey::Name, SortKey::InQueue, SortKey::Oldest],
            Pane::Lambda => &[SortKey::Worst, SortKey::Name, SortKey::Errors, SortKey::P99],
            Pane::Kinesis => &[SortKey::Worst, SortKey::Name, SortKey::Lag],
            Pane::DynamoDb => &[SortKey::Worst, SortKey::Name, SortKey::Throttles],
            Pane::NexTalk => &[SortKey::Worst, SortKey::Name],
            Pane::Connect | Pane::Alerts => &[],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortKey {
    /// Worst health first, then the pane's main figure, then name.
    #[default]
    Worst,
    Name,
    InQueue,
    Oldest,
    Errors,
    P99,
    Lag,
    Throttles,
}

impl SortKey {
    pub const ALL: [SortKey; 8] = [
        SortKey::Worst,
        SortKey::Name,
        SortKey::InQueue,
        SortKey::Oldest,
        SortKey::Errors,
        SortKey::P99,
        SortKey::Lag,
        SortKey::Throttles,
    ];

    /// The word used by `:sort` and shown in pane titles.
    pub fn name(self) -> &'static str {
        match self {
            SortKey::Worst => "worst",
            SortKey::Name => "name",
            SortKey::InQueue => "queue",
            SortKey::Oldest => "oldest",
            SortKey::Errors => "errors",
            SortKey::P99 => "p99",
            SortKey::Lag => "lag",
            SortKey::Throttles => "throttles",
        }
    }

    pub fn from_name(name: &str) -> Option<SortKey> {
        let name = name.trim().to_ascii_lowercase();
        let alias = match name.as_str() {
            "in-queue" | "inqueue" | "contacts" => "queue",
            "age" => "oldest",
            "health" => "worst",
            "iterator" => "lag",
            other => other,
        };
        SortKey::ALL.iter().copied().find(|k| k.name() == alias)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn focus_cycles_through_every_pane_both_ways() {
        let mut p = Pane::Queues;
        for _ in 0..Pane::ALL.len() {
            p = p.next();
        }
        assert_eq!(p, Pane::Queues);
        assert_eq!(Pane::Queues.prev(), Pane::Alerts);
    }

    #[test]
    fn names_accept_keys_titles_and_aliases() {
        assert_eq!(Pane::from_name("dynamodb"), Some(Pane::DynamoDb));
        assert_eq!(Pane::from_name("NexTalk"), Some(Pane::NexTalk));
        assert_eq!(Pane::from_name("alerts"), Some(Pane::Alerts));
        assert_eq!(Pane::from_name("nope"), None);
        assert_eq!(SortKey::from_name("in-queue"), Some(SortKey::InQueue));
        assert_eq!(SortKey::from_name("Oldest"), Some(SortKey::Oldest));
    }
}
