#!/usr/bin/env python3
"""Turns `prescale backtest --json` output (stdin) into the Markdown tables of BENCHMARKS.md.

Columns are the policies found in the input (oracle left out), in their order of appearance.
The summary gives, per policy: the median iso-SLO cost ÷ oracle over the traces where it
reaches τU ≤ 0.5 %, the same median counting a trace it never reaches the SLO on as +inf
(the honest median over all traces), how many traces reach the SLO, the median τU at its
default setting and the share of traces with τU ≤ 1 % at default.
"""
import json
import math
import statistics
import sys


def fmt(x, pct=False):
    if x is None or (isinstance(x, float) and math.isinf(x)):
        return "—"
    return f"{x * 100:.2f}" if pct else f"{x:.3f}"


def main():
    doc = json.load(sys.stdin)
    policies = []
    for t in doc:
        for p in t["policies"]:
            if p["policy"] != "oracle" and p["policy"] not in policies:
                policies.append(p["policy"])
    print("| trace | steps × s | " + " | ".join(f"{p} iso-SLO" for p in policies)
          + " | " + " | ".join(f"{p} τU % (default)" for p in policies) + " |")
    print("|" + "---|" * (2 + 2 * len(policies)))
    iso = {p: [] for p in policies}
    tau = {p: [] for p in policies}
    for t in doc:
        rows = {p["policy"]: p for p in t["policies"]}
        cells = [t["trace"], f'{t["steps"]} × {t["step_seconds"]}']
        cells += [fmt(rows[p]["iso_slo_cost_vs_oracle"]) if p in rows else "" for p in policies]
        cells += [fmt(rows[p]["tau_u"], pct=True) if p in rows else "" for p in policies]
        for p in policies:
            if p in rows:
                v = rows[p]["iso_slo_cost_vs_oracle"]
                iso[p].append(math.inf if v is None else v)
                tau[p].append(rows[p]["tau_u"])
        print("| " + " | ".join(cells) + " |")
    print()
    print("| policy | median iso-SLO ÷ oracle (traces reaching it) | median iso-SLO ÷ oracle (all traces, unreached = ∞) "
          "| traces reaching τU ≤ 0.5 % | median τU % at default | traces with τU ≤ 1 % at default |")
    print("|---|---|---|---|---|---|")
    for p in policies:
        reached = [v for v in iso[p] if not math.isinf(v)]
        med = statistics.median(reached) if reached else None
        med_all = statistics.median(iso[p]) if iso[p] else None
        ok = sum(1 for x in tau[p] if x <= 0.01)
        med_tau = statistics.median(tau[p]) if tau[p] else None
        print(f"| {p} | {fmt(med)} | {fmt(med_all)} | {len(reached)}/{len(iso[p])} | {fmt(med_tau, pct=True)} "
              f"| {ok}/{len(tau[p])} |")


if __name__ == "__main__":
    main()
