//! The `analytic` fidelity: time and energy of one phase in closed form, op by op, under the
//! same plan (groups, stages, residency) and the same hardware numbers as the compiled Program,
//! without building it.
//!
//! Each op is reduced to a handful of numbers (DRAM time, write time, compute time of its
//! batches) and scheduled at op granularity on four resources — DRAM, the streaming macro
//! groups (as one pool of `S` groups), the vector unit and the interconnect — with the data-flow
//! ready time of each op:
//! - `sequential`: nothing overlaps, so the phase is the sum of every op's load, write, compute
//!   and vector time;
//! - pipelined plans: a streamed op's batches go through the closed-form flow line of
//!   `pipeline.rs` — DRAM reads running ahead of the writes by what the global buffer holds,
//!   writes on the groups' ports (overlapping the computes under ping-pong), computes once the
//!   input is ready — with the couplings to earlier ops' batches kept, so a stall at an op
//!   boundary (attention on the vector unit, a norm) holds back exactly the writes and reads
//!   the weight copies and the buffer cannot absorb.

use crate::hw::HwNumbers;
use crate::layout::{bytes_of, BIAS_BITS};
use crate::lower::{merge_factor, MatrixJob};
use crate::pipeline::{Pipeline, StreamedOp};
use crate::strategy::{CompileContext, MappingPlan, MappingStrategy};
use crate::tiling::MatrixTiling;
use crate::work::{gated_silu, work, Work};
use crate::MappingError;
use serde::Serialize;
use sim::components::{
    attention_array_cycles, attention_array_energy_pj, buffer_access_energy_pj, compute_energy_pj,
    leakage_energy_pj, outputs_per_macro, path_cycles, static_power_mw, transfer_energy_pj,
    vector_cycles, vector_energy_pj, write_energy_pj, Path,
};
use sim::config::{AttentionPlacement, HardwareKind, WeightPath};
use sim::program::VectorOp;
use std::collections::BTreeMap;
use workloads::{expected_distinct_experts, DecoderGraph, Op, Phase};

/// What limits a phase (or an op).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Bound {
    Dram,
    Compute,
    Write,
    Vector,
    /// The on-chip datapath: global buffer port, interconnect, tile buffer ports.
    Interconnect,
    /// The dedicated attention array (`chip.attention = "array"`).
    Attention,
}

impl Bound {
    pub fn as_str(&self) -> &'static str {
        match self {
            Bound::Dram => "dram",
            Bound::Compute => "compute",
            Bound::Write => "write",
            Bound::Vector => "vector",
            Bound::Interconnect => "interconnect",
            Bound::Attention => "attention",
        }
    }
}

/// One op's share of a phase, for `cimsim compile`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpEstimate {
    pub name: String,
    pub tiles: u64,
    /// Group fills (batches) the op's tiles take; 0 for a resident matrix.
    pub batches: u64,
    /// Macros of one batch (or of the resident slot).
    pub macros: u64,
    pub resident: bool,
    pub dram_bytes: u64,
    pub dram_s: f64,
    /// Macro write and compute time, per group in parallel (summed over batches / groups).
    pub write_s: f64,
    pub compute_s: f64,
    pub vector_s: f64,
    /// On-chip transfers (activations in, streamed weights to the tiles).
    pub transfer_s: f64,
    /// Attention MACs on the attention array (0 when attention runs on the vector unit).
    pub attention_s: f64,
    pub bound: Bound,
}

impl OpEstimate {
    /// The op's busy time per resource, in the `B_*` slots.
    fn busy(&self) -> [f64; 6] {
        let mut b = [0.0; 6];
        b[B_DRAM] = self.dram_s;
        b[B_WRITE] = self.write_s;
        b[B_COMPUTE] = self.compute_s;
        b[B_VECTOR] = self.vector_s;
        b[B_IC] = self.transfer_s;
        b[B_ATTENTION] = self.attention_s;
        b
    }
}

/// Closed-form result of one phase.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnalyticPhase {
    pub time_s: f64,
    /// By component, with the engine's names (`dram_act_pre`, `dram_read_write`, `dram_io`,
    /// `dram_refresh`, `dram_background`, `macro_compute`, `macro_write`, `vector`,
    /// `interconnect`, `buffer`, `leakage`; a roofline device: `device`).
    pub energy_pj: BTreeMap<String, f64>,
    /// Time during which a resource kind is busy (`dram`, `macro_write`, `macro_compute`,
    /// `vector`, `interconnect`); macro groups working in parallel count once, as in the
    /// engine's statistics.
    pub busy_s: BTreeMap<String, f64>,
    pub dram_read_bytes: u64,
    pub dram_write_bytes: u64,
    pub macs: u64,
    pub bound: Bound,
    pub ops: Vec<OpEstimate>,
}

