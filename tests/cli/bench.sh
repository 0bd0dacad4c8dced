#!/usr/bin/env bash
# Every `ganscope bench NAME` at its smallest size: it runs to the end and prints `ratio: X` (a positive number) as
# its last line. Figures at these sizes mean nothing; what is checked is that each benchmark still works.
# Usage: bench.sh GANSCOPE_BINARY WORKDIR
set -euo pipefail
bin="$1"; work="$2"
rm -rf "$work"; mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

run_bench() {  # run_bench NAME options...
  local name="$1"; shift
  local started=$SECONDS
  timeout 300 "$bin" bench "$name" "$@" > "$work/$name.txt" 2>&1 || { cat "$work/$name.txt"; fail "bench $name failed"; }
  local last; last=$(tail -n 1 "$work/$name.txt")
  [[ "$last" =~ ^ratio:\ ([0-9]+\.?[0-9]*(e[-+]?[0-9]+)?)$ ]] || { cat "$work/$name.txt"; fail "bench $name: last line '$last' is not 'ratio: X'"; }
  awk -v r="${BASH_REMATCH[1]}" 'BEGIN { exit !(r > 0) }' || fail "bench $name: ratio ${BASH_REMATCH[1]} is not positive"
  echo "bench $name: ok ($last, $((SECONDS - started)) s)"
}

run_bench dcgan --device cpu --size 16 --batch 4 --latent 8 --width 8 --steps 1 --warmup 1 --rounds 1
run_bench pix2pix --device cpu --size 32 --batch 1 --width 8 --steps 1 --warmup 1 --rounds 1 --latency-size 32 --latency-runs 1
run_bench record --device cpu --size 16 --batch 4 --width 8 --window 2 --pairs 1 --every 1 --warmup 1 --out "$work/record.mp4"
run_bench translate --device cpu --seconds 1 --hz 10 --width 8 --runs 1 --threads 1
run_bench serve --device cpu --size 16 --batch 4 --width 8 --clients 2 --every 1 --window 2 --pairs 1 --warmup 1 --latency-seconds 1
run_bench dist --device cpu --size 16 --batch 4 --width 8 --steps 2 --warmup 1 --rounds 1
run_bench quality --device cpu --minutes 0.05 --slice 1 --size 16 --batch 4 --swd-images 16 --out "$work/quality" \
  --marks 0.02 --recipes seed003,default:width=8
# A mark: both measured there, their grids saved; the metric's floor; the width the spec asked for.
grep -Eq "^at 0.02 min: seed003 swd [0-9.]+ \([0-9]+ steps\), default:width=8 swd [0-9.]+ \([0-9]+ steps\), ratio [0-9.]+; grids .*quality_grids_0.02min.png$" \
  "$work/quality.txt" || { cat "$work/quality.txt"; fail "bench quality --marks: no line for the mark"; }
[[ -s "$work/quality/quality_grids_0.02min.png" && -s "$work/quality/quality_grids.png" ]] || fail "bench quality: grids missing"
grep -Eq "^floor: swd [0-9.]+ between the metric's 16 real images and as many others$" "$work/quality.txt" \
  || { cat "$work/quality.txt"; fail "bench quality: no floor"; }
grep -Eq "^default:width=8: swd .* \(width 8, batch 4\)$" "$work/quality.txt" || { cat "$work/quality.txt"; fail "bench quality: width 8 not used"; }
# One recipe alone (a reference figure such as seed 003's at 30 minutes): its SWD last.
timeout 300 "$bin" bench quality --device cpu --minutes 0.03 --slice 1 --size 16 --batch 4 --swd-images 16 \
  --recipes seed003 --out "$work/quality1" > "$work/quality1.txt" 2>&1 || { cat "$work/quality1.txt"; fail "bench quality alone failed"; }
[[ "$(tail -n 1 "$work/quality1.txt")" =~ ^swd:\ [0-9]+\.[0-9]+$ ]] || { cat "$work/quality1.txt"; fail "bench quality alone: last line is not 'swd: X'"; }
if "$bin" bench quality --minutes 1 --recipes default:depth=3 > "$work/quality_bad.txt" 2>&1; then fail "bench quality accepted default:depth=3"; fi
grep -q "unknown key depth" "$work/quality_bad.txt" || { cat "$work/quality_bad.txt"; fail "bench quality: no word on the bad spec"; }
run_bench grid --count 4 --size 16 --view-width 64 --view-height 64 --reps 2 --rounds 1
run_bench viewer --device cpu --seconds 1 --rounds 1 --size 16 --batch 4
# With compared runs publishing beside the window's own run (the Compare panel), paired against watching it alone.
run_bench viewer --device cpu --seconds 1 --rounds 1 --size 16 --batch 4 --runs 2 --runs-every 0.25
grep -q "^watching 2 runs (.* grids each, one every 0.25 s): frame busy median .* throughput ratio" "$work/viewer.txt" \
  || { cat "$work/viewer.txt"; fail "bench viewer --runs 2: no paired line"; }
# The GL thread's time per publish on its own, with some of each taken in (figures, not zero counts).
grep -Eq "^GL-thread time per publish: watching 2 runs: median [0-9.]+ ms, p95 [0-9.]+ ms a compared run's grid \([1-9][0-9]* taken in; .*watching one: median [0-9.]+ ms, p95 [0-9.]+ ms a grid of the window's own run \([1-9][0-9]* taken in\)$" \
  "$work/viewer.txt" || { cat "$work/viewer.txt"; fail "bench viewer --runs 2: no GL-thread time per publish"; }
echo "cli bench: all checks passed"
