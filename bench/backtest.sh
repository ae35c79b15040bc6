#!/usr/bin/env bash
# Reproduces the decision-quality tables of BENCHMARKS.md (full knob sweeps).
# Usage: bench/backtest.sh [DATA_DIR]   (default ../shared/data)
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/data}
cargo build --release --quiet
bin=target/release/prescale
policies=hpa,aws-predictive,prescale,prescale-on-demand,prescale-forecast-only,prescale-uncalibrated
traces=("$data"/nab/Twitter_volume_*.csv "$data"/nab/nyc_taxi.csv
  "$data"/nab/elb_request_count_8c0756.csv "$data"/nasa-http "$data"/crane-dsp)
echo "## Demand traces, standard scenario"
$bin backtest --json --no-report --policies $policies "${traces[@]}" | python3 bench/backtest_table.py
echo
echo "## Generated workloads (prescale demo), standard scenario"
$bin demo --json --no-report --policies $policies | python3 bench/backtest_table.py
echo
echo "## Demand traces, volatile spot market (examples/scenario-spot-volatile.yaml)"
$bin backtest --json --no-report --no-sweep --scenario examples/scenario-spot-volatile.yaml \
  --policies prescale,prescale-on-demand "${traces[@]}" | python3 bench/spot_table.py
echo
echo "## Demand traces, warm pool (examples/scenario-warm-pool.yaml)"
$bin backtest --json --no-report --scenario examples/scenario-warm-pool.yaml \
  --policies prescale-on-demand "${traces[@]}" | python3 bench/backtest_table.py
