#!/usr/bin/env bash
# prescale vs statsforecast/prophet on exactly the same series, origins and horizons, one core each.
# Usage: bench/compare.sh NAME [prescale evaluate arguments...] [-- peers.py arguments...]
#   bench/compare.sh m4 ../shared/data/m4-hourly -- --models sf-snaive,sf-autoets,sf-mstl,prophet
#   bench/compare.sh nab --horizon 12 --origins 5 --max-history 4032 ../shared/data/nab/nyc_taxi.csv
set -euo pipefail
cd "$(dirname "$0")/.."
name=$1; shift
ours=(); peers=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do ours+=("$1"); shift; done
[ $# -gt 0 ] && shift && peers=("$@")
out=bench/out/$name
mkdir -p bench/out
[ -x bench/.venv/bin/python ] || bench/setup.sh
cargo build --release --quiet
rm -rf "$out"
RAYON_NUM_THREADS=1 target/release/prescale evaluate --json --export "$out" "${ours[@]}" > "$out.prescale.json"
bench/.venv/bin/python bench/peers.py "$out" "${peers[@]}" --out "$out.peers.json" 2> "$out.peers.log"
python3 bench/compare.py "$out.prescale.json" "$out.peers.json"