/// The resource with the most busy time; `busy` is indexed by the `B_*` slots.
fn bound_of(busy: &[f64; 6]) -> Bound {
    let mut best = (Bound::Dram, busy[B_DRAM]);
    for (b, v) in [
        (Bound::Compute, busy[B_COMPUTE]),
        (Bound::Write, busy[B_WRITE]),
        (Bound::Vector, busy[B_VECTOR]),
        (Bound::Interconnect, busy[B_IC]),
        (Bound::Attention, busy[B_ATTENTION]),
    ] {
        if v > best.1 {
            best = (b, v);
        }
    }
    best.0
}

#[derive(Default)]
struct Clock {
    dram: f64,
    /// When the streaming groups' computes issued so far have finished.
    compute: f64,
    vector: f64,
    interconnect: f64,
    attention: f64,
}

struct Totals {
    energy: [f64; 7],
    busy: [f64; 6],
    read: u64,
    write: u64,
    macs: u64,
}

// Slot 0 was DRAM energy: the phase's DRAM energy is computed from its bytes, busy time and
// duration where the energy map is built (`HwNumbers::dram_energy`).
const E_COMPUTE: usize = 1;
const E_WRITE: usize = 2;
const E_VECTOR: usize = 3;
const E_IC: usize = 4;
const E_BUFFER: usize = 5;
const E_ATTENTION: usize = 6;
const B_DRAM: usize = 0;
const B_WRITE: usize = 1;
const B_COMPUTE: usize = 2;
const B_VECTOR: usize = 3;
const B_IC: usize = 4;
const B_ATTENTION: usize = 5;

struct Eval<'a> {
    ctx: &'a CompileContext<'a>,
    hw: HwNumbers,
    plan: MappingPlan,
    merge: u64,
    batch: u64,
    serial: bool,
    /// `macro.ping_pong`: writes go to the groups' write ports (see `lower.rs`).
    ping_pong: bool,
    /// Global-buffer bytes that stage streamed weights between DRAM and the macros.
    staging_bytes: u64,
    /// Tile-buffer bytes (all tiles) that stage streamed weights before the macro writes.
    tile_staging_bytes: u64,
    clock: Clock,
    /// The streamed-weight pipeline (reads, writes, computes of every batch so far).
    pipeline: Pipeline,
    /// End of the last task, for serial plans.
    serial_end: f64,
    t: Totals,
    ops: Vec<OpEstimate>,
    /// Keep a per-op [`OpEstimate`] (for `cimsim compile`); runs need only the totals.
    keep_ops: bool,
}

