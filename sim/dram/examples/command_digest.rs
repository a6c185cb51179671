//! A digest of everything the controller does on a fixed set of configurations and traces:
//! every issued command (cycle, kind, target), every completion (cycle, tag) and the final
//! counters. Two builds that print the same digests issue the same commands at the same cycles;
//! used to check that a speed-up of the model changes nothing it simulates.
//! Run with `cargo run --release -p dram --example command_digest [REQUESTS]`.

use dram::synthetic::{synthetic_trace_with, TraceKind, TraceRng, DEFAULT_SEED};
use dram::{
    presets, run_on, DramSpec, DramStats, DramSystem, QueueStructure, RefreshPolicy,
    RowBufferPolicy, TraceRequest,
};

/// FNV-1a over 64-bit words; with `dump`, every word is also printed.
struct Digest(u64, bool);

impl Digest {
    fn add(&mut self, v: u64) {
        if self.1 {
            println!("{v}");
        }
        for b in v.to_le_bytes() {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x100_0000_01b3);
        }
    }
}

fn configs() -> Vec<(String, DramSpec)> {
    let mut out = Vec::new();
    for name in presets::names() {
        if let Some(s) = presets::get(name) {
            out.push((name.to_string(), s));
        }
    }
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for f in ["LPDDR4_8Gb_x16_2400.ini", "DDR4_8Gb_x16_3200.ini"] {
        match DramSpec::from_ini_file(&fixtures.join(f)) {
            Ok(s) => out.push((f.to_string(), s)),
            Err(e) => eprintln!("{f}: {e}"),
        }
    }
    let base = presets::get("lpddr4-3200").unwrap_or_else(|| std::process::exit(2));
    out.push(("lpddr4 2ch".into(), base.clone().with_channels(2)));
    let mut s = base.clone();
    s.controller.queue_structure = QueueStructure::PerRank;
    out.push(("lpddr4 per-rank".into(), s));
    let mut s = base.clone();
    s.controller.row_buffer_policy = RowBufferPolicy::ClosePage;
    out.push(("lpddr4 close-page".into(), s));
    let mut s = base.clone();
    s.controller.cmd_queue_size = 2;
    s.controller.trans_queue_size = 4;
    out.push(("lpddr4 small queues".into(), s));
    let ddr4 = presets::get("ddr4-3200").unwrap_or_else(|| std::process::exit(2));
    let mut s = ddr4.clone();
    s.controller.address_mapping = "rochrababgco".into();
    out.push(("ddr4 rochrababgco".into(), s));
    let mut s = ddr4.clone();
    s.organization.ranks = 1;
    out.push(("ddr4 1 rank".into(), s));
    let mut s = ddr4.clone();
    s.organization.ranks = 4;
    s.controller.refresh_policy = RefreshPolicy::RankLevelSimultaneous;
    s.controller.queue_structure = QueueStructure::PerRank;
    out.push(("ddr4 4 ranks simultaneous per-rank".into(), s));
    let mut s = ddr4;
    s.organization.ranks = 8;
    s.controller.row_buffer_policy = RowBufferPolicy::ClosePage;
    out.push(("ddr4 8 ranks (128 queues) close-page".into(), s));
    out.retain(|(name, s)| match s.validate(name) {
        Ok(()) => true,
        Err(e) => {
            eprintln!("skipped: {e}");
            false
        }
    });
    out
}

fn traces(spec: &DramSpec, n: u64) -> Vec<(&'static str, Vec<TraceRequest>)> {
    let rb = spec.request_bytes();
    let span = spec.channel_bytes() * u64::from(spec.channels());
    // One stream for all traces, in this order: the recorded digests depend on it.
    let mut rng = TraceRng::new(DEFAULT_SEED);
    let mut sequential = synthetic_trace_with(spec, TraceKind::Sequential, n, &mut rng);
    for (i, r) in sequential.iter_mut().enumerate() {
        r.is_write = i % 4 == 3;
    }
    let mut out = vec![
        ("sequential, 1/4 writes", sequential),
        (
            "random reads",
            synthetic_trace_with(spec, TraceKind::Random, n, &mut rng),
        ),
        (
            "random 50% writes",
            synthetic_trace_with(spec, TraceKind::Mixed { write_share: 0.5 }, n, &mut rng),
        ),
    ];
    // A few rows' worth of addresses: row hits, conflicts, and writes after reads of the same
    // location.
    let local = (spec.row_bytes() * 64).max(rb * 64);
    out.push((
        "local 30% writes",
        confined(&mut rng, n, local, rb, |r| r % 10 < 3),
    ));
    out.push((
        "8 addresses, 50% writes",
        confined(&mut rng, n, rb * 8, rb, |r| r >> 63 == 1),
    ));
    // Arrivals spread out in time: idle gaps, refreshes while idle, write drains on empty queues.
    let mut cycle = 0u64;
    out.push((
        "timed mix",
        (0..n)
            .map(|_| {
                let r = rng.next_u64();
                cycle += match r % 16 {
                    0 => 2000,
                    1..=3 => 30,
                    4..=7 => 3,
                    _ => 0,
                };
                TraceRequest {
                    addr: (r >> 8) % span / rb * rb,
                    is_write: r.is_multiple_of(3),
                    cycle,
                }
            })
            .collect(),
    ));
    out
}

