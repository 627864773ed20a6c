//! Spacing of calls to an API whose quota is shared (Connect: 5 requests/s per account and
//! Region, for every engineer and dashboard): each caller waits its turn, so a refresh of many
//! queue pages never bursts.

use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

#[derive(Debug)]
pub struct Pacer {
    min_interval: Duration,
    next_slot: Mutex<Option<Instant>>,
}

impl Pacer {
    pub fn new(min_interval: Duration) -> Self {
        Pacer { min_interval, next_slot: Mutex::new(None) }
    }

    /// Waits until at least `min_interval` has passed since the previous caller's turn.
    pub async fn wait_turn(&self) {
        let mut next = self.next_slot.lock().await;
        let now = Instant::now();
        if let Some(at) = *next
            && at > now
        {
            tokio::time::sleep_until(at).await;
        }
        *next = Some(Instant::now() + self.min_interval);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn turns_are_spaced() {
        let p = Pacer::new(Duration::from_millis(200));
        let start = Instant::now();
        for _ in 0..4 {
            p.wait_turn().await;
        }
        assert_eq!(start.elapsed(), Duration::from_millis(600));
    }
}
