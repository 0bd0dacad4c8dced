#!/usr/bin/env bash
# End to end: the quality metric in metrics.jsonl, `ganscope eval --checkpoint F` ending in `swd: X`
# for a DCGAN and a pix2pix checkpoint, recipes on the command line. Usage: eval.sh GANSCOPE_BINARY WORKDIR
set -euo pipefail
bin="$1"; work="$2"
rm -rf "$work"; mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
# The device every run here uses: the CPU unless GANSCOPE_TEST_DEVICE names another (cuda on a GPU machine).
dev=(--device "${GANSCOPE_TEST_DEVICE:-cpu}")

"$bin" train "${dev[@]}" --headless --preset tiny --steps 10 --swd-every 5 --swd-images 32 --out "$work/run" > "$work/train.txt" 2>&1 ||
  { cat "$work/train.txt"; fail "training failed"; }
[ "$(grep -c '"swd":' "$work/run/metrics.jsonl")" -eq 2 ] || fail "metrics.jsonl should carry swd at steps 5 and 10"
grep -q '"swd_16":' "$work/run/metrics.jsonl" || fail "no per-level swd_16 in metrics.jsonl"
grep -q '"ema_decay": 0.99,' "$work/run/config.json" || fail "the default recipe should turn the weight average on"
grep -q '"lr_g": 0.0004,' "$work/run/config.json" || fail "the default recipe should train G at 4e-4"
grep -q '"lr_d": 0.0004,' "$work/run/config.json" || fail "the default recipe should train D at 4e-4"

"$bin" eval "${dev[@]}" --checkpoint "$work/run/checkpoint.pt" --swd-images 32 > "$work/eval.txt" 2>&1 || { cat "$work/eval.txt"; fail "eval failed"; }
tail -n 1 "$work/eval.txt" | grep -Eq '^swd: [0-9]+\.[0-9]+$' || { cat "$work/eval.txt"; fail "last line is not 'swd: X'"; }
grep -q "^swd_16: " "$work/eval.txt" || fail "eval does not print the level"
grep -q "read from" "$work/eval.txt" || { cat "$work/eval.txt"; fail "eval did not reuse the cached real descriptors"; }

"$bin" train "${dev[@]}" --headless --preset tiny --recipe seed003 --steps 2 --out "$work/seed" > /dev/null 2>&1 || fail "--recipe seed003 failed"
grep -q '"ema_decay": 0.0' "$work/seed/config.json" || fail "--recipe seed003 should train without the average"
grep -q '"diffaug": ""' "$work/seed/config.json" || fail "--recipe seed003 should train without DiffAugment"
grep -q '"lr_g": 0.0002,' "$work/seed/config.json" || fail "--recipe seed003 should train at seed 003's 2e-4"
"$bin" train "${dev[@]}" --headless --preset tiny --lr 1e-4 --steps 1 --out "$work/lr" > /dev/null 2>&1 || fail "--lr 1e-4 failed"
grep -q '"lr_g": 0.0001,' "$work/lr/config.json" || fail "--lr should override the recipe's rate"

"$bin" train "${dev[@]}" --headless --model pix2pix --preset tiny --steps 2 --out "$work/p2p" > "$work/p2p.txt" 2>&1 ||
  { cat "$work/p2p.txt"; fail "pix2pix training failed"; }
"$bin" eval "${dev[@]}" --checkpoint "$work/p2p/checkpoint.pt" > "$work/p2p_eval.txt" 2>&1 || { cat "$work/p2p_eval.txt"; fail "pix2pix eval failed"; }
grep -q "^val_l1: " "$work/p2p_eval.txt" || { cat "$work/p2p_eval.txt"; fail "pix2pix eval has no val_l1"; }
tail -n 1 "$work/p2p_eval.txt" | grep -Eq '^swd: [0-9]+\.[0-9]+$' || fail "pix2pix eval: last line is not 'swd: X'"

if "$bin" eval --checkpoint "$work/absent.pt" > "$work/err.txt" 2>&1; then fail "eval of a missing file succeeded"; fi
grep -q "absent.pt" "$work/err.txt" || fail "the error does not name the file"
if "$bin" train --headless --recipe best --steps 1 > "$work/err2.txt" 2>&1; then fail "--recipe best accepted"; fi
grep -q "seed003" "$work/err2.txt" || fail "the recipe error does not list the recipes"
echo "cli eval: all checks passed"
