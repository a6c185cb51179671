// Runs one DRAMsim3-format trace through DRAMsim3 (built with -DCMD_TRACE) the way cimsim's
// `run_trace` plays it: in each cycle, every request whose cycle has come is added while the
// memory system accepts it (in trace order, stopping at the first refusal), then the cycle is
// simulated. When the trace is exhausted and nothing is left in flight, the command traces
// DRAMsim3 wrote are read back and one CSV line is printed:
//   cycles,read_cmds,write_cmds,row_hits,activates,last_read
// where `cycles` is the last completion: max over RD of (issue + RL + burst) and over WR of
// (issue + WL + burst), the same definition cimsim uses (DRAMsim3 itself acknowledges a write
// on arrival, which says nothing about when the DRAM finished it).
//
// Usage: dramsim3_driver CONFIG.ini TRACE OUT_DIR READ_DELAY WRITE_DELAY
// (the delays, in cycles, are passed in by the harness, which knows them from cimsim's reading
// of the same file and checks them against DRAMsim3's printed config).
//
// This file is cimsim's harness code; it uses DRAMsim3 only through its public API.
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "dramsim3.h"

struct Req {
    uint64_t addr;
    bool is_write;
    uint64_t cycle;
};

int main(int argc, char** argv) {
    if (argc != 6) {
        std::cerr << "usage: " << argv[0]
                  << " CONFIG.ini TRACE OUT_DIR READ_DELAY WRITE_DELAY\n";
        return 2;
    }
    std::string config = argv[1], trace = argv[2], out_dir = argv[3];
    uint64_t read_delay = std::strtoull(argv[4], nullptr, 10);
    uint64_t write_delay = std::strtoull(argv[5], nullptr, 10);

    std::vector<Req> reqs;
    {
        std::ifstream in(trace);
        if (!in) {
            std::cerr << "cannot read " << trace << "\n";
            return 2;
        }
        std::string line;
        while (std::getline(in, line)) {
            if (line.empty() || line[0] == '#') continue;
            std::istringstream ls(line);
            std::string a, op;
            uint64_t c = 0;
            ls >> a >> op >> c;
            reqs.push_back({std::stoull(a, nullptr, 16), op == "WRITE", c});
        }
    }

    uint64_t reads_back = 0, writes_back = 0;
    auto* mem = dramsim3::GetMemorySystem(
        config, out_dir, [&](uint64_t) { reads_back++; },
        [&](uint64_t) { writes_back++; });
    uint64_t reads = 0, writes = 0;
    for (const auto& r : reqs) (r.is_write ? writes : reads)++;

    size_t next = 0;
    uint64_t clk = 0;
    // DRAMsim3 keeps writes in its buffer after acknowledging them; keep ticking well past the
    // last acknowledgement so every write reaches the DRAM (the write buffer drains when the
    // command queues are empty), then read the command traces.
    uint64_t idle_since = 0;
    const uint64_t drain_cycles = 20000;
    while (true) {
        while (next < reqs.size() && reqs[next].cycle <= clk &&
               mem->WillAcceptTransaction(reqs[next].addr, reqs[next].is_write)) {
            mem->AddTransaction(reqs[next].addr, reqs[next].is_write);
            next++;
        }
        mem->ClockTick();
        clk++;
        if (next == reqs.size() && reads_back >= reads && writes_back >= writes) {
            if (idle_since == 0) idle_since = clk;
            if (clk - idle_since > drain_cycles) break;
        }
    }
    delete mem;  // flushes the command trace files

    uint64_t last = 0, last_read = 0, rd = 0, wr = 0, hits = 0, acts = 0;
    std::map<std::tuple<int, int, int, int>, int> hits_in_row;  // -1: closed
    for (int ch = 0; ch < 64; ch++) {
        std::string name = out_dir + "/dramsim3ch_" + std::to_string(ch) + "cmd.trace";
        std::ifstream in(name);
        if (!in) break;
        std::string line;
        while (std::getline(in, line)) {
            std::istringstream ls(line);
            uint64_t c;
            std::string kind;
            int chan, rank, bg, bank;
            if (!(ls >> c >> kind >> chan >> rank >> bg >> bank)) continue;
            auto key = std::make_tuple(chan, rank, bg, bank);
            if (kind == "activate") {
                acts++;
                hits_in_row[key] = 0;
            } else if (kind == "read" || kind == "read_p" || kind == "write" ||
                       kind == "write_p") {
                bool is_read = kind[0] == 'r';
                (is_read ? rd : wr)++;
                auto it = hits_in_row.find(key);
                if (it != hits_in_row.end() && it->second > 0) hits++;
                if (it != hits_in_row.end()) it->second++;
                uint64_t done = c + (is_read ? read_delay : write_delay);
                if (done > last) last = done;
                if (is_read && done > last_read) last_read = done;
                if (kind == "read_p" || kind == "write_p") hits_in_row[key] = -1;
            } else if (kind == "precharge") {
                hits_in_row[key] = -1;
            }
        }
    }
    std::cout << last << "," << rd << "," << wr << "," << hits << "," << acts << ","
              << last_read << "\n";
    return 0;
}
