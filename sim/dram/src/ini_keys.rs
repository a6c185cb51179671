//! The keys of DRAMsim3's `.ini` format, sorted by what cimsim does with them. Lower case, per
//! section. A key in none of these lists is an error (a typo is caught, with a suggestion).

/// Keys DRAMsim3 reads (`configuration.cc`) that drive cimsim's model.
pub(crate) const USED: &[(&str, &[&str])] = &[
    (
        "dram_structure",
        &[
            "protocol",
            "bankgroups",
            "banks_per_group",
            "bankgroup_enable",
            "rows",
            "columns",
            "device_width",
            "bl",
            "hbm_dual_cmd",
        ],
    ),
    (
        "timing",
        &[
            "tck", "al", "cl", "cwl", "trcd", "trcdrd", "trcdwr", "trp", "tras", "trfc", "trefi",
            "trrd_s", "trrd_l", "twtr_s", "twtr_l", "tfaw", "t32aw", "twr", "trtp", "tccd_s",
            "tccd_l", "trtrs", "tppd", "txp", "txs", "tcke", "tckesr",
        ],
    ),
    (
        "power",
        &[
            "vdd", "idd0", "idd2n", "idd3n", "idd4w", "idd4r", "idd5ab", "idd2p", "idd6x",
        ],
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
            "unified_queue",
            "enable_self_refresh",
        ],
    ),
];

/// Keys DRAMsim3 reads that cimsim reads and does not simulate, with why. Reported in the
/// spec's `not_modelled` list when present.
pub(crate) const READ_NOT_SIMULATED: &[(&str, &str, &str)] = &[
    (
        "dram_structure",
        "num_dies",
        "DRAMsim3 uses it only in its thermal model",
    ),
    (
        "timing",
        "trfcb",
        "per-bank refresh is not scheduled (no shipped file asks for it)",
    ),
    (
        "timing",
        "trefib",
        "per-bank refresh is not scheduled (no shipped file asks for it)",
    ),
    (
        "timing",
        "trpre",
        "DRAMsim3 reads it and does not use it either",
    ),
    (
        "timing",
        "twpre",
        "DRAMsim3 reads it and does not use it either",
    ),
    (
        "timing",
        "ideal_memory_latency",
        "only DRAMsim3's ideal-memory mode uses it",
    ),
    ("power", "idd5pb", "per-bank refresh is not scheduled"),
    (
        "power",
        "idd3p",
        "DRAMsim3 does not read it; kept as the active power-down current, used only under an \
         idle policy (which a .ini does not set)",
    ),
    (
        "system",
        "write_buf_size",
        "DRAMsim3 uses it only with a unified queue",
    ),
    (
        "system",
        "sref_threshold",
        "self-refresh scheduling is off in DRAMsim3 files",
    ),
    (
        "system",
        "aggressive_precharging_enabled",
        "DRAMsim3 reads it and does not use it",
    ),
];

/// Keys that occur in DRAMsim3's shipped configuration files but that DRAMsim3 does not read
/// (so it simulates its defaults instead); cimsim accepts them, does the same, and says so.
/// `REFI` (DDR3 and LPDDR3 files) is the notable one: DRAMsim3 then refreshes every 7,800
/// cycles, its default tREFI, and so does cimsim.
pub(crate) const NOT_READ_BY_DRAMSIM3: &[(&str, &[&str])] = &[
    (
        "timing",
        &[
            "refi",
            "trc",
            "trfc2",
            "trfc4",
            "twr2",
            "trtp_l",
            "trtp_s",
            "refresh_period",
            "tcksre",
            "tcmd",
            "activation_window_depth",
            "trrefd",
            "trfcpb",
            "tcas",
            "tcwd",
        ],
    ),
    (
        "power",
        &[
            "ipp0", "idd1", "idd2q", "idd3pf", "idd3ps", "idd5", "idd6", "idd6l", "idd7",
        ],
    ),
];

/// Sections DRAMsim3 knows. `[other]` holds output options (ignored); `[thermal]` is
/// DRAMsim3's thermal model, which cimsim does not simulate (accepted, reported); `[hmc]`
/// belongs to HMC, which is out of scope.
pub(crate) const SECTIONS: &[&str] = &[
    "dram_structure",
    "timing",
    "power",
    "system",
    "other",
    "thermal",
    "hmc",
];

/// Keys without which a file is refused rather than read with a silent default.
pub(crate) const REQUIRED: &[(&str, &str)] = &[("dram_structure", "protocol"), ("timing", "tck")];

/// Whether `key` of `section` is in `table`.
pub(crate) fn listed(table: &[(&str, &[&str])], section: &str, key: &str) -> bool {
    table
        .iter()
        .any(|(s, keys)| *s == section && keys.contains(&key))
}

/// Whether cimsim checks the keys of `section` (the others are free-form to it).
pub(crate) fn checked_section(section: &str) -> bool {
    USED.iter().any(|(s, _)| *s == section)
}

/// Every known key of `section`, for suggestions.
pub(crate) fn known_keys(section: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = USED
        .iter()
        .chain(NOT_READ_BY_DRAMSIM3)
        .filter(|(s, _)| *s == section)
        .flat_map(|(_, keys)| keys.iter().copied())
        .collect();
    out.extend(
        READ_NOT_SIMULATED
            .iter()
            .filter(|(s, _, _)| *s == section)
            .map(|(_, k, _)| *k),
    );
    out
}
