//! Every issued command respects every timing rule: random traces (proptest, bounded cases) on
//! every preset and DRAMsim3 config, with variants of queue structure, row policy, refresh
//! policy and channel count, checked command by command by the independent checker. Also shows
//! the checker is not vacuous: broken logs are rejected.

mod common;
use common::*;
use dram::*;
use proptest::prelude::*;

fn configs() -> Vec<DramSpec> {
    let mut v: Vec<DramSpec> = presets::names()
        .iter()
        .map(|n| presets::get(n).unwrap())
        .collect();
    let lp4 = DramSpec::from_ini_file(&fixture("LPDDR4_8Gb_x16_2400.ini")).unwrap();
    let ddr4 = DramSpec::from_ini_file(&fixture("DDR4_8Gb_x16_3200.ini")).unwrap();
    let mut per_rank = lp4.clone();
    per_rank.controller.queue_structure = QueueStructure::PerRank;
    let mut close = ddr4.clone();
    close.controller.row_buffer_policy = RowBufferPolicy::ClosePage;
    let mut simultaneous = ddr4.clone();
    simultaneous.controller.refresh_policy = RefreshPolicy::RankLevelSimultaneous;
    v.push(presets::get("lpddr5-6400").unwrap().with_channels(2));
    v.extend([lp4, ddr4, per_rank, close, simultaneous]);
    v
}

/// Runs `trace` with the command log on and checks it; returns the report.
fn run_checked(spec: &DramSpec, trace: &[TraceRequest]) -> TraceReport {
    let mut sys = DramSystem::new(spec);
    sys.enable_command_log();
    let r = run_on(&mut sys, trace);
    if let Err(v) = check_command_log(spec, sys.command_log(), sys.cycle()) {
        panic!("{}: {v}", spec.name);
    }
    r
}

/// Requests over a small region (few rows per bank, so hits and conflicts both happen), with
/// arrival gaps that sometimes exceed a refresh interval.
fn trace_strategy() -> impl Strategy<Value = Vec<(u64, bool, u64)>> {
    prop::collection::vec(
        (
            0u64..1 << 22,
            prop::bool::weighted(0.35),
            prop_oneof![8 => 0u64..6, 1 => 0u64..400, 1 => 0u64..9000],
        ),
        1..250,
    )
}

