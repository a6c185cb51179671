//! Measured-device baselines applied to models: what a decode step of a model streams on a
//! device's runtime ([`demand`]), the device model's prediction for a workload ([`predict`]),
//! measurement CSVs ([`measurements`]), the fit of a device's free parameters to them
//! ([`fit`]) and the validation table ([`validate`]). The device model itself is
//! `sim::device::model`; this module is the glue that knows models.

pub mod fit;
pub mod measurements;
pub mod validate;

use sim::device::model::{
    chip_power_w, decode_s_per_token, fixed_s_per_token, prefill_s, stream_s, system_power_w,
    DecodeDemand,
};
use sim::device::{DeviceConfig, EnergyBasis, KvRead};
use workloads::{phase_macs, ModelCard, Phase};

/// The shipped measurement CSVs (`baselines/*.csv`), by device preset.
pub const SHIPPED_MEASUREMENTS: &[(&str, &str)] = &[
    (
        "orin-nano-super",
        include_str!("../../baselines/orin-nano-super.csv"),
    ),
    ("orin-nano", include_str!("../../baselines/orin-nano.csv")),
    ("sa8255p", include_str!("../../baselines/sa8255p.csv")),
];

/// Model cards the measurement CSVs use beyond the shipped models (`baselines/models/`).
const EXTRA_CARDS: &[(&str, &str)] = &[
    (
        "smollm2-360m",
        include_str!("../../baselines/models/smollm2-360m.toml"),
    ),
    (
        "llama3.1-8b",
        include_str!("../../baselines/models/llama3.1-8b.toml"),
    ),
    (
        "qwen2.5-7b",
        include_str!("../../baselines/models/qwen2.5-7b.toml"),
    ),
];

/// The shipped CSV of device preset `name`.
pub fn shipped_measurements(name: &str) -> Option<&'static str> {
    SHIPPED_MEASUREMENTS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
}

/// A shipped model, a baseline card of `baselines/models/`, or a card/config path.
pub fn load_baseline_model(name: &str) -> Result<ModelCard, String> {
    if let Some((_, text)) = EXTRA_CARDS.iter().find(|(n, _)| *n == name) {
        return ModelCard::from_toml_str(text, &format!("baselines/models/{name}.toml"))
            .map_err(|e| e.to_string());
    }
    workloads::load_model(name).map_err(|e| e.to_string())
}

/// One workload on a device: the runtime's weight format, prompt, generated tokens and, for a
/// runtime that reads its whole KV allocation, the allocation (default: the preset's).
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceWorkload {
    pub weights: String,
    pub prompt_tokens: u64,
    pub generate_tokens: u64,
    pub context_tokens: Option<u64>,
    /// A power mode of the device (default: the configuration's selected one).
    pub power_mode: Option<String>,
}

