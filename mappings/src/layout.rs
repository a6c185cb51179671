//! The fixed DRAM layout every strategy uses: where each weight matrix, its bias, the embedding
//! table and the KV cache live. Addresses only need to be deterministic and realistic (aligned,
//! streamed in order), so the DRAM model sees row-buffer locality like a real weight stream.
//!
//! Order: the embedding table at 0 (a tied LM head reads it), then every layer's matrices in
//! graph order, each in its own 4 KiB-aligned region with its bias right after it, then an untied
//! LM head, then per layer a K and a V region. A matrix is stored in tile order (see
//! [`crate::tiling`]), so any run of consecutive tiles is one contiguous byte range.
//! The KV cache is position-major: one row per position holding every sequence of the batch, so
//! the cached positions `0..n` of a layer are one contiguous range and appending a position is
//! one write.

use crate::work::{work, Work};
use workloads::{build_graph, DecoderGraph, ModelCard, OpKind, Phase};

/// Alignment of every region.
pub const REGION_ALIGN_BYTES: u64 = 4096;

/// Biases are stored at 16 bits (the FP16 biases of weight-only-quantised deployments); they are
/// added after the macro's dot product, not stored in the array.
pub const BIAS_BITS: u64 = 16;

/// Bytes of `elements` values of `bits` bits, rounded up to whole bytes.
pub fn bytes_of(elements: u64, bits: u64) -> u64 {
    elements.saturating_mul(bits).div_ceil(8)
}

/// One weight matrix of the model, named like the graph op that uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightMatrix {
    /// `layer3.q_proj`, `layer0.qkv_proj`, `lm_head`, ...
    pub name: String,
    pub layer: Option<u32>,
    pub in_features: u64,
    pub out_features: u64,
    pub bias_elements: u64,
    /// The LM head of a model with tied embeddings: it is the embedding table.
    pub tied_to_embedding: bool,
}

/// Every matrix of the model, in graph order: per layer the mixer's projections (q/k/v or
/// fused qkv, o; a recurrent mixer's in/out projections), the MoE router, every routed expert's
/// fused gate/up and down (`layerN.experts.E.gate_up_proj` / `.down_proj`), the shared experts
/// or the dense MLP's gate/up (or fused gate_up) and down; then the LM head. Read off the
/// decoder graph, so a new op kind with weights needs no change here.
pub fn weight_matrices(card: &ModelCard) -> Vec<WeightMatrix> {
    matrices_of(card, &build_graph(card, Phase::Decode { kv_len: 1 }, 1))
}

/// [`weight_matrices`] read off an already built graph of `card`.
fn matrices_of(card: &ModelCard, graph: &DecoderGraph) -> Vec<WeightMatrix> {
    let mut out = Vec::new();
    for op in graph.ops_in_order() {
        match work(op) {
            Work::Matrix {
                in_features,
                out_features,
                ..
            } => out.push(WeightMatrix {
                name: op.name.clone(),
                layer: op.layer,
                in_features,
                out_features,
                bias_elements: op.bias_elements,
                tied_to_embedding: card.tie_word_embeddings
                    && matches!(op.kind, OpKind::LmHead { .. }),
            }),
            Work::Experts {
                experts,
                in_features,
                width,
                ..
            } => {
                let biased = op.bias_elements > 0;
                for e in 0..experts {
                    for (what, in_f, out_f) in expert_matrices(in_features, width) {
                        out.push(WeightMatrix {
                            name: expert_matrix_name(&op.name, e, what),
                            layer: op.layer,
                            in_features: in_f,
                            out_features: out_f,
                            bias_elements: if biased { out_f } else { 0 },
                            tied_to_embedding: false,
                        });
                    }
                }
            }
            Work::Embedding
            | Work::Attention { .. }
            | Work::KvAppend
            | Work::Recurrent
            | Work::Vector(_) => {}
        }
    }
    out
}

