//! Scripted incidents. Each one starts at [`INCIDENT_AT`](super::INCIDENT_AT), after a calm
//! stretch, so trends show the before and the after.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    #[default]
    Calm,
    ChatBridgeDown,
    LambdaErrors,
    KinesisLag,
    PortExhaustion,
    DynamoDbThrottling,
    DirectConnectDown,
    CrmOutage,
    RdsStorageFull,
}

impl Scenario {
    pub const ALL: [Scenario; 9] = [
        Scenario::Calm,
        Scenario::ChatBridgeDown,
        Scenario::LambdaErrors,
        Scenario::KinesisLag,
        Scenario::PortExhaustion,
        Scenario::DynamoDbThrottling,
        Scenario::DirectConnectDown,
        Scenario::CrmOutage,
        Scenario::RdsStorageFull,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scenario::Calm => "calm",
            Scenario::ChatBridgeDown => "chat-bridge-down",
            Scenario::LambdaErrors => "lambda-errors",
            Scenario::KinesisLag => "kinesis-lag",
            Scenario::PortExhaustion => "port-exhaustion",
            Scenario::DynamoDbThrottling => "dynamodb-throttling",
            Scenario::DirectConnectDown => "direct-connect-down",
            Scenario::CrmOutage => "crm-outage",
            Scenario::RdsStorageFull => "rds-storage-full",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Scenario::Calm => {
                "A quiet night: every queue staffed, both NexTalk servers healthy, nothing breaks."
            }
            Scenario::ChatBridgeDown => {
                "At 03:02 the NexTalk Chat Bridge on nt-a crashes after its WebSocket to Connect drops; \
                 TTY chats on nt-a stop reaching Connect until the service is restarted."
            }
            Scenario::LambdaErrors => {
                "At 03:02 the CRM API behind connect-lookup-customer hangs: about half its invocations \
                 time out after 8 s and contact flows take their error branch."
            }
            Scenario::KinesisLag => {
                "At 03:02 a new analytics consumer starts polling ctr-stream; the CTR processor's reads \
                 are throttled (ReadProvisionedThroughputExceeded) and its iterator age climbs."
            }
            Scenario::PortExhaustion => {
                "At 03:02 a neighbouring TTY relay fails over to this center (about 12x the usual TTY \
                 volume); NexTalk ports fill up on both servers and TTY calls are missed. Restarting \
                 services does not help: it drops live calls and the ports fill again."
            }
            Scenario::DynamoDbThrottling => {
                "At 03:02 the nightly CTR re-index job starts rewriting CallRecords at 2.5x its \
                 provisioned write capacity (auto scaling is off); once burst capacity is spent, \
                 writes throttle and connect-save-contact-record starts failing."
            }
            Scenario::DirectConnectDown => {
                "At 03:02 the optics of dxcon-fh6ayh1d, the Direct Connect link of nt-a's site, start \
                 throwing CRC errors; 45 s later the link goes down. nt-a can no longer reach Amazon \
                 Connect: its bridged TTY chats drop and new hand-offs time out, while nt-b's site is fine."
            }
            Scenario::CrmOutage => {
                "At 03:02 the PEGA CRM stops answering: its health canary fails, API Gateway times its \
                 requests out (504) and connect-lookup-customer hangs into its 8 s timeout on nearly \
                 every call, so contact flows wait and take their error branch."
            }
            Scenario::RdsStorageFull => {
                "At 03:02 a NexTalk session-audit job left in debug mode starts writing about 60 MB/s \
                 into the configuration database (nextalk-config-db, 18 GB free); about five minutes \
                 later its storage is full and the NexTalk App API's writes fail with HTTP 500."
            }
        }
    }

    pub fn from_name(name: &str) -> Option<Scenario> {
        let name = name.trim();
        Scenario::ALL.iter().copied().find(|s| s.name().eq_ignore_ascii_case(name))
    }
}

impl std::fmt::Display for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in Scenario::ALL {
            assert_eq!(Scenario::from_name(s.name()), Some(s));
            assert!(!s.description().is_empty());
        }
        assert_eq!(Scenario::from_name(" Chat-Bridge-Down "), Some(Scenario::ChatBridgeDown));
        assert_eq!(Scenario::from_name("meteor-strike"), None);
    }
}
