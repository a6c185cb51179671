//! The description of a DRAM system: organisation, JEDEC timing (in DRAM clock cycles), power
//! (IDD currents or a pJ/bit figure) and controller settings. This is the crate's TOML format
//! (serde of [`DramSpec`]); DRAMsim3 `.ini` files are read into the same structure by `ini.rs`.

use crate::error::DramError;
pub use crate::protocol::Protocol;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Geometry of the system. `rows`/`columns` are per bank of one device; `columns` counts
/// physical columns of `device_width` bits (DRAMsim3's convention), so one burst covers
/// `burst_length` columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    pub channels: u32,
    pub ranks: u32,
    pub bankgroups: u32,
    pub banks_per_group: u32,
    pub rows: u64,
    pub columns: u64,
    /// Data pins of one device (x16 = 16).
    pub device_width: u32,
    /// Data pins of one channel; `bus_width / device_width` devices form a rank.
    pub bus_width: u32,
    /// Burst length (beats per column command).
    pub burst_length: u32,
}

/// JEDEC timing parameters in DRAM clock cycles (tCK), except `tck_ps`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timing {
    /// Clock period in picoseconds.
    pub tck_ps: u64,
    /// Additive latency.
    #[serde(default)]
    pub al: u64,
    /// CAS (read) latency.
    pub cl: u64,
    /// CAS write latency.
    pub cwl: u64,
    /// ACT to RD (to RD and WR unless `trcd_wr` is set), AL included as JEDEC counts it.
    pub trcd: u64,
    /// ACT to WR where it differs from ACT to RD (GDDR's and HBM's tRCDWR, plus AL); 0: tRCD.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub trcd_wr: u64,
    pub trp: u64,
    pub tras: u64,
    /// ACT to ACT, same bank. DRAMsim3 files have no tRC; it is then tRAS + tRP.
    pub trc: u64,
    pub trtp: u64,
    /// Write recovery (end of write data to PRE).
    pub twr: u64,
    pub twtr_s: u64,
    pub twtr_l: u64,
    pub tccd_s: u64,
    pub tccd_l: u64,
    pub trrd_s: u64,
    pub trrd_l: u64,
    pub tfaw: u64,
    /// At most 32 ACTs per rank in this window (GDDR); 0: no such limit. Applied as DRAMsim3
    /// does (see `channel.rs`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub t32aw: u64,
    /// Rank-to-rank data bus switch (and read-to-write turnaround) gap.
    pub trtrs: u64,
    /// Precharge to precharge, different banks (LPDDR4/5).
    #[serde(default)]
    pub tppd: u64,
    /// Average refresh interval (per rank).
    pub trefi: u64,
    /// All-bank refresh cycle time.
    pub trfc: u64,
    /// Power-down exit to the first valid command. Energy only: see [`ControllerConfig`]'s
    /// power-down policy (0 when the source has none).
    #[serde(default)]
    pub txp: u64,
    /// Self-refresh exit to the first valid command (tXS / tXSR). Energy only, as `txp`.
    #[serde(default)]
    pub txs: u64,
    /// Minimum CKE low (power-down) time. Read from DRAMsim3 files; not used by the scheduler.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub tcke: u64,
    /// Minimum self-refresh residency (tCKESR). Read; not used by the scheduler.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub tckesr: u64,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

fn is_false(v: &bool) -> bool {
    !*v
}

/// Currents of one device in mA at `vdd`, used the way DRAMsim3 does (one supply).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IddCurrents {
    pub vdd: f64,
    /// One ACT-PRE cycle (tRC) current.
    pub idd0: f64,
    /// Precharge standby.
    pub idd2n: f64,
    /// Active standby.
    pub idd3n: f64,
    /// Burst read.
    pub idd4r: f64,
    /// Burst write.
    pub idd4w: f64,
    /// All-bank refresh.
    pub idd5ab: f64,
    /// Precharge power-down (all banks closed, CKE low). Needed by a power-down policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idd2p: Option<f64>,
    /// Active power-down (a bank open, CKE low). Needed by a power-down policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idd3p: Option<f64>,
    /// Self-refresh (includes the device's own refresh). Needed by a self-refresh policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idd6: Option<f64>,
    /// I/O supply voltage. The I/O (VDDQ) currents below are charged at it, separately from
    /// the core currents above (which then exclude the I/O); absent, no I/O energy is counted
    /// (DRAMsim3's files have no VDDQ currents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vddq: Option<f64>,
    /// VDDQ current during burst reads (output drivers), mA per device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iddq4r: Option<f64>,
    /// VDDQ current during burst writes (input receivers, termination), mA per device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iddq4w: Option<f64>,
}

/// Energy model: IDD currents (DRAMsim3's per-command and background increments) or a flat
/// figure per bit moved. When `energy_pj_per_bit` is set it is used instead of the currents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Power {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idd: Option<IddCurrents>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub energy_pj_per_bit: Option<f64>,
}

/// How the controller's command queues are organised (DRAMsim3 `queue_structure`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum QueueStructure {
    PerBank,
    PerRank,
}

