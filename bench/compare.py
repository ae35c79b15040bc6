#!/usr/bin/env python3
"""Prints prescale vs the peers: `compare.py PRESCALE.json PEERS.json` (both in the schema of
`prescale evaluate --json`). Speed ratios are peer seconds ÷ prescale-auto seconds per series,
both measured on one core."""
import json
import sys


def fmt(x, digits=3, scale=1.0):
    return "—" if x is None else f"{x * scale:.{digits}f}"


def main():
    ours = json.load(open(sys.argv[1]))
    peers = json.load(open(sys.argv[2]))
    auto = next((m for m in ours["models"] if m["model"] == "prescale-auto"), ours["models"][0])
    print(f"{ours['dataset']}: {ours['series']} series, horizon {ours['horizon']}\n")
    print("| model | series-origins | MASE | sMAPE | coverage 95 % | ms per series | prescale-auto is faster by |")
    print("|---|---|---|---|---|---|---|")
    for m in ours["models"] + peers["models"]:
        ratio = m["fit_predict_seconds"] / auto["fit_predict_seconds"] if auto["fit_predict_seconds"] else None
        print(f"| {m['model']} | {m.get('series_scored', '?')} | {fmt(m['mase'])} | {fmt(m['smape'], 2)} "
              f"| {fmt(m['coverage_95'], 1, 100)} | {fmt(m['fit_predict_seconds'], 2, 1000)} "
              f"| {'—' if m['model'].startswith('prescale') else fmt(ratio, 1) + '×'} |")


if __name__ == "__main__":
    main()
