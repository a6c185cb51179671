//! Reader of DRAMsim3 `.ini` configuration files, with DRAMsim3's meaning and defaults, for
//! every standard it models but HMC: request size = bus_width/8 × BL; ranks = channel_size (MB)
//! / rank capacity; tRC = tRAS + tRP; GDDR columns × BL and HBM columns × 2 (DRAMsim3 counts
//! physical columns); `bankgroup_enable = false` folds the bank groups into one; GDDR and HBM
//! take ACT→RD/WR from tRCDRD/tRCDWR; HBM issues on two command buses unless `hbm_dual_cmd` is
//! false. Keys are sorted in `ini_keys.rs`: those the model uses, those DRAMsim3 reads that are
//! not simulated (power-down and self-refresh timings are read into the spec, energy only), and
//! those in DRAMsim3's own files that DRAMsim3 does not read; the last two and a `[thermal]`
//! section are accepted and listed in the spec's `not_modelled`. Unknown keys are errors.

use crate::error::DramError;
use crate::ini_keys::*;
use crate::spec::*;
use std::collections::BTreeMap;
use std::path::Path;

struct Ini {
    path: String,
    /// (section, key) → (value, line).
    values: BTreeMap<(String, String), (String, usize)>,
    /// What is accepted but not simulated, for the spec's `not_modelled`.
    notes: Vec<String>,
}

