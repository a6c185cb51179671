//! Reader of DRAMsim3 `.ini` configuration files, with DRAMsim3's meaning and defaults:
//! request size = bus_width/8 × BL; ranks = channel_size (MB) / rank capacity; tRC = tRAS + tRP;
//! the address mapping string, queue structure, refresh and row-buffer policies as given.
//! Keys the model does not use (power-down and self-refresh timings and currents, output
//! options) are accepted and ignored: a spec read from a `.ini` has no idle policy and no I/O
//! term, so its energy is DRAMsim3's; unknown keys are errors, so typos are caught.

use crate::error::DramError;
use crate::spec::*;
use std::collections::BTreeMap;
use std::path::Path;

/// Keys read by the model, lower-case, per section.
const USED: &[(&str, &[&str])] = &[
    (
        "dram_structure",
        &[
            "protocol",
            "bankgroups",
            "banks_per_group",
            "rows",
            "columns",
            "device_width",
            "bl",
        ],
    ),
    (
        "timing",
        &[
            "tck", "al", "cl", "cwl", "trcd", "trp", "tras", "trfc", "trefi", "trrd_s", "trrd_l",
            "twtr_s", "twtr_l", "tfaw", "twr", "trtp", "tccd_s", "tccd_l", "trtrs", "tppd",
        ],
    ),
    (
        "power",
        &["vdd", "idd0", "idd2n", "idd3n", "idd4w", "idd4r", "idd5ab"],
    ),
    (
        "system",
        &[
            "channel_size",
            "channels",
            "bus_width",
            "address_mapping",
            "queue_structure",
            "refresh_policy",
            "row_buf_policy",
            "cmd_queue_size",
            "trans_queue_size",
        ],
    ),
];

/// Keys DRAMsim3 knows that this model ignores (DRAMsim3's default is never to power down or
/// self-refresh, which a spec read from a `.ini` keeps, and per-bank refresh is not modelled); a value that would need them is rejected below.
const IGNORED: &[(&str, &[&str])] = &[
    (
        "dram_structure",
        &["bankgroup_enable", "num_dies", "hbm_dual_cmd"],
    ),
    (
        "timing",
        &[
            "trfc2",
            "trfc4",
            "trpre",
            "twpre",
            "twr2",
            "tcke",
            "tckesr",
            "txs",
            "txp",
            "trfcb",
            "trefib",
            "trcdrd",
            "trcdwr",
            "t32aw",
            "ideal_memory_latency",
        ],
    ),
    ("power", &["ipp0", "idd2p", "idd3p", "idd6x", "idd5pb"]),
    (
        "system",
        &[
            "unified_queue",
            "write_buf_size",
            "enable_self_refresh",
            "sref_threshold",
            "aggressive_precharging_enabled",
            "delay_queue_cycles",
        ],
    ),
];

/// Sections of a DRAMsim3 file; `[other]` holds output options, which are ignored.
const SECTIONS: &[&str] = &["dram_structure", "timing", "power", "system", "other"];

/// Keys without which a file is refused rather than read with a silent default.
const REQUIRED: &[(&str, &str)] = &[("dram_structure", "protocol"), ("timing", "tck")];

struct Ini {
    path: String,
    /// (section, key) → (value, line).
    values: BTreeMap<(String, String), (String, usize)>,
}

