#!/usr/bin/env bash
# End to end: torchrun starts 2 ranks of ganscope on 127.0.0.1 (Gloo) for a tiny job; `--nproc 2` with a
# rank killed mid-run stops the other within --dist-timeout naming the rank, and the checkpoint resumes on 1 rank;
# a port in use and an unreachable master give one clear line; the window trains as rank 0 of 2. Usage: distributed.sh GANSCOPE_BINARY WORKDIR
set -euo pipefail
bin="$1"; work="$2"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
rm -rf "$work"; mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
# Several ranks on one machine: Gloo on the CPU here and on a GPU machine alike (NCCL needs a GPU per rank).
dev=(--device cpu)
free_port() { "$root/.venv/bin/python" -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"; }
export OMP_WAIT_POLICY=passive

# Exact resume on 2 ranks, as separate processes: 3 steps + resume + 3 steps ends with the same checkpoint, every
# tensor bit-equal, as 6 uninterrupted steps (the in-process test of this only WARNs: see its comment).
for run in whole halves; do
  steps=6; [ "$run" = halves ] && steps=3
  "$bin" train "${dev[@]}" --headless --nproc 2 --threads 1 --recipe seed003 --preset tiny --steps $steps --log-every 2 \
    --out "$work/$run" > "$work/$run.txt" 2>&1 || { cat "$work/$run.txt"; fail "2-rank run $run failed"; }
done
"$bin" train "${dev[@]}" --headless --nproc 2 --threads 1 --resume "$work/halves" --steps 3 > "$work/resumed.txt" 2>&1 \
  || { cat "$work/resumed.txt"; fail "2-rank resume failed"; }
"$root/.venv/bin/python" - "$work/whole/checkpoint.pt" "$work/halves/checkpoint.pt" <<'PY' || fail "2-rank resume is not exact"
import sys, torch
a, b = (torch.jit.load(p) for p in sys.argv[1:3])
ta = {**dict(a.named_buffers()), **dict(a.named_parameters())}
tb = {**dict(b.named_buffers()), **dict(b.named_parameters())}
assert len(ta) >= 20 and ta.keys() == tb.keys(), (len(ta), sorted(set(ta) ^ set(tb)))
differ = [k for k in ta if not torch.equal(ta[k], tb[k])]
assert not differ, differ
PY

# torchrun: its agent holds the store, every rank connects as a client.
port=$(free_port)
"$root/.venv/bin/torchrun" --no-python --nproc-per-node 2 --master-addr 127.0.0.1 --master-port "$port" \
  "$bin" train "${dev[@]}" --headless --preset tiny --steps 12 --out "$work/torchrun" > "$work/torchrun.txt" 2>&1 \
  || { cat "$work/torchrun.txt"; fail "torchrun run failed"; }
grep -q "2 ranks (global batch 32)" "$work/torchrun.txt" || { cat "$work/torchrun.txt"; fail "no 2-rank announcement"; }
grep -q "done: step 12" "$work/torchrun.txt" || fail "torchrun run did not reach step 12"
[ "$(grep -c "done: step" "$work/torchrun.txt")" -eq 1 ] || fail "more than one rank reported (only rank 0 speaks)"
grep -q '"world_size": 2' "$work/torchrun/config.json" || fail "config.json lacks the world size"
grep -q '"global_batch_size": 32' "$work/torchrun/config.json" || fail "config.json lacks the global batch"
[ "$(wc -l < "$work/torchrun/metrics.jsonl")" -eq 12 ] || fail "metrics.jsonl should have 12 records"
[ -s "$work/torchrun/checkpoint.pt" ] || fail "no checkpoint"

# --nproc 2, rank 1 killed mid-run: rank 0 stops within the timeout, names rank 1, exits non-zero.
"$bin" train "${dev[@]}" --headless --preset tiny --steps 0 --nproc 2 --dist-timeout 5 --out "$work/killed" > "$work/killed.txt" 2>&1 &
launcher=$!
for _ in $(seq 1 600); do [ -s "$work/killed/checkpoint.pt" ] && break; sleep 0.1; done
[ -s "$work/killed/checkpoint.pt" ] || { kill "$launcher"; cat "$work/killed.txt"; fail "no checkpoint before the kill"; }
rank1=""
for child in $(pgrep -P "$launcher"); do
  tr '\0' '\n' < "/proc/$child/environ" | grep -qx "RANK=1" && rank1=$child
done
[ -n "$rank1" ] || { kill "$launcher"; fail "rank 1 not found among the launcher's children"; }
start=$(date +%s)
kill -9 "$rank1"
rc=0; wait "$launcher" || rc=$?
elapsed=$(( $(date +%s) - start ))
[ "$rc" -ne 0 ] || fail "a run with a killed rank exited 0"
[ "$elapsed" -le 12 ] || { cat "$work/killed.txt"; fail "the surviving rank took ${elapsed}s to stop (timeout 5 s)"; }
grep -q "ganscope: rank 0: .*rank 1" "$work/killed.txt" || { cat "$work/killed.txt"; fail "rank 0 did not name rank 1"; }
[ "$(grep -c "^ganscope: rank 0:" "$work/killed.txt")" -eq 1 ] || { cat "$work/killed.txt"; fail "rank 0 said more than one line"; }
"$bin" train "${dev[@]}" --headless --resume "$work/killed" --steps 2 > "$work/resumed.txt" 2>&1 || { cat "$work/resumed.txt"; fail "the checkpoint of the killed run does not resume"; }
grep -q "warning: resuming a run of world size 2 with world size 1" "$work/resumed.txt" || { cat "$work/resumed.txt"; fail "no world-size warning"; }

# A port in use, and a master nobody runs: one clear line each, no hang.
port=$(free_port)
"$root/.venv/bin/python" -c "import socket, time; s=socket.socket(); s.bind(('127.0.0.1', $port)); s.listen(); time.sleep(60)" &
holder=$!
for _ in $(seq 100); do (exec 3<> /dev/tcp/127.0.0.1/$port) 2> /dev/null && break; sleep 0.1; done
(exec 3<> /dev/tcp/127.0.0.1/$port) 2> /dev/null || fail "the port holder does not listen on $port"
rc=0; WORLD_SIZE=2 RANK=0 MASTER_PORT=$port timeout 60 "$bin" train "${dev[@]}" --headless --preset tiny --steps 2 --dist-timeout 3 --out "$work/busy" > "$work/busy.txt" 2>&1 || rc=$?
kill "$holder"
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || { cat "$work/busy.txt"; fail "port in use: exit $rc"; }
grep -q "MASTER_PORT $port on 127.0.0.1 is already in use" "$work/busy.txt" || { cat "$work/busy.txt"; fail "port in use not said"; }
port=$(free_port)
rc=0; WORLD_SIZE=2 RANK=1 MASTER_PORT=$port timeout 60 "$bin" train "${dev[@]}" --headless --preset tiny --steps 2 --dist-timeout 3 --out "$work/alone" > "$work/alone.txt" 2>&1 || rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || { cat "$work/alone.txt"; fail "unreachable master: exit $rc"; }
grep -q "rank 1: cannot reach the master at 127.0.0.1:$port within 3 s" "$work/alone.txt" || { cat "$work/alone.txt"; fail "unreachable master not said"; }
# `ganscope --nproc 2`: the window (headless here, EGL) is rank 0, one more rank trains beside it.
"$bin" --headless "${dev[@]}" --nproc 2 --preset tiny --out "$work/window" --screenshot "$work/window.png" --frames 20 --dist-timeout 10 \
  > "$work/window.txt" 2>&1 || { cat "$work/window.txt"; fail "the window on rank 0 failed"; }
[ -s "$work/window.png" ] || fail "no screenshot from the window on rank 0"
grep -q '"world_size": 2' "$work/window/config.json" || fail "the window's run is not a 2-rank run"
[ -s "$work/window/checkpoint.pt" ] || fail "the window's run left no checkpoint"
echo "cli distributed: all checks passed"
