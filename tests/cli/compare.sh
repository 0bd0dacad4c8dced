#!/usr/bin/env bash
# End to end: two tiny runs trained headless with different learning rates; `ganscope runs` lists both with their
# figures (and a run whose writer holds it); `compare --print-diff` lists exactly the differing key; the compare
# window (headless, EGL) shows both grids, read back from its pixels against each run's own grid PNG, following
# the newest and pinned to one step by the shared slider; a path that is not a run is one line.
# Usage: compare.sh GANSCOPE_BINARY WORKDIR
set -euo pipefail
bin="$1"; work="$2"
here="$(cd "$(dirname "$0")" && pwd)"
python="${GANSCOPE_PYTHON:-$here/../../.venv/bin/python}"
rm -rf "$work"; mkdir -p "$work/runs"
fail() { echo "FAIL: $*" >&2; exit 1; }
dev=(--device "${GANSCOPE_TEST_DEVICE:-cpu}")
if ! "$python" -c "import numpy, PIL" 2> /dev/null; then
  echo "SKIP: numpy and Pillow are not in $python (scripts/setup installs them)"; exit 77
fi

# Two runs that differ only in the generator's learning rate, trained side by side.
"$bin" train "${dev[@]}" --headless --preset tiny --steps 40 --lr-g 1e-4 --out "$work/runs/a" > "$work/a.txt" 2>&1 &
pid_a=$!
"$bin" train "${dev[@]}" --headless --preset tiny --steps 40 --lr-g 2e-3 --out "$work/runs/b" > "$work/b.txt" 2>&1 \
  || { cat "$work/b.txt"; fail "training b failed"; }
wait "$pid_a" || { cat "$work/a.txt"; fail "training a failed"; }
mkdir -p "$work/runs/notes" "$work/notarun"; echo "not a run" > "$work/runs/notes/readme.txt"

# `ganscope runs`: one line a run, its figures as the run's last record has them, folders that are no run skipped.
"$bin" runs "$work/runs" > "$work/runs.txt" 2>&1 || { cat "$work/runs.txt"; fail "runs failed"; }
[ "$(wc -l < "$work/runs.txt")" -eq 2 ] || { cat "$work/runs.txt"; fail "runs should list exactly a and b"; }
"$python" - "$work" <<'EOF' || fail "runs lines do not match the runs' files"
import json, re, sys, os, datetime
work = sys.argv[1]
lines = open(f"{work}/runs.txt").read().splitlines()
for name, line in zip("ab", lines):
    last = json.loads(open(f"{work}/runs/{name}/metrics.jsonl").read().splitlines()[-1])
    mtime = datetime.datetime.fromtimestamp(int(os.path.getmtime(f"{work}/runs/{name}/metrics.jsonl")), datetime.timezone.utc)
    want = (f"{name}  model=dcgan  step=40/40  loss_g={last['loss_g']:.4g}  loss_d={last['loss_d']:.4g}  swd=-  "
            f"images/s={last['images_per_sec']:.0f}  updated={mtime:%Y-%m-%dT%H:%M:%SZ}  writer=none")
    if line != want:
        print(f"got  {line}\nwant {want}")
        sys.exit(1)
EOF
if "$bin" runs "$work/missing" > "$work/missing.txt" 2>&1; then fail "runs of a missing folder succeeded"; fi
[ "$(wc -l < "$work/missing.txt")" -eq 1 ] && grep -q "missing: no such folder" "$work/missing.txt" \
  || { cat "$work/missing.txt"; fail "a missing folder should be one line"; }

# A run being trained: its writer holds the folder (seen without taking the lock), until it stops.
"$bin" train "${dev[@]}" --headless --preset tiny --steps 100000 --out "$work/runs/c" > "$work/c.txt" 2>&1 &
pid_c=$!
held=""
for _ in $(seq 1 300); do
  if "$bin" runs "$work/runs" 2> /dev/null | grep -q "^c  model=dcgan .* writer=held$"; then held=1; break; fi
  sleep 0.1
done
kill -TERM "$pid_c"
rc=0; wait "$pid_c" || rc=$?
# It ends on the signal: 130 once its handler is in place (as Ctrl-C), 143 (SIGTERM's default) before; its lock goes.
case "$rc" in 0|130|143) ;; *) cat "$work/c.txt"; fail "c ended with status $rc after SIGTERM";; esac
[ -n "$held" ] || { cat "$work/c.txt"; fail "runs never showed c's writer"; }
"$bin" runs "$work/runs" | grep -q "^c  model=dcgan .* writer=none$" || fail "c's writer stopped but runs still shows it"
rm -rf "$work/runs/c"

