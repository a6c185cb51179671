//! Model cards, Hugging Face `config.json` import, the decoder graph and analytic counts.
//! Knows nothing about hardware.
//!
//! A [`ModelCard`] describes a decoder-only model: a Llama-family decoder by default, or any mix
//! of attention, sliding-window attention, Mamba2, gated DeltaNet and short-conv mixers with
//! dense or mixture-of-experts MLPs, layer by layer. [`build_graph`] turns a card, a
//! [`Phase`] (prefill of P tokens or a decode step at KV length L) and a batch into a
//! [`DecoderGraph`] of ops whose MACs equal the closed forms [`phase_macs`] and
//! [`workload_macs`] exactly.

mod card;
mod counts;
mod error;
mod graph;
mod hf;
mod routing;
mod shipped;
mod structure;

pub use card::{ModelCard, QkNormScope, SUPPORTED_ACTIVATIONS};
pub use counts::{decode_kv_lens, phase_macs, workload_macs, ModelCounts, Phase, Workload};
pub use error::WorkloadError;
pub use graph::{build_graph, DecoderGraph, Op, OpKind, StateRule};
pub use hf::{import_hf_file, import_hf_str, SUPPORTED_MODEL_TYPES};
pub use routing::{draw_routing, expected_distinct_experts, inclusion_probabilities, routing_seed};
pub use shipped::{load_model, shipped, shipped_names, shipped_toml};
pub use structure::{
    DeltanetSpec, LayerKind, LayerSpec, Mamba2Spec, Mixer, Mlp, MoeSpec, Run, ShortConvSpec, MIXERS,
};
