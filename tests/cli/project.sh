#!/usr/bin/env bash
# End to end: `ganscope project` on a tiny run trained on a folder. PyTorch draws an image from a latent it picks
# with the run's exported generator (seed 003's layout); ganscope must find a latent whose image PyTorch, reading
# the written z.pt, draws within a few levels of it (an unrelated latent's image is far). Bad input is one line.
# Usage: project.sh GANSCOPE_BINARY WORKDIR
set -euo pipefail
bin="$1"; work="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${GANSCOPE_PYTHON:-$here/../../.venv/bin/python}"
rm -rf "$work"; mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
dev=(--device "${GANSCOPE_TEST_DEVICE:-cpu}")
export GANSCOPE_CACHE="$work/cache"

# 32 training images at the tiny preset's 16 x 16: discs on colours.
"$python" - "$work/data" <<'PY'
import sys, os, numpy as np
from PIL import Image
out = sys.argv[1]; os.makedirs(out)
rng = np.random.default_rng(5)
yy, xx = np.mgrid[0:16, 0:16]
for i in range(32):
    bg = rng.integers(0, 256, 3); fg = 255 - bg
    cx, cy, r = rng.uniform(5, 11), rng.uniform(5, 11), rng.uniform(3, 6)
    disc = ((xx - cx) ** 2 + (yy - cy) ** 2 < r * r)[..., None]
    Image.fromarray(np.where(disc, fg, bg).astype(np.uint8)).save(f"{out}/img{i:02d}.png")
PY

"$bin" train "${dev[@]}" --headless --preset tiny --data "$work/data" --steps 200 --out "$work/run" > "$work/train.txt" 2>&1 \
  || { cat "$work/train.txt"; fail "training failed"; }
"$bin" export --checkpoint "$work/run/checkpoint.pt" --out "$work/G.pth" > "$work/export.txt" 2>&1 \
  || { cat "$work/export.txt"; fail "export failed"; }

# The target: what the run's generator draws from a latent PyTorch picks (saved as an 8-bit PNG, as any image is).
"$python" - "$here/../python" "$work" <<'PY'
import sys, torch, numpy as np
from PIL import Image
sys.path.insert(0, sys.argv[1]); work = sys.argv[2]
from interop import seed003_generator
g = seed003_generator(latent=16, size=16, width=8)
g.load_state_dict(torch.load(f"{work}/G.pth"), strict=True); g.eval()
torch.manual_seed(11)
z = torch.randn(1, 16, 1, 1)
with torch.no_grad():
    x = g(z)[0]
img = ((x.permute(1, 2, 0).numpy() + 1) * 127.5).round().clip(0, 255).astype(np.uint8)
Image.fromarray(img).save(f"{work}/target.png")
PY

"$bin" project "${dev[@]}" --checkpoint "$work/run/checkpoint.pt" --image "$work/target.png" --out "$work/z.pt" \
  --preview "$work/preview.png" > "$work/project.txt" 2>&1 || { cat "$work/project.txt"; fail "project failed"; }
cat "$work/project.txt"
grep -q "^project: $work/target.png (16x16) into the latent space of $work/run/checkpoint.pt (step 200), 8 starts" "$work/project.txt" \
  || fail "project did not say what it projected"
grep -q "^step  300/300  refine" "$work/project.txt" || fail "project did not report its steps"
[ "$(tail -n 1 "$work/project.txt" | cut -d' ' -f1)" = "rms:" ] || fail "the last line is not 'rms: X'"

# PyTorch reads z.pt and draws it: close to the target, and as close as ganscope says; an unrelated latent is far.
"$python" - "$here/../python" "$work" "$(tail -n 1 "$work/project.txt" | cut -d' ' -f2)" <<'PY' || fail "the projected latent does not draw the target"
import sys, torch, numpy as np
from PIL import Image
sys.path.insert(0, sys.argv[1]); work = sys.argv[2]; said = float(sys.argv[3])
from interop import seed003_generator
g = seed003_generator(latent=16, size=16, width=8)
g.load_state_dict(torch.load(f"{work}/G.pth"), strict=True); g.eval()
saved = torch.load(f"{work}/z.pt", weights_only=True)
assert list(saved) == ["latent"] and saved["latent"].shape == (1, 16), saved
target = np.asarray(Image.open(f"{work}/target.png").convert("RGB"), dtype=np.float64)
def draw(z):
    with torch.no_grad():
        return (g(z.view(-1, 16, 1, 1))[0].permute(1, 2, 0).numpy().astype(np.float64) + 1) * 127.5
