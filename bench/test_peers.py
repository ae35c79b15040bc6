"""Unit tests of bench/peers.py's scoring and manifest reading (numpy only; no model is fitted).

Run: PYTHONDONTWRITEBYTECODE=1 bench/.venv/bin/python -m unittest discover -s bench -p 'test_*.py'
"""
import json
import os
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402


class Scoring(unittest.TestCase):
    def test_smape_counts_a_zero_over_zero_step_as_zero(self):
        train = np.array([1.0, 2.0, 3.0, 4.0])
        _, smape, _ = peers.score(train, np.array([0.0, 2.0]), np.array([0.0, 1.0]), None, None, 2)
        self.assertAlmostEqual(smape, (0.0 + 200 * 1 / 3) / 2)

    def test_mase_scales_by_the_seasonal_difference_of_the_training_part(self):
        train = np.array([1.0, 5.0, 2.0, 7.0])  # lag-2 differences: 1, 2
        mase, _, _ = peers.score(train, np.array([3.0]), np.array([6.0]), None, None, 2)
        self.assertAlmostEqual(mase, 3.0 / 1.5)

    def test_mase_falls_back_to_lag_one_when_training_is_shorter_than_a_season_plus_one(self):
        self.assertAlmostEqual(peers.mase_scale(np.array([1.0, 3.0, 4.0]), 24), 1.5)

    def test_zero_scale_or_no_known_test_value_is_not_scored(self):
        flat = np.array([2.0, 2.0, 2.0, 2.0])
        self.assertIsNone(peers.score(flat, np.array([1.0]), np.array([1.0]), None, None, 2))
        train = np.array([1.0, 2.0, 3.0])
        self.assertIsNone(peers.score(train, np.array([np.nan]), np.array([1.0]), None, None, 1))

    def test_unknown_test_values_are_skipped_in_every_metric(self):
        train = np.array([0.0, 1.0, 2.0])  # lag-1 scale 1
        test = np.array([1.0, np.nan, 3.0])
        mean = np.array([1.0, 100.0, 1.0])
        lo, hi = mean - 1, mean + 1
        mase, smape, cov = peers.score(train, test, mean, lo, hi, 1)
        self.assertAlmostEqual(mase, 1.0)
        self.assertAlmostEqual(smape, (0 + 200 * 2 / 4) / 2)
        self.assertAlmostEqual(cov, 0.5)

    def test_interval_bounds_are_inclusive(self):
        train = np.array([0.0, 1.0, 2.0])
        *_, cov = peers.score(train, np.array([1.0, 2.0]), np.array([1.5, 1.5]),
                              np.array([1.0, 1.0]), np.array([2.0, 2.0]), 1)
        self.assertEqual(cov, 1.0)


class Choices(unittest.TestCase):
    def test_mstl_adds_a_week_only_for_a_daily_season_with_two_weeks_of_training(self):
        self.assertTrue(peers.weekly_fits(24, 3600, 336))
        self.assertFalse(peers.weekly_fits(24, 3600, 335))
        self.assertFalse(peers.weekly_fits(12, 3600, 10_000))  # half a day is not a daily season
        self.assertTrue(peers.weekly_fits(288, 300, 4032))

    def test_autoets_goes_non_seasonal_above_the_cap(self):
        self.assertEqual(peers.ets_season(24, 24), 24)
        self.assertEqual(peers.ets_season(48, 24), 1)
        self.assertEqual(peers.ets_season(48, 0), 48)

    def test_smaller_samples_are_subsets_of_larger_ones(self):
        order = peers.sample_order([f"H{i}" for i in range(100)], 0)
        self.assertEqual(order, peers.sample_order([f"H{i}" for i in range(100)], 0))
        self.assertTrue(set(order[:10]) <= set(order[:30]))


def write_export(d, text, origins):
    """A one-series export in `d`: series/a.csv holding `text`."""
    os.makedirs(os.path.join(d, "series"))
    with open(os.path.join(d, "series", "a.csv"), "w") as f:
        f.write(text)
    with open(os.path.join(d, "manifest.json"), "w") as f:
        json.dump({"dataset": "t", "horizon": 2, "series": [
            {"id": "a", "file": "series/a.csv", "step_seconds": 60, "start_unix": None,
             "season": 1, "origins": origins}]}, f)


class Manifest(unittest.TestCase):
    def test_empty_lines_are_unknown_values(self):
        with tempfile.TemporaryDirectory() as d:
            write_export(d, "value\n1\n2.5\n\n4\n", [2])
            _, values, trains = peers.load_manifest(d)
        np.testing.assert_array_equal(values["a"], [1.0, 2.5, np.nan, 4.0])
        self.assertEqual(trains["a"], {})

    def test_models_fit_on_the_filled_training_column_of_their_origin(self):
        # As `prescale evaluate --export` writes a gappy series: the engine drops the leading
        # unknown and fills the rest; each origin has its own column (a gap that ends the
        # training part is continued, not interpolated towards the value after it).
        text = "value,train_4,train_5\n,,\n1,1,1\n,2,2\n3,3,3\n,,3\n6,,\n"
        with tempfile.TemporaryDirectory() as d:
            write_export(d, text, [4, 5])
            _, values, trains = peers.load_manifest(d)
        y, t = values["a"], trains["a"]
        np.testing.assert_array_equal(y, [np.nan, 1.0, np.nan, 3.0, np.nan, 6.0])
        fit_on, dropped = peers.training_part(y, t, 4)
        np.testing.assert_array_equal(fit_on, [1.0, 2.0, 3.0])
        self.assertEqual(dropped, 1)
        fit_on, dropped = peers.training_part(y, t, 5)
        np.testing.assert_array_equal(fit_on, [1.0, 2.0, 3.0, 3.0])
        self.assertEqual(dropped, 1)

    def test_without_a_filled_column_leading_unknowns_are_dropped_and_gaps_stay(self):
        y = np.array([np.nan, np.nan, 1.0, np.nan, 2.0])
        fit_on, dropped = peers.training_part(y, {}, 5)
        np.testing.assert_array_equal(fit_on, [1.0, np.nan, 2.0])
        self.assertEqual(dropped, 2)
        fit_on, dropped = peers.training_part(np.array([np.nan, np.nan]), {}, 2)
        self.assertEqual((len(fit_on), dropped), (0, 2))

    def test_the_mase_scale_uses_the_pairs_of_known_values_of_the_raw_part(self):
        # Lag 1 pairs: (1, nan), (nan, 3), (3, 4): only the last one is known.
        self.assertAlmostEqual(peers.mase_scale(np.array([1.0, np.nan, 3.0, 4.0]), 1), 1.0)
        self.assertTrue(np.isnan(peers.mase_scale(np.array([1.0, np.nan, 3.0]), 1)))


if __name__ == "__main__":
    unittest.main()
