"""Agreement with R's survey package on the gaps closed by issue 14 (fixtures: r/make_fixtures_gaps.R).

Tolerances (relative): weights and point estimates 1e-8; SEs, test statistics and intervals 1e-6.
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
from sampling.variance import LonelyStratumError

HERE = Path(__file__).parent / "r"
TIGHT = {"tol": 1e-12, "max_iter": 200}


def rel(ours, theirs) -> float:
    ours, theirs = np.asarray(ours, dtype=float), np.atleast_1d(np.asarray(theirs, dtype=float))
    return float(np.max(np.abs(ours / theirs - 1)))


@pytest.fixture(scope="module")
def gaps() -> dict:
    return json.loads((HERE / "gaps.json").read_text())


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return pd.read_csv(HERE / "sample.csv", dtype={"age_band": str})


@pytest.fixture(scope="module")
def targets() -> dict:
    return json.loads((HERE / "targets.json").read_text())


@pytest.fixture(scope="module")
def negative(sample, gaps):
    return sampling.calibrate(sample, gaps["negative"]["targets"], weights="base_weight", **TIGHT)


def test_negative_weights_keep_their_influence_in_the_se(sample, negative, gaps):
    theirs = gaps["negative"]
    assert negative.n_negative == theirs["n_negative"] == 616
    assert rel(negative.weights, theirs["weights"]) < 1e-8
    for variable in ("agree", "score"):
        ours = estimate(sample, negative, variable)
        assert rel(ours.estimate, theirs[variable]["estimate"]) < 1e-8
        assert rel(ours.se, theirs[variable]["se"]) < 1e-6
    # Before the fix the domain SEs dropped the negative-weight respondents (US: 0.0653 for R's 0.0727).
    for variable, by, key in (("agree", "country", "agree_by_country"), ("score", "sex", "score_by_sex")):
        ours = estimate(sample, negative, variable, by=by)
        assert ours[by].tolist() == theirs[key]["levels"]
        assert rel(ours.estimate, theirs[key]["estimate"]) < 1e-8
        assert rel(ours.se, theirs[key]["se"]) < 1e-6


def test_logit_interval_refused_with_negative_weights_as_r(sample, negative, gaps):
    assert gaps["negative"]["logit_refused"] is True
    with pytest.raises(ValueError, match=r"ci='logit' needs non-negative weights.*use ci='xlogit' or 'beta'"):
        estimate(sample, negative, "agree", ci="logit")
    default = estimate(sample, negative, "agree").iloc[0]
    assert default.ci_method == "xlogit"
    assert rel([default.ci_low, default.ci_high], gaps["negative"]["ciprop_xlogit"]["ci"]) < 1e-6
    beta = estimate(sample, negative, "agree", ci="beta").iloc[0]
    assert rel([beta.ci_low, beta.ci_high], gaps["negative"]["ciprop_beta"]["ci"]) < 1e-6


@pytest.fixture(scope="module")
def lonely(sample, gaps):
    spec = gaps["lonely"]
    extra = sample.iloc[[0]].assign(respondent_id=len(sample) + 1, country="NZ")
    data = pd.concat([sample, extra], ignore_index=True)
    result = sampling.pooling.pool(
        data, spec["frames"], weights="base_weight", population=spec["population"], **TIGHT
    )
    return data, result


def test_lonely_country_fails_by_default_as_r(lonely, gaps):
    data, result = lonely
    assert gaps["lonely"]["fail_refused"] is True
    assert rel(result.weights, gaps["lonely"]["weights"]) < 1e-8
    # Before: every SE and deff NaN, yet "beta" intervals returned as if valid.
    with pytest.raises(
        LonelyStratumError, match=r"stratum NZ has only one respondent.*lonely_psu='certainty'"
    ):
        estimate(data, result, "agree")


@pytest.mark.parametrize("rule", ["remove", "certainty", "adjust", "average"])
def test_lonely_psu_rules_as_r(rule, lonely, gaps):
    data, result = lonely
    theirs = gaps["lonely"][rule]
    for variable in ("agree", "score"):
        ours = estimate(data, result, variable, lonely_psu=rule)
        assert rel(ours.estimate, theirs[variable]["estimate"]) < 1e-8
        assert rel(ours.se, theirs[variable]["se"]) < 1e-6
    by_country = estimate(data, result, "agree", by="country", lonely_psu=rule).set_index("country")
    expected = pd.Series(theirs["agree_by_country"]["se"], index=theirs["agree_by_country"]["levels"])
    assert rel(by_country.se[expected.index[expected > 0]], expected[expected > 0]) < 1e-6
    row = estimate(data, result, "agree", lonely_psu=rule).iloc[0]
    assert rel([row.ci_low, row.ci_high], theirs["ciprop_logit"]["ci"]) < 1e-6


def test_undefined_se_gives_no_interval():
    one = pd.DataFrame({"agree": [1]})
    row = estimate(one, None, "agree").iloc[0]
    assert np.isnan(row.se) and np.isnan(row.ci_low) and np.isnan(row.ci_high)


def test_calibrate_raking_as_r_calfun_raking(sample, targets, gaps):
    result = sampling.calibrate(sample, targets, weights="base_weight", method="raking", **TIGHT)
    theirs = gaps["calibrate_raking"]
    assert rel(result.weights, theirs["weights"]) < 1e-8
    raked = sampling.rake(sample, targets, weights="base_weight", **TIGHT)
    assert rel(result.weights, raked.weights) < 1e-8  # the same weights as rake ...
    for variable in ("agree", "score", "opinion"):
        ours = estimate(sample, result, variable)
        assert rel(ours.estimate, theirs[variable]["estimate"]) < 1e-8
        assert rel(ours.se, theirs[variable]["se"]) < 1e-6  # ... with R's GREG-residual variance
    assert rel(estimate(sample, raked, "agree").se, gaps["raked_agree"]["se"]) < 1e-6
    by_country = estimate(sample, result, "agree", by="country")
    assert rel(by_country.se, theirs["agree_by_country"]["se"]) < 1e-6
    total = estimate(sample, result, "agree", statistic="total")
    assert rel(total.se, theirs["agree_total"]["se"]) < 1e-6
    bounded = sampling.calibrate(
        sample, targets, weights="base_weight", method="raking", bounds=(0.6, 1.8), **TIGHT
    )
    assert rel(bounded.weights, gaps["calibrate_raking_bounded"]["weights"]) < 1e-8
    assert rel(estimate(sample, bounded, "agree").se, gaps["calibrate_raking_bounded"]["agree"]["se"]) < 1e-6


@pytest.mark.parametrize(
    ("key", "caps", "strict"),
    [("trimweights", (0.45, 2.2), False), ("trimweights_strict", (None, 2.2), True)],
)
def test_trim_even_spread_as_r_trimweights(key, caps, strict, sample, targets, gaps):
    result = sampling.trim(
        sample, targets, weights="base_weight", bounds=caps, redistribute="even", strict=strict, **TIGHT
    )
    theirs = gaps[key]
    assert rel(result.weights, theirs["weights"]) < 1e-8
    assert rel(estimate(sample, result, "agree").se, theirs["agree"]["se"]) < 1e-6
    assert any("R's trimWeights" in note for note in result.notes)
    if key == "trimweights":
        by_country = estimate(sample, result, "agree", by="country")
        assert rel(by_country.se, theirs["agree_by_country"]["se"]) < 1e-6


@pytest.fixture(scope="module")
def raked(sample, targets):
    return sampling.rake(sample, targets, weights="base_weight", **TIGHT)


@pytest.mark.slow
def test_replicate_design_with_domains_as_r_svrepdesign(sample, raked, gaps):
    theirs = gaps["jk1"]
    by_country = estimate(sample, raked, "agree", by="country", variance="jackknife")
    assert rel(by_country.se, theirs["agree_by_country"]["se"]) < 1e-8
    assert (by_country.df == theirs["degf"]).all()  # rank of the re-raked replicate weights − 1
    row = estimate(sample, raked, "agree", variance="jackknife", ci="logit").iloc[0]
    assert rel([row.ci_low, row.ci_high], theirs["ciprop_logit"]["ci"]) < 1e-6
    row = estimate(sample, raked, "agree", variance="jackknife", ci="beta").iloc[0]
    assert rel([row.ci_low, row.ci_high], theirs["ciprop_beta"]["ci"]) < 1e-6
    score = estimate(sample, raked, "score", variance="jackknife").iloc[0]
    assert rel([score.ci_low, score.ci_high], theirs["score_ci_degf"]) < 1e-6
    for key, (row_var, col_var) in (
        ("chisq_specialty_opinion", ("specialty", "opinion")),
        ("chisq_sex_agree", ("sex", "agree")),
    ):
        f = rao_scott(sample, raked, row_var, col_var, statistic="F", variance="jackknife")
        assert (
            rel(
                [f.statistic, f.df, f.ddf, f.p_value], [theirs[key][k][0] for k in ("F", "ndf", "ddf", "p_F")]
            )
            < 1e-6
        )
        c = rao_scott(sample, raked, row_var, col_var, statistic="Chisq", variance="jackknife")
        assert rel([c.statistic, c.p_value], [theirs[key]["chisq"][0], theirs[key]["p_chisq"][0]]) < 1e-6
    diff = difference(sample, raked, "agree", "sex", "female", "male", variance="jackknife")
    expected = theirs["difference_agree_female_male"]
    assert rel(diff.estimate, expected["estimate"]) < 1e-8
    assert rel(diff.se, expected["se"]) < 1e-6
    assert diff.df == expected["df"][0]


def test_bootstrap_df_is_replicates_less_one(sample, gaps):
    ours = estimate(sample, sample["base_weight"], "agree", variance="bootstrap", replicates=50, seed=3)
    assert ours.df.iloc[0] == gaps["jk1"]["bootstrap_degf"] == 49


@pytest.fixture(scope="module")
def counted(sample, targets, gaps):
    total = gaps["counts"]["total"]
    counts = {v: {lvl: s * total for lvl, s in m.items()} for v, m in targets.items()}
    return sampling.rake(sample, counts, weights="base_weight", **TIGHT)


def test_frame_as_counts_and_deff_with_fpc_as_r(sample, counted, gaps):
    theirs = gaps["counts"]
    assert rel(counted.weights, theirs["weights"]) < 1e-8
    assert counted.weights.sum() == pytest.approx(theirs["total"])
    for variable, key in (("agree", "agree_fpc"), ("score", "score_fpc")):
        ours = estimate(sample, counted, variable, deff="fpc")
        assert rel(ours.se, theirs[key]["se"]) < 1e-6
        assert rel(ours.deff, theirs[key]["deff"]) < 1e-6
        assert "deff=TRUE" in ours.attrs["deff"]
    replace = estimate(sample, counted, "agree")
    assert rel(replace.deff, theirs["agree_replace"]["deff"]) < 1e-6
    total = estimate(sample, counted, "agree", statistic="total", deff="fpc")
    assert rel(total.estimate, theirs["agree_total_fpc"]["estimate"]) < 1e-8
    assert rel(total.deff, theirs["agree_total_fpc"]["deff"]) < 1e-6
    by_country = estimate(sample, counted, "agree", by="country", deff="fpc")
    assert rel(by_country.deff, theirs["agree_by_country_fpc"]["deff"]) < 1e-6


def test_deff_fpc_needs_population_weights(sample, raked):
    with pytest.raises(ValueError, match="deff='fpc' needs weights that sum to the population"):
        estimate(sample, raked, "agree", deff="fpc")


def test_z_or_t_intervals_by_choice_as_r_confint(sample, counted, gaps):
    theirs = gaps["counts"]
    z = estimate(sample, counted, "score", quantile="z").iloc[0]
    assert rel([z.ci_low, z.ci_high], theirs["score_ci_z"]) < 1e-6
    t = estimate(sample, counted, "score").iloc[0]
    assert rel([t.ci_low, t.ci_high], theirs["score_ci_t"]) < 1e-6
    total = estimate(sample, counted, "agree", statistic="total", quantile="z").iloc[0]
    assert rel([total.ci_low, total.ci_high], theirs["agree_total_ci_z"]) < 1e-6
    logit = estimate(sample, counted, "agree", quantile="z").iloc[0]
    assert rel([logit.ci_low, logit.ci_high], theirs["ciprop_logit_z"]["ci"]) < 1e-6


@pytest.mark.parametrize("variable", ["agree", "rare"])
def test_jeffreys_interval_at_the_effective_n(variable, sample, raked, gaps):
    row = estimate(sample, raked, variable, ci="jeffreys").iloc[0]
    assert row.ci_method == "jeffreys"
    assert rel([row.ci_low, row.ci_high], gaps["jeffreys"][variable]) < 1e-6


def test_replicate_logit_interval_of_a_level_nobody_chose(sample, raked):
    part = sample.iloc[:200].assign(none=0)
    result = sampling.rake(part, json.loads((HERE / "targets.json").read_text()), weights="base_weight")
    row = estimate(part, result, "none", variance="jackknife").iloc[0]
    assert row.estimate == 0 and row.ci_low == 0 and row.ci_method == "beta"
