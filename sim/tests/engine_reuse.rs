//! Steady-state layer reuse against the exact command-by-command run. Stated tolerance: time
//! and leakage energy within 2 %, DRAM energy within 1 %, busy times within 4 %, activates and
//! row hits within 5 % (the measured window catches DRAM refreshes at a different phase than
//! the skipped layers would); counts (MACs, bytes, bursts) and the non-DRAM energies identical.

use sim::config::{preset, HardwareConfig};
use sim::engine::{Engine, EngineOptions, PhaseStats};
use sim::program::{DataClass, Program, Resource, TaskId, TaskKind, VectorOp};

struct Groups {
    next: u32,
    last_write: [Option<TaskId>; 2],
}

struct Shape {
    layers: u32,
    ops: u32,
    chunks: u32,
    chunk_bytes: u64,
    kv_bytes: u64,
}

/// A decode-like program: embedding, `layers` identical layers (norm, streamed linear ops on
/// macro groups handed out round-robin across the whole program, KV read + vector attention,
/// KV append), final norm and a streamed LM head.
fn decoder(s: &Shape) -> Program {
    let mut p = Program::new();
    let vec_op = |op, elements, macs| TaskKind::Vector { op, elements, macs };
    let l = p.label("embed");
    let e = p.push(
        TaskKind::DramRead {
            addr: 1 << 34,
            bytes: 1152,
            class: DataClass::Weights,
        },
        Resource::Dram,
        &[],
        l,
        None,
    );
    let mut last = p.push(
        vec_op(VectorOp::Copy, 576, 0),
        Resource::Vector,
        &[e],
        l,
        None,
    );
    // Macro groups are handed out round-robin; a group's next read waits for the write that
    // drained its staging slot (so the DRAM runs at most one fill ahead per group).
    let mut groups = Groups {
        next: 0,
        last_write: [None; 2],
    };
    let layer_weights = u64::from(s.ops * s.chunks) * s.chunk_bytes;
    let stream = |p: &mut Program, groups: &mut Groups, base: u64, after: TaskId, l, layer| {
        let mut computes = Vec::new();
        for c in 0..s.chunks {
            let gi = (groups.next % 2) as usize;
            groups.next += 1;
            let slot: Vec<TaskId> = groups.last_write[gi].into_iter().collect();
            let r = p.push(
                TaskKind::DramRead {
                    addr: base + u64::from(c) * s.chunk_bytes,
                    bytes: s.chunk_bytes,
                    class: DataClass::Weights,
                },
                Resource::Dram,
                &slot,
                l,
                layer,
            );
            let g = Resource::MacroGroup(gi as u32);
            let w = p.push(
                TaskKind::MacroWrite {
                    macros: 8,
                    bits: s.chunk_bytes * 8,
                },
                g,
                &[r],
                l,
                layer,
            );
            groups.last_write[gi] = Some(w);
            computes.push(p.push(
                TaskKind::MacroCompute {
                    macros: 8,
                    tiles_per_macro: 1,
                    vectors: 1,
                    macs: s.chunk_bytes * 2,
                },
                g,
                &[w, after],
                l,
                layer,
            ));
        }
        computes
    };
    for layer in 0..s.layers {
        let ly = Some(layer);
        let l = p.label(&format!("layer{layer}"));
        let norm = p.push(
            vec_op(VectorOp::RmsNorm, 576, 0),
            Resource::Vector,
            &[last],
            l,
            ly,
        );
        let mut outs = Vec::new();
        for op in 0..s.ops {
            let base = u64::from(layer) * layer_weights + u64::from(op * s.chunks) * s.chunk_bytes;
            outs.extend(stream(&mut p, &mut groups, base, norm, l, ly));
        }
        let kv_base = (1 << 33) + u64::from(layer) * (1 << 20);
        let kv = p.push(
            TaskKind::DramRead {
                addr: kv_base,
                bytes: s.kv_bytes,
                class: DataClass::KvCache,
            },
            Resource::Dram,
            &[],
            l,
            ly,
        );
        outs.push(kv);
        let att = p.push(
            vec_op(VectorOp::Mac, s.kv_bytes, s.kv_bytes),
            Resource::Vector,
            &outs,
            l,
            ly,
        );
        p.push(
            TaskKind::DramWrite {
                addr: kv_base + s.kv_bytes,
                bytes: 128,
                class: DataClass::KvCache,
            },
            Resource::Dram,
            &[norm],
            l,
            ly,
        );
        last = p.push(
            vec_op(VectorOp::Add, 576, 0),
            Resource::Vector,
            &[att],
            l,
            ly,
        );
    }
    let l = p.label("lm_head");
    let norm = p.push(
        vec_op(VectorOp::RmsNorm, 576, 0),
        Resource::Vector,
        &[last],
        l,
        None,
    );
    let outs = stream(&mut p, &mut groups, 1 << 35, norm, l, None);
    p.push(
        vec_op(VectorOp::Argmax, 4096, 0),
        Resource::Vector,
        &outs,
        l,
        None,
    );
    p
}

fn run(cfg: &HardwareConfig, p: &Program, exact: bool, times: usize) -> Vec<PhaseStats> {
    let opts = EngineOptions {
        exact,
        ..EngineOptions::default()
    };
    let mut e = Engine::new(cfg, opts).unwrap();
    (0..times).map(|_| e.run(p).unwrap()).collect()
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * a.abs().max(b.abs()).max(1e-9)
}

