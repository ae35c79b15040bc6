#!/usr/bin/env python3
"""Scores statsforecast and prophet on the series of a `prescale evaluate --export DIR` manifest.

Same protocol, metrics and JSON schema as `prescale evaluate --json`, so the rows sit side by side:
per series and origin o, train = values[:o], test = values[o:o+horizon] (unknown values skipped);
sMAPE, MASE and 95 % coverage as in M4, each averaged over the scored series-origins. Models fit on
the training part as the engine fills its gaps (the export's `train_<o>` column, see
`training_part`); the MASE scale, like prescale's, comes from the known values of the raw part.

Run it with bench/.venv (bench/setup.sh); see bench/PEERS.md for the commands and the choices made.
"""
# One core for a fair timing: the thread pools read these when numpy and friends are first imported.
import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import math  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

ALL_MODELS = ["sf-snaive", "sf-autoets", "sf-mstl", "sf-autoarima", "prophet"]
LEVEL = 95
DAY, WEEK = 86400, 7 * 86400
# Used when the manifest gives no start_unix: a Monday 00:00 UTC, so weekdays read naturally.
SYNTHETIC_START_UNIX = 946857600  # 2000-01-03


# ---------------------------------------------------------------- data

TRAIN_PREFIX = "train_"


def load_manifest(path):
    """Returns (manifest, {id: values}, {id: {origin: filled training part}}).

    A series file has a `value` column (an empty cell is NaN, unknown) and, when its training parts
    have gaps, one `train_<origin>` column per origin: the training part filled by prescale's own
    gap filling, empty where the engine drops leading unknowns and from the origin on."""
    with open(os.path.join(path, "manifest.json")) as f:
        manifest = json.load(f)
    values, trains = {}, {}
    for s in manifest["series"]:
        with open(os.path.join(path, s["file"]), newline="") as f:
            rows = list(csv.reader(f))
        header = rows[0] if rows else []
        if not header or header[0] != "value" or not all(h.startswith(TRAIN_PREFIX) for h in header[1:]):
            raise ValueError(f"{s['file']}: header {header!r}, expected 'value' then train_<origin> columns")
        columns = [np.array([float(r[j]) if j < len(r) and r[j].strip() else np.nan for r in rows[1:]])
                   for j in range(len(header))]
        values[s["id"]] = columns[0]
        trains[s["id"]] = {int(h[len(TRAIN_PREFIX):]): c for h, c in zip(header[1:], columns[1:])}
    return manifest, values, trains


def training_part(y, trains, o):
    """What a model fits on at origin o, and how many leading steps were dropped: the filled
    `train_<o>` column when the export has one, else the values before o; leading unknown values
    are dropped, as the engine drops them (the part then starts that many steps later)."""
    part = trains.get(o, y)[:o]
    known = np.flatnonzero(~np.isnan(part))
    dropped = int(known[0]) if known.size else len(part)
    return part[dropped:], dropped


def sample_order(ids, seed):
    """One seeded permutation of the ids: a model sampled at N takes its first N, so smaller
    samples are subsets of larger ones (the autoarima sample lies inside the prophet sample)."""
    order = list(ids)
    random.Random(seed).shuffle(order)
    return order


# ---------------------------------------------------------------- metrics (M4)

def mase_scale(train, season):
    """Mean absolute seasonal difference of the training part (lag 1 when it is too short), over
    the pairs of known values, as prescale's accuracy::mase_scale."""
    lag = season if len(train) >= season + 1 else 1
    if len(train) < lag + 1:
        return float("nan")
    diffs = np.abs(train[lag:] - train[:-lag])
    diffs = diffs[~np.isnan(diffs)]
    return float(np.mean(diffs)) if diffs.size else float("nan")


def score(train, test, mean, lo, hi, season):
    """Returns (mase, smape, coverage) over the known test steps, or None when nothing can be
    scored (no known test value, or a zero MASE scale)."""
    known = ~np.isnan(test)
    if not known.any():
        return None
    scale = mase_scale(train, season)
    if not scale > 0:
        return None
    y, f = test[known], mean[known]
    err = np.abs(y - f)
    denom = np.abs(y) + np.abs(f)
    smape_terms = np.where(denom > 0, 200.0 * err / np.where(denom > 0, denom, 1.0), 0.0)
    coverage = None
    if lo is not None and hi is not None:
        coverage = float(np.mean((lo[known] <= y) & (y <= hi[known])))
    return float(np.mean(err) / scale), float(np.mean(smape_terms)), coverage


# ---------------------------------------------------------------- models

def weekly_fits(season, step_seconds, n_train):
    """The weekly period that MSTL adds: only when season is a daily period and two weeks fit."""
    return (step_seconds and DAY % step_seconds == 0 and DAY // step_seconds == season
            and n_train >= 2 * 7 * season)


