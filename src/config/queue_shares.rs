//! `[[queue_shares]]`: a queue a runbook may add to another routing profile (Amazon Connect
//! AssociateRoutingProfileQueues), each problem reported at its key.
//!
//! ```toml
//! [[queue_shares]]
//! name = "tty_relay_to_chat_agents"       # what runbooks call it (`share = "..."`)
//! queue = "TTY Relay"                     # the queue that gains agents, as the queues pane names it
//! queue_id = "aaaaaaaa-0000-0000-0000-000000000003"
//! routing_profile = "Chat Agents"         # whose agents take it on
//! routing_profile_id = "bbbbbbbb-0000-0000-0000-000000000001"
//! donor_queue = "Web Chat"                # that profile's own queue: its callers share the agents
//! channel = "CHAT"                        # default CHAT (a TTY call reaches Connect as a chat)
//! priority = 2                            # 1-99, default 2: after the profile's own queues
//! delay = 0                               # 0-9999 s a contact waits before they are offered it
//! ```

use super::raw::RawQueueShare;
use super::validate::Checker;
use crate::file_error::FileError;
use crate::model::queue_share::{
    SHARE_CHANNELS, SHARE_DELAY_S, SHARE_PRIORITY, check_connect_id, check_connect_name,
};
use crate::model::{Flag, QueueShare, check_flag_name};
use serde_spanned::Spanned;

impl Checker<'_> {
    pub(super) fn queue_shares(
        &self,
        raw: Vec<Spanned<RawQueueShare>>,
        flags: &[Flag],
    ) -> Result<Vec<QueueShare>, FileError> {
        let mut out: Vec<QueueShare> = Vec::new();
        for table in raw {
            let s = table.into_inner();
            check_flag_name(s.name.get_ref())
                .map_err(|m| self.at(s.name.span(), m.replace("flag name", "queue share name")))?;
            if out.iter().any(|o| o.name == *s.name.get_ref())
                || flags.iter().any(|f| f.name == *s.name.get_ref())
            {
                return Err(self.at(s.name.span(), format!("{:?} is already declared", s.name.get_ref())));
            }
            for v in [&s.queue, &s.routing_profile, &s.donor_queue] {
                check_connect_name(v.get_ref()).map_err(|m| self.at(v.span(), m))?;
            }
            for v in [&s.queue_id, &s.routing_profile_id] {
                check_connect_id(v.get_ref()).map_err(|m| self.at(v.span(), m))?;
            }
            if s.queue.get_ref() == s.donor_queue.get_ref() {
                return Err(self.at(s.donor_queue.span(), "donor_queue must be another queue than queue"));
            }
            let channel = match &s.channel {
                None => "CHAT".to_string(),
                Some(c) if SHARE_CHANNELS.contains(&c.get_ref().as_str()) => c.get_ref().clone(),
                Some(c) => {
                    return Err(self.at(
                        c.span(),
                        format!("unknown channel {:?} (one of {})", c.get_ref(), SHARE_CHANNELS.join(", ")),
                    ));
                }
            };
            let number = |v: &Option<Spanned<i64>>,
                          range: std::ops::RangeInclusive<u32>,
                          default: u32,
                          what: &str| {
                match v {
                    None => Ok(default),
                    Some(n) => {
                        u32::try_from(*n.get_ref()).ok().filter(|n| range.contains(n)).ok_or_else(|| {
                            self.at(n.span(), format!("{what} must be {} to {}", range.start(), range.end()))
                        })
                    }
                }
            };
            let priority = number(&s.priority, SHARE_PRIORITY, 2, "priority")?;
            let delay_s = number(&s.delay, SHARE_DELAY_S, 0, "delay (seconds)")?;
            out.push(QueueShare {
                name: s.name.into_inner(),
                queue: s.queue.into_inner(),
                queue_id: s.queue_id.into_inner(),
                routing_profile: s.routing_profile.into_inner(),
                routing_profile_id: s.routing_profile_id.into_inner(),
                donor_queue: s.donor_queue.into_inner(),
                channel,
                priority,
                delay_s,
                // Not read: whether it is associated now, and the profile's agents, are unknown.
                associated: None,
                profile_agents: None,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use std::path::Path;

    fn load(src: &str) -> Result<Config, String> {
        Config::from_str(Path::new("config.toml"), src).map_err(|e| e.to_string())
    }

    const GOOD: &str = r#"
[[queue_shares]]
name = "tty_relay_to_chat"
queue = "TTY Relay"
queue_id = "aaaaaaaa-0000-0000-0000-000000000003"
routing_profile = "Chat Agents"
routing_profile_id = "bbbbbbbb-0000-0000-0000-000000000001"
donor_queue = "Web Chat"
priority = 2
"#;

    #[test]
    fn a_share_is_read_with_its_defaults() {
        let c = load(GOOD).unwrap();
        let s = &c.queue_shares[0];
        assert_eq!(
            (s.name.as_str(), s.channel.as_str(), s.priority, s.delay_s),
            ("tty_relay_to_chat", "CHAT", 2, 0)
        );
        assert_eq!(s.associated, None, "never read: unknown");
    }

    #[test]
    fn problems_are_reported_at_their_key() {
        let cases = [
            (GOOD.replace("tty_relay_to_chat", "TTY!"), "config.toml:3:8", "invalid queue share name"),
            (
                GOOD.replace("aaaaaaaa-0000-0000-0000-000000000003", "../x"),
                "config.toml:5:12",
                "invalid Connect id",
            ),
            (GOOD.replace("priority = 2", "priority = 100"), "config.toml:9:12", "priority must be 1 to 99"),
            (
                GOOD.replace("priority = 2", "delay = -1"),
                "config.toml:9:9",
                "delay (seconds) must be 0 to 9999",
            ),
            (GOOD.replace("priority = 2", "channel = \"SMS\""), "config.toml:9:11", "unknown channel"),
            (GOOD.replace("\"Web Chat\"", "\"TTY Relay\""), "config.toml:8:15", "another queue"),
            (GOOD.replace("priority = 2", "prio = 2"), "config.toml:9:1", "unknown field"),
            (format!("{GOOD}{GOOD}"), "config.toml:12:8", "already declared"),
        ];
        for (src, at, what) in cases {
            let e = load(&src).unwrap_err();
            assert!(e.starts_with(at) && e.contains(what), "{at} {what}: {e}");
        }
    }
}