/// `n` requests at cycle 0 on the first `span` bytes, a write where `is_write` says so of the
/// value the address was drawn from.
fn confined(
    rng: &mut TraceRng,
    n: u64,
    span: u64,
    rb: u64,
    is_write: fn(u64) -> bool,
) -> Vec<TraceRequest> {
    (0..n)
        .map(|_| {
            let r = rng.next_u64();
            TraceRequest {
                addr: r % span / rb * rb,
                is_write: is_write(r),
                cycle: 0,
            }
        })
        .collect()
}

/// The trace runner's loop, with every completion recorded.
fn run(spec: &DramSpec, requests: &[TraceRequest], d: &mut Digest) {
    let mut sys = DramSystem::new(spec);
    sys.enable_command_log();
    let mut completed = Vec::new();
    let mut next = 0usize;
    loop {
        let now = sys.cycle();
        let mut blocked = false;
        while let Some(r) = requests.get(next) {
            if r.cycle > now {
                break;
            }
            if !sys.try_enqueue(r.addr, r.is_write, next as u64) {
                blocked = true;
                break;
            }
            next += 1;
        }
        if next == requests.len() && sys.is_idle() {
            break;
        }
        let mut target = sys.next_event_cycle();
        if let Some(r) = requests.get(next) {
            if !blocked {
                target = target.min(r.cycle.max(now));
            }
        }
        if target > now {
            sys.advance_to(target, &mut completed);
        } else {
            sys.tick(&mut completed);
        }
        for t in completed.drain(..) {
            d.add(sys.cycle());
            d.add(t);
        }
    }
    log_and_stats(&sys, d);
}

/// The trace runner on the same trace: its report, command log and counters.
fn run_trace_runner(spec: &DramSpec, requests: &[TraceRequest], d: &mut Digest) {
    let mut sys = DramSystem::new(spec);
    sys.enable_command_log();
    let r = run_on(&mut sys, requests);
    for v in [
        r.requests,
        r.cycles,
        r.bandwidth_gbps.to_bits(),
        r.avg_read_latency_cycles.to_bits(),
        r.row_hits,
        r.activates,
        r.refreshes,
        r.energy_pj.to_bits(),
    ] {
        d.add(v);
    }
    add_stats(&r.stats, d);
    log_and_stats(&sys, d);
}

fn log_and_stats(sys: &DramSystem, d: &mut Digest) {
    for c in sys.command_log() {
        d.add(c.cycle);
        d.add(u64::from(c.channel));
        d.add(c.kind as u64);
        d.add(u64::from(c.rank));
        d.add(u64::from(c.bankgroup));
        d.add(u64::from(c.bank));
        d.add(u64::from(c.row));
        d.add(u64::from(c.column));
    }
    add_stats(sys.stats(), d);
}

fn add_stats(s: &DramStats, d: &mut Digest) {
    for v in [
        s.cycles,
        s.reads,
        s.writes,
        s.read_bytes,
        s.write_bytes,
        s.read_commands,
        s.write_commands,
        s.activates,
        s.precharges,
        s.row_hits,
        s.refreshes,
        s.read_latency_sum_cycles,
        s.read_latency_max_cycles,
        s.active_rank_cycles,
        s.precharged_rank_cycles,
        s.energy_pj.to_bits(),
    ] {
        d.add(v);
    }
}

fn main() {
    let n = std::env::args()
        .nth(1)
        .and_then(|a| a.parse::<u64>().ok())
        .unwrap_or(50_000);
    // With a second argument, only the runs whose name contains it, every word printed.
    let only = std::env::args().nth(2);
    let mut all = Digest(0xcbf2_9ce4_8422_2325, false);
    for (cname, spec) in configs() {
        for (tname, trace) in traces(&spec, n) {
            let name = format!("{cname} / {tname}");
            if only.as_ref().is_some_and(|o| !name.contains(o.as_str())) {
                continue;
            }
            let mut d = Digest(0xcbf2_9ce4_8422_2325, only.is_some());
            run(&spec, &trace, &mut d);
            all.add(d.0);
            println!("{:016x}  {name}", d.0);
            let mut d = Digest(0xcbf2_9ce4_8422_2325, only.is_some());
            run_trace_runner(&spec, &trace, &mut d);
            all.add(d.0);
            println!("{:016x}  {name} (trace runner)", d.0);
        }
    }
    println!("{:016x}  all", all.0);
}