def ets_season(season, cap):
    """statsforecast's own simulation code (etssimulate, used for the intervals of some
    multiplicative models) still stops at m = 24, as R's ets does; above the cap we fit a
    non-seasonal AutoETS, R's convention. cap <= 0 passes the season through unchanged."""
    return season if cap <= 0 or season <= cap else 1


class StatsforecastPeer:
    """A statsforecast model built per series-origin (its spec depends on season and length)."""

    def __init__(self, name, build):
        self.name, self.build = name, build

    def prepare(self, train, season, step_seconds, start_unix, h):
        return self.build(season, step_seconds, len(train)), train

    @staticmethod
    def fit_predict(model, train, h):
        fitted = model.fit(y=train)
        out = fitted.predict(h=h, level=[LEVEL])
        return out["mean"], out.get(f"lo-{LEVEL}"), out.get(f"hi-{LEVEL}")


class ProphetPeer:
    """prophet with daily and weekly seasonality on real (or synthetic) timestamps."""
    name = "prophet"

    def __init__(self):
        logging.getLogger("prophet.plot").disabled = True  # "Importing plotly failed": no plots here
        import pandas as pd
        from prophet import Prophet
        # cmdstanpy adds an INFO handler unless one exists; two lines per fit would drown the progress.
        stan_log = logging.getLogger("cmdstanpy")
        stan_log.addHandler(logging.StreamHandler())
        stan_log.setLevel(logging.WARNING)
        stan_log.propagate = False
        logging.getLogger("prophet").setLevel(logging.WARNING)
        self.pd, self.Prophet = pd, Prophet

    def prepare(self, train, season, step_seconds, start_unix, h):
        start = SYNTHETIC_START_UNIX if start_unix is None else start_unix
        ts = self.pd.to_datetime(start + step_seconds * np.arange(len(train) + h), unit="s")
        df = self.pd.DataFrame({"ds": ts[:len(train)], "y": train})
        future = self.pd.DataFrame({"ds": ts[len(train):]})
        model = self.Prophet(daily_seasonality=step_seconds < DAY, weekly_seasonality=step_seconds < WEEK,
                             yearly_seasonality=False, interval_width=LEVEL / 100)
        return model, (df, future)

    @staticmethod
    def fit_predict(model, data, h):
        df, future = data
        model.fit(df)
        fc = model.predict(future)
        return fc["yhat"].to_numpy(), fc["yhat_lower"].to_numpy(), fc["yhat_upper"].to_numpy()


def make_peers(names, ets_cap):
    from statsforecast.models import MSTL, AutoARIMA, AutoETS, SeasonalNaive

    def mstl(season, step_seconds, n):
        periods = [season, 7 * season] if weekly_fits(season, step_seconds, n) else [season]
        return MSTL(season_length=periods, trend_forecaster=AutoETS(model="ZZN"))

    builders = {
        "sf-snaive": lambda season, step, n: SeasonalNaive(season_length=season),
        "sf-autoets": lambda season, step, n: AutoETS(season_length=ets_season(season, ets_cap)),
        "sf-mstl": mstl,
        "sf-autoarima": lambda season, step, n: AutoARIMA(season_length=season),
    }
    return [ProphetPeer() if n == "prophet" else StatsforecastPeer(n, builders[n]) for n in names]


def warm_up(peer):
    """One untimed fit on a small series: imports, compiled code and model caches load here."""
    t = np.arange(24 * 14, dtype=float)
    y = 100 + 10 * np.sin(2 * np.pi * t / 24) + np.random.default_rng(0).normal(0, 1, t.size)
    model, data = peer.prepare(y, 24, 3600, None, 48)
    peer.fit_predict(model, data, 48)


# ---------------------------------------------------------------- the run

def progress(total, desc):
    try:
        from tqdm import tqdm
        return tqdm(total=total, desc=desc, file=sys.stderr, leave=True, mininterval=2.0)
    except ImportError:
        return _Counter(total, desc)


class _Counter:
    def __init__(self, total, desc):
        self.total, self.desc, self.n = total, desc, 0

    def update(self, k=1):
        self.n += k
        if self.n == self.total or self.n % 10 == 0:
            print(f"{self.desc}: {self.n}/{self.total}", file=sys.stderr, flush=True)

    def close(self):
        pass


