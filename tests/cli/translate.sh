#!/usr/bin/env bash
# End to end: train a tiny pix2pix, `ganscope translate` a file and a folder, ASCII text output, `data combine`
# and `data pairs`, and bad input (wrong checkpoint, grayscale for a colour model, odd A|B, unmatched A/B names)
# rejected with one clear line. Usage: translate.sh GANSCOPE_BINARY WORKDIR
set -euo pipefail
bin="$1"; work="$2"
rm -rf "$work"; mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
# The device every run here uses: the CPU unless GANSCOPE_TEST_DEVICE names another (cuda on a GPU machine).
dev=(--device "${GANSCOPE_TEST_DEVICE:-cpu}")
png_width() { od -An -tu1 -j16 -N4 "$1" | awk '{print $1*16777216 + $2*65536 + $3*256 + $4}'; }
png_height() { od -An -tu1 -j20 -N4 "$1" | awk '{print $1*16777216 + $2*65536 + $3*256 + $4}'; }
expect_error() {  # expect_error PATTERN command...
  local pattern="$1"; shift
  if "$@" > "$work/err.txt" 2>&1; then fail "expected failure: $*"; fi
  grep -q -- "$pattern" "$work/err.txt" || { cat "$work/err.txt"; fail "error for '$*' does not mention '$pattern'"; }
  [ "$(grep -c . "$work/err.txt")" -le 2 ] || { cat "$work/err.txt"; fail "error for '$*' is not short"; }
}

# Inputs: automatic sketch pairs from the emoji set, as A|B images.
"$bin" data pairs --kind sketch --size 32 --count 3 --out "$work/pairs" > "$work/pairs.txt" 2>&1 || { cat "$work/pairs.txt"; fail "data pairs failed"; }
n=$(ls "$work/pairs"/*.png | wc -l); [ "$n" -eq 3 ] || fail "data pairs wrote $n images, expected 3"
first=$(ls "$work/pairs"/*.png | head -1)
[ "$(png_width "$first")" -eq 64 ] || fail "an A|B pair of 32 px halves should be 64 wide"

# A tiny sketch -> colour model.
"$bin" train "${dev[@]}" --headless --model pix2pix --preset tiny --steps 3 --out "$work/run" > "$work/train.txt" 2>&1 || { cat "$work/train.txt"; fail "pix2pix training failed"; }
[ -s "$work/run/checkpoint.pt" ] || fail "no checkpoint"
[ -s "$work/run/samples/step_00000003.png" ] || fail "no sample grid"

# One file, then a folder (with --ab: the A half of each A|B image is the input).
"$bin" translate "${dev[@]}" --checkpoint "$work/run/checkpoint.pt" --input "$first" --output "$work/out1" > "$work/t1.txt" 2>&1 || { cat "$work/t1.txt"; fail "translate of one file failed"; }
out1="$work/out1/$(basename "$first")"
[ -s "$out1" ] || fail "translate did not write $out1"
[ "$(png_width "$out1")" -eq 16 ] && [ "$(png_height "$out1")" -eq 16 ] || fail "output should be the model's 16x16"
"$bin" translate "${dev[@]}" --checkpoint "$work/run/checkpoint.pt" --input "$work/pairs" --output "$work/out2" --ab --norm train > "$work/t2.txt" 2>&1 || { cat "$work/t2.txt"; fail "translate of a folder failed"; }
grep -q "wrote 3 image" "$work/t2.txt" || { cat "$work/t2.txt"; fail "folder translate should write 3 images"; }
# --convert: a photo is first turned into a sketch by the model's pair generator.
"$bin" translate "${dev[@]}" --checkpoint "$work/run/checkpoint.pt" --input "$first" --output "$work/out3" --convert > "$work/t3.txt" 2>&1 || { cat "$work/t3.txt"; fail "translate --convert failed"; }
[ -s "$work/out3/$(basename "$first")" ] || fail "translate --convert wrote nothing"

# Colour -> ASCII art (BtoA): the output also comes as text.
"$bin" train "${dev[@]}" --headless --model pix2pix --preset tiny --size 32 --pairs ascii --direction BtoA --steps 2 --out "$work/ascii" > "$work/train2.txt" 2>&1 || { cat "$work/train2.txt"; fail "ascii training failed"; }
"$bin" translate "${dev[@]}" --checkpoint "$work/ascii/checkpoint.pt" --input "$first" --output "$work/out4" > "$work/t4.txt" 2>&1 || { cat "$work/t4.txt"; fail "ascii translate failed"; }
txt="$work/out4/$(basename "$first" .png).txt"
[ -s "$txt" ] || fail "no ASCII text output $txt"
[ "$(head -1 "$txt" | wc -c)" -eq 9 ] || fail "ASCII lines of a 32 px image in 4 px cells should be 8 characters"

# Bad input.
expect_error "grayscale" bash -c "ffmpeg -loglevel error -y -f lavfi -i color=gray:s=32x32 -frames:v 1 -pix_fmt gray '$work/gray.png' && '$bin' translate --checkpoint '$work/ascii/checkpoint.pt' --input '$work/gray.png' --output '$work/bad'"
"$bin" train "${dev[@]}" --headless --preset tiny --steps 1 --out "$work/dcgan" > /dev/null 2>&1 || fail "dcgan training failed"
expect_error "dcgan checkpoint" "$bin" translate --checkpoint "$work/dcgan/checkpoint.pt" --input "$first" --output "$work/bad"
expect_error "$work/none.pt" "$bin" translate --checkpoint "$work/none.pt" --input "$first" --output "$work/bad"
expect_error "$work/none.png" "$bin" translate --checkpoint "$work/run/checkpoint.pt" --input "$work/none.png" --output "$work/bad"
expect_error "--output is required" "$bin" translate --checkpoint "$work/run/checkpoint.pt" --input "$first"

# data combine: A/ and B/ by name; mismatches listed, nothing written.
mkdir -p "$work/A" "$work/B"
for f in "$work/pairs"/*.png; do cp "$f" "$work/A/"; cp "$f" "$work/B/"; done
"$bin" data combine --a "$work/A" --b "$work/B" --out "$work/combined" > "$work/c.txt" 2>&1 || { cat "$work/c.txt"; fail "data combine failed"; }
[ "$(png_width "$work/combined/$(basename "$first")")" -eq 128 ] || fail "combined A|B should be twice as wide"
cp "$first" "$work/A/extra_a.png"; cp "$first" "$work/B/extra_b.png"
expect_error "only in A: extra_a; only in B: extra_b" "$bin" data combine --a "$work/A" --b "$work/B" --out "$work/combined2"
[ ! -e "$work/combined2" ] || fail "a failed combine must write nothing"

# Odd-width A|B data is named before training starts; the run's checkpoint stays intact.
mkdir -p "$work/odd"; cp "$first" "$work/odd/"
ffmpeg -loglevel error -y -f lavfi -i "color=red:s=33x16,format=rgb24" -frames:v 1 -pix_fmt rgb24 "$work/odd/bad.png"
expect_error "bad.png (33 wide)" "$bin" train --headless --model pix2pix --preset tiny --pairs aligned --data "$work/odd" --steps 1 --out "$work/oddrun"
echo "cli translate: all checks passed"
