//! Ramulator-style sanity checks of the model against timing formulas, on every preset and on
//! DRAMsim3's LPDDR4 and DDR4 configs: unloaded latencies, streaming bandwidth, bank-group and
//! activation-window limits, writes and read/write mixes, refresh and energy by hand.
//!
//! Latency as this model defines it (request arrival to the end of its data burst): one cycle
//! for the transaction to move into its command queue, then
//! - row closed: tRCD + RL + burst (ACT, then RD tRCD later, data RL later for `burst` cycles),
//! - row open (hit): RL + burst,
//! - other row open (conflict): tRP + tRCD + RL + burst,
//! - write to a closed row: tRCD + WL + burst,
//!
//! with RL = AL + CL, WL = AL + CWL and burst = BL / transfers per clock.

mod common;
use common::*;
use dram::*;

fn all_specs() -> Vec<DramSpec> {
    let mut v: Vec<DramSpec> = presets::names()
        .iter()
        .map(|n| presets::get(n).unwrap())
        .collect();
    v.push(DramSpec::from_ini_file(&fixture("LPDDR4_8Gb_x16_2400.ini")).unwrap());
    v.push(DramSpec::from_ini_file(&fixture("DDR4_8Gb_x16_3200.ini")).unwrap());
    v
}

/// Address of another column (`other_row` false) or another row of the bank of `base`.
fn neighbour(spec: &DramSpec, base: u64, other_row: bool) -> u64 {
    let m = AddressMapping::new(spec).unwrap();
    let b = m.decode(base);
    let rb = spec.request_bytes();
    (1..1u64 << 40)
        .map(|i| base + i * rb)
        .find(|&a| {
            let l = m.decode(a);
            (l.channel, l.rank, l.bankgroup, l.bank) == (b.channel, b.rank, b.bankgroup, b.bank)
                && (l.row != b.row) == other_row
                && (other_row || l.column != b.column)
        })
        .unwrap()
}

/// Enqueues one request at cycle `at` on an otherwise idle system; returns its latency.
fn latency(sys: &mut DramSystem, addr: u64, is_write: bool, at: u64) -> u64 {
    let mut done = Vec::new();
    sys.advance_to(at, &mut done);
    assert!(sys.is_idle());
    assert!(sys.try_enqueue(addr, is_write, 7));
    loop {
        let now = sys.cycle();
        done.clear();
        sys.tick(&mut done);
        if done.contains(&7) {
            return now - at;
        }
        assert!(now < at + 10_000, "request never completed");
    }
}

#[test]
fn unloaded_latencies_equal_the_timing_formulas() {
    for spec in all_specs() {
        let t = &spec.timing;
        let (rl, wl, burst) = (
            spec.read_latency(),
            spec.write_latency(),
            spec.burst_cycles(),
        );
        let mut sys = DramSystem::new(&spec);
        let base = 0u64;
        let hit = neighbour(&spec, base, false);
        let conflict = neighbour(&spec, base, true);
        let name = &spec.name;
        assert_eq!(
            latency(&mut sys, base, false, 0),
            1 + t.trcd + rl + burst,
            "{name} closed"
        );
        assert_eq!(
            latency(&mut sys, hit, false, 300),
            1 + rl + burst,
            "{name} hit"
        );
        assert_eq!(
            latency(&mut sys, conflict, false, 600),
            1 + t.trp + t.trcd + rl + burst,
            "{name} conflict"
        );
        // A write to another bank (closed): the write buffer drains at once when nothing else
        // is waiting.
        let other_bank = (0..1u64 << 20)
            .map(|i| i * spec.request_bytes())
            .find(|&a| {
                let m = AddressMapping::new(&spec).unwrap();
                let (l, b) = (m.decode(a), m.decode(base));
                l.channel == b.channel && (l.bank, l.bankgroup) != (b.bank, b.bankgroup)
            })
            .unwrap();
        assert_eq!(
            latency(&mut sys, other_bank, true, 900),
            1 + if t.trcd_wr > 0 { t.trcd_wr } else { t.trcd } + wl + burst,
            "{name} write"
        );
        let s = sys.stats();
        assert_eq!(
            (s.reads, s.writes, s.activates, s.row_hits),
            (3, 1, 3, 1),
            "{name}"
        );
    }
}

