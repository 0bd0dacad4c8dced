#!/usr/bin/env bash
# End to end: a real window under Xvfb (the GLFW path: retained frame copied to the back buffer, swapped when it
# changed): it trains, its screen is not blank, and Ctrl-C closes it like the close button, writing the checkpoint.
# Needs Xvfb and ffmpeg (to grab the screen); without them it exits 77, which ctest reports as skipped.
# Usage: window_x11.sh GANSCOPE_BINARY WORKDIR
set -euo pipefail
bin="$1"; work="$2"
rm -rf "$work"; mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
for tool in Xvfb ffmpeg; do
  command -v "$tool" > /dev/null || { echo "SKIPPED: $tool is not installed"; exit 77; }
done

display=":$(( 200 + $$ % 500 ))"
Xvfb "$display" -screen 0 1024x700x24 -nolisten tcp > "$work/xvfb.txt" 2>&1 &
xvfb=$!
trap 'kill $xvfb 2> /dev/null || true' EXIT
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.1; done
# Its own layout file: the user's ~/.config stays untouched.
XDG_CONFIG_HOME="$work/config" DISPLAY="$display" "$bin" --preset tiny --out "$work/windowed" --window-size 1000x680 > "$work/windowed.txt" 2>&1 &
app=$!
# The first sample grid on disk means the window has drawn a trained grid; then two more frames' worth of time.
for _ in $(seq 600); do compgen -G "$work/windowed/samples/step_*.png" > /dev/null && break; sleep 0.1; done
compgen -G "$work/windowed/samples/step_*.png" > /dev/null || { cat "$work/windowed.txt"; fail "no sample grid within 60 s"; }
sleep 2
ffmpeg -loglevel error -y -f x11grab -video_size 1000x680 -i "$display" -frames:v 1 \
  -vf "signalstats,metadata=print:file=$work/signal.txt" "$work/windowed.png" || fail "could not grab the X screen"
kill -INT "$app"
wait "$app" || { cat "$work/windowed.txt"; fail "the window did not close cleanly on Ctrl-C"; }
kill "$xvfb" 2> /dev/null || true
ymin=$(sed -n 's/.*YMIN=//p' "$work/signal.txt"); ymax=$(sed -n 's/.*YMAX=//p' "$work/signal.txt")
[ $(( ${ymax%.*} - ${ymin%.*} )) -gt 100 ] || fail "the window looks blank (luma $ymin..$ymax)"
[ -s "$work/windowed/checkpoint.pt" ] || fail "closing the window did not write the final checkpoint"
grep -q "frames .*: median" "$work/windowed.txt" || { cat "$work/windowed.txt"; fail "no frame statistics"; }
echo "window_x11: ok"