# The config diff: exactly the generator's learning rate.
"$bin" compare "$work/runs/a" "$work/runs/b" --print-diff > "$work/diff.txt" 2>&1 || { cat "$work/diff.txt"; fail "--print-diff failed"; }
[ "$(sed 1d "$work/diff.txt")" = $'lr_g\t0.0001\t0.002' ] || { cat "$work/diff.txt"; fail "the diff should be lr_g alone"; }
[ "$("$bin" compare "$work/runs/a" "$work/runs/b" --print-diff --all-keys | sed 1d | wc -l)" -gt 40 ] \
  || fail "--all-keys should list every key"

# The window: both grids side by side. Each grid's rectangle (printed by the headless window) is read back from the
# screenshot, sampled at its scale, and compared cell by cell with its run's own grid PNG of that step (same layout:
# 2-pixel gutters): equal to its own within rounding, unlike the other run's.
check_grids() {  # check_grids OUT SHOT STEP
  "$python" - "$work" "$1" "$2" "$3" <<'EOF'
import json, math, re, sys
import numpy as np
from PIL import Image
work, out, shot, step = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
rects = re.findall(r"compare grid (\S+) step (\d+) at (\d+) (\d+) (\d+) (\d+)", open(out).read())
if len(rects) != 2: sys.exit(f"want 2 compare grids, got {rects}")
screen = np.asarray(Image.open(shot).convert("RGB"), dtype=np.float64)
shown, pngs = {}, {}
for label, s, x, y, w, h in rects:
    x, y, w, h = map(int, (x, y, w, h))
    name = label.rstrip("/").split("/")[-1]
    if int(s) != step: sys.exit(f"{name} shows step {s}, want {step}")
    png = np.asarray(Image.open(f"{work}/runs/{name}/samples/step_{step:08d}.png").convert("RGB"), dtype=np.float64)
    H, W = png.shape[:2]
    k = w // W
    if k < 1 or w != k * W or h != k * H: sys.exit(f"{name}: {w}x{h} on screen is not a whole multiple of {W}x{H}")
    if x + w > screen.shape[1] or y + h > screen.shape[0]: sys.exit(f"{name}: rect {x} {y} {w} {h} off screen")
    shown[name] = screen[y:y + h, x:x + w][k // 2::k, k // 2::k]
    pngs[name] = png
    config = json.load(open(f"{work}/runs/{name}/config.json"))
if sorted(shown) != ["a", "b"]: sys.exit(f"want a and b, got {sorted(shown)}")
# The cells (not the gutters, whose colour the window chooses).
cell, count = config["image_size"], config["grid_count"]
cols = math.ceil(math.sqrt(count))
mask = np.zeros(pngs["a"].shape[:2], bool)
for i in range(count):
    r, c = divmod(i, cols)
    mask[2 + r * (cell + 2):2 + r * (cell + 2) + cell, 2 + c * (cell + 2):2 + c * (cell + 2) + cell] = True
d = lambda p, q: float(np.abs(p - q)[mask].mean())
for me, other in (("a", "b"), ("b", "a")):
    own, wrong = d(shown[me], pngs[me]), d(shown[me], pngs[other])
    print(f"{me}: {own:.2f} from its own grid, {wrong:.2f} from {other}'s (mean per channel, 0-255)")
    if not (own < 1 and wrong > 2): sys.exit(f"{me}'s grid on screen is not its own")
EOF
}
"$bin" compare "$work/runs/a" "$work/runs/b" --headless --frames 10 --window-size 1280x800 \
  --screenshot "$work/newest.png" > "$work/newest.txt" 2>&1 || { cat "$work/newest.txt"; fail "compare failed"; }
check_grids "$work/newest.txt" "$work/newest.png" 40 || fail "the newest grids are not both on screen"
# The shared slider: pinned at step 32, both show their kept grid nearest it (step 30).
"$bin" compare "$work/runs/a" "$work/runs/b" --headless --frames 10 --window-size 1280x800 --at-step 32 \
  --screenshot "$work/pinned.png" > "$work/pinned.txt" 2>&1 || { cat "$work/pinned.txt"; fail "compare --at-step failed"; }
check_grids "$work/pinned.txt" "$work/pinned.png" 30 || fail "the pinned grids are not both at step 30"

# Nothing the window drew raised one of Dear ImGui's recoverable errors.
! grep -h "imgui-error" "$work/newest.txt" "$work/pinned.txt" || fail "the window logged a Dear ImGui error"

# Runs of different models: a pix2pix run beside the DCGAN, each grid its own (the triplets' grid is wider than tall).
"$bin" train "${dev[@]}" --headless --preset tiny --model pix2pix --steps 5 --out "$work/runs/p" > "$work/p.txt" 2>&1 \
  || { cat "$work/p.txt"; fail "training the pix2pix run failed"; }
"$bin" compare "$work/runs/a" "$work/runs/p" --headless --frames 5 --screenshot "$work/mixed.png" > "$work/mixed.txt" 2>&1 \
  || { cat "$work/mixed.txt"; fail "compare of a DCGAN and a pix2pix run failed"; }
grep -q "compare grid a step 40 at" "$work/mixed.txt" || { cat "$work/mixed.txt"; fail "the DCGAN's grid should show"; }
read -r pw ph < <(sed -n 's/.*compare grid p step 5 at [0-9]* [0-9]* \([0-9]*\) \([0-9]*\)$/\1 \2/p' "$work/mixed.txt")
[ -n "${pw:-}" ] && [ "$pw" -gt $((2 * ph)) ] || { cat "$work/mixed.txt"; fail "the pix2pix run's triplets should show"; }
! grep -q "imgui-error" "$work/mixed.txt" || fail "the mixed window logged a Dear ImGui error"

# The Latent tab (`--tab latent`): the explorer's latent through each run's generator, each image labelled with the
# step of the weights it was drawn with (the final history snapshots, step 40), a and b different images of the one
# latent; the pix2pix run, which has no latent space, a note instead.
"$bin" compare "$work/runs/a" "$work/runs/b" "$work/runs/p" --headless --frames 5 --window-size 1280x800 --tab latent \
  --screenshot "$work/latent.png" > "$work/latent.txt" 2>&1 || { cat "$work/latent.txt"; fail "compare --tab latent failed"; }
grep -q "compare latent p note pix2pix: no latent space" "$work/latent.txt" \
  || { cat "$work/latent.txt"; fail "the pix2pix run should say it has no latent space"; }
! grep -q "imgui-error" "$work/latent.txt" || fail "the Latent tab logged a Dear ImGui error"
# Only what the tab in front drew is reported where it is: no grid behind the Latent tab.
! grep -q "compare grid" "$work/latent.txt" || { cat "$work/latent.txt"; fail "grids behind the Latent tab were reported"; }
"$python" - "$work" <<'EOF' || { cat "$work/latent.txt"; fail "the latent's images are not both on screen"; }
import re, sys
import numpy as np
from PIL import Image
work = sys.argv[1]
rects = re.findall(r"compare latent (\S+) step (\d+) at (\d+) (\d+) (\d+) (\d+)", open(f"{work}/latent.txt").read())
if sorted(r[0] for r in rects) != ["a", "b"] or any(int(r[1]) != 40 for r in rects): sys.exit(f"want a and b at step 40: {rects}")
screen = np.asarray(Image.open(f"{work}/latent.png").convert("RGB"), dtype=np.float64)
shown = {}
for name, _, x, y, w, h in rects:
    x, y, w, h = map(int, (x, y, w, h))
    k = w // 16  # the tiny preset's 16x16 images, magnified by a whole factor
    if k < 2 or w != 16 * k or h != 16 * k: sys.exit(f"{name}: {w}x{h} is not 16x16 magnified")
    shown[name] = screen[y:y + h, x:x + w][k // 2::k, k // 2::k]
    if len(np.unique(shown[name].reshape(-1, 3), axis=0)) < 20: sys.exit(f"{name}: a flat image, not a generator's")
diff = float(np.abs(shown["a"] - shown["b"]).mean())
print(f"the latent through a and b: mean difference {diff:.2f} of 255")
if diff < 2: sys.exit("a and b draw the same image: the same latent should differ by their weights")
EOF

# A path that is not a run: one line, and the window opens on the runs that are.
"$bin" compare "$work/runs/a" "$work/notarun" --headless --frames 2 --screenshot "$work/one.png" \
  > "$work/one.txt" 2> "$work/one.err" || { cat "$work/one.err"; fail "compare with a non-run failed"; }
[ "$(wc -l < "$work/one.err")" -eq 1 ] && grep -q "notarun: not a run folder" "$work/one.err" \
  || { cat "$work/one.err"; fail "a non-run path should be one line"; }
[ -s "$work/one.png" ] || fail "no window for the run that is one"
if "$bin" compare "$work/notarun" --print-diff > /dev/null 2> "$work/none.err"; then fail "compare of no run succeeded"; fi
[ "$(wc -l < "$work/none.err")" -eq 1 ] || { cat "$work/none.err"; fail "no run at all should be one line"; }

echo "compare: ok"
