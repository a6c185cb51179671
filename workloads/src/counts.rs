//! Closed-form counts: parameters, bytes and MACs of a model, of one phase and of a whole run.
//! The decoder graph must reproduce the MAC figures here exactly (tested), so the two stay in step.

use crate::card::{ModelCard, QkNormScope};
use crate::structure::{DeltanetSpec, LayerKind, Mamba2Spec, Mixer, Mlp};
use serde::{Deserialize, Serialize};

/// Analytic counts of a model. Weights are counted element by element; bytes assume every
/// parameter is stored at the named precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelCounts {
    /// All parameters: embedding, every layer's projections, norms and biases, final norm, and the
    /// LM head when it is not tied to the embedding.
    pub params: u64,
    /// `params` minus the input embedding table (vocab x hidden); an untied LM head stays in, as
    /// it is a projection that is streamed like the others (the Hugging Face
    /// `num_parameters(exclude_embeddings=True)` convention).
    pub non_embedding_params: u64,
    /// `params` minus the routed experts a token does not use (equal to `params` without MoE).
    pub active_params: u64,
    /// `active_params` minus the input embedding table.
    pub active_non_embedding_params: u64,
    /// MACs of all projections (q/k/v/o, gate/up/down, router, the routed and shared experts a
    /// token uses, the mixers' in/out projections) of one token through all layers; LM head,
    /// attention, convs and state updates excluded.
    pub linear_macs_per_token: u64,
    /// MACs of the LM head for one token (hidden x vocab).
    pub lm_head_macs: u64,
    /// K and V of one token across all attention layers at one byte per element.
    pub kv_bytes_per_token: u64,
    /// Recurrent state (conv windows, SSM and DeltaNet states) of one sequence across all
    /// layers, in elements; the same at every context length.
    pub state_elements_per_sequence: u64,
    /// All parameters at 4 bits (rounded up to whole bytes), embeddings included.
    pub weight_bytes_int4: u64,
    /// All parameters at 8 bits, embeddings included.
    pub weight_bytes_int8: u64,
}

/// Parameters of one layer by part. Matrices are what a token streams through the macros;
/// `other` is what stays on the vector side (norm gains, biases, conv taps, SSM scalars).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LayerParams {
    /// Every matrix element, all experts included.
    pub matrix: u64,
    /// Matrix elements one token uses: router, `top_k` routed experts, shared experts.
    pub active_matrix: u64,
    /// Biases, norms, conv taps, SSM scalars (all experts' biases included).
    pub other: u64,
    /// `other` minus the biases of unselected routed experts.
    pub active_other: u64,
}

impl ModelCard {
    /// Weight elements of one uniform layer's projection matrices (fusion does not change the
    /// count): attention q/k/v/o and the dense gated MLP.
    pub fn layer_linear_weights(&self) -> u64 {
        let h = self.hidden_size;
        let attention = h * self.q_dim() + 2 * h * self.kv_dim() + self.q_dim() * h;
        let mlp = 3 * h * self.intermediate_size;
        attention + mlp
    }

    /// All parameters of one uniform layer (full attention, dense MLP): projections, q/k/v
    /// biases, the two RMSNorm gains and the per-head q/k norm gains.
    pub fn layer_params(&self) -> u64 {
        let p = self.layer_params_of(LayerKind {
            mixer: Mixer::Attention,
            mlp: Mlp::Dense,
        });
        p.matrix + p.other
    }

