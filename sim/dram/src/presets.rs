//! Built-in DRAM systems. Numbers come from `docs/sources.md` section 7
//! (DRAMSys memspecs, Ramulator/Ramulator2, gem5) and DRAMsim3's DDR4 config; each is cited
//! where it is set. All presets describe ONE channel of 32 bits (two x16 devices side by side,
//! LPDDR packages are organised as x16 channels, and a 32-bit controller channel with BL16 moves
//! 64 bytes, a cache line, per request) except DDR4, which is the usual 64-bit DIMM channel
//! with BL8 (also 64 bytes). Systems with wider interfaces use `with_channels`: 4 × 32-bit
//! LPDDR5-6400 = 128 bits = 102.4 GB/s.
//!
//! Address mapping of every preset: `rorabacobgch`, channel in the lowest bits (consecutive
//! requests spread over channels, so a stream fed in address order keeps every channel busy),
//! then bank group (consecutive requests of a channel alternate bank groups, so tCCD_L does not
//! throttle streams on bank-group devices), then column (row-buffer hits), then bank, rank, row.

use crate::spec::*;

/// Names accepted by [`get`].
pub fn names() -> &'static [&'static str] {
    &[
        "lpddr4-3200",
        "lpddr4x-4266",
        "lpddr5-6400",
        "ddr4-3200",
        "lpddr5x-8533",
        "hbm2e-3200",
        "gddr6-16000",
    ]
}

/// A preset by name (case-insensitive), with one channel.
pub fn get(name: &str) -> Option<DramSpec> {
    match name.to_ascii_lowercase().as_str() {
        "lpddr4-3200" => Some(lpddr4_3200()),
        "lpddr4x-4266" => Some(lpddr4x_4266()),
        "lpddr5-6400" => Some(lpddr5_6400()),
        "ddr4-3200" => Some(ddr4_3200()),
        "lpddr5x-8533" => Some(crate::presets_edge::lpddr5x_8533()),
        "hbm2e-3200" => Some(crate::presets_edge::hbm2e_3200()),
        "gddr6-16000" => Some(crate::presets_edge::gddr6_16000()),
        _ => None,
    }
}

/// Idle time after which a preset's rank is counted in power-down, ns. JEDEC sets no entry
/// threshold (a controller may enter power-down as soon as tCKE allows); 100 ns is a few
/// times tXP (7.5 ns on LPDDR4, 7 ns on LPDDR5), so a rank sleeps only through gaps that
/// repay the exit, as controllers' idle timers are set (sources §10).
pub const POWER_DOWN_AFTER_NS: u64 = 100;

/// Idle time after which a preset's rank is counted in self-refresh, ns: 10 µs, about 2.5 tREFI
/// (3.9 µs on LPDDR4/5), so a rank that would otherwise refresh several times in a row with
/// nothing else to do refreshes itself; tXS (≈ tRFC + 7.5 ns) is small against it.
pub const SELF_REFRESH_AFTER_NS: u64 = 10_000;

/// The shared controller settings of the presets, in cycles of `tck_ps`.
pub(crate) fn controller_for(tck_ps: u64) -> ControllerConfig {
    controller(tck_ps)
}

fn controller(tck_ps: u64) -> ControllerConfig {
    // Queue sizes and policies of DRAMsim3's shipped configs (LPDDR4_8Gb_x16_2400.ini); idle
    // policy as above, in cycles of this preset's clock.
    let cycles = |ns: u64| (ns * 1000).div_ceil(tck_ps);
    ControllerConfig {
        address_mapping: "rorabacobgch".to_string(),
        queue_structure: QueueStructure::PerBank,
        refresh_policy: RefreshPolicy::RankLevelStaggered,
        row_buffer_policy: RowBufferPolicy::OpenPage,
        cmd_queue_size: 8,
        trans_queue_size: 32,
        power_down_after_cycles: Some(cycles(POWER_DOWN_AFTER_NS)),
        self_refresh_after_cycles: Some(cycles(SELF_REFRESH_AFTER_NS)),
        dual_command_bus: false,
    }
}