/// Refresh scheduling (DRAMsim3 `refresh_policy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RefreshPolicy {
    /// Every rank refreshed at the same time, every tREFI.
    RankLevelSimultaneous,
    /// One rank every tREFI / ranks, round robin.
    RankLevelStaggered,
}

/// Row-buffer policy (DRAMsim3 `row_buf_policy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RowBufferPolicy {
    OpenPage,
    ClosePage,
}

/// Controller settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControllerConfig {
    /// DRAMsim3 mapping string, most significant field first, e.g. `rochrababgco`.
    pub address_mapping: String,
    pub queue_structure: QueueStructure,
    pub refresh_policy: RefreshPolicy,
    pub row_buffer_policy: RowBufferPolicy,
    /// Entries per command queue (per bank or per rank).
    pub cmd_queue_size: u32,
    /// Entries of the read queue and, separately, of the write buffer.
    pub trans_queue_size: u32,
    /// Power-down policy (energy only): a rank with no request queued or in flight for this
    /// many cycles is counted in power-down (IDD2P with all banks closed, IDD3P with a bank
    /// open) until its next request arrives; absent, never. The controller is taken to wake the
    /// rank tXP ahead of that request (as a controller that sees its queue fill does), so the
    /// command timing is unchanged and each exit costs tXP cycles at precharge standby instead
    /// of power-down current.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power_down_after_cycles: Option<u64>,
    /// Self-refresh policy (energy only): after this many idle cycles (more than the
    /// power-down threshold) the rank is counted in self-refresh (IDD6, which includes its own
    /// refresh, so the REF commands the controller issues meanwhile are not charged); each
    /// exit costs tXS cycles at precharge standby. Absent, never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_refresh_after_cycles: Option<u64>,
    /// HBM's separate row and column command buses: in a cycle that issued a command, a second
    /// one of the other class (row: ACT/PRE/REF, column: RD/WR) may issue too, picked as
    /// DRAMsim3 does (`hbm_dual_cmd`, default on for HBM). Only for HBM protocols.
    #[serde(default, skip_serializing_if = "is_false")]
    pub dual_command_bus: bool,
}

/// A complete DRAM system description.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DramSpec {
    pub name: String,
    pub protocol: Protocol,
    pub organization: Organization,
    pub timing: Timing,
    pub power: Power,
    pub controller: ControllerConfig,
    /// What the source had that this model does not simulate, or keys it ignores (DRAMsim3's
    /// thermal model, keys DRAMsim3 itself does not read): reported with the results.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_modelled: Vec<String>,
}

impl DramSpec {
    /// Reads a DRAMsim3 `.ini` file.
    pub fn from_ini_file(path: &Path) -> Result<DramSpec, DramError> {
        crate::ini::spec_from_ini_file(path)
    }