    /// Parameters of a layer of kind `kind`, by part (closed forms, independent of the graph).
    pub fn layer_params_of(&self, kind: LayerKind) -> LayerParams {
        let h = self.hidden_size;
        let mut p = LayerParams::default();
        let mut both = |matrix: u64, other: u64| {
            p.matrix += matrix;
            p.active_matrix += matrix;
            p.other += other;
            p.active_other += other;
        };
        // Norm gains: before the mixer and before the MLP (after both too with sandwich norms).
        let norms = match (kind.mlp, self.sandwich_norm) {
            (Mlp::None, false) => 1,
            (Mlp::None, true) => 2,
            (Mlp::Dense | Mlp::Moe, false) => 2,
            (Mlp::Dense | Mlp::Moe, true) => 4,
        };
        both(0, norms * h);
        let attention = |both: &mut dyn FnMut(u64, u64)| {
            let (q, kv) = (self.q_dim(), self.kv_dim());
            let qkv_bias = if self.qkv_bias { q + 2 * kv } else { 0 };
            let o_bias = if self.attention_out_bias { h } else { 0 };
            let qk_norm = match (self.qk_norm, self.qk_norm_scope) {
                (false, _) => 0,
                (true, QkNormScope::Head) => 2 * self.head_dim,
                (true, QkNormScope::Projection) => q + kv,
            };
            let sinks = if self.attention_sinks {
                u64::from(self.num_attention_heads)
            } else {
                0
            };
            both(2 * h * q + 2 * h * kv, qkv_bias + o_bias + qk_norm + sinks);
        };
        match kind.mixer {
            Mixer::Attention | Mixer::SlidingAttention => attention(&mut both),
            Mixer::AttentionMamba2 => {
                attention(&mut both);
                if let Some(m) = &self.mamba2 {
                    let (matrix, other) = mamba2_params(h, m);
                    both(matrix, other);
                }
            }
            Mixer::Mamba2 => {
                if let Some(m) = &self.mamba2 {
                    let (matrix, other) = mamba2_params(h, m);
                    both(matrix, other);
                }
            }
            Mixer::Deltanet => {
                if let Some(d) = &self.deltanet {
                    let (matrix, other) = deltanet_params(h, d);
                    both(matrix, other);
                }
            }
            Mixer::ShortConv => {
                if let Some(c) = &self.short_conv {
                    let bias = if c.bias { 3 * h + h + h } else { 0 };
                    both(3 * h * h + h * h, h * c.kernel + bias);
                }
            }
        }
        match kind.mlp {
            Mlp::Dense => both(3 * h * self.intermediate_size, 0),
            Mlp::None => {}
            Mlp::Moe => {
                if let Some(m) = &self.moe {
                    let e = u64::from(m.experts);
                    let k = u64::from(m.top_k);
                    let router = h * e;
                    let router_bias = if m.router_bias { e } else { 0 };
                    let shared = u64::from(m.shared_experts) * 3 * h * m.shared_intermediate_size;
                    both(router + shared, router_bias);
                    let expert = 3 * h * m.expert_intermediate_size;
                    let expert_bias = if m.expert_bias {
                        2 * m.expert_intermediate_size + h
                    } else {
                        0
                    };
                    p.matrix += e * expert;
                    p.active_matrix += k * expert;
                    p.other += e * expert_bias;
                    p.active_other += k * expert_bias;
                }
            }
        }
        p
    }

    /// Elements of the embedding table (and of the LM head matrix, tied or not).
    pub fn embedding_params(&self) -> u64 {
        self.vocab_size * self.hidden_size
    }

    /// MACs per token of a layer's mixer outside its projections (convs and state updates),
    /// run on the vector unit: a depthwise conv costs `channels x kernel`; a Mamba2 state update
    /// `2 x heads x head_dim x state` (the outer-product update and the readout); a DeltaNet
    /// one `3 x value_heads x key_dim x value_dim` (the delta term, the rank-1 update, the
    /// readout).
    pub fn mixer_macs_per_token(&self, mixer: Mixer) -> u64 {
        let h = self.hidden_size;
        let mamba = |m: &Mamba2Spec| {
            let inner = u64::from(m.heads) * m.head_dim;
            let conv = (inner + 2 * u64::from(m.groups) * m.state_size) * m.conv_kernel;
            conv + 2 * inner * m.state_size
        };
        match mixer {
            Mixer::Attention | Mixer::SlidingAttention => 0,
            Mixer::Mamba2 | Mixer::AttentionMamba2 => self.mamba2.as_ref().map_or(0, mamba),
            Mixer::Deltanet => self.deltanet.as_ref().map_or(0, |d| {
                let conv = deltanet_conv_channels(d) * d.conv_kernel;
                conv + 3 * u64::from(d.value_heads) * d.key_head_dim * d.value_head_dim
            }),
            Mixer::ShortConv => self.short_conv.as_ref().map_or(0, |c| h * c.kernel),
        }
    }

