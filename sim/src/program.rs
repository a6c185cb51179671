//! The Program IR: what the compiler (`mappings`) emits and the engine executes. A Program is a
//! DAG of tasks; each task is bound to one hardware resource and lists the tasks it waits for.
//! Tasks on the same resource run one at a time in the order they appear in `tasks` (program
//! order), so the compiler controls overlap by the order it emits and by dependencies.
//!
//! Tasks store their dependencies as a range into one shared `deps` array (no per-task
//! allocation); task ids are indices into `tasks` and every dependency points to an earlier task,
//! which makes program order a topological order.

use serde::Serialize;

/// Index of a task in [`Program::tasks`].
pub type TaskId = u32;

/// What a DRAM transfer carries: the engine reports bytes per class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DataClass {
    Weights,
    KvCache,
    Activations,
    /// Recurrent state of conv and state-space / DeltaNet layers.
    State,
}

/// Vector-unit operation kinds (costs per element come from `chip.vector`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VectorOp {
    RmsNorm,
    Rope,
    Softmax,
    Silu,
    /// GELU, tanh approximation (GeGLU MLPs).
    Gelu,
    Add,
    Argmax,
    /// Multiply-accumulate work run on the vector unit (attention scores and values, and the
    /// element-wise SiLU·up product).
    Mac,
    /// Embedding row lookup / copy.
    Copy,
}

/// A hardware resource a task occupies while it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    /// The DRAM subsystem (all channels; the DRAM model interleaves requests itself).
    Dram,
    /// A group of macros that the mapping treats as one unit (a pipeline stage, a ping-pong
    /// half, ...). Groups are numbered from 0 and never share macros.
    MacroGroup(u32),
    /// The weight-write port of macro group `g`, for macros with ping-pong weight copies
    /// (`macro.ping_pong`): a write into the shadow copy runs here while the group's
    /// `MacroGroup(g)` computes on the active copy. Only `MacroWrite` tasks run on it; a
    /// compiler that uses it orders a write after the compute that last used the copy it
    /// overwrites.
    MacroWritePort(u32),
    /// The vector / special-function unit.
    Vector,
    /// The dedicated attention MAC array (`chip.attention_array`), when attention runs there.
    AttentionArray,
    /// The on-chip datapath from the global buffer over the interconnect into the tile
    /// buffers, as slow as its slowest hop per transfer: the streamed weights.
    Interconnect,
    /// The interconnect's activation channel: input activations broadcast to the tiles. A
    /// separate queue so that an activation transfer waiting for its op's input never holds
    /// back the weight stream behind it in program order (nor the reverse); activations are
    /// under 1% of decode traffic, so the channels do not share bandwidth.
    ActivationBus,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// Read `bytes` starting at `addr` (byte address in the DRAM address space).
    DramRead {
        addr: u64,
        bytes: u64,
        class: DataClass,
    },
    /// Write `bytes` starting at `addr`.
    DramWrite {
        addr: u64,
        bytes: u64,
        class: DataClass,
    },
    /// Write `bits` of weights into `macros` macros of the group (spread evenly over them, written
    /// in parallel at each macro's write bandwidth).
    MacroWrite { macros: u32, bits: u64 },
    /// `macros` macros each run `tiles_per_macro` weight tiles (one after another) against
    /// `vectors` input vectors; `macs` is the useful MAC count (tiles may be partly filled).
    MacroCompute {
        macros: u32,
        tiles_per_macro: u32,
        vectors: u64,
        macs: u64,
    },
    /// A vector-unit op over `elements` elements; `macs` counts MAC work done here.
    Vector {
        op: VectorOp,
        elements: u64,
        macs: u64,
    },
    /// `macs` attention MACs on the attention array (`chip.attention_array.lanes` per cycle).
    AttentionMac { macs: u64 },
    /// Move `bytes` across the on-chip datapath: read from the global buffer (when
    /// `from_global_buffer`), over the interconnect, into the tile buffers. `tiles` tile buffers
    /// share the payload (a weight batch spread over the tiles of its macros); 1 for a
    /// broadcast, where every tile takes all of it (activations).
    Transfer {
        bytes: u64,
        tiles: u32,
        from_global_buffer: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Task {
    pub kind: TaskKind,
    pub resource: Resource,
    /// Range into [`Program::deps`].
    pub deps_start: u32,
    pub deps_len: u32,
    /// Index into [`Program::labels`]: which graph op this task belongs to.
    pub label: u32,
    /// Decoder layer the task belongs to, or `None` for embedding / final norm / LM head.
    pub layer: Option<u32>,
}

/// A DAG of tasks for one phase (prefill, or one decode step).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Program {
    pub tasks: Vec<Task>,
    pub deps: Vec<TaskId>,
    /// Op names (`layer3.q_proj`, `lm_head`, ...), shared by the tasks of one op.
    pub labels: Vec<String>,
}

