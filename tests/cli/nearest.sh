#!/usr/bin/env bash
# End to end: `ganscope nearest` on a tiny run trained on a folder: each sample's nearest training images and
# their distances are what numpy finds comparing it with every image, the typical distance is the median of each
# training image's nearest other, a generator whose samples are in the data scores copying 1, bad input is one line.
# Usage: nearest.sh GANSCOPE_BINARY WORKDIR
set -euo pipefail
bin="$1"; work="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${GANSCOPE_PYTHON:-$here/../../.venv/bin/python}"
rm -rf "$work"; mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
dev=(--device "${GANSCOPE_TEST_DEVICE:-cpu}")
export GANSCOPE_CACHE="$work/cache"

# 48 training images at the tiny preset's 16 x 16 (so the centre crop keeps them whole): discs on colours, noisy.
"$python" - "$work/data" <<'PY'
import sys, os, numpy as np
from PIL import Image
out = sys.argv[1]; os.makedirs(out)
rng = np.random.default_rng(3)
yy, xx = np.mgrid[0:16, 0:16]
for i in range(48):
    bg = rng.integers(0, 256, 3); fg = 255 - bg
    cx, cy, r = rng.uniform(5, 11), rng.uniform(5, 11), rng.uniform(3, 6)
    disc = ((xx - cx) ** 2 + (yy - cy) ** 2 < r * r)[..., None]
    img = np.where(disc, fg, bg) + rng.integers(-12, 13, (16, 16, 3))
    Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(f"{out}/img{i:02d}.png")
PY

"$bin" train "${dev[@]}" --headless --preset tiny --data "$work/data" --steps 10 --out "$work/run" > "$work/train.txt" 2>&1 \
  || { cat "$work/train.txt"; fail "training failed"; }
"$bin" nearest "${dev[@]}" --checkpoint "$work/run/checkpoint.pt" --latents 12 --k 3 --out "$work/near" > "$work/near.txt" 2>&1 \
  || { cat "$work/near.txt"; fail "nearest failed"; }
cat "$work/near.txt"
grep -q "12 samples of .* against 48 training images" "$work/near.txt" || fail "nearest did not say what it compared"
# The run's copying score built the index of its data into the cache: nearest reads it from there.
grep -q "index read from $work/cache/nearest/index-" "$work/near.txt" || fail "nearest did not read the run's index from the cache"
[ "$(tail -n 1 "$work/near.txt" | cut -d' ' -f1)" = "copying:" ] || fail "the last line is not 'copying: X'"
# The run logged its copying score (the tiny preset measures a grid every 5 steps; the index is built beside training
# from the first, and the last grid waits for it), a share in [0, 1].
"$python" -c "
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
scores = [r['copying'] for r in rows if 'copying' in r]
assert len(scores) >= 1 and all(0 <= s <= 1 for s in scores) and rows[-1].get('copying') is not None, scores
" "$work/run/metrics.jsonl" || fail "metrics.jsonl carries no copying score"

# numpy, comparing each sample (the first cell of its row) with every training image.
"$python" - "$work/near" "$work/data" <<'PY' || fail "nearest's answers differ from a full comparison"
import sys, json, os, numpy as np
from PIL import Image
near, data = sys.argv[1], sys.argv[2]
report = json.load(open(f"{near}/nearest.json"))
names = sorted(os.listdir(data))
reals = {n: np.asarray(Image.open(f"{data}/{n}").convert("RGB"), dtype=np.float64) for n in names}
rms = lambda a, b: float(np.sqrt(((a - b) ** 2).mean()))
assert report["real_images"] == 48 and report["image_size"] == 16 and len(report["samples"]) == 12, report.keys()
nearest = []
for s in report["samples"]:
    row = np.asarray(Image.open(f"{near}/{s['file']}").convert("RGB"), dtype=np.float64)
    assert row.shape == (20, 2 + 4 * 18, 3), row.shape  # the sample and 3 neighbours, 2-pixel gaps
    sample = row[2:18, 2:18]
    d = sorted((rms(sample, reals[n]), n) for n in names)
    got = [(x["distance"], os.path.basename(x["name"])) for x in s["neighbours"]]
    assert len(got) == 3
    for (gd, gn), (wd, wn) in zip(got, d[:3]):
        assert abs(gd - wd) < 1e-6, (s["file"], got, d[:3])
        assert gn == wn or abs(d[3][0] - wd) < 1e-6, (s["file"], got, d[:3])
    # The neighbour cells are the training images as stored.
    assert np.array_equal(row[2:18, 20:36], reals[got[0][1]]), s["file"]
    nearest.append(d[0][0])