/// The two matrices of one routed expert of width `width` on an `in_features`-wide stream:
/// `(name, in, out)` of the fused gate/up and of down, in the order a row goes through them.
pub fn expert_matrices(in_features: u64, width: u64) -> [(&'static str, u64, u64); 2] {
    [
        ("gate_up_proj", in_features, 2 * width),
        ("down_proj", width, in_features),
    ]
}

/// The name of routed expert `expert`'s matrix `what` (`gate_up_proj` or `down_proj`) of the
/// experts op `op`.
pub fn expert_matrix_name(op: &str, expert: u32, what: &str) -> String {
    format!("{op}.{expert}.{what}")
}

/// Recurrent state of one op (conv window or SSM / DeltaNet state) for the whole batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateRegion {
    /// The op that reads and writes it (`layer3.ssm_scan`, `layer3.ssm_conv`, ...).
    pub op: String,
    pub addr: u64,
    pub bytes: u64,
}

/// Where one matrix lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatrixRegion {
    pub matrix: WeightMatrix,
    pub addr: u64,
    /// Matrix bytes at the weight precision (`ceil(in x out x bits / 8)`).
    pub bytes: u64,
    pub bias_addr: u64,
    pub bias_bytes: u64,
}

/// The whole DRAM image of a model for one weight precision, KV precision and batch.
#[derive(Debug, Clone, PartialEq)]
pub struct MemoryLayout {
    pub weight_bits: u32,
    pub kv_bits: u32,
    pub batch: u64,
    pub matrices: Vec<MatrixRegion>,
    pub embedding_addr: u64,
    /// Bytes of one embedding row (`hidden` weights).
    pub embedding_row_bytes: u64,
    pub vocab_size: u64,
    /// `(k_addr, v_addr, positions)` per layer; `None` for a layer without attention. A full
    /// attention layer holds the model's context, a sliding one its window (a ring).
    pub kv_regions: Vec<Option<(u64, u64, u64)>>,
    /// Bytes of one cached position of one layer's K (or V), all sequences of the batch.
    pub kv_row_bytes: u64,
    /// Recurrent state, after the KV cache, one region per stateful op, stored at the KV
    /// precision.
    pub state_regions: Vec<StateRegion>,
    pub end_addr: u64,
}

fn align(addr: u64) -> u64 {
    addr.div_ceil(REGION_ALIGN_BYTES)
        .saturating_mul(REGION_ALIGN_BYTES)
}

impl MemoryLayout {
    pub fn new(card: &ModelCard, weight_bits: u32, kv_bits: u32, batch: u64) -> MemoryLayout {
        let wb = u64::from(weight_bits);
        let embedding_row_bytes = bytes_of(card.hidden_size, wb);
        let embedding_bytes = bytes_of(card.vocab_size * card.hidden_size, wb);
        let mut next = align(embedding_bytes);
        let mut matrices = Vec::new();
        let graph = build_graph(card, Phase::Decode { kv_len: 1 }, 1);
        for m in matrices_of(card, &graph) {
            let bytes = bytes_of(m.in_features * m.out_features, wb);
            let bias_bytes = bytes_of(m.bias_elements, BIAS_BITS);
            let addr = if m.tied_to_embedding { 0 } else { next };
            if !m.tied_to_embedding {
                next = align(addr.saturating_add(bytes).saturating_add(bias_bytes));
            }
            matrices.push(MatrixRegion {
                bias_addr: addr.saturating_add(bytes),
                matrix: m,
                addr,
                bytes,
                bias_bytes,
            });
        }
        let kv_row_bytes = bytes_of(batch.saturating_mul(card.kv_dim()), u64::from(kv_bits));
        let mut kv_regions = Vec::new();
        for kind in card.layer_kinds() {
            if !kind.mixer.has_attention() {
                kv_regions.push(None);
                continue;
            }
            let positions = card.kv_positions(kind.mixer, card.max_context);
            let region = align(kv_row_bytes.saturating_mul(positions));
            let k = next;
            let v = k.saturating_add(region);
            next = v.saturating_add(region);
            kv_regions.push(Some((k, v, positions)));
        }
        let mut state_regions = Vec::new();
        for op in graph.ops_in_order() {
            if op.state_write_elements == 0 {
                continue;
            }
            let bytes = bytes_of(
                batch.saturating_mul(op.state_write_elements),
                u64::from(kv_bits),
            );
            state_regions.push(StateRegion {
                op: op.name.clone(),
                addr: next,
                bytes,
            });
            next = align(next.saturating_add(bytes));
        }
        MemoryLayout {
            weight_bits,
            kv_bits,
            batch,
            matrices,
            embedding_addr: 0,
            embedding_row_bytes,
            vocab_size: card.vocab_size,
            kv_regions,
            kv_row_bytes,
            state_regions,
            end_addr: next,
        }
    }

