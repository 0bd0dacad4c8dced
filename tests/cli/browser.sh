#!/usr/bin/env bash
# The served page in a real browser, end to end: `ganscope train --headless --serve` on the tiny preset, headless
# Chromium driven through its DevTools protocol (browser_page.py): every series charted in step order with the
# history held back behind the stream, Pause and Resume from the page change the server's state, refusals without
# and with a wrong token shown, the history slider changes the grid, 15 s of virtual time with the stream open; and
# `chromium --virtual-time-budget=15000 --dump-dom` finishes on the page (polling) and shows the live step; on a
# pix2pix run on ASCII-art pairs (seed 000: picture -> ASCII art) a stroke drawn with the mouse is translated by the
# server's model, shown as text too and downloadable as translation.txt; a run made to fail (D's learning rate 2000x
# G's, paused at once) raises an alert that reaches an open page on the event stream, and a page opened later from
# /api/alerts: banner (step, kind, message, the evidence's curve) and list.
# Usage: browser.sh GANSCOPE_BINARY WORKDIR
set -euo pipefail
bin="$1"; work="$2"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
rm -rf "$work"; mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
# wait_until SECONDS WHAT COMMAND...: polls COMMAND every 0.1 s; at the deadline the test fails naming WHAT.
wait_until() {
  local seconds="$1" what="$2"; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" > /dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || fail "$what (waited ${seconds} s)"
    sleep 0.1
  done
}
python="${GANSCOPE_PYTHON:-$root/.venv/bin/python}"
"$python" -c "import websocket" 2> /dev/null || fail "no websocket-client in $python: run scripts/setup"
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || fail "no chromium: scripts/setup installs Debian's chromium"
dev=(--device "${GANSCOPE_TEST_DEVICE:-cpu}")
port=$("$python" -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
"$bin" train "${dev[@]}" --headless --preset tiny --steps 0 --out "$work/run" --serve "127.0.0.1:$port" > "$work/train.txt" 2>&1 &
pid=$!
trap 'kill $pid 2> /dev/null || true' EXIT
url="http://127.0.0.1:$port"
wait_until 30 "no serving line in $work/train.txt" grep -q "serving $url" "$work/train.txt"
token=$(cat "$work/run/serve.token")
grid_published() { curl -sf "$url/api/status" | grep -q '"grid_step":[1-9]'; }
wait_until 60 "the served run published no grid after step 0" grid_published

# The page and its files come from the binary, under a policy that runs no inline script.
curl -sfD "$work/head.txt" "$url/" -o "$work/index.html" || fail "GET /"
grep -qi "^content-security-policy:.*script-src 'self';" "$work/head.txt" || fail "the page's policy allows more than its own scripts"
for f in app.js app.css dygraph.min.js dygraph.min.css; do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/static/$f")" = 200 ] || fail "/static/$f is not served"
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/static/nope.js")" = 404 ] || fail "an unknown static file is not 404"
grep -q 'src="http\|href="http' "$work/index.html" && fail "the page loads something from outside the server"
curl -sf "$url/api/samples" | grep -q '"url":"/api/samples/[0-9]*"' || fail "GET /api/samples lists no grid"
first=$(curl -sf "$url/api/samples" | sed -n 's/^\[{"step":\([0-9]*\).*/\1/p')
curl -sf "$url/api/samples/$first" -o "$work/kept.png" && [ "$(head -c 4 "$work/kept.png" | tail -c 3)" = PNG ] || fail "kept grid $first"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/api/samples/999999999")" = 404 ] || fail "a grid never kept is not 404"

"$python" "$root/tests/cli/browser_page.py" test "$url" "$token" "$work"

# Without the stream (#live=poll), Chromium's own virtual-time budget runs out and the DOM shows the live step
# (with a stream open it never would: virtual time waits while any request is pending).
start=$(date +%s)
timeout 120 "$browser" --headless=new --no-sandbox --disable-gpu --user-data-dir="$work/chrome-vt" \
  --virtual-time-budget=15000 --dump-dom "$url/#live=poll" > "$work/dom.html" 2> /dev/null || fail "chromium --virtual-time-budget=15000 did not finish on the page"
grep -q 'id="progress">step [0-9]' "$work/dom.html" || fail "the page loaded under the virtual-time budget shows no step"
grep -q 'class="chart"' "$work/dom.html" || fail "the page loaded under the virtual-time budget draws no chart"
echo "browser: --virtual-time-budget=15000 --dump-dom (polling) finished in $(( $(date +%s) - start )) s"
kill -INT $pid
rc=0; wait $pid || rc=$?
[ "$rc" -eq 130 ] || { cat "$work/train.txt"; fail "the served run exited $rc after Ctrl-C, expected 130"; }

# A run made to fail: D learns at 2e-3, G at 1e-6, so D wins completely (a divergence alert about 300 steps in).
# Paused as soon as it serves (`train --headless` has no --paused), long before its alert, so the page is open first.
"$bin" train "${dev[@]}" --headless --preset tiny --steps 0 --lr-d 2e-3 --lr-g 1e-6 --out "$work/diverging" \
  --serve "127.0.0.1:$port" > "$work/diverging.txt" 2>&1 &
pid=$!
wait_until 30 "no serving line for the diverging run in $work/diverging.txt" grep -q "serving $url" "$work/diverging.txt"
curl -sf -X POST -H "Authorization: Bearer $(cat "$work/diverging/serve.token")" -H "Content-Type: application/json" \
  -d '{"command": "pause"}' "$url/api/control" > /dev/null || fail "could not pause the diverging run"
"$python" "$root/tests/cli/browser_page.py" alerts "$url" "$(cat "$work/diverging/serve.token")" "$work"
kill -INT $pid
rc=0; wait $pid || rc=$?
[ "$rc" -eq 130 ] || { cat "$work/diverging.txt"; fail "the diverging run exited $rc after Ctrl-C, expected 130"; }

# A pix2pix run on ASCII-art pairs, picture -> ASCII art: the page's Translate canvas, drawn on with the mouse,
# translated by the server's model, and the translation as text.
"$bin" train "${dev[@]}" --headless --preset tiny --model pix2pix --pairs ascii --direction BtoA --steps 0 --out "$work/p2p" \
  --serve "127.0.0.1:$port" > "$work/p2p.txt" 2>&1 &
pid=$!
wait_until 30 "no serving line for the pix2pix run in $work/p2p.txt" grep -q "serving $url" "$work/p2p.txt"
"$python" "$root/tests/cli/browser_page.py" translate "$url" "$(cat "$work/p2p/serve.token")" "$work"
kill -INT $pid
rc=0; wait $pid || rc=$?
[ "$rc" -eq 130 ] || { cat "$work/p2p.txt"; fail "the served pix2pix run exited $rc after Ctrl-C, expected 130"; }
echo "browser: ok"
