//! The DRAM standards and what distinguishes them in the timing model.

use serde::{Deserialize, Serialize};

/// DRAM standard: every one DRAMsim3 models except HMC, plus LPDDR5. Decides how many data
/// transfers happen per clock cycle (and so the burst length in cycles) and which timing rules
/// apply (tPPD, the 32-activate window, separate read/write tRCD, HBM's dual command bus), as
/// DRAMsim3's `configuration.cc` and `timing.cc` define them. Matches over it list every
/// standard, so that adding one makes the compiler name every place that must handle it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Protocol {
    Ddr3,
    Ddr4,
    Lpddr,
    Lpddr3,
    Lpddr4,
    /// LPDDR5 with a 4:1 WCK:CK ratio: data moves on both WCK edges, 8 transfers per CK.
    Lpddr5,
    /// GDDR5: BL8 in 2 command clocks (data at 4× CK, DRAMsim3's `BL / 4`).
    Gddr5,
    /// GDDR5X: BL16 in 2 command clocks (DRAMsim3's `BL / 8`).
    Gddr5x,
    /// GDDR6: BL16 in one command clock (DRAMsim3's `BL / 16`).
    Gddr6,
    /// HBM: double data rate, separate row and column command buses.
    Hbm,
    Hbm2,
}

impl Protocol {
    /// Every standard, in DRAMsim3's order (LPDDR5 last).
    pub const ALL: [Protocol; 11] = [
        Protocol::Ddr3,
        Protocol::Ddr4,
        Protocol::Gddr5,
        Protocol::Gddr5x,
        Protocol::Gddr6,
        Protocol::Lpddr,
        Protocol::Lpddr3,
        Protocol::Lpddr4,
        Protocol::Hbm,
        Protocol::Hbm2,
        Protocol::Lpddr5,
    ];

    /// Data transfers per command clock (tCK) cycle: burst cycles = BL / this.
    pub fn transfers_per_clock(self) -> u64 {
        match self {
            Protocol::Ddr3
            | Protocol::Ddr4
            | Protocol::Lpddr
            | Protocol::Lpddr3
            | Protocol::Lpddr4
            | Protocol::Hbm
            | Protocol::Hbm2 => 2,
            Protocol::Gddr5 => 4,
            Protocol::Lpddr5 | Protocol::Gddr5x => 8,
            Protocol::Gddr6 => 16,
        }
    }

    /// GDDR5, GDDR5X or GDDR6.
    pub fn is_gddr(self) -> bool {
        match self {
            Protocol::Gddr5 | Protocol::Gddr5x | Protocol::Gddr6 => true,
            Protocol::Ddr3
            | Protocol::Ddr4
            | Protocol::Lpddr
            | Protocol::Lpddr3
            | Protocol::Lpddr4
            | Protocol::Lpddr5
            | Protocol::Hbm
            | Protocol::Hbm2 => false,
        }
    }

    /// HBM or HBM2.
    pub fn is_hbm(self) -> bool {
        match self {
            Protocol::Hbm | Protocol::Hbm2 => true,
            Protocol::Ddr3
            | Protocol::Ddr4
            | Protocol::Lpddr
            | Protocol::Lpddr3
            | Protocol::Lpddr4
            | Protocol::Lpddr5
            | Protocol::Gddr5
            | Protocol::Gddr5x
            | Protocol::Gddr6 => false,
        }
    }

    /// Whether precharges to different banks must be tPPD apart (LPDDR4/5 and GDDR, as
    /// DRAMsim3 does for LPDDR4 and GDDR).
    pub fn has_tppd(self) -> bool {
        matches!(self, Protocol::Lpddr4 | Protocol::Lpddr5) || self.is_gddr()
    }

    /// Whether ACT→RD and ACT→WR are separate parameters (tRCDRD, tRCDWR) rather than one
    /// tRCD less AL (GDDR and HBM, as in DRAMsim3).
    pub fn has_separate_trcd(self) -> bool {
        self.is_gddr() || self.is_hbm()
    }

    /// Whether a rank may take at most 32 ACTs per t32AW (GDDR).
    pub fn has_32aw(self) -> bool {
        self.is_gddr()
    }

    /// DRAMsim3's name of the standard.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Ddr3 => "DDR3",
            Protocol::Ddr4 => "DDR4",
            Protocol::Lpddr => "LPDDR",
            Protocol::Lpddr3 => "LPDDR3",
            Protocol::Lpddr4 => "LPDDR4",
            Protocol::Lpddr5 => "LPDDR5",
            Protocol::Gddr5 => "GDDR5",
            Protocol::Gddr5x => "GDDR5X",
            Protocol::Gddr6 => "GDDR6",
            Protocol::Hbm => "HBM",
            Protocol::Hbm2 => "HBM2",
        }
    }

    /// Parses DRAMsim3's protocol names (any case).
    pub fn from_name(name: &str) -> Option<Protocol> {
        Protocol::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(name.trim()))
    }
}
