#!/usr/bin/env bash
# End to end: two training processes on one run folder (the second refused naming the first, the
# metrics never go backwards), skipped images named in the terminal and listed in skipped.txt, `--open` of
# corrupt or hostile files headless (non-zero, one line), a killed writer leaves no stray .partial.
# Usage: tests/manual/hostile_cli.sh GANSCOPE_BINARY WORKDIR  (not yet in ctest: move it to tests/cli/ once it has
# passed on a full build)
set -euo pipefail
bin="$1"; work="$2"
rm -rf "$work"; mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
py="${GANSCOPE_PYTHON:-$(dirname "$0")/../../.venv/bin/python}"

# Two writers: the first trains, the second is refused with the first's pid.
"$bin" train --headless --preset tiny --steps 100000 --checkpoint-every 20 --out "$work/run" > "$work/first.txt" 2>&1 &
first=$!
for _ in $(seq 1 600); do grep -q "^pid $first" "$work/run/writer.lock" 2>/dev/null && break; sleep 0.1; done
grep -q "^pid $first" "$work/run/writer.lock" || { cat "$work/first.txt"; fail "the first writer did not take the lock"; }
for _ in $(seq 1 600); do [ -s "$work/run/checkpoint.pt" ] && break; sleep 0.2; done
if "$bin" train --headless --preset tiny --steps 5 --out "$work/run" > "$work/second.txt" 2>&1; then fail "a second writer ran"; fi
grep -q "being written by another process (pid $first" "$work/second.txt" || { cat "$work/second.txt"; fail "the refusal does not name pid $first"; }
[ "$(wc -l < "$work/second.txt")" -le 2 ] || { cat "$work/second.txt"; fail "the refusal is not short"; }
if "$bin" train --headless --resume "$work/run" --steps 5 > "$work/third.txt" 2>&1; then fail "a resume beside the writer ran"; fi
grep -q "pid $first" "$work/third.txt" || fail "the resume refusal does not name the writer"
# A reader is not blocked: the window opens the checkpoint while the writer trains.
"$bin" --headless --open "$work/run/checkpoint.pt" --frames 2 > "$work/reader.txt" 2>&1 || { cat "$work/reader.txt"; fail "--open beside a writer failed"; }
kill -KILL "$first"; wait "$first" 2>/dev/null || true
# Killed at any moment: the checkpoint stays readable, the next writer takes the folder and cleans up.
"$bin" train --headless --resume "$work/run" --steps 2 > "$work/resume.txt" 2>&1 || { cat "$work/resume.txt"; fail "resume after SIGKILL failed"; }
[ ! -e "$work/run/checkpoint.pt.partial" ] || fail "a stray checkpoint.pt.partial"
"$py" - "$work/run/metrics.jsonl" <<'PY' || fail "metrics.jsonl steps are not strictly increasing"
import json, sys
steps = [json.loads(l)["step"] for l in open(sys.argv[1]) if l.strip()]
assert steps == sorted(set(steps)), steps
PY

# Skipped images: the count and the first names in the terminal, all in skipped.txt.
mkdir -p "$work/data"
"$py" - "$work/data" <<'PY'
import sys, zlib, struct
def png(w, h, seed):
    raw = b"".join(b"\0" + bytes(((x * 7 + y * 13 + seed * 31) % 256) for x in range(w * 3)) for y in range(h))
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
d = sys.argv[1]
for i in range(12):
    open(f"{d}/good{i}.png", "wb").write(png(24, 24, i))
good = png(24, 24, 99)
for i in range(4):
    open(f"{d}/cut{i}.png", "wb").write(good[:len(good) // 2])
for i in range(3):
    open(f"{d}/fake{i}.png", "wb").write(b"not an image")
PY
"$bin" train --headless --preset tiny --steps 6 --batch 4 --data "$work/data" --out "$work/skip" > "$work/skip.txt" 2>&1 || { cat "$work/skip.txt"; fail "training with bad files failed"; }
grep -q "skipped 7 unreadable images" "$work/skip.txt" || { cat "$work/skip.txt"; fail "the terminal does not count 7 skipped images"; }
grep -q "all of them in $work/skip/skipped.txt" "$work/skip.txt" || fail "the terminal does not point to skipped.txt"
[ "$(wc -l < "$work/skip/skipped.txt")" -eq 7 ] || { cat "$work/skip/skipped.txt"; fail "skipped.txt should list 7 files"; }
[ "$(grep -c cut "$work/skip/skipped.txt")" -eq 4 ] || fail "skipped.txt misses the files that failed to decode"

# --open of corrupt and hostile files, headless: non-zero exit, one line naming the file.
head -c 3000 "$work/run/checkpoint.pt" > "$work/cut.pt"
printf 'PK\003\004 not really a zip' > "$work/fake.pt"
"$py" - "$work/deep.pt" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("archive/data.pkl", b"\x80\x02)" + b"\x85" * 1000000 + b".")
    z.writestr("archive/version", "3\n")
PY
for f in cut fake deep; do
  if "$bin" --headless --open "$work/$f.pt" --frames 1 > "$work/open_$f.out" 2> "$work/open_$f.err"; then fail "--open $f.pt exited 0"; fi
  grep -q "cannot open $work/$f.pt" "$work/open_$f.err" || { cat "$work/open_$f.err"; fail "--open $f.pt does not say why"; }
  [ "$(wc -l < "$work/open_$f.err")" -eq 1 ] || { cat "$work/open_$f.err"; fail "--open $f.pt printed more than one line"; }
done
grep -q "nested more than" "$work/open_deep.err" || fail "the deep pickle is not named as such"
echo "hostile.sh: all checks passed"
