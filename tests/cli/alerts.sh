#!/usr/bin/env bash
# End to end: a healthy tiny run raises no alert over 2,000 steps; one trained at 250x the learning rate (0.05)
# collapses and diverges, and each alert reaches the terminal, runs/NAME/alerts.jsonl, TensorBoard's text tab and
# --alert-command's standard input; --on-alert stop ends a run at its first alert with a final checkpoint.
# Usage: alerts.sh GANSCOPE_BINARY WORKDIR
set -euo pipefail
bin="$1"; work="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${GANSCOPE_PYTHON:-$here/../../.venv/bin/python}"
rm -rf "$work"; mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
dev=(--device "${GANSCOPE_TEST_DEVICE:-cpu}")

"$bin" train "${dev[@]}" --headless --preset tiny --steps 2000 --out "$work/healthy" > "$work/healthy.txt" 2>&1 \
  || { cat "$work/healthy.txt"; fail "the healthy run failed"; }
if grep -q "alert (" "$work/healthy.txt"; then grep "alert (" "$work/healthy.txt"; fail "a healthy run raised an alert"; fi
[ ! -s "$work/healthy/alerts.jsonl" ] || fail "a healthy run wrote alerts.jsonl"
grep -q '"diversity"' "$work/healthy/metrics.jsonl" || fail "metrics.jsonl carries no diversity"

"$bin" train "${dev[@]}" --headless --preset tiny --steps 2600 --lr 0.05 --out "$work/broken" \
  --alert-command "cat >> '$work/command.jsonl'" > "$work/broken.txt" 2>&1 || { cat "$work/broken.txt"; fail "the broken run failed"; }
grep "alert (" "$work/broken.txt" || fail "no alert in the terminal"
for kind in collapse divergence; do
  grep -q "alert ($kind) at step" "$work/broken.txt" || fail "no $kind alert in the terminal"
  grep -q "\"kind\":\"$kind\"" "$work/broken/alerts.jsonl" || fail "no $kind record in alerts.jsonl"
done
for _ in $(seq 50); do [ "$(wc -l < "$work/command.jsonl")" -eq "$(wc -l < "$work/broken/alerts.jsonl")" ] && break; sleep 0.1; done
cmp "$work/command.jsonl" "$work/broken/alerts.jsonl" || fail "--alert-command did not get every alert as alerts.jsonl has it"
"$python" "$here/../python/tensorboard_read.py" "$work/broken" > "$work/tb.json"
"$python" - "$work/tb.json" "$work/broken/alerts.jsonl" <<'PY' || fail "TensorBoard's text tab does not hold the alerts"
import json, sys
texts = json.load(open(sys.argv[1]))["texts"]["alerts"]
records = [json.loads(l) for l in open(sys.argv[2])]
assert [t[0] for t in texts] == [r["step"] for r in records], (texts, records)
assert all(t[1].startswith("alert (" + r["kind"] + ") at step %d: " % r["step"]) for t, r in zip(texts, records))
PY

"$bin" train "${dev[@]}" --headless --preset tiny --steps 2600 --lr 0.05 --on-alert stop --out "$work/stopped" > "$work/stopped.txt" 2>&1 \
  || { cat "$work/stopped.txt"; fail "the run stopped by its alert failed"; }
first=$(head -n 1 "$work/stopped/alerts.jsonl" | sed 's/.*"step":\([0-9]*\).*/\1/')
grep -q "done: step $first;" "$work/stopped.txt" || { cat "$work/stopped.txt"; fail "--on-alert stop did not stop at the first alert (step $first)"; }
[ "$(wc -l < "$work/stopped/alerts.jsonl")" -eq 1 ] || fail "--on-alert stop trained on past its alert"
echo "cli alerts: all checks passed"