    /// The region of the matrix used by graph op `name`.
    pub fn matrix(&self, name: &str) -> Option<&MatrixRegion> {
        self.matrices.iter().find(|r| r.matrix.name == name)
    }

    /// Address of embedding row `token` (token ids wrap at the vocabulary size).
    pub fn embedding_row_addr(&self, token: u64) -> u64 {
        self.embedding_addr + (token % self.vocab_size.max(1)) * self.embedding_row_bytes
    }

    /// Address of position `pos` of layer `layer`'s K (`value = false`) or V cache; a sliding
    /// layer's cache is a ring of its window.
    pub fn kv_addr(&self, layer: u32, value: bool, pos: u64) -> Option<u64> {
        let (k, v, positions) = (*self.kv_regions.get(layer as usize)?)?;
        let base = if value { v } else { k };
        // Full-attention regions hold the whole context, so only a window ever wraps.
        let slot = if pos >= positions && positions > 0 {
            pos % positions
        } else {
            pos
        };
        Some(base.saturating_add(slot.saturating_mul(self.kv_row_bytes)))
    }

    /// Positions layer `layer`'s KV cache holds (0 without attention).
    pub fn kv_capacity(&self, layer: u32) -> u64 {
        self.kv_regions
            .get(layer as usize)
            .copied()
            .flatten()
            .map_or(0, |(_, _, positions)| positions)
    }

    /// The state region of op `name`.
    pub fn state(&self, name: &str) -> Option<&StateRegion> {
        self.state_regions.iter().find(|r| r.op == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card() -> ModelCard {
        workloads::shipped("qwen2.5-0.5b").expect("shipped card")
    }

    #[test]
    fn regions_are_aligned_disjoint_and_biases_follow_their_matrix() {
        let c = card();
        let l = MemoryLayout::new(&c, 4, 8, 2);
        let q = l.matrix("layer0.q_proj").expect("q_proj");
        // 896 x 896 at 4 bits = 401408 bytes; bias 896 x 2 bytes right after.
        assert_eq!(q.bytes, 896 * 896 / 2);
        assert_eq!(q.bias_bytes, 896 * 2);
        assert_eq!(q.bias_addr, q.addr + q.bytes);
        let mut prev_end = bytes_of(c.vocab_size * c.hidden_size, 4);
        for r in l.matrices.iter().filter(|r| !r.matrix.tied_to_embedding) {
            assert_eq!(r.addr % REGION_ALIGN_BYTES, 0, "{}", r.matrix.name);
            assert!(r.addr >= prev_end, "{} overlaps", r.matrix.name);
            prev_end = r.bias_addr + r.bias_bytes;
        }
        // Tied LM head reads the embedding table.
        assert_eq!(l.matrix("lm_head").map(|r| r.addr), Some(0));
        // KV: 2 sequences x 2 kv heads x 64 dims x 1 byte = 256 bytes per position.
        assert_eq!(l.kv_row_bytes, 256);
        let (k0, v0, positions) = l.kv_regions[0].expect("an attention layer");
        assert_eq!(positions, c.max_context);
        assert!(k0 >= prev_end && v0 > k0);
        assert_eq!(l.kv_addr(0, true, 3), Some(v0 + 3 * 256));
        assert_eq!(l.kv_addr(c.num_layers, false, 0), None);
    }

    #[test]
    fn matrix_list_matches_the_parameter_count() {
        for name in workloads::shipped_names() {
            let c = workloads::shipped(name).expect("shipped card");
            let list = weight_matrices(&c);
            let linear: u64 = list
                .iter()
                .filter(|m| m.name != "lm_head")
                .map(|m| m.in_features * m.out_features)
                .sum();
            assert_eq!(
                linear,
                u64::from(c.num_layers) * c.layer_linear_weights(),
                "{name}"
            );
        }
    }
}
