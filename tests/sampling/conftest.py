"""Fixtures for the sampling tests: small respondent tables whose weights can be worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.fixture
def two_by_two() -> pd.DataFrame:
    """Six respondents: cells (f,y)=1, (f,o)=1, (m,y)=1, (m,o)=3."""
    return pd.DataFrame(
        {"sex": ["f", "f", "m", "m", "m", "m"], "age": ["y", "o", "y", "o", "o", "o"]},
        index=[10, 11, 12, 13, 14, 15],
    )


@pytest.fixture
def even_targets() -> dict[str, dict[str, float]]:
    return {"sex": {"f": 0.5, "m": 0.5}, "age": {"y": 0.5, "o": 0.5}}


def make_sample(n: int = 2000, seed: int = 7) -> pd.DataFrame:
    """A skewed sample of physicians with Pulse's variable names."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "sex": rng.choice(["female", "male"], n, p=[0.3, 0.7]),
            "age_band": rng.choice(
                ["under 35", "35-44", "45-54", "55-64", "65 and over"], n, p=[0.1, 0.2, 0.3, 0.3, 0.1]
            ),
            "region": rng.choice(list("abcd"), n, p=[0.4, 0.3, 0.2, 0.1]),
        }
    )


@pytest.fixture
def sample() -> pd.DataFrame:
    return make_sample()


@pytest.fixture
def sample_targets() -> dict[str, dict[str, float]]:
    return {
        "sex": {"female": 0.45, "male": 0.55},
        "age_band": {"under 35": 0.2, "35-44": 0.25, "45-54": 0.25, "55-64": 0.2, "65 and over": 0.1},
        "region": {"a": 0.25, "b": 0.25, "c": 0.25, "d": 0.25},
    }
