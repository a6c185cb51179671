#!/usr/bin/env bash
# Wall time of cimsim's DRAM model against DRAMsim3 on 1,000,000-request traces (random reads,
# random with 33 % writes, sequential reads; all issued at cycle 0) on DRAMsim3's
# LPDDR4_8Gb_x16_2400.ini, one core each, one run. DRAMsim3 is driven by dramsim3_driver.cc
# built WITHOUT the command trace (DRAMsim3's plain Makefile objects), cimsim by `cimsim dram`.
#
#   sim/dram/validation/speed.sh [DRAMSIM3_SRC]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
WORK="${WORK:-/tmp/cimsim-dramsim3}"
src="${1:-$WORK/DRAMsim3}"
mkdir -p "$WORK/speed"
[ -d "$src/src" ] || git clone --depth 1 https://github.com/umd-memsys/DRAMsim3 "$src"
obj="$WORK/obj-plain"
mkdir -p "$obj"
flags=(-O3 -std=c++11 -I"$src/src" -I"$src/ext/fmt/include" -I"$src/ext/headers" -DFMT_HEADER_ONLY=1)
for f in bankstate channel_state command_queue common configuration controller dram_system \
         hmc memory_system refresh simple_stats timing; do
    [ "$obj/$f.o" -nt "$src/src/$f.cc" ] || g++ "${flags[@]}" -c "$src/src/$f.cc" -o "$obj/$f.o"
done
g++ "${flags[@]}" "$here/dramsim3_driver.cc" "$obj"/*.o -o "$WORK/driver-plain"
(cd "$root" && cargo build --release -q --bin cimsim)
cfg="$here/configs/LPDDR4_8Gb_x16_2400.ini"
python3 - "$WORK/speed" <<'PY'
import random, sys
d = sys.argv[1]
random.seed(42)
with open(d + "/random.trace", "w") as f:
    for _ in range(1_000_000):
        f.write("0x%x READ 0\n" % (random.randrange(0, 2**30) // 128 * 128))
random.seed(43)
with open(d + "/mixed.trace", "w") as f:
    for _ in range(1_000_000):
        a = random.randrange(0, 2**30) // 128 * 128
        f.write("0x%x %s 0\n" % (a, "WRITE" if random.random() < 0.33 else "READ"))
with open(d + "/sequential.trace", "w") as f:
    for i in range(1_000_000):
        f.write("0x%x READ 0\n" % (i * 128))
PY
for t in random mixed sequential; do
    s=$(date +%s.%N)
    "$WORK/driver-plain" "$cfg" "$WORK/speed/$t.trace" "$WORK/speed" 30 30 > /dev/null
    m=$(date +%s.%N)
    "$root/target/release/cimsim" dram --config "$cfg" --trace "$WORK/speed/$t.trace" --json > /dev/null
    e=$(date +%s.%N)
    python3 -c "d=$m-$s; c=$e-$m; print('$t: DRAMsim3 %.2f s, cimsim %.2f s, %.1fx' % (d, c, d / c))"
done