#[test]
fn one_row_stream_runs_at_the_column_to_column_limit() {
    // N reads of one row: ACT at 1, RDs every max(burst, tCCD_L) from 1 + tRCD, the last one's
    // data ends RL + burst later. N is chosen so the run ends before the first refresh.
    for spec in all_specs() {
        let rb = spec.request_bytes();
        let tccd_l = if spec.organization.bankgroups == 1 {
            spec.timing.tccd_s
        } else {
            spec.timing.tccd_l
        };
        let step = spec.burst_cycles().max(tccd_l);
        let first_refresh = spec.timing.trefi / u64::from(spec.ranks());
        let n = ((first_refresh - 100) / step).min(700);
        let m = AddressMapping::new(&spec).unwrap();
        let first = m.decode(0);
        let row: Vec<u64> = (0..)
            .map(|i| i * rb)
            .filter(|&a| {
                let l = m.decode(a);
                (l.channel, l.rank, l.bankgroup, l.bank, l.row)
                    == (
                        first.channel,
                        first.rank,
                        first.bankgroup,
                        first.bank,
                        first.row,
                    )
            })
            .take((spec.organization.columns / u64::from(spec.organization.burst_length)) as usize)
            .collect();
        let trace: Vec<TraceRequest> = (0..n)
            .map(|i| TraceRequest {
                addr: row[i as usize % row.len()],
                is_write: false,
                cycle: 0,
            })
            .collect();
        let expect =
            1 + spec.timing.trcd + (n - 1) * step + spec.read_latency() + spec.burst_cycles();
        assert!(expect < first_refresh);
        let r = run_trace(&spec, &trace);
        assert_eq!(r.cycles, expect, "{}", spec.name);
        assert_eq!((r.activates, r.row_hits), (1, n - 1), "{}", spec.name);
    }
}

#[test]
fn streaming_approaches_peak_bandwidth() {
    // Sequential reads and writes with the presets' mapping (channels, then bank groups in the
    // low bits) reach the peak minus the time refresh takes (tRFC every tREFI per rank) and a
    // few percent of row switches and refresh drains (for writes the precharge before each
    // refresh also waits for write recovery, WL + burst + tWR).
    for name in presets::names() {
        for channels in [1, 4] {
            let spec = presets::get(name).unwrap().with_channels(channels);
            let refresh_share = spec.timing.trfc as f64 / spec.timing.trefi as f64;
            let n = 16_000 * u64::from(channels);
            for is_write in [false, true] {
                let r = run_trace(&spec, &sequential(n, spec.request_bytes(), is_write));
                let eff = r.bandwidth_gbps / spec.peak_bandwidth_gbps();
                assert!(eff <= 1.0, "{name} ×{channels}: {eff}");
                // A 1-cycle burst (GDDR6) makes each row switch's tRP + tRCD cost more bursts.
                let fast = if spec.burst_cycles() == 1 { 0.03 } else { 0.0 };
                let slack = fast + if is_write { 0.06 } else { 0.04 };
                assert!(
                    eff >= 1.0 - refresh_share - slack,
                    "{name} ×{channels} write={is_write}: efficiency {eff:.3}, refresh {refresh_share:.3}"
                );
            }
        }
    }
}

#[test]
fn more_channels_scale_streaming_bandwidth() {
    let one = presets::get("lpddr5-6400").unwrap();
    let four = one.clone().with_channels(4);
    let n = 20_000;
    let b1 = run_trace(&one, &sequential(n, 64, false)).bandwidth_gbps;
    let b4 = run_trace(&four, &sequential(n, 64, false)).bandwidth_gbps;
    assert!(b4 > 3.8 * b1 && b4 <= 4.05 * b1, "{b1} {b4}");
    assert!(b4 > 0.9 * 102.4, "{b4}");
}

#[test]
fn ddr4_bank_group_interleaving_doubles_streaming_rate() {
    // DRAMsim3's DDR4 mapping (`rochrababgco`) keeps 128 consecutive requests in one bank, so
    // they run at tCCD_L = 8 cycles; bank-group interleaving (the preset's mapping) runs at
    // tCCD_S = burst = 4 cycles.
    let ini = DramSpec::from_ini_file(&fixture("DDR4_8Gb_x16_3200.ini")).unwrap();
    let mut inter = ini.clone();
    inter.controller.address_mapping = "rochrabacobg".to_string();
    let n = 5_000u64;
    let same_bg = run_trace(&ini, &sequential(n, 64, false));
    let alt_bg = run_trace(&inter, &sequential(n, 64, false));
    let per_req_alt = alt_bg.cycles as f64 / n as f64;
    assert!((4.0..4.3).contains(&per_req_alt), "{per_req_alt}");
    // The same-bank-group stream is tCCD_L-bound except where the 32-entry read queue spans
    // two bank groups at a 128-request boundary.
    let per_req_same = same_bg.cycles as f64 / n as f64;
    assert!(
        per_req_same > 1.25 * per_req_alt && per_req_same <= 8.05,
        "{per_req_same}"
    );
}

