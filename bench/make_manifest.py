#!/usr/bin/env python3
"""Builds an export manifest (the layout of `prescale evaluate --export DIR`) from the M4 hourly files.

Lets bench/peers.py run without prescale's side. One origin per series, at the end of its training
part; the series file holds training then test values; season 24; no timestamps (M4 gives none).

Usage: bench/make_manifest.py OUT_DIR [--data DIR] [--sample N] [--seed S]
"""
import argparse
import csv
import json
import os
import random
import sys

HORIZON = 48
SEASON = 24
STEP_SECONDS = 3600


def read_rows(path):
    """Returns {id: [value strings]} with the empty trailing cells of ragged rows dropped."""
    with open(path, newline="") as f:
        reader = csv.reader(f)
        next(reader)  # header: "V1","V2",...
        return {row[0]: [v for v in row[1:] if v != ""] for row in reader if row}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--data", default=os.path.join(here, "..", "..", "shared", "data", "m4-hourly"),
                    help="folder with Hourly-train.csv and Hourly-test.csv")
    ap.add_argument("--sample", type=int, default=None, help="keep N series, chosen with --seed")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    train = read_rows(os.path.join(args.data, "Hourly-train.csv"))
    test = read_rows(os.path.join(args.data, "Hourly-test.csv"))
    ids = list(train)  # file order: H1..H414
    if args.sample is not None and args.sample < len(ids):
        keep = set(random.Random(args.seed).sample(ids, args.sample))
        ids = [i for i in ids if i in keep]

    os.makedirs(os.path.join(args.out_dir, "series"), exist_ok=True)
    series = []
    for sid in ids:
        tr, te = train[sid], test[sid]
        if len(te) != HORIZON:
            sys.exit(f"{sid}: {len(te)} test values, expected {HORIZON}")
        rel = f"series/{sid}.csv"
        with open(os.path.join(args.out_dir, rel), "w") as f:
            f.write("value\n")
            f.writelines(v + "\n" for v in tr + te)
        series.append({"id": sid, "file": rel, "step_seconds": STEP_SECONDS, "start_unix": None,
                       "season": SEASON, "origins": [len(tr)]})
    manifest = {"dataset": "m4-hourly", "horizon": HORIZON, "series": series}
    with open(os.path.join(args.out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    print(f"wrote {len(series)} series to {args.out_dir}", file=sys.stderr)


if __name__ == "__main__":
    main()
