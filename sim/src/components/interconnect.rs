//! The on-chip interconnect between the global buffer and the tiles: a fixed latency plus the
//! serialisation of the payload over its width, and an energy per bit moved. It is the middle
//! hop of the on-chip datapath: a transfer is as slow as its slowest hop — the global buffer's
//! read port (when the data comes from there), the bus, and the tile buffers' write ports (the
//! payload split over the tiles it goes to) — see [`path_cycles`]. Its area is drivers per
//! byte of width at each endpoint (the global buffer and every tile); leakage follows the area.

use super::div_ceil;
use crate::config::{BufferConfig, InterconnectConfig, TechnologyConfig};

/// Area of the bus: `bandwidth x area_mm2_per_byte x (tiles + 1)` endpoints.
pub fn interconnect_area_mm2(ic: &InterconnectConfig, tiles: u32) -> f64 {
    f64::from(ic.bandwidth_bytes_per_cycle) * ic.area_mm2_per_byte * (f64::from(tiles) + 1.0)
}

/// Leakage of the bus at nominal voltage: its area x `logic_leakage_mw_per_mm2`.
pub fn interconnect_leakage_mw(ic: &InterconnectConfig, tiles: u32, t: &TechnologyConfig) -> f64 {
    interconnect_area_mm2(ic, tiles) * t.logic_leakage_mw_per_mm2
}

/// The hops of one on-chip transfer.
#[derive(Debug, Clone, Copy)]
pub struct Path<'a> {
    pub interconnect: &'a InterconnectConfig,
    /// The global buffer's read port, when the data comes from the global buffer.
    pub global_buffer: Option<&'a BufferConfig>,
    pub tile_buffer: &'a BufferConfig,
}

/// Cycles to move `bytes` along `path` into `tiles` tile buffers that share the payload (1 for
/// a broadcast, where every tile takes the whole payload in parallel):
/// `latency + max(ceil(bytes / gb port), ceil(bytes / bus), ceil(bytes / (tiles x tb port)))`.
/// 0 bytes take 0 cycles.
pub fn path_cycles(path: &Path, bytes: u64, tiles: u32) -> u64 {
    if bytes == 0 {
        return 0;
    }
    let bus = div_ceil(
        bytes,
        u64::from(path.interconnect.bandwidth_bytes_per_cycle),
    );
    let gb = path.global_buffer.map_or(0, |b| {
        div_ceil(bytes, u64::from(b.bandwidth_bytes_per_cycle))
    });
    let tb_port = u64::from(path.tile_buffer.bandwidth_bytes_per_cycle)
        .saturating_mul(u64::from(tiles.max(1)));
    let tb = div_ceil(bytes, tb_port);
    u64::from(path.interconnect.latency_cycles).saturating_add(bus.max(gb).max(tb))
}

/// Cycles to move `bytes`: `latency_cycles + ceil(bytes / bandwidth_bytes_per_cycle)`; 0 bytes
/// take 0 cycles (nothing is sent).
pub fn transfer_cycles(ic: &InterconnectConfig, bytes: u64) -> u64 {
    if bytes == 0 {
        return 0;
    }
    u64::from(ic.latency_cycles)
        .saturating_add(div_ceil(bytes, u64::from(ic.bandwidth_bytes_per_cycle)))
}

/// Energy of moving `bytes`: `bytes * 8 * energy_pj_per_bit`.
pub fn transfer_energy_pj(ic: &InterconnectConfig, bytes: u64) -> f64 {
    bytes as f64 * 8.0 * ic.energy_pj_per_bit
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::test_util::interconnect;

    #[test]
    fn latency_plus_serialisation() {
        let ic = interconnect();
        // 4 cycles latency + 4096 B / 64 B per cycle = 4 + 64 = 68.
        assert_eq!(transfer_cycles(&ic, 4096), 68);
        // 1 B: 4 + 1.
        assert_eq!(transfer_cycles(&ic, 1), 5);
        assert_eq!(transfer_cycles(&ic, 0), 0);
        // 4096 B x 8 x 0.1 pJ = 3276.8 pJ.
        assert!((transfer_energy_pj(&ic, 4096) - 3276.8).abs() < 1e-9);
    }

    #[test]
    fn a_path_is_as_slow_as_its_slowest_hop() {
        use crate::components::test_util::buffer;
        let ic = interconnect(); // 64 B/cycle, 4 cycles latency
        let gb = buffer(256, 32, 2.0);
        let tb = buffer(16, 16, 0.5);
        let path = Path {
            interconnect: &ic,
            global_buffer: Some(&gb),
            tile_buffer: &tb,
        };
        // 4096 B: bus 64, global buffer 128, tile buffers 4 x 16 B = 64 per cycle: 64.
        // The global buffer's port sets it: 4 + 128.
        assert_eq!(path_cycles(&path, 4096, 4), 132);
        // Into one tile: its 16 B port takes 256 cycles.
        assert_eq!(path_cycles(&path, 4096, 1), 260);
        // Skipping the global buffer: the bus and 4 tiles, 64 each.
        let direct = Path {
            global_buffer: None,
            ..path
        };
        assert_eq!(path_cycles(&direct, 4096, 4), 68);
        assert_eq!(path_cycles(&direct, 0, 4), 0);
    }

    #[test]
    fn bus_area_counts_every_endpoint() {
        let mut ic = interconnect();
        ic.area_mm2_per_byte = 0.0002;
        // 64 B x 0.0002 x (8 tiles + the global buffer) = 0.1152 mm².
        assert!((interconnect_area_mm2(&ic, 8) - 0.1152).abs() < 1e-12);
        let t = TechnologyConfig::cmos_65nm();
        assert!((interconnect_leakage_mw(&ic, 8, &t) - 0.2304).abs() < 1e-12);
    }
}
