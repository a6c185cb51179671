//! Synthetic request traces: sequential reads, uniformly random reads, and random requests with
//! a given share of writes, all issued at cycle 0, drawn from a fixed xorshift64* stream so the
//! same seed always gives the same trace. Used by the DRAM benchmarks (`cargo bench -p dram`,
//! `cimsim bench --only dram`) and by the `command_digest` example, whose digests depend on
//! these exact traces: changing how addresses or writes are drawn changes every digest.

use crate::spec::DramSpec;
use crate::trace::TraceRequest;

/// The seed the benchmarks and `command_digest` use (the 64-bit golden ratio).
pub const DEFAULT_SEED: u64 = 0x9E37_79B9_7F4A_7C15;

/// What a synthetic trace looks like.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TraceKind {
    /// Reads of consecutive request-sized blocks from address 0, wrapping at the capacity.
    /// Draws nothing from the random stream.
    Sequential,
    /// Reads of uniformly random request-aligned addresses over the whole capacity.
    Random,
    /// Random request-aligned addresses (as [`TraceKind::Random`]); each request is a write
    /// with probability `write_share` (clamped to 0..=1; NaN counts as 0).
    Mixed { write_share: f64 },
}

/// xorshift64*: a small, fast pseudo-random stream; not for anything but test traces.
#[derive(Debug, Clone)]
pub struct TraceRng(u64);