/// What one average decode step of `card` streams under `w` on `dev`. Weight bytes are every
/// streamed parameter at the format's bits per weight: all layers, the final norm and the LM
/// head (the embedding table itself when tied); the input embedding is one row, left out. KV
/// bytes are the positions read (the mean over the decode, P + G/2, or the whole allocation)
/// at the runtime's KV bits.
pub fn demand(
    dev: &DeviceConfig,
    card: &ModelCard,
    w: &DeviceWorkload,
) -> Result<DecodeDemand, String> {
    let bits = dev.bits_per_weight(&w.weights).ok_or_else(|| {
        format!(
            "device `{}` ({}) has no weight format `{}`; it has: {}",
            dev.name,
            dev.runtime,
            w.weights,
            dev.weights
                .bits_per_weight
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    let counts = card.counts();
    let head = if card.tie_word_embeddings {
        card.embedding_params()
    } else {
        0
    };
    let streamed_params = counts.non_embedding_params + head;
    let positions = match dev.kv.read {
        KvRead::Used => w.prompt_tokens as f64 + w.generate_tokens as f64 / 2.0,
        KvRead::Allocation => w.context_tokens.unwrap_or(dev.kv.allocation_tokens) as f64,
    };
    Ok(DecodeDemand {
        weight_bytes: streamed_params as f64 * bits / 8.0,
        kv_read_bytes: counts.kv_bytes_per_token as f64 * f64::from(dev.kv.bits) / 8.0 * positions,
        layers: card.num_layers,
    })
}

/// The clock of the workload's power mode (or the selected one).
pub fn mode_clock_mhz(dev: &DeviceConfig, mode: Option<&str>) -> Result<f64, String> {
    match mode {
        None => Ok(dev.clock_mhz()),
        Some(m) => dev.clock_mhz_of(m).ok_or_else(|| {
            format!(
                "device `{}` has no power mode `{m}`; it has: {}",
                dev.name,
                dev.power_modes
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }),
    }
}

/// The device model's figures for one workload.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct DevicePrediction {
    pub decode_s_per_token: f64,
    pub decode_tokens_per_s: f64,
    pub ttft_s: f64,
    pub decode_bytes_per_token: f64,
    pub chip_power_w: f64,
    pub system_power_w: f64,
    pub decode_chip_tokens_per_j: f64,
    pub decode_tokens_per_j: f64,
    pub clock_mhz: f64,
}

/// Predicts `card` under `w` on `dev`.
pub fn predict(
    dev: &DeviceConfig,
    card: &ModelCard,
    w: &DeviceWorkload,
) -> Result<DevicePrediction, String> {
    let clock = mode_clock_mhz(dev, w.power_mode.as_deref())?;
    let d = demand(dev, card, w)?;
    let t = decode_s_per_token(&dev.decode, dev.bandwidth_gbps, clock, &d);
    let chip_w = chip_power_w(&dev.power, clock, d.bytes() / t);
    let system_w = system_power_w(&dev.power, chip_w);
    let fixed = fixed_s_per_token(&dev.decode, d.layers, clock);
    let weights_s = stream_s(
        d.weight_bytes,
        dev.bandwidth_gbps,
        dev.decode.bandwidth_efficiency,
    );
    let macs = phase_macs(
        card,
        Phase::Prefill {
            tokens: w.prompt_tokens,
        },
        1,
    ) as f64;
    let ttft = prefill_s(
        &dev.prefill,
        fixed,
        clock / dev.power.reference_clock_mhz,
        macs,
        weights_s,
    );
    Ok(DevicePrediction {
        decode_s_per_token: t,
        decode_tokens_per_s: 1.0 / t,
        ttft_s: ttft,
        decode_bytes_per_token: d.bytes(),
        chip_power_w: chip_w,
        system_power_w: system_w,
        decode_chip_tokens_per_j: 1.0 / (chip_w * t),
        decode_tokens_per_j: 1.0 / (system_w * t),
        clock_mhz: clock,
    })
}

/// `" (estimate)"` for a device whose energy is modelled only, else empty.
pub fn estimate_mark(dev: &DeviceConfig) -> &'static str {
    match dev.power.energy {
        EnergyBasis::Measured => "",
        EnergyBasis::Estimate => " (estimate)",
    }
}

/// [`estimate_mark`] from the energy basis's name.
pub fn estimate_mark_of(energy: &str) -> &'static str {
    if energy == EnergyBasis::Estimate.name() {
        " (estimate)"
    } else {
        ""
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev(name: &str) -> DeviceConfig {
        sim::device::load_device(name, &[]).expect("device preset")
    }

    fn workload(weights: &str, mode: Option<&str>) -> DeviceWorkload {
        DeviceWorkload {
            weights: weights.into(),
            prompt_tokens: 2048,
            generate_tokens: 256,
            context_tokens: None,
            power_mode: mode.map(str::to_string),
        }
    }

    #[test]
    fn demand_counts_streamed_weights_and_used_kv() {
        let card = load_baseline_model("llama3.2-1b").unwrap();
        let d = demand(&dev("orin-nano-super"), &card, &workload("q4_k_m", None)).unwrap();
        // Tied: every parameter but the input embedding, plus the embedding as LM head, i.e.
        // all params, at 4.85 bits.
        let params = card.counts().params as f64;
        assert!((d.weight_bytes - params * 4.85 / 8.0).abs() < 1.0);
        // KV: 16 layers × 8 heads × 64 × (K, V) × 2 bytes × (2048 + 128) positions.
        assert_eq!(d.kv_read_bytes, (16 * 8 * 64 * 2 * 2) as f64 * 2176.0);
    }

    #[test]
    fn allocation_reading_runtime_reads_the_allocation() {
        let card = load_baseline_model("qwen3-0.6b").unwrap();
        let sa = dev("sa8255p");
        let mut w = workload("w4a16", None);
        w.context_tokens = Some(512);
        let small = demand(&sa, &card, &w).unwrap();
        w.context_tokens = Some(4096);
        let big = demand(&sa, &card, &w).unwrap();
        assert!((big.kv_read_bytes / small.kv_read_bytes - 8.0).abs() < 1e-12);
    }

    #[test]
    fn unknown_format_and_mode_are_errors() {
        let card = load_baseline_model("llama3.2-1b").unwrap();
        let e = predict(&dev("orin-nano"), &card, &workload("q8_0", None)).unwrap_err();
        assert!(e.contains("q4f16_ft"), "{e}");
        let e = predict(
            &dev("orin-nano"),
            &card,
            &workload("q4f16_ft", Some("maxn")),
        )
        .unwrap_err();
        assert!(e.contains("15w, 7w"), "{e}");
    }

    /// Every numeric key of every device moves a prediction, unless it only describes.
    #[test]
    fn every_device_key_is_live_or_descriptive() {
        let descriptive = |k: &str| k.ends_with(".cpu_mhz");
        for name in sim::device::device_preset_names() {
            let base = dev(name);
            let card = load_baseline_model("qwen3-0.6b").unwrap();
            // The preset's allocation (a CSV row's `context_tokens` would override it).
            let w = workload(&base.weights.default, None);
            let figures = |d: &DeviceConfig| {
                let p = predict(d, &card, &w).unwrap();
                [
                    p.decode_tokens_per_s,
                    p.decode_tokens_per_j,
                    p.decode_chip_tokens_per_j,
                    p.ttft_s,
                ]
            };
            let before = figures(&base);
            for (key, value) in base.key_values() {
                let Ok(v) = value.parse::<f64>() else {
                    continue;
                };
                if descriptive(&key)
                    || key == "kv.allocation_tokens" && base.kv.read == KvRead::Used
                {
                    continue;
                }
                let new = if v == 0.0 { 1.0 } else { v * 0.5 };
                let set = format!("{key}={new}");
                // The exponent scales power away from the reference clock: move the reference
                // off the selected mode's clock (for both sides) to see it.
                let off_ref = format!("power.reference_clock_mhz={}", base.clock_mhz() * 2.0);
                let (before, sets) = if key == "power.clock_exponent" {
                    let shifted = sim::device::load_device(name, std::slice::from_ref(&off_ref))
                        .unwrap_or_else(|e| panic!("{name}: {e}"));
                    (figures(&shifted), vec![off_ref, set.clone()])
                } else {
                    (before, vec![set.clone()])
                };
                let changed = sim::device::load_device(name, &sets)
                    .unwrap_or_else(|e| panic!("{name}: {set}: {e}"));
                let after = figures(&changed);
                // A key of another mode or format moves nothing in this one: check it there.
                let other_mode = key.starts_with("power_modes.")
                    && !key.starts_with(&format!("power_modes.{}.", base.power_mode));
                let other_format = key.starts_with("weights.bits_per_weight.")
                    && !key.ends_with(&base.weights.default);
                if other_mode || other_format {
                    continue;
                }
                assert_ne!(before, after, "{name}: {set} moves nothing");
            }
        }
    }
}
