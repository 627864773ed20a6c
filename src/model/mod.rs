//! The domain: plain data and pure functions. No I/O, no tokio, no ratatui, no AWS types.

pub mod alerts;
pub mod assess;
pub mod custom;
pub mod health;
pub mod metric;
pub mod notify;
pub mod queue_share;
pub mod series;
pub mod telemetry;
pub mod thresholds;
pub mod time;

pub use alerts::{Alert, AlertBook};
pub use assess::{Assessment, Finding, assess};
pub use custom::{ColumnDef, PaneData, PaneDef, PaneRow, Stat};
pub use health::{Health, Level};
pub use metric::{Direction, MetricId, Unit};
pub use queue_share::QueueShare;
pub use series::{History, Samples, Series, TrendIndex, TrendKey};
pub use telemetry::*;
pub use thresholds::{Threshold, Thresholds};
pub use time::{Timestamp, age, fmt_duration};