fn lpddr4_3200() -> DramSpec {
    // sources §7.2: DRAMSys configs/memspec/JEDEC_8Gb_LPDDR4-3200_16bit.json:
    // BL16, 8 banks, 65,536 rows, 1,024 columns, x16, 1600 MHz clock.
    DramSpec {
        name: "lpddr4-3200".to_string(),
        protocol: Protocol::Lpddr4,
        organization: Organization {
            channels: 1,
            ranks: 1,
            bankgroups: 1,
            banks_per_group: 8,
            rows: 65_536,
            columns: 1024,
            device_width: 16,
            bus_width: 32,
            burst_length: 16,
        },
        // Same memspec, cycles: RCD 29, RL 28, WL 14, RAS 68, RPpb 29, RCpb 97, RRD 16, FAW 64,
        // RTP 12, WR 29, WTR 16, CCD 8, REFI 6246, RFCab 448. LPDDR4 has no bank groups, so the
        // _s and _l values are equal. tRTRS 2 and tPPD 4: Ramulator LPDDR4.h at 3200 (7.1).
        timing: Timing {
            tck_ps: 625,
            al: 0,
            cl: 28,
            cwl: 14,
            trcd: 29,
            trp: 29,
            tras: 68,
            trc: 97,
            trtp: 12,
            twr: 29,
            twtr_s: 16,
            twtr_l: 16,
            tccd_s: 8,
            tccd_l: 8,
            trrd_s: 16,
            trrd_l: 16,
            tfaw: 64,
            trtrs: 2,
            tppd: 4,
            trefi: 6246,
            trfc: 448,
            txp: 12,
            txs: 460,
            trcd_wr: 0,
            t32aw: 0,
            tcke: 0,
            tckesr: 0,
        },
        // Same memspec, per device: VDD1 = 1.8 V, VDD2 = VDDQ = 1.1 V; IDD0 3.5/45, IDD2N 2.0/27,
        // IDD3N 2.25/30, IDD4R 2.25/275/150 (VDDQ), IDD4W 2.25/210/55, IDD5 10/90,
        // IDD2P 1.2/3.0, IDD3P 1.2/9.0, IDD6 0.3/0.5 mA; XP 12, XSR 460 (sources §10.1).
        // The core is one supply, so each core current is the VDD2 equivalent
        // (I1·1.8/1.1 + I2: VDD1 adds ×1.636); the read/write I/O (VDDQ) currents are their
        // own term (≈ 3.2 pJ/bit read, section 7.5). The VDDQ standby currents (0.75 mA) are
        // left out in every state.
        power: Power {
            idd: Some(IddCurrents {
                vdd: 1.1,
                idd0: 50.727,
                idd2n: 30.273,
                idd3n: 33.682,
                idd4r: 278.682,
                idd4w: 213.682,
                idd5ab: 106.364,
                idd2p: Some(4.964),
                idd3p: Some(10.964),
                idd6: Some(0.991),
                vddq: Some(1.1),
                iddq4r: Some(150.0),
                iddq4w: Some(55.0),
            }),
            energy_pj_per_bit: None,
        },
        controller: controller(625),
        not_modelled: Vec::new(),
    }
}

fn lpddr4x_4266() -> DramSpec {
    // sources §7.2: DRAMSys configs/memspec/JEDEC_1Gbx16_LPDDR4-4266.json:
    // tCK 0.469 ns, BL16, 8 banks, 131,072 rows, 1,024 columns, x16 (a 16 Gb die).
    DramSpec {
        name: "lpddr4x-4266".to_string(),
        protocol: Protocol::Lpddr4,
        organization: Organization {
            channels: 1,
            ranks: 1,
            bankgroups: 1,
            banks_per_group: 8,
            rows: 131_072,
            columns: 1024,
            device_width: 16,
            bus_width: 32,
            burst_length: 16,
        },
        // Same memspec, cycles: RCD 39, RL 36, WL 18, RAS 90, RPpb 39, RCpb 129, RRD 22, FAW 86,
        // RTP 17, WR 39, WTR 22, CCD 8, REFI 8341, RFCab 812. tRTRS and tPPD are not in the
        // file: tRTRS 2 and tPPD 4 as for LPDDR4-3200 (JEDEC gives tPPD = 4 tCK).
        timing: Timing {
            tck_ps: 469,
            al: 0,
            cl: 36,
            cwl: 18,
            trcd: 39,
            trp: 39,
            tras: 90,
            trc: 129,
            trtp: 17,
            twr: 39,
            twtr_s: 22,
            twtr_l: 22,
            tccd_s: 8,
            tccd_l: 8,
            trrd_s: 22,
            trrd_l: 22,
            tfaw: 86,
            trtrs: 2,
            tppd: 4,
            trefi: 8341,
            trfc: 812,
            txp: 16,
            txs: 828,
            trcd_wr: 0,
            t32aw: 0,
            tcke: 0,
            tckesr: 0,
        },
        // The 4266 memspec's IDD fields are zeros [INFERRED, sources §10.2]: the core
        // (VDD1/VDD2) currents are those of LPDDR4-3200 above (same process, same array), so
        // background, power-down, self-refresh, ACT and refresh currents are unchanged; the
        // burst energy per bit is unchanged in the core, so IDD4 − IDD3N scales with the data
        // rate (×4266/3200): IDD4R = 33.682 + 245.0·1.333, IDD4W = 33.682 + 180.0·1.333. The
        // I/O runs at VDDQ = 0.6 V instead of 1.1 V (LPDDR4X), so I/O energy per bit scales by
        // (0.6/1.1)²: IDDQ4R = 150·(0.6/1.1)·1.333 = 109.07, IDDQ4W = 55·(0.6/1.1)·1.333 =
        // 39.99 mA at 0.6 V. tXP = max(7.5 ns, 5 tCK) = 16, tXS = XSR 828 (the memspec).
        power: Power {
            idd: Some(IddCurrents {
                vdd: 1.1,
                idd0: 50.727,
                idd2n: 30.273,
                idd3n: 33.682,
                idd4r: 360.298,
                idd4w: 273.645,
                idd5ab: 106.364,
                idd2p: Some(4.964),
                idd3p: Some(10.964),
                idd6: Some(0.991),
                vddq: Some(0.6),
                iddq4r: Some(109.07),
                iddq4w: Some(39.99),
            }),
            energy_pj_per_bit: None,
        },
        controller: controller(469),
        not_modelled: Vec::new(),
    }
}

