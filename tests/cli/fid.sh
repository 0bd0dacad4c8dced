#!/usr/bin/env bash
# FID and KID against pytorch-fid 0.3.0 and torch-fidelity 0.3.0 themselves: the same two folders of PNGs, the same
# Inception weights (pytorch-fid's network with seeded weights, made by tests/python/fid_reference.py: nothing is
# downloaded); FID and KID must agree to 1e-3 relative. Then the weights' refusals through the command line: a cut
# file, another network's file, no file: one line each, naming the file. Usage: fid.sh GANSCOPE_BINARY WORKDIR
set -euo pipefail
bin="$1"; work="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${GANSCOPE_PYTHON:-$here/../../.venv/bin/python}"
ref="$here/../python/fid_reference.py"
rm -rf "$work"; mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
if ! "$python" -c "import pytorch_fid, torch_fidelity, torchvision, scipy, PIL" 2> /dev/null; then
  echo "SKIP: pytorch-fid 0.3.0, torch-fidelity 0.3.0 and torchvision are not in $python (scripts/setup installs them)"
  exit 77
fi
dev=(--device "${GANSCOPE_TEST_DEVICE:-cpu}")
n="${GANSCOPE_FID_TEST_IMAGES:-20}"

"$python" "$ref" make_weights "$work/inception.pth" 1 > "$work/weights.txt" 2>&1 || { cat "$work/weights.txt"; fail "making the weights failed"; }
"$python" "$ref" images "$work/real" "$n" 1 real || fail "making the real images failed"
"$python" "$ref" images "$work/fake" "$n" 2 fake || fail "making the fake images failed"

"$bin" eval "${dev[@]}" --metrics fid,kid --real "$work/real" --fake "$work/fake" --fid-weights "$work/inception.pth" \
  --kid-subsets 4 > "$work/ganscope.txt" 2>&1 || { cat "$work/ganscope.txt"; fail "ganscope eval failed"; }
cat "$work/ganscope.txt"
"$python" "$ref" reference "$work/real" "$work/fake" "$work/inception.pth" > "$work/reference.json" 2> "$work/reference.err" ||
  { cat "$work/reference.err"; fail "pytorch-fid failed"; }
cat "$work/reference.json"
fid=$(sed -n 's/^fid: //p' "$work/ganscope.txt")
kid=$(sed -n 's/^kid: \([^ ]*\) .*/\1/p' "$work/ganscope.txt")
"$python" - "$work/reference.json" "$fid" "$kid" <<'PY' || fail "ganscope's FID or KID differs from pytorch-fid's / torch-fidelity's"
import json, sys
ref = json.load(open(sys.argv[1]))
fid, kid = float(sys.argv[2]), float(sys.argv[3])
if ref["singular"]:
    sys.exit("pytorch-fid added its 1e-6 offset (singular product): no exact comparison possible")
for name, mine, theirs in (("fid", fid, ref["fid"]), ("kid", kid, ref["kid"])):
    rel = abs(mine - theirs) / abs(theirs)
    print(f"{name}: ganscope {mine!r}, reference {theirs!r}, relative difference {rel:.2e}")
    if not rel < 1e-3:
        sys.exit(f"{name} differs by {rel:.2e} relative")
PY

# A checkpoint: FID and KID of its generator against its data set; the real features are cached, so the second
# evaluation reads them; with swd asked too the last line stays `swd: X`.
"$bin" train "${dev[@]}" --headless --preset tiny --steps 2 --swd-every 0 --out "$work/run" > "$work/train.txt" 2>&1 ||
  { cat "$work/train.txt"; fail "training failed"; }
export GANSCOPE_CACHE="$work/cache"
for i in 1 2; do
  "$bin" eval "${dev[@]}" --checkpoint "$work/run/checkpoint.pt" --metrics swd,fid,kid --images 24 --swd-images 32 \
    --fid-weights "$work/inception.pth" > "$work/ckpt$i.txt" 2>&1 || { cat "$work/ckpt$i.txt"; fail "eval of a checkpoint failed"; }
