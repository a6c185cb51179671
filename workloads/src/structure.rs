//! Per-layer structure of a model card: which token mixer and which MLP each layer has, and the
//! shapes of the non-attention mixers and of mixture-of-experts MLPs.
//!
//! A card without a `[layers]` table is a uniform decoder (every layer full attention and a dense
//! gated MLP), which is what every card written before layer kinds existed describes. A card with
//! one lists each layer's mixer (and optionally MLP) either explicitly, one entry per layer, or as
//! runs of a repeating period:
//!
//! ```toml
//! [layers]
//! mixer_pattern = [
//!     { repeat = 4, period = ["sliding_attention", "sliding_attention", "attention"] },
//!     { repeat = 1, period = ["sliding_attention"] },
//! ]
//! ```
//!
//! A pattern must cover exactly `num_layers` layers; the error names the first layer it misses
//! or the first it overshoots.

use serde::{Deserialize, Serialize};

/// The token mixer of one layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mixer {
    /// Causal attention over every position (as in every Llama-family layer).
    Attention,
    /// Causal attention over the last `sliding_window` positions; the cache holds at most that
    /// many.
    SlidingAttention,
    /// A Mamba2 (SSD) block: in_proj, causal depthwise conv, selective state update, gated norm,
    /// out_proj (`[mamba2]`).
    Mamba2,
    /// Gated DeltaNet linear attention: q/k/v/gate projections, causal conv, delta-rule state
    /// update, gated norm, out_proj (`[deltanet]`).
    Deltanet,
    /// LFM2's gated short convolution: in_proj to (B, C, x), y = C * conv(B * x), out_proj
    /// (`[short_conv]`).
    ShortConv,
    /// Falcon-H1: full attention and a Mamba2 block side by side on the same normed input, their
    /// outputs summed.
    AttentionMamba2,
}

/// Every mixer, in the order the documentation lists them.
pub const MIXERS: &[Mixer] = &[
    Mixer::Attention,
    Mixer::SlidingAttention,
    Mixer::Mamba2,
    Mixer::Deltanet,
    Mixer::ShortConv,
    Mixer::AttentionMamba2,
];

impl Mixer {
    pub fn as_str(&self) -> &'static str {
        match self {
            Mixer::Attention => "attention",
            Mixer::SlidingAttention => "sliding_attention",
            Mixer::Mamba2 => "mamba2",
            Mixer::Deltanet => "deltanet",
            Mixer::ShortConv => "short_conv",
            Mixer::AttentionMamba2 => "attention_mamba2",
        }
    }

    /// Whether the layer keeps a KV cache (full or windowed attention).
    pub fn has_attention(&self) -> bool {
        match self {
            Mixer::Attention | Mixer::SlidingAttention | Mixer::AttentionMamba2 => true,
            Mixer::Mamba2 | Mixer::Deltanet | Mixer::ShortConv => false,
        }
    }
}

/// The MLP of one layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mlp {
    /// A gated MLP of `intermediate_size` (SwiGLU, or GeGLU with a GELU activation).
    Dense,
    /// A mixture of experts (`[moe]`): a router, `top_k` of `experts` routed gated MLPs and the
    /// shared experts.
    Moe,
    /// No MLP (the mixer's output goes straight to the next layer).
    None,
}

impl Mlp {
    pub fn as_str(&self) -> &'static str {
        match self {
            Mlp::Dense => "dense",
            Mlp::Moe => "moe",
            Mlp::None => "none",
        }
    }
}

/// One run of a pattern: `period` repeated `repeat` times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Run<T> {
    pub repeat: u32,
    pub period: Vec<T>,
}

/// The `[layers]` table: each layer's mixer and MLP, explicit or as a pattern.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerSpec {
    /// One mixer per layer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mixers: Option<Vec<Mixer>>,
    /// Runs of a repeating period of mixers (instead of `mixers`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mixer_pattern: Option<Vec<Run<Mixer>>>,
    /// One MLP per layer; absent: `moe` in every layer when the card has `[moe]`, else `dense`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mlps: Option<Vec<Mlp>>,
    /// Runs of a repeating period of MLPs (instead of `mlps`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mlp_pattern: Option<Vec<Run<Mlp>>>,
}

/// What one layer is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct LayerKind {
    pub mixer: Mixer,
    pub mlp: Mlp,
}

/// A Mamba2 block (`[mamba2]`), field meanings as in `transformers`' Mamba2 / Falcon-H1 /
/// GraniteMoeHybrid configs. Inner width = `heads x head_dim`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mamba2Spec {
    /// SSM heads (`mamba_n_heads`).
    pub heads: u32,
    /// Channels per head (`mamba_d_head`).
    pub head_dim: u64,
    /// State size N per head and channel (`mamba_d_state`).
    pub state_size: u64,
    /// Groups sharing B and C (`mamba_n_groups`).
    pub groups: u32,
    /// Causal depthwise conv width (`mamba_d_conv`).
    pub conv_kernel: u64,
    /// The conv has a bias (`mamba_conv_bias`).
    #[serde(default = "yes")]
    pub conv_bias: bool,
    /// in_proj and out_proj have biases (`mamba_proj_bias`).
    #[serde(default)]
    pub proj_bias: bool,
    /// A gated RMSNorm over the inner width before out_proj (`mamba_rms_norm`).
    #[serde(default = "yes")]
    pub gated_norm: bool,
}

