"""Population frames: shipped targets per country, recoding maps, user frame files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sampling
from sampling import population
from sampling.taxonomy import SPECIALTIES


def test_every_published_row_keeps_source_year_and_definition():
    rows = population.published_rows()
    assert rows[["source", "year", "definition"]].notna().all().all()
    assert len(rows) == sum(
        len(pd.read_csv(p))
        for p in population.DATA_DIR.glob("*.csv")
        if p.name not in ("sources.csv", "specialty_schemes.csv", "picks.csv")
    )


@pytest.mark.parametrize(
    "name, code", [("US", "US"), ("united kingdom", "UK"), ("Spain", "ES"), ("México", "MX"), ("gb", "UK")]
)
def test_country_codes_and_names(name, code):
    assert population.country_code(name) == code


def test_unknown_country():
    with pytest.raises(ValueError, match="unknown country 'Atlantis': use one of US, UK, CA"):
        population.targets("Atlantis")


def test_us_specialty_margin_is_the_aamc_report():
    t = population.targets("US")
    assert set(t["specialty"]) == set(SPECIALTIES)
    us = pd.read_csv(population.DATA_DIR / "us.csv")
    counts = us[us["dimension"] == "specialty"].set_index("category")["count"]
    assert t["specialty"]["cardiology"] == pytest.approx(22262 / counts.sum())
    assert t["sex"] == pytest.approx({"female": 0.371, "male": 0.629})
    assert t["age_band"] == pytest.approx({"55 and over": 0.467, "under 55": 0.533})
    assert t.missing == ()
    margin = t.margins["specialty"]
    assert (margin.source, margin.year) == (
        "US-AAMC-PSDR2022",
        "2021",
    ) and "active physicians" in margin.definition


def test_coarse_frames_collapse_canonical_codes():
    ca = population.targets("CA", ["specialty"])
    assert ca["specialty"] == pytest.approx({"general_practice": 38259 / 74505, "specialist": 36246 / 74505})
    recoded = ca.recode_specialty(pd.Series(["cardiology", "family_medicine", "specialist"]))
    assert recoded.tolist() == ["specialist", "general_practice", "specialist"]
    au = population.targets("AU")
    assert au.recode_specialty(pd.Series(["nephrology", "orthopedic_surgery"])).tolist() == [
        "Physician",
        "Surgery",
    ]
    assert au.margins["specialty"].scheme == "au_mba"
    with pytest.raises(
        ValueError, match=r"specialty has values \['cardiologist'\] that are not canonical codes"
    ):
        ca.recode_specialty(pd.Series(["cardiologist"]))


def test_age_bands_collapse_to_the_source_bands():
    assert population.collapse_age_band(pd.Series(["under 35", "55-64"])).tolist() == [
        "under 55",
        "55 and over",
    ]
    assert population.targets("IE").recode_age_band(pd.Series(["45-54"])).tolist() == ["under 55"]
    es = population.targets("ES")["age_band"]
    assert es["65 and over"] == pytest.approx((16179 + 21550) / 247958)
    assert sum(population.targets("AU")["age_band"].values()) == pytest.approx(1)


@pytest.mark.parametrize(
    "code, missing",
    [
        ("NZ", ("specialty", "age_band")),
        ("ZA", ("sex", "age_band")),
        ("ES", ("specialty",)),
        ("UK", ("age_band",)),
    ],
)
def test_missing_margins_are_listed(code, missing):
    assert population.targets(code).missing == missing


def test_years_in_practice_band_is_always_missing():
    assert population.targets("US", ["years_in_practice_band"]).missing == ("years_in_practice_band",)


def test_targets_object_is_a_frozen_mapping():
    t = population.targets("MX")
    assert dict(t) == {"specialty": t["specialty"], "sex": t["sex"]}
    with pytest.raises(AttributeError):
        t.country = "US"  # type: ignore[misc]
    with pytest.raises(KeyError, match="MX has no 'age_band' margin"):
        t["age_band"]
    assert list(t.sources()["variable"]) == ["specialty", "sex"]


def test_rake_applies_the_frame_recoding():
    rng = np.random.default_rng(3)
    codes = list(SPECIALTIES)
    s = pd.DataFrame({"specialty": rng.choice(codes, 500), "sex": rng.choice(["female", "male"], 500)})
    t = population.targets("CA")
    r = sampling.rake(s, t)
    got = r.weights.groupby(t.recode_specialty(s["specialty"])).sum() / 500
    assert got["specialist"] == pytest.approx(t["specialty"]["specialist"], abs=1e-6)
    again = r.reweight(s, np.ones(500))
    np.testing.assert_allclose(again.weights, r.weights)


def test_country_totals():
    totals = population.country_totals()
    assert list(totals.index) == list(population.COUNTRIES)
    assert totals["UK"] == 313829 and totals["ES"] == 310558
    detail = population.country_totals(detail=True)
    assert (
        detail.loc["US", "count"]
        == population.frame().query("country == 'US' and variable == 'specialty'")["count"].sum()
    )
    assert "sum of the 48 specialty rows" in detail.loc["US", "definition"]


GOOD = """country,variable,level,count,share,source,year,definition
Canada,sex,female,,0.4,MY-SRC,2024,my survey
CA,sex,male,,0.6,MY-SRC,2024,my survey
CA,specialty,general_practice,500,,MY-SRC,2024,my census
CA,specialty,specialist,700,,MY-SRC,2024,my census
CA,total,physicians,1200,,MY-SRC,2024,my census
"""


def test_user_frame_file(tmp_path):
    path = tmp_path / "frame.csv"
    path.write_text(GOOD)
    table = population.load_frame(path)
    t = population.targets("Canada", frame_table=table)
    assert t["sex"] == {"female": 0.4, "male": 0.6}
    assert t["specialty"]["specialist"] == pytest.approx(700 / 1200)
    assert t.total == 1200 and t.missing == ("age_band",)
    assert population.country_totals(table)["CA"] == 1200


@pytest.mark.parametrize(
    "bad_line, message",
    [
        ("Atlantis,sex,female,,0.4,S,2024,d", r"line 2: unknown country 'Atlantis'"),
        ("CA,sex,female,10,0.4,S,2024,d", r"line 2: give exactly one of count and share \(got both\)"),
        ("CA,sex,female,,,S,2024,d", r"line 2: give exactly one of count and share \(got neither\)"),
        ("CA,sex,female,-3,,S,2024,d", r"line 2: count -3.0 is negative"),
        ("CA,sex,female,,40,S,2024,d", r"line 2: share 40.0 is not a proportion"),
        ("CA,sex,woman,,0.4,S,2024,d", r"line 2: sex level 'woman' must be 'female' or 'male'"),
        (
            "CA,specialty,cardiologists,3,,S,2024,d",
            r"line 2: specialty level 'cardiologists' is not a canonical code",
        ),
        ("CA,age_band,30-39,3,,S,2024,d", r"line 2: age_band level '30-39' is not one of Pulse's bands"),
        ("CA,sex,female,,0.4,,2024,d", r"line 2: source is empty"),
        ("CA,sex,female,ten,,S,2024,d", r"line 2: count 'ten' is not a number"),
    ],
)
def test_bad_frame_rows_name_the_line(tmp_path, bad_line, message):
    path = tmp_path / "bad.csv"
    path.write_text("country,variable,level,count,share,source,year,definition\n" + bad_line + "\n")
    with pytest.raises(ValueError, match=message):
        population.load_frame(path)


def test_bad_frame_groups_name_the_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(GOOD + "CA,sex,male,,0.1,S,2024,d\n")
    with pytest.raises(ValueError, match=r"line 7: sex='male' for CA repeats line 3"):
        population.load_frame(path)
    path.write_text(GOOD.replace("0.6", "0.5"))
    with pytest.raises(ValueError, match=r"line 2: sex shares for CA sum to 0.9, not 1"):
        population.load_frame(path)
    path.write_text("country,variable,level\nCA,sex,female\n")
    with pytest.raises(ValueError, match=r"missing column\(s\) \['source', 'year', 'definition'\]"):
        population.load_frame(path)
