#!/usr/bin/env python3
"""Spot table of BENCHMARKS.md from `prescale backtest --json --policies prescale,prescale-on-demand`
(stdin): per trace, the cost saving of prescale's spot/on-demand mix against the same planner on
on-demand instances only, and what interruptions cost in SLO (τU) and unserved demand."""
import json
import statistics
import sys


def main():
    doc = json.load(sys.stdin)
    print("| trace | cost mix ÷ on-demand only | τU % mix | τU % on-demand | unserved % mix "
          "| unserved % on-demand | interruptions |")
    print("|---|---|---|---|---|---|---|")
    ratios, extra_tau, extra_unserved = [], [], []
    for t in doc:
        rows = {p["policy"]: p for p in t["policies"]}
        mix, od = rows.get("prescale"), rows.get("prescale-on-demand")
        if not mix or not od or od["cost"] <= 0:
            continue
        r = mix["cost"] / od["cost"]
        ratios.append(r)
        extra_tau.append(mix["tau_u"] - od["tau_u"])
        extra_unserved.append(mix["unserved"] - od["unserved"])
        print(f'| {t["trace"]} | {r:.3f} | {mix["tau_u"] * 100:.2f} | {od["tau_u"] * 100:.2f} '
              f'| {mix["unserved"] * 100:.3f} | {od["unserved"] * 100:.3f} | {mix["interruptions"]} |')
    if ratios:
        print()
        print(f"median cost ratio {statistics.median(ratios):.3f} "
              f"(saving {100 * (1 - statistics.median(ratios)):.1f} %); "
              f"median extra τU {statistics.median(extra_tau) * 100:+.2f} points, "
              f"median extra unserved {statistics.median(extra_unserved) * 100:+.3f} points")


if __name__ == "__main__":
    main()
