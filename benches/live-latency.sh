#!/usr/bin/env bash
# End-to-end latency of `iemsim live`, measured on the sound itself rather than summed from parts.
#
#   benches/live-latency.sh [SECONDS] [-- EXTRA IEMSIM LIVE ARGS]      (default 20 s)
#
# A private PulseAudio server (benches/live-stack.sh) with an output sink `latout` (48 kHz), an
# app sink `latin` (44.1 kHz) and a combine sink `both` whose two outputs are `latin` and `latout`.
# A click every 0.5 s (single samples, 48 kHz) is played once into `both`: it reaches `latout`
# directly, and `latin`, whose monitor `iemsim live -a neutral -b neutral` captures and plays to
# `latout`. A recording of `latout`'s monitor therefore holds every click twice: the direct one
# and the one through iemsim. The distance between the two is the input->output latency as a
# listener meets it: how much later the sound comes than if the app had played to the output
# itself (capture, rings, resampler, output buffer, and the server's own delivery of both).
# Uncertainty: the combine sink keeps its two outputs in step by adjusting their rates (it
# aims at equal latency; the spread between them is part of the error) and the clicks' position
# is found to one sample (0.02 ms). Printed beside what `live` reports in --json from its parts.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
secs=20
if [ $# -gt 0 ] && [ "$1" != "--" ]; then secs=$1; shift; fi
[ "${1:-}" = "--" ] && shift
bin=${IEMSIM:-$here/target/release/iemsim}
for c in parecord paplay python3; do
  command -v "$c" >/dev/null 2>&1 || { echo "live-latency: '$c' is missing" >&2; exit 2; }
done
[ -x "$bin" ] || { echo "live-latency: no $bin (cargo build --release first, or set IEMSIM)" >&2; exit 2; }

# shellcheck source=benches/live-stack.sh
. "$here/benches/live-stack.sh"
live_stack_start latency \
  "module-null-sink sink_name=latout rate=48000 channels=2 format=float32le norewinds=1" \
  "module-null-sink sink_name=latin rate=44100 channels=2 format=s16le norewinds=1" \
  "module-combine-sink sink_name=both slaves=latin,latout rate=48000 channels=2" || exit 1
dir=$LIVE_STACK_DIR
pactl set-default-sink latout

python3 - "$dir/clicks.wav" "$secs" <<'EOF'
import sys, wave, struct
path, secs = sys.argv[1], float(sys.argv[2])
rate = 48000
frames = bytearray(int(rate * secs) * 4)
for k in range(int(secs * 2)):
    i = int((k + 0.5) * rate / 2)
    struct.pack_into("<hh", frames, 4 * i, 24000, 24000)
with wave.open(path, "wb") as w:
    w.setnchannels(2); w.setsampwidth(2); w.setframerate(rate); w.writeframes(bytes(frames))
EOF

parecord --raw -d latout.monitor --rate 48000 --channels 2 --format s16le --latency-msec 10 \
  >"$dir/out.raw" &
LIVE_STACK_PIDS="$!"
"$bin" live --no-tui --json --duration $((secs + 6)) --input latin.monitor --device latout \
  -a neutral -b neutral "$@" >"$dir/live.jsonl" 2>"$dir/live.err" &
live=$!
LIVE_STACK_PIDS="$LIVE_STACK_PIDS $live"
# Let live start (it waits for the capture's first block, then fills its buffer).
sleep 4
paplay -d both "$dir/clicks.wav"
wait "$live"
status=$?
sleep 0.5
kill "${LIVE_STACK_PIDS%% *}" 2>/dev/null
sleep 0.3
[ "$status" = 0 ] || { echo "live-latency: iemsim live failed ($status)"; cat "$dir/live.err"; exit 1; }
python3 - "$dir/out.raw" "$dir/live.jsonl" <<'EOF'
import json, sys
import numpy as np
rate = 48000
raw = np.fromfile(sys.argv[1], dtype="<i2")
x = raw[: len(raw) // 2 * 2].reshape(-1, 2)[:, 0]
env = np.abs(x.astype(np.float64))
# Clicks: local maxima above a third of the loudest, at least 20 ms apart.
thr = env.max() / 3
idx = []
for i in np.flatnonzero(env > thr):
    if idx and i - idx[-1] < rate // 50:
        if env[i] > env[idx[-1]]:
            idx[-1] = i
        continue
    idx.append(i)
# Each 0.5 s slot holds the direct click first, then the one through iemsim.
pairs = []
k = 0
while k + 1 < len(idx):
    d = idx[k + 1] - idx[k]
    if d < rate * 0.45:
        pairs.append(d / rate * 1e3)
        k += 2
    else:
        k += 1
end = [json.loads(l) for l in open(sys.argv[2]) if '"end"' in l]
if not pairs:
    print(f"live-latency: no click pairs found ({len(idx)} clicks)")
    sys.exit(1)
p = np.array(pairs)
print(f"live-latency: measured on the sound: {len(p)} clicks, median {np.median(p):.1f} ms, "
      f"range {p.min():.1f}-{p.max():.1f} ms")
if end:
    lat = end[0]["latency"]
    print(f"live-latency: live's own --json sum of parts at the end: {lat['total_s']*1e3:.1f} ms "
          f"(capture {lat['capture_s']*1e3:.1f}, rings {(lat['capture_ring_s']+lat['output_ring_s'])*1e3:.1f}, "
          f"resampler {lat['resampler_s']*1e3:.1f}, output {lat['output_s']*1e3:.1f}); "
          f"underruns {end[0]['underruns']}, overruns {end[0]['overruns']}")
EOF
