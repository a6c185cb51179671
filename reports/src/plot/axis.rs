//! Axes: one plotters coordinate type for linear and log scales (so every chart has a single
//! code path whatever the data), 1-2-5 ticks in the displayed unit, SI prefixes, and axis
//! labels with units derived from metric names (`_s`, `_j`, `_mm2`, `_per_token`, ...).

use super::fmt_num;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use std::ops::Range;

/// Human label of a metric (without unit). Unknown keys are shown as they are, so a reader can
/// match them to the CSV column.
pub fn metric_label(key: &str) -> String {
    if let Some(m) = crate::metrics::metric(key) {
        return m.label.to_string();
    }
    let label = match key {
        "macro_utilization" => "Macro utilization",
        "macs" => "MACs",
        "dram_read_bytes" => "DRAM bytes read",
        "dram_write_bytes" => "DRAM bytes written",
        other => other,
    };
    label.to_string()
}

/// The unit of a metric from its name's suffix, as (prefixable base, rest): `decode_s_per_token`
/// is ("s", "/token"), `tokens_per_s` is ("", "tokens/s"), `area_mm2` is ("", "mm²"). An empty
/// base means SI prefixes do not apply; both empty means dimensionless.
pub fn metric_unit(key: &str) -> (&'static str, String) {
    // A flattened breakdown key (`energy_breakdown_j.dram`) carries its unit in the prefix.
    let key = key.split('.').next().unwrap_or(key);
    let (stem, per) = match key.strip_suffix("_per_token") {
        Some(stem) => (stem, "/token"),
        None => (key, ""),
    };
    // `decode_tokens_per_s`, `e2e_tokens_per_j`, `decode_chip_tokens_per_j`, ...
    let tokens_per = stem
        .find("tokens_per_")
        .map(|i| &stem[i + "tokens_per_".len()..]);
    if let Some(rest) = tokens_per {
        let unit = match rest {
            "s" => "tokens/s",
            "j" => "tokens/J",
            _ => "tokens",
        };
        return ("", unit.to_string());
    }
    let base = if stem.ends_with("macs_per_s") {
        "MAC/s"
    } else if stem.ends_with("_s") {
        "s"
    } else if stem.ends_with("_j") {
        "J"
    } else if stem.ends_with("_w") {
        "W"
    } else if stem.ends_with("_bytes") {
        "B"
    } else if stem.ends_with("_gbps") {
        return ("", format!("GB/s{per}"));
    } else if stem.ends_with("_mm2") {
        return ("", format!("mm²{per}"));
    } else if stem == "macs" {
        "MAC"
    } else {
        return ("", per.trim_start_matches('/').to_string());
    };
    (base, per.to_string())
}

/// The SI prefix (as a multiplier and symbol) that shows `magnitude` with 1 to 3 integer digits.
fn si_prefix(magnitude: f64) -> (f64, &'static str) {
    const PREFIXES: [(i32, &str); 9] = [
        (-12, "p"),
        (-9, "n"),
        (-6, "µ"),
        (-3, "m"),
        (0, ""),
        (3, "k"),
        (6, "M"),
        (9, "G"),
        (12, "T"),
    ];
    if !(magnitude.is_finite() && magnitude > 0.0) {
        return (1.0, "");
    }
    let exp = magnitude.log10().floor() as i32;
    let mut chosen = PREFIXES[0];
    for p in PREFIXES {
        if p.0 <= exp {
            chosen = p;
        }
    }
    (10f64.powi(-chosen.0), chosen.1)
}

/// Axis title with the unit scaled for values around `magnitude`, and the display scale factor.
pub(crate) fn axis_title(label: &str, key: &str, magnitude: f64) -> (String, f64) {
    let (base, rest) = metric_unit(key);
    let (scale, unit) = if base.is_empty() {
        (1.0, rest)
    } else {
        let (scale, prefix) = si_prefix(magnitude);
        (scale, format!("{prefix}{base}{rest}"))
    };
    if unit.is_empty() {
        (label.to_string(), scale)
    } else {
        (format!("{label} ({unit})"), scale)
    }
}

/// The unit in an axis title ("ms/token" from "Decode latency (ms/token)"), or "".
pub(crate) fn title_unit(title: &str) -> &str {
    title
        .rsplit_once('(')
        .and_then(|(_, u)| u.strip_suffix(')'))
        .unwrap_or("")
}

