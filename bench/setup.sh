#!/usr/bin/env bash
# Creates bench/.venv with the pinned Python peers (statsforecast, prophet, pandas, numpy) of
# bench/peers.py. Idempotent: does nothing when the venv already matches bench/requirements-peers.txt.
# Needs python3.11 and PyPI; nothing else from outside (prophet ships its compiled Stan model).
# Usage: bench/setup.sh   (PYTHON=/path/to/python3.11 to choose the interpreter)
set -euo pipefail
cd "$(dirname "$0")"
req=requirements-peers.txt
venv=.venv
stamp=$venv/.requirements.sha256
python=${PYTHON:-$(command -v python3.11 || command -v python3)}

"$python" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' \
  || { echo "setup.sh: need Python 3.11, got $("$python" --version 2>&1)" >&2; exit 1; }

want=$(sha256sum "$req" | cut -d' ' -f1)
if [[ -x $venv/bin/python && -f $stamp && $(cat "$stamp") == "$want" ]]; then
  echo "bench/.venv is up to date"
else
  [[ -x $venv/bin/python ]] || "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
  echo "$want" > "$stamp"
fi

# Offline check: prophet must fit with the Stan model from its wheel (no download, no compiler),
# statsforecast must fit and give 95 % intervals.
"$venv/bin/python" - <<'PY'
import logging
logging.getLogger("prophet.plot").disabled = True
import numpy as np, pandas as pd
from prophet import Prophet
from statsforecast.models import AutoETS
logging.getLogger("cmdstanpy").addHandler(logging.NullHandler())
logging.getLogger("cmdstanpy").propagate = False
t = np.arange(24 * 14)
y = 10 + np.sin(2 * np.pi * t / 24) + np.random.default_rng(0).normal(0, 0.1, t.size)
df = pd.DataFrame({"ds": pd.date_range("2000-01-03", periods=t.size, freq="h"), "y": y})
m = Prophet(daily_seasonality=True, weekly_seasonality=True, yearly_seasonality=False, interval_width=0.95)
fc = m.fit(df).predict(m.make_future_dataframe(24, freq="h", include_history=False))
assert np.isfinite(fc["yhat"]).all() and (fc["yhat_lower"] < fc["yhat_upper"]).all()
out = AutoETS(season_length=24).fit(y).predict(24, level=[95])
assert np.isfinite(out["mean"]).all() and "lo-95" in out
import prophet, statsforecast
print(f"ok: python 3.11, statsforecast {statsforecast.__version__}, prophet {prophet.__version__},"
      f" pandas {pd.__version__}, numpy {np.__version__}")
PY