fn assert_agree(fast: &PhaseStats, exact: &PhaseStats) {
    let rel = |a: f64, b: f64| (a - b) / b.max(1e-9);
    println!(
        "time {:+.4}  dram energy {:+.4}  activates {:+.4}  row hits {:+.4}  dram busy {:+.4}",
        rel(fast.time_ps as f64, exact.time_ps as f64),
        rel(fast.energy_pj["dram"], exact.energy_pj["dram"]),
        rel(fast.dram_activates as f64, exact.dram_activates as f64),
        rel(fast.dram_row_hits as f64, exact.dram_row_hits as f64),
        rel(fast.busy_ps["dram"] as f64, exact.busy_ps["dram"] as f64),
    );
    assert_eq!(fast.macs, exact.macs);
    assert_eq!(fast.macro_macs, exact.macro_macs);
    assert_eq!(fast.dram_read_bytes, exact.dram_read_bytes);
    assert_eq!(fast.dram_write_bytes, exact.dram_write_bytes);
    assert_eq!(fast.dram_read_bursts, exact.dram_read_bursts);
    assert_eq!(fast.dram_write_bursts, exact.dram_write_bursts);
    assert_eq!(fast.dram_bytes_by_class, exact.dram_bytes_by_class);
    assert_eq!(fast.tasks, exact.tasks);
    let t = (fast.time_ps as f64, exact.time_ps as f64);
    assert!(close(t.0, t.1, 0.02), "time {} vs exact {}", t.0, t.1);
    for k in [
        "macro_compute",
        "macro_write",
        "vector",
        "interconnect",
        "buffer",
    ] {
        assert!(close(fast.energy_pj[k], exact.energy_pj[k], 1e-9), "{k}");
    }
    for (k, tol) in [("dram", 0.01), ("leakage", 0.02)] {
        let (a, b) = (fast.energy_pj[k], exact.energy_pj[k]);
        assert!(close(a, b, tol), "{k} energy {a} vs exact {b}");
    }
    for (k, &b) in &exact.busy_ps {
        let a = fast.busy_ps[k];
        assert!(close(a as f64, b as f64, 0.04), "{k} busy {a} vs exact {b}");
    }
    let (a, b) = (fast.dram_activates as f64, exact.dram_activates as f64);
    assert!(close(a, b, 0.05), "activates {a} vs exact {b}");
    let (a, b) = (fast.dram_row_hits as f64, exact.dram_row_hits as f64);
    assert!(close(a, b, 0.05), "row hits {a} vs exact {b}");
}

#[test]
fn reuse_agrees_with_exact_on_lpddr5_per_bit_energy() {
    let cfg = preset("edgecim-65nm").unwrap();
    // 9 chunks per layer: macro groups alternate between layers, so the unit is two layers.
    let shape = Shape {
        layers: 24,
        ops: 3,
        chunks: 3,
        chunk_bytes: 8192,
        kv_bytes: 4096,
    };
    let p = decoder(&shape);
    let fast = run(&cfg, &p, false, 2);
    let exact = run(&cfg, &p, true, 2);
    // 24 layers in units of two: 6 units simulated, 6 extrapolated.
    assert_eq!(fast[0].extrapolated_units, 6);
    assert_eq!(exact[0].extrapolated_units, 0);
    for (f, e) in fast.iter().zip(&exact) {
        assert_agree(f, e);
    }
    // The second program starts where the first ended, in both modes.
    assert_eq!(fast[1].start_ps, fast[0].end_ps());
}

#[test]
fn reuse_agrees_with_exact_on_lpddr4_idd_energy() {
    let cfg = preset("edgecim-lpddr4").unwrap();
    let shape = Shape {
        layers: 16,
        ops: 4,
        chunks: 4,
        chunk_bytes: 4096,
        kv_bytes: 2048,
    };
    let p = decoder(&shape);
    let fast = run(&cfg, &p, false, 1);
    let exact = run(&cfg, &p, true, 1);
    // 16 chunks per layer keep the groups in step: one-layer units, 10 extrapolated.
    assert_eq!(fast[0].extrapolated_units, 10);
    assert_agree(&fast[0], &exact[0]);
}

#[test]
fn irregular_layers_are_simulated_in_full() {
    // Change one layer's KV read size: no reuse, so the default run equals the exact run.
    let cfg = preset("edgecim-65nm").unwrap();
    let mut p = decoder(&Shape {
        layers: 10,
        ops: 2,
        chunks: 2,
        chunk_bytes: 4096,
        kv_bytes: 1024,
    });
    let kv = p
        .tasks
        .iter()
        .rposition(|t| {
            matches!(
                t.kind,
                TaskKind::DramRead {
                    class: DataClass::KvCache,
                    ..
                }
            )
        })
        .unwrap();
    if let TaskKind::DramRead { bytes, .. } = &mut p.tasks[kv].kind {
        *bytes += 64;
    }
    let fast = run(&cfg, &p, false, 1);
    let exact = run(&cfg, &p, true, 1);
    assert_eq!(fast[0].extrapolated_units, 0);
    assert_eq!(fast, exact);
}

#[test]
fn timeline_recording_simulates_every_layer() {
    let cfg = preset("edgecim-65nm").unwrap();
    let p = decoder(&Shape {
        layers: 12,
        ops: 2,
        chunks: 2,
        chunk_bytes: 4096,
        kv_bytes: 1024,
    });
    let opts = EngineOptions {
        record_timeline: true,
        ..EngineOptions::default()
    };
    let s = Engine::new(&cfg, opts).unwrap().run(&p).unwrap();
    assert_eq!(s.extrapolated_units, 0);
    assert_eq!(s.timeline.len(), p.tasks.len());
    let exact = run(&cfg, &p, true, 1);
    assert_eq!(s.time_ps, exact[0].time_ps);
}