/// A linear or logarithmic axis over `lo..hi` (data units). `scale` converts to the displayed
/// unit for tick labels (1e3 for ms when the data are in seconds).
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub lo: f64,
    pub hi: f64,
    pub log: bool,
    pub scale: f64,
}

impl Axis {
    /// An axis covering `values` (finite ones) with a margin. Logarithmic when every value is
    /// positive and they span more than two decades.
    pub fn fit(values: impl IntoIterator<Item = f64>, allow_log: bool) -> Axis {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in values.into_iter().filter(|v| v.is_finite()) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if lo > hi {
            return Axis::linear(0.0, 1.0);
        }
        if allow_log && lo > 0.0 && hi / lo > 100.0 {
            let pad = (hi / lo).powf(0.04);
            return Axis {
                lo: lo / pad,
                hi: hi * pad,
                log: true,
                scale: 1.0,
            };
        }
        let span = hi - lo;
        let pad = if span > 0.0 {
            span * 0.06
        } else if lo != 0.0 {
            lo.abs() * 0.1
        } else {
            1.0
        };
        // Keep an all-positive axis from dipping below zero just for the margin.
        let new_lo = if lo >= 0.0 && lo - pad < 0.0 {
            0.0
        } else {
            lo - pad
        };
        Axis::linear(new_lo, hi + pad)
    }

    pub fn linear(lo: f64, hi: f64) -> Axis {
        Axis {
            lo,
            hi,
            log: false,
            scale: 1.0,
        }
    }

    pub fn with_scale(mut self, scale: f64) -> Axis {
        self.scale = scale;
        self
    }

    /// A magnitude to choose the unit prefix by: the largest absolute bound (linear), or the
    /// geometric middle (log, so ticks read 0.01 to 100 rather than 0.00001 to 0.1).
    pub fn magnitude(&self) -> f64 {
        if self.log {
            (self.lo * self.hi).sqrt()
        } else {
            self.lo.abs().max(self.hi.abs())
        }
    }

    /// Tick label in the displayed unit.
    pub fn format(&self, v: f64) -> String {
        fmt_num(v * self.scale)
    }

