"""Property tests: margins met whenever feasible, positive weights, invariances, base-weight ratios."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sampling

LEVELS = {"a": ["a0", "a1", "a2"], "b": ["b0", "b1"], "c": ["c0", "c1", "c2", "c3"]}


@st.composite
def problems(draw):
    """A sample with every level present (so any positive margins are feasible for raking),
    positive targets and positive base weights."""
    n = draw(st.integers(30, 120))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    columns = {}
    for var, levels in LEVELS.items():
        # every combination occurs at least once: a full cross gives strictly positive IPF solutions
        columns[var] = rng.choice(levels, n)
    full = pd.MultiIndex.from_product(LEVELS.values(), names=list(LEVELS)).to_frame(index=False)
    sample = pd.concat([full, pd.DataFrame(columns)], ignore_index=True)
    targets = {}
    for var, levels in LEVELS.items():
        raw = np.array([draw(st.floats(0.05, 1.0)) for _ in levels])
        targets[var] = dict(zip(levels, raw / raw.sum()))
    base = pd.Series(rng.uniform(0.2, 5.0, len(sample)), index=sample.index)
    return sample, targets, base


FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(problems())
def test_margins_met_and_weights_positive(problem):
    sample, targets, base = problem
    r = sampling.rake(sample, targets, weights=base, tol=1e-9, max_iter=2000)
    assert r.converged and (r.weights > 0).all()
    assert r.margins["weighted"].sub(r.margins["target"]).abs().max() <= 1e-9
    assert np.isclose(r.weights.sum(), len(sample))


@FAST
@given(problems(), st.randoms(use_true_random=False))
def test_row_order_does_not_matter(problem, rnd):
    sample, targets, base = problem
    order = list(sample.index)
    rnd.shuffle(order)
    a = sampling.rake(sample, targets, weights=base, tol=1e-10, max_iter=2000).weights
    b = sampling.rake(sample.loc[order], targets, weights=base.loc[order], tol=1e-10, max_iter=2000).weights
    np.testing.assert_allclose(a.loc[order].to_numpy(), b.to_numpy(), rtol=1e-7)


@FAST
@given(problems(), st.floats(3.0, 1e6))  # totals near 1 are shares; below 2 neither shares nor counts
def test_scaling_targets_only_rescales_the_total(problem, factor):
    sample, targets, base = problem
    shares = sampling.rake(sample, targets, weights=base, tol=1e-10, max_iter=2000).weights
    counts = {v: {lvl: s * factor for lvl, s in m.items()} for v, m in targets.items()}
    scaled = sampling.rake(sample, counts, weights=base, tol=1e-10, max_iter=2000).weights
    np.testing.assert_allclose(scaled.to_numpy() / factor * len(sample), shares.to_numpy(), rtol=1e-7)
    calibrated = sampling.calibrate(sample, counts, weights=base).weights
    np.testing.assert_allclose(calibrated.sum(), factor, rtol=1e-9)


@FAST
@given(problems())
def test_base_weight_ratios_preserved_within_cells(problem):
    sample, targets, base = problem
    r = sampling.rake(sample, targets, weights=base, tol=1e-9, max_iter=2000)
    ratio = (r.weights / base).groupby([sample[v] for v in LEVELS]).agg(["min", "max"])
    np.testing.assert_allclose(ratio["min"], ratio["max"], rtol=1e-12)


@FAST
@given(problems())
def test_linear_calibration_meets_margins_exactly(problem):
    sample, targets, base = problem
    r = sampling.calibrate(sample, targets, weights=base, tol=1e-12)
    assert r.margins["weighted"].sub(r.margins["target"]).abs().max() <= 1e-12
