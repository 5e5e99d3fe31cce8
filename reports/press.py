"""Press sentences in the releases' style, built from the numbers and the templates of :mod:`reports.wording`.

One sentence for the pooled figures and, for a multi-country poll, one per country, each about the
option the pooled figures put first, with that share's one precision figure
(:mod:`reports.precision`). A base too small for a percentage (under 30 respondents or effective
respondents: :func:`reports.suppression.base_status`) gets a hedged sentence with no percentage,
exactly as the charts and tables leave it without one; a base withheld gets none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from reports import numbers, wording
from reports.inputs import PollMeta
from reports.statistics import BaseFigures, Breakdown
from reports.suppression import HEDGED, SUPPRESSED

#: Respondents' distinct specialties from which "from 16 specialties" is worth saying.
MIN_SPECIALTIES_TO_SAY = 3


@dataclass(frozen=True)
class PressSentence:
    """One sentence: its scope ("all" or a country code), locale, kind and text."""

    scope: str
    locale: str
    kind: str
    text: str


def _one(
    meta: PollMeta,
    base: BaseFigures,
    countries: tuple[str, ...],
    option: str,
    locale: str,
    specialties: int,
    statements: Mapping[str, Mapping[str, str]] | None,
) -> PressSentence | None:
    if base.withheld or base.n is None or base.status == SUPPRESSED or not countries:
        return None
    people = wording.population(countries, locale, definite=False)
    if base.status == HEDGED:
        text = wording.sentence("hedged", locale, n=numbers.integer(base.n, locale), population=people)
        return PressSentence(base.key, locale, "hedged", text)
    estimate = next(e for e in base.estimates if e.option == option)
    if estimate.share is None or estimate.precision is None:
        return None
    informative = specialties >= MIN_SPECIALTIES_TO_SAY and (
        meta.specialties is None or len(meta.specialties) > 1
    )
    basis = wording.sentence(
        "basis",
        locale,
        n=numbers.integer(base.n, locale),
        population=people,
        specialties=wording.sentence("specialties", locale, k=str(specialties)).lower()
        if informative
        else "",
        date=wording.fieldwork(meta.opens_at, meta.closes_at, locale),
    )
    fields = {
        "pct": numbers.percent(estimate.share, locale),
        "population": wording.population(countries, locale),
        "basis": basis,
        "precision": wording.precision_clause(estimate.precision, locale),
    }
    statement = (statements or {}).get(option, {}).get(locale)
    if statement:
        text = wording.sentence("statement", locale, statement=statement, **fields)
    else:
        text = wording.sentence(
            "option",
            locale,
            option=meta.option_text(option, locale),
            question=meta.question_text(locale),
            **fields,
        )
    return PressSentence(base.key, locale, "headline", text)


def press_sentences(
    meta: PollMeta,
    topline: BaseFigures,
    countries: Breakdown,
    specialty_counts: Mapping[str, int],
    *,
    locales: tuple[str, ...] = wording.LOCALES,
    statements: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[PressSentence, ...]:
    """Headline sentences for the whole poll and each country, in every locale.

    Args:
        meta: the poll.
        topline: the whole poll's figures.
        countries: the country breakdown.
        specialty_counts: distinct specialties among respondents, per scope ("all" and country codes).
        locales: locales to write.
        statements: optional predicate per option and locale, e.g. ``{"valuable": {"en": "say an
            international medical social network would be valuable", "es": "considera que …"}}``;
            without one the sentence quotes the option and the question.

    Returns:
        Sentences, the whole poll's first, then countries in the poll's order, per locale.

    Example:
        >>> press_sentences(meta, top, by_country, {"all": 16})[0].text  # doctest: +SKIP
        '80% of US physicians answered “Yes” …'

    Reference: AAPOR Code (a published figure states its base, dates and precision).
    """
    if topline.withheld or not topline.estimates or topline.estimates[0].share is None:
        return ()
    option = max(topline.estimates, key=lambda e: (e.share or 0.0, -meta.option_keys.index(e.option))).option
    present = tuple(row.key for row in countries.rows if row.pooled and not row.withheld)
    out: list[PressSentence] = []
    for locale in locales:
        first = _one(meta, topline, present, option, locale, specialty_counts.get("all", 0), statements)
        if first:
            out.append(first)
        if len(countries.rows) > 1:
            for row in countries.rows:
                made = _one(
                    meta, row, (row.key,), option, locale, specialty_counts.get(row.key, 0), statements
                )
                if made:
                    out.append(made)
    return tuple(out)
