//! Lowering a decoder graph into a Program under a [`MappingPlan`]. Shared by every strategy:
//! the plan says how macros are grouped and what is resident; this file turns each op into
//! tasks with the data-flow and buffer dependencies that plan implies.
//!
//! Per op:
//! - `Linear` / `LmHead`: an interconnect transfer of the input activations, then the tiles.
//!   Streamed matrices go in batches (one group fill each): DRAM read of the batch's contiguous
//!   bytes -> on-chip transfer (global buffer read port, interconnect, the tile buffers of the
//!   group's tiles; one shared `Interconnect` resource as slow as its slowest hop) -> macro
//!   write -> macro compute. With `chip.weight_path = "direct"` the read goes straight onto the
//!   interconnect and the global buffer is skipped. Each store the weights wait in bounds how
//!   far the stage before it runs ahead: a DRAM read waits for the transfers that must drain
//!   older batches from the global buffer (`chip.global_buffer.capacity_kib`), a transfer (on
//!   the direct path, the read) for the macro writes that must drain the tile buffers
//!   (`chip.tile_buffer.capacity_kib` x tiles); at least one batch is always allowed in. A batch's write waits for the compute that last used the weight
//!   copy it overwrites: without `macro.ping_pong` the group has one copy, so that is the
//!   group's previous compute and write and compute share the `MacroGroup` resource; with
//!   ping-pong the write goes to the group's `MacroWritePort` and overwrites the copy of two
//!   fills back, so it overlaps the compute of the previous fill.
//!   Resident matrices compute on their own group; in the first phase they are read and written
//!   first. Biases are read next to the matrix and added on the vector unit.
//! - attention score / value: a DRAM read of the cached K (V) positions, unless the KV buffer
//!   holds the cache, then a vector-unit MAC task with the op's exact MACs.
//! - KV append: DRAM writes of the new K and V positions. Nothing in the phase waits for them
//!   (the new K and V are on chip), so consumers depend on the append's inputs instead.
//! - embedding: one DRAM read per token row, then a vector copy.
//! - norms, RoPE, softmax, residual, SiLU·up, argmax: vector ops over the op's elements.
//!
//! Tasks on one resource run in program order, so "the last task of this op on each group"
//! stands for all of the op's tasks there; that keeps dependency lists short.

use crate::layout::{expert_matrices, expert_matrix_name, MatrixRegion, MemoryLayout};
use crate::strategy::{CompileContext, MappingPlan, StreamPlan};
use crate::tiling::{MatrixTiling, TileShape};
use crate::work::{gated_silu, work, Work};
use crate::MappingError;
use sim::config::{AttentionPlacement, WeightPath};
use sim::program::{DataClass, Program, Resource, TaskId, TaskKind, VectorOp};
use std::collections::VecDeque;
use workloads::{draw_routing, routing_seed, DecoderGraph, Op, Phase};

/// Streamed group fills per phase before consecutive fills of a group are merged into one
/// batch (a macro then runs several tiles per task). Keeps a decode step of a 4B model well
/// under a few hundred thousand tasks on any chip; with fewer fills every batch is one fill.
pub const FILL_BUDGET: u64 = 60_000;

/// Multiplier spreading embedding lookups over the table (token ids are not known; any fixed,
/// scattered choice gives the DRAM model realistic row misses).
const TOKEN_ID_STRIDE: u64 = 2_654_435_761;

struct Lowerer<'a> {
    ctx: &'a CompileContext<'a>,
    plan: &'a MappingPlan,
    layout: MemoryLayout,
    tile: TileShape,
    prog: Program,
    /// Last emitted task, for `serial` plans.
    last: Option<TaskId>,
    /// Tiles per group fill (`macros_per_group x merge`).
    batch_tiles: u64,
    merge: u64,
    next_batch: u64,
    /// Per streaming group: the compute of its last fill and of the fill before that.
    last_compute: Vec<Option<TaskId>>,
    prev_compute: Vec<Option<TaskId>>,
    /// Writes go to the groups' write ports, into the shadow weight copy.
    ping_pong: bool,
    /// Streamed weights held in the global buffer between their DRAM read and the transfer
    /// that carries them on (global-buffer path only).
    global_staging: Staging,
    /// Streamed weights held in the tile buffers between their transfer (or, on the direct
    /// path, their DRAM read) and the macro write that consumes them.
    tile_staging: Staging,
    /// Weights go DRAM -> global buffer -> interconnect (else DRAM -> interconnect directly).
    via_global_buffer: bool,
    macros_per_tile: u64,
    tiles: u64,
    /// The phase, for KV positions and the MoE routing draw.
    phase: Phase,
    /// State writes of the current layer, emitted when it ends (like its KV append).
    state_writes: Vec<StateWrite>,
}