    /// Reads this crate's TOML format (the serde form of [`DramSpec`]) and validates it.
    pub fn from_toml_file(path: &Path) -> Result<DramSpec, DramError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| DramError::Io {
            path: shown.clone(),
            source,
        })?;
        DramSpec::from_toml_str(&text, &shown)
    }

    /// Parses the TOML format; `origin` names the source in error messages.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<DramSpec, DramError> {
        let spec: DramSpec = toml::from_str(text).map_err(|e| DramError::Toml {
            path: origin.to_string(),
            message: suggest::with_unknown_field_hint(e.to_string().trim_end()),
        })?;
        spec.validate(origin)?;
        Ok(spec)
    }

    /// The TOML form, accepted back by [`DramSpec::from_toml_str`].
    pub fn to_toml_string(&self) -> String {
        // Serialising plain structs of numbers and strings cannot fail.
        toml::to_string(self).unwrap_or_default()
    }

    /// The same DRAM with `channels` channels (each with its own controller and bus).
    pub fn with_channels(mut self, channels: u32) -> DramSpec {
        self.organization.channels = channels;
        self
    }

    /// The same DRAM with a flat energy figure instead of the IDD model.
    pub fn with_energy_pj_per_bit(mut self, pj_per_bit: f64) -> DramSpec {
        self.power.energy_pj_per_bit = Some(pj_per_bit);
        self
    }

    pub fn channels(&self) -> u32 {
        self.organization.channels
    }

    pub fn ranks(&self) -> u32 {
        self.organization.ranks
    }

    /// Banks per rank.
    pub fn banks(&self) -> u32 {
        // Saturating: a description with more banks than u32 is refused by `validate`.
        self.organization
            .bankgroups
            .saturating_mul(self.organization.banks_per_group)
    }

    pub fn tck_ps(&self) -> u64 {
        self.timing.tck_ps
    }

    pub fn tck_ns(&self) -> f64 {
        self.timing.tck_ps as f64 / 1000.0
    }

    /// Devices that together drive one channel's bus (one rank).
    pub fn devices_per_rank(&self) -> u64 {
        u64::from(self.organization.bus_width / self.organization.device_width.max(1))
    }

    /// Bytes moved by one request (one burst on the whole channel bus): bus_width/8 × BL.
    pub fn request_bytes(&self) -> u64 {
        u64::from(self.organization.bus_width) / 8 * u64::from(self.organization.burst_length)
    }

    /// Clock cycles one burst occupies the data bus.
    pub fn burst_cycles(&self) -> u64 {
        u64::from(self.organization.burst_length) / self.protocol.transfers_per_clock()
    }

    /// Read latency: AL + CL.
    pub fn read_latency(&self) -> u64 {
        self.timing.al + self.timing.cl
    }

    /// Write latency: AL + CWL.
    pub fn write_latency(&self) -> u64 {
        self.timing.al + self.timing.cwl
    }

    /// Bytes of one row across the rank (row buffer size seen by the controller).
    pub fn row_bytes(&self) -> u64 {
        self.organization.columns * u64::from(self.organization.bus_width) / 8
    }

    /// Capacity of one channel in bytes.
    pub fn channel_bytes(&self) -> u64 {
        self.row_bytes()
            * self.organization.rows
            * u64::from(self.banks())
            * u64::from(self.organization.ranks)
    }

    /// Capacity of the whole system in bytes: channels × ranks × devices per rank × the
    /// device's banks × rows × columns × device width.
    pub fn capacity_bytes(&self) -> u64 {
        self.channel_bytes()
            .saturating_mul(u64::from(self.organization.channels))
    }

    /// Bits of one device (die): banks × rows × columns × device width.
    pub fn device_bits(&self) -> u64 {
        let o = &self.organization;
        u64::from(self.banks())
            .saturating_mul(o.rows)
            .saturating_mul(o.columns)
            .saturating_mul(u64::from(o.device_width))
    }

    /// Density of one device in Gbit (2^30 bits).
    pub fn device_density_gbit(&self) -> f64 {
        self.device_bits() as f64 / (1u64 << 30) as f64
    }

    /// The same DRAM with devices of `gbit` Gbit (a power of two), by scaling the rows per
    /// bank (the usual way JEDEC densities grow; timing is kept). `None` if the density is not
    /// a power of two or gives a row count out of 1..=2^24.
    pub fn with_device_density_gbit(mut self, gbit: u64) -> Option<DramSpec> {
        if gbit == 0 || !gbit.is_power_of_two() {
            return None;
        }
        let per_row = u64::from(self.banks())
            * self.organization.columns
            * u64::from(self.organization.device_width);
        let bits = gbit.checked_mul(1u64 << 30)?;
        if per_row == 0 || bits % per_row != 0 {
            return None;
        }
        let rows = bits / per_row;
        if !rows.is_power_of_two() || rows > 1 << 24 {
            return None;
        }
        self.organization.rows = rows;
        Some(self)
    }

    /// A one-line description of where the capacity comes from, e.g. `4 channels x 1 rank x 2
    /// devices x 8 Gbit`.
    pub fn capacity_description(&self) -> String {
        let o = &self.organization;
        let plural = |n: u64, what: &str| {
            if n == 1 {
                format!("{n} {what}")
            } else {
                format!("{n} {what}s")
            }
        };
        format!(
            "{} x {} x {} x {} Gbit",
            plural(u64::from(o.channels), "channel"),
            plural(u64::from(o.ranks), "rank"),
            plural(self.devices_per_rank(), "device"),
            crate::trim_number(self.device_density_gbit())
        )
    }

    /// Peak data bandwidth of all channels in GB/s (10^9 bytes per second).
    pub fn peak_bandwidth_gbps(&self) -> f64 {
        let bytes_per_cycle = u64::from(self.organization.bus_width) as f64 / 8.0
            * self.protocol.transfers_per_clock() as f64;
        bytes_per_cycle * f64::from(self.organization.channels) / self.tck_ns()
    }

    /// Energy per bit for analytic models: what streaming reads at the peak rate cost. With a
    /// pJ/bit figure, that figure. With IDD currents (DRAMsim3's increments), per burst: the read
    /// burst (IDD4R − IDD3N) and its I/O (VDDQ·IDDQ4R), background over the burst time (IDD3N for the rank being read,
    /// IDD2N for the other ranks), the refresh energy spread over time (every rank refreshes
    /// once per tREFI), and one ACT/PRE pair shared by the bursts of a row; divided by the bits
    /// of a burst.
    pub fn idd_energy_pj_per_bit_estimate(&self) -> f64 {
        if let Some(pj) = self.power.energy_pj_per_bit {
            return pj;
        }
        if self.power.idd.is_none() {
            return 0.0;
        }
        let e = crate::energy::EnergyIncrements::new(self);
        let burst = self.burst_cycles() as f64;
        let other_ranks = f64::from(self.organization.ranks.saturating_sub(1));
        let background = burst * (e.active_standby_pj + other_ranks * e.precharge_standby_pj);
        let refresh = burst * f64::from(self.organization.ranks) * e.refresh_pj
            / self.timing.trefi.max(1) as f64;
        let bursts_per_row = (self.row_bytes() / self.request_bytes().max(1)).max(1) as f64;
        let per_burst = e.read_pj + e.io_read_pj + background + refresh + e.act_pj / bursts_per_row;
        per_burst / (self.request_bytes() * 8) as f64
    }
}
