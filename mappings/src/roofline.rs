//! The evaluation of `kind = "roofline"` baseline devices (an edge GPU/NPU described by its
//! bandwidth, peak ops and power): each phase takes the longer of its memory time and its
//! compute time, and burns the device's power for that long.

use crate::analytic::{AnalyticPhase, Bound};
use crate::strategy::CompileContext;
use crate::MappingError;
use sim::config::HardwareKind;
use std::collections::BTreeMap;
use workloads::DecoderGraph;

/// A roofline device: time = max(bytes / (bandwidth x efficiency), 2 x MACs / (peak x
/// efficiency)), energy = power x time. Bytes are every weight matrix (and bias), the embedding
/// rows and the KV traffic of the phase, at the context's precisions.
pub fn roofline_phase(
    graph: &DecoderGraph,
    ctx: &CompileContext,
) -> Result<AnalyticPhase, MappingError> {
    let r = ctx
        .cfg
        .roofline
        .as_ref()
        .filter(|_| ctx.cfg.kind == HardwareKind::Roofline)
        .ok_or_else(|| {
            MappingError::Config(format!(
                "configuration `{}` has no [roofline] section with kind = \"roofline\"",
                ctx.cfg.name
            ))
        })?;
    let traffic = crate::traffic::phase_traffic(
        ctx.card,
        ctx.weight_bits,
        ctx.kv_bits,
        graph.phase,
        graph.batch,
        |_| true,
        false,
    );
    let macs = graph.total_macs();
    let bytes = traffic.read_bytes() + traffic.write_bytes();
    let mem_s = bytes as f64 / (r.bandwidth_gbps * 1e9 * r.bandwidth_efficiency).max(1.0);
    let compute_s = 2.0 * macs as f64 / (r.peak_tops * 1e12 * r.compute_efficiency).max(1.0);
    let time_s = mem_s.max(compute_s);
    let bound = if mem_s >= compute_s {
        Bound::Dram
    } else {
        Bound::Compute
    };
    let mut energy_pj = BTreeMap::new();
    energy_pj.insert("device".to_string(), r.power_w * time_s * 1e12);
    let mut busy_s = BTreeMap::new();
    busy_s.insert("dram".to_string(), mem_s);
    busy_s.insert("compute".to_string(), compute_s);
    Ok(AnalyticPhase {
        time_s,
        energy_pj,
        busy_s,
        dram_read_bytes: traffic.read_bytes(),
        dram_write_bytes: traffic.write_bytes(),
        macs,
        bound,
        ops: Vec::new(),
    })
}
