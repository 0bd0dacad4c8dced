#!/usr/bin/env bash
# End to end: a tiny run with the linear learning-rate schedule writes TensorBoard events and logs its rate;
# `ganscope export` writes state_dicts that Python loads strictly into seed 003's layout; --from resumes from a named
# checkpoint; bad input is one clear line. Usage: export.sh GANSCOPE_BINARY WORKDIR
set -euo pipefail
bin="$1"; work="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${GANSCOPE_PYTHON:-$here/../../.venv/bin/python}"
rm -rf "$work"; mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
# The device every run here uses: the CPU unless GANSCOPE_TEST_DEVICE names another (cuda on a GPU machine).
dev=(--device "${GANSCOPE_TEST_DEVICE:-cpu}")

"$bin" train "${dev[@]}" --headless --preset tiny --steps 6 --lr 2e-4 --lr-schedule linear --lr-constant-steps 2 --lr-decay-steps 3 \
  --out "$work/run" > "$work/train.txt" 2>&1 || { cat "$work/train.txt"; fail "training failed"; }
ls "$work/run"/events.out.tfevents.* > /dev/null 2>&1 || fail "no TensorBoard event file in the run folder"
# Rates per step: 2e-4 for steps 1-2, then 1.5e-4, 1e-4, 0.5e-4, 0.
rates=$(sed -n 's/.*"lr_g":\([^,}]*\).*/\1/p' "$work/run/metrics.jsonl" | tr '\n' ' ')
"$python" -c "import sys; r=[float(x) for x in sys.argv[1].split()]; e=[2e-4,2e-4,1.5e-4,1e-4,0.5e-4,0.0]; sys.exit(0 if len(r)==6 and all(abs(a-b)<1e-12 for a,b in zip(r,e)) else 1)" "$rates" \
  || fail "logged rates '$rates' are not the schedule's"

"$bin" export --checkpoint "$work/run/checkpoint.pt" --out "$work/G.pth" > "$work/export.txt" 2>&1 || { cat "$work/export.txt"; fail "export failed"; }
grep -q "dcgan generator of step 6" "$work/export.txt" || { cat "$work/export.txt"; fail "export did not say what it wrote"; }
"$bin" export --checkpoint "$work/run/checkpoint.pt" --out "$work/D.pth" --what discriminator > /dev/null 2>&1 || fail "export of D failed"
# Python loads them strictly into the Sequentials (the tiny preset: latent 16, 16x16, width 8).
PYTHONPATH="$here/../python" "$python" -c "
import sys, torch, interop
interop.seed003_generator(16, 16, 8).load_state_dict(torch.load(sys.argv[1]), strict=True)
interop.dcgan_discriminator(16, 8).load_state_dict(torch.load(sys.argv[2]), strict=True)
" "$work/G.pth" "$work/D.pth" || fail "Python could not load the exported state_dicts strictly"
# The same generator as safetensors: Python's package loads it strictly, equal to G.pth, and the window's --open
# reader takes it (eval of a state_dict says what it is, below).
"$bin" export --checkpoint "$work/run/checkpoint.pt" --out "$work/G.safetensors" > /dev/null 2>&1 || fail "export to .safetensors failed"
PYTHONPATH="$here/../python" "$python" -c "
import sys, torch, interop
from safetensors.torch import load_file
st, pt = load_file(sys.argv[1]), torch.load(sys.argv[2])
interop.seed003_generator(16, 16, 8).load_state_dict(st, strict=True)
assert st.keys() == pt.keys() and all(torch.equal(st[k], pt[k]) for k in pt)
" "$work/G.safetensors" "$work/G.pth" || fail "Python could not load G.safetensors strictly, or it differs from G.pth"

# --from: a named checkpoint of the run (here the latest, by name); a missing one names what exists.
"$bin" train "${dev[@]}" --headless --resume "$work/run" --from checkpoint.pt --steps 2 > "$work/resume.txt" 2>&1 || { cat "$work/resume.txt"; fail "--from failed"; }
grep -q "done: step 8" "$work/resume.txt" || { cat "$work/resume.txt"; fail "resume --from did not reach step 8"; }
[ "$(ls "$work/run"/events.out.tfevents.* | wc -l)" -eq 2 ] || fail "the resumed process should add its own event file"

expect_error() {  # expect_error PATTERN command...
  local pattern="$1"; shift
  if "$@" > "$work/err.txt" 2>&1; then fail "expected failure: $*"; fi
  grep -q -- "$pattern" "$work/err.txt" || { cat "$work/err.txt"; fail "error for '$*' does not mention '$pattern'"; }
  [ "$(wc -l < "$work/err.txt")" -le 2 ] || { cat "$work/err.txt"; fail "error for '$*' is not short"; }
}
expect_error "use generator, generator_raw or discriminator" "$bin" export --checkpoint "$work/run/checkpoint.pt" --out "$work/x.pth" --what both
# A plain state_dict (what export writes) handed to export or eval says what it is and what opens it.
expect_error "a PyTorch state_dict (.* tensors.*ganscope --open" "$bin" export --checkpoint "$work/G.pth" --out "$work/x.pth"
expect_error "a PyTorch state_dict (.* tensors.*ganscope --open" "$bin" eval --checkpoint "$work/G.pth"
expect_error "G.safetensors: not a ganscope checkpoint but a PyTorch state_dict" "$bin" eval --checkpoint "$work/G.safetensors"
expect_error "out is required" "$bin" export --checkpoint "$work/run/checkpoint.pt"
expect_error "$work/none.pt" "$bin" export --checkpoint "$work/none.pt" --out "$work/x.pth"
expect_error "epoch_0003.pt: no such checkpoint" "$bin" train --headless --resume "$work/run" --from epoch_0003.pt --steps 1
expect_error "goes with --resume" "$bin" train --headless --preset tiny --from checkpoint.pt --steps 1
expect_error "--lr-schedule cosine" "$bin" train --headless --preset tiny --lr-schedule cosine --steps 1
expect_error "--lr-decay-steps" "$bin" train --headless --preset tiny --lr-schedule linear --steps 1
echo "cli export: all checks passed"