def run_model(peer, manifest, values, trains, ids, per_series):
    """Fits and scores one model on the given series; returns its row of the JSON output."""
    h = manifest["horizon"]
    by_id = {s["id"]: s for s in manifest["series"]}
    jobs = [(by_id[i], o) for i in ids for o in by_id[i]["origins"]]
    rows, failures, unscored = [], [], 0
    bar = progress(len(jobs), peer.name)
    for s, o in jobs:
        y = values[s["id"]]
        train, test = y[:o], y[o:o + h]
        fit_on, dropped = training_part(y, trains.get(s["id"], {}), o)
        start_unix = s.get("start_unix")
        if start_unix is not None:
            start_unix += dropped * s["step_seconds"]
        try:
            if len(fit_on) == 0 or np.isnan(fit_on).any():
                raise ValueError("training part has unknown values or is empty")
            model, data = peer.prepare(fit_on, s["season"], s["step_seconds"], start_unix, h)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t0 = time.perf_counter()
                mean, lo, hi = peer.fit_predict(model, data, h)
                seconds = time.perf_counter() - t0
            mean = np.asarray(mean, dtype=float)[:len(test)]
            lo = None if lo is None else np.asarray(lo, dtype=float)[:len(test)]
            hi = None if hi is None else np.asarray(hi, dtype=float)[:len(test)]
            if not np.isfinite(mean).all():
                raise ValueError("non-finite point forecast")
        except Exception as e:  # noqa: BLE001 - one failing series must not end the run
            failures.append(f"{s['id']}@{o}: {type(e).__name__}: {e}")
            bar.update()
            continue
        scored = score(train, test, mean, lo, hi, s["season"])
        bar.update()
        if scored is None:
            unscored += 1
            continue
        mase, smape, cov = scored
        rows.append((mase, smape, cov, seconds))
        if per_series is not None:
            per_series.writerow([s["id"], o, peer.name, f"{mase:.6f}", f"{smape:.6f}",
                                 "" if cov is None else f"{cov:.6f}", f"{seconds:.6f}"])
    bar.close()
    report_failures(peer.name, len(jobs), failures, unscored)
    return summarize(peer.name, rows)


def report_failures(name, n_jobs, failures, unscored):
    if failures:
        print(f"{name}: {len(failures)} of {n_jobs} series-origins failed and were skipped", file=sys.stderr)
        for line in failures[:10]:
            print(f"  {line}", file=sys.stderr)
        if len(failures) > 10:
            print(f"  ... and {len(failures) - 10} more", file=sys.stderr)
    if unscored:
        print(f"{name}: {unscored} series-origins not scored (no known test value or zero MASE scale)",
              file=sys.stderr)


def summarize(name, rows):
    def mean(k):
        vals = [r[k] for r in rows if r[k] is not None]
        return float(np.mean(vals)) if vals else None

    return {"model": name, "mase": mean(0), "smape": mean(1),
            "coverage_95": mean(2) if all(r[2] is not None for r in rows) else None,
            "fit_predict_seconds": mean(3), "series_scored": len(rows)}


def pin_one_cpu():
    """Keeps the process (and prophet's Stan subprocess) on one core."""
    if hasattr(os, "sched_setaffinity"):
        cpus = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpus[-1]})


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("export_dir", help="folder written by `prescale evaluate --export DIR`")
    ap.add_argument("--models", default=",".join(ALL_MODELS), help=f"comma list of {','.join(ALL_MODELS)}")
    ap.add_argument("--arima-sample", type=int, default=20, help="series for sf-autoarima (seeded)")
    ap.add_argument("--prophet-sample", type=int, default=50, help="series for prophet (seeded)")
    ap.add_argument("--sample", type=int, default=None, help="cap every model at N series (quick runs)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ets-max-season", type=int, default=24,
                    help="AutoETS is fitted non-seasonal above this season (<= 0: no cap)")
    ap.add_argument("--no-pin", action="store_true", help="do not pin the process to one CPU")
    ap.add_argument("--out", help="write the JSON here instead of stdout")
    ap.add_argument("--per-series", help="write per series-origin errors as CSV here")
    args = ap.parse_args(argv)
    args.models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in args.models if m not in ALL_MODELS]
    if unknown:
        ap.error(f"unknown models: {', '.join(unknown)}")
    return args


def main(argv=None):
    args = parse_args(argv)
    if not args.no_pin:
        pin_one_cpu()
    manifest, values, trains = load_manifest(args.export_dir)
    order = sample_order([s["id"] for s in manifest["series"]], args.seed)
    caps = {"sf-autoarima": args.arima_sample, "prophet": args.prophet_sample}
    per_file = open(args.per_series, "w", newline="") if args.per_series else None
    per_series = csv.writer(per_file) if per_file else None
    if per_series:
        per_series.writerow(["id", "origin", "model", "mase", "smape", "coverage_95", "seconds"])
    rows = []
    for peer in make_peers(args.models, args.ets_max_season):
        n = min(x for x in (len(order), caps.get(peer.name), args.sample) if x is not None)
        keep = set(order[:n])
        ids = [s["id"] for s in manifest["series"] if s["id"] in keep]  # manifest order
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            warm_up(peer)
        rows.append(run_model(peer, manifest, values, trains, ids, per_series))
        if per_file:
            per_file.flush()
    if per_file:
        per_file.close()
    doc = {"dataset": manifest["dataset"], "series": len(manifest["series"]),
           "horizon": manifest["horizon"], "models": rows}
    text = json.dumps(doc, indent=2)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
