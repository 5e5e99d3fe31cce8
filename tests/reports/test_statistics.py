"""The numbers: agreement with sampling's single-design functions and with STATS.md formulas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reports.build import build_context
from reports.inputs import check_responses
from reports.statistics import breakdown, topline
from reports.synthetic import synthetic_meta, synthetic_responses
from reports.weighting import weight_poll
from sampling.estimation import estimate
from sampling.intervals import margin_of_error
from sampling.significance import difference


def test_pew_margin_of_error_by_hand() -> None:
    # 1.96·sqrt(0.8·0.2/107) = 0.0758 → ±7.6 points (STATS.md, Pew practice)
    assert round(100 * margin_of_error(107, p=0.8, deff=1.0).value, 1) == 7.6
    assert round(100 * margin_of_error(107, p=0.5, deff=1.0).value, 1) == 9.5


@pytest.fixture(scope="module")
def us_poll():
    meta = synthetic_meta(countries=("US",))
    votes = check_responses(meta, synthetic_responses(meta, 400, seed=5))
    return meta, weight_poll(votes)


def test_single_country_equals_sampling_estimate(us_poll) -> None:
    meta, w = us_poll
    result = w.pooled.by_country["US"]
    ours = topline(w, meta, audience="staff")
    for e in ours.estimates:
        ref = estimate(w.sample, result, f"option:{e.option}").iloc[0]
        assert e.share == pytest.approx(ref.estimate, rel=1e-12)
        assert e.se == pytest.approx(ref.se, rel=1e-9)
        # The published precision: 1.96·√(p(1−p)/effective n), Kish's effective n of the weights.
        assert e.precision.half_width == pytest.approx(
            1.96 * np.sqrt(ref.estimate * (1 - ref.estimate) * result.design_effect / 400), abs=5e-4
        )
    assert ours.design_effect == pytest.approx(result.design_effect)


def test_group_vs_rest_equals_sampling_difference(us_poll) -> None:
    meta, w = us_poll
    s = w.sample.assign(
        y=w.sample["option:valuable"].astype(float), g=np.where(w.sample["group"] == "surgical", "in", "out")
    )
    ref = difference(s, w.pooled.by_country["US"], "y", "g", "in", "out")
    row = next(r for r in breakdown(w, meta, "specialty_group", audience="staff").rows if r.key == "surgical")
    ours = next(e for e in row.estimates if e.option == "valuable")
    assert ours.difference == pytest.approx(ref.estimate)
    assert ours.p_value == pytest.approx(ref.p_value)


@pytest.fixture(scope="module")
def two_countries():
    meta = synthetic_meta(countries=("US", "NZ"))
    votes = check_responses(meta, synthetic_responses(meta, 600, seed=2))
    return meta, weight_poll(votes)


def test_pooled_topline_equals_sampling_estimate_on_the_pooled_design(two_countries) -> None:
    meta, w = two_countries
    top = topline(w, meta, audience="staff")
    for e in top.estimates:
        ref = estimate(w.sample, w.pooled, f"option:{e.option}").iloc[0]  # df = n − 2 countries, as R's degf
        assert e.share == pytest.approx(ref.estimate, rel=1e-12)
        assert e.se == pytest.approx(ref.se, rel=1e-9)


def test_pooled_share_is_population_weighted_and_strata_add_variances(two_countries) -> None:
    meta, w = two_countries
    per = {
        c: estimate(w.sample[w.sample["country"] == c], w.pooled.by_country[c], "option:valuable").iloc[0]
        for c in ("US", "NZ")
    }
    shares = w.pooled.population_shares
    pooled = next(e for e in topline(w, meta, audience="staff").estimates if e.option == "valuable")
    assert pooled.share == pytest.approx(sum(shares[c] * per[c].estimate for c in per))
    assert pooled.se**2 == pytest.approx(sum(shares[c] ** 2 * per[c].se ** 2 for c in per), rel=1e-9)


def test_pooled_country_vs_rest_equals_sampling_difference(two_countries) -> None:
    meta, w = two_countries
    s = w.sample.assign(y=w.sample["option:valuable"].astype(float))
    ref = difference(s, w.pooled, "y", "country", "NZ", "US")  # df = n − 2 countries − 1
    row = next(r for r in breakdown(w, meta, "country", audience="staff").rows if r.key == "NZ")
    ours = next(e for e in row.estimates if e.option == "valuable")
    assert ours.difference == pytest.approx(ref.estimate)
    assert ours.p_value == pytest.approx(ref.p_value)


def test_a_country_with_one_respondent_adds_no_variance() -> None:
    # R: options(survey.lonely.psu="certainty"); sampling alone gives NaN (R's default "fail").
    meta = synthetic_meta(countries=("US", "IE"))
    votes = check_responses(meta, synthetic_responses(meta, 0, country_n={"US": 300, "IE": 1}, seed=3))
    w = weight_poll(votes)
    us = w.sample["country"] == "US"
    ref = estimate(w.sample[us], w.pooled.by_country["US"], "option:valuable").iloc[0]
    share = w.pooled.population_shares["US"]
    top = next(e for e in topline(w, meta, audience="staff").estimates if e.option == "valuable")
    assert top.se == pytest.approx(share * ref.se, rel=1e-9)


def test_breakdown_rows_flags_and_marks() -> None:
    meta = synthetic_meta(countries=("US", "UK", "CA"))
    votes = check_responses(
        meta, synthetic_responses(meta, 0, country_n={"US": 600, "UK": 25, "CA": 300}, seed=1)
    )
    w = weight_poll(votes)
    table = breakdown(w, meta, "country", audience="public")
    rows = {r.key: r for r in table.rows}
    assert rows["UK"].small and not rows["US"].small
    assert rows["UK"].suppressed is None  # 25 respondents: flagged, published
    for r in table.rows:
        for e in r.estimates:
            assert e.mark in (None, "higher", "lower")
            if e.mark:
                assert e.p_value < 0.05 and (e.difference > 0) == (e.mark == "higher")


def test_unknown_dimension_and_audience_are_refused(us_poll) -> None:
    meta, w = us_poll
    with pytest.raises(ValueError, match="dimension='age'"):
        breakdown(w, meta, "age")
    with pytest.raises(ValueError, match="audience='press'"):
        build_context(meta, pd.DataFrame(), audience="press")


def test_multiple_choice_shares_need_not_sum_to_one() -> None:
    meta = synthetic_meta(countries=("ES",), multiple=True)
    context = build_context(meta, synthetic_responses(meta, 200, seed=4))
    total = sum(e.share for e in context.topline.estimates)
    assert total > 1.0


def test_marks_only_where_the_test_rejects_on_unflagged_bases() -> None:
    meta = synthetic_meta(countries=("US", "UK", "CA"))
    votes = synthetic_responses(meta, 0, country_n={"US": 600, "UK": 45, "CA": 300}, seed=1)
    votes.loc[votes["country"] == "UK", [f"option:{k}" for k in meta.option_keys]] = [False, True, False]
    context = build_context(meta, votes, audience="staff", locale=("en",))
    rows = {r.key: r for r in context.breakdown("country").rows}
    uk = rows["UK"]
    assert uk.status == "flagged"  # 45 respondents: flagged, so no mark however small the p-value
    assert any(e.p_value is not None and e.p_value < 0.05 for e in uk.estimates)
    assert all(e.mark is None for e in uk.estimates)  # includes its 0% share
    for table in context.breakdowns:
        for r in table.rows:
            for e in r.estimates:
                if e.mark:
                    assert r.status == "ok" and e.p_value < 0.05 and 0 < e.share < 1
                    assert (e.difference > 0) == (e.mark == "higher")
