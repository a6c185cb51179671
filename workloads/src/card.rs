//! The model card: a TOML description of a Llama-family decoder-only model, its schema
//! (unknown keys rejected) and its validation (every size non-zero and bounded, heads consistent).

use crate::error::WorkloadError;
use crate::structure::{
    expand, explicit, DeltanetSpec, LayerKind, LayerSpec, Mamba2Spec, Mixer, Mlp, MoeSpec,
    ShortConvSpec,
};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A decoder-only model, as far as the simulator needs to know it: shapes and architecture flags.
/// Field meanings follow the Hugging Face config names they are imported from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelCard {
    /// Short identifier, e.g. `qwen3-0.6b`.
    pub name: String,
    pub hidden_size: u64,
    /// Width of the gated MLP (gate and up each produce this many features).
    pub intermediate_size: u64,
    pub num_layers: u32,
    pub num_attention_heads: u32,
    /// Key/value heads; fewer than attention heads means grouped-query attention.
    pub num_kv_heads: u32,
    pub head_dim: u64,
    pub vocab_size: u64,
    /// LM head shares the embedding matrix (no separate LM head parameters).
    pub tie_word_embeddings: bool,
    /// Biases on the q, k and v projections (Qwen2/Qwen2.5).
    #[serde(default)]
    pub qkv_bias: bool,
    /// Per-head RMSNorm on queries and keys (Qwen3).
    #[serde(default)]
    pub qk_norm: bool,
    /// q, k and v computed by one fused matrix (Phi-3).
    #[serde(default)]
    pub fused_qkv: bool,
    /// gate and up computed by one fused matrix, gate first (Phi-3).
    #[serde(default)]
    pub fused_gate_up: bool,
    /// 0-based indices of layers that skip rotary embeddings (SmolLM3), ascending.
    #[serde(default)]
    pub nope_layers: Vec<u32>,
    /// Longest context the model supports, in tokens.
    pub max_context: u64,
    pub norm_eps: f64,
    pub rope_theta: f64,
    /// MLP activation: `silu` (SwiGLU) or `gelu_tanh` (GeGLU, Gemma).
    #[serde(default = "default_activation")]
    pub activation: String,
    /// Window W of `sliding_attention` layers, in positions (required when any layer has one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sliding_window: Option<u64>,
    /// A bias on the attention output projection too (gpt-oss; `qkv_bias` covers q, k and v).
    #[serde(default, skip_serializing_if = "is_false")]
    pub attention_out_bias: bool,
    /// A learned sink logit per attention head (gpt-oss).
    #[serde(default, skip_serializing_if = "is_false")]
    pub attention_sinks: bool,
    /// What `qk_norm` normalises: `head` (one gain per head dim, Qwen3) or `projection` (the
    /// whole q and k projections, OLMoE).
    #[serde(default, skip_serializing_if = "QkNormScope::is_head")]
    pub qk_norm_scope: QkNormScope,
    /// Four norms per layer (before and after both the mixer and the MLP, Gemma 3) instead of
    /// two.
    #[serde(default, skip_serializing_if = "is_false")]
    pub sandwich_norm: bool,
    /// Each layer's mixer and MLP; absent = every layer full attention and a dense MLP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layers: Option<LayerSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mamba2: Option<Mamba2Spec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deltanet: Option<DeltanetSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_conv: Option<ShortConvSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moe: Option<MoeSpec>,
}

/// What a `qk_norm` gain vector spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QkNormScope {
    #[default]
    Head,
    Projection,
}

