#!/usr/bin/env bash
# End to end: `ganscope train --headless` on the tiny preset writes every artefact, resumes, and rejects bad input
# with one clear line. Usage: train.sh GANSCOPE_BINARY WORKDIR
set -euo pipefail
bin="$1"; work="$2"
rm -rf "$work"; mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
# The device every run here uses: the CPU unless GANSCOPE_TEST_DEVICE names another (cuda on a GPU machine).
dev=(--device "${GANSCOPE_TEST_DEVICE:-cpu}")

# Fresh run on the built-in emoji set.
"$bin" train "${dev[@]}" --headless --preset tiny --steps 12 --out "$work/run" > "$work/out.txt" 2>&1 || { cat "$work/out.txt"; fail "training failed"; }
grep -q "emoji" "$work/out.txt" || fail "progress output does not name the emoji data"
grep -q "step 12/12" "$work/out.txt" || fail "no final progress line"
for f in config.json metrics.jsonl checkpoint.pt fixed_latents.pt samples/step_00000000.png samples/step_00000010.png samples/step_00000012.png; do
  [ -s "$work/run/$f" ] || fail "missing artefact $f"
done
[ "$(wc -l < "$work/run/metrics.jsonl")" -eq 12 ] || fail "metrics.jsonl should have 12 records"
grep -q '"image_size": 16' "$work/run/config.json" || fail "config.json lacks the image size"

# Resume for 6 more steps.
"$bin" train "${dev[@]}" --headless --resume "$work/run" --steps 6 > "$work/resume.txt" 2>&1 || { cat "$work/resume.txt"; fail "resume failed"; }
grep -q "done: step 18" "$work/resume.txt" || { cat "$work/resume.txt"; fail "resume did not reach step 18"; }
[ "$(wc -l < "$work/run/metrics.jsonl")" -eq 18 ] || fail "metrics.jsonl should have 18 records after resume"

# A resume takes new learning rates from the command line; the resumed steps train with them.
"$bin" train --headless --resume "$work/run" --steps 2 --lr-g 3e-4 > "$work/resume-lr.txt" 2>&1 || { cat "$work/resume-lr.txt"; fail "resume with --lr-g failed"; }
tail -n 1 "$work/run/metrics.jsonl" | grep -q '"lr_g": *0.0003[,}]' || { tail -n 1 "$work/run/metrics.jsonl"; fail "the resumed steps did not train with --lr-g 3e-4"; }
[ "$(wc -l < "$work/run/metrics.jsonl")" -eq 20 ] || fail "metrics.jsonl should have 20 records after the second resume"

# Bad input: one line, naming the thing, non-zero exit, nothing lost.
expect_error() {  # expect_error PATTERN command...
  local pattern="$1"; shift
  if "$@" > "$work/err.txt" 2>&1; then fail "expected failure: $*"; fi
  grep -q -- "$pattern" "$work/err.txt" || { cat "$work/err.txt"; fail "error for '$*' does not mention '$pattern'"; }
}
expect_error "$work/nothing-here" "$bin" train --headless --preset tiny --steps 2 --data "$work/nothing-here" --out "$work/bad1"
mkdir -p "$work/empty"
expect_error "no images found" "$bin" train --headless --preset tiny --steps 2 --data "$work/empty" --out "$work/bad2"
expect_error "--size 48" "$bin" train --headless --size 48 --steps 2 --out "$work/bad3"
expect_error "unknown option --bogus" "$bin" train --headless --bogus
cp "$work/run/checkpoint.pt" "$work/good.pt"
mkdir -p "$work/broken"; head -c 1000 "$work/good.pt" > "$work/broken/checkpoint.pt"
expect_error "truncated or corrupt" "$bin" train --headless --resume "$work/broken" --steps 2
cmp -s "$work/run/checkpoint.pt" "$work/good.pt" || fail "the good checkpoint changed"
expect_error "--steps: expected a whole number, got .abc." "$bin" train --headless --steps abc
expect_error "--lr: expected a number, got .fast." "$bin" train --headless --lr fast
expect_error "--lambda-l1 is a pix2pix option" "$bin" train --headless --preset tiny --lambda-l1 50 --steps 1 --out "$work/bad4"
expect_error "--latent is a DCGAN option" "$bin" train --headless --model pix2pix --preset tiny --latent 8 --steps 1 --out "$work/bad5"
expect_error "--grid 0: use 1 to 256" "$bin" train --headless --preset tiny --grid 0 --steps 1 --out "$work/bad6"
[ ! -e "$work/bad4" ] && [ ! -e "$work/bad5" ] && [ ! -e "$work/bad6" ] || fail "a refused run left a folder behind"
expect_error "--lr-g 1.5: a learning rate is in (0, 1)" "$bin" train --headless --resume "$work/run" --lr-g 1.5 --steps 1
expect_error "--model: use dcgan or pix2pix, not 'gan'" "$bin" train --headless --model gan
expect_error "unknown command 'trian'" "$bin" trian --headless
expect_error "--screenshot goes with the window" "$bin" train --headless --screenshot "$work/x.png"
expect_error "--timelapse records headless runs" "$bin" --preset tiny --timelapse "$work/x.mp4"
expect_error "A subcommand is required; see .ganscope bench --help." "$bin" bench

