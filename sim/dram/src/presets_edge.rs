//! Presets for edge-bandwidth designs: LPDDR5X-8533 (one x16 channel), HBM2E-3200 (one
//! 128-bit legacy-mode channel, 8 per stack) and GDDR6-16000 (the two x16 channels of one
//! device side by side). Each is ONE channel; `dram.channels` sets the count (16 × LPDDR5X =
//! 273 GB/s, 8 × HBM2E = one 409.6 GB/s stack, 4 × GDDR6 = 256 GB/s). Every figure carries its
//! source (docs/sources.md §14, "DRAM standards and edge presets"); [INFERRED] marks
//! derived values. Timing in cycles is the nanosecond figure ÷ tCK, rounded up.

use crate::spec::*;

fn controller(tck_ps: u64, dual_command_bus: bool) -> ControllerConfig {
    let mut c = crate::presets::controller_for(tck_ps);
    c.dual_command_bus = dual_command_bus;
    c
}

pub(crate) fn lpddr5x_8533() -> DramSpec {
    // JESD209-5B: 8533 MT/s with WCK = 4 × CK, so CK = 1066.7 MHz, tCK 0.9375 ns (rounded to
    // 938 ps). Bank-group mode (required above 3200 MT/s): 4 groups × 4 banks; a 16 Gb x16
    // die: 65,536 rows × 1,024 columns per bank. BL32 on x16 moves 64 bytes in 4 CK.
    DramSpec {
        name: "lpddr5x-8533".to_string(),
        protocol: Protocol::Lpddr5,
        organization: Organization {
            channels: 1,
            ranks: 1,
            bankgroups: 4,
            banks_per_group: 4,
            rows: 65_536,
            columns: 1024,
            device_width: 16,
            bus_width: 16,
            burst_length: 32,
        },
        // JESD209-5B core timings in ns (speed-independent): tRCD 18, tRPpb 18, tRAS 42,
        // tWR 34, tRTP 7.5, tWTR_S 6.25, tWTR_L 12, tRRD 3.75, tFAW 15 (bank-group mode), tPPD
        // 2 nCK, tRFCab 280 (16 Gb), tREFI 3906, tXP 7, tXSR = tRFCab + 7.5. In cycles of
        // 0.938 ns: 20, 20, 45, 37, 8, 7, 13, 4, 16, 2, 299, 4165, 8, 307; tRC = tRAS + tRP.
        // [INFERRED] RL 27 and WL 15 keep the lpddr5-6400 preset's 25 ns / 13.75 ns latencies;
        // tCCD_S = the 4-CK BL32 burst, tCCD_L = twice it (BL32 in bank-group mode takes two
        // BL16 slots of the same group); tRTRS 1.
        timing: Timing {
            tck_ps: 938,
            al: 0,
            cl: 27,
            cwl: 15,
            trcd: 20,
            trcd_wr: 0,
            trp: 20,
            tras: 45,
            trc: 65,
            trtp: 8,
            twr: 37,
            twtr_s: 7,
            twtr_l: 13,
            tccd_s: 4,
            tccd_l: 8,
            trrd_s: 4,
            trrd_l: 4,
            tfaw: 16,
            t32aw: 0,
            trtrs: 1,
            tppd: 2,
            trefi: 4165,
            trfc: 299,
            txp: 8,
            txs: 307,
            tcke: 0,
            tckesr: 0,
        },
        // [INFERRED] No public LPDDR5X IDD table; from the lpddr5-6400 preset's (itself
        // inferred from DRAMSys' LPDDR4 currents at LPDDR5 voltages, VDD2H 1.05 V, VDDQ 0.5 V),
        // standby / power-down / self-refresh unchanged; the same core charge per bit moved at
        // 8533/6400 the rate per device: IDD4R = 33.857 + 490·1.333 = 687.2, IDD4W = 33.857 +
        // 360·1.333 = 513.9; I/O the same energy per bit: IDDQ4R 136.36·1.333 = 181.8, IDDQ4W
        // 50·1.333 = 66.7 mA at 0.5 V; refresh of twice the array (16 Gb) in 280 ns instead of
        // 210 ns: IDD5 142.857·1.5 = 214.3.
        power: Power {
            idd: Some(IddCurrents {
                vdd: 1.05,
                idd0: 51.0,
                idd2n: 30.429,
                idd3n: 33.857,
                idd4r: 687.2,
                idd4w: 513.9,
                idd5ab: 214.3,
                idd2p: Some(5.057),
                idd3p: Some(11.057),
                idd6: Some(1.014),
                vddq: Some(0.5),
                iddq4r: Some(181.8),
                iddq4w: Some(66.7),
            }),
            energy_pj_per_bit: None,
        },
        controller: controller(938, false),
        not_modelled: Vec::new(),
    }
}

