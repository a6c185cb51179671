//! Which points a sweep runs: all of them (`grid`), `n` distinct ones drawn with a seed
//! (`random`), restricted to a shard (`id mod N == i`); and the small seeded generator the
//! searches share (SplitMix64: tiny, fast, the same stream on every platform).

use super::space::Space;
use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

/// Deterministic 64-bit generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`), without modulo bias (Lemire's method).
    pub fn below(&mut self, n: u64) -> u64 {
        let n = n.max(1);
        loop {
            let m = u128::from(self.next_u64()) * u128::from(n);
            let low = m as u64;
            if low >= n.wrapping_neg() % n {
                return (m >> 64) as u64;
            }
        }
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `--shard i/N`: this process runs the points whose id mod N is i.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    pub fn contains(&self, id: u64) -> bool {
        id % self.count == self.index
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("--shard `{s}`: expected I/N with 0 <= I < N, e.g. 0/4");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u64 = i.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

/// Number of ids in `0..size` that `shard` keeps.
pub fn shard_count(size: u64, shard: Option<Shard>) -> u64 {
    match shard {
        None => size,
        Some(s) => size / s.count + u64::from(size % s.count > s.index),
    }
}

/// `n` distinct ids drawn uniformly from `0..size` (all of them when `n >= size`), sorted.
/// Robert Floyd's algorithm: exactly `n` draws, memory proportional to `n`, not to `size`.
pub fn random_ids(size: u64, n: u64, seed: u64) -> Vec<u64> {
    if n >= size {
        return (0..size).collect();
    }
    let mut rng = Rng::new(seed);
    let mut chosen: HashSet<u64> = HashSet::with_capacity(n as usize);
    for j in size - n..size {
        let t = rng.below(j + 1);
        if !chosen.insert(t) {
            chosen.insert(j);
        }
    }
    let mut ids: Vec<u64> = chosen.into_iter().collect();
    ids.sort_unstable();
    ids
}

/// The ids a grid or random search runs, in increasing order, restricted to `shard`.
pub enum PlannedIds {
    Range {
        next: u64,
        end: u64,
        shard: Option<Shard>,
    },
    List {
        ids: std::vec::IntoIter<u64>,
        shard: Option<Shard>,
    },
}

impl PlannedIds {
    pub fn grid(space: &Space, shard: Option<Shard>) -> PlannedIds {
        let next = shard.map(|s| s.index).unwrap_or(0);
        PlannedIds::Range {
            next,
            end: space.size(),
            shard,
        }
    }

    pub fn random(space: &Space, n: u64, seed: u64, shard: Option<Shard>) -> PlannedIds {
        PlannedIds::List {
            ids: random_ids(space.size(), n, seed).into_iter(),
            shard,
        }
    }
}

impl Iterator for PlannedIds {
    type Item = u64;
    fn next(&mut self) -> Option<u64> {
        match self {
            PlannedIds::Range { next, end, shard } => {
                if *next >= *end {
                    return None;
                }
                let id = *next;
                *next = next.saturating_add(shard.map(|s| s.count).unwrap_or(1));
                Some(id)
            }
            PlannedIds::List { ids, shard } => ids.find(|id| shard.is_none_or(|s| s.contains(*id))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::space::{Param, ParamValue};

    #[test]
    fn rng_is_deterministic_and_in_range() {
        let a: Vec<u64> = (0..5)
            .scan(Rng::new(7), |r, _| Some(r.next_u64()))
            .collect();
        let b: Vec<u64> = (0..5)
            .scan(Rng::new(7), |r, _| Some(r.next_u64()))
            .collect();
        assert_eq!(a, b);
        let mut r = Rng::new(1);
        let mut seen = [0u32; 3];
        for _ in 0..3000 {
            seen[r.below(3) as usize] += 1;
        }
        assert!(seen.iter().all(|c| (900..1100).contains(c)), "{seen:?}");
        assert!((0..1000).all(|_| (0.0..1.0).contains(&r.unit())));
    }

    #[test]
    fn shards_partition_the_ids() {
        let params = vec![Param {
            key: "a".into(),
            values: (0..10).map(ParamValue::Int).collect(),
        }];
        let space = Space::new(1, &params).unwrap();
        let mut all: Vec<u64> = Vec::new();
        for i in 0..3 {
            let shard = Some(Shard { index: i, count: 3 });
            let ids: Vec<u64> = PlannedIds::grid(&space, shard).collect();
            assert_eq!(ids.len() as u64, shard_count(10, shard));
            all.extend(ids);
        }
        all.sort_unstable();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        assert_eq!("1/4".parse::<Shard>(), Ok(Shard { index: 1, count: 4 }));
        for bad in ["4/4", "1", "a/2", "0/0", "-1/2"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn random_ids_are_distinct_sorted_and_seeded() {
        let ids = random_ids(1_000_000_000_000, 500, 42);
        assert_eq!(ids.len(), 500);
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(ids, random_ids(1_000_000_000_000, 500, 42));
        assert_ne!(ids, random_ids(1_000_000_000_000, 500, 43));
        assert_eq!(random_ids(5, 9, 1), vec![0, 1, 2, 3, 4]);
        let small = random_ids(10, 9, 3);
        assert_eq!(small.len(), 9);
        assert!(small.iter().all(|i| *i < 10));
    }
}
