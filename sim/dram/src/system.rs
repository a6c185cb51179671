//! A whole DRAM system: one controller per channel sharing a clock. The public face of the
//! cycle-level model (`try_enqueue` / `tick` / `skip_to`), used by the trace runner and by the
//! accelerator engine.

use crate::address::AddressMapping;
use crate::command::CommandRecord;
use crate::controller::{Controller, Sink};
use crate::energy::EnergyIncrements;
use crate::spec::DramSpec;
use crate::stats::{DramStats, EnergyModel};
use std::sync::OnceLock;

/// The cycle-level DRAM model of a whole system.
#[derive(Debug, Clone)]
pub struct DramSystem {
    spec: DramSpec,
    mapping: AddressMapping,
    controllers: Vec<Controller>,
    cycle: u64,
    /// Counters; their energy fields are filled in only in `stats_view`.
    stats: DramStats,
    /// The counters with their energy, computed when asked for (the energy is a function of
    /// the counters, so computing it once per request instead of once per cycle gives the same
    /// figures); emptied whenever a counter moves.
    stats_view: OnceLock<DramStats>,
    energy: EnergyModel,
    active_ranks: u64,
    total_ranks: u64,
    log: Option<Vec<CommandRecord>>,
    /// Completions that happened inside `skip_to` while requests were in flight.
    deferred: Vec<u64>,
}

impl DramSystem {
    /// A system in its initial state (all banks closed, cycle 0). `spec` should have passed
    /// `DramSpec::validate` (every constructor of a spec in this crate does that).
    pub fn new(spec: &DramSpec) -> DramSystem {
        // A spec that fails validation is a programming error of the caller; fall back to a
        // mapping that at least does not panic.
        let mapping = match AddressMapping::new(spec) {
            Ok(m) => m,
            Err(_) => {
                let mut s = spec.clone();
                s.controller.address_mapping = "rorabacobgch".to_string();
                AddressMapping::new(&s).unwrap_or_else(|e| panic!("invalid DRAM spec: {e}"))
            }
        };
        let energy = match spec.power.energy_pj_per_bit {
            Some(pj) => EnergyModel::PerBit {
                pj_per_request: pj * (spec.request_bytes() * 8) as f64,
            },
            None => EnergyModel::Idd(EnergyIncrements::new(spec)),
        };
        DramSystem {
            spec: spec.clone(),
            mapping,
            controllers: (0..spec.channels())
                .map(|c| Controller::new(spec, c))
                .collect(),
            cycle: 0,
            stats: DramStats::default(),
            stats_view: OnceLock::new(),
            energy,
            active_ranks: 0,
            total_ranks: u64::from(spec.channels()) * u64::from(spec.ranks()),
            log: None,
            deferred: Vec::new(),
        }
    }

    /// Starts recording every issued command (off by default: it allocates).
    pub fn enable_command_log(&mut self) {
        if self.log.is_none() {
            self.log = Some(Vec::new());
        }
    }

    /// Commands issued so far (empty unless the log is enabled).
    pub fn command_log(&self) -> &[CommandRecord] {
        self.log.as_deref().unwrap_or(&[])
    }

    pub fn spec(&self) -> &DramSpec {
        &self.spec
    }

    /// Current DRAM cycle: the next one `tick` simulates.
    pub fn cycle(&self) -> u64 {
        self.cycle
    }

    /// Queues one request (one burst, `request_bytes` at `addr`) arriving now; false if the
    /// target channel's read queue (or write buffer) is full.
    pub fn try_enqueue(&mut self, addr: u64, is_write: bool, tag: u64) -> bool {
        // A full queue is the common answer under load: found before decoding the address.
        let ch = self.mapping.channel(addr) as usize;
        match self.controllers.get_mut(ch) {
            Some(c) if c.has_room(is_write) => {
                let exits = (self.stats.power_down_exits, self.stats.self_refresh_exits);
                let ok = c.try_enqueue(
                    self.mapping.decode(addr),
                    is_write,
                    tag,
                    self.cycle,
                    &mut self.stats,
                );
                if exits != (self.stats.power_down_exits, self.stats.self_refresh_exits) {
                    self.stats_view.take();
                }
                ok
            }
            _ => false,
        }
    }

    /// Simulates the current cycle and advances to the next; pushes the tags of requests that
    /// completed in it.
    pub fn tick(&mut self, completed: &mut Vec<u64>) {
        if !self.deferred.is_empty() {
            completed.append(&mut self.deferred);
        }
        let now = self.cycle;
        let mut sink = Sink {
            stats: &mut self.stats,
            active_ranks: &mut self.active_ranks,
            log: self.log.as_mut(),
            completed,
        };
        for c in &mut self.controllers {
            c.tick(now, &mut sink);
        }
        self.account(1);
        self.cycle += 1;
    }

    /// See `Controller::set_lazy_completions`.
    pub(crate) fn set_lazy_completions(&mut self, lazy: bool) {
        for c in &mut self.controllers {
            c.set_lazy_completions(lazy, self.cycle);
        }
    }

    /// Cycle of the latest completion so far (0 if none).
    pub(crate) fn last_completion(&self) -> u64 {
        self.controllers
            .iter()
            .map(Controller::last_completion)
            .max()
            .unwrap_or(0)
    }

    /// No request queued or in flight.
    pub fn is_idle(&self) -> bool {
        self.controllers.iter().all(Controller::is_idle)
    }

    /// The first cycle at or after the current one at which the model can change state without
    /// new requests (a completion, a timing constraint expiring, a refresh).
    pub fn next_event_cycle(&self) -> u64 {
        self.controllers
            .iter()
            .map(Controller::wake_at)
            .min()
            .unwrap_or(u64::MAX)
            .max(self.cycle)
    }

    /// Advances to `target`, simulating only the cycles where something happens; completions
    /// are pushed to `completed`.
    pub fn advance_to(&mut self, target: u64, completed: &mut Vec<u64>) {
        while self.cycle < target {
            let next = self.next_event_cycle().min(target);
            if next > self.cycle {
                self.account(next - self.cycle);
                self.cycle = next;
                continue;
            }
            self.tick(completed);
        }
    }

    /// Jumps ahead to `cycle` (refreshes and background energy accounted). Meant for an idle
    /// system; requests still in flight are simulated, and their completions are reported by
    /// the next `tick`.
    pub fn skip_to(&mut self, cycle: u64) {
        let mut out = std::mem::take(&mut self.deferred);
        self.advance_to(cycle, &mut out);
        self.deferred = out;
    }

    /// Counters and energy (background included up to the current cycle).
    pub fn stats(&self) -> &DramStats {
        self.stats_view.get_or_init(|| {
            let mut s = self.stats.clone();
            s.update_energy(&self.energy);
            s
        })
    }

    /// The statistics at the current cycle (same as `stats()`; kept for callers that finish a
    /// run).
    pub fn finish_stats(&mut self) -> DramStats {
        self.stats().clone()
    }

    /// Adds `cycles` cycles of background (rank standby) time. Every change of the counters
    /// goes through here (a tick ends with it).
    fn account(&mut self, cycles: u64) {
        let s = &mut self.stats;
        for c in &self.controllers {
            c.account_idle(self.cycle, cycles, s);
        }
        s.cycles += cycles;
        s.active_rank_cycles += cycles * self.active_ranks;
        s.precharged_rank_cycles += cycles * (self.total_ranks - self.active_ranks);
        self.stats_view.take();
    }
}
