#!/usr/bin/env bash
# Side-by-side run of cimsim's DRAM model and DRAMsim3 on DRAMsim3's own configurations.
#
#   sim/dram/validation/run.sh [DRAMSIM3_SRC] [CONFIG_DIR]
#
# DRAMSIM3_SRC: a checkout of https://github.com/umd-memsys/DRAMsim3 (cloned into
# $WORK/DRAMsim3 when absent); CONFIG_DIR: the .ini files (default: its configs/ folder).
# Builds DRAMsim3 with -DCMD_TRACE (plain g++, no cmake needed) and dramsim3_driver.cc against
# it, writes the three validation traces of every accepted .ini (sim/dram/src/validation.rs),
# runs both simulators and writes dramsim3_reference.csv next to this script, which
# tests/dramsim3_fixture.rs checks (cimsim within 1% of DRAMsim3's completion cycle).
# HMC files are skipped (out of scope). About a minute on two cores.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
WORK="${WORK:-/tmp/cimsim-dramsim3}"
src="${1:-$WORK/DRAMsim3}"
configs="${2:-$src/configs}"
jobs="${JOBS:-2}"
mkdir -p "$WORK"
if [ ! -d "$src/src" ]; then
    git clone --depth 1 https://github.com/umd-memsys/DRAMsim3 "$src"
fi

obj="$WORK/obj"
mkdir -p "$obj"
flags=(-O2 -std=c++11 -I"$src/src" -I"$src/ext/fmt/include" -I"$src/ext/headers" -DFMT_HEADER_ONLY=1 -DCMD_TRACE)
for f in bankstate channel_state command_queue common configuration controller dram_system \
         hmc memory_system refresh simple_stats timing; do
    [ "$obj/$f.o" -nt "$src/src/$f.cc" ] || echo "$f"
done | xargs -r -P "$jobs" -I{} g++ "${flags[@]}" -c "$src/src/{}.cc" -o "$obj/{}.o"
g++ "${flags[@]}" "$here/dramsim3_driver.cc" "$obj"/*.o -o "$WORK/driver"

(cd "$root" && cargo build --release -q -p dram --example dramsim3_validation)
helper="$root/target/release/examples/dramsim3_validation"

runs="$WORK/runs"
rm -rf "$runs"
mkdir -p "$runs"
one() {
    local ini="$1" name dir delays
    name="$(basename "$ini" .ini)"
    dir="$runs/$name"
    mkdir -p "$dir"
    delays="$("$helper" traces "$ini" "$dir")" || { echo "$name: rejected by cimsim" >&2; return 0; }
    local proto
    proto="$(grep -i '^ *protocol' "$ini" | head -1 | sed 's/.*= *//; s/[ ;].*//')"
    for kind in stream random mixed; do
        mkdir -p "$dir/$kind"
        local d c
        d="$("$WORK/driver" "$ini" "$dir/$kind.trace" "$dir/$kind" $delays | tail -1)"
        c="$("$helper" cimsim "$ini" "$kind")"
                echo "$name,$proto,$kind,$d,$c,$(grep -c WRITE "$dir/$kind.trace" || true)" >> "$dir/rows.csv"
    done
}
export -f one
export runs helper WORK
ls "$configs"/*.ini | grep -v '/HMC' | xargs -P "$jobs" -I{} bash -c 'one "$@"' _ {}

out="$here/dramsim3_reference.csv"
# Compared cycle: the last completion of every request ("all"), except where DRAMsim3 never
# issued some writes (its write buffer drains only when full, or when it holds more than 8 and
# the command queues are empty, so up to 8 per channel can stay behind after the last read):
# those cannot be dated, and the run is compared on the last read ("last_read"), which every
# earlier write has delayed. Both cycles of both simulators are in the file.
{
    echo "config,protocol,trace,dramsim3_cycles,dramsim3_last_read,dramsim3_row_hits,dramsim3_activates,writes,dramsim3_writes_issued,cimsim_cycles,cimsim_last_read,cimsim_row_hits,cimsim_activates,compared,error_pct"
    # driver: cycles,rd,wr,hits,acts,last_read ($4-$9); helper: cycles,hits,acts,last_read
    # ($10-$13); writes in the trace ($14)
    cat "$runs"/*/rows.csv | sort -t, -k1,1 -k3,3 | awk -F, '{
        if ($6 < $14) { cmp = "last_read"; err = ($13 - $9) / $9 * 100 }
        else { cmp = "all"; err = ($10 - $4) / $4 * 100 }
        printf "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%.3f\n", $1, $2, $3, $4, $9, $7, $8, $14, $6, $10, $13, $11, $12, cmp, err }'
} > "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out ($(($(wc -l < "$out") - 1)) runs)"
awk -F, 'NR > 1 { e = $15 < 0 ? -$15 : $15; s += e; if (e > m) { m = e; w = $1 " " $3 } } END { printf "worst |error| %.3f%% (%s), mean %.4f%%\n", m, w, s / (NR - 1) }' "$out"