# Help comes from the same definitions that parse: every option the training code reads is listed.
"$bin" train --help > "$work/help.txt" || fail "train --help failed"
for option in $(grep -o 'args\.\(text\|whole\|number\|choice\|flag\)("[a-z0-9-]*"' "$(dirname "$0")/../../viewer/commands/train_options.cpp" | sed 's/.*("//; s/"$//'); do
  grep -q -- "--$option" "$work/help.txt" || fail "train --help does not list --$option"
done
grep -q -- "--history-every" "$work/help.txt" || fail "train --help lacks --history-every"
"$bin" --version > "$work/version.txt" || fail "--version failed"
[ "$(wc -l < "$work/version.txt")" -eq 6 ] || { cat "$work/version.txt"; fail "--version should print 6 lines"; }
for name in ganscope libtorch CUDA "Dear ImGui" ImPlot GLFW; do
  grep -q "^$name " "$work/version.txt" || { cat "$work/version.txt"; fail "--version does not name $name"; }
done
grep -q "^libtorch 2\." "$work/version.txt" || fail "--version does not give libtorch's version"
grep -q "^Dear ImGui 1\.9[2-9].* (docking)" "$work/version.txt" || fail "--version does not name the docking Dear ImGui 1.92+"
grep -q "^ganscope .* (commit [0-9a-f]\{7,\}, 20[0-9-]*" "$work/version.txt" || { head -1 "$work/version.txt"; fail "--version does not name the commit and its date"; }
expect_error "cannot create the run folder" "$bin" train --headless --preset tiny --steps 2 --out /proc/ganscope-run

# Ctrl-C mid-run: a checkpoint is saved, the exit code says interrupted, and the run resumes.
"$bin" train "${dev[@]}" --headless --preset tiny --steps 0 --out "$work/interrupted" > "$work/int.txt" 2>&1 &
pid=$!
for _ in $(seq 1 300); do grep -q "^step" "$work/int.txt" 2>/dev/null && break; sleep 0.1; done
kill -INT "$pid"
rc=0; wait "$pid" || rc=$?
[ "$rc" -eq 130 ] || { cat "$work/int.txt"; fail "interrupted run exited $rc, expected 130"; }
grep -q "checkpoint saved" "$work/int.txt" || { cat "$work/int.txt"; fail "no checkpoint on Ctrl-C"; }
"$bin" train "${dev[@]}" --headless --resume "$work/interrupted" --steps 1 > "$work/int2.txt" 2>&1 || { cat "$work/int2.txt"; fail "cannot resume after Ctrl-C"; }

# --paused: a headless run needs a server to be resumed from; with one it waits at step 0 until a client resumes it.
expect_error "--paused with --headless needs --serve" "$bin" train --headless --preset tiny --paused --out "$work/bad-paused"
[ ! -e "$work/bad-paused" ] || fail "a refused --paused run left a folder behind"
port=$(( 40000 + $$ % 20000 ))
"$bin" train "${dev[@]}" --headless --preset tiny --steps 0 --paused --out "$work/paused" --serve "127.0.0.1:$port" > "$work/paused.txt" 2>&1 &
pid=$!
for _ in $(seq 300); do [ -s "$work/paused/serve.token" ] && break; sleep 0.1; done
[ -s "$work/paused/serve.token" ] || { cat "$work/paused.txt"; kill $pid; fail "the paused run did not serve"; }
# Once the trainer has set up (the state leaves "starting"), it says paused, at step 0: no clock decides this.
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/api/status" | grep -q '"state":"starting"' || break; sleep 0.2; done
status=$(curl -sf "http://127.0.0.1:$port/api/status")
grep -q '"state":"paused"' <<< "$status" && grep -q '"step":0[,}]' <<< "$status" || { echo "$status"; kill $pid; fail "a --paused run did not wait at step 0"; }
curl -sf -X POST -H "Authorization: Bearer $(cat "$work/paused/serve.token")" -d '{"command":"resume"}' \
  "http://127.0.0.1:$port/api/control" > /dev/null || { kill $pid; fail "resume refused"; }
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/api/status" | grep -q '"step":[1-9]' && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$port/api/status" | grep -q '"step":[1-9]' || { kill $pid; fail "the resumed run did not train"; }
kill -INT "$pid"
rc=0; wait "$pid" || rc=$?
[ "$rc" -eq 130 ] || { cat "$work/paused.txt"; fail "the resumed --paused run exited $rc on Ctrl-C, expected 130"; }
echo "cli train: all checks passed"