fn to_trace(spec: &DramSpec, raw: &[(u64, bool, u64)]) -> Vec<TraceRequest> {
    let rb = spec.request_bytes();
    let mut cycle = 0;
    raw.iter()
        .map(|&(a, w, gap)| {
            cycle += gap;
            // Spread the region over the whole capacity too: high address bits select rows.
            let addr = (a / rb * rb) ^ ((a & 0xf) << 30);
            TraceRequest {
                addr,
                is_write: w,
                cycle,
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn random_traces_respect_every_timing_rule(raw in trace_strategy(), which in 0usize..10) {
        let specs = configs();
        let spec = &specs[which % specs.len()];
        let trace = to_trace(spec, &raw);
        let r = run_checked(spec, &trace);
        let reads = trace.iter().filter(|t| !t.is_write).count() as u64;
        prop_assert_eq!(r.stats.reads, reads);
        prop_assert_eq!(r.stats.writes, trace.len() as u64 - reads);
        prop_assert_eq!(r.stats.read_commands + r.stats.write_commands, trace.len() as u64);
        // No request completes before it arrived plus the fastest possible service.
        let last_arrival = trace.iter().map(|t| t.cycle).max().unwrap_or(0);
        prop_assert!(r.cycles > last_arrival);
    }
}

#[test]
fn every_config_passes_the_checker_on_heavy_traffic() {
    for spec in configs() {
        let rb = spec.request_bytes();
        let span = spec.channel_bytes().min(1 << 33);
        let addrs = python_random(3_000, 11, span, rb);
        let mixed: Vec<TraceRequest> = addrs
            .iter()
            .enumerate()
            .map(|(i, &a)| TraceRequest {
                addr: a,
                is_write: i % 3 == 0,
                cycle: (i as u64 / 50) * 40,
            })
            .collect();
        run_checked(&spec, &mixed);
        // A long sequential run crosses many refreshes.
        let r = run_checked(&spec, &sequential(30_000, rb, false));
        assert!(r.refreshes > 0, "{}", spec.name);
    }
}

fn reference_log() -> (DramSpec, Vec<CommandRecord>, u64) {
    let spec = DramSpec::from_ini_file(&fixture("LPDDR4_8Gb_x16_2400.ini")).unwrap();
    let mut sys = DramSystem::new(&spec);
    sys.enable_command_log();
    let addrs = python_random(2_000, 3, 1 << 30, 128);
    let mut trace = reads_at(&addrs);
    trace.extend(sequential(2_000, 128, true));
    run_on(&mut sys, &trace);
    let end = sys.cycle();
    (spec, sys.command_log().to_vec(), end)
}

#[test]
fn the_checker_rejects_broken_logs() {
    let (spec, log, end) = reference_log();
    check_command_log(&spec, &log, end).unwrap();

    // A read one cycle too soon after its ACT.
    let i = (1..log.len())
        .find(|&i| {
            log[i].kind == CommandKind::Read
                && log[..i]
                    .iter()
                    .rev()
                    .find(|c| {
                        c.kind == CommandKind::Activate
                            && (c.rank, c.bankgroup, c.bank)
                                == (log[i].rank, log[i].bankgroup, log[i].bank)
                    })
                    .map(|a| log[i].cycle - a.cycle == spec.timing.trcd)
                    == Some(true)
                && log[i - 1].cycle < log[i].cycle - 1
        })
        .unwrap();
    let mut bad = log.clone();
    bad[i].cycle -= 1;
    let e = check_command_log(&spec, &bad, end).unwrap_err();
    assert!(e.message.contains("tRCD"), "{e}");

    // A precharge dropped: the next ACT hits an open bank.
    let p = log
        .iter()
        .position(|c| c.kind == CommandKind::Precharge)
        .unwrap();
    let mut bad = log.clone();
    bad.remove(p);
    let e = check_command_log(&spec, &bad, end).unwrap_err();
    assert!(e.message.contains("open"), "{e}");

    // Refreshes dropped.
    let bad: Vec<CommandRecord> = log
        .iter()
        .copied()
        .filter(|c| c.kind != CommandKind::Refresh)
        .collect();
    let e = check_command_log(&spec, &bad, end).unwrap_err();
    assert!(e.message.contains("refreshes"), "{e}");

    // Two commands in one cycle.
    let mut bad = log.clone();
    bad[10].cycle = bad[9].cycle;
    assert!(check_command_log(&spec, &bad, end)
        .unwrap_err()
        .message
        .contains("command bus"));

    // A fifth ACT inside tFAW: five ACTs of one DDR4 rank alternating bank groups tRRD_S
    // apart (tRRD allows it, tFAW = 48 > 4 × 9 does not).
    let ddr4 = DramSpec::from_ini_file(&fixture("DDR4_8Gb_x16_3200.ini")).unwrap();
    let mut bad: Vec<CommandRecord> = Vec::new();
    let mut t = 0;
    for b in 0..5u32 {
        bad.push(CommandRecord {
            cycle: t,
            channel: 0,
            kind: CommandKind::Activate,
            rank: 0,
            bankgroup: b % 2,
            bank: b / 2,
            row: 1,
            column: 0,
        });
        t += ddr4.timing.trrd_s;
    }
    check_command_log(&ddr4, &bad[..4], 0).unwrap();
    let e = check_command_log(&ddr4, &bad, 0).unwrap_err();
    assert!(e.message.contains("tFAW"), "{e}");

    // A write right after a read in the same rank (turnaround).
    let w = (1..log.len())
        .find(|&i| {
            log[i].kind == CommandKind::Write
                && log[i - 1].kind == CommandKind::Read
                && log[i - 1].rank == log[i].rank
        })
        .or_else(|| (1..log.len()).find(|&i| log[i].kind == CommandKind::Write))
        .unwrap();
    let r = log[..w]
        .iter()
        .rposition(|c| c.kind == CommandKind::Read && c.rank == log[w].rank)
        .unwrap();
    let mut bad = log.clone();
    let mut moved = bad[w];
    moved.cycle = log[r].cycle + 1;
    bad.remove(w);
    bad.insert(r + 1, moved);
    // Keep the command bus ordered: shift later commands that now collide.
    for k in r + 2..bad.len() {
        if bad[k].cycle <= bad[k - 1].cycle && bad[k].channel == bad[k - 1].channel {
            bad[k].cycle = bad[k - 1].cycle + 1;
        }
    }
    assert!(check_command_log(&spec, &bad, end).is_err());
}