pub(crate) fn hbm2e_3200() -> DramSpec {
    // JESD235C HBM2E at 3.2 Gb/s per pin: CK 1.6 GHz, tCK 625 ps; legacy mode, a 128-bit
    // channel, BL4 (64 bytes in 2 CK). 16 Gb per channel's die share: 4 bank groups × 4 banks
    // × 32,768 rows × 128 columns of 128 bits (DRAMsim3's HBM2_8Gb_x128.ini organisation with
    // twice the rows) [INFERRED density split].
    DramSpec {
        name: "hbm2e-3200".to_string(),
        protocol: Protocol::Hbm2,
        organization: Organization {
            channels: 1,
            ranks: 1,
            bankgroups: 4,
            banks_per_group: 4,
            rows: 65_536,
            columns: 128,
            device_width: 128,
            bus_width: 128,
            burst_length: 4,
        },
        // DRAMsim3 HBM2_8Gb_x128.ini (tCK 1 ns, so its cycles are ns): CL 14, CWL 4, tRCDRD 14,
        // tRCDWR 14, tRP 14, tRAS 34, tRRD_S 4, tRRD_L 6, tWTR_S 6, tWTR_L 8, tFAW 30, tWR 16,
        // tCCD_S 1, tCCD_L 2, tRTP_S 4, tREFI 3900, tXP 8, tXS 268; in 0.625 ns cycles: 23, 7,
        // 23, 23, 23, 55, 7, 10, 10, 13, 48, 26, 2 (the burst), 4, 7, 6240, 13, 429.
        // [INFERRED] tRFC 350 ns for the 16 Gb die (JEDEC's 8 Gb value is 260 ns) = 560.
        timing: Timing {
            tck_ps: 625,
            al: 0,
            cl: 23,
            cwl: 7,
            trcd: 23,
            trcd_wr: 23,
            trp: 23,
            tras: 55,
            trc: 78,
            trtp: 7,
            twr: 26,
            twtr_s: 10,
            twtr_l: 13,
            tccd_s: 2,
            tccd_l: 4,
            trrd_s: 7,
            trrd_l: 10,
            tfaw: 48,
            t32aw: 0,
            trtrs: 1,
            tppd: 0,
            trefi: 6240,
            trfc: 560,
            txp: 13,
            txs: 429,
            tcke: 0,
            tckesr: 0,
        },
        // DRAMsim3 HBM2_8Gb_x128.ini per channel: VDD 1.2 V, IDD0 65, IDD2N 40, IDD3N 55,
        // IDD4R 390, IDD4W 500, IDD5AB 250, IDD2P 28, IDD3P 40, IDD6x 31 mA at 1 Gb/s per pin.
        // [INFERRED] At 3.2 Gb/s the same charge per bit, 1.6× the burst rate per CK-cycle
        // ... per ns: IDD4R = 55 + 335·1.6 = 591, IDD4W = 55 + 445·1.6 = 767; the I/O term,
        // absent from the file, set to 0.5 pJ/bit (short interposer wires, unterminated):
        // IDDQ4 = 0.5·512/(1.2·1.25) = 170.7 mA at VDDQ 1.2 V.
        power: Power {
            idd: Some(IddCurrents {
                vdd: 1.2,
                idd0: 65.0,
                idd2n: 40.0,
                idd3n: 55.0,
                idd4r: 591.0,
                idd4w: 767.0,
                idd5ab: 250.0,
                idd2p: Some(28.0),
                idd3p: Some(40.0),
                idd6: Some(31.0),
                vddq: Some(1.2),
                iddq4r: Some(170.7),
                iddq4w: Some(170.7),
            }),
            energy_pj_per_bit: None,
        },
        controller: controller(625, true),
        not_modelled: Vec::new(),
    }
}