#[test]
fn random_reads_are_bound_by_activation_limits() {
    // Every random read needs an ACT. Per rank at most 4 ACTs per tFAW (GDDR: 32 per t32AW)
    // and one per tRRD_S,
    // and per bank one per tRC: cycles/request ≥ max(tFAW/4, tRRD_S, tRC/banks) / ranks,
    // and ≥ the burst. The controller gets within 35% of that bound.
    for spec in all_specs() {
        let n = 8_000usize;
        let rb = spec.request_bytes();
        let span = spec.channel_bytes().min(1 << 34);
        let r = run_trace(&spec, &reads_at(&python_random(n, 5, span, rb)));
        let t = &spec.timing;
        let per_rank = (t.tfaw as f64 / 4.0)
            .max(t.t32aw as f64 / 32.0)
            .max(t.trrd_s as f64)
            .max(t.trc as f64 / f64::from(spec.banks()));
        let bound = (per_rank / f64::from(spec.ranks())).max(spec.burst_cycles() as f64);
        let per_req = r.cycles as f64 / n as f64;
        assert!(per_req >= bound, "{}: {per_req} < bound {bound}", spec.name);
        assert!(
            per_req <= 1.35 * bound,
            "{}: {per_req} vs bound {bound}",
            spec.name
        );
        assert!(r.activates as f64 >= 0.99 * n as f64, "{}", spec.name);
    }
}

#[test]
fn writes_and_mixes_are_plausible() {
    let spec = DramSpec::from_ini_file(&fixture("LPDDR4_8Gb_x16_2400.ini")).unwrap();
    let n = 20_000u64;
    let reads = run_trace(&spec, &sequential(n, 128, false));
    let writes = run_trace(&spec, &sequential(n, 128, true));
    // Same burst on the bus: streaming writes run as fast as reads (within 2%).
    let ratio = writes.cycles as f64 / reads.cycles as f64;
    assert!((0.98..1.02).contains(&ratio), "{ratio}");
    assert_eq!((writes.stats.writes, writes.stats.reads), (n, 0));
    // A 1:1 mix of two streams pays read-to-write turnarounds (RL + burst − WL + tRTRS) and
    // write-to-read delays (WL + burst + tWTR) at every drain of the write buffer.
    let mix: Vec<TraceRequest> = (0..n)
        .map(|i| TraceRequest {
            addr: if i % 2 == 0 {
                (i / 2) * 128
            } else {
                (1 << 32) + (i / 2) * 128
            },
            is_write: i % 2 == 1,
            cycle: 0,
        })
        .collect();
    let m = run_trace(&spec, &mix);
    assert_eq!((m.stats.reads, m.stats.writes), (n / 2, n / 2));
    assert!(m.cycles > reads.cycles, "turnarounds cost time");
    assert!(
        (m.cycles as f64) < 1.3 * reads.cycles as f64,
        "{} vs {}",
        m.cycles,
        reads.cycles
    );
    // A write batch of 32 costs at most one turnaround each way: ≤ 32·8 + 2·(26 + 32) cycles.
    let batches = (n / 2) as f64 / 32.0;
    let extra = m.cycles as f64 - reads.cycles as f64;
    assert!(
        extra <= batches * 2.0 * (17.0 + 8.0 + 14.0 + 8.0 + 16.0),
        "{extra}"
    );
}

#[test]
fn idle_refresh_and_background_energy_by_hand() {
    let spec = DramSpec::from_ini_file(&fixture("LPDDR4_8Gb_x16_2400.ini")).unwrap();
    let mut sys = DramSystem::new(&spec);
    sys.skip_to(100_000);
    let s = sys.stats();
    // Staggered: one rank every tREFI / 2 = 4330 cycles, at 4330, 8660, …, 99590: 23 REFs.
    assert_eq!(s.refreshes, 23);
    assert_eq!(s.cycles, 100_000);
    assert_eq!(s.precharged_rank_cycles, 2 * 100_000);
    let e = EnergyIncrements::new(&spec);
    // Per rank-cycle: VDD·IDD2N·devices·tCK = 1.2 · 34 · 4 · 0.83 pJ.
    assert!((e.precharge_standby_pj - 1.2 * 34.0 * 4.0 * 0.83).abs() < 1e-9);
    let expect = 23.0 * e.refresh_pj + 200_000.0 * e.precharge_standby_pj;
    assert!(
        (s.energy_pj - expect).abs() < 1e-6 * expect,
        "{} vs {expect}",
        s.energy_pj
    );
    assert!(sys.is_idle());
}

