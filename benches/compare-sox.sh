#!/usr/bin/env bash
# Export throughput side by side with sox in one run (the bar: iemsim >= 3x faster, constant memory).
#   benches/compare-sox.sh            10-minute 48 kHz 24-bit stereo file, 10 RBJ filters
#   IEMSIM_BENCH_SECONDS=3600 benches/compare-sox.sh   a 1-hour file (memory must stay flat)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v sox >/dev/null || echo "note: sox is not installed (apt-get install -y sox); only iemsim will be timed" >&2
cargo bench --bench export