impl Eval<'_> {
    /// Runs `dur` on a resource free at `*free`, not before `ready`; returns the end.
    fn run(&mut self, free: fn(&mut Clock) -> &mut f64, ready: f64, dur: f64) -> f64 {
        let start = if self.serial {
            self.serial_end.max(ready)
        } else {
            free(&mut self.clock).max(ready)
        };
        let end = start + dur;
        *free(&mut self.clock) = end;
        self.serial_end = self.serial_end.max(end);
        end
    }

    fn dram(&mut self, bytes: u64, write: bool, ready: f64) -> f64 {
        self.dram_of(bytes, write, ready, true)
    }

    /// A DRAM transfer; `staged` charges the global buffer for it (everything but streamed
    /// weights on the direct path).
    fn dram_of(&mut self, bytes: u64, write: bool, ready: f64, staged: bool) -> f64 {
        let dur = self.hw.dram_s(bytes);
        if staged {
            self.t.energy[E_BUFFER] +=
                buffer_access_energy_pj(&self.ctx.cfg.chip.global_buffer, bytes);
        }
        self.t.busy[B_DRAM] += dur;
        if write {
            self.t.write += bytes;
        } else {
            self.t.read += bytes;
        }
        self.run(|c| &mut c.dram, ready, dur)
    }

    fn vector(&mut self, vop: VectorOp, elements: u64, macs: u64, ready: f64) -> (f64, f64) {
        let v = &self.ctx.cfg.chip.vector;
        let dur = self.hw.cycles_s(vector_cycles(v, vop, elements));
        self.t.energy[E_VECTOR] += vector_energy_pj(v, vop, elements, macs);
        self.t.busy[B_VECTOR] += dur;
        self.t.macs += macs;
        (self.run(|c| &mut c.vector, ready, dur), dur)
    }

    /// Attention MACs where the configuration runs them: the vector unit, or the attention
    /// array (`chip.attention`).
    /// Returns (end, busy time, whether it ran on the array).
    fn attention_macs(&mut self, macs: u64, ready: f64) -> (f64, f64, bool) {
        let chip = &self.ctx.cfg.chip;
        match (chip.attention, &chip.attention_array) {
            (AttentionPlacement::Array, Some(a)) => {
                let dur = self.hw.cycles_s(attention_array_cycles(a, macs));
                self.t.energy[E_ATTENTION] += attention_array_energy_pj(a, macs);
                self.t.busy[B_ATTENTION] += dur;
                self.t.macs += macs;
                (self.run(|c| &mut c.attention, ready, dur), dur, true)
            }
            // Validation requires the array for `array`; without one, the vector unit.
            (AttentionPlacement::Vector, _) | (AttentionPlacement::Array, None) => {
                let (end, dur) = self.vector(VectorOp::Mac, macs, macs, ready);
                (end, dur, false)
            }
        }
    }

    fn macro_energy(&mut self, bits: u64, macs: u64, passes: u64) {
        let m = &self.hw.cim_macro;
        let chip = &self.ctx.cfg.chip;
        self.t.energy[E_WRITE] += write_energy_pj(m, bits);
        self.t.energy[E_BUFFER] += buffer_access_energy_pj(&chip.tile_buffer, bits.div_ceil(8));
        self.t.energy[E_COMPUTE] += compute_energy_pj(m, self.hw.activation_bits, macs);
        let per_pass = u64::from(m.rows) + outputs_per_macro(m);
        let bytes =
            (passes as f64 * per_pass as f64 * f64::from(self.hw.activation_bits) / 8.0).ceil();
        self.t.energy[E_BUFFER] += bytes * 8.0 * chip.tile_buffer.energy_pj_per_bit;
        self.t.macs += macs;
    }

    /// Returns the op's ready time.
    fn op(&mut self, op: &Op, ready: f64) -> Result<f64, MappingError> {
        match work(op) {
            Work::Matrix {
                in_features,
                out_features,
                then,
            } => {
                let end = self.linear(&MatrixJob::of(op, in_features, out_features), op, ready)?;
                Ok(self.passes(&then, end, op, false))
            }
            Work::Experts {
                top_k,
                in_features,
                width,
                ..
            } => self.experts(op, ready, top_k, (in_features, width)),
            Work::Attention { cached, .. } => {
                let mut at = ready;
                let mut dram_s = 0.0;
                let mut bytes = 0;
                if !self.plan.kv_on_chip && cached > 0 {
                    bytes = cached.saturating_mul(self.kv_row_bytes());
                    dram_s = self.hw.dram_s(bytes);
                    at = at.max(self.dram(bytes, false, 0.0));
                }
                let (end, busy_s, on_array) = self.attention_macs(op.macs, at);
                let vs = if on_array { 0.0 } else { busy_s };
                self.note(op, bytes, dram_s, 0.0, 0.0, vs);
                if let (true, true, Some(est)) = (on_array, self.keep_ops, self.ops.last_mut()) {
                    est.attention_s = busy_s;
                    est.bound = bound_of(&est.busy());
                }
                Ok(end)
            }
            // Costed when the layer ends, where the Program emits it (see `lower.rs`).
            Work::KvAppend => Ok(ready),
            Work::Recurrent => Ok(self.recurrent(op, ready)),
            Work::Embedding => {
                let row = bytes_of(self.ctx.card.hidden_size, u64::from(self.ctx.weight_bits));
                let bytes = op.tokens.saturating_mul(row);
                let at = self.dram(bytes, false, ready);
                let (end, vs) = self.vector(VectorOp::Copy, op.act_write_elements, 0, at);
                self.note(op, bytes, self.hw.dram_s(bytes), 0.0, 0.0, vs);
                Ok(end)
            }
            Work::Vector(passes) => Ok(self.passes(&passes, ready, op, true)),
        }
    }

    /// Vector passes one after the other from `ready`; `own` notes them as the op's estimate
    /// (else they are the tail of a matrix op, already noted).
    fn passes(&mut self, passes: &[(VectorOp, u64)], ready: f64, op: &Op, own: bool) -> f64 {
        let mut at = ready;
        let mut total = 0.0;
        for &(vop, elements) in passes {
            let (end, vs) = self.vector(vop, elements, 0, at);
            at = end;
            total += vs;
        }
        if own {
            self.note(op, 0, 0.0, 0.0, 0.0, total);
        } else if let (true, Some(est)) = (self.keep_ops, self.ops.last_mut()) {
            est.vector_s += total;
            est.bound = bound_of(&est.busy());
        }
        at
    }

    /// Routed experts under uniform-or-skewed routing in expectation: the `D` distinct experts
    /// the phase's rows are expected to touch (`workloads::expected_distinct_experts`,
    /// fractional) stream as one gate/up matrix `in x 2 width D` and one down matrix
    /// `width D x in`, each expert's rows (`rows x top_k / D` on average) through its share.
    fn experts(
        &mut self,
        op: &Op,
        ready: f64,
        top_k: u32,
        shape: (u64, u64),
    ) -> Result<f64, MappingError> {
        let (in_f, width) = shape;
        let moe = self
            .ctx
            .card
            .moe
            .as_ref()
            .ok_or_else(|| MappingError::UnmappableOp {
                op: op.name.clone(),
                reason: "an experts op needs the card's [moe] section".to_string(),
            })?;
        let distinct = expected_distinct_experts(moe, op.tokens).max(1e-9);
        let choices = op.tokens.saturating_mul(u64::from(top_k));
        let vectors = ((choices as f64 / distinct).round() as u64).max(1);
        let widen = |w: u64| ((w as f64 * distinct).round() as u64).max(1);
        let biased = op.bias_elements > 0;
        let name = format!("{}.expected", op.name);
        let up = MatrixJob {
            name: &name,
            in_features: in_f,
            out_features: widen(2 * width),
            vectors,
            macs: choices.saturating_mul(in_f).saturating_mul(2 * width),
            bias_elements: if biased { widen(2 * width) } else { 0 },
        };
        let end = self.linear(&up, op, ready)?;
        let end = self.passes(&gated_silu(choices.saturating_mul(width)), end, op, false);
        let down = MatrixJob {
            name: &name,
            in_features: widen(width),
            out_features: in_f,
            vectors,
            macs: choices.saturating_mul(width).saturating_mul(in_f),
            bias_elements: if biased {
                ((in_f as f64 * distinct).round() as u64).max(1)
            } else {
                0
            },
        };
        self.linear(&down, op, end)
    }

    /// A conv or state update: state read (decode) and written unless on chip, MACs on the
    /// vector unit. The write is off the critical path, as the Program emits it at the layer's
    /// end.
    fn recurrent(&mut self, op: &Op, ready: f64) -> f64 {
        let bits = u64::from(self.ctx.kv_bits);
        let read = bytes_of(op.state_read_elements, bits);
        let write = bytes_of(op.state_write_elements, bits);
        let mut at = ready;
        let (mut bytes, mut dram_s) = (0, 0.0);
        if !self.plan.state_on_chip && read > 0 {
            at = at.max(self.dram(read, false, 0.0));
            bytes += read;
            dram_s += self.hw.dram_s(read);
        }
        let (end, vs) = self.vector(VectorOp::Mac, op.macs, op.macs, at);
        if !self.plan.state_on_chip && write > 0 {
            self.dram(write, true, end);
            bytes += write;
            dram_s += self.hw.dram_s(write);
        }
        self.note(op, bytes, dram_s, 0.0, 0.0, vs);
        end
    }

    /// The DRAM writes of a KV append whose inputs were ready at `ready`.
    fn kv_append(&mut self, op: &Op, ready: f64, phase: Phase) {
        if self.plan.kv_on_chip {
            return;
        }
        // A sliding layer keeps only its window of a long prompt.
        let capacity = match (op.layer, phase) {
            (Some(l), Phase::Prefill { .. }) => {
                let kinds = self.ctx.card.layer_kinds();
                kinds.get(l as usize).map_or(u64::MAX, |k| {
                    self.ctx
                        .card
                        .kv_positions(k.mixer, self.ctx.card.max_context)
                })
            }
            (None, _) | (_, Phase::Decode { .. }) => u64::MAX,
        };
        let positions = match phase {
            Phase::Prefill { tokens } => tokens.min(capacity),
            Phase::Decode { .. } => 1,
        };
        let bytes = positions.saturating_mul(self.kv_row_bytes());
        self.dram(bytes, true, ready);
        self.dram(bytes, true, ready);
        let s = self.hw.dram_s(bytes) * 2.0;
        self.note(op, 2 * bytes, s, 0.0, 0.0, 0.0);
    }

    fn kv_row_bytes(&self) -> u64 {
        bytes_of(
            self.batch.saturating_mul(self.ctx.card.kv_dim()),
            u64::from(self.ctx.kv_bits),
        )
    }

    fn note(
        &mut self,
        op: &Op,
        bytes: u64,
        dram_s: f64,
        write_s: f64,
        compute_s: f64,
        vector_s: f64,
    ) {
        if !self.keep_ops {
            return;
        }
        self.ops.push(OpEstimate {
            name: op.name.clone(),
            tiles: 0,
            batches: 0,
            macros: 0,
            resident: false,
            dram_bytes: bytes,
            dram_s,
            write_s,
            compute_s,
            vector_s,
            transfer_s: 0.0,
            attention_s: 0.0,
            bound: Bound::Dram,
        });
        if let Some(est) = self.ops.last_mut() {
            est.bound = bound_of(&est.busy());
        }
    }
}

