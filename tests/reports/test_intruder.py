"""Issue 11: no withheld count and no option cell of 1–9 respondents can be solved for from what a
public report publishes (the intruder of tests/reports/intruder.py), on randomised polls."""

from __future__ import annotations

import json

import numpy as np
import pytest

from reports.build import build_context
from reports.inputs import option_column
from reports.synthetic import synthetic_meta, synthetic_responses
from tests.reports.intruder import attack


def _naive_release() -> dict:
    """What Pulse published before: an equal-weight base of 11 with whole-percent shares."""
    row = {
        "key": "all",
        "n": 11,
        "design_effect": 1.0,
        "step": 0.01,
        "withheld": False,
        "pooled": True,
        "estimates": [{"option": "a", "share": 0.18}, {"option": "b", "share": 0.82}],
    }
    return {"meta": {"options": [["a", {}], ["b", {}]], "multiple": False}, "topline": row, "breakdowns": []}


def test_the_intruder_recovers_2_of_11_from_a_whole_percentage() -> None:
    bounds, findings = attack(_naive_release())
    assert bounds[("topline", "all", "a")] == (2, 2)
    assert [(f.option, f.value) for f in findings] == [("a", 2), ("b", 9)]


def test_the_intruder_pins_a_single_withheld_row_when_the_total_is_published() -> None:
    report = _naive_release() | {"topline": {**_naive_release()["topline"], "design_effect": 1.9}}
    report["topline"]["n"] = 40
    report["breakdowns"] = [
        {
            "dimension": "country",
            "rows": [
                {
                    "key": "US",
                    "n": 31,
                    "withheld": False,
                    "pooled": True,
                    "design_effect": 1.5,
                    "estimates": [],
                },
                {
                    "key": "IE",
                    "n": None,
                    "withheld": True,
                    "pooled": True,
                    "design_effect": None,
                    "estimates": [],
                },
            ],
        }
    ]
    for row in report["breakdowns"][0]["rows"]:
        row["estimates"] = [{"option": "a", "share": None}, {"option": "b", "share": None}]
    _, findings = attack(report)
    assert any(f.row == "IE" and f.option is None and f.value == 9 for f in findings)


def _public(meta, votes) -> dict:
    context = build_context(meta, votes, locale=("en",))
    return json.loads(json.dumps(context.to_dict()))  # exactly what report.json holds


@pytest.mark.slow
def test_small_cell_poll_gives_the_intruder_nothing(small_cell_poll) -> None:
    meta, votes = small_cell_poll
    _, findings = attack(_public(meta, votes))
    assert findings == []


def test_an_equal_weight_poll_is_rounded_coarsely_enough() -> None:
    # Every respondent alike: no margin can be used, weights are equal, shares are raw shares.
    meta = synthetic_meta(5, ("NZ",))
    votes = synthetic_responses(meta, 41, seed=11)
    votes = votes.assign(specialty="family_medicine", sex="female", age_band="35-44")
    report = _public(meta, votes)
    assert report["topline"]["design_effect"] == 1.0 and report["topline"]["step"] > 0.01
    _, findings = attack(report)
    assert findings == []


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(12))
def test_randomised_polls_give_the_intruder_nothing(seed: int) -> None:
    rng = np.random.default_rng(seed)
    countries = tuple(rng.choice(["US", "UK", "CA", "AU", "IE", "NZ", "ZA", "MX", "ES"], 3, replace=False))
    sizes = {c: int(rng.choice([3, 9, 14, 29, 35, 60, 250])) for c in countries}
    meta = synthetic_meta(seed, countries, multiple=bool(seed % 3 == 0))
    votes = synthetic_responses(meta, 0, country_n=sizes, seed=seed)
    if seed % 4 == 1:  # an option three people chose: cells of 1–9 respondents
        columns = [option_column(k) for k in meta.option_keys]
        for column in columns:
            votes[column] = False
        votes[columns[0]] = True
        votes.loc[votes.index[:3], columns[0]] = False
        votes.loc[votes.index[:3], columns[-1]] = True
    _, findings = attack(_public(meta, votes))
    assert findings == [], (sizes, findings)
