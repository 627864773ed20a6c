//! Counts the requests each AWS operation put on the wire (retries included). CloudWatch is
//! priced per metric requested and Connect's quota is shared, so "how many calls did a
//! refresh make" is worth showing, and the tests assert on it.

use aws_sdk_cloudwatch::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_cloudwatch::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Requests per operation name (`GetMetricData`, `GetCurrentMetricData`, …). Cheap to clone;
/// every client of one `AwsContext` shares one.
#[derive(Debug, Clone, Default)]
pub struct ApiStats {
    counts: Arc<Mutex<BTreeMap<String, u64>>>,
}

impl ApiStats {
    pub fn count(&self, operation: &str) -> u64 {
        self.counts.lock().map(|c| c.get(operation).copied().unwrap_or(0)).unwrap_or(0)
    }

    pub fn all(&self) -> BTreeMap<String, u64> {
        self.counts.lock().map(|c| c.clone()).unwrap_or_default()
    }

    pub fn total(&self) -> u64 {
        self.all().values().sum()
    }

    fn bump(&self, operation: &str) {
        if let Ok(mut c) = self.counts.lock() {
            *c.entry(operation.to_string()).or_default() += 1;
        }
    }
}

impl Intercept for ApiStats {
    fn name(&self) -> &'static str {
        "SwitchboardApiStats"
    }

    // Runs once per attempt, just before the request is sent: retries count too.
    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(meta) = cfg.load::<Metadata>() {
            self.bump(meta.name());
        }
        Ok(())
    }
}
