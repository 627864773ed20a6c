//! Realistic names for the generated resources: the well-known ones first, numbered ones after.

pub const QUEUES: &[&str] = &[
    "Billing",
    "Tech Support",
    "TTY Relay",
    "Spanish",
    "Sales",
    "Account Services",
    "Web Chat",
    "Claims",
    "Outage Line",
    "Collections",
    "Retention",
    "VIP Support",
    "Chat Support",
    "Callbacks",
    "French",
    "Escalations",
];

/// Index of the queue NexTalk bridges TTY chats into.
pub const TTY_RELAY_QUEUE: usize = 2;

pub const FUNCTIONS: &[&str] = &[
    "connect-lookup-customer",
    "connect-tty-router",
    "connect-save-contact-record",
    "connect-business-hours",
    "connect-queue-wait-message",
    "connect-ivr-transaction-logger",
    "connect-callback-scheduler",
    "connect-lex-fulfillment",
    "connect-language-detect",
    "connect-fraud-check",
    "connect-survey-dispatch",
    "connect-outage-lookup",
];

pub const STREAMS: &[&str] =
    &["ctr-stream", "ivr-transactions", "agent-events", "contact-lens-events", "chat-transcripts"];

pub const TABLES: &[&str] = &[
    "CallRecords",
    "IvrTransactions",
    "CustomerProfiles",
    "TtySessions",
    "ContactAttributes",
    "AgentStates",
    "CallbackRequests",
    "LexSessions",
];

pub fn queue(i: usize) -> String {
    QUEUES.get(i).map_or_else(|| format!("Queue {:04}", i + 1), |s| s.to_string())
}

pub fn function(i: usize) -> String {
    FUNCTIONS.get(i).map_or_else(|| format!("connect-flow-helper-{:03}", i + 1), |s| s.to_string())
}

pub fn stream(i: usize) -> String {
    STREAMS.get(i).map_or_else(|| format!("events-{:03}", i + 1), |s| s.to_string())
}

pub fn table(i: usize) -> String {
    TABLES.get(i).map_or_else(|| format!("Table{:04}", i + 1), |s| s.to_string())
}

/// Chat queues among the named ones; one in four of the generated ones.
pub fn queue_is_chat(i: usize) -> bool {
    match QUEUES.get(i) {
        Some(name) => matches!(*name, "TTY Relay" | "Web Chat" | "Chat Support"),
        None => i % 4 == 3,
    }
}