/// A deferred state write: (address, bytes, dependencies, label, layer).
type StateWrite = (u64, u64, Vec<TaskId>, u32, Option<u32>);

/// One matrix product to lower: which stored matrix, its shape, the rows through it.
pub(crate) struct MatrixJob<'a> {
    /// The stored matrix (and residency key).
    pub name: &'a str,
    pub in_features: u64,
    pub out_features: u64,
    pub vectors: u64,
    pub macs: u64,
    pub bias_elements: u64,
}

impl<'a> MatrixJob<'a> {
    /// The job of a graph op with its own weight matrix.
    pub fn of(op: &'a Op, in_features: u64, out_features: u64) -> MatrixJob<'a> {
        MatrixJob {
            name: &op.name,
            in_features,
            out_features,
            vectors: op.tokens,
            macs: op.macs,
            bias_elements: op.bias_elements,
        }
    }
}

impl<'a> MatrixJob<'a> {
    /// `rows` rows through the stored `in x out` matrix `name`, with a bias on its outputs
    /// when `biased`.
    pub fn rows(name: &'a str, shape: (u64, u64), rows: u64, biased: bool) -> MatrixJob<'a> {
        let (in_features, out_features) = shape;
        MatrixJob {
            name,
            in_features,
            out_features,
            vectors: rows,
            macs: rows
                .saturating_mul(in_features)
                .saturating_mul(out_features),
            bias_elements: if biased { out_features } else { 0 },
        }
    }
}

/// A seed identifying the phase for the routing draw: a decode step's KV length, or the prompt
/// length of a prefill (high bit set, so the two never collide).
pub(crate) fn phase_seed(phase: Phase) -> u64 {
    match phase {
        Phase::Decode { kv_len } => kv_len,
        Phase::Prefill { tokens } => tokens | (1 << 63),
    }
}

/// Bytes a buffer holds for tasks that have not drained them yet: (draining task, bytes),
/// oldest first. A new batch waits for the drains that make room for it.
/// - A staging buffer (the global buffer) holds whole batches: a batch may come in when it fits
///   beside the ones not yet drained; at least one batch is always allowed in (a batch larger
///   than the buffer then waits for every older one, so nothing runs ahead of it).
/// - A streaming buffer (the tile buffers, read by the macro write ports as they are filled)
///   takes a new batch while the oldest drains: it may come in once the batches still waiting
///   fit, so with room for one batch a transfer overlaps the write before it, and with room for
///   less the two serialise.
struct Staging {
    queue: VecDeque<(TaskId, u64)>,
    bytes: u64,
    capacity_bytes: u64,
    streaming: bool,
}

impl Staging {
    fn new(capacity_bytes: u64, streaming: bool) -> Staging {
        Staging {
            queue: VecDeque::new(),
            bytes: 0,
            capacity_bytes,
            streaming,
        }
    }

    /// The drains a batch of `bytes` must wait for.
    fn make_room(&mut self, bytes: u64) -> Vec<TaskId> {
        let incoming = if self.streaming { 0 } else { bytes };
        let mut deps = Vec::new();
        while self.bytes.saturating_add(incoming) > self.capacity_bytes {
            let Some((drain, b)) = self.queue.pop_front() else {
                break;
            };
            self.bytes -= b;
            deps.push(drain);
        }
        // Drains run in program order per resource, but resources run in parallel: waiting for
        // every popped drain is what frees their bytes. The list is short.
        deps
    }

    fn hold(&mut self, drain: TaskId, bytes: u64) {
        self.queue.push_back((drain, bytes));
        self.bytes += bytes;
    }
}

impl Lowerer<'_> {
    fn push(
        &mut self,
        kind: TaskKind,
        resource: Resource,
        deps: &[TaskId],
        label: u32,
        layer: Option<u32>,
    ) -> TaskId {
        let mut all: Vec<TaskId> = deps.to_vec();
        if self.stream().is_some_and(|s| s.serial) {
            all.extend(self.last);
        }
        all.sort_unstable();
        all.dedup();
        let id = self.prog.push(kind, resource, &all, label, layer);
        self.last = Some(id);
        id
    }