impl QkNormScope {
    fn is_head(&self) -> bool {
        *self == QkNormScope::Head
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn default_activation() -> String {
    "silu".to_string()
}

/// Activations the decoder graph knows how to model.
pub const SUPPORTED_ACTIVATIONS: &[&str] = &["silu", "gelu_tanh"];

// Bounds keep every count of the crate well inside u64 (the largest product, layers x hidden x
// intermediate x 3, stays below 2^56) while being orders of magnitude above any small model.
const MAX_HIDDEN: u64 = 1 << 20;
const MAX_INTERMEDIATE: u64 = 1 << 22;
const MAX_LAYERS: u32 = 1024;
const MAX_HEADS: u32 = 4096;
const MAX_HEAD_DIM: u64 = 4096;
const MAX_Q_WIDTH: u64 = 1 << 20;
const MAX_VOCAB: u64 = 1 << 24;
const MAX_CONTEXT: u64 = 1 << 32;

impl ModelCard {
    /// Parses and validates a card from TOML text; `source_name` (a path or `shipped:NAME`)
    /// appears in every error.
    pub fn from_toml_str(text: &str, source_name: &str) -> Result<ModelCard, WorkloadError> {
        let card: ModelCard = toml::from_str(text).map_err(|e| WorkloadError::CardSyntax {
            source_name: source_name.to_string(),
            message: suggest::with_unknown_field_hint(e.to_string().trim_end()),
        })?;
        card.validate(source_name)?;
        Ok(card)
    }

    /// Reads, parses and validates a card file.
    pub fn from_toml_file(path: &Path) -> Result<ModelCard, WorkloadError> {
        let text = std::fs::read_to_string(path).map_err(|source| WorkloadError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        ModelCard::from_toml_str(&text, &path.display().to_string())
    }

    /// The card as TOML, preceded by `header` lines turned into `#` comments.
    pub fn to_toml_string(&self, header: &[&str]) -> String {
        let mut out = String::new();
        for line in header {
            out.push_str("# ");
            out.push_str(line);
            out.push('\n');
        }
        // Serialising a plain struct of strings, integers, floats, booleans and an integer array
        // cannot fail; fall back to the Debug form rather than panic if it ever did.
        match toml::to_string(self) {
            Ok(body) => out.push_str(&body),
            Err(e) => out.push_str(&format!("# serialisation failed: {e}\n")),
        }
        out
    }

    /// Checks ranges and consistency; errors name `source_name` and the offending key.
    pub fn validate(&self, source_name: &str) -> Result<(), WorkloadError> {
        let err = |key: &str, message: String| WorkloadError::CardValue {
            source_name: source_name.to_string(),
            key: key.to_string(),
            message,
        };
        if self.name.is_empty()
            || self
                .name
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(err(
                "name",
                format!(
                    "`{}` must be non-empty, without spaces or control characters",
                    self.name
                ),
            ));
        }
        let ranges: [(&str, u64, u64); 8] = [
            ("hidden_size", self.hidden_size, MAX_HIDDEN),
            (
                "intermediate_size",
                self.intermediate_size,
                MAX_INTERMEDIATE,
            ),
            (
                "num_layers",
                u64::from(self.num_layers),
                u64::from(MAX_LAYERS),
            ),
            (
                "num_attention_heads",
                u64::from(self.num_attention_heads),
                u64::from(MAX_HEADS),
            ),
            (
                "num_kv_heads",
                u64::from(self.num_kv_heads),
                u64::from(MAX_HEADS),
            ),
            ("head_dim", self.head_dim, MAX_HEAD_DIM),
            ("vocab_size", self.vocab_size, MAX_VOCAB),
            ("max_context", self.max_context, MAX_CONTEXT),
        ];
        for (key, value, max) in ranges {
            if value == 0 || value > max {
                return Err(err(
                    key,
                    format!("{value} is out of range; allowed 1..={max}"),
                ));
            }
        }
        if self.num_kv_heads > self.num_attention_heads
            || !self.num_attention_heads.is_multiple_of(self.num_kv_heads)
        {
            return Err(err(
                "num_kv_heads",
                format!(
                    "{} must divide num_attention_heads = {}",
                    self.num_kv_heads, self.num_attention_heads
                ),
            ));
        }
        let q_width = u64::from(self.num_attention_heads) * self.head_dim;
        if q_width > MAX_Q_WIDTH {
            return Err(err(
                "head_dim",
                format!(
                    "num_attention_heads x head_dim = {q_width} is out of range; allowed up to {MAX_Q_WIDTH}"
                ),
            ));
        }
        let mut previous: Option<u32> = None;
        for &layer in &self.nope_layers {
            if layer >= self.num_layers {
                return Err(err(
                    "nope_layers",
                    format!(
                        "layer index {layer} is out of range; allowed 0..={} (num_layers = {})",
                        self.num_layers - 1,
                        self.num_layers
                    ),
                ));
            }
            if previous.is_some_and(|p| layer <= p) {
                return Err(err(
                    "nope_layers",
                    format!("indices must be strictly ascending, found {layer} after {previous:?}"),
                ));
            }
            previous = Some(layer);
        }
        if !(self.norm_eps.is_finite() && self.norm_eps > 0.0 && self.norm_eps < 1.0) {
            return Err(err(
                "norm_eps",
                format!(
                    "{} is out of range; allowed 0 < norm_eps < 1",
                    self.norm_eps
                ),
            ));
        }
        if !(self.rope_theta.is_finite() && self.rope_theta > 0.0) {
            return Err(err(
                "rope_theta",
                format!("{} must be a finite number > 0", self.rope_theta),
            ));
        }
        if !SUPPORTED_ACTIVATIONS.contains(&self.activation.as_str()) {
            return Err(err(
                "activation",
                format!(
                    "`{}` is not supported; allowed: {}",
                    self.activation,
                    SUPPORTED_ACTIVATIONS.join(", ")
                ),
            ));
        }
        self.validate_structure(source_name)?;
        Ok(())
    }

    /// The `[layers]` table and the sections its layer kinds need: every needed section
    /// present with sizes in range, every present section used by some layer.
    fn validate_structure(&self, source_name: &str) -> Result<(), WorkloadError> {
        let err = |key: &str, message: String| WorkloadError::CardValue {
            source_name: source_name.to_string(),
            key: key.to_string(),
            message,
        };
        let kinds = self.try_layer_kinds().map_err(|(key, m)| err(key, m))?;
        let uses = |m: Mixer| kinds.iter().any(|k| k.mixer == m);
        let uses_mlp = |m: Mlp| kinds.iter().any(|k| k.mlp == m);
        let positive = |key: &str, v: u64, max: u64| {
            if v == 0 || v > max {
                Err(err(key, format!("{v} is out of range; allowed 1..={max}")))
            } else {
                Ok(())
            }
        };
        // A section no layer uses would be silently ignored: refuse it instead.
        let unused = |key: &str, needed_by: &str| {
            err(
                key,
                format!("no layer uses it (it describes {needed_by} layers); remove it"),
            )
        };
        let needs = |key: &str, mixer: &str| {
            err(
                key,
                format!("missing; required because a layer is `{mixer}`"),
            )
        };
        match (uses(Mixer::SlidingAttention), self.sliding_window) {
            (true, None) => return Err(needs("sliding_window", "sliding_attention")),
            (true, Some(w)) => positive("sliding_window", w, MAX_CONTEXT)?,
            (false, Some(_)) => return Err(unused("sliding_window", "`sliding_attention`")),
            (false, None) => {}
        }
        let mamba = uses(Mixer::Mamba2) || uses(Mixer::AttentionMamba2);
        match (mamba, &self.mamba2) {
            (true, None) => return Err(needs("mamba2", "mamba2")),
            (true, Some(m)) => {
                positive("mamba2.heads", u64::from(m.heads), u64::from(MAX_HEADS))?;
                positive("mamba2.head_dim", m.head_dim, MAX_HEAD_DIM)?;
                positive("mamba2.state_size", m.state_size, MAX_HEAD_DIM)?;
                positive("mamba2.groups", u64::from(m.groups), u64::from(MAX_HEADS))?;
                positive("mamba2.conv_kernel", m.conv_kernel, 64)?;
                if !m.heads.is_multiple_of(m.groups) {
                    return Err(err(
                        "mamba2.groups",
                        format!("{} must divide mamba2.heads = {}", m.groups, m.heads),
                    ));
                }
            }
            (false, Some(_)) => return Err(unused("mamba2", "`mamba2` or `attention_mamba2`")),
            (false, None) => {}
        }
        match (uses(Mixer::Deltanet), &self.deltanet) {
            (true, None) => return Err(needs("deltanet", "deltanet")),
            (true, Some(d)) => {
                let heads = u64::from(MAX_HEADS);
                positive("deltanet.key_heads", u64::from(d.key_heads), heads)?;
                positive("deltanet.value_heads", u64::from(d.value_heads), heads)?;
                positive("deltanet.key_head_dim", d.key_head_dim, MAX_HEAD_DIM)?;
                positive("deltanet.value_head_dim", d.value_head_dim, MAX_HEAD_DIM)?;
                positive("deltanet.conv_kernel", d.conv_kernel, 64)?;
                if !d.value_heads.is_multiple_of(d.key_heads) {
                    return Err(err(
                        "deltanet.value_heads",
                        format!(
                            "{} must be a multiple of deltanet.key_heads = {}",
                            d.value_heads, d.key_heads
                        ),
                    ));
                }
            }
            (false, Some(_)) => return Err(unused("deltanet", "`deltanet`")),
            (false, None) => {}
        }
        match (uses(Mixer::ShortConv), &self.short_conv) {
            (true, None) => return Err(needs("short_conv", "short_conv")),
            (true, Some(c)) => positive("short_conv.kernel", c.kernel, 64)?,
            (false, Some(_)) => return Err(unused("short_conv", "`short_conv`")),
            (false, None) => {}
        }
        match (uses_mlp(Mlp::Moe), &self.moe) {
            (true, None) => {
                return Err(err(
                    "moe",
                    "missing; required because a layer's MLP is `moe`".to_string(),
                ))
            }
            (true, Some(m)) => {
                positive("moe.experts", u64::from(m.experts), 1 << 16)?;
                if m.top_k == 0 || m.top_k > m.experts {
                    return Err(err(
                        "moe.top_k",
                        format!(
                            "{} is out of range; allowed 1..={} (moe.experts)",
                            m.top_k, m.experts
                        ),
                    ));
                }
                positive(
                    "moe.expert_intermediate_size",
                    m.expert_intermediate_size,
                    MAX_INTERMEDIATE,
                )?;
                if m.shared_experts > 0 {
                    positive(
                        "moe.shared_intermediate_size",
                        m.shared_intermediate_size,
                        MAX_INTERMEDIATE,
                    )?;
                } else if m.shared_intermediate_size > 0 {
                    return Err(err(
                        "moe.shared_intermediate_size",
                        "set, but moe.shared_experts = 0; set both or neither".to_string(),
                    ));
                }
                if !(m.routing_skew.is_finite() && (0.0..=16.0).contains(&m.routing_skew)) {
                    return Err(err(
                        "moe.routing_skew",
                        format!("{} is out of range; allowed 0..=16", m.routing_skew),
                    ));
                }
            }
            (false, Some(_)) => return Err(unused("moe", "`moe` MLP")),
            (false, None) => {}
        }
        Ok(())
    }

    /// Each layer's mixer and MLP, in layer order.
    pub fn layer_kinds(&self) -> Vec<LayerKind> {
        // A validated card always resolves; an unvalidated one falls back to the uniform form.
        self.try_layer_kinds().unwrap_or_else(|_| {
            vec![
                LayerKind {
                    mixer: Mixer::Attention,
                    mlp: Mlp::Dense,
                };
                self.num_layers as usize
            ]
        })
    }

    /// [`ModelCard::layer_kinds`], or the key and message of what is wrong with `[layers]`.
    fn try_layer_kinds(&self) -> Result<Vec<LayerKind>, (&'static str, String)> {
        let n = self.num_layers;
        let default_mlp = if self.moe.is_some() {
            Mlp::Moe
        } else {
            Mlp::Dense
        };
        let Some(spec) = &self.layers else {
            return Ok((0..n)
                .map(|_| LayerKind {
                    mixer: Mixer::Attention,
                    mlp: default_mlp,
                })
                .collect());
        };
        let mixers = match (&spec.mixers, &spec.mixer_pattern) {
            (Some(_), Some(_)) => {
                return Err((
                    "layers.mixer_pattern",
                    "give either layers.mixers or layers.mixer_pattern, not both".to_string(),
                ))
            }
            (Some(list), None) => explicit(list, n).map_err(|m| ("layers.mixers", m))?,
            (None, Some(runs)) => expand(runs, n).map_err(|m| ("layers.mixer_pattern", m))?,
            (None, None) => vec![Mixer::Attention; n as usize],
        };
        let mlps = match (&spec.mlps, &spec.mlp_pattern) {
            (Some(_), Some(_)) => {
                return Err((
                    "layers.mlp_pattern",
                    "give either layers.mlps or layers.mlp_pattern, not both".to_string(),
                ))
            }
            (Some(list), None) => explicit(list, n).map_err(|m| ("layers.mlps", m))?,
            (None, Some(runs)) => expand(runs, n).map_err(|m| ("layers.mlp_pattern", m))?,
            (None, None) => vec![default_mlp; n as usize],
        };
        Ok(mixers
            .into_iter()
            .zip(mlps)
            .map(|(mixer, mlp)| LayerKind { mixer, mlp })
            .collect())
    }

    /// Whether every layer is full attention with a dense MLP (the cards before layer kinds).
    pub fn is_uniform_dense(&self) -> bool {
        self.layer_kinds()
            .iter()
            .all(|k| k.mixer == Mixer::Attention && k.mlp == Mlp::Dense)
    }

    /// Query width: attention heads x head dim.
    pub fn q_dim(&self) -> u64 {
        u64::from(self.num_attention_heads) * self.head_dim
    }

    /// Key (or value) width: KV heads x head dim.
    pub fn kv_dim(&self) -> u64 {
        u64::from(self.num_kv_heads) * self.head_dim
    }

    /// Whether layer `layer` (0-based) applies rotary position embeddings.
    pub fn uses_rope(&self, layer: u32) -> bool {
        self.nope_layers.binary_search(&layer).is_err()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> ModelCard {
        ModelCard {
            name: "tiny".into(),
            hidden_size: 64,
            intermediate_size: 128,
            num_layers: 4,
            num_attention_heads: 4,
            num_kv_heads: 2,
            head_dim: 16,
            vocab_size: 100,
            tie_word_embeddings: true,
            qkv_bias: false,
            qk_norm: false,
            fused_qkv: false,
            fused_gate_up: false,
            nope_layers: vec![3],
            max_context: 512,
            norm_eps: 1e-6,
            rope_theta: 10000.0,
            activation: "silu".into(),
            sliding_window: None,
            attention_out_bias: false,
            attention_sinks: false,
            qk_norm_scope: QkNormScope::Head,
            sandwich_norm: false,
            layers: None,
            mamba2: None,
            deltanet: None,
            short_conv: None,
            moe: None,
        }
    }

    #[test]
    fn toml_round_trip_is_lossless() {
        let card = tiny();
        let text = card.to_toml_string(&["a comment"]);
        assert!(text.starts_with("# a comment\n"));
        let back = ModelCard::from_toml_str(&text, "mem").unwrap();
        assert_eq!(back, card);
    }

    #[test]
    fn unknown_key_is_rejected_with_its_name() {
        let text = tiny().to_toml_string(&[]) + "num_expertz = 8\n";
        let e = ModelCard::from_toml_str(&text, "x.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("x.toml") && e.contains("num_expertz"), "{e}");
    }

    type Mutation = fn(&mut ModelCard);

    #[test]
    fn invalid_values_name_the_key() {
        let cases: [(Mutation, &str); 12] = [
            ((|c| c.hidden_size = 0), "hidden_size"),
            ((|c| c.num_kv_heads = 3), "num_kv_heads"),
            ((|c| c.num_kv_heads = 8), "num_kv_heads"),
            ((|c| c.nope_layers = vec![4]), "nope_layers"),
            ((|c| c.nope_layers = vec![2, 1]), "nope_layers"),
            ((|c| c.norm_eps = 0.0), "norm_eps"),
            ((|c| c.rope_theta = f64::NAN), "rope_theta"),
            ((|c| c.activation = "relu".into()), "activation"),
            ((|c| c.name = "a b".into()), "name"),
            ((|c| c.vocab_size = 1 << 30), "vocab_size"),
            ((|c| c.head_dim = 8192), "head_dim"),
            (
                (|c| {
                    c.num_attention_heads = 512;
                    c.num_kv_heads = 512;
                    c.head_dim = 4096;
                }),
                "head_dim",
            ),
        ];
        for (mutate, key) in cases {
            let mut card = tiny();
            mutate(&mut card);
            let e = card.validate("f.toml").unwrap_err().to_string();
            assert!(
                e.contains("f.toml") && e.contains(&format!("`{key}`")),
                "{e}"
            );
        }
    }

    #[test]
    fn bad_layer_structure_names_the_key() {
        let base = tiny().to_toml_string(&[]);
        let moe = "[moe]\nexperts = 4\ntop_k = 2\nexpert_intermediate_size = 8\n";
        let cases: [(String, &str, &str); 8] = [
            (
                format!("{base}[layers]\nmixer_pattern = [{{ repeat = 1, period = [\"attention\"] }}]\n"),
                "layers.mixer_pattern",
                "layer 1 has no entry",
            ),
            (
                format!("{base}[layers]\nmixers = [\"attention\", \"attention\", \"attention\", \"attention\", \"attention\"]\n"),
                "layers.mixers",
                "entry 4 is beyond",
            ),
            (
                moe.replace("top_k = 2", "top_k = 5").replace("[moe]", &format!("{base}[moe]")),
                "moe.top_k",
                "allowed 1..=4",
            ),
            (
                moe.replace("experts = 4", "experts = 0").replace("[moe]", &format!("{base}[moe]")),
                "moe.experts",
                "out of range",
            ),
            (
                format!("sliding_window = 0\n{base}[layers]\nmixers = [\"sliding_attention\", \"attention\", \"attention\", \"attention\"]\n"),
                "sliding_window",
                "out of range",
            ),
            (
                format!("{base}[layers]\nmixers = [\"sliding_attention\", \"attention\", \"attention\", \"attention\"]\n"),
                "sliding_window",
                "missing",
            ),
            (
                format!("{base}[short_conv]\nkernel = 3\n"),
                "short_conv",
                "no layer uses it",
            ),
            (
                format!("{base}[layers]\nmixers = [\"mamba2\", \"attention\", \"attention\", \"attention\"]\n"),
                "mamba2",
                "missing",
            ),
        ];
        for (text, key, what) in cases {
            let e = ModelCard::from_toml_str(&text, "h.toml")
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("h.toml") && e.contains(&format!("`{key}`")) && e.contains(what),
                "{key}: {e}"
            );
        }
        // An unknown mixer is a schema error naming the value and the allowed ones.
        let text = format!(
            "{base}[layers]\nmixers = [\"mamba3\", \"attention\", \"attention\", \"attention\"]\n"
        );
        let e = ModelCard::from_toml_str(&text, "h.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("h.toml") && e.contains("mamba3") && e.contains("sliding_attention"),
            "{e}"
        );
    }

    #[test]
    fn nope_layers_select_rope() {
        let card = tiny();
        assert!(card.uses_rope(0) && card.uses_rope(2) && !card.uses_rope(3));
    }
}
