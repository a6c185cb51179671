//! Simulation speed of the cycle-level model: requests simulated per second of wall time on
//! 1M-request sequential and random read traces (and a 50/50 random read/write mix).
//! Run with `cargo run --release -p dram --example throughput [PRESET|FILE.ini [CHANNELS]]`.

use dram::{presets, run_trace, DramSpec, TraceRequest};
use std::time::Instant;

fn main() {
    let arg = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "lpddr4-3200".to_string());
    let spec = presets::get(&arg)
        .map(Ok)
        .unwrap_or_else(|| DramSpec::from_ini_file(std::path::Path::new(&arg)))
        .unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(2)
        });
    let spec = match std::env::args().nth(2).map(|c| c.parse::<u32>()) {
        Some(Ok(c)) => spec.with_channels(c),
        Some(Err(e)) => {
            eprintln!("CHANNELS: {e}");
            std::process::exit(2)
        }
        None => spec,
    };
    let n = 1_000_000u64;
    let rb = spec.request_bytes();
    let span = spec.channel_bytes() * u64::from(spec.channels());
    // xorshift64*: a fixed pseudo-random stream.
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut rnd = move || {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let seq: Vec<TraceRequest> = (0..n)
        .map(|i| TraceRequest {
            addr: i * rb,
            is_write: false,
            cycle: 0,
        })
        .collect();
    let random: Vec<TraceRequest> = (0..n)
        .map(|_| TraceRequest {
            addr: rnd() % span / rb * rb,
            is_write: false,
            cycle: 0,
        })
        .collect();
    let mixed: Vec<TraceRequest> = (0..n)
        .map(|_| {
            let r = rnd();
            TraceRequest {
                addr: r % span / rb * rb,
                is_write: r >> 63 == 1,
                cycle: 0,
            }
        })
        .collect();
    println!("config {} ({} channel(s))", spec.name, spec.channels());
    for (name, trace) in [
        ("sequential", &seq),
        ("random", &random),
        ("random 50% writes", &mixed),
    ] {
        let t0 = Instant::now();
        let r = run_trace(&spec, trace);
        let s = t0.elapsed().as_secs_f64();
        println!(
            "{name:>18}: {:>9} requests, {:>10} cycles, {:6.2} GB/s simulated, {:5.2} s wall, {:.2} M requests/s",
            r.requests,
            r.cycles,
            r.bandwidth_gbps,
            s,
            r.requests as f64 / s / 1e6
        );
    }
}
