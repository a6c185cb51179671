//! What overlaps what in a decode step: for each kind of vector-unit (or attention-array) op,
//! how much of its time the DRAM kept streaming and whose weights it streamed meanwhile.
//!
//! Model. The step's Program runs once on an engine at `analytic` fidelity with its timeline
//! recorded (every task's span). For each op kind (`attn_score`, `softmax`, `input_norm`, ...,
//! the op name without its layer), the vector time is the union of its tasks' spans; the DRAM
//! time within it is that union intersected with the union of the DRAM tasks' spans. The ops
//! whose DRAM tasks ran inside it are named, most bytes-time first. An op kind with a low DRAM
//! share is where the stream stalls (the `vector_work` cause of `simulate`'s DRAM idle time).

use std::collections::BTreeMap;

use sim::config::HardwareConfig;
use sim::engine::{Engine, EngineOptions, Fidelity};
use sim::program::{Program, Resource};

/// One op kind's overlap with the DRAM stream.
#[derive(Debug, Clone, PartialEq)]
pub struct OpOverlap {
    /// The op name without its layer (`attn_score`).
    pub op: String,
    /// Union of its tasks' spans, seconds.
    pub vector_s: f64,
    /// The part of `vector_s` during which a DRAM task was in flight, seconds.
    pub dram_during_s: f64,
    /// Ops (without layer) whose DRAM tasks overlapped it, by overlap time, longest first.
    pub streaming: Vec<String>,
}

fn local(name: &str) -> &str {
    name.split_once('.').map_or(name, |(_, rest)| rest)
}

/// Merges `spans` (start, end) into disjoint sorted intervals.
fn union(mut spans: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    spans.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(spans.len());
    for (a, b) in spans {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// Total length of the intersection of two disjoint sorted interval lists, ps.
fn intersect_ps(x: &[(u64, u64)], y: &[(u64, u64)]) -> u64 {
    let (mut i, mut j, mut total) = (0, 0, 0);
    while i < x.len() && j < y.len() {
        let lo = x[i].0.max(y[j].0);
        let hi = x[i].1.min(y[j].1);
        total += hi.saturating_sub(lo);
        if x[i].1 < y[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    total
}

/// The overlap of every vector / attention op kind of `program` with the DRAM stream, in
/// program order of first appearance.
pub fn decode_overlap(cfg: &HardwareConfig, program: &Program) -> anyhow::Result<Vec<OpOverlap>> {
    let opts = EngineOptions {
        fidelity: Fidelity::Analytic,
        record_timeline: true,
    };
    let mut engine = Engine::new(cfg, opts)?;
    let stats = engine.run(program)?;
    let mut order: Vec<String> = Vec::new();
    let mut vector: BTreeMap<String, Vec<(u64, u64)>> = BTreeMap::new();
    let mut dram_by_op: BTreeMap<String, Vec<(u64, u64)>> = BTreeMap::new();
    for ev in &stats.timeline {
        let op = local(ev.label_name(program)).to_string();
        let span = (ev.start_ps, ev.end_ps);
        match ev.resource {
            Resource::Vector | Resource::AttentionArray => {
                if !vector.contains_key(&op) {
                    order.push(op.clone());
                }
                vector.entry(op).or_default().push(span);
            }
            Resource::Dram => dram_by_op.entry(op).or_default().push(span),
            Resource::MacroGroup(_)
            | Resource::MacroWritePort(_)
            | Resource::Interconnect
            | Resource::ActivationBus => {}
        }
    }
    let all_dram = union(dram_by_op.values().flatten().copied().collect());
    let dram_by_op: Vec<(String, Vec<(u64, u64)>)> =
        dram_by_op.into_iter().map(|(k, v)| (k, union(v))).collect();
    let mut out = Vec::new();
    for op in order {
        let spans = union(vector.remove(&op).unwrap_or_default());
        let vector_ps: u64 = spans.iter().map(|(a, b)| b - a).sum();
        let mut streaming: Vec<(u64, &String)> = dram_by_op
            .iter()
            .map(|(name, d)| (intersect_ps(&spans, d), name))
            .filter(|(t, _)| *t > 0)
            .collect();
        streaming.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        out.push(OpOverlap {
            vector_s: vector_ps as f64 * 1e-12,
            dram_during_s: intersect_ps(&spans, &all_dram) as f64 * 1e-12,
            streaming: streaming.into_iter().map(|(_, n)| n.clone()).collect(),
            op,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_and_intersection_show_the_arithmetic() {
        let u = union(vec![(5, 8), (0, 3), (2, 4), (8, 9)]);
        assert_eq!(u, vec![(0, 4), (5, 9)]);
        // [0,4)∪[5,9) ∩ [3,6) = [3,4) + [5,6) = 2.
        assert_eq!(intersect_ps(&u, &[(3, 6)]), 2);
        assert_eq!(intersect_ps(&u, &[(9, 20)]), 0);
    }
}
