//! Every AWS source collected together, once per call, composed into one snapshot: what the
//! headless `snapshot` and `runbook run` need (the console runs the sources on their own
//! intervals instead).

use super::compose::{AwsComposer, AwsPart};
use super::context::{AwsContext, AwsSource};
use crate::model::Snapshot;
use crate::source::{SourceError, Telemetry};
use futures::future::{BoxFuture, join_all};

pub struct AwsAllAtOnce {
    label: String,
    sources: Vec<AwsSource>,
    composer: AwsComposer,
}

impl AwsAllAtOnce {
    pub fn new(ctx: &AwsContext) -> Self {
        AwsAllAtOnce { label: ctx.describe(), sources: ctx.sources(), composer: ctx.composer() }
    }

    pub fn composer(&self) -> &AwsComposer {
        &self.composer
    }
}

impl Telemetry for AwsAllAtOnce {
    fn describe(&self) -> String {
        self.label.clone()
    }

    /// The composed snapshot; an error only when no source answered at all (nothing to show).
    fn collect(&mut self) -> BoxFuture<'_, Result<Snapshot, SourceError>> {
        Box::pin(async move {
            let parts: Vec<AwsPart> = self.sources.iter().map(|s| s.part).collect();
            let results = join_all(self.sources.iter_mut().map(|s| s.telemetry.collect())).await;
            let mut first_error = None;
            let mut any_ok = false;
            for (part, result) in parts.into_iter().zip(results) {
                match &result {
                    Ok(_) => any_ok = true,
                    Err(e) if first_error.is_none() => first_error = Some(e.clone()),
                    Err(_) => {}
                }
                self.composer.update(part, result);
            }
            match (any_ok, first_error) {
                (false, Some(e)) => Err(e),
                _ => Ok(self.composer.snapshot()),
            }
        })
    }
}