fn lpddr5_6400() -> DramSpec {
    // sources §7.3: Ramulator2 src/dram/impl/LPDDR5.cpp, LPDDR5_8Gb_x16: 4 bank groups
    // × 4 banks × 32,768 rows × 1,024 columns. Data at 6400 MT/s on WCK = 4 × CK, so the
    // command clock is 800 MHz (tCK 1.25 ns, the clock the preset's cycle counts fit) and a
    // BL16 burst takes 2 CK (gem5 LPDDR5_6400 *_BL16: tBURST 2.5 ns).
    DramSpec {
        name: "lpddr5-6400".to_string(),
        protocol: Protocol::Lpddr5,
        organization: Organization {
            channels: 1,
            ranks: 1,
            bankgroups: 4,
            banks_per_group: 4,
            rows: 32_768,
            columns: 1024,
            device_width: 16,
            bus_width: 32,
            burst_length: 16,
        },
        // Ramulator2 LPDDR5_6400: nCL 20, nRCD 15, nRPpb 15, nRAS 34, nWR 28, nRTP 4, nCWL 11,
        // nCCD 4 (used as tCCD_L; tCCD_S = the 2-cycle BL16 burst), nRRD 4, nWTRS 5, nWTRL 10,
        // nFAW 16, nPPD 2. Its nRC = 30 is below nRAS + nRPpb = 49 (a bug, 7.3 caveat 2): tRC
        // = 49 cycles = 61.25 ns ≈ the 60 ns of tRAS 42 ns + tRPpb 18 ns. Refresh for 8 Gb:
        // tRFCab 210 ns = 168 cycles, tREFI 3906 ns = 3124 cycles. tRTRS is not given: 1.
        timing: Timing {
            tck_ps: 1250,
            al: 0,
            cl: 20,
            cwl: 11,
            trcd: 15,
            trp: 15,
            tras: 34,
            trc: 49,
            trtp: 4,
            twr: 28,
            twtr_s: 5,
            twtr_l: 10,
            tccd_s: 2,
            tccd_l: 4,
            trrd_s: 4,
            trrd_l: 4,
            tfaw: 16,
            trtrs: 1,
            tppd: 2,
            trefi: 3124,
            trfc: 168,
            txp: 6,
            txs: 174,
            trcd_wr: 0,
            t32aw: 0,
            tcke: 0,
            tckesr: 0,
        },
        // No credible LPDDR5 IDD values exist (Ramulator2 and gem5 ship none; DRAMPower's
        // lpddr5.json is synthetic test data, 7.3/7.5). [INFERRED, sources §10.3] The 8 Gb
        // LPDDR4-3200 currents of DRAMSys (same density, same 2 KB page) at the JEDEC LPDDR5
        // voltages (VDD1 1.8 V, VDD2H 1.05 V, VDDQ 0.5 V; Micron MT62F datasheet):
        // - standby, power-down, self-refresh and ACT currents per supply unchanged, as VDD2H
        //   equivalents I1·1.8/1.05 + I2 (VDD1 ×1.714): IDD0 3.5/45 → 51.0, IDD2N 2.0/27 →
        //   30.429, IDD3N 2.25/30 → 33.857, IDD2P 1.2/3.0 → 5.057, IDD3P 1.2/9.0 → 11.057,
        //   IDD6 0.3/0.5 → 1.014;
        // - the same core charge per bit moved: a BL16 burst takes 2.5 ns instead of 5 ns, so
        //   IDD4 − IDD3N doubles: IDD4R = 33.857 + 2·245 = 523.857, IDD4W = 33.857 + 2·180 =
        //   393.857;
        // - I/O energy per bit ∝ VDDQ² (0.5 V vs 1.1 V) at twice the rate: IDDQ4R = 150·(0.5/
        //   1.1)·2 = 136.36, IDDQ4W = 55·(0.5/1.1)·2 = 50.0 mA at 0.5 V;
        // - the same charge per refresh of the 8 Gb array in tRFCab 210 ns instead of 280 ns:
        //   IDD5 10/90 ×4/3 → 13.33·1.714 + 120 = 142.857.
        // tXP 7 ns → 6 cycles, tXS 217.5 ns → 174 cycles (gem5 LPDDR5).
        power: Power {
            idd: Some(IddCurrents {
                vdd: 1.05,
                idd0: 51.0,
                idd2n: 30.429,
                idd3n: 33.857,
                idd4r: 523.857,
                idd4w: 393.857,
                idd5ab: 142.857,
                idd2p: Some(5.057),
                idd3p: Some(11.057),
                idd6: Some(1.014),
                vddq: Some(0.5),
                iddq4r: Some(136.36),
                iddq4w: Some(50.0),
            }),
            energy_pj_per_bit: None,
        },
        controller: controller(1250),
        not_modelled: Vec::new(),
    }
}

