#!/usr/bin/env bash
# End to end: the window headless (EGL) on the tiny preset writes a screenshot and frame statistics; --open
# explores the run's checkpoint; no display names --headless; bad flags are one clear line.
# Usage: window.sh GANSCOPE_BINARY WORKDIR
set -euo pipefail
bin="$1"; work="$2"
rm -rf "$work"; mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
# The device every run here uses: the CPU unless GANSCOPE_TEST_DEVICE names another (cuda on a GPU machine).
dev=(--device "${GANSCOPE_TEST_DEVICE:-cpu}")

"$bin" --headless "${dev[@]}" --preset tiny --out "$work/run" --screenshot "$work/shot.png" --frames 20 \
  --window-size 960x600 > "$work/out.txt" 2>&1 || { cat "$work/out.txt"; fail "headless window failed"; }
[ -s "$work/shot.png" ] || fail "no screenshot"
grep -q "median .* ms, p95 .* ms, max" "$work/out.txt" || { cat "$work/out.txt"; fail "no frame-time statistics"; }
# PNG header: 960 x 600.
[ "$(od -An -tx1 -j16 -N8 "$work/shot.png" | tr -d ' \n')" = "000003c000000258" ] || fail "screenshot is not 960x600"
[ -s "$work/run/checkpoint.pt" ] || fail "closing the window did not write the final checkpoint"

"$bin" --headless --open "$work/run/checkpoint.pt" --screenshot "$work/open.png" --frames 10 > "$work/open.txt" 2>&1 \
  || { cat "$work/open.txt"; fail "--open failed"; }
[ -s "$work/open.png" ] || fail "no screenshot from --open"

# Watching the finished run's folder: the grid and curves come from its files; read-only.
"$bin" watch "$work/run" --headless --screenshot "$work/watch.png" --frames 10 > "$work/watch.txt" 2>&1 \
  || { cat "$work/watch.txt"; fail "watch failed"; }
[ -s "$work/watch.png" ] || fail "no screenshot from watch"

expect_error() {  # expect_error PATTERN command...
  local pattern="$1"; shift
  if "$@" > "$work/err.txt" 2>&1; then fail "expected failure: $*"; fi
  grep -q -- "$pattern" "$work/err.txt" || { cat "$work/err.txt"; fail "error for '$*' does not mention '$pattern'"; }
}
expect_error "--headless" env -u DISPLAY -u WAYLAND_DISPLAY "$bin" --preset tiny --out "$work/nodisplay"
expect_error "--window-size 12" "$bin" --headless --window-size 12 --frames 1
expect_error "go with --headless" "$bin" --frames 3
expect_error "no such run folder" "$bin" watch "$work/not-a-run" --headless --frames 1
expect_error "--poll 0" "$bin" watch "$work/run" --headless --poll 0 --frames 1
# A corrupt checkpoint: one line naming it, non-zero exit, nothing written.
head -c 2000 "$work/run/checkpoint.pt" > "$work/corrupt.pt"
expect_error "$work/corrupt.pt" "$bin" --headless --open "$work/corrupt.pt" --frames 1
expect_error "leave out --resume" "$bin" --headless --open "$work/run/checkpoint.pt" --resume "$work/run"

echo "window: ok"