    /// Recurrent-state elements of one sequence in a layer: conv windows (`channels x
    /// (kernel - 1)`) and SSM / DeltaNet states. The same at every context length.
    pub fn layer_state_elements(&self, mixer: Mixer) -> u64 {
        let h = self.hidden_size;
        match mixer {
            Mixer::Attention | Mixer::SlidingAttention => 0,
            Mixer::Mamba2 | Mixer::AttentionMamba2 => self.mamba2.as_ref().map_or(0, |m| {
                let inner = u64::from(m.heads) * m.head_dim;
                let conv = (inner + 2 * u64::from(m.groups) * m.state_size) * (m.conv_kernel - 1);
                conv + inner * m.state_size
            }),
            Mixer::Deltanet => self.deltanet.as_ref().map_or(0, |d| {
                let conv = deltanet_conv_channels(d) * (d.conv_kernel - 1);
                conv + u64::from(d.value_heads) * d.key_head_dim * d.value_head_dim
            }),
            Mixer::ShortConv => self.short_conv.as_ref().map_or(0, |c| h * (c.kernel - 1)),
        }
    }

    /// Positions of a layer's KV cache after `positions` tokens: all of them for full
    /// attention, at most the window for sliding attention, none without attention.
    pub fn kv_positions(&self, mixer: Mixer, positions: u64) -> u64 {
        match mixer {
            Mixer::Attention | Mixer::AttentionMamba2 => positions,
            Mixer::SlidingAttention => positions.min(self.sliding_window.unwrap_or(u64::MAX)),
            Mixer::Mamba2 | Mixer::Deltanet | Mixer::ShortConv => 0,
        }
    }

    /// KV positions all layers' caches hold after `positions` tokens, summed over layers.
    /// Cheap for a uniform card (no `[layers]`), which the mappings ask on every phase.
    pub fn kv_positions_all_layers(&self, positions: u64) -> u64 {
        if self.layers.is_none() {
            return positions.saturating_mul(u64::from(self.num_layers));
        }
        self.layer_kinds()
            .iter()
            .map(|k| self.kv_positions(k.mixer, positions))
            .fold(0u64, |a, p| a.saturating_add(p))
    }

    /// Recurrent-state elements of one sequence over all layers (0 for a uniform card).
    pub fn state_elements_per_sequence(&self) -> u64 {
        if self.layers.is_none() {
            return 0;
        }
        self.layer_kinds()
            .iter()
            .map(|k| self.layer_state_elements(k.mixer))
            .sum()
    }

    /// Analytic counts. Card bounds (see [`ModelCard::validate`]) keep these far from overflow.
    pub fn counts(&self) -> ModelCounts {
        let embedding = self.embedding_params();
        let lm_head = if self.tie_word_embeddings {
            0
        } else {
            embedding
        };
        let kinds = self.layer_kinds();
        let mut layers = LayerParams::default();
        let mut kv_layers = 0u64;
        let mut state = 0u64;
        for &k in &kinds {
            let p = self.layer_params_of(k);
            layers.matrix += p.matrix;
            layers.active_matrix += p.active_matrix;
            layers.other += p.other;
            layers.active_other += p.active_other;
            kv_layers += u64::from(k.mixer.has_attention());
            state += self.layer_state_elements(k.mixer);
        }
        let params = embedding + layers.matrix + layers.other + self.hidden_size + lm_head;
        let active =
            embedding + layers.active_matrix + layers.active_other + self.hidden_size + lm_head;
        ModelCounts {
            params,
            non_embedding_params: params - embedding,
            active_params: active,
            active_non_embedding_params: active - embedding,
            linear_macs_per_token: layers.active_matrix,
            lm_head_macs: embedding,
            kv_bytes_per_token: 2 * kv_layers * self.kv_dim(),
            state_elements_per_sequence: state,
            weight_bytes_int4: params.div_ceil(2),
            weight_bytes_int8: params,
        }
    }
}