impl Ini {
    fn parse(text: &str, path: &str) -> Result<Ini, DramError> {
        let mut values = BTreeMap::new();
        let mut section = String::new();
        for (i, raw) in text.lines().enumerate() {
            let line_no = i + 1;
            let line = raw.split([';', '#']).next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            if let Some(rest) = line.strip_prefix('[') {
                let Some(name) = rest.strip_suffix(']') else {
                    return Err(syntax(path, line_no, raw));
                };
                section = name.trim().to_ascii_lowercase();
                if !SECTIONS.contains(&section.as_str()) {
                    return Err(DramError::Toml {
                        path: format!("{path}:{line_no}"),
                        message: format!(
                            "unknown section `[{}]`; allowed: [{}]{}",
                            name.trim(),
                            SECTIONS.join("], ["),
                            suggest::did_you_mean(&section, SECTIONS.iter().copied())
                        ),
                    });
                }
                continue;
            }
            let Some((k, v)) = line.split_once('=') else {
                return Err(syntax(path, line_no, raw));
            };
            let key = k.trim().to_ascii_lowercase();
            if key.is_empty() {
                return Err(syntax(path, line_no, raw));
            }
            let known = |table: &[(&str, &[&str])]| {
                table
                    .iter()
                    .any(|(s, keys)| *s == section && keys.contains(&key.as_str()))
            };
            if section.is_empty() {
                return Err(DramError::BadValue {
                    path: format!("{path}:{line_no}"),
                    key: k.trim().to_string(),
                    value: v.trim().to_string(),
                    allowed: format!(
                        "a key before any section; put it under one of [{}]",
                        SECTIONS.join("], [")
                    ),
                });
            }
            let section_checked = USED.iter().any(|(s, _)| *s == section);
            if section_checked && !known(USED) && !known(IGNORED) {
                let candidates = USED
                    .iter()
                    .chain(IGNORED)
                    .filter(|(s, _)| *s == section)
                    .flat_map(|(_, keys)| keys.iter().copied());
                return Err(DramError::BadValue {
                    path: format!("{path}:{line_no}"),
                    key: format!("{section}.{}", k.trim()),
                    value: v.trim().to_string(),
                    allowed: format!(
                        "unknown key (see DRAMsim3's configuration.cc for the keys){}",
                        suggest::did_you_mean(&key, candidates)
                    ),
                });
            }
            values.insert((section.clone(), key), (v.trim().to_string(), line_no));
        }
        if values.is_empty() {
            return Err(DramError::Toml {
                path: path.to_string(),
                message: "no `key = value` line: a DRAMsim3 .ini needs at least \
                          `protocol` under [dram_structure] and `tCK` under [timing]"
                    .to_string(),
            });
        }
        Ok(Ini {
            path: path.to_string(),
            values,
        })
    }

    fn raw(&self, section: &str, key: &str) -> Option<&(String, usize)> {
        self.values.get(&(section.to_string(), key.to_string()))
    }

    fn where_(&self, line: usize) -> String {
        format!("{}:{}", self.path, line)
    }

    fn string(&self, section: &str, key: &str, default: &str) -> String {
        self.raw(section, key)
            .map(|(v, _)| v.clone())
            .unwrap_or_else(|| default.to_string())
    }

    fn int(&self, section: &str, key: &str, default: u64) -> Result<u64, DramError> {
        match self.raw(section, key) {
            None => Ok(default),
            Some((v, line)) => v.parse::<u64>().map_err(|_| {
                DramError::bad(
                    &self.where_(*line),
                    &format!("{section}.{key}"),
                    v,
                    "a non-negative integer",
                )
            }),
        }
    }

    fn int32(&self, section: &str, key: &str, default: u32) -> Result<u32, DramError> {
        let v = self.int(section, key, u64::from(default))?;
        let line = self.raw(section, key).map_or(0, |(_, l)| *l);
        u32::try_from(v).map_err(|_| {
            DramError::bad(
                &self.where_(line),
                &format!("{section}.{key}"),
                v,
                "at most 2^32 − 1",
            )
        })
    }

    fn real(&self, section: &str, key: &str, default: f64) -> Result<f64, DramError> {
        match self.raw(section, key) {
            None => Ok(default),
            Some((v, line)) => match v.parse::<f64>() {
                Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
                _ => Err(DramError::bad(
                    &self.where_(*line),
                    &format!("{section}.{key}"),
                    v,
                    "a non-negative number",
                )),
            },
        }
    }

    fn boolean(&self, section: &str, key: &str) -> bool {
        self.raw(section, key)
            .map(|(v, _)| matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes" | "on"))
            .unwrap_or(false)
    }
}

fn syntax(path: &str, line: usize, text: &str) -> DramError {
    DramError::IniSyntax {
        path: path.to_string(),
        line,
        text: text.trim().to_string(),
    }
}

/// Reads a DRAMsim3 `.ini` file into a validated [`DramSpec`] named after the file.
pub fn spec_from_ini_file(path: &Path) -> Result<DramSpec, DramError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| DramError::Io {
        path: shown.clone(),
        source,
    })?;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| shown.clone());
    spec_from_ini_str(&text, &shown, &name)
}