    fn stream(&self) -> Option<StreamPlan> {
        self.plan.stream
    }

    fn vector(&mut self, op: VectorOp, elements: u64, deps: &[TaskId], l: u32, o: &Op) -> TaskId {
        self.push(
            TaskKind::Vector {
                op,
                elements,
                macs: 0,
            },
            Resource::Vector,
            deps,
            l,
            o.layer,
        )
    }

    fn dram_read(
        &mut self,
        addr: u64,
        bytes: u64,
        class: DataClass,
        deps: &[TaskId],
        l: u32,
        o: &Op,
    ) -> TaskId {
        self.push(
            TaskKind::DramRead { addr, bytes, class },
            Resource::Dram,
            deps,
            l,
            o.layer,
        )
    }

    /// Lowers one op; returns the tasks whose completion means its output is ready.
    fn op(&mut self, op: &Op, inputs: &[TaskId]) -> Result<Vec<TaskId>, MappingError> {
        let label = self.prog.label(&op.name);
        let out = match work(op) {
            Work::Embedding => {
                let mut last = None;
                for row in 0..op.tokens {
                    let addr = self
                        .layout
                        .embedding_row_addr(row.wrapping_mul(TOKEN_ID_STRIDE));
                    let bytes = self.layout.embedding_row_bytes;
                    last = Some(self.dram_read(addr, bytes, DataClass::Weights, inputs, label, op));
                }
                let deps: Vec<TaskId> = inputs.iter().copied().chain(last).collect();
                vec![self.vector(VectorOp::Copy, op.act_write_elements, &deps, label, op)]
            }
            Work::Vector(passes) => self.passes(&passes, inputs.to_vec(), label, op),
            // Emitted later by `lower` (see there); consumers only need the new K and V.
            Work::KvAppend => inputs.to_vec(),
            Work::Attention { value, cached } => {
                vec![self.attention(op, inputs, label, value, cached)?]
            }
            Work::Matrix {
                in_features,
                out_features,
                then,
            } => {
                let job = MatrixJob::of(op, in_features, out_features);
                let ready = self.linear(&job, op, inputs, label)?;
                self.passes(&then, ready, label, op)
            }
            Work::Experts {
                experts,
                in_features,
                width,
                ..
            } => self.experts(op, inputs, label, experts, (in_features, width))?,
            Work::Recurrent => vec![self.recurrent(op, inputs, label)?],
        };
        Ok(out)
    }

    /// Vector passes one after the other, the first after `deps`.
    fn passes(
        &mut self,
        passes: &[(VectorOp, u64)],
        mut deps: Vec<TaskId>,
        label: u32,
        op: &Op,
    ) -> Vec<TaskId> {
        for &(vop, elements) in passes {
            let t = self.vector(vop, elements, &deps, label, op);
            deps = vec![t];
        }
        deps
    }

    /// The routed experts the phase's tokens go to (a seeded draw, see
    /// `workloads::routing`): per expert with tokens, its gate/up matrix, the activation and
    /// its down matrix, each row through only its own experts.
    fn experts(
        &mut self,
        op: &Op,
        inputs: &[TaskId],
        label: u32,
        experts: u32,
        shape: (u64, u64),
    ) -> Result<Vec<TaskId>, MappingError> {
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
        let seed = routing_seed(phase_seed(self.phase), op.layer.unwrap_or(0));
        let counts = draw_routing(moe, op.tokens, seed);
        let biased = op.bias_elements > 0;
        let mut ready = Vec::new();
        for (e, &rows) in counts.iter().enumerate().take(experts as usize) {
            if rows == 0 {
                continue;
            }
            let e = e as u32;
            // Gate/up, the activation over its `width` outputs, down: the expert's rows only.
            let mut deps = inputs.to_vec();
            for (i, (what, in_f, out_f)) in expert_matrices(in_f, width).into_iter().enumerate() {
                if i > 0 {
                    let passes = gated_silu(rows.saturating_mul(width));
                    deps = self.passes(&passes, deps, label, op);
                }
                let name = expert_matrix_name(&op.name, e, what);
                let job = MatrixJob::rows(&name, (in_f, out_f), rows, biased);
                deps = self.linear(&job, op, &deps, label)?;
            }
            ready.extend(deps);
        }
        if ready.is_empty() {
            ready = inputs.to_vec();
        }
        ready.sort_unstable();
        ready.dedup();
        Ok(ready)
    }

