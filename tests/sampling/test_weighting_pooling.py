"""Pooling countries: each weighted to its own frame, then combined by population share."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sampling import pooling, population

SEX = {"sex": {"female": 0.5, "male": 0.5}}


@pytest.fixture
def two_countries() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "country": ["ES", "ES", "ES", "New Zealand", "NZ"],
            "sex": ["female", "male", "male", "female", "male"],
        }
    )


def test_population_share_scaling(two_countries):
    r = pooling.pool(two_countries, {"Spain": SEX, "NZ": SEX}, population={"ES": 300, "NZ": 100})
    # Spain: 1.5, 0.75, 0.75 within (sum 3) → scaled to 5 × 0.75 = 3.75; NZ: 1, 1 → 5 × 0.25 = 1.25.
    np.testing.assert_allclose(r.weights, [1.875, 0.9375, 0.9375, 0.625, 0.625])
    table = r.countries().set_index("country")
    assert table.loc["ES", "weight_total"] == pytest.approx(3.75)
    assert r.population_shares == {"ES": 0.75, "NZ": 0.25} and r.converged


def test_country_by_country_keeps_own_weights(two_countries):
    r = pooling.pool(
        two_countries, {"ES": SEX, "NZ": SEX}, population={"ES": 300, "NZ": 100}, combine="country"
    )
    np.testing.assert_allclose(r.weights, [1.5, 0.75, 0.75, 1, 1])


def test_default_population_is_the_shipped_totals(two_countries):
    r = pooling.pool(two_countries, {"ES": population.targets("ES", ["sex"]), "NZ": population.targets("NZ")})
    totals = population.country_totals()
    assert r.population_shares["ES"] == pytest.approx(totals["ES"] / (totals["ES"] + totals["NZ"]))


def test_missing_frames_and_unknown_options_are_refused(two_countries):
    with pytest.raises(ValueError, match="respondents from NZ have no frame"):
        pooling.pool(two_countries, {"ES": SEX})
    with pytest.raises(ValueError, match="frames given for US but no respondents"):
        pooling.pool(two_countries, {"ES": SEX, "NZ": SEX, "US": SEX})
    with pytest.raises(TypeError, match="unexpected keyword argument 'tolerance'"):
        pooling.pool(two_countries, {"ES": SEX, "NZ": SEX}, tolerance=1)
    with pytest.raises(ValueError, match="combine='mean'"):
        pooling.pool(two_countries, {"ES": SEX, "NZ": SEX}, combine="mean")


def test_reweight_pooled(two_countries):
    r = pooling.pool(two_countries, {"ES": SEX, "NZ": SEX}, population={"ES": 300, "NZ": 100})
    again = r.reweight(two_countries, pd.Series([1.0, 2, 1, 1, 1]))
    assert again.weights.sum() == pytest.approx(5)
    assert again.weights.iloc[1] == pytest.approx(2 * again.weights.iloc[2])
