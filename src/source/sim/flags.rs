//! The simulated contact center's emergency flags: its own Parameter Store, as its servers are
//! its own. Contact flows (and the Lambdas they call) read these parameters; setting one
//! changes what the model does from the next second on:
//!
//! - `crm_bypass` (`on`): `connect-lookup-customer` answers "no CRM record" at once instead of
//!   calling the CRM, so a hanging CRM no longer makes it time out.
//! - `emergency_message_<queue>` (`on`): callers entering that queue hear (TTY callers read)
//!   that there is a known problem and are offered a callback; a share take it, hang up, and
//!   wait in the queue as a callback.
//! - `tty_callback_only` (`on`): nobody waits on the line in the TTY Relay queue: every TTY
//!   caller leaves a number after the greeting and hangs up, freeing the NexTalk port; an agent
//!   calls back (out through NexTalk) in queue order. Callers already waiting are moved at the
//!   queue's next prompt.
//! - `nextalk_active_servers` (`both`, `nt-a-only`, `nt-b-only`): which NexTalk servers the
//!   TTY front end (the carrier's SIP trunk group, steered by this parameter) sends new calls
//!   to and places callbacks from. Taking a server out ends its sessions that are on hold for
//!   a chat: the front end transfers each caller to a server in rotation (a new session there,
//!   if it has a free port; else the caller hears busy).

use super::names;
use crate::model::{Flag, FlagValue, Timestamp};

/// Where the demo's parameters live.
pub const PREFIX: &str = "/contact-center/flags";
pub const CRM_BYPASS: &str = "crm_bypass";
pub const TTY_CALLBACK_ONLY: &str = "tty_callback_only";
pub const ACTIVE_SERVERS: &str = "nextalk_active_servers";

/// The flag name of a queue's emergency message: `emergency_message_tty_relay`.
pub fn emergency_flag(queue: &str) -> String {
    format!("emergency_message_{}", slug(queue, '_'))
}

fn slug(name: &str, sep: char) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with(sep) {
            out.push(sep);
        }
    }
    out.trim_matches(sep).to_string()
}

fn value(v: &str, meaning: &str) -> FlagValue {
    FlagValue { value: v.to_string(), meaning: meaning.to_string() }
}

/// One flag with its value.
#[derive(Debug, Clone)]
pub struct SimFlag {
    pub def: Flag,
    /// What it does in the model.
    pub effect: Effect,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    CrmBypass,
    EmergencyMessage {
        queue: usize,
    },
    CallbackOnly {
        queue: usize,
    },
    /// Which NexTalk servers take new TTY calls (the value names them).
    ActiveServers,
}

#[derive(Debug, Clone)]
pub struct Flags {
    /// Each flag as Parameter Store has it: value, version (PutParameter adds one) and when
    /// it last changed (unknown for the values the night started with).
    pub list: Vec<SimFlag>,
}

