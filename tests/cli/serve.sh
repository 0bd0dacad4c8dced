#!/usr/bin/env bash
# End to end: `ganscope train --headless --serve` on the tiny preset; curl asks its endpoints (and is refused where
# it should be); a real browser (headless Chromium) loads the page, whose DOM shows the live step advancing.
# Usage: serve.sh GANSCOPE_BINARY WORKDIR
set -euo pipefail
bin="$1"; work="$2"
rm -rf "$work"; mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
# The device every run here uses: the CPU unless GANSCOPE_TEST_DEVICE names another (cuda on a GPU machine).
dev=(--device "${GANSCOPE_TEST_DEVICE:-cpu}")
port=$(( 20000 + $$ % 20000 ))
"$bin" train "${dev[@]}" --headless --preset tiny --steps 0 --out "$work/run" --serve "127.0.0.1:$port" > "$work/train.txt" 2>&1 &
pid=$!
trap 'kill $pid 2> /dev/null || true' EXIT
url="http://127.0.0.1:$port"
for _ in $(seq 300); do grep -q "serving $url" "$work/train.txt" 2> /dev/null && break; sleep 0.1; done
grep -q "serving $url (token [0-9a-f]\{32\}, also in $work/run/serve.token)" "$work/train.txt" || { cat "$work/train.txt"; fail "no serving line"; }
token=$(cat "$work/run/serve.token")
[ "$(stat -c %a "$work/run/serve.token")" = 600 ] || fail "serve.token is not mode 0600"
for _ in $(seq 300); do curl -sf "$url/api/status" | grep -q '"grid_step":[1-9]' && break; sleep 0.2; done
curl -sf "$url/api/status" | grep -q '"grid_step":[1-9]' || { cat "$work/train.txt"; fail "no grid after step 0 in 60 s"; }
curl -sf "$url/api/status" | grep -q '"model":"dcgan"' || fail "status"
curl -sf "$url/api/grid.png" -o "$work/grid.png" && [ "$(head -c 4 "$work/grid.png" | tail -c 3)" = PNG ] || fail "grid.png"
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
[ "$(code "$url/api/nope")" = 404 ] || fail "unknown path is not 404"
[ "$(code -X POST -d '{"command":"pause"}' "$url/api/control")" = 401 ] || fail "POST without token is not 401"
[ "$(code -X POST -H "Authorization: Bearer $token" -d '{"command":' "$url/api/control")" = 400 ] || fail "bad JSON is not 400"
[ "$(code -X POST -H "Authorization: Bearer $token" -d '{"command":"dance"}' "$url/api/control")" = 400 ] || fail "unknown command is not 400"
# A client pauses and resumes the run: the server's terminal says both.
[ "$(code -X POST -H "Authorization: Bearer $token" -d '{"command":"pause"}' "$url/api/control")" = 200 ] || fail "pause is not 200"
for _ in $(seq 300); do grep -q "^paused at step [0-9]*" "$work/train.txt" && break; sleep 0.1; done
grep -q "^paused at step [0-9]*" "$work/train.txt" || { cat "$work/train.txt"; fail "the terminal did not say the run was paused"; }
[ "$(code -X POST -H "Authorization: Bearer $token" -d '{"command":"resume"}' "$url/api/control")" = 200 ] || fail "resume is not 200"
for _ in $(seq 300); do grep -q "^resumed at step [0-9]*" "$work/train.txt" && break; sleep 0.1; done
grep -q "^resumed at step [0-9]*" "$work/train.txt" || { cat "$work/train.txt"; fail "the terminal did not say the run was resumed"; }
curl -sf "$url/api/dataset?per_page=16" | grep -q '"pages":[1-9]' || fail "dataset counts"
curl -sf "$url/api/dataset?page=1&per_page=16&columns=4" -o "$work/page1.png" && [ "$(head -c 4 "$work/page1.png" | tail -c 3)" = PNG ] || fail "dataset page"
[ "$(code "$url/api/dataset?page=0")" = 400 ] || fail "dataset page 0 is not 400"
[ "$(code -X POST -H "Authorization: Bearer $token" -H 'Content-Type: image/png' --data-binary @"$work/grid.png" "$url/api/translate")" = 409 ] || fail "translate on a DCGAN run is not 409"

# The page in a real browser: the DOM's step, twice, a few seconds apart. The page polls (#live=poll): with its event
# stream open, Chromium's virtual time would wait for that request forever (browser.sh drives the streaming page).
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || fail "no chromium: scripts/setup installs Debian's chromium"
# A profile of its own for each run: a browser left behind by one must not hold the next one's profile lock.
dom() { timeout 180 "$browser" --headless=new --no-sandbox --disable-gpu --user-data-dir="$work/chrome-$1" \
          --virtual-time-budget=3000 --dump-dom "$url/#live=poll" 2> /dev/null; }
step_of() { sed -n 's/.*id="progress">step \([0-9]*\).*/\1/p' | head -1; }
first=$(dom first | step_of)
[ -n "$first" ] || fail "the page's DOM shows no step"
# Until the server's step has moved past what the page showed (deadline 60 s), then the page must show it too.
for _ in $(seq 300); do
  now=$(curl -sf "$url/api/status" | sed -n 's/.*"step":\([0-9]*\).*/\1/p')
  [ -n "$now" ] && [ "$now" -gt "$first" ] && break
  sleep 0.2
done
second=$(dom second | step_of)
[ -n "$second" ] || fail "the page's DOM shows no step the second time"
[ "$second" -gt "$first" ] || fail "the page's step did not advance ($first, then $second; the server was at $now)"
timeout 180 "$browser" --headless=new --no-sandbox --disable-gpu --user-data-dir="$work/chrome-shot" --window-size=1280,800 \
  --virtual-time-budget=3000 --screenshot="$work/page.png" "$url/#live=poll" > /dev/null 2>&1 || true
[ -s "$work/page.png" ] || fail "no screenshot of the page"
kill -INT $pid
rc=0; wait $pid || rc=$?
[ "$rc" -eq 130 ] || { cat "$work/train.txt"; fail "the served run exited $rc after Ctrl-C, expected 130 (interrupted, checkpoint saved)"; }
grep -q "checkpoint saved" "$work/train.txt" || { cat "$work/train.txt"; fail "no checkpoint on Ctrl-C"; }
echo "serve: ok (page step $first then $second)"
