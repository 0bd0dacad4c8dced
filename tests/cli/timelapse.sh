#!/usr/bin/env bash
# End to end: a tiny headless run records a timelapse, `ganscope timelapse` rebuilds one (MP4, GIF, PNGs, latent
# walk) from the run's history; all checked with ffprobe; bad input gives one clear line. Usage: timelapse.sh BIN WORKDIR
set -euo pipefail
bin="$1"; work="$2"
rm -rf "$work"; mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
# The device every run here uses: the CPU unless GANSCOPE_TEST_DEVICE names another (cuda on a GPU machine).
dev=(--device "${GANSCOPE_TEST_DEVICE:-cpu}")
# probe FILE FIELD: one ffprobe field of the first video stream (frames are counted by decoding them all).
probe() {
  ffprobe -v error -count_frames -select_streams v:0 \
    -show_entries stream=codec_name,pix_fmt,width,height,nb_read_frames:format=duration \
    -of default=noprint_wrappers=1 "$1" | sed -n "s/^$2=//p"
}
expect() {  # expect FILE FIELD VALUE
  local got; got="$(probe "$1" "$2")"
  [ "$got" = "$3" ] || fail "$1: $2 is '$got', expected '$3'"
}
expect_duration() {  # expect_duration FILE SECONDS (within 5%)
  awk -v d="$(probe "$1" duration)" -v e="$2" 'BEGIN { exit !(d > e * 0.95 && d < e * 1.05) }' ||
    fail "$1: duration $(probe "$1" duration), expected $2"
}

# Training with --timelapse: grids at steps 0, 5, 10, 15, 20 -> 5 frames at 10 fps.
"$bin" train "${dev[@]}" --headless --preset tiny --steps 20 --history-every 5 --timelapse "$work/train.mp4" --every 5 \
  --out "$work/run" > "$work/train.txt" 2>&1 || { cat "$work/train.txt"; fail "training with --timelapse failed"; }
grep -q "timelapse: 5 frames" "$work/train.txt" || { cat "$work/train.txt"; fail "no timelapse summary line"; }
expect "$work/train.mp4" codec_name h264
expect "$work/train.mp4" pix_fmt yuv420p
expect "$work/train.mp4" nb_read_frames 5
expect_duration "$work/train.mp4" 0.5
width="$(probe "$work/train.mp4" width)"; height="$(probe "$work/train.mp4" height)"
[ $((width % 2)) -eq 0 ] && [ $((height % 2)) -eq 0 ] && [ "$width" -ge 512 ] || fail "train.mp4 is ${width}x${height}"
ls "$work/run/history" | grep -c '^step_.*\.pt$' | grep -qx 5 || fail "expected 5 history snapshots"

# After the fact, from the history: the same number of frames, same size (same grid + caption layout).
"$bin" timelapse "$work/run" "${dev[@]}" --out "$work/after.mp4" --fps 5 > "$work/after.txt" 2>&1 || { cat "$work/after.txt"; fail "timelapse failed"; }
expect "$work/after.mp4" codec_name h264
expect "$work/after.mp4" pix_fmt yuv420p
expect "$work/after.mp4" nb_read_frames 5
expect "$work/after.mp4" width "$width"
expect "$work/after.mp4" height "$height"
expect_duration "$work/after.mp4" 1.0

"$bin" timelapse "$work/run" "${dev[@]}" --out "$work/after.gif" > /dev/null
expect "$work/after.gif" codec_name gif
expect "$work/after.gif" nb_read_frames 5
"$bin" timelapse "$work/run" "${dev[@]}" --out "$work/frames/" --count 4 --no-caption > /dev/null
[ "$(ls "$work/frames" | grep -c '^frame_.*\.png$')" -eq 5 ] || fail "expected 5 PNG frames"
expect "$work/frames/frame_000004.png" codec_name png

# Latent walks: length = seconds x fps, frame width = --resolution.
"$bin" timelapse "$work/run" "${dev[@]}" --out "$work/walk.mp4" --walk random --seconds 1 --fps 12 --resolution 128 > /dev/null
expect "$work/walk.mp4" nb_read_frames 12
expect "$work/walk.mp4" width 128
expect "$work/walk.mp4" height 128
"$bin" timelapse "$work/run" "${dev[@]}" --out "$work/interp.gif" --walk interp --count 4 --seconds 1 --fps 10 --resolution 200 > /dev/null
expect "$work/interp.gif" nb_read_frames 10
expect "$work/interp.gif" width 200

# Ctrl-C mid-run: the recording is finished in order and plays.
"$bin" train "${dev[@]}" --headless --preset tiny --steps 100000 --timelapse "$work/ctrlc.mp4" --every 1 --out "$work/run2" \
  > "$work/ctrlc.txt" 2>&1 &
pid=$!
# Until the video has begun and ten grids have been published (deadline 60 s).
for _ in $(seq 600); do
  [ -s "$work/ctrlc.mp4" ] && [ "$(ls "$work/run2/samples" 2> /dev/null | wc -l)" -ge 10 ] && break
  sleep 0.1
done
kill -INT "$pid"
rc=0; wait "$pid" || rc=$?
[ "$rc" -eq 130 ] || { cat "$work/ctrlc.txt"; fail "the recording run exited $rc after Ctrl-C, expected 130"; }
grep -q "timelapse: [0-9]* frames" "$work/ctrlc.txt" || { cat "$work/ctrlc.txt"; fail "no summary after Ctrl-C"; }
frames="$(probe "$work/ctrlc.mp4" nb_read_frames)"
[ "${frames:-0}" -ge 2 ] || fail "ctrlc.mp4 has '$frames' frames"

# Bad input: one line naming the problem; training itself is unharmed by a broken recording.
"$bin" train "${dev[@]}" --headless --preset tiny --steps 3 --timelapse "/nonexistent-dir/t.mp4" --out "$work/run3" \
  > "$work/bad.txt" 2>&1 || { cat "$work/bad.txt"; fail "training must go on when the timelapse cannot be written"; }
grep -q "/nonexistent-dir" "$work/bad.txt" || { cat "$work/bad.txt"; fail "unwritable timelapse path not reported"; }
grep -q "done: step 3" "$work/bad.txt" || fail "training did not finish"
expect_error() {  # expect_error PATTERN command...
  local pattern="$1"; shift
  if "$@" > "$work/err.txt" 2>&1; then fail "expected failure: $*"; fi
  grep -q -- "$pattern" "$work/err.txt" || { cat "$work/err.txt"; fail "error for '$*' does not mention '$pattern'"; }
  [ "$(wc -l < "$work/err.txt")" -le 2 ] || { cat "$work/err.txt"; fail "error for '$*' is not short"; }
}
expect_error "ffmpeg not found" "$bin" timelapse "$work/run" --out "$work/x.mp4" --ffmpeg /nonexistent/ffmpeg
expect_error "no history snapshots" "$bin" timelapse "$work/frames" --out "$work/x.mp4"
expect_error "x.avi" "$bin" timelapse "$work/run" --out "$work/x.avi"
expect_error "x.avi" "$bin" train --headless --preset tiny --steps 2 --timelapse "$work/x.avi" --out "$work/run4"
echo "cli timelapse: all checks passed"
