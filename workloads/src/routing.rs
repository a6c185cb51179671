//! Mixture-of-experts routing as the simulator models it: which experts a phase's tokens are
//! sent to, drawn deterministically, and the expected number of distinct experts in closed form.
//!
//! Each token picks `top_k` distinct experts. Expert e is picked with inclusion probability
//! `p_e = min(1, c x w_e)`, `w_e = 1 / (e + 1)^s` (`s` = `moe.routing_skew`, 0 = uniform), with
//! `c` chosen so the `p_e` add up to `top_k` (experts that would exceed 1 are capped and the rest
//! rescaled). A draw uses systematic sampling — the experts laid end to end on `[0, top_k)` with
//! lengths `p_e`, one uniform offset `u`, the experts under `u, u+1, ..., u+top_k-1` — which
//! picks exactly `top_k` distinct experts with exactly those probabilities. Tokens draw
//! independently, so over B tokens the expected number of distinct experts is
//! `sum over e of 1 - (1 - p_e)^B`; uniform routing gives `E x (1 - (1 - k/E)^B)`.

use crate::structure::MoeSpec;

/// Inclusion probability of each expert for one token (they sum to `top_k`).
pub fn inclusion_probabilities(moe: &MoeSpec) -> Vec<f64> {
    let e = moe.experts as usize;
    let k = f64::from(moe.top_k.min(moe.experts));
    let w: Vec<f64> = (0..e)
        .map(|i| 1.0 / ((i + 1) as f64).powf(moe.routing_skew))
        .collect();
    let mut p = vec![0.0; e];
    let mut capped = vec![false; e];
    // Cap at 1 and rescale the rest until nothing exceeds 1 (at most E rounds).
    loop {
        let free_k = k - capped.iter().filter(|c| **c).count() as f64;
        let free_w: f64 = (0..e).filter(|&i| !capped[i]).map(|i| w[i]).sum();
        let mut changed = false;
        for i in 0..e {
            if capped[i] {
                p[i] = 1.0;
                continue;
            }
            p[i] = if free_w > 0.0 {
                free_k * w[i] / free_w
            } else {
                0.0
            };
            if p[i] > 1.0 {
                capped[i] = true;
                changed = true;
            }
        }
        if !changed {
            return p;
        }
    }
}

/// Expected distinct experts `tokens` tokens touch (fractional).
pub fn expected_distinct_experts(moe: &MoeSpec, tokens: u64) -> f64 {
    let b = tokens as f64;
    inclusion_probabilities(moe)
        .iter()
        .map(|p| 1.0 - (1.0 - p.min(1.0)).powf(b))
        .sum()
}

/// SplitMix64: a small, well-mixed, deterministic generator (no state beyond a u64).
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A seed for the routing of layer `layer` in a phase identified by `phase_seed` (the
/// simulator uses the KV length of a decode step or the prompt length).
pub fn routing_seed(phase_seed: u64, layer: u32) -> u64 {
    let mut s = phase_seed ^ (u64::from(layer) << 40) ^ 0x005E_ED0F_E4BE_5700;
    splitmix(&mut s)
}

/// Tokens routed to each expert when `tokens` tokens each pick `top_k` experts, drawn from
/// `seed` (same seed, same draw). The counts add up to `tokens x top_k`.
pub fn draw_routing(moe: &MoeSpec, tokens: u64, seed: u64) -> Vec<u64> {
    let p = inclusion_probabilities(moe);
    let k = moe.top_k.min(moe.experts) as usize;
    let mut counts = vec![0u64; p.len()];
    let mut state = seed;
    for _ in 0..tokens {
        // Offset in [0, 1) from the top 53 bits.
        let u = (splitmix(&mut state) >> 11) as f64 / (1u64 << 53) as f64;
        let mut edge = 0.0;
        let mut point = u;
        let mut picked = 0;
        for (i, pi) in p.iter().enumerate() {
            edge += pi;
            // Every point u + j below this expert's right edge (and not taken earlier) is its.
            if picked < k && point < edge {
                counts[i] += 1;
                picked += 1;
                point += 1.0;
            }
        }
        // Rounding can leave the last point past the final edge: give it to the last expert
        // not yet picked by this token, so every token picks exactly k.
        let mut i = p.len();
        while picked < k && i > 0 {
            i -= 1;
            counts[i] += 1;
            picked += 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moe(experts: u32, top_k: u32, skew: f64) -> MoeSpec {
        MoeSpec {
            experts,
            top_k,
            expert_intermediate_size: 8,
            shared_experts: 0,
            shared_intermediate_size: 0,
            router_bias: false,
            expert_bias: false,
            routing_skew: skew,
        }
    }

    #[test]
    fn uniform_routing_has_the_closed_form() {
        let m = moe(64, 6, 0.0);
        for b in [1u64, 2, 8, 64, 1000] {
            let closed = 64.0 * (1.0 - (1.0 - 6.0 / 64.0f64).powf(b as f64));
            assert!(
                (expected_distinct_experts(&m, b) - closed).abs() < 1e-9,
                "{b}"
            );
        }
        // Batch 1 touches exactly top_k experts.
        assert!((expected_distinct_experts(&m, 1) - 6.0).abs() < 1e-12);
    }

    #[test]
    fn probabilities_sum_to_top_k_and_stay_at_most_one() {
        for skew in [0.0, 0.5, 1.0, 3.0] {
            let p = inclusion_probabilities(&moe(32, 4, skew));
            let sum: f64 = p.iter().sum();
            assert!((sum - 4.0).abs() < 1e-9, "{skew}: {sum}");
            assert!(p.iter().all(|x| (0.0..=1.0 + 1e-12).contains(x)));
        }
        // Strong skew caps the hottest experts at 1.
        let p = inclusion_probabilities(&moe(32, 4, 3.0));
        assert!((p[0] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn a_draw_is_deterministic_and_picks_top_k_distinct_per_token() {
        let m = moe(16, 3, 0.7);
        let a = draw_routing(&m, 50, 42);
        assert_eq!(a, draw_routing(&m, 50, 42));
        assert_ne!(a, draw_routing(&m, 50, 43));
        assert_eq!(a.iter().sum::<u64>(), 150);
        // One token: exactly three experts, once each.
        let one = draw_routing(&m, 1, 7);
        assert_eq!(one.iter().filter(|c| **c == 1).count(), 3);
        assert!(one.iter().all(|c| *c <= 1));
    }

    #[test]
    fn the_mean_of_many_draws_matches_the_expectation() {
        for (m, b) in [
            (moe(64, 6, 0.0), 8u64),
            (moe(128, 8, 0.0), 4),
            (moe(32, 4, 1.0), 16),
        ] {
            let draws = 2000u64;
            let mut distinct = 0u64;
            for s in 0..draws {
                let c = draw_routing(&m, b, routing_seed(s, 3));
                distinct += c.iter().filter(|n| **n > 0).count() as u64;
            }
            let mean = distinct as f64 / draws as f64;
            let want = expected_distinct_experts(&m, b);
            assert!(
                (mean - want).abs() / want < 0.02,
                "{} experts top-{} batch {b}: mean {mean}, expected {want}",
                m.experts,
                m.top_k
            );
        }
    }
}
