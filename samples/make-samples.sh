#!/usr/bin/env bash
# Re-creates the bundled samples. Both are the project's own work, released under CC0 (see README.md).
#   music.wav   iemsim's own synthesizer (`iemsim generate music`), deterministic: same bytes every time
#               for one version (the bundled file predates changes of the dither's and the noise's
#               generators: today's run has other dither and other noise in the hi-hats and cymbals,
#               the same music at the same loudness; see README.md)
#   speech.wav  espeak-ng (a formant speech synthesizer, GPL-3 program; its output is not covered by it)
#               resampled and levelled with sox
# Needs: cargo, espeak-ng, sox (Debian: apt-get install -y espeak-ng sox).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo run --release --quiet -- generate music -o samples/music.wav --seconds 24 --rate 44100 --bits 16 --force

text="She sells sea shells by the sea shore. The shells she sells are surely sea shells. \
Sixty-six sisters sipped sweet cider, sitting on a sunny summer step. Just say it: such a sharp hiss."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
espeak-ng -v en-us -s 150 -p 55 -w "$tmp/raw.wav" "$text"
# 44.1 kHz 16-bit mono, peak at -3 dBFS, 0.3 s of silence at both ends; sox's default dither.
sox -R "$tmp/raw.wav" -r 44100 -b 16 -c 1 samples/speech.wav pad 0.3 0.3 rate -v 44100 gain -n -3
echo "wrote samples/music.wav and samples/speech.wav"