/// Matrix and other parameters of a Mamba2 block on a `hidden`-wide residual stream: in_proj to
/// (z, x, B, C, dt) = `2 x inner + 2 x groups x state + heads`, the conv over (x, B, C), dt_bias,
/// A_log and D per head, the gated norm, out_proj.
fn mamba2_params(hidden: u64, m: &Mamba2Spec) -> (u64, u64) {
    let heads = u64::from(m.heads);
    let inner = heads * m.head_dim;
    let bc = 2 * u64::from(m.groups) * m.state_size;
    let in_width = 2 * inner + bc + heads;
    let conv_channels = inner + bc;
    let proj_bias = if m.proj_bias { in_width + hidden } else { 0 };
    let conv = conv_channels * m.conv_kernel + if m.conv_bias { conv_channels } else { 0 };
    let norm = if m.gated_norm { inner } else { 0 };
    (
        hidden * in_width + inner * hidden,
        proj_bias + conv + 3 * heads + norm,
    )
}

/// Channels of a DeltaNet block's causal conv: q and k (key heads x key dim each) and v.
fn deltanet_conv_channels(d: &DeltanetSpec) -> u64 {
    2 * u64::from(d.key_heads) * d.key_head_dim + u64::from(d.value_heads) * d.value_head_dim
}

/// Matrix and other parameters of a gated DeltaNet block: in_proj to q, k, v, the output gate
/// z and the per-value-head beta and alpha; the conv over q, k, v (no bias); A_log and dt_bias
/// per value head; the gated norm over one value head's width; out_proj.
fn deltanet_params(hidden: u64, d: &DeltanetSpec) -> (u64, u64) {
    let vh = u64::from(d.value_heads);
    let v = vh * d.value_head_dim;
    let in_width = 2 * u64::from(d.key_heads) * d.key_head_dim + 2 * v + 2 * vh;
    (
        hidden * in_width + v * hidden,
        deltanet_conv_channels(d) * d.conv_kernel + 2 * vh + d.value_head_dim,
    )
}

/// One phase of inference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// All `tokens` prompt tokens at once, causal attention; logits for the last token only.
    Prefill { tokens: u64 },
    /// One new token attending to `kv_len` positions (itself included); `kv_len - 1` come from
    /// the KV cache and one position is appended.
    Decode { kv_len: u64 },
}

impl Phase {
    /// Tokens processed per sequence (P for prefill, 1 for decode).
    pub fn tokens_per_sequence(&self) -> u64 {
        match *self {
            Phase::Prefill { tokens } => tokens,
            Phase::Decode { .. } => 1,
        }
    }

    /// Sum over this phase's tokens of the positions each token attends to, per sequence:
    /// P(P+1)/2 for causal prefill, L for a decode step.
    pub fn attended_positions(&self) -> u64 {
        match *self {
            Phase::Prefill { tokens } => {
                // One of P and P+1 is even, so halve that one first and never overflow early.
                if tokens.is_multiple_of(2) {
                    (tokens / 2).saturating_mul(tokens.saturating_add(1))
                } else {
                    tokens.saturating_mul(tokens.saturating_add(1) / 2)
                }
            }
            Phase::Decode { kv_len } => kv_len,
        }
    }

    /// [`Phase::attended_positions`] when each token sees at most `window` positions (`None`:
    /// no limit): `sum over i of min(i, W)` for prefill, `min(L, W)` for decode.
    pub fn attended_positions_within(&self, window: Option<u64>) -> u64 {
        let Some(w) = window else {
            return self.attended_positions();
        };
        match *self {
            Phase::Prefill { tokens } if tokens > w => Phase::Prefill { tokens: w }
                .attended_positions()
                .saturating_add((tokens - w).saturating_mul(w)),
            Phase::Prefill { .. } => self.attended_positions(),
            Phase::Decode { kv_len } => kv_len.min(w),
        }
    }
}

