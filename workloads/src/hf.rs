//! Import of Hugging Face `config.json` files (model types llama, mistral, qwen2, qwen3, phi3,
//! smollm3) into model cards. Missing optional fields take the default the `transformers` config
//! class would use when loading the same file; unknown extra keys are ignored (HF files carry
//! many). Every error names the file and the field.

use crate::card::ModelCard;
use crate::error::WorkloadError;
use serde_json::{Map, Value};
use std::path::Path;

/// `model_type` values the importer understands.
pub const SUPPORTED_MODEL_TYPES: &[&str] =
    &["llama", "mistral", "qwen2", "qwen3", "phi3", "smollm3"];

/// What an architecture fixes regardless of its config, plus the defaults of its config class.
struct Architecture {
    /// q/k/v projections always carry biases (Qwen2).
    qkv_bias: bool,
    qk_norm: bool,
    /// q/k/v and gate/up are single fused matrices (Phi-3).
    fused: bool,
    /// head_dim is always hidden / heads, whatever the file says (Phi-3 has no head_dim field).
    derived_head_dim: bool,
    /// `attention_bias` / `mlp_bias` fields exist and, when true, add biases to o_proj or the MLP
    /// as well, which cards do not model.
    has_bias_flags: bool,
    default_tied: bool,
    default_norm_eps: f64,
    default_rope_theta: f64,
    default_max_context: u64,
}

fn architecture(model_type: &str) -> Option<Architecture> {
    let base = Architecture {
        qkv_bias: false,
        qk_norm: false,
        fused: false,
        derived_head_dim: false,
        has_bias_flags: true,
        default_tied: false,
        default_norm_eps: 1e-6,
        default_rope_theta: 10_000.0,
        default_max_context: 2048,
    };
    // Defaults from the transformers config classes (LlamaConfig, MistralConfig, Qwen2Config,
    // Qwen3Config, Phi3Config, SmolLM3Config).
    let arch = match model_type {
        "llama" => base,
        "mistral" => Architecture {
            has_bias_flags: false,
            default_max_context: 4096 * 32,
            ..base
        },
        "qwen2" => Architecture {
            qkv_bias: true,
            has_bias_flags: false,
            default_max_context: 32_768,
            ..base
        },
        "qwen3" => Architecture {
            qk_norm: true,
            default_max_context: 32_768,
            ..base
        },
        "phi3" => Architecture {
            fused: true,
            derived_head_dim: true,
            has_bias_flags: false,
            default_norm_eps: 1e-5,
            default_max_context: 4096,
            ..base
        },
        "smollm3" => Architecture {
            default_tied: true,
            default_rope_theta: 2_000_000.0,
            default_max_context: 32_768,
            ..base
        },
        _ => return None,
    };
    Some(arch)
}

