//! The `cimsim bench` scenarios as a `cargo bench` target (no harness: the scenarios time
//! themselves and print the same table as the command).
//!
//! `cargo bench --bench perf` runs the quick sizes of the simulate, DRAM and scaling groups;
//! `cargo bench --bench perf -- full` runs every group at full size (minutes), like
//! `cimsim bench`.

use cimsim::bench::{run, table, BenchOptions, Group};

fn main() {
    let full = std::env::args().any(|a| a == "full");
    let opts = BenchOptions {
        quick: !full,
        runs: 3,
        groups: if full {
            Vec::new()
        } else {
            vec![Group::Simulate, Group::Dram, Group::Scaling]
        },
        exe: Some(env!("CARGO_BIN_EXE_cimsim").into()),
    };
    println!("machine: {}", cimsim::bench::machine());
    match run(&opts, |row| eprintln!("  {} ...", row.scenario)) {
        Ok(rows) => print!("{}", table(&rows)),
        Err(e) => {
            eprintln!("bench failed: {e}");
            std::process::exit(1);
        }
    }
}