pub(crate) fn gddr6_16000() -> DramSpec {
    // JESD250 GDDR6 at 16 Gb/s per pin: 16 transfers per CK (WCK = 4 × CK, QDR), CK 1 GHz,
    // tCK 1 ns. The two x16 channels of one 8 Gb device side by side (32 bits, BL16: 64 bytes
    // in 1 CK); 4 bank groups × 4 banks × 16,384 rows × 2,048 columns (DRAMsim3's
    // GDDR6_8Gb_x16.ini organisation, columns × BL as DRAMsim3 counts them).
    DramSpec {
        name: "gddr6-16000".to_string(),
        protocol: Protocol::Gddr6,
        organization: Organization {
            channels: 1,
            ranks: 1,
            bankgroups: 4,
            banks_per_group: 4,
            rows: 16_384,
            columns: 2048,
            device_width: 16,
            bus_width: 32,
            burst_length: 16,
        },
        // DRAMsim3 GDDR6_8Gb_x16.ini at tCK 0.66 ns: CL 24, CWL 16, tRCDRD 24, tRCDWR 20,
        // tRP 24, tRAS 54, tRRD 9, tWTR 7, tFAW 32, tWR 16, tCCD_S 3, tCCD_L 4, tRTP 3, tPPD 2,
        // t32AW 420, tRFC 126, tXP 12, tXS 132; in ns ÷ 1 ns, rounded up: 16, 11, 16, 14, 16,
        // 36, 6, 5, 22, 11, -, -, 2, 2, 278, 84, 8, 88. [INFERRED] tCCD_S 1 and tCCD_L 2: JEDEC's
        // 2 and 4 nCK of the 2 GHz clock that JESD250 counts in (the file's 3/4 cycles would cap
        // streams at half the pins' rate); tREFI 1.9 µs (32 ms over 16 k refreshes) = 1900;
        // tRTRS 1.
        timing: Timing {
            tck_ps: 1000,
            al: 0,
            cl: 16,
            cwl: 11,
            trcd: 16,
            trcd_wr: 14,
            trp: 16,
            tras: 36,
            trc: 52,
            trtp: 2,
            twr: 11,
            twtr_s: 5,
            twtr_l: 5,
            tccd_s: 1,
            tccd_l: 2,
            trrd_s: 6,
            trrd_l: 6,
            tfaw: 22,
            t32aw: 278,
            trtrs: 1,
            tppd: 2,
            trefi: 1900,
            trfc: 84,
            txp: 8,
            txs: 88,
            tcke: 0,
            tckesr: 0,
        },
        // DRAMsim3 GDDR6_8Gb_x16.ini per x16: VDD 1.35 V, IDD0 71, IDD2N 60, IDD3N 61, IDD4R
        // 248, IDD4W 231, IDD5AB 286, IDD2P 45, IDD3P 50, IDD6x 35 mA (at its 24 Gb/s).
        // [INFERRED] At 16 Gb/s the same charge per bit: IDD4R = 61 + 187·2/3 = 185.7, IDD4W =
        // 61 + 170·2/3 = 174.3; I/O (POD135, terminated) 3.5 pJ/bit: IDDQ4 = 3.5·256/1.35 =
        // 663.7 mA at VDDQ 1.35 V.
        power: Power {
            idd: Some(IddCurrents {
                vdd: 1.35,
                idd0: 71.0,
                idd2n: 60.0,
                idd3n: 61.0,
                idd4r: 185.7,
                idd4w: 174.3,
                idd5ab: 286.0,
                idd2p: Some(45.0),
                idd3p: Some(50.0),
                idd6: Some(35.0),
                vddq: Some(1.35),
                iddq4r: Some(663.7),
                iddq4w: Some(663.7),
            }),
            energy_pj_per_bit: None,
        },
        controller: controller(1000, false),
        not_modelled: Vec::new(),
    }
}