/// A gated DeltaNet block (`[deltanet]`), as in Qwen3-Next's `linear_*` config fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeltanetSpec {
    /// Query/key heads (`linear_num_key_heads`).
    pub key_heads: u32,
    /// Value heads (`linear_num_value_heads`), a multiple of the key heads.
    pub value_heads: u32,
    pub key_head_dim: u64,
    pub value_head_dim: u64,
    /// Causal depthwise conv width over q, k and v (`linear_conv_kernel_dim`).
    pub conv_kernel: u64,
}

/// LFM2's gated short convolution (`[short_conv]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShortConvSpec {
    /// Conv width (`conv_L_cache`).
    pub kernel: u64,
    /// in_proj, conv and out_proj carry biases (`conv_bias`).
    #[serde(default)]
    pub bias: bool,
}

/// A mixture-of-experts MLP (`[moe]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoeSpec {
    /// Routed experts per layer.
    pub experts: u32,
    /// Experts each token is routed to.
    pub top_k: u32,
    /// Width of one routed expert's gated MLP.
    pub expert_intermediate_size: u64,
    /// Always-active shared experts (0 = none).
    #[serde(default)]
    pub shared_experts: u32,
    /// Width of one shared expert's gated MLP.
    #[serde(default)]
    pub shared_intermediate_size: u64,
    /// The router has a bias (gpt-oss).
    #[serde(default)]
    pub router_bias: bool,
    /// Every expert projection has a bias (gpt-oss).
    #[serde(default)]
    pub expert_bias: bool,
    /// Routing skew s >= 0: expert e is chosen with weight 1 / (e + 1)^s (0 = uniform, the
    /// default; a trained router with hot experts is better described by s around 0.5-1).
    #[serde(default)]
    pub routing_skew: f64,
}

fn yes() -> bool {
    true
}

/// Expands a pattern into one entry per layer, or says which layer it misses or overshoots.
pub(crate) fn expand<T: Copy>(runs: &[Run<T>], layers: u32) -> Result<Vec<T>, String> {
    let mut out: Vec<T> = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        if run.repeat == 0 || run.period.is_empty() {
            return Err(format!(
                "run {i} is empty (repeat = {}, {} entries); every run needs repeat >= 1 and at \
                 least one entry",
                run.repeat,
                run.period.len()
            ));
        }
        for _ in 0..run.repeat {
            for &t in &run.period {
                if out.len() as u64 >= u64::from(layers) {
                    return Err(format!(
                        "run {i} reaches layer {} but num_layers = {layers} (layers 0..={})",
                        out.len(),
                        layers.saturating_sub(1)
                    ));
                }
                out.push(t);
            }
        }
    }
    if (out.len() as u64) < u64::from(layers) {
        return Err(format!(
            "the pattern covers {} layers but num_layers = {layers}: layer {} has no entry",
            out.len(),
            out.len()
        ));
    }
    Ok(out)
}

/// Checks an explicit list's length against `num_layers`.
pub(crate) fn explicit<T: Copy>(list: &[T], layers: u32) -> Result<Vec<T>, String> {
    match (list.len() as u64).cmp(&u64::from(layers)) {
        std::cmp::Ordering::Equal => Ok(list.to_vec()),
        std::cmp::Ordering::Less => Err(format!(
            "{} entries but num_layers = {layers}: layer {} has no entry",
            list.len(),
            list.len()
        )),
        std::cmp::Ordering::Greater => Err(format!(
            "{} entries but num_layers = {layers}: entry {layers} is beyond the last layer",
            list.len()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_expands_in_order() {
        let runs = vec![
            Run {
                repeat: 2,
                period: vec![Mixer::ShortConv, Mixer::Attention],
            },
            Run {
                repeat: 1,
                period: vec![Mixer::Mamba2],
            },
        ];
        assert_eq!(
            expand(&runs, 5).unwrap(),
            vec![
                Mixer::ShortConv,
                Mixer::Attention,
                Mixer::ShortConv,
                Mixer::Attention,
                Mixer::Mamba2
            ]
        );
        let short = expand(&runs, 6).unwrap_err();
        assert!(short.contains("layer 5 has no entry"), "{short}");
        let long = expand(&runs, 4).unwrap_err();
        assert!(long.contains("run 1 reaches layer 4"), "{long}");
        let empty = expand::<Mixer>(
            &[Run {
                repeat: 0,
                period: vec![Mixer::Attention],
            }],
            1,
        )
        .unwrap_err();
        assert!(empty.contains("run 0 is empty"), "{empty}");
    }

    #[test]
    fn an_explicit_list_must_have_one_entry_per_layer() {
        let list = [Mlp::Dense, Mlp::Moe];
        assert_eq!(explicit(&list, 2).unwrap(), list.to_vec());
        assert!(explicit(&list, 3)
            .unwrap_err()
            .contains("layer 2 has no entry"));
        assert!(explicit(&list, 1)
            .unwrap_err()
            .contains("entry 1 is beyond"));
    }
}
