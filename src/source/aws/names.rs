//! Resource names in settings: exact names or glob patterns (resolved through CloudWatch
//! ListMetrics), and CloudWatch statistic names.

/// One entry of `aws.metrics.lambda` / `kinesis` / `dynamodb`.
#[derive(Debug, Clone)]
pub enum NamePattern {
    Exact(String),
    Glob(glob::Pattern),
}

impl NamePattern {
    pub fn parse(s: &str) -> Result<NamePattern, String> {
        if s.is_empty() {
            return Err("must not be empty".into());
        }
        if s.chars().any(|c| c.is_control()) {
            return Err(format!("{s:?} contains a control character"));
        }
        if s.contains(['*', '?', '[']) {
            glob::Pattern::new(s).map(NamePattern::Glob).map_err(|e| format!("{s:?}: {e}"))
        } else {
            Ok(NamePattern::Exact(s.to_string()))
        }
    }

    pub fn is_glob(&self) -> bool {
        matches!(self, NamePattern::Glob(_))
    }

    pub fn matches(&self, name: &str) -> bool {
        match self {
            NamePattern::Exact(n) => n == name,
            NamePattern::Glob(p) => p.matches(name),
        }
    }
}

/// Patterns of one kind, parsed once. Invalid entries were refused by settings validation; a
/// pattern that still fails to parse here is skipped rather than crashing the collector.
#[derive(Debug, Clone, Default)]
pub struct NameSet {
    patterns: Vec<NamePattern>,
}

impl NameSet {
    pub fn parse(entries: &[String]) -> NameSet {
        NameSet { patterns: entries.iter().filter_map(|e| NamePattern::parse(e).ok()).collect() }
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether resolving needs ListMetrics (any glob among the entries).
    pub fn needs_discovery(&self) -> bool {
        self.patterns.iter().any(NamePattern::is_glob)
    }

    pub fn exact_names(&self) -> impl Iterator<Item = &str> {
        self.patterns.iter().filter_map(|p| match p {
            NamePattern::Exact(n) => Some(n.as_str()),
            NamePattern::Glob(_) => None,
        })
    }

    pub fn matches(&self, name: &str) -> bool {
        self.patterns.iter().any(|p| p.matches(name))
    }

    /// Exact names plus every discovered name a glob matches; sorted, without duplicates.
    pub fn resolve<'a>(&self, discovered: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        let mut out: Vec<String> = self.exact_names().map(str::to_string).collect();
        out.extend(
            discovered
                .into_iter()
                .filter(|n| self.patterns.iter().any(|p| p.is_glob() && p.matches(n)))
                .map(str::to_string),
        );
        out.sort();
        out.dedup();
        out
    }
}

/// Basic statistics and percentiles `p0`..`p100` (CloudWatch also takes trimmed means and
/// more; the console only needs these).
pub fn statistic_is_valid(stat: &str) -> Result<(), String> {
    if matches!(stat, "Maximum" | "Minimum" | "Average" | "Sum" | "SampleCount") {
        return Ok(());
    }
    if let Some(p) = stat.strip_prefix('p')
        && let Ok(v) = p.parse::<f64>()
        && (0.0..=100.0).contains(&v)
    {
        return Ok(());
    }
    Err(format!("{stat:?} is not a statistic"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_and_exact_names_resolve_together() {
        let set = NameSet::parse(&["connect-*".into(), "auth".into()]);
        assert!(set.needs_discovery());
        let found = ["connect-a", "connect-b", "other", "auth"];
        assert_eq!(set.resolve(found), ["auth", "connect-a", "connect-b"]);
        let exact = NameSet::parse(&["auth".into()]);
        assert!(!exact.needs_discovery());
        assert_eq!(exact.resolve([]), ["auth"]);
    }

    #[test]
    fn statistics_are_checked() {
        assert!(statistic_is_valid("Maximum").is_ok());
        assert!(statistic_is_valid("p99").is_ok());
        assert!(statistic_is_valid("p99.9").is_ok());
        assert!(statistic_is_valid("p101").is_err());
        assert!(statistic_is_valid("max").is_err());
    }
}
