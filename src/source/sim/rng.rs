//! The simulator's only source of randomness: a seeded ChaCha8 stream plus the few
//! distributions the model needs. Everything random goes through here so a seed replays exactly.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

#[derive(Debug, Clone)]
pub struct SimRng {
    inner: ChaCha8Rng,
}

impl SimRng {
    pub fn new(seed: u64) -> Self {
        SimRng { inner: ChaCha8Rng::seed_from_u64(seed) }
    }

    pub fn u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    /// Uniform in [0, 1), 53 bits.
    pub fn unit(&mut self) -> f64 {
        (self.u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// Integer in [lo, hi] inclusive.
    pub fn range(&mut self, lo: u32, hi: u32) -> u32 {
        if hi <= lo {
            return lo;
        }
        let span = u64::from(hi - lo) + 1;
        lo + (self.u64() % span) as u32
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Exponential with the given mean.
    pub fn exp(&mut self, mean: f64) -> f64 {
        // 1 - unit() is in (0, 1], so the log is finite.
        -mean * (1.0 - self.unit()).ln()
    }

    /// Standard normal (Box–Muller; one of the pair is dropped to keep the state simple).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.unit();
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Poisson count for a mean; `exp_neg` is `exp(-mean)`, cached by callers that sample the
    /// same rate every tick (a thousand queues would otherwise pay for a thousand `exp` calls).
    pub fn poisson_cached(&mut self, mean: f64, exp_neg: f64) -> u32 {
        if mean <= 0.0 {
            return 0;
        }
        if mean < 30.0 {
            // Knuth: multiply uniforms until the product drops under e^-mean.
            let mut k = 0u32;
            let mut p = self.unit();
            while p > exp_neg {
                k += 1;
                p *= self.unit();
            }
            k
        } else {
            // Past 30 the normal approximation is within a fraction of a percent.
            (mean + mean.sqrt() * self.normal()).round().max(0.0) as u32
        }
    }

    pub fn poisson(&mut self, mean: f64) -> u32 {
        if mean <= 0.0 {
            return 0;
        }
        let exp_neg = if mean < 30.0 { (-mean).exp() } else { 0.0 };
        self.poisson_cached(mean, exp_neg)
    }

    /// Binomial(n, p): exact for small n, Poisson/normal approximations beyond.
    pub fn binomial(&mut self, n: u32, p: f64) -> u32 {
        if n == 0 || p <= 0.0 {
            return 0;
        }
        if p >= 1.0 {
            return n;
        }
        if n <= 40 {
            return (0..n).filter(|_| self.chance(p)).count() as u32;
        }
        let mean = f64::from(n) * p;
        let var = mean * (1.0 - p);
        let x = if var < 9.0 { f64::from(self.poisson(mean)) } else { mean + var.sqrt() * self.normal() };
        x.round().clamp(0.0, f64::from(n)) as u32
    }

    /// Handle times: a gamma(2) with the given mean, so very short contacts are rare (unlike a
    /// plain exponential) but there is still a long tail.
    pub fn handle_time(&mut self, mean: f64) -> f64 {
        self.exp(mean / 2.0) + self.exp(mean / 2.0)
    }

    /// A UUID-shaped identifier (version 4 layout), as Connect and SSM print theirs.
    pub fn uuid(&mut self) -> String {
        let a = self.u64();
        let b = self.u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0x0fff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_sane_moments() {
        let mut a = SimRng::new(7);
        let mut b = SimRng::new(7);
        assert_eq!(a.u64(), b.u64());
        let n = 20_000;
        let small: f64 = (0..n).map(|_| f64::from(a.poisson(2.5))).sum::<f64>() / f64::from(n);
        let large: f64 = (0..n).map(|_| f64::from(a.poisson(80.0))).sum::<f64>() / f64::from(n);
        let exp: f64 = (0..n).map(|_| a.exp(10.0)).sum::<f64>() / f64::from(n);
        let bin: f64 = (0..n).map(|_| f64::from(a.binomial(200, 0.1))).sum::<f64>() / f64::from(n);
        assert!((small - 2.5).abs() < 0.06, "poisson(2.5) mean {small}");
        assert!((large - 80.0).abs() < 0.5, "poisson(80) mean {large}");
        assert!((exp - 10.0).abs() < 0.3, "exp(10) mean {exp}");
        assert!((bin - 20.0).abs() < 0.3, "binomial(200, .1) mean {bin}");
    }

    #[test]
    fn uuids_look_like_uuids() {
        let id = SimRng::new(1).uuid();
        assert_eq!(id.len(), 36);
        assert_eq!(id.as_bytes()[14], b'4');
        assert_eq!(id.matches('-').count(), 4);
    }
}
