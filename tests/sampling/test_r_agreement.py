"""Agreement with R's survey package (fixtures made by tests/sampling/r/make_fixtures.R).

Tolerances (relative): weights and point estimates 1e-8, linearised SEs 1e-6, JK1 SEs 1e-8,
Rao-Scott statistics 1e-6, svyciprop intervals 1e-6 (R's logit interval comes from an IRLS fit
that stops at ~1e-10).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sampling
from sampling.estimation import estimate
from sampling.significance import difference, rao_scott

HERE = Path(__file__).parent / "r"
DESIGNS = ("base_weighted", "raked", "linear", "logit", "poststratified")
TIGHT = {"tol": 1e-12, "max_iter": 200}


def rel(ours, theirs) -> float:
    ours, theirs = np.asarray(ours, dtype=float), np.atleast_1d(np.asarray(theirs, dtype=float))
    return float(np.max(np.abs(ours / theirs - 1)))


@pytest.fixture(scope="module")
def fixtures() -> dict:
    return json.loads((HERE / "fixtures.json").read_text())


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return pd.read_csv(HERE / "sample.csv", dtype={"age_band": str})


@pytest.fixture(scope="module")
def targets() -> dict:
    return json.loads((HERE / "targets.json").read_text())


@pytest.fixture(scope="module")
def results(sample, targets) -> dict:
    return {
        "base_weighted": sample["base_weight"].astype(float),
        "raked": sampling.rake(sample, targets, weights="base_weight", **TIGHT),
        "linear": sampling.calibrate(sample, targets, weights="base_weight", method="linear", **TIGHT),
        "logit": sampling.calibrate(
            sample, targets, weights="base_weight", method="logit", bounds=(0.5, 2.0), **TIGHT
        ),
        "poststratified": sampling.poststratify(
            sample, {"country": targets["country"]}, weights="base_weight"
        ),
    }


@pytest.mark.parametrize("design", DESIGNS[1:])
def test_weights(design, results, fixtures):
    assert rel(results[design].weights, fixtures[design]["weights"]) < 1e-8


@pytest.mark.parametrize(
    ("key", "scaled", "method", "bounds"),
    [
        ("logit", False, "logit", (0.5, 2.0)),  # design weights as given (they sum to about 1.06 n)
        ("logit_scaled", True, "logit", (0.5, 2.0)),  # design weights scaled to sum to n first
        ("linear_bounded", False, "linear", (0.6, 1.8)),  # truncated linear
    ],
)
def test_bounds_apply_to_g_over_the_design_weights_as_given(
    key, scaled, method, bounds, sample, targets, fixtures
):
    base = sample["base_weight"] * (len(sample) / sample["base_weight"].sum() if scaled else 1.0)
    result = sampling.calibrate(sample, targets, weights=base, method=method, bounds=bounds, **TIGHT)
    theirs = fixtures[key]
    assert rel(result.weights, theirs["weights"]) < 1e-8
    g = result.weights / base
    assert bounds[0] - 1e-9 <= g.min() and g.max() <= bounds[1] + 1e-9
    ours = estimate(sample, result, "agree")
    assert rel(ours.estimate, theirs["agree"]["estimate"]) < 1e-8
    assert rel(ours.se, theirs["agree"]["se"]) < 1e-6


@pytest.mark.parametrize("design", DESIGNS)
@pytest.mark.parametrize("variable", ["agree", "score", "opinion"])
def test_means_ses_and_deffs(design, variable, sample, results, fixtures):
    ours = estimate(sample, results[design], variable)
    theirs = fixtures[design][variable]
    assert rel(ours.estimate, theirs["estimate"]) < 1e-8
    assert rel(ours.se, theirs["se"]) < 1e-6
    assert rel(ours.deff, theirs["deff"]) < 1e-6


@pytest.mark.parametrize("design", DESIGNS)
@pytest.mark.parametrize(
    ("variable", "by", "key"), [("agree", "country", "agree_by_country"), ("score", "sex", "score_by_sex")]
)
def test_domains_as_svyby(design, variable, by, key, sample, results, fixtures):
    ours = estimate(sample, results[design], variable, by=by)
    theirs = fixtures[design][key]
    assert ours[by].tolist() == theirs["levels"]
    assert rel(ours.estimate, theirs["estimate"]) < 1e-8
    assert rel(ours.se, theirs["se"]) < 1e-6


@pytest.mark.parametrize("design", DESIGNS)
def test_totals_as_svytotal(design, sample, results, fixtures):
    ours = estimate(sample, results[design], "agree", statistic="total")
    theirs = fixtures[design]["agree_total"]
    assert rel(ours.estimate, theirs["estimate"]) < 1e-8
    assert rel(ours.se, theirs["se"]) < 1e-6


@pytest.mark.parametrize("design", DESIGNS)
@pytest.mark.parametrize(
    ("variable", "method", "key"),
    [
        ("agree", "logit", "ciprop_logit"),
        ("agree", "xlogit", "ciprop_xlogit"),
        ("agree", "beta", "ciprop_beta"),
        ("rare", "beta", "ciprop_rare_beta"),
        ("rare", "logit", "ciprop_rare_logit"),
    ],
)
def test_intervals_as_svyciprop(design, variable, method, key, sample, results, fixtures):
    ours = estimate(sample, results[design], variable, ci=method).iloc[0]
    theirs = fixtures[design][key]
    # R's "logit" estimate is expit of an IRLS coefficient, converged to ~1e-8 only.
    assert rel(ours.estimate, theirs["estimate"]) < (1e-6 if method == "logit" else 1e-8)
    assert rel([ours.ci_low, ours.ci_high], theirs["ci"]) < 1e-6
    assert ours.ci_method == method


@pytest.mark.parametrize("design", DESIGNS)
@pytest.mark.parametrize(
    ("row", "column", "key"),
    [("specialty", "opinion", "chisq_specialty_opinion"), ("sex", "agree", "chisq_sex_agree")],
)
def test_rao_scott_as_svychisq(design, row, column, key, sample, results, fixtures):
    theirs = fixtures[design][key]
    f = rao_scott(sample, results[design], row, column, statistic="F")
    assert rel(f.statistic, theirs["F"]) < 1e-6
    assert rel([f.df, f.ddf], [theirs["ndf"][0], theirs["ddf"][0]]) < 1e-6
    assert rel(f.p_value, theirs["p_F"]) < 1e-6
    chisq = rao_scott(sample, results[design], row, column, statistic="Chisq")
    assert rel(chisq.statistic, theirs["chisq"]) < 1e-6
    assert chisq.df == theirs["df"][0]
    assert rel(chisq.p_value, theirs["p_chisq"]) < 1e-6


def test_domain_difference_as_svyglm_contrast(sample, results, fixtures):
    ours = difference(sample, results["raked"], "agree", "sex", "female", "male")
    theirs = fixtures["difference_agree_female_male"]
    assert rel(ours.estimate, theirs["estimate"]) < 1e-8
    assert rel(ours.se, theirs["se"]) < 1e-6


@pytest.mark.slow
@pytest.mark.parametrize(
    ("design", "key"),
    [
        ("base_weighted", "jk1_base_weighted"),
        ("raked", "jk1_raked"),
        ("poststratified", "jk1_poststratified"),
    ],
)
def test_jk1_rereaked_per_replicate(design, key, sample, results, fixtures):
    theirs = fixtures[key]
    for variable in ("agree", "opinion"):
        ours = estimate(sample, results[design], variable, variance="jackknife")
        assert rel(ours.estimate, theirs[variable]["estimate"]) < 1e-8
        assert rel(ours.se, theirs[variable]["se"]) < 1e-8
    ours = estimate(sample, results[design], "agree", by="country", variance="jackknife")
    assert rel(ours.se, theirs["agree_by_country"]["se"]) < 1e-8


@pytest.fixture(scope="module")
def pooled(sample):
    spec = json.loads((HERE / "pooled_targets.json").read_text())
    return sampling.pooling.pool(
        sample, spec["frames"], weights="base_weight", population=spec["population"], **TIGHT
    )


def test_pooled_countries_as_stratified_design(sample, pooled, fixtures):
    theirs = fixtures["pooled"]
    assert rel(pooled.weights, theirs["weights"]) < 1e-8
    for variable in ("agree", "score", "opinion"):
        ours = estimate(sample, pooled, variable)
        assert rel(ours.estimate, theirs[variable]["estimate"]) < 1e-8
        assert rel(ours.se, theirs[variable]["se"]) < 1e-6
        assert rel(ours.deff, theirs[variable]["deff"]) < 1e-6
    by_country = estimate(sample, pooled, "agree", by="country")
    assert rel(by_country.se, theirs["agree_by_country"]["se"]) < 1e-6
    total = estimate(sample, pooled, "agree", statistic="total")
    assert rel(total.se, theirs["agree_total"]["se"]) < 1e-6
    for method in ("logit", "xlogit", "beta"):
        row = estimate(sample, pooled, "agree", ci=method).iloc[0]
        assert rel([row.ci_low, row.ci_high], theirs[f"ciprop_{method}"]["ci"]) < 1e-6
    for statistic, keys in (("F", ("F", "ndf", "ddf", "p_F")), ("Chisq", ("chisq", "p_chisq"))):
        test = rao_scott(sample, pooled, "specialty", "opinion", statistic=statistic)
        ours = (
            [test.statistic, test.df, test.ddf, test.p_value]
            if statistic == "F"
            else [test.statistic, test.p_value]
        )
        assert rel(ours, [theirs["chisq_specialty_opinion"][k][0] for k in keys]) < 1e-6


@pytest.mark.slow
def test_pooled_jkn_rereaked_per_replicate(sample, pooled, fixtures):
    ours = estimate(sample, pooled, "agree", variance="jackknife")
    assert rel(ours.se, fixtures["jkn_pooled"]["agree"]["se"]) < 1e-8


def test_pooled_domain_difference(sample, pooled, fixtures):
    ours = difference(sample, pooled, "agree", "sex", "female", "male")
    theirs = fixtures["pooled_difference_agree_female_male"]
    assert rel(ours.estimate, theirs["estimate"]) < 1e-8
    assert rel(ours.se, theirs["se"]) < 1e-6
