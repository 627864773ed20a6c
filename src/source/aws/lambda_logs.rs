//! Lambda error logs as CloudWatch Logs keeps them, without the SDK: which events count as
//! errors ([`ErrorFilter`]), how one event becomes log lines ([`event_lines`]), and which
//! events a poll has already shown ([`SeenEvents`]). The live tail (`LambdaErrorLog`, with the
//! `aws` feature) and the simulator's `SimLambdaLog` share them, so both show the same lines.

use crate::model::Timestamp;
use crate::sanitize::sanitize_line;
use crate::source::logs::{LogLevel, LogLine};
use crate::source::tailing::detect_level;
use std::collections::HashMap;

/// The log group Lambda writes a function's logs to.
pub fn log_group(function: &str) -> String {
    format!("/aws/lambda/{function}")
}

/// FilterLogEvents takes filter patterns of at most this many characters.
pub const MAX_PATTERN_CHARS: usize = 1024;

/// "Any of these terms", as a CloudWatch filter pattern (`?ERROR ?"Task timed out"`) and as
/// the same test applied to a message here.
///
/// CloudWatch matches terms case-sensitively; whether a term must be a whole word there is
/// not something to rely on, so [`ErrorFilter::matches`] takes any occurrence. That accepts at
/// least what CloudWatch returned, so re-checking here never drops a real match; it does drop
/// what a server ignoring the pattern sends (moto returns every event for `?` patterns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorFilter {
    terms: Vec<String>,
    pattern: String,
}

impl ErrorFilter {
    /// Refuses what would not be one plain term each: empty terms, double quotes (a term is
    /// written as a quoted phrase when it has anything but letters and digits), control
    /// characters, and patterns past the 1,024-character limit.
    pub fn new(terms: &[String]) -> Result<ErrorFilter, String> {
        if terms.is_empty() {
            return Err("needs at least one term".into());
        }
        for (i, t) in terms.iter().enumerate() {
            if t.trim().is_empty() {
                return Err(format!("term {i} is empty"));
            }
            if t.contains('"') || t.chars().any(char::is_control) {
                return Err(format!("term {t:?} may not contain double quotes or control characters"));
            }
        }
        let filter = ErrorFilter::build(terms);
        if filter.pattern.chars().count() > MAX_PATTERN_CHARS {
            return Err(format!("the filter pattern would be longer than {MAX_PATTERN_CHARS} characters"));
        }
        Ok(filter)
    }

    /// Plain words stay bare (`?ERROR`), anything else becomes a quoted phrase.
    fn build(terms: &[String]) -> ErrorFilter {
        let pattern = terms
            .iter()
            .map(|t| {
                if t.chars().all(|c| c.is_ascii_alphanumeric()) {
                    format!("?{t}")
                } else {
                    format!("?\"{t}\"")
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
        ErrorFilter { terms: terms.to_vec(), pattern }
    }

    /// The filter pattern for FilterLogEvents.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    pub fn matches(&self, message: &str) -> bool {
        self.terms.iter().any(|t| message.contains(t.as_str()))
    }
}

/// The terms `[aws.logs] error_terms` defaults to; the simulator uses them too.
pub const DEFAULT_ERROR_TERMS: [&str; 4] = ["ERROR", "Error", "Exception", "Task timed out"];

impl Default for ErrorFilter {
    fn default() -> Self {
        ErrorFilter::build(&DEFAULT_ERROR_TERMS.map(String::from))
    }
}

/// One matched event to log lines: one per line of its message (a stack trace is one event
/// over many lines), sanitised, all at the event's time.
///
/// The level is the first level word after the runtime's `<time>\t<request id>\t` prefix
/// (Node writes `ERROR`/`INFO` there, Python `[ERROR]` before it); an event without one is
/// an error, because the filter matched it. Lines after the first take the first line's
/// level: `at handler (/var/task/index.mjs:3:9)` belongs to the error above it. The leading
/// timestamp the runtime writes is dropped, since the line carries the event's time anyway.
pub fn event_lines(at: Timestamp, message: &str) -> Vec<LogLine> {
    let mut level = None;
    let mut lines = Vec::new();
    for raw in message.trim_end_matches(['\n', '\r']).split('\n') {
        // The timestamp goes first, so tab stops fall where the displayed text puts them.
        let raw = without_leading_timestamp(raw.strip_suffix('\r').unwrap_or(raw));
        let text = sanitize_line(raw.as_bytes());
        let level = *level.get_or_insert_with(|| line_level(&text));
        lines.push(LogLine { at, level, text });
    }
    lines
}

fn line_level(text: &str) -> LogLevel {
    detect_level(after_request_id(text)).or_else(|| detect_level(text)).unwrap_or(LogLevel::Error)
}

/// `2026-11-22T03:04:05.123Z` (then whitespace) at the start, removed.
fn without_leading_timestamp(text: &str) -> &str {
    let Some((first, rest)) = text.split_once(char::is_whitespace) else { return text };
    let looks_like_time = first.len() >= 20
        && first.as_bytes()[0].is_ascii_digit()
        && first.as_bytes().get(10) == Some(&b'T')
        && humantime::parse_rfc3339_weak(first).is_ok();
    if looks_like_time { rest.trim_start() } else { text }
}

/// The text after a leading request id (a UUID), where Node puts the level: its hex digits
/// would otherwise use up the handful of tokens level detection looks at.
fn after_request_id(text: &str) -> &str {
    let Some((first, rest)) = text.split_once(char::is_whitespace) else { return text };
    let is_uuid = first.len() == 36
        && first.split('-').map(str::len).eq([8, 4, 4, 4, 12])
        && first.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit());
    if is_uuid { rest.trim_start() } else { text }
}

/// Event ids already shown, kept only as long as a later poll can return them again.
///
/// Each poll reads from a little before the newest time already read ([`OVERLAP_MS`]), because
/// CloudWatch may ingest an event after others with later timestamps; the ids shown in that
/// overlap are what stops them from showing twice.
#[derive(Debug, Clone, Default)]
pub struct SeenEvents {
    ids: HashMap<String, i64>,
}

/// How far back each poll reaches before the previous poll's start: late ingestion (events
/// from another execution environment, clock skew) within this still shows.
pub const OVERLAP_MS: i64 = 30_000;

impl SeenEvents {
    /// True the first time an id is offered.
    pub fn first_time(&mut self, id: &str, timestamp: i64) -> bool {
        if self.ids.contains_key(id) {
            return false;
        }
        self.ids.insert(id.to_string(), timestamp);
        true
    }

