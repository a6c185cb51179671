//! Closed-form counts: parameters, bytes and MACs of a model, of one phase and of a whole run.
//! The decoder graph must reproduce the MAC figures here exactly (tested), so the two stay in step.

use crate::card::ModelCard;
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
    /// MACs of all projections (q/k/v/o, gate/up/down) of one token through all layers; LM head
    /// and attention excluded.
    pub linear_macs_per_token: u64,
    /// MACs of the LM head for one token (hidden x vocab).
    pub lm_head_macs: u64,
    /// K and V of one token across all layers at one byte per element.
    pub kv_bytes_per_token: u64,
    /// All parameters at 4 bits (rounded up to whole bytes), embeddings included.
    pub weight_bytes_int4: u64,
    /// All parameters at 8 bits, embeddings included.
    pub weight_bytes_int8: u64,
}

impl ModelCard {
    /// Weight elements of one layer's projection matrices (fusion does not change the count).
    pub fn layer_linear_weights(&self) -> u64 {
        let h = self.hidden_size;
        let attention = h * self.q_dim() + 2 * h * self.kv_dim() + self.q_dim() * h;
        let mlp = 3 * h * self.intermediate_size;
        attention + mlp
    }

    /// All parameters of one layer: projections, q/k/v biases, the two RMSNorm gains and the
    /// per-head q/k norm gains.
    pub fn layer_params(&self) -> u64 {
        let bias = if self.qkv_bias {
            self.q_dim() + 2 * self.kv_dim()
        } else {
            0
        };
        let qk_norm = if self.qk_norm { 2 * self.head_dim } else { 0 };
        self.layer_linear_weights() + bias + 2 * self.hidden_size + qk_norm
    }

    /// Elements of the embedding table (and of the LM head matrix, tied or not).
    pub fn embedding_params(&self) -> u64 {
        self.vocab_size * self.hidden_size
    }

    /// Analytic counts. Card bounds (see [`ModelCard::validate`]) keep these far from overflow.
    pub fn counts(&self) -> ModelCounts {
        let embedding = self.embedding_params();
        let lm_head = if self.tie_word_embeddings {
            0
        } else {
            embedding
        };
        let params = embedding
            + u64::from(self.num_layers) * self.layer_params()
            + self.hidden_size
            + lm_head;
        ModelCounts {
            params,
            non_embedding_params: params - embedding,
            linear_macs_per_token: u64::from(self.num_layers) * self.layer_linear_weights(),
            lm_head_macs: embedding,
            kv_bytes_per_token: 2 * u64::from(self.num_layers) * self.kv_dim(),
            weight_bytes_int4: params.div_ceil(2),
            weight_bytes_int8: params,
        }
    }
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
    let linear = phase
        .tokens_per_sequence()
        .saturating_mul(counts.linear_macs_per_token);
    let attention =
        (2 * u64::from(card.num_layers) * card.q_dim()).saturating_mul(phase.attended_positions());
    let per_sequence = linear
        .saturating_add(attention)
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
}