    fn major_linear(&self, max_points: usize) -> (Vec<f64>, f64) {
        let (lo, hi) = (self.lo * self.scale, self.hi * self.scale);
        let target = max_points.clamp(2, 8) as f64;
        let raw = (hi - lo) / target;
        if !(raw.is_finite() && raw > 0.0) {
            return (vec![self.lo], 0.0);
        }
        let mag = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 5.0, 10.0]
            .iter()
            .map(|m| m * mag)
            .find(|s| *s >= raw)
            .unwrap_or(10.0 * mag);
        let first = (lo / step).ceil() as i64;
        let last = (hi / step).floor() as i64;
        let ticks = (first..=last)
            .map(|k| k as f64 * step / self.scale)
            .collect();
        (ticks, step / self.scale)
    }

    fn major_log(&self, max_points: usize) -> Vec<f64> {
        let first = self.lo.log10().ceil() as i32;
        let last = self.hi.log10().floor() as i32;
        let count = (last - first + 1).max(1) as usize;
        let every = count.div_ceil(max_points.max(1)).max(1);
        (first..=last)
            .filter(|k| ((k - first) as usize).is_multiple_of(every))
            .map(|k| 10f64.powi(k))
            .collect()
    }
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let t = if self.log {
            (value.ln() - self.lo.ln()) / (self.hi.ln() - self.lo.ln())
        } else {
            (value - self.lo) / (self.hi - self.lo)
        };
        let t = if t.is_finite() { t } else { 0.0 };
        limit.0 + (t * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        let max_points = hint.max_num_points();
        if max_points == 0 {
            return Vec::new();
        }
        let light = hint.weight().allow_light_points();
        if self.log {
            let major = self.major_log(max_points);
            if !light {
                return major;
            }
            // Minor grid at 2..9 times each decade, when there is room.
            let first = self.lo.log10().floor() as i32;
            let last = self.hi.log10().ceil() as i32;
            let minor: Vec<f64> = (first..=last)
                .flat_map(|k| (1..10).map(move |m| f64::from(m) * 10f64.powi(k)))
                .filter(|v| *v >= self.lo && *v <= self.hi)
                .collect();
            if minor.len() <= max_points {
                minor
            } else {
                major
            }
        } else {
            let (major, step) = self.major_linear(max_points.min(10));
            if !light || step <= 0.0 {
                return major;
            }
            let half: Vec<f64> = ((self.lo / (step / 2.0)).ceil() as i64
                ..=(self.hi / (step / 2.0)).floor() as i64)
                .map(|k| k as f64 * step / 2.0)
                .collect();
            if half.len() <= max_points {
                half
            } else {
                major
            }
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_from_suffixes() {
        assert_eq!(metric_unit("decode_s_per_token"), ("s", "/token".into()));
        assert_eq!(metric_unit("energy_j_per_token"), ("J", "/token".into()));
        assert_eq!(metric_unit("tokens_per_s"), ("", "tokens/s".into()));
        assert_eq!(metric_unit("tokens_per_j"), ("", "tokens/J".into()));
        assert_eq!(metric_unit("decode_tokens_per_s"), ("", "tokens/s".into()));
        assert_eq!(
            metric_unit("decode_chip_tokens_per_j"),
            ("", "tokens/J".into())
        );
        assert_eq!(
            metric_unit("decode_chip_j_per_token"),
            ("J", "/token".into())
        );
        assert_eq!(metric_unit("area_mm2"), ("", "mm²".into()));
        assert_eq!(metric_unit("ttft_s"), ("s", String::new()));
        assert_eq!(metric_unit("energy_breakdown_j.dram"), ("J", String::new()));
        assert_eq!(metric_unit("peak_macs_per_s"), ("MAC/s", String::new()));
        assert_eq!(metric_unit("macro_utilization"), ("", String::new()));
    }

    #[test]
    fn titles_take_si_prefixes() {
        let (t, s) = axis_title("Decode latency", "decode_s_per_token", 2.5e-4);
        assert_eq!(t, "Decode latency (µs/token)");
        assert_eq!(s, 1e6);
        let (t, s) = axis_title("Energy", "energy_j_per_token", 0.03);
        assert_eq!(t, "Energy (mJ/token)");
        assert_eq!(s, 1e3);
        let (t, s) = axis_title("Area", "area_mm2", 40.0);
        assert_eq!((t.as_str(), s), ("Area (mm²)", 1.0));
    }

    #[test]
    fn log_only_beyond_two_decades() {
        assert!(!Axis::fit([1.0, 99.0], true).log);
        let a = Axis::fit([1.0, 1000.0], true);
        assert!(a.log && a.lo < 1.0 && a.hi > 1000.0);
        assert!(!Axis::fit([1.0, 1000.0], false).log);
        assert!(!Axis::fit([-1.0, 1000.0], true).log);
    }

    #[test]
    fn ticks_are_round_in_the_displayed_unit() {
        // 0..2.4 ms shown in ms: ticks at 0, 0.5, 1, 1.5, 2 ms (step 0.5 for <= 8 ticks).
        let a = Axis::linear(0.0, 2.4e-3).with_scale(1e3);
        let labels: Vec<String> = a
            .key_points(plotters::coord::ranged1d::BoldPoints(8))
            .iter()
            .map(|v| a.format(*v))
            .collect();
        assert_eq!(labels, ["0", "0.5", "1", "1.5", "2"]);
        let l = Axis {
            lo: 0.5,
            hi: 2000.0,
            log: true,
            scale: 1.0,
        };
        assert_eq!(
            l.key_points(plotters::coord::ranged1d::BoldPoints(8)),
            vec![1.0, 10.0, 100.0, 1000.0]
        );
    }

    #[test]
    fn maps_ends_to_pixel_limits() {
        let a = Axis::linear(0.0, 10.0);
        assert_eq!(a.map(&0.0, (100, 500)), 100);
        assert_eq!(a.map(&10.0, (100, 500)), 500);
        assert_eq!(a.map(&5.0, (500, 100)), 300);
        let l = Axis {
            lo: 1.0,
            hi: 100.0,
            log: true,
            scale: 1.0,
        };
        assert_eq!(l.map(&10.0, (0, 200)), 100);
    }
}
