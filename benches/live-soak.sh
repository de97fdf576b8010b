#!/usr/bin/env bash
# Soak benchmark for `iemsim live`: two clocks at two rates, for as long as you ask.
#
#   benches/live-soak.sh [SECONDS] [-- EXTRA IEMSIM LIVE ARGS]     (default 600 s)
#
# It starts a private PulseAudio server (nothing of the desktop's is touched) with two null sinks:
# `soakin` at 44.1 kHz, into which sox plays pink noise with a slow tremolo (music-like: never
# silent, its loudness moves) through pacat, and `soakout` at 48 kHz, the output. `iemsim live`
# captures `soakin.monitor` and plays to `soakout` with `--no-tui --json --duration SECONDS
# --switch-every 5`; the two null sinks run on their own timers, so their clocks drift apart like two
# sound cards (by 0.1-0.5 % on a loaded machine). The capture runs at 44.1 kHz
# (IEMSIM_LIVE_INPUT_RATE, default 44100 here), so iemsim's resampler converts the rate and
# follows the drift; IEMSIM_LIVE_INPUT_RATE=48000 leaves the conversion to the server. At the end
# it prints underruns, overruns, resyncs, restarts and the latency `live` measured, with the load
# average before and after (the machine may be shared: say so when you quote the numbers).
#
# Environment: IEMSIM (the binary, default target/release/iemsim: build it first), SOAK_VERBOSE=1
# (the server logs at -vvv), SOAK_KEEP=1 (keep the folder with pa.log, live.jsonl, live.err).
# Needs pulseaudio, pactl, pacat, sox. Exit status: 0 when the run had no underrun, overrun or restart.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
secs=600
if [ $# -gt 0 ] && [ "$1" != "--" ]; then secs=$1; shift; fi
[ "${1:-}" = "--" ] && shift
bin=${IEMSIM:-$here/target/release/iemsim}
for c in pulseaudio pactl pacat sox; do
  command -v "$c" >/dev/null 2>&1 || { echo "live-soak: '$c' is missing" >&2; exit 2; }
done
[ -x "$bin" ] || { echo "live-soak: no $bin (cargo build --release first, or set IEMSIM)" >&2; exit 2; }

# shellcheck source=benches/live-stack.sh
. "$here/benches/live-stack.sh"
live_stack_start soak \
  "module-null-sink sink_name=soakout rate=48000 channels=2 format=float32le norewinds=1" \
  "module-null-sink sink_name=soakin rate=44100 channels=2 format=s16le norewinds=1" || exit 1
dir=$LIVE_STACK_DIR
pactl set-default-sink soakout

# The signal: pink noise, its level swept ±6 dB by a 0.1 Hz tremolo, for longer than the run.
sox -q -n -t raw -r 44100 -c 2 -b 16 -e signed-integer - synth $((secs + 30)) pinknoise \
  tremolo 0.1 50 vol 0.25 2>/dev/null |
  pacat --playback -d soakin --rate 44100 --channels 2 --format s16le --latency-msec 50 &
player=$!
LIVE_STACK_PIDS="$player"
sleep 1

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "live-soak: ${secs} s, soakin 44100 Hz -> iemsim live -> soakout 48000 Hz; load average $load_before"
IEMSIM_LIVE_INPUT_RATE=${IEMSIM_LIVE_INPUT_RATE:-44100} \
  "$bin" live --no-tui --json --duration "$secs" --switch-every 5 --input soakin.monitor \
  --device soakout "$@" >"$dir/live.jsonl" 2>"$dir/live.err"
status=$?
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
grep -v '"event":"switch"' "$dir/live.jsonl"
[ -s "$dir/live.err" ] && [ -z "${IEMSIM_LIVE_TRACE:-}" ] && { echo "---- stderr"; cat "$dir/live.err"; }
if [ "${SOAK_VERBOSE:-}" = 1 ]; then
  # Who ran dry on the server's side: when the app's own stream underruns too, the server (or the
  # whole machine) stalled, not iemsim.
  echo "live-soak: the server saw underruns of the app's stream (pacat) $(grep -c "Implicit underrun of 'pacat'" "$dir/pa.log")" \
    "times, of iemsim's $(grep -c "Implicit underrun of 'ALSA Playback'" "$dir/pa.log") times"
fi
python3 - "$dir/live.jsonl" "$load_before" "$load_after" "$status" <<'EOF'
import json, sys
path, before, after, status = sys.argv[1:5]
events = [json.loads(l) for l in open(path) if l.startswith("{")]
start = next((e for e in events if e.get("event") == "start"), {})
end = next((e for e in events if e.get("event") == "end"), None)
restarts = [e for e in events if e.get("event") == "restart"]
if end is None:
    print(f"live-soak: no end line (exit {status})")
    sys.exit(1)
lat = [e["latency"]["total_s"] * 1e3 for e in events if "latency" in e]
print(f"live-soak: {end['t_s']:.0f} s, input {start.get('input_rate_hz')} Hz -> output "
      f"{start.get('rate_hz')} Hz ({start.get('buffer_frames')} frames/period, target fill "
      f"{start.get('target_fill_ms', 0):.1f} ms)")
print(f"live-soak: underruns {end['underruns']}, overruns {end['overruns']}, resyncs "
      f"{end['resyncs']}, restarts {end['restarts']} ({', '.join(r['reason'] for r in restarts) or '-'})")
print(f"live-soak: latency now {end['latency']['total_s']*1e3:.1f} ms; over the run "
      f"{min(lat):.1f}-{max(lat):.1f} ms (at each switch); clock drift corrected "
      + (f"{end['clock_drift_ppm']:+.0f} ppm" if end.get("clock_drift_ppm") is not None
         else "not measured (under 3 minutes)")
      + f", ratio now {(end['drift_ratio']-1)*1e6:+.0f} ppm")
print(f"live-soak: load average before {before}, after {after}")
sys.exit(0 if end["underruns"] == 0 and end["overruns"] == 0 and end["restarts"] == 0 else 1)
EOF
