"""Number formats and press sentences in English and Spanish, checked by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from reports import numbers, wording
from reports.precision import share_precision
from reports.press import press_sentences
from reports.statistics import BaseFigures, Breakdown, OptionEstimate
from reports.suppression import base_status
from reports.synthetic import synthetic_meta
from tests.reports.conftest import normalise


def test_numbers_follow_each_language() -> None:
    assert wording.percent(0.8, "en") == "80%"
    assert wording.percent(0.8, "es") == "80\u00a0%"
    assert wording.percent(0.125, "en") == "13%"  # half up, not to even
    assert wording.points(0.0758, "es") == "7,6"
    assert wording.integer(2276, "en") == "2,276" and wording.integer(2276, "es") == "2.276"  # Babel, CLDR
    assert numbers.points(0.062, "es") == "±6,2" and numbers.points(0.062, "en") == "±6.2"
    assert numbers.percent(0.125, "es") == numbers.percent(0.1251, "es") == "13\u00a0%"


def test_fieldwork_months() -> None:
    a, b = datetime(2014, 7, 28, tzinfo=UTC), datetime(2014, 8, 3, tzinfo=UTC)
    assert wording.fieldwork(b, b, "en") == "August 2014"
    assert wording.fieldwork(a, b, "en") == "July–August 2014"
    assert wording.fieldwork(a, b, "es") == "de julio a agosto de 2014"


def test_spanish_articles_contract() -> None:
    assert wording.population(("UK",), "es") == "los médicos del Reino Unido"
    assert (
        normalise(wording.population(("US", "UK", "CA"), "es"))
        == "los médicos de EE. UU., el Reino Unido y Canadá"
    )
    assert wording.population(("US", "UK"), "en") == "physicians in the US and the UK"


def test_unknown_locale_is_refused() -> None:
    with pytest.raises(ValueError, match="locale='fr'"):
        wording.percent(0.5, "fr")


def _base(key: str, n: int, share: float) -> BaseFigures:
    def est(option: str, p: float) -> OptionEstimate:
        return OptionEstimate(option, p, share_precision(p, float(n)))

    estimates = (est("valuable", share), est("not_valuable", 1 - share), est("unsure", 0.0))
    return BaseFigures(
        key, {"en": key, "es": key}, n, float(n), 1.0, base_status(n, n), None, False, estimates
    )


STATEMENT = {
    "valuable": {
        "en": "say an international medical social network would be valuable",
        "es": "considera que una red social médica internacional sería valiosa",
    }
}


def test_the_release_sentence_is_reproduced() -> None:
    meta = synthetic_meta(countries=("US",))
    top = _base("all", 107, 0.8)
    out = press_sentences(
        meta, top, Breakdown("country", (_base("US", 107, 0.8),)), {"all": 2}, statements=STATEMENT
    )
    assert [s.text for s in out if s.locale == "en"] == [
        "80% of US physicians say an international medical social network would be valuable "
        "(107 US physicians, August 2014; 95% credibility interval ±7.6 points)."
    ]
    es = normalise(next(s.text for s in out if s.locale == "es"))
    assert es == (
        "El 80 % de los médicos de EE. UU. considera que una red social médica internacional sería valiosa "
        "(107 médicos de EE. UU., agosto de 2014; intervalo de credibilidad del 95 %: ±7,6 puntos)."
    )


def test_multi_country_sentences_with_specialties_and_small_bases() -> None:
    meta = synthetic_meta(countries=("US", "UK", "IE"))
    rows = (
        _base("US", 251, 0.83),
        replace(_base("UK", 24, 0.7), pooled=False),
        replace(_base("IE", 9, 0.5), withheld=True, pooled=False),
    )
    out = press_sentences(
        meta,
        _base("all", 284, 0.8),
        Breakdown("country", rows),
        {"all": 16, "US": 16, "UK": 5, "IE": 2},
        locales=("en",),
    )
    texts = [s.text for s in out]
    assert len(texts) == 3  # pooled, US, hedged UK; nothing for Ireland
    assert texts[0].startswith("80% of US physicians answered “Yes, valuable”")  # the pool: the US only
    assert (
        "(251 US physicians from 16 specialties, August 2014; 95% credibility interval ±4.6 points)"
        in texts[1]
    )
    assert texts[2] == "Only 24 UK physicians answered, too few for a reliable percentage."
    assert not any("%" in t for t in texts[2:])


def test_no_sentence_when_the_poll_is_withheld() -> None:
    meta = synthetic_meta()
    top = _base("all", 8, 0.5)
    top = BaseFigures(**{**top.__dict__, "withheld": True})
    assert press_sentences(meta, top, Breakdown("country", ()), {}) == ()
