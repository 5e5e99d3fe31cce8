"""Linearised SEs of many estimates at once: the same numbers as one variable at a time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sampling
from sampling.estimation import estimands, estimate
from sampling.variance import RAKING_SWEEPS, design_of, linearized_se, residualize


def backfit_by_column(design, x):
    """R's svyrecvar raking loop as written: x − w·ave(x/w, margin), column by column."""
    psw = np.where(design.weights == 0, 1.0, design.weights)
    x = x.copy()
    for _ in range(RAKING_SWEEPS):
        for codes in design.margins:
            for j in range(x.shape[1]):
                means = np.bincount(codes, weights=x[:, j] / psw) / np.maximum(np.bincount(codes), 1)
                x[:, j] -= psw * means[codes]
    return x


@pytest.fixture
def raked(sample, sample_targets):
    return sampling.rake(sample, sample_targets, tol=1e-10)


def test_vectorised_backfitting_is_rs_loop(sample, raked):
    design = design_of(sample, raked)
    x = np.random.default_rng(0).normal(size=(len(sample), 7))
    np.testing.assert_allclose(residualize(design, x), backfit_by_column(design, x), rtol=0, atol=1e-12)
    # The margins' indicators are kept on the design: a second call gives the same residuals.
    np.testing.assert_array_equal(residualize(design, x), residualize(design, x))


@pytest.mark.parametrize("method", ["rake", "calibrate", "none"])
def test_linearized_se_of_several_variables_matches_estimate(method, sample, raked, sample_targets):
    result = {"rake": raked, "calibrate": sampling.calibrate(sample, sample_targets), "none": None}[method]
    design = design_of(sample, result)
    parts = [estimands(sample, "sex", by="region"), estimands(sample, "age_band")]
    se = linearized_se(design, np.hstack([p.domain for p in parts]), np.hstack([p.values for p in parts]))
    one_at_a_time = np.concatenate(
        [estimate(sample, result, "sex", by="region").se, estimate(sample, result, "age_band").se]
    )
    # A raked margin's own shares have an SE of zero: rounding noise there, so an absolute floor.
    np.testing.assert_allclose(se, one_at_a_time, rtol=1e-10, atol=1e-15)


def test_linearized_se_of_totals():
    s = pd.DataFrame({"y": [1.0, 0.0, 1.0, 1.0]})
    se = linearized_se(design_of(s, None), np.ones((4, 1)), s.to_numpy(), "total")
    assert se[0] == pytest.approx(estimate(s, None, "y", statistic="total").se.iloc[0], rel=1e-12)