impl Eval<'_> {
    fn via_global_buffer(&self) -> bool {
        self.ctx.cfg.chip.weight_path == WeightPath::GlobalBuffer
    }

    /// The on-chip datapath, from the global buffer or not.
    fn path(&self, from_global_buffer: bool) -> Path<'_> {
        let chip = &self.ctx.cfg.chip;
        Path {
            interconnect: &chip.interconnect,
            global_buffer: from_global_buffer.then_some(&chip.global_buffer),
            tile_buffer: &chip.tile_buffer,
        }
    }

    /// Energy of carrying `bytes` of streamed weights over the datapath (as the engine charges
    /// a `Transfer`): the bus, the global buffer read (unless direct), the tile buffer write.
    fn weight_transfer_energy(&mut self, bytes: u64, via_gb: bool) {
        let chip = &self.ctx.cfg.chip;
        self.t.energy[E_IC] += transfer_energy_pj(&chip.interconnect, bytes);
        if via_gb {
            self.t.energy[E_BUFFER] += buffer_access_energy_pj(&chip.global_buffer, bytes);
        }
        self.t.energy[E_BUFFER] += buffer_access_energy_pj(&chip.tile_buffer, bytes);
    }

    /// A task on a resource nothing else uses (a resident group): starts when ready (or, in a
    /// serial plan, after everything before it).
    fn run_private(&mut self, ready: f64, dur: f64) -> f64 {
        let start = if self.serial {
            self.serial_end.max(ready)
        } else {
            ready
        };
        self.serial_end = self.serial_end.max(start + dur);
        start + dur
    }

    fn linear(&mut self, job: &MatrixJob, op: &Op, ready: f64) -> Result<f64, MappingError> {
        let (in_f, out_f) = (job.in_features, job.out_features);
        let hw = &self.hw;
        let tiling = MatrixTiling::new(in_f, out_f, hw.tile);
        let tiles = tiling.tiles().max(1);
        let wb = u64::from(self.ctx.weight_bits);
        let bits = tiling.weights() * wb;
        let bytes = bytes_of(tiling.weights(), wb);
        let bias_bytes = bytes_of(job.bias_elements, BIAS_BITS);
        let vectors = job.vectors;

        let ic = &self.ctx.cfg.chip.interconnect;
        let act_bytes = bytes_of(vectors.saturating_mul(in_f), u64::from(hw.activation_bits));
        let tr = hw.cycles_s(path_cycles(&self.path(true), act_bytes, 1));
        self.t.energy[E_IC] += transfer_energy_pj(ic, act_bytes);
        self.t.energy[E_BUFFER] +=
            buffer_access_energy_pj(&self.ctx.cfg.chip.global_buffer, act_bytes)
                + buffer_access_energy_pj(&self.ctx.cfg.chip.tile_buffer, act_bytes);
        self.t.busy[B_IC] += tr;
        let tr_end = self.run(|c| &mut c.interconnect, ready, tr);

        let mut est = OpEstimate {
            name: if self.keep_ops {
                job.name.to_string()
            } else {
                String::new()
            },
            tiles: tiling.tiles(),
            batches: 0,
            macros: 0,
            resident: false,
            dram_bytes: 0,
            dram_s: 0.0,
            write_s: 0.0,
            compute_s: 0.0,
            vector_s: 0.0,
            transfer_s: tr,
            attention_s: 0.0,
            bound: Bound::Compute,
        };
        let mut bias_end = 0.0;
        let end = if let Some(slot) = self.plan.resident.get(job.name).copied() {
            est.resident = true;
            est.macros = slot.macros;
            let mut write_end = 0.0;
            let mut written = 0;
            if self.plan.load_resident {
                if bias_bytes > 0 {
                    bias_end = self.dram(bias_bytes, false, 0.0);
                }
                let d_end = self.dram(bytes, false, 0.0);
                est.dram_bytes = bytes + bias_bytes;
                est.dram_s = self.hw.dram_s(est.dram_bytes);
                let w = self.hw.write_s(bits.div_ceil(slot.macros.max(1)));
                est.write_s = w;
                self.t.busy[B_WRITE] += w;
                write_end = self.run_private(d_end, w);
                written = bits;
            }
            let c = self.hw.compute_s(1, vectors);
            est.compute_s = c;
            self.t.busy[B_COMPUTE] += c;
            self.macro_energy(written, job.macs, slot.macros.saturating_mul(vectors));
            self.run_private(write_end.max(tr_end), c)
        } else {
            let s = self.plan.stream.ok_or_else(|| MappingError::UnmappableOp {
                op: op.name.clone(),
                reason: "the plan streams no weights but this matrix is not resident".to_string(),
            })?;
            let m = u64::from(s.macros_per_group).max(1);
            let k = self.merge;
            let per_batch = m * k;
            let n_full = tiles / per_batch;
            let rem = tiles % per_batch;
            let n_b = n_full + u64::from(rem > 0);
            let bits_per_tile = bits as f64 / tiles as f64;
            let (w_full, c_full) = if n_full > 0 {
                let bpm = (bits_per_tile * per_batch as f64 / m as f64).ceil() as u64;
                (self.hw.write_s(bpm), self.hw.compute_s(k, vectors))
            } else {
                (0.0, 0.0)
            };
            let (w_rem, c_rem, macros_rem, tpm_rem) = if rem > 0 {
                let macros = rem.div_ceil(k).min(m);
                let tpm = rem.div_ceil(macros);
                let bpm = (bits_per_tile * rem as f64 / macros as f64).ceil() as u64;
                (
                    self.hw.write_s(bpm),
                    self.hw.compute_s(tpm, vectors),
                    macros,
                    tpm,
                )
            } else {
                (0.0, 0.0, 0, 0)
            };
            let write = n_full as f64 * w_full + w_rem;
            let compute = n_full as f64 * c_full + c_rem;
            let passes = (n_full * m * k + macros_rem * tpm_rem).saturating_mul(vectors);
            self.macro_energy(bits, job.macs, passes);
            if bias_bytes > 0 {
                bias_end = self.dram(bias_bytes, false, 0.0);
            }
            let par = u64::from(s.groups).min(n_b).max(1) as f64;
            est.batches = n_b;
            est.macros = m.min(tiles.div_ceil(k));
            est.dram_bytes = bytes + bias_bytes;
            est.dram_s = self.hw.dram_s(est.dram_bytes);
            est.write_s = write / par;
            est.compute_s = compute / par;
            self.t.busy[B_WRITE] += est.write_s;
            self.t.busy[B_COMPUTE] += est.compute_s;
            // The on-chip transfers of the batches (global buffer, bus, tile buffers).
            let n = n_b.max(1);
            let batch_bytes = bytes.div_ceil(n).max(1);
            let tiles_spanned = est
                .macros
                .div_ceil(u64::from(self.ctx.cfg.chip.macros_per_tile).max(1))
                .clamp(1, u64::from(self.ctx.cfg.chip.tiles).max(1));
            let via_gb = self.via_global_buffer();
            let path_s = self.hw.cycles_s(path_cycles(
                &self.path(via_gb),
                batch_bytes,
                tiles_spanned as u32,
            ));
            self.weight_transfer_energy(bytes, via_gb);
            self.t.busy[B_IC] += path_s * n as f64;
            est.transfer_s += path_s * n as f64;
            if self.serial {
                self.dram_of(bytes, false, 0.0, via_gb);
                self.run_private(tr_end, path_s * n as f64 + write + compute)
            } else {
                // The transfers share one datapath behind the one DRAM: the two serial stages
                // are folded into one at the slower's pace. The tile buffers decouple the
                // transfers from the writes by the batches they hold; when they cannot hold a
                // batch, each transfer waits for the write before it and adds to it.
                // The tile buffers take a batch while the oldest drains (see `lower.rs`), so
                // reads run ahead of the writes by the global buffer's batches, the tile
                // buffers' and the one streaming through.
                // A merged batch streams through them one group fill at a time.
                let fill_bytes = batch_bytes.div_ceil(k.max(1)).max(1);
                let tile_batches = self.tile_staging_bytes / fill_bytes;
                let gb_batches = if via_gb {
                    self.staging_bytes / batch_bytes
                } else {
                    0
                };
                let write_s = write / n as f64;
                // Tile buffers smaller than a batch: each transfer waits for the write before
                // it, so transfers and writes alternate on the shared path.
                let path_period = if tile_batches == 0 {
                    path_s + write_s
                } else {
                    path_s
                };
                // A global buffer that holds one batch only frees it when the transfer has
                // carried it out, so the next read cannot overlap that transfer: read and
                // transfer alternate. With room for two or more, reads run ahead.
                let read_s = self.hw.dram_s(bytes) / n as f64;
                let dram_period = if via_gb && gb_batches <= 1 {
                    read_s + path_period
                } else {
                    read_s.max(path_period)
                };
                let op = StreamedOp {
                    n,
                    groups: u64::from(s.groups),
                    dram_s: dram_period,
                    write_s,
                    compute_s: compute / n as f64,
                    latency_s: self.hw.dram_latency_s,
                    buffered: gb_batches + tile_batches + 1,
                    copies: if self.ping_pong { 2 } else { 1 },
                    ready: tr_end,
                };
                let dram_free = self.clock.dram;
                // Costs and energy of the reads; their timing is the pipeline's.
                self.dram_of(bytes, false, dram_free, via_gb);
                let e = self.pipeline.op(&op, dram_free);
                self.clock.dram = e.dram_end;
                self.clock.compute = self.clock.compute.max(e.compute_end);
                e.compute_end
            }
        };
        let mut end = end;
        if job.bias_elements > 0 {
            let (e, vs) = self.vector(
                VectorOp::Add,
                vectors.saturating_mul(out_f),
                0,
                end.max(bias_end),
            );
            est.vector_s = vs;
            end = e;
        }
        est.bound = bound_of(&est.busy());
        if self.keep_ops {
            self.ops.push(est);
        }
        Ok(end)
    }
}