rms = lambda a, b: float(np.sqrt(((a - b) ** 2).mean()))
found = rms(draw(saved["latent"]), target)
torch.manual_seed(99)
unrelated = float(np.median([rms(draw(torch.randn(1, 16)), target) for _ in range(16)]))
print(f"PyTorch: the projected latent draws the target within {found:.2f} levels (ganscope said {said:.2f}); "
      f"unrelated latents {unrelated:.2f}")
assert unrelated > 8, unrelated  # the generator's images differ, so a reconstruction means something
assert found < 4 and found < unrelated / 4, (found, unrelated)
assert abs(found - said) < 0.6, (found, said)  # ganscope measures against the exact target; this one is 8-bit
# The preview: the target, then the reconstruction, 2-pixel gaps.
preview = np.asarray(Image.open(f"{work}/preview.png").convert("RGB"), dtype=np.float64)
assert preview.shape == (20, 38, 3), preview.shape
assert rms(preview[2:18, 2:18], target) < 0.6
assert rms(preview[2:18, 20:36], draw(saved["latent"])) < 0.6
PY

# The explorer's text format, by the extension.
"$bin" project "${dev[@]}" --checkpoint "$work/run/checkpoint.pt" --image "$work/target.png" --out "$work/z.txt" --steps 20 \
  --restarts 2 > "$work/project2.txt" 2>&1 || { cat "$work/project2.txt"; fail "project to .txt failed"; }
[ "$(tr ',' '\n' < "$work/z.txt" | grep -c .)" = 16 ] || { cat "$work/z.txt"; fail "z.txt is not 16 numbers"; }

expect_error() {  # expect_error PATTERN command...
  local pattern="$1"; shift
  if "$@" > "$work/err.txt" 2>&1; then fail "expected failure: $*"; fi
  grep -q -- "$pattern" "$work/err.txt" || { cat "$work/err.txt"; fail "error for '$*' does not mention '$pattern'"; }
  [ "$(wc -l < "$work/err.txt")" -le 2 ] || { cat "$work/err.txt"; fail "error for '$*' is not short"; }
}
ck=(--checkpoint "$work/run/checkpoint.pt")
echo "not an image" > "$work/notes.png"
: > "$work/empty.jpg"
expect_error "$work/none.png: no such image file" "$bin" project "${dev[@]}" "${ck[@]}" --image "$work/none.png" --out "$work/x.pt"
expect_error "$work/notes.png: not an image ganscope can read" "$bin" project "${dev[@]}" "${ck[@]}" --image "$work/notes.png" --out "$work/x.pt"
expect_error "$work/empty.jpg: not an image ganscope can read" "$bin" project "${dev[@]}" "${ck[@]}" --image "$work/empty.jpg" --out "$work/x.pt"
expect_error "\-\-out $work/x.png: write the latent as .pt" "$bin" project "${dev[@]}" "${ck[@]}" --image "$work/target.png" --out "$work/x.png"
expect_error "\-\-steps 1: give 2 to 100000" "$bin" project "${dev[@]}" "${ck[@]}" --image "$work/target.png" --out "$work/x.pt" --steps 1
expect_error "\-\-restarts 0: give 1 to 64" "$bin" project "${dev[@]}" "${ck[@]}" --image "$work/target.png" --out "$work/x.pt" --restarts 0
expect_error "$work/none.pt" "$bin" project "${dev[@]}" --checkpoint "$work/none.pt" --image "$work/target.png" --out "$work/x.pt"
[ ! -e "$work/x.pt" ] || fail "a refused projection wrote a latent"
"$bin" train "${dev[@]}" --headless --model pix2pix --preset tiny --steps 1 --out "$work/p2p" > "$work/p2p.txt" 2>&1 \
  || { cat "$work/p2p.txt"; fail "pix2pix training failed"; }
expect_error "a pix2pix run translates images" "$bin" project "${dev[@]}" --checkpoint "$work/p2p/checkpoint.pt" --image "$work/target.png" --out "$work/x.pt"
echo "project.sh: ok"