/// A whole run: a prompt of `prompt_tokens`, `generate_tokens` new tokens (the first from
/// prefill, the rest from decode steps), `batch` sequences sharing the weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workload {
    pub prompt_tokens: u64,
    pub generate_tokens: u64,
    pub batch: u64,
}

/// KV lengths of the decode steps of a run: step j (1..=G-1) attends to P+j positions.
/// Empty when G <= 1.
pub fn decode_kv_lens(w: &Workload) -> impl Iterator<Item = u64> {
    let prompt = w.prompt_tokens;
    (1..w.generate_tokens).map(move |j| prompt.saturating_add(j))
}

/// Closed-form MACs of one phase at batch `batch`: projections for every token processed,
/// attention (`2 x heads x head_dim` per attended position, per layer) and the LM head for one
/// token per sequence. Saturates instead of overflowing on absurd sizes.
pub fn phase_macs(card: &ModelCard, phase: Phase, batch: u64) -> u64 {
    let counts = card.counts();
    let tokens = phase.tokens_per_sequence();
    let linear = tokens.saturating_mul(counts.linear_macs_per_token);
    let mut mixers = 0u64;
    for kind in card.layer_kinds() {
        let window = match kind.mixer {
            Mixer::SlidingAttention => card.sliding_window,
            Mixer::Attention | Mixer::AttentionMamba2 => None,
            Mixer::Mamba2 | Mixer::Deltanet | Mixer::ShortConv => Some(0),
        };
        let positions = phase.attended_positions_within(window);
        mixers = mixers
            .saturating_add((2 * card.q_dim()).saturating_mul(positions))
            .saturating_add(tokens.saturating_mul(card.mixer_macs_per_token(kind.mixer)));
    }
    let per_sequence = linear
        .saturating_add(mixers)
        .saturating_add(counts.lm_head_macs);
    per_sequence.saturating_mul(batch)
}

/// Closed-form MACs of a whole run: prefill of P tokens plus G-1 decode steps, step j at P+j.
pub fn workload_macs(card: &ModelCard, w: &Workload) -> u64 {
    let prefill = phase_macs(
        card,
        Phase::Prefill {
            tokens: w.prompt_tokens,
        },
        w.batch,
    );
    decode_kv_lens(w).fold(prefill, |acc, kv_len| {
        acc.saturating_add(phase_macs(card, Phase::Decode { kv_len }, w.batch))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_kv_lens_follow_the_generate_convention() {
        let w = Workload {
            prompt_tokens: 10,
            generate_tokens: 4,
            batch: 1,
        };
        assert_eq!(decode_kv_lens(&w).collect::<Vec<_>>(), vec![11, 12, 13]);
        let one = Workload {
            generate_tokens: 1,
            ..w
        };
        assert_eq!(decode_kv_lens(&one).count(), 0);
        let none = Workload {
            generate_tokens: 0,
            ..w
        };
        assert_eq!(decode_kv_lens(&none).count(), 0);
    }

    #[test]
    fn attended_positions_are_triangular_for_prefill() {
        for p in 0..50u64 {
            assert_eq!(
                Phase::Prefill { tokens: p }.attended_positions(),
                p * (p + 1) / 2
            );
        }
        assert_eq!(Phase::Decode { kv_len: 7 }.attended_positions(), 7);
    }

    #[test]
    fn a_window_caps_the_positions_each_token_sees() {
        for p in 0..40u64 {
            for w in 1..12u64 {
                let by_hand: u64 = (1..=p).map(|i| i.min(w)).sum();
                let phase = Phase::Prefill { tokens: p };
                assert_eq!(phase.attended_positions_within(Some(w)), by_hand);
            }
        }
        let d = Phase::Decode { kv_len: 100 };
        assert_eq!(d.attended_positions_within(Some(8)), 8);
        assert_eq!(d.attended_positions_within(Some(0)), 0);
        assert_eq!(d.attended_positions_within(None), 100);
    }
}
