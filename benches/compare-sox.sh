#!/usr/bin/env bash
# Export throughput side by side with sox and ffmpeg in one run (bars: iemsim >= 5x sox and >= 3x
# ffmpeg -filter_threads 1, for 32-bit float and 24-bit dithered output; constant memory), and a
# FLAC row: iemsim's 24-bit FLAC export against flac -5 and ffmpeg encoding its WAV (time, size).
#   benches/compare-sox.sh            10-minute 48 kHz 24-bit stereo file, 10 filters (ParametricEQ.txt)
#   IEMSIM_BENCH_RUNS=5 benches/compare-sox.sh         minimum of 5 runs each (default 3)
#   IEMSIM_BENCH_SECONDS=3600 benches/compare-sox.sh   a 1-hour file (memory must stay flat)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v sox >/dev/null || echo "note: sox is not installed (apt-get install -y sox); it will be skipped" >&2
command -v ffmpeg >/dev/null || echo "note: ffmpeg is not installed (apt-get install -y ffmpeg); it will be skipped" >&2
# The bench times the release binary when its CLI takes `-p FILE.txt`, else export_file in-process.
cargo build --release --quiet
cargo bench --bench export
