#!/usr/bin/env bash
# End to end, serving a distributed run: `train --headless --nproc 2 --serve PORT` gives every rank the same --serve;
# only rank 0 serves (one serving line, one token file), the other rank trains beside it, and the served step
# advances. Usage: serve_dist.sh GANSCOPE_BINARY WORKDIR
set -euo pipefail
bin="$1"; work="$2"
rm -rf "$work"; mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
# Several ranks on one machine: Gloo on the CPU here and on a GPU machine alike (NCCL needs a GPU per rank).
dev=(--device cpu)
export OMP_WAIT_POLICY=passive
port=$(( 20000 + ($$ + 7919) % 20000 ))
"$bin" train "${dev[@]}" --headless --nproc 2 --threads 1 --preset tiny --steps 0 --out "$work/run" --serve "127.0.0.1:$port" \
  > "$work/train.txt" 2>&1 &
pid=$!
trap 'kill $pid 2> /dev/null || true' EXIT
url="http://127.0.0.1:$port"
first=""
for _ in $(seq 600); do
  first=$(curl -sf "$url/api/status" 2> /dev/null | sed -n 's/.*"step":\([0-9]*\).*/\1/p') || true
  [ -n "$first" ] && [ "$first" -gt 0 ] && break
  kill -0 $pid 2> /dev/null || { cat "$work/train.txt"; fail "the 2-rank run stopped"; }
  sleep 0.2
done
[ -n "$first" ] && [ "$first" -gt 0 ] || { cat "$work/train.txt"; fail "rank 0 does not serve a training step"; }
[ "$(grep -c "serving $url" "$work/train.txt")" -eq 1 ] || { cat "$work/train.txt"; fail "not exactly one rank serves"; }
grep -q "cannot listen" "$work/train.txt" && { cat "$work/train.txt"; fail "a rank other than 0 tried to serve"; }
[ "$(stat -c %a "$work/run/serve.token")" = 600 ] || fail "serve.token is not mode 0600"
for _ in $(seq 300); do
  now=$(curl -sf "$url/api/status" | sed -n 's/.*"step":\([0-9]*\).*/\1/p')
  [ "$now" -gt "$first" ] && break
  sleep 0.2
done
[ "$now" -gt "$first" ] || { cat "$work/train.txt"; fail "the served step did not advance ($first, then $now)"; }
kill -INT $pid
rc=0; wait $pid || rc=$?
[ "$rc" -eq 130 ] || { cat "$work/train.txt"; fail "the 2-rank served run exited $rc after Ctrl-C, expected 130"; }
grep -q '"world_size": 2' "$work/run/config.json" || fail "not a 2-rank run"
echo "serve_dist: ok (rank 0 served steps $first then $now of a 2-rank run)"