impl Ini {
    fn parse(text: &str, path: &str) -> Result<Ini, DramError> {
        let mut values = BTreeMap::new();
        let mut notes = Vec::new();
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
                if section == "thermal"
                    && !notes.iter().any(|n: &String| n.starts_with("[thermal]"))
                {
                    notes.push(format!(
                        "[thermal] (line {line_no}): DRAMsim3's thermal model is not modelled; its keys are ignored"
                    ));
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
            if checked_section(&section) {
                let simulated = listed(USED, &section, &key);
                let read_only = READ_NOT_SIMULATED
                    .iter()
                    .find(|(s, k, _)| *s == section && *k == key);
                if let Some((_, _, why)) = read_only {
                    notes.push(format!(
                        "{section}.{} (line {line_no}): read, not simulated: {why}",
                        k.trim()
                    ));
                } else if listed(NOT_READ_BY_DRAMSIM3, &section, &key) {
                    notes.push(format!(
                        "{section}.{} (line {line_no}): not a key DRAMsim3 reads; ignored, as DRAMsim3 does{}",
                        k.trim(),
                        if key == "refi" {
                            " (tREFI keeps DRAMsim3's default, 7800 cycles)"
                        } else {
                            ""
                        }
                    ));
                } else if !simulated {
                    return Err(DramError::BadValue {
                        path: format!("{path}:{line_no}"),
                        key: format!("{section}.{}", k.trim()),
                        value: v.trim().to_string(),
                        allowed: format!(
                            "unknown key (see DRAMsim3's configuration.cc for the keys){}",
                            suggest::did_you_mean(&key, known_keys(&section).into_iter())
                        ),
                    });
                }
            }
            if v.trim().is_empty() {
                // DRAMsim3's INI reader gives an empty value its default; so does cimsim.
                notes.push(format!(
                    "{section}.{} (line {line_no}): empty value; DRAMsim3's default is used",
                    k.trim()
                ));
                continue;
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
            notes,
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

    /// The value's leading token: DRAMsim3's INI reader (strtol/strtod) reads a number up to
    /// the first character that is not part of it, so `0.666 (1/1.5)` is 0.666.
    fn token<'a>(&self, v: &'a str) -> &'a str {
        v.split_whitespace().next().unwrap_or("")
    }

    fn int(&self, section: &str, key: &str, default: u64) -> Result<u64, DramError> {
        match self.raw(section, key) {
            None => Ok(default),
            Some((v, line)) => self.token(v).parse::<u64>().map_err(|_| {
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
            Some((v, line)) => match self.token(v).parse::<f64>() {
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
    let at = |section: &str, key: &str| match ini.raw(section, key) {
        Some((_, line)) => ini.where_(*line),
        None => p.to_string(),
    };
    let proto_name = ini.string("dram_structure", "protocol", "DDR3");
    let protocol = Protocol::from_name(&proto_name).ok_or_else(|| {
        let allowed: Vec<&str> = Protocol::ALL.iter().map(|p| p.name()).collect();
        let why = if proto_name.trim().eq_ignore_ascii_case("HMC") {
            " (HMC is out of scope: its serial links, vaults and crossbar are not modelled)"
        } else {
            ""
        };
        DramError::bad(
            &at("dram_structure", "protocol"),
            "dram_structure.protocol",
            &proto_name,
            format!("one of {}{why}", allowed.join(", ")),
        )
    })?;
    for (section, key, why) in [
        (
            "system",
            "enable_self_refresh",
            "self-refresh scheduling is not modelled; a power-down / self-refresh policy \
             can be set in cimsim's TOML format (energy only)",
        ),
        (
            "system",
            "unified_queue",
            "only separate read and write queues are modelled (DRAMsim3 uses a unified \
             queue only for HMC)",
        ),
    ] {
        if ini.boolean(section, key) {
            return Err(DramError::bad(
                &at(section, key),
                &format!("{section}.{key}"),
                "true",
                format!("false ({why})"),
            ));
        }
    }
    let mut bankgroups = ini.int32("dram_structure", "bankgroups", 2)?.max(1);
    let mut banks_per_group = ini.int32("dram_structure", "banks_per_group", 2)?.max(1);
    let bankgroup_enable = ini.raw("dram_structure", "bankgroup_enable").is_none()
        || ini.boolean("dram_structure", "bankgroup_enable");
    if !bankgroup_enable {
        // DRAMsim3 (GDDR5/6): all banks in one group, so the _S timings apply throughout.
        banks_per_group = banks_per_group.saturating_mul(bankgroups);
        bankgroups = 1;
    }
    let rows = ini.int("dram_structure", "rows", 1 << 16)?;
    let mut columns = ini.int("dram_structure", "columns", 1 << 10)?;
    let device_width = ini.int32("dram_structure", "device_width", 8)?;
    let burst_raw = ini.int32("dram_structure", "bl", 8)?;
    if burst_raw == 0 {
        return Err(DramError::bad(
            &at("dram_structure", "bl"),
            "dram_structure.BL",
            0,
            "a power of two ≥ 2 (DRAMsim3's BL = 0, an ideal data bus, is not modelled)",
        ));
    }
    let burst_length = burst_raw;
    // DRAMsim3 counts physical columns of device_width bits: a GDDR "column" holds a whole
    // burst, an HBM one two beats (prefetch).
    if protocol.is_gddr() {
        columns = columns.saturating_mul(u64::from(burst_length));
    } else if protocol.is_hbm() {
        columns = columns.saturating_mul(2);
    }
    let bus_width = ini.int32("system", "bus_width", 64)?;
    let channels = ini.int32("system", "channels", 1)?;
    let channel_size_mb = ini.int("system", "channel_size", 1024)?;
    if device_width == 0 || bus_width < device_width {
        return Err(DramError::bad(
            &at("system", "bus_width"),
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
            &at("system", "channel_size"),
            "system.channel_size",
            channel_size_mb,
            format!("a power-of-two multiple (1 to 16) of one rank's {megs_per_rank} MB (gives {ranks} ranks)"),
        ));
    }

    let tck_ns = ini.real("timing", "tck", 1.0)?;
    let tras = ini.int("timing", "tras", 24)?;
    let trp = ini.int("timing", "trp", 10)?;
    let al = ini.int("timing", "al", 0)?;
    // GDDR and HBM: ACT→RD = tRCDRD and ACT→WR = tRCDWR, AL not subtracted (DRAMsim3
    // timing.cc); stored with AL added, as the scheduler subtracts it.
    let (trcd, trcd_wr) = if protocol.has_separate_trcd() {
        let rd = ini.int("timing", "trcdrd", 24)?;
        let wr = ini.int("timing", "trcdwr", 20)?;
        (rd + al, wr + al)
    } else {
        (ini.int("timing", "trcd", 10)?, 0)
    };
    if let Some((v, line)) = ini.raw("timing", "trc") {
        // Not a DRAMsim3 key (it takes tRC = tRAS + tRP); a file that states one gets it checked.
        let trc = ini.int("timing", "trc", 0)?;
        if trc < tras + trp {
            return Err(DramError::bad(
                &ini.where_(*line),
                "timing.tRC",
                v,
                format!("≥ tRAS + tRP ({tras} + {trp} = {}): a bank cannot be activated again before its row has been open tRAS and closed tRP", tras + trp),
            ));
        }
    }
    let mut timing = Timing {
        tck_ps: (tck_ns * 1000.0).round() as u64,
        al,
        cl: ini.int("timing", "cl", 12)?,
        cwl: ini.int("timing", "cwl", 12)?,
        trcd,
        trcd_wr,
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
        t32aw: if protocol.has_32aw() {
            ini.int("timing", "t32aw", 330)?
        } else {
            0
        },
        trtrs: ini.int("timing", "trtrs", 2)?,
        tppd: ini.int("timing", "tppd", 0)?,
        trefi: ini.int("timing", "trefi", 7800)?,
        trfc: ini.int("timing", "trfc", 74)?,
        // Power-down and self-refresh timings, read (DRAMsim3's defaults) though the
        // scheduler does not use them: a spec read from a `.ini` has no idle policy.
        txp: ini.int("timing", "txp", 8)?,
        txs: ini.int("timing", "txs", 432)?,
        tcke: ini.int("timing", "tcke", 6)?,
        tckesr: ini.int("timing", "tckesr", 12)?,
    };
    if bankgroups == 1 {
        // One bank group: DRAMsim3 uses the _S values throughout, whatever the _L ones say
        // (its LPDDR file has tRRD_L 3 with the default tRRD_S 4).
        timing.tccd_l = timing.tccd_s;
        timing.trrd_l = timing.trrd_s;
        timing.twtr_l = timing.twtr_s;
    }
    let idd = IddCurrents {
        vdd: ini.real("power", "vdd", 1.2)?,
        idd0: ini.real("power", "idd0", 48.0)?,
        idd2n: ini.real("power", "idd2n", 34.0)?,
        idd3n: ini.real("power", "idd3n", 43.0)?,
        idd4r: ini.real("power", "idd4r", 135.0)?,
        idd4w: ini.real("power", "idd4w", 123.0)?,
        idd5ab: ini.real("power", "idd5ab", 250.0)?,
        // Power-down and self-refresh currents (DRAMsim3 reads IDD2P and IDD6x, not IDD3P;
        // its default for IDD2P stands in for a missing IDD3P), used only under an idle
        // policy, which a `.ini` does not set: its energy is DRAMsim3's.
        idd2p: Some(ini.real("power", "idd2p", 25.0)?),
        idd3p: Some(match ini.raw("power", "idd3p") {
            Some(_) => ini.real("power", "idd3p", 25.0)?,
            None => ini.real("power", "idd2p", 25.0)?,
        }),
        idd6: Some(ini.real("power", "idd6x", 31.0)?),
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
                &at("system", "queue_structure"),
                "system.queue_structure",
                qs,
                "PER_BANK or PER_RANK",
            ))
        }
    };
    let rp = ini.string("system", "refresh_policy", "RANK_LEVEL_STAGGERED");
    let refresh_policy =
        match rp.to_ascii_uppercase().as_str() {
            "RANK_LEVEL_STAGGERED" => RefreshPolicy::RankLevelStaggered,
            "RANK_LEVEL_SIMULTANEOUS" => RefreshPolicy::RankLevelSimultaneous,
            _ => return Err(DramError::bad(
                &at("system", "refresh_policy"),
                "system.refresh_policy",
                rp,
                "RANK_LEVEL_STAGGERED or RANK_LEVEL_SIMULTANEOUS (BANK_LEVEL_STAGGERED, per-bank \
             refresh, is not modelled; no DRAMsim3 file uses it)",
            )),
        };
    let rb = ini.string("system", "row_buf_policy", "OPEN_PAGE");
    let row_buffer_policy = match rb.to_ascii_uppercase().as_str() {
        "OPEN_PAGE" => RowBufferPolicy::OpenPage,
        "CLOSE_PAGE" => RowBufferPolicy::ClosePage,
        _ => {
            return Err(DramError::bad(
                &at("system", "row_buf_policy"),
                "system.row_buf_policy",
                rb,
                "OPEN_PAGE or CLOSE_PAGE",
            ))
        }
    };
    let dual_command_bus = protocol.is_hbm()
        && (ini.raw("dram_structure", "hbm_dual_cmd").is_none()
            || ini.boolean("dram_structure", "hbm_dual_cmd"));
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
            dual_command_bus,
        },
        not_modelled: ini.notes.clone(),
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
    spec.validate(origin).map_err(|e| locate(e, &ini))?;
    Ok(spec)
}

/// Points a validation error about a spec key (`timing.tras`) at the `.ini` line that set it.
fn locate(e: DramError, ini: &Ini) -> DramError {
    match e {
        DramError::BadValue {
            path,
            key,
            value,
            allowed,
        } => {
            let (section, field) = match key.strip_prefix("power.idd.") {
                Some(f) => ("power", f),
                None => key.split_once('.').unwrap_or(("", key.as_str())),
            };
            let field = match field {
                "burst_length" => "bl",
                "trcd" if ini.raw("timing", "trcdrd").is_some() => "trcdrd",
                "trcd_wr" => "trcdwr",
                "idd6" => "idd6x",
                f => f,
            };
            let candidates: &[&str] = match section {
                "timing" => &["timing"],
                "organization" => &["dram_structure", "system"],
                "controller" => &["system"],
                "power.idd" | "power" => &["power"],
                _ => &[],
            };
            let found = candidates
                .iter()
                .find_map(|s| ini.raw(s, field).map(|(_, line)| (*s, *line)));
            match found {
                Some((s, line)) => DramError::BadValue {
                    path: ini.where_(line),
                    key: format!("{s}.{field}"),
                    value,
                    allowed,
                },
                None => DramError::BadValue {
                    path,
                    key,
                    value,
                    allowed,
                },
            }
        }
        other => other,
    }
}