/// Reads `path` and imports it; `name` overrides the name derived from the file name.
pub fn import_hf_file(path: &Path, name: Option<&str>) -> Result<ModelCard, WorkloadError> {
    let text = std::fs::read_to_string(path).map_err(|source| WorkloadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    import_hf_str(&text, path, name)
}

/// Imports config JSON text; `path` names the source in errors and gives the default name
/// (`Qwen3-0.6B.config.json` → `qwen3-0.6b`; `dir/config.json` → `dir`).
pub fn import_hf_str(
    json: &str,
    path: &Path,
    name: Option<&str>,
) -> Result<ModelCard, WorkloadError> {
    let value: Value = serde_json::from_str(json).map_err(|e| WorkloadError::HfSyntax {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let Value::Object(obj) = value else {
        return Err(WorkloadError::HfSyntax {
            path: path.to_path_buf(),
            message: "the top level must be a JSON object".to_string(),
        });
    };
    let f = Fields { obj: &obj, path };

    let model_type = f.optional_str("model_type")?.ok_or_else(|| {
        f.err(
            "model_type",
            "missing; it names the architecture".to_string(),
        )
    })?;
    let arch = architecture(&model_type).ok_or_else(|| {
        f.err(
            "model_type",
            format!(
                "`{model_type}` is not supported; supported: {}",
                SUPPORTED_MODEL_TYPES.join(", ")
            ),
        )
    })?;

    let hidden_size = f.required_u64("hidden_size")?;
    let intermediate_size = f.required_u64("intermediate_size")?;
    let num_layers = f.required_u32("num_hidden_layers")?;
    let heads = f.required_u32("num_attention_heads")?;
    let vocab_size = f.required_u64("vocab_size")?;
    let kv_heads = f.optional_u32("num_key_value_heads")?.unwrap_or(heads);
    if kv_heads > heads || !heads.is_multiple_of(kv_heads) {
        return Err(f.err(
            "num_key_value_heads",
            format!("{kv_heads} must divide num_attention_heads = {heads}"),
        ));
    }
    let explicit_head_dim = if arch.derived_head_dim {
        None
    } else {
        f.optional_u64("head_dim")?
    };
    let head_dim = match explicit_head_dim {
        Some(d) => d,
        None => {
            if !hidden_size.is_multiple_of(u64::from(heads)) {
                return Err(f.err(
                    "hidden_size",
                    format!(
                        "{hidden_size} is not divisible by num_attention_heads = {heads}, \
                         and head_dim is not given"
                    ),
                ));
            }
            hidden_size / u64::from(heads)
        }
    };

    if arch.has_bias_flags {
        for field in ["attention_bias", "mlp_bias"] {
            if f.optional_bool(field)? == Some(true) {
                return Err(f.err(
                    field,
                    "true is not supported (biases on o_proj or the MLP are not modelled); \
                     allowed: false"
                        .to_string(),
                ));
            }
        }
    }
    let activation = f
        .optional_str("hidden_act")?
        .unwrap_or_else(|| "silu".to_string());
    let nope_layers = if model_type == "smollm3" {
        f.nope_layers(num_layers)?
    } else {
        Vec::new()
    };
    let rope_theta = match f.optional_f64("rope_theta")? {
        Some(t) => t,
        None => f
            .nested_f64("rope_parameters", "rope_theta")?
            .unwrap_or(arch.default_rope_theta),
    };

    let card = ModelCard {
        name: match name {
            Some(n) => n.to_string(),
            None => default_name(path, &model_type),
        },
        hidden_size,
        intermediate_size,
        num_layers,
        num_attention_heads: heads,
        num_kv_heads: kv_heads,
        head_dim,
        vocab_size,
        tie_word_embeddings: f
            .optional_bool("tie_word_embeddings")?
            .unwrap_or(arch.default_tied),
        qkv_bias: arch.qkv_bias,
        qk_norm: arch.qk_norm,
        fused_qkv: arch.fused,
        fused_gate_up: arch.fused,
        nope_layers,
        max_context: f
            .optional_u64("max_position_embeddings")?
            .unwrap_or(arch.default_max_context),
        norm_eps: f
            .optional_f64("rms_norm_eps")?
            .unwrap_or(arch.default_norm_eps),
        rope_theta,
        activation,
        sliding_window: None,
        attention_out_bias: false,
        attention_sinks: false,
        qk_norm_scope: crate::card::QkNormScope::Head,
        sandwich_norm: false,
        layers: None,
        mamba2: None,
        deltanet: None,
        short_conv: None,
        moe: None,
    };
    card.validate(&path.display().to_string())
        .map_err(|e| match e {
            WorkloadError::CardValue { key, message, .. } => f.err(hf_field_of(&key), message),
            other => other,
        })?;
    Ok(card)
}

/// The config.json field a card key is imported from, so range errors name what the user wrote.
fn hf_field_of(card_key: &str) -> &str {
    match card_key {
        "num_layers" => "num_hidden_layers",
        "num_kv_heads" => "num_key_value_heads",
        "max_context" => "max_position_embeddings",
        "norm_eps" => "rms_norm_eps",
        "activation" => "hidden_act",
        "nope_layers" => "no_rope_layers",
        "name" => "name (--name)",
        other => other,
    }
}

/// `Qwen3-0.6B.config.json` → `qwen3-0.6b`, `models/foo/config.json` → `foo`; spaces become `-`.
fn default_name(path: &Path, model_type: &str) -> String {
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().to_string())
        .unwrap_or_default();
    let stem = if let Some(s) = file.strip_suffix(".config.json") {
        s.to_string()
    } else if file == "config.json" {
        path.parent()
            .and_then(|p| p.file_name())
            .map(|p| p.to_string_lossy().to_string())
            .unwrap_or_default()
    } else {
        path.file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default()
    };
    let name: String = stem
        .trim()
        .chars()
        .map(|c| {
            if c.is_whitespace() || c.is_control() {
                '-'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    if name.is_empty() {
        model_type.to_string()
    } else {
        name
    }
}

/// Typed access to the fields of one config object, with errors naming file and field.
struct Fields<'a> {
    obj: &'a Map<String, Value>,
    path: &'a Path,
}

/// A short description of a JSON value's type and content for error messages.
fn describe(v: &Value) -> String {
    let shown = v.to_string();
    let shown = if shown.len() > 40 {
        format!("{}...", &shown[..shown.floor_char_boundary(40)])
    } else {
        shown
    };
    let kind = match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    format!("{kind} ({shown})")
}

/// A JSON number that is a non-negative integer (`2048` or `2048.0`).
fn as_whole(v: &Value) -> Option<u64> {
    if let Some(n) = v.as_u64() {
        return Some(n);
    }
    let x = v.as_f64()?;
    // 2^64 as f64; values at or above it do not fit a u64.
    (x >= 0.0 && x.fract() == 0.0 && x < 18_446_744_073_709_551_616.0).then_some(x as u64)
}

impl Fields<'_> {
    fn err(&self, field: &str, message: String) -> WorkloadError {
        WorkloadError::HfField {
            path: self.path.to_path_buf(),
            field: field.to_string(),
            message,
        }
    }

    /// The field's value, treating JSON null as absent (HF writes null for "use the default").
    fn get(&self, field: &str) -> Option<&Value> {
        self.obj.get(field).filter(|v| !v.is_null())
    }

    fn optional_u64(&self, field: &str) -> Result<Option<u64>, WorkloadError> {
        let Some(v) = self.get(field) else {
            return Ok(None);
        };
        match as_whole(v) {
            Some(0) => Err(self.err(field, "is 0; must be a positive integer".to_string())),
            Some(n) => Ok(Some(n)),
            None => Err(self.err(
                field,
                format!("must be a positive integer, found {}", describe(v)),
            )),
        }
    }

    fn required_u64(&self, field: &str) -> Result<u64, WorkloadError> {
        self.optional_u64(field)?
            .ok_or_else(|| self.err(field, "missing; a positive integer is required".to_string()))
    }

    fn optional_u32(&self, field: &str) -> Result<Option<u32>, WorkloadError> {
        match self.optional_u64(field)? {
            None => Ok(None),
            Some(n) => u32::try_from(n).map(Some).map_err(|_| {
                self.err(
                    field,
                    format!("{n} is out of range; allowed 1..={}", u32::MAX),
                )
            }),
        }
    }

    fn required_u32(&self, field: &str) -> Result<u32, WorkloadError> {
        self.optional_u32(field)?
            .ok_or_else(|| self.err(field, "missing; a positive integer is required".to_string()))
    }

    fn optional_f64(&self, field: &str) -> Result<Option<f64>, WorkloadError> {
        match self.get(field) {
            None => Ok(None),
            Some(v) => v
                .as_f64()
                .map(Some)
                .ok_or_else(|| self.err(field, format!("must be a number, found {}", describe(v)))),
        }
    }

    /// `outer.inner` as a number, e.g. `rope_parameters.rope_theta` of newer config files.
    fn nested_f64(&self, outer: &str, inner: &str) -> Result<Option<f64>, WorkloadError> {
        let Some(Value::Object(o)) = self.get(outer) else {
            return Ok(None);
        };
        match o.get(inner).filter(|v| !v.is_null()) {
            None => Ok(None),
            Some(v) => v.as_f64().map(Some).ok_or_else(|| {
                self.err(
                    &format!("{outer}.{inner}"),
                    format!("must be a number, found {}", describe(v)),
                )
            }),
        }
    }

    fn optional_bool(&self, field: &str) -> Result<Option<bool>, WorkloadError> {
        match self.get(field) {
            None => Ok(None),
            Some(v) => v.as_bool().map(Some).ok_or_else(|| {
                self.err(
                    field,
                    format!("must be true or false, found {}", describe(v)),
                )
            }),
        }
    }

    fn optional_str(&self, field: &str) -> Result<Option<String>, WorkloadError> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(v) => Err(self.err(field, format!("must be a string, found {}", describe(v)))),
        }
    }

    /// SmolLM3's NoPE layers: `no_rope_layers` (one entry per layer, 1 = RoPE, 0 = no RoPE)
    /// wins; otherwise every `no_rope_layer_interval`-th layer (1-based) skips RoPE, as
    /// SmolLM3Config derives it (default interval 4).
    fn nope_layers(&self, num_layers: u32) -> Result<Vec<u32>, WorkloadError> {
        const LIST: &str = "no_rope_layers";
        if let Some(v) = self.get(LIST) {
            let Value::Array(flags) = v else {
                return Err(self.err(
                    LIST,
                    format!("must be an array of 0/1 per layer, found {}", describe(v)),
                ));
            };
            if flags.len() != num_layers as usize {
                return Err(self.err(
                    LIST,
                    format!(
                        "has {} entries; must have one per layer (num_hidden_layers = {num_layers})",
                        flags.len()
                    ),
                ));
            }
            let mut nope = Vec::new();
            for (layer, flag) in (0u32..).zip(flags) {
                match flag.as_u64() {
                    Some(1) => {}
                    Some(0) => nope.push(layer),
                    _ => {
                        return Err(self.err(
                            &format!("{LIST}[{layer}]"),
                            format!("must be 1 (RoPE) or 0 (no RoPE), found {}", describe(flag)),
                        ))
                    }
                }
            }
            return Ok(nope);
        }
        let interval = self.optional_u64("no_rope_layer_interval")?.unwrap_or(4);
        Ok((0..num_layers)
            .filter(|l| (u64::from(*l) + 1).is_multiple_of(interval))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_names_come_from_the_file_name() {
        assert_eq!(
            default_name(Path::new("a/Qwen3-0.6B.config.json"), "qwen3"),
            "qwen3-0.6b"
        );
        assert_eq!(
            default_name(Path::new("models/My Model/config.json"), "llama"),
            "my-model"
        );
        assert_eq!(default_name(Path::new("config.json"), "llama"), "llama");
        assert_eq!(default_name(Path::new("x/tiny.json"), "llama"), "tiny");
    }

    #[test]
    fn whole_numbers_accept_integral_floats_only() {
        assert_eq!(as_whole(&serde_json::json!(2048)), Some(2048));
        assert_eq!(as_whole(&serde_json::json!(2048.0)), Some(2048));
        assert_eq!(as_whole(&serde_json::json!(2048.5)), None);
        assert_eq!(as_whole(&serde_json::json!(-1)), None);
        assert_eq!(as_whole(&serde_json::json!("2048")), None);
    }
}