impl Flags {
    /// The CRM bypass, and an emergency message for each of the first `queues` queues that
    /// have a name of their own (the numbered ones of a large demo are left out: nobody
    /// records a message for "Queue 0412").
    pub fn new(queues: usize) -> Flags {
        let mut list = vec![SimFlag {
            def: Flag {
                name: CRM_BYPASS.into(),
                parameter: format!("{PREFIX}/crm-bypass"),
                values: vec![
                    value(
                        "off",
                        "contact flows look the caller up in the CRM (connect-lookup-customer) before routing",
                    ),
                    value(
                        "on",
                        "contact flows skip the CRM lookup: no 8 s wait when the CRM hangs, but no screen pop \
                         or VIP routing; agents ask for the account number",
                    ),
                ],
                current: Some("off".into()),
                version: Some(1),
                ..Flag::default()
            },
            effect: Effect::CrmBypass,
        }];
        for q in 0..queues.min(names::QUEUES.len()) {
            let name = names::queue(q);
            list.push(SimFlag {
                def: Flag {
                    name: emergency_flag(&name),
                    parameter: format!("{PREFIX}/emergency-message/{}", slug(&name, '-')),
                    values: vec![
                        value("off", &format!("callers in {name} hear the normal queue messages")),
                        value(
                            "on",
                            &format!(
                                "callers entering {name} hear (TTY callers read) that there is a known problem, \
                                 the expected wait, and an offer of a callback instead of waiting"
                            ),
                        ),
                    ],
                    current: Some("off".into()),
                    version: Some(1),
                    ..Flag::default()
                },
                effect: Effect::EmergencyMessage { queue: q },
            });
        }
        // The TTY Relay queue's callers hold a NexTalk port while they wait on the line: the
        // one queue where waiting costs a scarce resource besides the caller's time.
        let q = names::TTY_RELAY_QUEUE;
        if q < queues {
            let name = names::queue(q);
            list.push(SimFlag {
                def: Flag {
                    name: TTY_CALLBACK_ONLY.into(),
                    parameter: format!("{PREFIX}/tty-callback-only"),
                    values: vec![
                        value(
                            "off",
                            &format!("TTY callers in {name} may wait on the line for an agent, holding a NexTalk port"),
                        ),
                        value(
                            "on",
                            &format!(
                                "nobody waits on the line in {name}: TTY callers leave a number after the greeting \
                                 and hang up (the NexTalk port is freed); agents call back in queue order through \
                                 NexTalk; callers already waiting are moved at the next queue prompt (within 60 s)"
                            ),
                        ),
                    ],
                    current: Some("off".into()),
                    version: Some(1),
                    ..Flag::default()
                },
                effect: Effect::CallbackOnly { queue: q },
            });
        }
        list.push(SimFlag {
            def: Flag {
                name: ACTIVE_SERVERS.into(),
                parameter: format!("{PREFIX}/nextalk-active-servers"),
                values: vec![
                    value("both", "the TTY front end spreads new calls over nt-a and nt-b (normal)"),
                    value(
                        "nt-b-only",
                        "new TTY calls and callbacks go to nt-b only; callers on hold on nt-a are transferred to \
                         nt-b (busy when nt-b has no free port); calls already bridged on nt-a carry on",
                    ),
                    value(
                        "nt-a-only",
                        "new TTY calls and callbacks go to nt-a only; callers on hold on nt-b are transferred to \
                         nt-a (busy when nt-a has no free port); calls already bridged on nt-b carry on",
                    ),
                ],
                current: Some("both".into()),
                version: Some(1),
                ..Flag::default()
            },
            effect: Effect::ActiveServers,
        });
        Flags { list }
    }

    /// Every flag as GetParameters would return it, read at `now`.
    pub fn snapshot(&self, now: Timestamp) -> Vec<Flag> {
        self.list.iter().map(|f| Flag { read_at: Some(now), ..f.def.clone() }).collect()
    }

    /// PutParameter: the new version, or why it was refused (as SSM would: an unknown
    /// parameter is refused here because the demo's contact flows read only these).
    pub fn put(&mut self, parameter: &str, value: &str, at: Timestamp) -> Result<(Effect, i64), String> {
        let i = self
            .list
            .iter()
            .position(|f| f.def.parameter == parameter)
            .ok_or_else(|| format!("ParameterNotFound: no demo flag uses {parameter}"))?;
        let f = &mut self.list[i];
        if f.def.meaning(value).is_none() {
            let allowed: Vec<&str> = f.def.values.iter().map(|v| v.value.as_str()).collect();
            return Err(format!("ValidationException: {value:?} is not one of {}", allowed.join(", ")));
        }
        f.def.current = Some(value.to_string());
        let version = f.def.version.unwrap_or(0) + 1;
        f.def.version = Some(version);
        f.def.modified_at = Some(at);
        Ok((f.effect, version))
    }

    pub fn is_on(&self, effect: Effect) -> bool {
        self.list.iter().any(|f| f.effect == effect && f.def.current.as_deref() == Some("on"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_parameters_are_slugs() {
        let f = Flags::new(3);
        let names: Vec<&str> = f.list.iter().map(|f| f.def.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "crm_bypass",
                "emergency_message_billing",
                "emergency_message_tech_support",
                "emergency_message_tty_relay",
                "tty_callback_only",
                "nextalk_active_servers"
            ]
        );
        assert_eq!(f.list[3].def.parameter, "/contact-center/flags/emergency-message/tty-relay");
    }

    #[test]
    fn put_refuses_unknown_parameters_and_values() {
        let mut f = Flags::new(3);
        let at = Timestamp(1_000);
        assert!(f.put("/nope", "on", at).is_err());
        assert!(f.put("/contact-center/flags/crm-bypass", "maybe", at).is_err());
        assert_eq!(f.list[0].def.modified_at, None, "a refused put changes nothing");
        assert_eq!(f.put("/contact-center/flags/crm-bypass", "on", at), Ok((Effect::CrmBypass, 2)));
        assert!(f.is_on(Effect::CrmBypass));
        let read = f.snapshot(Timestamp(2_000));
        assert_eq!(
            (read[0].version, read[0].modified_at, read[0].read_at),
            (Some(2), Some(at), Some(Timestamp(2_000)))
        );
    }
}