    /// A conv or state update: its state read from DRAM (a decode step, unless the state is on
    /// chip), its MACs on the vector unit, its new state written back when the layer ends.
    fn recurrent(
        &mut self,
        op: &Op,
        inputs: &[TaskId],
        label: u32,
    ) -> Result<TaskId, MappingError> {
        let region = if self.plan.state_on_chip {
            None
        } else {
            let r = self
                .layout
                .state(&op.name)
                .ok_or_else(|| MappingError::UnmappableOp {
                    op: op.name.clone(),
                    reason: "no state region for this op in the memory layout".to_string(),
                })?;
            Some((r.addr, r.bytes))
        };
        let mut deps = inputs.to_vec();
        if let (Some((addr, bytes)), true) = (region, op.state_read_elements > 0) {
            deps.push(self.dram_read(addr, bytes, DataClass::State, &[], label, op));
        }
        let t = self.push(
            TaskKind::Vector {
                op: VectorOp::Mac,
                elements: op.macs,
                macs: op.macs,
            },
            Resource::Vector,
            &deps,
            label,
            op.layer,
        );
        if let (Some((addr, bytes)), true) = (region, op.state_write_elements > 0) {
            self.state_writes
                .push((addr, bytes, vec![t], label, op.layer));
        }
        Ok(t)
    }

    /// Emits the current layer's deferred state writes.
    fn flush_state_writes(&mut self) {
        for (addr, bytes, deps, label, layer) in std::mem::take(&mut self.state_writes) {
            self.push(
                TaskKind::DramWrite {
                    addr,
                    bytes,
                    class: DataClass::State,
                },
                Resource::Dram,
                &deps,
                label,
                layer,
            );
        }
    }

    fn kv_append(
        &mut self,
        op: &Op,
        inputs: &[TaskId],
        label: u32,
        phase: Phase,
    ) -> Result<(), MappingError> {
        if self.plan.kv_on_chip {
            return Ok(());
        }
        let layer = op.layer.ok_or_else(|| MappingError::UnmappableOp {
            op: op.name.clone(),
            reason: "a KV append must belong to a layer".to_string(),
        })?;
        // A sliding layer keeps only its window of a long prompt.
        let capacity = self.layout.kv_capacity(layer);
        let (start, positions) = match phase {
            Phase::Prefill { tokens } => (0, tokens.min(capacity)),
            Phase::Decode { kv_len } => (kv_len.saturating_sub(1), 1),
        };
        let bytes = positions.saturating_mul(self.layout.kv_row_bytes);
        for value in [false, true] {
            let addr = self.kv_addr(op, layer, value, start)?;
            self.push(
                TaskKind::DramWrite {
                    addr,
                    bytes,
                    class: DataClass::KvCache,
                },
                Resource::Dram,
                inputs,
                label,
                op.layer,
            );
        }
        Ok(())
    }

    fn kv_addr(&self, op: &Op, layer: u32, value: bool, pos: u64) -> Result<u64, MappingError> {
        self.layout
            .kv_addr(layer, value, pos)
            .ok_or_else(|| MappingError::UnmappableOp {
                op: op.name.clone(),
                reason: format!(
                    "layer {layer} is beyond the model's {} layers",
                    self.layout.kv_regions.len()
                ),
            })
    }

    fn attention(
        &mut self,
        op: &Op,
        inputs: &[TaskId],
        label: u32,
        value: bool,
        cached: u64,
    ) -> Result<TaskId, MappingError> {
        let mut deps = inputs.to_vec();
        if !self.plan.kv_on_chip && cached > 0 {
            let layer = op.layer.ok_or_else(|| MappingError::UnmappableOp {
                op: op.name.clone(),
                reason: "attention must belong to a layer".to_string(),
            })?;
            let addr = self.kv_addr(op, layer, value, 0)?;
            let bytes = cached.saturating_mul(self.layout.kv_row_bytes);
            deps.push(self.dram_read(addr, bytes, DataClass::KvCache, &[], label, op));
        }
        let chip = &self.ctx.cfg.chip;
        let (kind, resource) = match (chip.attention, &chip.attention_array) {
            (AttentionPlacement::Array, Some(_)) => (
                TaskKind::AttentionMac { macs: op.macs },
                Resource::AttentionArray,
            ),
            // Validation requires the array for `array`; without one, the vector unit.
            (AttentionPlacement::Vector, _) | (AttentionPlacement::Array, None) => (
                TaskKind::Vector {
                    op: VectorOp::Mac,
                    elements: op.macs,
                    macs: op.macs,
                },
                Resource::Vector,
            ),
        };
        Ok(self.push(kind, resource, &deps, label, op.layer))
    }

