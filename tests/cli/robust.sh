#!/usr/bin/env bash
# End to end: every way out of `ganscope train --headless --serve` ends the process within seconds, and a refused
# writer touches nothing: a resume of a folder that does not exist, a second writer of a live run (whose
# serve.token must stay as it is), SIGTERM, and a full disk (RLIMIT_FSIZE: writes past it fail with EFBIG).
# Non-UTF-8 names on the way. Usage: robust.sh GANSCOPE_BINARY WORKDIR
set -euo pipefail
bin="$1"; work="$2"
rm -rf "$work"; mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
port=$(( 20000 + ($$ * 7) % 20000 ))
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2> /dev/null || true; done' EXIT

# Runs a command with a deadline; prints its exit status (124: it had to be killed).
within() {  # within SECONDS OUT command...
  local seconds="$1" out="$2"; shift 2
  local rc=0
  timeout -s KILL "$seconds" "$@" > "$out" 2>&1 || rc=$?
  [ "$rc" -ne 137 ] || rc=124
  echo "$rc"
}

# 1. A refused resume with --serve: one line, exit 1 within seconds, no folder made, no serve.token.
start=$(date +%s)
rc=$(within 30 "$work/nosuch.txt" "$bin" train --headless --resume "$work/no-such-run" --serve "127.0.0.1:$port")
[ "$rc" = 1 ] || { cat "$work/nosuch.txt"; fail "refused resume with --serve: exit $rc (124: it hung)"; }
[ ! -e "$work/no-such-run" ] || fail "a refused resume created $work/no-such-run"
echo "refused resume with --serve: exit 1 after $(( $(date +%s) - start )) s"

# 2. A live run with --serve in a folder named with a byte that is not UTF-8; a second writer is refused and
#    leaves its serve.token alone; SIGTERM then ends the first within seconds.
run="$work/live"$'\xff'
"$bin" train --headless --preset tiny --steps 0 --out "$run" --serve "127.0.0.1:$port" > "$work/live.txt" 2>&1 &
live=$!; pids+=("$live")
for _ in $(seq 600); do grep -q "serving http" "$work/live.txt" 2> /dev/null && break; sleep 0.1; done
grep -q "serving http://127.0.0.1:$port" "$work/live.txt" || { cat "$work/live.txt"; fail "the live run does not serve"; }
token=$(cat "$run/serve.token")
status=$(curl -s -o "$work/status.json" -w '%{http_code}' "http://127.0.0.1:$port/api/status")
[ "$status" = 200 ] || { cat "$work/status.json"; fail "/api/status of a run named with 0xff: $status"; }
timeout 10 curl -s -N "http://127.0.0.1:$port/api/events" > "$work/events.txt" 2>&1 || true
grep -q "event: status" "$work/events.txt" || fail "no event stream from a run named with 0xff"
kill -0 "$live" 2> /dev/null || { cat "$work/live.txt"; fail "the event stream ended the run"; }
rc=$(within 60 "$work/second.txt" "$bin" train --headless --resume "$run" --serve "127.0.0.1:$(( port + 1 ))")
[ "$rc" = 1 ] || { cat "$work/second.txt"; fail "second writer: exit $rc (124: it hung)"; }
grep -q "is being written by another process" "$work/second.txt" || { cat "$work/second.txt"; fail "second writer not refused"; }
[ "$(cat "$run/serve.token")" = "$token" ] || fail "the refused second writer replaced the live run's serve.token"
# The window as that second writer: it serves only once its trainer holds the folder, so here it never serves.
rc=$(within 120 "$work/second-window.txt" "$bin" --headless --frames 3 --resume "$run" --serve "127.0.0.1:$(( port + 2 ))")
[ "$rc" != 124 ] || { cat "$work/second-window.txt"; fail "the window as a second writer hung"; }
! grep -q "serving http" "$work/second-window.txt" || { cat "$work/second-window.txt"; fail "the refused window served"; }
[ "$(cat "$run/serve.token")" = "$token" ] || fail "the refused second window replaced the live run's serve.token"
start=$(date +%s)
kill -TERM "$live"
for _ in $(seq 300); do kill -0 "$live" 2> /dev/null || break; sleep 0.1; done
! kill -0 "$live" 2> /dev/null || fail "SIGTERM did not end the serving run within 30 s"
echo "SIGTERM: the serving run ended after $(( $(date +%s) - start )) s"

# 3. A full disk: checkpoints fail to write (RLIMIT_FSIZE, SIGXFSZ ignored so writes fail with EFBIG). The
#    run says so, keeps the old checkpoint, and exits within seconds.
full="$work/full"
"$bin" train --headless --preset tiny --steps 4 --out "$full" > "$work/full0.txt" 2>&1 || { cat "$work/full0.txt"; fail "first run failed"; }
cp "$full/checkpoint.pt" "$work/checkpoint.before"
limit_kib=$(( $(stat -c %s "$full/checkpoint.pt") / 1024 / 2 ))
start=$(date +%s)
rc=$(within 90 "$work/full.txt" bash -c 'trap "" XFSZ; ulimit -f "$1"; shift; exec "$@"' _ "$limit_kib" \
       "$bin" train --headless --resume "$full" --steps 40)
[ "$rc" = 1 ] || { cat "$work/full.txt"; fail "full disk: exit $rc (124: it hung)"; }
grep -q "cannot write the checkpoint" "$work/full.txt" || { cat "$work/full.txt"; fail "full disk not reported"; }
cmp -s "$full/checkpoint.pt" "$work/checkpoint.before" || fail "the old checkpoint changed on a full disk"
[ ! -e "$full/checkpoint.pt.partial" ] || fail "a .partial checkpoint was left"
echo "full disk: exit 1 after $(( $(date +%s) - start )) s, old checkpoint kept"

# 4. A data folder with a Latin-1 name trains; config.json keeps its bytes.
data="$work/caf"$'\xe9'
mkdir -p "$data"
for i in $(seq 16); do cp "$full/samples/step_00000000.png" "$data/$i.png"; done
"$bin" train --headless --preset tiny --steps 2 --data "$data" --out "$work/latin1" > "$work/latin1.txt" 2>&1 \
  || { cat "$work/latin1.txt"; fail "training on a Latin-1 folder failed"; }
[ -s "$work/latin1/config.json" ] || fail "config.json is empty"
grep -q '"data_bytes"' "$work/latin1/config.json" || fail "config.json does not keep the folder's bytes"
echo "robust: ok"