fn ddr4_3200() -> DramSpec {
    // DRAMsim3 configs/DDR4_8Gb_x16_3200.ini (../shared/reference/dram/): 2 bank groups × 4
    // banks, 65,536 rows, 1,024 columns, x16, BL8, 64-bit bus, channel_size 8192 MB = 2 ranks.
    DramSpec {
        name: "ddr4-3200".to_string(),
        protocol: Protocol::Ddr4,
        organization: Organization {
            channels: 1,
            ranks: 2,
            bankgroups: 2,
            banks_per_group: 4,
            rows: 65_536,
            columns: 1024,
            device_width: 16,
            bus_width: 64,
            burst_length: 8,
        },
        // Same file (cycles): CL 22, CWL 16, tRCD 22, tRP 22, tRAS 52, tRFC 560, tREFI 12480,
        // tRRD_S 9, tRRD_L 11, tWTR_S 4, tWTR_L 12, tFAW 48, tWR 24, tRTP 12, tCCD_S 4,
        // tCCD_L 8, tRTRS 1; tRC = tRAS + tRP as DRAMsim3 computes it. The file's tCK of
        // 0.63 ns is 3200 MT/s rounded; 625 ps is exact.
        timing: Timing {
            tck_ps: 625,
            al: 0,
            cl: 22,
            cwl: 16,
            trcd: 22,
            trp: 22,
            tras: 52,
            trc: 74,
            trtp: 12,
            twr: 24,
            twtr_s: 4,
            twtr_l: 12,
            tccd_s: 4,
            tccd_l: 8,
            trrd_s: 9,
            trrd_l: 11,
            tfaw: 48,
            trtrs: 1,
            tppd: 0,
            trefi: 12_480,
            trfc: 560,
            txp: 10,
            txs: 576,
            trcd_wr: 0,
            t32aw: 0,
            tcke: 0,
            tckesr: 0,
        },
        // Same file: VDD 1.2 V, IDD0 95, IDD2N 37, IDD3N 56, IDD4R 302, IDD4W 278, IDD5AB 280,
        // IDD2P 25, IDD3P 47, IDD6x 30 mA; tXP 10, tXS 576. The file has no I/O currents
        // [INFERRED, sources §10.4]: LPDDR4's 3.22 pJ/bit read I/O scaled by (1.2/1.1)² for
        // POD12 at VDDQ = 1.2 V, 3.83 pJ/bit; 128 bits per device per 2.5 ns burst gives
        // IDDQ4R = 3.83·128/(1.2·2.5) = 163.4 mA, IDDQ4W = 163.4·55/150 = 59.9 mA.
        power: Power {
            idd: Some(IddCurrents {
                vdd: 1.2,
                idd0: 95.0,
                idd2n: 37.0,
                idd3n: 56.0,
                idd4r: 302.0,
                idd4w: 278.0,
                idd5ab: 280.0,
                idd2p: Some(25.0),
                idd3p: Some(47.0),
                idd6: Some(30.0),
                vddq: Some(1.2),
                iddq4r: Some(163.4),
                iddq4w: Some(59.9),
            }),
            energy_pj_per_bit: None,
        },
        controller: controller(625),
        not_modelled: Vec::new(),
    }
}