done
cat "$work/ckpt2.txt"
grep -q "real features computed and cached in" "$work/ckpt1.txt" || fail "the first evaluation did not cache the real features"
grep -q "real features read from" "$work/ckpt2.txt" || fail "the second evaluation did not read the cached real features"
[ "$(sed -n 's/^fid: //p' "$work/ckpt1.txt")" = "$(sed -n 's/^fid: //p' "$work/ckpt2.txt")" ] || fail "the cached features changed the FID"
grep -Eq '^fid: [0-9.e+-]+$' "$work/ckpt2.txt" || fail "no fid line"
tail -n 1 "$work/ckpt2.txt" | grep -Eq '^swd: [0-9]+\.[0-9]+$' || fail "the last line is not 'swd: X'"
unset GANSCOPE_CACHE
# pix2pix: the validation pairs' outputs against their targets.
"$bin" train "${dev[@]}" --headless --model pix2pix --preset tiny --steps 2 --swd-every 0 --out "$work/p2p" > "$work/p2p.txt" 2>&1 ||
  { cat "$work/p2p.txt"; fail "pix2pix training failed"; }
"$bin" eval "${dev[@]}" --checkpoint "$work/p2p/checkpoint.pt" --metrics fid,kid --fid-weights "$work/inception.pth" \
  > "$work/p2p_eval.txt" 2>&1 || { cat "$work/p2p_eval.txt"; fail "pix2pix eval failed"; }
cat "$work/p2p_eval.txt"
grep -q "validation pairs" "$work/p2p_eval.txt" || fail "pix2pix FID is not over the validation pairs"
grep -Eq '^fid: [0-9.e+-]+$' "$work/p2p_eval.txt" || fail "pix2pix: no fid line"

# During training: --fid-every 5 on 8 images a side puts fid and kid in metrics.jsonl at steps 5 and 10, and
# TensorBoard reads them; without weights the run says so in one line and trains on.
"$bin" train "${dev[@]}" --headless --preset tiny --steps 10 --swd-every 0 --fid-every 5 --fid-images 8 \
  --fid-weights "$work/inception.pth" --out "$work/fidrun" > "$work/fidrun.txt" 2>&1 || { cat "$work/fidrun.txt"; fail "training with --fid-every failed"; }
"$python" "$here/../python/tensorboard_read.py" "$work/fidrun" > "$work/fidrun_tb.json"
"$python" - "$work/fidrun/metrics.jsonl" "$work/fidrun_tb.json" <<'PY' || fail "--fid-every did not log fid and kid at steps 5 and 10"
import json, math, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
got = [(r["step"], r["fid"], r["kid"]) for r in rows if "fid" in r]
assert [s for s, _, _ in got] == [5, 10], got
assert all(math.isfinite(f) and f > 0 and math.isfinite(k) for _, f, k in got), got
tb = json.load(open(sys.argv[2]))["scalars"]
assert [p[0] for p in tb["fid"]] == [5, 10] and [p[0] for p in tb["kid"]] == [5, 10], tb.keys()
print("fid during training:", got)
PY
"$bin" train "${dev[@]}" --headless --preset tiny --steps 6 --swd-every 0 --fid-every 3 --fid-weights "$work/absent.pth" \
  --out "$work/fidoff" > "$work/fidoff.txt" 2>&1 || { cat "$work/fidoff.txt"; fail "a run without the weights failed"; }
# (The status line says so, but a later message can replace it before the terminal polls: checked by what is logged.)
grep -q "done: step 6;" "$work/fidoff.txt" || fail "a run without the weights did not train on"
if grep -q '"fid"' "$work/fidoff/metrics.jsonl"; then fail "a run without the weights logged fid"; fi

# Refusals: one line on stderr naming the file, exit 1.
refused() {  # FILE WHAT
  if "$bin" eval "${dev[@]}" --metrics fid --real "$work/real" --fake "$work/fake" --fid-weights "$1" > "$work/out.txt" 2> "$work/err.txt"; then
    fail "$2 accepted"
  fi
  [ "$(wc -l < "$work/err.txt")" -eq 1 ] || { cat "$work/err.txt"; fail "$2: not one line"; }
  grep -qF "$(basename "$1")" "$work/err.txt" || { cat "$work/err.txt"; fail "$2: the error does not name the file"; }
  cat "$work/err.txt"
}
head -c 1000000 "$work/inception.pth" > "$work/cut.pth"
refused "$work/cut.pth" "a cut weights file"
"$python" -c "import torch, sys; torch.save({'features.0.weight': torch.zeros(64, 3, 3, 3)}, sys.argv[1])" "$work/other.pth"
refused "$work/other.pth" "another network's weights"
grep -q "not the weights of pytorch-fid's FID Inception" "$work/err.txt" || fail "the wrong layout is not named as such"
refused "$work/absent.pth" "a missing weights file"
grep -q "releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth" "$work/err.txt" || fail "no download address"
echo "cli fid: all checks passed"