    /// The stored matrix of `job`, checked against the shape the graph asks for.
    fn region(&self, job: &MatrixJob) -> Result<MatrixRegion, MappingError> {
        let (in_f, out_f) = (job.in_features, job.out_features);
        let region = self
            .layout
            .matrix(job.name)
            .ok_or_else(|| MappingError::UnmappableOp {
                op: job.name.to_string(),
                reason: "no weight matrix of the model card has this name".to_string(),
            })?;
        let m = &region.matrix;
        if (m.in_features, m.out_features, m.bias_elements) != (in_f, out_f, job.bias_elements) {
            return Err(MappingError::UnmappableOp {
                op: job.name.to_string(),
                reason: format!(
                    "graph shape {in_f} x {out_f} (bias {}) differs from the card's {} x {} (bias {})",
                    job.bias_elements, m.in_features, m.out_features, m.bias_elements
                ),
            });
        }
        Ok(region.clone())
    }

    /// `job`'s rows through its matrix (resident or streamed), then its bias; `op` is the
    /// graph op it belongs to (for layer and labels).
    fn linear(
        &mut self,
        job: &MatrixJob,
        op: &Op,
        inputs: &[TaskId],
        label: u32,
    ) -> Result<Vec<TaskId>, MappingError> {
        let region = self.region(job)?;
        let (in_f, out_f) = (job.in_features, job.out_features);
        let tiling = MatrixTiling::new(in_f, out_f, self.tile);
        let vectors = job.vectors;
        if tiling.weights().saturating_mul(vectors) != job.macs {
            return Err(MappingError::UnmappableOp {
                op: job.name.to_string(),
                reason: format!(
                    "{} MACs do not equal {vectors} rows x {in_f} x {out_f}",
                    job.macs
                ),
            });
        }
        let act_bytes = crate::layout::bytes_of(
            vectors.saturating_mul(in_f),
            u64::from(self.ctx.activation_bits),
        );
        let transfer = self.push(
            TaskKind::Transfer {
                bytes: act_bytes,
                tiles: 1,
                from_global_buffer: true,
            },
            Resource::ActivationBus,
            inputs,
            label,
            op.layer,
        );
        let wb = u64::from(self.ctx.weight_bits);
        let resident = self.plan.resident.get(job.name).copied();
        let reads_bias = region.bias_bytes > 0 && (resident.is_none() || self.plan.load_resident);
        let bias_read = if reads_bias {
            Some(self.dram_read(
                region.bias_addr,
                region.bias_bytes,
                DataClass::Weights,
                &[],
                label,
                op,
            ))
        } else {
            None
        };
        let mut ready = Vec::new();
        if let Some(slot) = resident {
            let group = Resource::MacroGroup(slot.group);
            let macros = u32::try_from(slot.macros).unwrap_or(u32::MAX);
            let mut deps = vec![transfer];
            if self.plan.load_resident {
                let read = self.dram_read(
                    region.addr,
                    region.bytes,
                    DataClass::Weights,
                    &[],
                    label,
                    op,
                );
                let bits = tiling.weights().saturating_mul(wb);
                deps.push(self.push(
                    TaskKind::MacroWrite { macros, bits },
                    group,
                    &[read],
                    label,
                    op.layer,
                ));
            }
            ready.push(self.push(
                TaskKind::MacroCompute {
                    macros,
                    tiles_per_macro: 1,
                    vectors,
                    macs: job.macs,
                },
                group,
                &deps,
                label,
                op.layer,
            ));
        } else {
            let stream = self.stream().ok_or_else(|| MappingError::UnmappableOp {
                op: job.name.to_string(),
                reason: "the plan streams no weights but this matrix is not resident".to_string(),
            })?;
            let mut used = vec![false; stream.groups as usize];
            let tiles = tiling.tiles();
            let mut start = 0;
            while start < tiles {
                let end = (start + self.batch_tiles).min(tiles);
                let g = (self.next_batch % u64::from(stream.groups)) as usize;
                self.next_batch += 1;
                let group = Resource::MacroGroup(stream.first_group + g as u32);
                let n = end - start;
                let macros = n
                    .div_ceil(self.merge)
                    .min(u64::from(stream.macros_per_group));
                let tiles_per_macro = n.div_ceil(macros);
                let before = tiling.weights_before(start);
                let after = tiling.weights_before(end);
                let byte_start = (before * wb).div_ceil(8);
                let byte_end = (after * wb).div_ceil(8);
                let bytes = byte_end - byte_start;
                // DRAM -> (global buffer ->) interconnect -> tile buffers -> macro write port.
                // A merged batch (several group fills in one task, see `FILL_BUDGET`) streams
                // through the tile buffers one fill at a time.
                let fill_bytes = bytes.div_ceil(self.merge.max(1));
                let (read_deps, mut transfer_deps) = if self.via_global_buffer {
                    (
                        self.global_staging.make_room(bytes),
                        self.tile_staging.make_room(fill_bytes),
                    )
                } else {
                    (self.tile_staging.make_room(fill_bytes), Vec::new())
                };
                let read = self.dram_read(
                    region.addr + byte_start,
                    bytes,
                    DataClass::Weights,
                    &read_deps,
                    label,
                    op,
                );
                transfer_deps.push(read);
                let tiles_spanned = macros
                    .div_ceil(self.macros_per_tile)
                    .clamp(1, self.tiles.max(1));
                let carried = self.push(
                    TaskKind::Transfer {
                        bytes,
                        tiles: tiles_spanned as u32,
                        from_global_buffer: self.via_global_buffer,
                    },
                    Resource::Interconnect,
                    &transfer_deps,
                    label,
                    op.layer,
                );
                if self.via_global_buffer {
                    self.global_staging.hold(carried, bytes);
                }
                // The copy this write overwrites was last computed on one fill back (a single
                // copy) or two fills back (ping-pong).
                let (port, overwritten) = if self.ping_pong {
                    (
                        Resource::MacroWritePort(stream.first_group + g as u32),
                        self.prev_compute[g],
                    )
                } else {
                    (group, self.last_compute[g])
                };
                let write_deps: Vec<TaskId> = std::iter::once(carried).chain(overwritten).collect();
                let macros = macros as u32;
                let write = self.push(
                    TaskKind::MacroWrite {
                        macros,
                        bits: (after - before) * wb,
                    },
                    port,
                    &write_deps,
                    label,
                    op.layer,
                );
                self.tile_staging.hold(write, fill_bytes);
                let compute = self.push(
                    TaskKind::MacroCompute {
                        macros,
                        tiles_per_macro: tiles_per_macro as u32,
                        vectors,
                        macs: (after - before) * vectors,
                    },
                    group,
                    &[write, transfer],
                    label,
                    op.layer,
                );
                self.prev_compute[g] = self.last_compute[g];
                self.last_compute[g] = Some(compute);
                used[g] = true;
                start = end;
            }
            ready.extend(
                used.iter()
                    .enumerate()
                    .filter(|(_, u)| **u)
                    .filter_map(|(g, _)| self.last_compute[g]),
            );
        }
        if job.bias_elements > 0 {
            let deps: Vec<TaskId> = ready.iter().copied().chain(bias_read).collect();
            let elements = vectors.saturating_mul(out_f);
            ready = vec![self.vector(VectorOp::Add, elements, &deps, label, op)];
        }
        Ok(ready)
    }
}

/// Merge factor so the streamed fills of the phase stay within [`FILL_BUDGET`].
pub(crate) fn merge_factor(graph: &DecoderGraph, plan: &MappingPlan, tile: TileShape) -> u64 {
    let Some(stream) = plan.stream else { return 1 };
    let per_fill = u64::from(stream.macros_per_group).max(1);
    let tiles_of = |in_f: u64, out_f: u64| MatrixTiling::new(in_f, out_f, tile).tiles();
    let fills: u64 = graph
        .graph
        .node_weights()
        .filter(|op| !plan.is_resident(&op.name))
        .map(|op| match work(op) {
            Work::Matrix {
                in_features,
                out_features,
                ..
            } => tiles_of(in_features, out_features).div_ceil(per_fill),
            // At most every expert, at most one per routing choice.
            Work::Experts {
                experts,
                top_k,
                in_features,
                width,
            } => {
                let touched = op
                    .tokens
                    .saturating_mul(u64::from(top_k))
                    .min(u64::from(experts));
                let per_expert = tiles_of(in_features, 2 * width).div_ceil(per_fill)
                    + tiles_of(width, in_features).div_ceil(per_fill);
                touched.saturating_mul(per_expert)
            }
            Work::Embedding
            | Work::Attention { .. }
            | Work::KvAppend
            | Work::Recurrent
            | Work::Vector(_) => 0,
        })
        .sum();
    fills.div_ceil(FILL_BUDGET).max(1)
}

/// What all tile buffers together hold of streamed weights.
pub(crate) fn tile_staging_bytes(ctx: &CompileContext) -> u64 {
    let chip = &ctx.cfg.chip;
    chip.tile_buffer
        .capacity_kib
        .saturating_mul(1024)
        .saturating_mul(u64::from(chip.tiles))
}

/// Lowers `graph` under `plan`.
pub(crate) fn lower(
    graph: &DecoderGraph,
    ctx: &CompileContext,
    plan: &MappingPlan,
) -> Result<Program, MappingError> {
    ctx.require_cim()?;
    let tile = TileShape::of_macro(&ctx.cfg.cim_macro, ctx.weight_bits)?;
    let order = graph.order();
    if order.len() != graph.graph.node_count() {
        return Err(MappingError::GraphCycle);
    }
    let merge = merge_factor(graph, plan, tile);
    let groups = plan.stream.map_or(0, |s| s.groups as usize);
    let mut lw = Lowerer {
        ctx,
        plan,
        layout: MemoryLayout::new(ctx.card, ctx.weight_bits, ctx.kv_bits, graph.batch),
        tile,
        prog: Program::new(),
        last: None,
        batch_tiles: plan
            .stream
            .map_or(1, |s| u64::from(s.macros_per_group).max(1) * merge),
        merge,
        next_batch: 0,
        last_compute: vec![None; groups],
        prev_compute: vec![None; groups],
        ping_pong: ctx.cfg.cim_macro.ping_pong && !plan.stream.is_some_and(|s| s.serial),
        global_staging: Staging::new(
            ctx.cfg.chip.global_buffer.capacity_kib.saturating_mul(1024),
            false,
        ),
        tile_staging: Staging::new(tile_staging_bytes(ctx), true),
        via_global_buffer: ctx.cfg.chip.weight_path == WeightPath::GlobalBuffer,
        macros_per_tile: u64::from(ctx.cfg.chip.macros_per_tile).max(1),
        tiles: u64::from(ctx.cfg.chip.tiles),
        phase: graph.phase,
        state_writes: Vec::new(),
    };
    let mut ready: Vec<Vec<TaskId>> = vec![Vec::new(); graph.graph.node_count()];
    // A layer's KV append is emitted when the layer ends: DRAM tasks run in program order, so a
    // write emitted where the graph has it would hold back the K/V cache reads and the next
    // weight reads until the new K and V are computed. Nothing in the phase waits for it.
    let mut pending: Option<(&Op, Vec<TaskId>)> = None;
    for node in order {
        let op = &graph.graph[node];
        if let Some((append, deps)) = pending.take_if(|(a, _)| a.layer != op.layer) {
            let label = lw.prog.label(&append.name);
            lw.kv_append(append, &deps, label, graph.phase)?;
        }
        if lw.state_writes.first().is_some_and(|w| w.4 != op.layer) {
            lw.flush_state_writes();
        }
        let mut inputs: Vec<TaskId> = graph
            .graph
            .neighbors_directed(node, petgraph::Direction::Incoming)
            .flat_map(|p| ready[p.index()].iter().copied())
            .collect();
        inputs.sort_unstable();
        inputs.dedup();
        if work(op) == Work::KvAppend {
            pending = Some((op, inputs.clone()));
        }
        ready[node.index()] = lw.op(op, &inputs)?;
    }
    if let Some((append, deps)) = pending {
        let label = lw.prog.label(&append.name);
        lw.kv_append(append, &deps, label, graph.phase)?;
    }
    lw.flush_state_writes();
    Ok(lw.prog)
}
