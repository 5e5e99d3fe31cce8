"""Properties of estimate() that hold for any sample (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sampling.estimation import estimate

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True)


@st.composite
def weighted_samples(draw):
    n = draw(st.integers(min_value=6, max_value=40))
    answers = draw(st.lists(st.sampled_from(["yes", "no", "unsure"]), min_size=n, max_size=n))
    groups = draw(st.lists(st.sampled_from(["a", "b"]), min_size=n, max_size=n))
    weights = draw(st.lists(st.floats(min_value=0.2, max_value=5.0), min_size=n, max_size=n))
    scores = draw(st.lists(st.floats(min_value=-10, max_value=10), min_size=n, max_size=n))
    sample = pd.DataFrame(
        {"q": answers, "g": groups, "score": scores, "yes": [1.0 if a == "yes" else 0.0 for a in answers]}
    )
    return sample, pd.Series(weights, dtype=float)


@SETTINGS
@given(weighted_samples())
def test_shares_sum_to_one_within_each_domain(data):
    sample, weights = data
    out = estimate(sample, weights, "q", by="g")
    assert np.allclose(out.groupby("g").estimate.sum(), 1.0)
    assert (out.se >= 0).all()


@pytest.mark.slow
@SETTINGS
@given(weighted_samples(), st.sampled_from(["logit", "xlogit", "beta", "wilson", "clopper-pearson", "wald"]))
def test_intervals_bracket_the_estimate_and_stay_in_unit_interval(data, method):
    sample, weights = data
    out = estimate(sample, weights, "yes", ci=method)
    assert ((out.ci_low <= out.estimate + 1e-12) & (out.estimate <= out.ci_high + 1e-12)).all()
    assert ((out.ci_low >= 0) & (out.ci_high <= 1)).all()


@pytest.mark.slow
@SETTINGS
@given(weighted_samples(), st.floats(min_value=0.01, max_value=100))
def test_scaling_the_weights_changes_only_totals(data, factor):
    sample, weights = data
    mean, scaled = estimate(sample, weights, "score"), estimate(sample, weights * factor, "score")
    assert np.allclose(mean[["estimate", "se"]], scaled[["estimate", "se"]], rtol=1e-9, atol=1e-12)
    total = estimate(sample, weights, "score", statistic="total")
    total_scaled = estimate(sample, weights * factor, "score", statistic="total")
    assert np.allclose(total_scaled.se, total.se * factor, rtol=1e-9, atol=1e-12)


@SETTINGS
@given(st.lists(st.floats(min_value=-5, max_value=5), min_size=3, max_size=30))
def test_jackknife_equals_linearisation_for_unweighted_means(values):
    sample = pd.DataFrame({"y": values})
    lin = estimate(sample, None, "y").se[0]
    jk = estimate(sample, None, "y", variance="jackknife").se[0]
    assert jk == pytest.approx(lin, rel=1e-9, abs=1e-12)