    /// Forgets ids no poll from `start` on can return.
    pub fn forget_before(&mut self, start: i64) {
        self.ids.retain(|_, t| *t >= start);
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AT: Timestamp = Timestamp(1_795_316_400_000);

    fn terms(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_default_pattern_is_the_documented_or_syntax() {
        let f = ErrorFilter::default();
        assert_eq!(f.pattern(), r#"?ERROR ?Error ?Exception ?"Task timed out""#);
        assert!(f.matches("2026-11-22T03:04:05.000Z abc Task timed out after 8.00 seconds"));
        assert!(f.matches("ProvisionedThroughputExceededException: level exceeded"));
        assert!(!f.matches("START RequestId: abc Version: $LATEST"));
        assert!(!f.matches("error in lower case is not a CloudWatch match either"));
    }

    #[test]
    fn terms_that_would_break_the_pattern_are_refused() {
        assert!(ErrorFilter::new(&[]).is_err());
        assert!(ErrorFilter::new(&terms(&["ERROR", " "])).is_err());
        assert!(ErrorFilter::new(&terms(&["say \"hi\""])).is_err());
        assert!(ErrorFilter::new(&terms(&["a\nb"])).is_err());
        assert!(ErrorFilter::new(&["x".repeat(1100)]).is_err());
    }

    #[test]
    fn a_node_stack_trace_becomes_error_lines_at_the_event_time() {
        let msg = "2026-11-22T03:04:05.123Z\t0f1e2d3c-4b5a-4969-8877-665544332211\tERROR\tProvisionedThroughputExceededException: exceeded\n    at save (/var/task/index.mjs:41:11)\n    at async Runtime.handler (/var/task/index.mjs:12:5)\n";
        let lines = event_lines(AT, msg);
        assert_eq!(lines.len(), 3);
        assert!(lines.iter().all(|l| l.level == LogLevel::Error && l.at == AT));
        assert!(lines[0].text.starts_with("0f1e2d3c-4b5a-4969-8877-665544332211 "), "{:?}", lines[0].text);
        assert!(lines[0].text.ends_with("ProvisionedThroughputExceededException: exceeded"));
        assert_eq!(lines[1].text, "    at save (/var/task/index.mjs:41:11)");
    }

    #[test]
    fn levels_come_from_the_runtime_field_else_error() {
        let id = "0f1e2d3c-4b5a-4969-8877-665544332211";
        let info = event_lines(AT, &format!("2026-11-22T03:04:05.123Z\t{id}\tINFO\tretrying after Error"));
        assert_eq!(info[0].level, LogLevel::Info);
        let timeout =
            event_lines(AT, &format!("2026-11-22T03:04:13.010Z {id} Task timed out after 8.00 seconds"));
        assert_eq!(timeout[0].level, LogLevel::Error);
        assert_eq!(timeout[0].text, format!("{id} Task timed out after 8.00 seconds"));
        let python =
            event_lines(AT, &format!("[WARNING]\t2026-11-22T03:04:05.123Z\t{id}\tException ignored"));
        assert_eq!(python[0].level, LogLevel::Warn);
    }

    #[test]
    fn hostile_messages_are_sanitised() {
        let lines = event_lines(AT, "ERROR \x1b]52;c;ZXZpbA==\x07boom\x1b[2J\r\n");
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].text, "ERROR boom");
    }

    #[test]
    fn seen_events_dedupe_and_forget_what_no_poll_can_return() {
        let mut seen = SeenEvents::default();
        assert!(seen.first_time("a", 1_000));
        assert!(!seen.first_time("a", 1_000));
        assert!(seen.first_time("b", 5_000));
        seen.forget_before(2_000);
        assert_eq!(seen.len(), 1);
        assert!(!seen.first_time("b", 5_000));
    }
}