impl TraceRng {
    /// A stream starting from `seed`; the low bit is forced to 1 because an all-zero state
    /// would stay zero forever (so seeds that differ only in that bit, such as 0 and 1, give the
    /// same stream).
    pub fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    /// The next 64-bit value.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// `n` requests of the given kind on `spec`, drawn from a fresh stream seeded with `seed`.
/// Every address is a multiple of `spec.request_bytes()` and the whole request lies within
/// the capacity of all channels; every request is issued at cycle 0. Empty if the spec cannot
/// hold a single request (a zero request size or capacity).
pub fn synthetic_trace(spec: &DramSpec, kind: TraceKind, n: u64, seed: u64) -> Vec<TraceRequest> {
    synthetic_trace_with(spec, kind, n, &mut TraceRng::new(seed))
}

/// As [`synthetic_trace`], drawing from `rng`, so several traces can continue one stream
/// (the benchmarks' random and mixed traces are consecutive stretches of one stream).
/// Random and mixed requests draw one value each; sequential ones draw none.
pub fn synthetic_trace_with(
    spec: &DramSpec,
    kind: TraceKind,
    n: u64,
    rng: &mut TraceRng,
) -> Vec<TraceRequest> {
    let rb = spec.request_bytes();
    let capacity = spec
        .channel_bytes()
        .saturating_mul(u64::from(spec.channels()));
    let Some(slots) = capacity.checked_div(rb).filter(|&s| s > 0) else {
        return Vec::new();
    };
    // Only whole requests: a capacity that is not a multiple of the request size loses its tail.
    let span = slots * rb;
    let random_addr = |r: u64| r % span / rb * rb;
    match kind {
        TraceKind::Sequential => (0..n)
            .map(|i| TraceRequest {
                addr: i % slots * rb,
                is_write: false,
                cycle: 0,
            })
            .collect(),
        TraceKind::Random => (0..n)
            .map(|_| TraceRequest {
                addr: random_addr(rng.next_u64()),
                is_write: false,
                cycle: 0,
            })
            .collect(),
        TraceKind::Mixed { write_share } => {
            // A write when the value lies in the top `write_share` of the u64 range: for 1/2
            // that is the top bit, independent of the low bits the address comes from.
            let share = if write_share.is_nan() {
                0.0
            } else {
                write_share.clamp(0.0, 1.0)
            };
            let threshold = ((1.0 - share) * 18_446_744_073_709_551_616.0) as u128;
            (0..n)
                .map(|_| {
                    let r = rng.next_u64();
                    TraceRequest {
                        addr: random_addr(r),
                        is_write: u128::from(r) >= threshold,
                        cycle: 0,
                    }
                })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets;

    fn spec(channels: u32) -> DramSpec {
        presets::get("lpddr4-3200")
            .expect("shipped preset")
            .with_channels(channels)
    }

    fn capacity(s: &DramSpec) -> u64 {
        s.channel_bytes() * u64::from(s.channels())
    }

    const KINDS: [TraceKind; 4] = [
        TraceKind::Sequential,
        TraceKind::Random,
        TraceKind::Mixed { write_share: 0.5 },
        TraceKind::Mixed { write_share: 0.3 },
    ];

    #[test]
    fn stream_is_xorshift64_star() {
        // From state 1: x ^= x >> 12 keeps 1, x ^= x << 25 gives 2^25 + 1, x ^= x >> 27 keeps
        // it; the output is that times the multiplier.
        let mut rng = TraceRng::new(1);
        assert_eq!(
            rng.next_u64(),
            33_554_433u64.wrapping_mul(0x2545_F491_4F6C_DD1D)
        );
        assert_eq!(TraceRng::new(0).next_u64(), TraceRng::new(1).next_u64());
    }

    #[test]
    fn addresses_aligned_and_within_capacity() {
        for channels in [1, 2] {
            let s = spec(channels);
            let rb = s.request_bytes();
            for kind in KINDS {
                let t = synthetic_trace(&s, kind, 20_000, DEFAULT_SEED);
                assert_eq!(t.len(), 20_000);
                for r in &t {
                    assert_eq!(r.addr % rb, 0, "{kind:?}: {:#x} not aligned", r.addr);
                    assert!(r.addr + rb <= capacity(&s), "{kind:?}: {:#x}", r.addr);
                    assert_eq!(r.cycle, 0);
                }
            }
        }
    }

    #[test]
    fn random_addresses_cover_all_channels() {
        // With 2 channels the capacity doubles: about half the addresses lie in the upper half.
        let s = spec(2);
        let half = capacity(&s) / 2;
        let t = synthetic_trace(&s, TraceKind::Random, 10_000, DEFAULT_SEED);
        let upper = t.iter().filter(|r| r.addr >= half).count();
        assert!(
            (4_500..=5_500).contains(&upper),
            "{upper} of 10000 in the upper half"
        );
    }

    #[test]
    fn write_share_within_tolerance() {
        let s = spec(1);
        for share in [0.0, 0.1, 0.3, 0.5, 0.9, 1.0] {
            let t = synthetic_trace(&s, TraceKind::Mixed { write_share: share }, 20_000, 7);
            let writes = t.iter().filter(|r| r.is_write).count() as f64 / 20_000.0;
            assert!((writes - share).abs() < 0.015, "share {share}: {writes}");
        }
        for kind in [TraceKind::Sequential, TraceKind::Random] {
            assert!(synthetic_trace(&s, kind, 1_000, 7)
                .iter()
                .all(|r| !r.is_write));
        }
        let nan = TraceKind::Mixed {
            write_share: f64::NAN,
        };
        assert!(synthetic_trace(&s, nan, 1_000, 7)
            .iter()
            .all(|r| !r.is_write));
    }

    #[test]
    fn half_writes_is_the_top_bit() {
        // The digests recorded so far were made with `is_write = r >> 63 == 1`.
        let s = spec(1);
        let rb = s.request_bytes();
        let t = synthetic_trace(&s, TraceKind::Mixed { write_share: 0.5 }, 1_000, 3);
        let mut rng = TraceRng::new(3);
        for r in t {
            let v = rng.next_u64();
            assert_eq!(r.is_write, v >> 63 == 1);
            assert_eq!(r.addr, v % capacity(&s) / rb * rb);
        }
    }

    #[test]
    fn deterministic_per_seed() {
        let s = spec(1);
        for kind in KINDS {
            let a = synthetic_trace(&s, kind, 5_000, 42);
            assert_eq!(a, synthetic_trace(&s, kind, 5_000, 42), "{kind:?}");
            if kind != TraceKind::Sequential {
                assert_ne!(a, synthetic_trace(&s, kind, 5_000, 1_042), "{kind:?}");
            }
        }
    }

    #[test]
    fn streams_continue_across_traces() {
        // Random then mixed on one stream equals one run of 2n draws split in two.
        let s = spec(1);
        let mut rng = TraceRng::new(DEFAULT_SEED);
        let seq = synthetic_trace_with(&s, TraceKind::Sequential, 100, &mut rng);
        let a = synthetic_trace_with(&s, TraceKind::Random, 100, &mut rng);
        let b = synthetic_trace_with(&s, TraceKind::Random, 100, &mut rng);
        assert_eq!(seq.len(), 100);
        let both = synthetic_trace(&s, TraceKind::Random, 200, DEFAULT_SEED);
        assert_eq!(both[..100], a[..]);
        assert_eq!(both[100..], b[..]);
    }

    #[test]
    fn sequential_addresses_consecutive_and_wrap() {
        let mut s = spec(1);
        let rb = s.request_bytes();
        let t = synthetic_trace(&s, TraceKind::Sequential, 1_000, DEFAULT_SEED);
        for (i, r) in t.iter().enumerate() {
            assert_eq!(r.addr, i as u64 * rb);
        }
        // One row per bank: a trace longer than the capacity wraps back to address 0.
        s.organization.rows = 1;
        let slots = capacity(&s) / rb;
        let t = synthetic_trace(&s, TraceKind::Sequential, slots + 3, 0);
        assert_eq!(t[slots as usize - 1].addr, (slots - 1) * rb);
        assert_eq!(t[slots as usize].addr, 0);
        assert_eq!(t[slots as usize + 2].addr, 2 * rb);
    }

    #[test]
    fn no_requests_without_capacity() {
        let mut s = spec(1);
        s.organization.rows = 0;
        for kind in KINDS {
            assert!(synthetic_trace(&s, kind, 10, 1).is_empty());
        }
    }
}
