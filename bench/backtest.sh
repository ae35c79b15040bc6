#!/usr/bin/env bash
# Reproduces the decision-quality tables of BENCHMARKS.md (standard scenario, full knob sweeps).
# Usage: bench/backtest.sh [DATA_DIR]   (default ../shared/data)
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/data}
cargo build --release --quiet
bin=target/release/prescale
echo "## Demand traces"
$bin backtest --json --no-report "$data"/nab/Twitter_volume_*.csv "$data"/nab/nyc_taxi.csv \
  "$data"/nab/elb_request_count_8c0756.csv "$data"/nasa-http "$data"/crane-dsp \
  | python3 bench/backtest_table.py
echo
echo "## Generated workloads (prescale demo)"
$bin demo --json --no-report | python3 bench/backtest_table.py