/// The `analytic` fidelity for one phase under `strategy`. A roofline configuration is
/// evaluated by [`roofline_phase`].
pub fn analytic_phase(
    graph: &DecoderGraph,
    ctx: &CompileContext,
    strategy: &dyn MappingStrategy,
) -> Result<AnalyticPhase, MappingError> {
    if ctx.cfg.kind == HardwareKind::Roofline {
        return crate::roofline::roofline_phase(graph, ctx);
    }
    let setup = AnalyticSetup::new(graph, ctx)?;
    analytic_phase_with(graph, ctx, strategy, &setup, true)
}

/// What [`analytic_phase`] derives from the configuration and the graph's shape alone: the
/// hardware numbers and the op order. Graphs that differ only in their KV length (decode steps,
/// `DecoderGraph::set_decode_kv_len`) share one, so a run evaluating every decode step computes
/// it once.
#[derive(Debug, Clone)]
pub struct AnalyticSetup {
    /// `None` for a roofline device, which has no CIM hardware numbers.
    hw: Option<HwNumbers>,
    order: Vec<petgraph::graph::NodeIndex>,
}

impl AnalyticSetup {
    pub fn new(graph: &DecoderGraph, ctx: &CompileContext) -> Result<AnalyticSetup, MappingError> {
        let order = graph.order();
        if order.len() != graph.graph.node_count() {
            return Err(MappingError::GraphCycle);
        }
        let hw = match ctx.cfg.kind {
            HardwareKind::Roofline => None,
            HardwareKind::Cim => Some(HwNumbers::new(ctx)?),
        };
        Ok(AnalyticSetup { hw, order })
    }
}