#[test]
fn energy_of_a_run_adds_up() {
    let spec = DramSpec::from_ini_file(&fixture("LPDDR4_8Gb_x16_2400.ini")).unwrap();
    let r = run_trace(&spec, &sequential(10_000, 128, false));
    let s = &r.stats;
    let e = EnergyIncrements::new(&spec);
    let expect = s.activates as f64 * e.act_pj
        + s.read_commands as f64 * e.read_pj
        + s.refreshes as f64 * e.refresh_pj
        + s.active_rank_cycles as f64 * e.active_standby_pj
        + s.precharged_rank_cycles as f64 * e.precharge_standby_pj;
    assert!((r.energy_pj - expect).abs() < 1e-6 * expect);
    assert_eq!(
        s.active_rank_cycles + s.precharged_rank_cycles,
        2 * s.cycles
    );
    // The streaming energy per bit is near the analytic estimate (same increments).
    let per_bit = r.energy_pj / (10_000.0 * 128.0 * 8.0);
    let est = spec.idd_energy_pj_per_bit_estimate();
    assert!((per_bit / est - 1.0).abs() < 0.05, "{per_bit} vs {est}");
    // pJ/bit mode: exactly bits × figure.
    let flat = spec.clone().with_energy_pj_per_bit(8.0);
    let r = run_trace(&flat, &sequential(1_000, 128, true));
    assert!((r.energy_pj - 1_000.0 * 128.0 * 8.0 * 8.0).abs() < 1e-6);
}

#[test]
fn queues_report_full_and_every_tag_completes_once() {
    let spec = presets::get("lpddr4-3200").unwrap();
    let mut sys = DramSystem::new(&spec);
    let cap = spec.controller.trans_queue_size as u64;
    for i in 0..cap {
        assert!(sys.try_enqueue(i * 64, false, i));
    }
    assert!(!sys.try_enqueue(cap * 64, false, cap), "read queue full");
    assert!(
        sys.try_enqueue(0, true, 1000),
        "the write buffer is separate"
    );
    let mut seen = Vec::new();
    let mut done = Vec::new();
    while !sys.is_idle() {
        done.clear();
        sys.tick(&mut done);
        seen.extend_from_slice(&done);
    }
    seen.sort_unstable();
    let mut want: Vec<u64> = (0..cap).collect();
    want.push(1000);
    assert_eq!(seen, want);
    // Same inputs, same results.
    let a = run_trace(&spec, &sequential(5_000, 64, false));
    let b = run_trace(&spec, &sequential(5_000, 64, false));
    assert_eq!(a, b);
}

#[test]
fn skip_to_with_requests_in_flight_reports_them_later() {
    let spec = presets::get("ddr4-3200").unwrap();
    let mut sys = DramSystem::new(&spec);
    assert!(sys.try_enqueue(0, false, 3));
    sys.skip_to(500);
    assert!(sys.is_idle());
    let mut done = Vec::new();
    sys.tick(&mut done);
    assert_eq!(done, vec![3]);
    assert_eq!(sys.stats().reads, 1);
}

#[test]
fn policies_from_the_ini_take_effect() {
    let ddr4 = DramSpec::from_ini_file(&fixture("DDR4_8Gb_x16_3200.ini")).unwrap();
    // Simultaneous refresh: both ranks every tREFI = 12480 cycles: 8 times each below 100000.
    let mut sim = ddr4.clone();
    sim.controller.refresh_policy = RefreshPolicy::RankLevelSimultaneous;
    let mut sys = DramSystem::new(&sim);
    sys.skip_to(100_000);
    assert_eq!(sys.stats().refreshes, 16);
    // Staggered: one rank every 6240 cycles: 16 requests below 100000 as well, spread out.
    let mut sys = DramSystem::new(&ddr4);
    sys.skip_to(100_000);
    assert_eq!(sys.stats().refreshes, 16);
    // Close page: every access activates its row and closes it (read with auto-precharge); a
    // refresh may also close a row opened just before it, which is then opened again.
    let mut close = ddr4.clone();
    close.controller.row_buffer_policy = RowBufferPolicy::ClosePage;
    let r = run_trace(&close, &sequential(1_000, 64, false));
    assert_eq!(r.row_hits, 0);
    assert!(
        r.activates >= 1_000 && r.activates <= 1_000 + r.refreshes,
        "{}",
        r.activates
    );
    assert_eq!(r.stats.precharges, r.activates);
    let open = run_trace(&ddr4, &sequential(1_000, 64, false));
    assert!(open.cycles < r.cycles);
    // Per-rank command queues schedule the same work; on one bank's stream the order cannot
    // differ, so neither can the time.
    let mut per_rank = ddr4.clone();
    per_rank.controller.queue_structure = QueueStructure::PerRank;
    let pr = run_trace(&per_rank, &sequential(100, 64, false));
    let pb = run_trace(&ddr4, &sequential(100, 64, false));
    assert_eq!(pr.cycles, pb.cycles);
}
