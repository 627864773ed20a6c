//! A queue shared with another routing profile's agents (`[[queue_shares]]`, or the
//! simulator's own): Amazon Connect's AssociateRoutingProfileQueues puts `queue` into the
//! routing profile `routing_profile` on one channel, at a priority and delay, so the agents of
//! that profile take its contacts too; DisassociateRoutingProfileQueues takes it out again.
//! The profile's own queue (`donor_queue`) is named so a confirmation can say what its callers
//! give up: the same agents now answer both.

use serde::{Deserialize, Serialize};

/// Connect's channels a routing profile queue can be associated on.
pub const SHARE_CHANNELS: [&str; 4] = ["VOICE", "CHAT", "TASK", "EMAIL"];
/// AssociateRoutingProfileQueues' limits: Priority 1-99 (1 is served first), Delay 0-9999 s.
pub const SHARE_PRIORITY: std::ops::RangeInclusive<u32> = 1..=99;
pub const SHARE_DELAY_S: std::ops::RangeInclusive<u32> = 0..=9999;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct QueueShare {
    /// `tty_relay_to_chat`: what runbooks call it.
    pub name: String,
    /// The queue that gains agents, as the queues pane names it (`TTY Relay`).
    pub queue: String,
    pub queue_id: String,
    /// The routing profile whose agents take it on (`Chat Agents`).
    pub routing_profile: String,
    pub routing_profile_id: String,
    /// The routing profile's own queue (as the queues pane names it): its callers now share
    /// the agents.
    pub donor_queue: String,
    /// `CHAT`: the channel of the association (TTY calls reach Connect as chats).
    pub channel: String,
    /// 1 is served first; the donor profile's own queues are normally at 1, so a share at 2 is
    /// only given to agents with nothing of their own waiting.
    pub priority: u32,
    /// Seconds a contact waits in `queue` before this profile's agents are offered it.
    pub delay_s: u32,
    /// Whether the queue is in the profile now; `None`: not known (never read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub associated: Option<bool>,
    /// Agents staffed on the routing profile now, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_agents: Option<u32>,
}

/// A Connect resource id as the console accepts it in the config: 1 to 100 of letters,
/// digits and `-` (Connect's ids are UUIDs), so nothing else reaches a request path.
pub fn check_connect_id(s: &str) -> Result<(), String> {
    let ok = (1..=100).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok { Ok(()) } else { Err(format!("invalid Connect id {s:?}: use 1 to 100 letters, digits and '-'")) }
}

/// A queue or routing profile name as shown and matched: 1 to 127 printable characters.
pub fn check_connect_name(s: &str) -> Result<(), String> {
    let ok = (1..=127).contains(&s.chars().count()) && !s.chars().any(char::is_control) && s.trim() == s;
    if ok {
        Ok(())
    } else {
        Err(format!("invalid name {s:?}: 1 to 127 printable characters, no outer spaces"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_are_checked() {
        assert!(check_connect_id("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee").is_ok());
        for bad in ["", "a/b", "../x", "a b", "x?y"] {
            assert!(check_connect_id(bad).is_err(), "{bad}");
        }
        assert!(check_connect_name("TTY Relay").is_ok());
        assert!(check_connect_name(" TTY").is_err());
        assert!(check_connect_name("a\u{1b}[2J").is_err());
    }
}
