#!/usr/bin/env bash
# Refresh throughput of the forecasting engine (target: 10 000 series within a 60 s control
# interval on 2 cores): full refit of every series, then steady ticks served from the forecast
# cache with only the due series refitted. See crates/prescale/examples/refresh.rs.
# Usage: bench/refresh.sh [PATHS...] [-- refresh options]
#   bench/refresh.sh                                   # ../shared/data/m4-hourly, 10 000 series, 2 threads
#   bench/refresh.sh ../shared/data/m4-hourly -- --series 2000 --ticks 24
#   bench/refresh.sh ../shared/data/nab/Twitter_volume_*.csv -- --window 2016 --ticks 48
set -euo pipefail
cd "$(dirname "$0")/.."
paths=(); opts=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do paths+=("$1"); shift; done
[ $# -gt 0 ] && shift && opts=("$@")
[ ${#paths[@]} -gt 0 ] || paths=(../shared/data/m4-hourly)
cargo build --release --quiet -p prescale --example refresh
echo "# $(nproc) cores; before: $(uptime)"
target/release/examples/refresh "${paths[@]}" --series 10000 --threads 2 "${opts[@]}"
echo "# after: $(uptime)"
