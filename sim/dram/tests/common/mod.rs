//! Shared test helpers: Python's random stream (MT19937 with `init_by_array` seeding and
//! `getrandbits` rejection sampling for `randrange`) and the reference traces.
#![allow(dead_code)]

use dram::TraceRequest;
use std::path::{Path, PathBuf};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// CPython's Mersenne Twister.
pub struct PyRandom {
    mt: [u32; 624],
    index: usize,
}

impl PyRandom {
    /// `random.seed(n)` for a non-negative integer below 2^32.
    pub fn seed(n: u32) -> PyRandom {
        let mut r = PyRandom {
            mt: [0; 624],
            index: 624,
        };
        r.init_genrand(19_650_218);
        let key = [n];
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..624.max(key.len()) {
            let prev = r.mt[i - 1] ^ (r.mt[i - 1] >> 30);
            r.mt[i] = (r.mt[i] ^ prev.wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= 624 {
                r.mt[0] = r.mt[623];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..623 {
            let prev = r.mt[i - 1] ^ (r.mt[i - 1] >> 30);
            r.mt[i] = (r.mt[i] ^ prev.wrapping_mul(1_566_083_941)).wrapping_sub(i as u32);
            i += 1;
            if i >= 624 {
                r.mt[0] = r.mt[623];
                i = 1;
            }
        }
        r.mt[0] = 0x8000_0000;
        r
    }

    fn init_genrand(&mut self, s: u32) {
        self.mt[0] = s;
        for i in 1..624 {
            let prev = self.mt[i - 1] ^ (self.mt[i - 1] >> 30);
            self.mt[i] = 1_812_433_253u32.wrapping_mul(prev).wrapping_add(i as u32);
        }
        self.index = 624;
    }

    pub fn next_u32(&mut self) -> u32 {
        if self.index >= 624 {
            for i in 0..624 {
                let y = (self.mt[i] & 0x8000_0000) | (self.mt[(i + 1) % 624] & 0x7fff_ffff);
                let mut v = self.mt[(i + 397) % 624] ^ (y >> 1);
                if y & 1 != 0 {
                    v ^= 0x9908_b0df;
                }
                self.mt[i] = v;
            }
            self.index = 0;
        }
        let mut y = self.mt[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^= y >> 18;
        y
    }

    /// `getrandbits(k)` for 1 ≤ k ≤ 64: 32-bit words, least significant first, the last one
    /// cut to the remaining bits.
    pub fn getrandbits(&mut self, k: u32) -> u64 {
        let mut out = 0u64;
        let mut left = k;
        let mut shift = 0;
        while left > 0 {
            let mut r = u64::from(self.next_u32());
            if left < 32 {
                r >>= 32 - left;
            }
            out |= r << shift;
            shift += 32;
            left = left.saturating_sub(32);
        }
        out
    }

    /// `randrange(0, n)` for 1 ≤ n < 2^64 (rejection sampling on `n.bit_length()` bits).
    pub fn randbelow(&mut self, n: u64) -> u64 {
        let k = 64 - n.leading_zeros();
        loop {
            let r = self.getrandbits(k);
            if r < n {
                return r;
            }
        }
    }
}

/// `count` reads with `stride` bytes between them from address 0, all at cycle 0.
pub fn sequential(count: u64, stride: u64, is_write: bool) -> Vec<TraceRequest> {
    (0..count)
        .map(|i| TraceRequest {
            addr: i * stride,
            is_write,
            cycle: 0,
        })
        .collect()
}

/// The reference random trace: `random.seed(seed)`, `randrange(0, span) // align * align`.
pub fn python_random(count: usize, seed: u32, span: u64, align: u64) -> Vec<u64> {
    let mut r = PyRandom::seed(seed);
    (0..count)
        .map(|_| r.randbelow(span) / align * align)
        .collect()
}

pub fn reads_at(addrs: &[u64]) -> Vec<TraceRequest> {
    addrs
        .iter()
        .map(|&addr| TraceRequest {
            addr,
            is_write: false,
            cycle: 0,
        })
        .collect()
}