/// Parses `.ini` text; `origin` names the source in error messages.
pub fn spec_from_ini_str(text: &str, origin: &str, name: &str) -> Result<DramSpec, DramError> {
    let ini = Ini::parse(text, origin)?;
    let p = &ini.path;
    let proto_name = ini.string("dram_structure", "protocol", "DDR3");
    let protocol = Protocol::from_name(&proto_name).ok_or_else(|| {
        DramError::bad(
            p,
            "dram_structure.protocol",
            &proto_name,
            "one of DDR3, DDR4, LPDDR, LPDDR3, LPDDR4, LPDDR5 (GDDR, HBM and HMC are not modelled)",
        )
    })?;
    for (section, key, why) in [
        (
            "system",
            "enable_self_refresh",
            "self-refresh is not modelled",
        ),
        (
            "system",
            "unified_queue",
            "only separate read and write queues are modelled",
        ),
    ] {
        if ini.boolean(section, key) {
            return Err(DramError::bad(
                p,
                &format!("{section}.{key}"),
                "true",
                format!("false ({why})"),
            ));
        }
    }
    if ini.raw("dram_structure", "bankgroup_enable").is_some()
        && !ini.boolean("dram_structure", "bankgroup_enable")
    {
        return Err(DramError::bad(
            p,
            "dram_structure.bankgroup_enable",
            "false",
            "true (GDDR bank-group disabling is not modelled)",
        ));
    }
    let mut bankgroups = ini.int32("dram_structure", "bankgroups", 2)?;
    let mut banks_per_group = ini.int32("dram_structure", "banks_per_group", 2)?;
    if bankgroups == 0 {
        bankgroups = 1;
    }
    if banks_per_group == 0 {
        banks_per_group = 1;
    }
    let rows = ini.int("dram_structure", "rows", 1 << 16)?;
    let columns = ini.int("dram_structure", "columns", 1 << 10)?;
    let device_width = ini.int32("dram_structure", "device_width", 8)?;
    let burst_length = ini.int32("dram_structure", "bl", 8)?;
    let bus_width = ini.int32("system", "bus_width", 64)?;
    let channels = ini.int32("system", "channels", 1)?;
    let channel_size_mb = ini.int("system", "channel_size", 1024)?;
    if device_width == 0 || bus_width < device_width {
        return Err(DramError::bad(
            p,
            "system.bus_width",
            bus_width,
            format!("≥ device_width ({device_width})"),
        ));
    }
    // DRAMsim3 CalculateSize: ranks = channel_size / (capacity of one rank), at least 1.
    // Saturating: absurd sizes give an absurd rank capacity, which the checks below refuse.
    let devices = u64::from(bus_width / device_width);
    let page_bytes = columns.saturating_mul(u64::from(device_width)) / 8;
    let megs_per_rank = (page_bytes.saturating_mul(rows / 1024) / 1024)
        .saturating_mul(u64::from(bankgroups).saturating_mul(u64::from(banks_per_group)))
        .saturating_mul(devices);
    let ranks = if megs_per_rank == 0 || megs_per_rank > channel_size_mb {
        1
    } else {
        channel_size_mb / megs_per_rank
    };
    if !ranks.is_power_of_two() || ranks > 16 {
        return Err(DramError::bad(
            p,
            "system.channel_size",
            channel_size_mb,
            format!("a power-of-two multiple (1 to 16) of one rank's {megs_per_rank} MB (gives {ranks} ranks)"),
        ));
    }

    let tck_ns = ini.real("timing", "tck", 1.0)?;
    let tras = ini.int("timing", "tras", 24)?;
    let trp = ini.int("timing", "trp", 10)?;
    let timing = Timing {
        tck_ps: (tck_ns * 1000.0).round() as u64,
        al: ini.int("timing", "al", 0)?,
        cl: ini.int("timing", "cl", 12)?,
        cwl: ini.int("timing", "cwl", 12)?,
        trcd: ini.int("timing", "trcd", 10)?,
        trp,
        tras,
        trc: tras.saturating_add(trp),
        trtp: ini.int("timing", "trtp", 5)?,
        twr: ini.int("timing", "twr", 10)?,
        twtr_s: ini.int("timing", "twtr_s", 5)?,
        twtr_l: ini.int("timing", "twtr_l", 5)?,
        tccd_s: ini.int("timing", "tccd_s", 4)?,
        tccd_l: ini.int("timing", "tccd_l", 6)?,
        trrd_s: ini.int("timing", "trrd_s", 4)?,
        trrd_l: ini.int("timing", "trrd_l", 4)?,
        tfaw: ini.int("timing", "tfaw", 50)?,
        trtrs: ini.int("timing", "trtrs", 2)?,
        tppd: ini.int("timing", "tppd", 0)?,
        trefi: ini.int("timing", "trefi", 7800)?,
        trfc: ini.int("timing", "trfc", 74)?,
        // DRAMsim3 models no power-down or self-refresh (and no idle policy is set below), so
        // its exit timings are not read.
        txp: 0,
        txs: 0,
    };
    let idd = IddCurrents {
        vdd: ini.real("power", "vdd", 1.2)?,
        idd0: ini.real("power", "idd0", 48.0)?,
        idd2n: ini.real("power", "idd2n", 34.0)?,
        idd3n: ini.real("power", "idd3n", 43.0)?,
        idd4r: ini.real("power", "idd4r", 135.0)?,
        idd4w: ini.real("power", "idd4w", 123.0)?,
        idd5ab: ini.real("power", "idd5ab", 250.0)?,
        // DRAMsim3's energy: no power-down, self-refresh or separate I/O term.
        idd2p: None,
        idd3p: None,
        idd6: None,
        vddq: None,
        iddq4r: None,
        iddq4w: None,
    };
    let qs = ini.string("system", "queue_structure", "PER_BANK");
    let queue_structure = match qs.to_ascii_uppercase().as_str() {
        "PER_BANK" => QueueStructure::PerBank,
        "PER_RANK" => QueueStructure::PerRank,
        _ => {
            return Err(DramError::bad(
                p,
                "system.queue_structure",
                qs,
                "PER_BANK or PER_RANK",
            ))
        }
    };
    let rp = ini.string("system", "refresh_policy", "RANK_LEVEL_STAGGERED");
    let refresh_policy = match rp.to_ascii_uppercase().as_str() {
        "RANK_LEVEL_STAGGERED" => RefreshPolicy::RankLevelStaggered,
        "RANK_LEVEL_SIMULTANEOUS" => RefreshPolicy::RankLevelSimultaneous,
        _ => return Err(DramError::bad(
            p,
            "system.refresh_policy",
            rp,
            "RANK_LEVEL_STAGGERED or RANK_LEVEL_SIMULTANEOUS (per-bank refresh is not modelled)",
        )),
    };
    let rb = ini.string("system", "row_buf_policy", "OPEN_PAGE");
    let row_buffer_policy = match rb.to_ascii_uppercase().as_str() {
        "OPEN_PAGE" => RowBufferPolicy::OpenPage,
        "CLOSE_PAGE" => RowBufferPolicy::ClosePage,
        _ => {
            return Err(DramError::bad(
                p,
                "system.row_buf_policy",
                rb,
                "OPEN_PAGE or CLOSE_PAGE",
            ))
        }
    };
    let spec = DramSpec {
        name: name.to_string(),
        protocol,
        organization: Organization {
            channels,
            ranks: ranks as u32,
            bankgroups,
            banks_per_group,
            rows,
            columns,
            device_width,
            bus_width,
            burst_length,
        },
        timing,
        power: Power {
            idd: Some(idd),
            energy_pj_per_bit: None,
        },
        controller: ControllerConfig {
            address_mapping: ini.string("system", "address_mapping", "chrobabgraco"),
            queue_structure,
            refresh_policy,
            row_buffer_policy,
            cmd_queue_size: ini.int32("system", "cmd_queue_size", 16)?,
            trans_queue_size: ini.int32("system", "trans_queue_size", 32)?,
            power_down_after_cycles: None,
            self_refresh_after_cycles: None,
        },
    };
    // Checked after the values, so that a wrong value is reported where it is.
    for (section, key) in REQUIRED {
        if ini.raw(section, key).is_none() {
            return Err(DramError::MissingKey {
                path: p.to_string(),
                key: format!("{section}.{key}"),
            });
        }
    }
    spec.validate(origin)?;
    Ok(spec)
}
