//! Per-second values over the last minute: CloudWatch's 1-minute period, which is what every
//! rate in a snapshot means.

pub const WINDOW: usize = 60;

#[derive(Debug, Clone)]
pub struct Window<T> {
    slots: [T; WINDOW],
}

impl<T: Copy + Default> Default for Window<T> {
    fn default() -> Self {
        Window { slots: [T::default(); WINDOW] }
    }
}

impl<T: Copy + Default> Window<T> {
    /// Every second of the last minute at `v` (a level that was already there).
    pub fn filled(v: T) -> Self {
        Window { slots: [v; WINDOW] }
    }

    /// Records the value of second `t`, overwriting the one from a minute earlier.
    pub fn set(&mut self, t: i64, v: T) {
        self.slots[t.rem_euclid(WINDOW as i64) as usize] = v;
    }
}

impl Window<u32> {
    pub fn sum(&self) -> u64 {
        self.slots.iter().map(|&v| u64::from(v)).sum()
    }

    pub fn max(&self) -> u32 {
        self.slots.iter().copied().max().unwrap_or(0)
    }
}

impl Window<f64> {
    pub fn sum(&self) -> f64 {
        self.slots.iter().sum()
    }

    /// The lowest second of the minute (CloudWatch's Minimum).
    pub fn min(&self) -> f64 {
        self.slots.iter().copied().fold(f64::INFINITY, f64::min)
    }

    pub fn mean(&self) -> f64 {
        self.sum() / WINDOW as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minute_later_the_slot_is_reused() {
        let mut w = Window::<u32>::default();
        w.set(5, 3);
        w.set(6, 4);
        assert_eq!(w.sum(), 7);
        w.set(65, 1);
        assert_eq!(w.sum(), 5);
        w.set(-1, 2);
        assert_eq!(w.max(), 4);
        assert_eq!(w.sum(), 7);
    }
}
