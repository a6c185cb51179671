//! The cycle-level DRAM model: JEDEC timing, FR-FCFS scheduling with open pages, refresh and
//! IDD-based energy. Reads DRAMsim3 `.ini` configs and runs DRAMsim3-format traces.
