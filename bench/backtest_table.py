#!/usr/bin/env python3
"""Turns `prescale backtest --json` output (stdin) into the Markdown tables of BENCHMARKS.md."""
import json
import statistics
import sys

POLICIES = ["hpa", "aws-predictive", "prescale-naive", "prescale"]


def fmt(x, pct=False):
    if x is None:
        return "—"
    return f"{x * 100:.2f}" if pct else f"{x:.3f}"


def main():
    doc = json.load(sys.stdin)
    print("| trace | steps × s | " + " | ".join(f"{p} iso-SLO" for p in POLICIES)
          + " | " + " | ".join(f"{p} τU % (default)" for p in POLICIES) + " |")
    print("|" + "---|" * (2 + 2 * len(POLICIES)))
    by_policy = {p: [] for p in POLICIES}
    tau = {p: [] for p in POLICIES}
    for t in doc:
        rows = {p["policy"]: p for p in t["policies"]}
        cells = [t["trace"], f'{t["steps"]} × {t["step_seconds"]}']
        cells += [fmt(rows[p]["iso_slo_cost_vs_oracle"]) for p in POLICIES if p in rows]
        cells += [fmt(rows[p]["tau_u"], pct=True) for p in POLICIES if p in rows]
        for p in POLICIES:
            if p in rows:
                if rows[p]["iso_slo_cost_vs_oracle"] is not None:
                    by_policy[p].append(rows[p]["iso_slo_cost_vs_oracle"])
                tau[p].append(rows[p]["tau_u"])
        print("| " + " | ".join(cells) + " |")
    print()
    print("| policy | median iso-SLO cost ÷ oracle | traces reaching τU ≤ 0.5 % | median τU % at default |")
    print("|---|---|---|---|")
    for p in POLICIES:
        med = statistics.median(by_policy[p]) if by_policy[p] else None
        print(f"| {p} | {fmt(med)} | {len(by_policy[p])}/{len(tau[p])} | {fmt(statistics.median(tau[p]), pct=True)} |")


if __name__ == "__main__":
    main()