impl Program {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or reuses) a label and returns its index.
    pub fn label(&mut self, name: &str) -> u32 {
        if let Some(last) = self.labels.last() {
            if last == name {
                return (self.labels.len() - 1) as u32;
            }
        }
        self.labels.push(name.to_string());
        (self.labels.len() - 1) as u32
    }

    /// Appends a task that waits for `deps` (each must be an earlier task) and returns its id.
    pub fn push(
        &mut self,
        kind: TaskKind,
        resource: Resource,
        deps: &[TaskId],
        label: u32,
        layer: Option<u32>,
    ) -> TaskId {
        let id = self.tasks.len() as TaskId;
        debug_assert!(deps.iter().all(|&d| d < id), "dependency on a later task");
        let deps_start = self.deps.len() as u32;
        self.deps.extend_from_slice(deps);
        self.tasks.push(Task {
            kind,
            resource,
            deps_start,
            deps_len: deps.len() as u32,
            label,
            layer,
        });
        id
    }

    pub fn deps_of(&self, id: TaskId) -> &[TaskId] {
        let t = &self.tasks[id as usize];
        &self.deps[t.deps_start as usize..(t.deps_start + t.deps_len) as usize]
    }

    /// Total MACs over all tasks (macro computes and vector MAC work).
    pub fn macs(&self) -> u64 {
        self.tasks
            .iter()
            .map(|t| match t.kind {
                TaskKind::MacroCompute { macs, .. }
                | TaskKind::Vector { macs, .. }
                | TaskKind::AttentionMac { macs } => macs,
                TaskKind::DramRead { .. }
                | TaskKind::DramWrite { .. }
                | TaskKind::MacroWrite { .. }
                | TaskKind::Transfer { .. } => 0,
            })
            .sum()
    }

    /// Bytes read from DRAM, as requested (before rounding to bursts).
    pub fn dram_read_bytes(&self) -> u64 {
        self.tasks
            .iter()
            .map(|t| match t.kind {
                TaskKind::DramRead { bytes, .. } => bytes,
                _ => 0,
            })
            .sum()
    }

    /// Bytes written to DRAM, as requested (before rounding to bursts).
    pub fn dram_write_bytes(&self) -> u64 {
        self.tasks
            .iter()
            .map(|t| match t.kind {
                TaskKind::DramWrite { bytes, .. } => bytes,
                _ => 0,
            })
            .sum()
    }

    /// Number of distinct macro groups used (a group's write port counts as its group).
    pub fn macro_groups(&self) -> u32 {
        self.tasks
            .iter()
            .filter_map(|t| match t.resource {
                Resource::MacroGroup(g) | Resource::MacroWritePort(g) => Some(g + 1),
                _ => None,
            })
            .max()
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deps_are_stored_per_task_and_counts_sum() {
        let mut p = Program::new();
        let l = p.label("layer0.q_proj");
        let a = p.push(
            TaskKind::DramRead {
                addr: 0,
                bytes: 100,
                class: DataClass::Weights,
            },
            Resource::Dram,
            &[],
            l,
            Some(0),
        );
        let b = p.push(
            TaskKind::MacroWrite {
                macros: 2,
                bits: 800,
            },
            Resource::MacroGroup(1),
            &[a],
            l,
            Some(0),
        );
        let c = p.push(
            TaskKind::MacroCompute {
                macros: 2,
                tiles_per_macro: 1,
                vectors: 1,
                macs: 50,
            },
            Resource::MacroGroup(1),
            &[a, b],
            l,
            Some(0),
        );
        assert_eq!(p.deps_of(a), &[] as &[TaskId]);
        assert_eq!(p.deps_of(b), &[a]);
        assert_eq!(p.deps_of(c), &[a, b]);
        assert_eq!(p.macs(), 50);
        assert_eq!(p.dram_read_bytes(), 100);
        assert_eq!(p.macro_groups(), 2);
        assert_eq!(p.labels.len(), 1);
        // A write port counts as its group.
        p.push(
            TaskKind::MacroWrite { macros: 1, bits: 8 },
            Resource::MacroWritePort(4),
            &[c],
            l,
            Some(0),
        );
        assert_eq!(p.macro_groups(), 5);
    }
}