others = []
for n in names:
    others.append(min(rms(reals[n], reals[m]) for m in names if m != n))
typical = float(np.median(others))
assert abs(report["typical_distance"] - typical) < 1e-6, (report["typical_distance"], typical)
score = sum(d < typical for d in nearest) / len(nearest)
assert abs(report["copying_score"] - score) < 1e-12, (report["copying_score"], score)
print(f"numpy agrees: typical {typical:.3f}, copying {score:.3f}")
PY

# A generator that copies: its own samples as the training set. Every sample finds itself, at distance 0.
mkdir -p "$work/copies"
"$python" - "$work/near" "$work/copies" <<'PY'
import sys, glob, os
from PIL import Image
for f in sorted(glob.glob(f"{sys.argv[1]}/sample_*.png")):
    Image.open(f).convert("RGB").crop((2, 2, 18, 18)).save(f"{sys.argv[2]}/{os.path.basename(f)}")
PY
"$bin" nearest "${dev[@]}" --checkpoint "$work/run/checkpoint.pt" --latents 12 --k 1 --data "$work/copies" --out "$work/near3" > "$work/near3.txt" 2>&1 \
  || { cat "$work/near3.txt"; fail "nearest against the copies failed"; }
grep -q "index built and cached in $work/cache/nearest/index-" "$work/near3.txt" || { cat "$work/near3.txt"; fail "a new data set's index was not built"; }
grep -q "closest sample: .*, 0.00 levels from" "$work/near3.txt" || { cat "$work/near3.txt"; fail "a copied sample did not find itself at 0"; }
# Asked again, the index is read from the cache.
"$bin" nearest "${dev[@]}" --checkpoint "$work/run/checkpoint.pt" --latents 4 --k 1 --data "$work/copies" --out "$work/near4" > "$work/near4.txt" 2>&1 \
  || { cat "$work/near4.txt"; fail "the second query failed"; }
grep -q "index read from $work/cache/nearest/index-" "$work/near4.txt" || { cat "$work/near4.txt"; fail "the second query built the index again"; }
tail -n 1 "$work/near3.txt" | grep -qx "copying: 1.000" || { cat "$work/near3.txt"; fail "a generator of copies does not score 1"; }

expect_error() {  # expect_error PATTERN command...
  local pattern="$1"; shift
  if "$@" > "$work/err.txt" 2>&1; then fail "expected failure: $*"; fi
  grep -q -- "$pattern" "$work/err.txt" || { cat "$work/err.txt"; fail "error for '$*' does not mention '$pattern'"; }
  [ "$(wc -l < "$work/err.txt")" -le 2 ] || { cat "$work/err.txt"; fail "error for '$*' is not short"; }
}
expect_error "$work/none.pt" "$bin" nearest --checkpoint "$work/none.pt" --out "$work/x"
expect_error "out is required" "$bin" nearest --checkpoint "$work/run/checkpoint.pt"
expect_error "\-\-k 0: give 1 to 64" "$bin" nearest --checkpoint "$work/run/checkpoint.pt" --k 0 --out "$work/x"
expect_error "$work/gone" "$bin" nearest "${dev[@]}" --checkpoint "$work/run/checkpoint.pt" --data "$work/gone" --out "$work/x"
"$bin" train "${dev[@]}" --headless --model pix2pix --preset tiny --steps 1 --out "$work/p2p" > "$work/p2p.txt" 2>&1 \
  || { cat "$work/p2p.txt"; fail "pix2pix training failed"; }
expect_error "a pix2pix run translates images" "$bin" nearest "${dev[@]}" --checkpoint "$work/p2p/checkpoint.pt" --out "$work/x"
echo "nearest.sh: ok"