/// [`analytic_phase`] with a [`AnalyticSetup`] made for `graph`'s shape and `ctx`; `keep_ops`
/// fills [`AnalyticPhase::ops`] (left empty otherwise, which saves an allocation per op).
pub fn analytic_phase_with(
    graph: &DecoderGraph,
    ctx: &CompileContext,
    strategy: &dyn MappingStrategy,
    setup: &AnalyticSetup,
    keep_ops: bool,
) -> Result<AnalyticPhase, MappingError> {
    if ctx.cfg.kind == HardwareKind::Roofline {
        return crate::roofline::roofline_phase(graph, ctx);
    }
    if setup.order.len() != graph.graph.node_count() {
        return Err(MappingError::GraphCycle);
    }
    let hw = match &setup.hw {
        Some(hw) => hw.clone(),
        None => HwNumbers::new(ctx)?,
    };
    let plan = strategy.plan(ctx, graph.phase, graph.batch)?;
    let merge = merge_factor(graph, &plan, hw.tile);
    let order = setup.order.iter().copied();
    let mut ev = Eval {
        ctx,
        hw,
        serial: plan.stream.is_some_and(|s| s.serial),
        ping_pong: ctx.cfg.cim_macro.ping_pong,
        staging_bytes: ctx.cfg.chip.global_buffer.capacity_kib.saturating_mul(1024),
        tile_staging_bytes: crate::lower::tile_staging_bytes(ctx),
        plan,
        merge,
        batch: graph.batch,
        clock: Clock::default(),
        pipeline: Pipeline::default(),
        serial_end: 0.0,
        t: Totals {
            energy: [0.0; 7],
            busy: [0.0; 6],
            read: 0,
            write: 0,
            macs: 0,
        },
        ops: Vec::with_capacity(if keep_ops { setup.order.len() } else { 0 }),
        keep_ops,
    };
    let mut ready = vec![0.0f64; graph.graph.node_count()];
    let mut pending: Option<(&Op, f64)> = None;
    for node in order {
        let op = &graph.graph[node];
        if let Some((append, at)) = pending.take_if(|(a, _)| a.layer != op.layer) {
            ev.kv_append(append, at, graph.phase);
        }
        let at = graph
            .graph
            .neighbors_directed(node, petgraph::Direction::Incoming)
            .map(|p| ready[p.index()])
            .fold(0.0, f64::max);
        if work(op) == Work::KvAppend {
            pending = Some((op, at));
        }
        ready[node.index()] = ev.op(op, at)?;
    }
    if let Some((append, at)) = pending {
        ev.kv_append(append, at, graph.phase);
    }
    let c = &ev.clock;
    let time_s = ready
        .iter()
        .copied()
        .fold(ev.serial_end, f64::max)
        .max(c.dram)
        .max(c.compute)
        .max(c.vector)
        .max(c.interconnect)
        .max(c.attention);
    let time_ps = (time_s * 1e12).round() as u64;
    let e = ev.t.energy;
    // Energies are charged at the nominal operating point; the clock's supply voltage scales
    // the on-chip switching energy (as the engine does, see `sim::components::voltage`).
    let v2 = sim::components::energy_scale_or_nominal(ctx.cfg).dynamic;
    let dram = ev.hw.dram_energy.phase_pj(
        ev.t.read,
        ev.t.write,
        ev.t.busy[B_DRAM] * 1e9,
        time_ps as f64 * 1e-3,
    );
    let energy_pj: BTreeMap<String, f64> = dram
        .iter()
        .map(|(k, v)| (format!("dram_{k}"), *v))
        .chain(
            [
                ("macro_compute", e[E_COMPUTE] * v2),
                ("macro_write", e[E_WRITE] * v2),
                ("vector", e[E_VECTOR] * v2),
                ("interconnect", e[E_IC] * v2),
                ("buffer", e[E_BUFFER] * v2),
                ("attention", e[E_ATTENTION] * v2),
                (
                    "leakage",
                    leakage_energy_pj(static_power_mw(ctx.cfg), time_ps),
                ),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v)),
        )
        .collect();
    let b = ev.t.busy;
    let busy_s: BTreeMap<String, f64> = [
        ("dram", b[B_DRAM]),
        ("macro_write", b[B_WRITE]),
        ("macro_compute", b[B_COMPUTE]),
        ("vector", b[B_VECTOR]),
        ("interconnect", b[B_IC]),
        ("attention", b[B_ATTENTION]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    Ok(AnalyticPhase {
        time_s,
        energy_pj,
        busy_s,
        dram_read_bytes: ev.t.read,
        dram_write_bytes: ev.t.write,
        macs: ev.t.macs,
        bound: bound_of(&b),
        ops: ev.ops,
    })
}
