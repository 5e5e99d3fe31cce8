"""Weight a poll's votes: each country raked to its own frame, then pooled by physician share.

Each country uses the margins its frame has (:func:`sampling.population.targets`). A margin level
with fewer than :data:`MIN_LEVEL_RESPONDENTS` respondents would give a few votes a huge weight, so
margins are coarsened step by step — specialty: the frame's own levels, then the taxonomy groups
(US), then general practice against the rest; age: Pulse's bands, then under/over 55 — and a
margin still too sparse is dropped. Every step is recorded in :class:`MarginUse` so the
disclosure can say which margins were used and what was collapsed or dropped.

Votes store demographics generalised for anonymity (:mod:`sampling.generalisation`): a specialty
may be stored as its group or only as GP/specialist, an age band as under/over 55, and any of
them as unknown. The weighting uses what was stored: a country's margin is collapsed to the
coarsest coding among its votes, and votes whose value is unknown form a level of their own whose
target is their share of the sample (they are not adjusted on that margin). Both are disclosed.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from reports.generalised import gp_value, stored_rung, with_unknown
from sampling import pooling, population
from sampling.codes import AGE_BANDS
from sampling.generalisation import UNKNOWN, UNKNOWN_COUNTRY, age_rung, specialty_rung, stored_group
from sampling.taxonomy import SPECIALTIES, group_of
from sampling.variance import Design, design_of
from sampling.weighting import ConvergenceError, InfeasibleTargetsError, rake

#: Fewest respondents a margin level may have before the margin is coarsened.
MIN_LEVEL_RESPONDENTS = 10
MARGINS = ("specialty", "sex", "age_band")
SETTINGS: dict[str, Any] = {
    "method": "rake",
    "tol": 1e-6,
    "max_iter": 100,
    "min_level": MIN_LEVEL_RESPONDENTS,
    "combine": "population_share",
    "margins": list(MARGINS),
}
_ALL = "_all"  # a one-level margin: equal weights within a country too small to weight


@dataclass(frozen=True)
class MarginUse:
    """How one frame margin was used for one country.

    Attributes:
        variable: "specialty", "sex" or "age_band".
        used: whether it entered the raking.
        levels: the levels raked to, with their target shares (empty when not used).
        source: the frame's source id.
        year: the source's year.
        coding: the coding raked to ("frame", "specialty groups", "GP vs other", "under/over 55").
        notes: what was collapsed, restricted or dropped, and why.
    """

    variable: str
    used: bool
    levels: dict[str, float]
    source: str
    year: str
    coding: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CountryWeighting:
    """One country's weighting, as the disclosure reports it."""

    country: str
    n: int
    margins: tuple[MarginUse, ...]
    missing: tuple[str, ...]
    population: float
    population_share: float
    design_effect: float
    effective_n: float
    iterations: int
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class PollWeighting:
    """Weights for a poll's votes and how they were made.

    Attributes:
        sample: the votes with the margin columns recoded to each country's levels, the option
            columns and ``group`` (taxonomy group); index aligned with the checked responses.
        pooled: :class:`sampling.pooling.PooledResult` of the pooled weights.
        countries: each country's :class:`CountryWeighting`, in the poll's order.
        frames: frame versions used (for the input hash and the JSON).
        design: the variance design of ``sample`` under ``pooled`` (:func:`sampling.variance.design_of`:
            countries as strata, each raked to its own frame), built once and reused by every question.
    """

    sample: pd.DataFrame
    pooled: pooling.PooledResult
    countries: tuple[CountryWeighting, ...]
    frames: dict[str, Any] = field(repr=False)
    design: Design | None = field(default=None, repr=False, compare=False)

    @property
    def weights(self) -> pd.Series:
        """The pooled weights (sum to n)."""
        return self.pooled.weights


def _coarsen(
    name: str, shares: dict[str, float], recoded: pd.Series, mapping: dict[str, str]
) -> tuple[dict[str, float], pd.Series]:
    out: dict[str, float] = {}
    for level, share in shares.items():
        out[mapping[level]] = out.get(mapping[level], 0.0) + share
    return out, recoded.map(mapping)


def _sparse(levels: dict[str, float], recoded: pd.Series) -> list[str]:
    # The unknown level's target is its own sample share: it gives no vote a large weight.
    counts = recoded.value_counts()
    return [lvl for lvl in levels if lvl != UNKNOWN and counts.get(lvl, 0) < MIN_LEVEL_RESPONDENTS]


def _gp_map(levels: list[str], to_frame: dict[str, str]) -> dict[str, str]:
    """Frame level → general_practice/specialist, by the majority of the codes that map to it."""
    votes: dict[str, Counter[str]] = {lvl: Counter() for lvl in levels}
    for code, level in to_frame.items():
        if level in votes:
            votes[level]["general_practice" if group_of(code) == "general_practice" else "specialist"] += 1
    return {lvl: (c.most_common(1)[0][0] if c else "specialist") for lvl, c in votes.items()}


def _specialty_margin(
    margin: population.Margin, codes: pd.Series, targeted: tuple[str, ...] | None
) -> tuple[MarginUse, pd.Series | None]:
    to_frame = dict(margin.collapse_map) or {c: c for c in SPECIALTIES}
    notes: list[str] = []
    reach = {to_frame[c] for c in (targeted or SPECIALTIES)}
    shares = {lvl: s for lvl, s in margin.shares.items() if lvl in reach}
    if len(shares) < len(margin.shares):
        lost = len(margin.shares) - len(shares)
        notes.append(
            f"{lost} frame level(s) outside the poll's target (or without a Pulse specialty code) left out; "
            "the others rescaled to 100%"
        )
    total = sum(shares.values())
    shares = {k: v / total for k, v in shares.items()}
    unknown = codes == UNKNOWN
    stored = stored_rung(codes, specialty_rung, 3)
    recoded = codes.map(to_frame)
    coding = "frame levels"
    if stored == 1 and margin.scheme == "canonical":
        shares, _ = _coarsen("group", shares, recoded, {c: group_of(c) for c in shares})
        recoded = codes.map(lambda v: group_of(v) if v in SPECIALTIES else v)
        coding = "specialty groups"
        notes.append("collapsed to specialty groups: some votes store only the group (anonymity)")
    elif stored >= 1:
        gp = _gp_map(list(shares), to_frame) if margin.scheme != "canonical" else None
        shares, _ = _coarsen("gp", shares, recoded, gp or {c: gp_value(c) for c in shares})
        recoded = codes.map(gp_value)
        coding = "general practice vs specialists"
        notes.append("collapsed to general practice vs specialists: some votes store only that (anonymity)")
    shares, recoded = with_unknown(shares, recoded, unknown, notes)
    if _sparse(shares, recoded) and margin.scheme == "canonical" and coding == "frame levels":
        groups = {c: (c if c == UNKNOWN else group_of(c)) for c in shares}
        shares, recoded = _coarsen("group", shares, recoded, groups)
        coding = "specialty groups"
        notes.append(
            f"collapsed from {len(margin.shares)} specialties to specialty groups "
            f"(a level had fewer than {MIN_LEVEL_RESPONDENTS} respondents)"
        )
    if _sparse(shares, recoded) and len(shares) > 2 and coding != "general practice vs specialists":
        gp = (
            {g: (g if g == UNKNOWN else gp_value(g)) for g in shares}
            if coding == "specialty groups"
            else _gp_map(list(shares), to_frame) | {UNKNOWN: UNKNOWN}
        )
        shares, recoded = _coarsen("gp", shares, recoded, gp)
        coding = "general practice vs specialists"
        notes.append(
            f"collapsed to general practice vs specialists (a level had fewer than "
            f"{MIN_LEVEL_RESPONDENTS} respondents)"
        )
    return _finish("specialty", margin, shares, recoded, coding, notes)


def _age_margin(margin: population.Margin, bands: pd.Series) -> tuple[MarginUse, pd.Series | None]:
    shares = dict(margin.shares)
    unknown = bands == UNKNOWN
    known = bands.where(~unknown, AGE_BANDS[0])
    notes: list[str] = []
    wide = stored_rung(bands, age_rung, 2) == 1
    if wide and not margin.collapse_map:
        coarse = dict(zip(AGE_BANDS, population.collapse_age_band(pd.Series(AGE_BANDS))))
        shares, _ = _coarsen("age", shares, known, coarse)
        notes.append("collapsed to under/over 55: some votes store only that (anonymity)")
    recoded = population.collapse_age_band(known, "under_55") if margin.collapse_map or wide else known.copy()
    coding = "under/over 55" if margin.collapse_map or wide else "frame levels"
    shares, recoded = with_unknown(shares, recoded, unknown, notes)
    if _sparse(shares, recoded) and coding == "frame levels":
        coarse = dict(zip(AGE_BANDS, population.collapse_age_band(pd.Series(AGE_BANDS))))
        shares, recoded = _coarsen("age", shares, recoded, coarse | {UNKNOWN: UNKNOWN})
        coding = "under/over 55"
        notes.append(
            f"collapsed from Pulse's five age bands to under/over 55 (a band had fewer than "
            f"{MIN_LEVEL_RESPONDENTS} respondents)"
        )
    return _finish("age_band", margin, shares, recoded, coding, notes)


def _finish(
    variable: str,
    margin: population.Margin,
    shares: dict[str, float],
    recoded: pd.Series,
    coding: str,
    notes: list[str],
) -> tuple[MarginUse, pd.Series | None]:
    sparse = _sparse(shares, recoded)
    if len(shares) < 2:
        notes.append("not used: the poll's target covers a single level of this margin")
    elif sparse:
        notes.append(
            f"not used: level(s) {', '.join(map(str, sparse))} had fewer than {MIN_LEVEL_RESPONDENTS} "
            "respondents even after collapsing"
        )
    used = len(shares) >= 2 and not sparse
    use = MarginUse(
        variable=variable,
        used=used,
        levels=dict(sorted(shares.items())) if used else {},
        source=margin.source,
        year=margin.year,
        coding=coding,
        notes=tuple(notes),
    )
    return use, (recoded if used else None)


def plan_country(
    code: str, part: pd.DataFrame, targeted: tuple[str, ...] | None
) -> tuple[dict[str, dict[str, float]], pd.DataFrame, tuple[MarginUse, ...], tuple[str, ...]]:
    """Choose one country's raking margins and recode its respondents to their levels.

    Args:
        code: the country code.
        part: that country's checked votes.
        targeted: the poll's targeted specialties (None for all).

    Returns:
        (targets as ``{column: {level: share}}``, recoded margin columns, margin uses, missing variables).

    Raises:
        ValueError: an unknown country.

    Example:
        >>> targets, columns, uses, missing = plan_country("NZ", votes, None)  # doctest: +SKIP

    Reference: STATS.md "Weighting practice"; collapsing sparse cells as in Kalton & Flores-Cervantes
    (2003) "Weighting methods", J. Official Statistics 19(2).
    """
    frame = population.targets(code, MARGINS)
    uses: list[MarginUse] = []
    columns: dict[str, pd.Series] = {}
    for variable in MARGINS:
        if variable not in frame.margins:
            continue
        margin = frame.margins[variable]
        if variable == "specialty":
            use, recoded = _specialty_margin(margin, part["specialty"], targeted)
        elif variable == "age_band":
            use, recoded = _age_margin(margin, part["age_band"])
        else:
            notes: list[str] = []
            shares, values = with_unknown(
                dict(margin.shares), part[variable], part[variable] == UNKNOWN, notes
            )
            use, recoded = _finish(variable, margin, shares, values, "frame levels", notes)
        uses.append(use)
        if recoded is not None:
            columns[variable] = recoded
    targets = {u.variable: u.levels for u in uses if u.used}
    if not targets:
        targets = {_ALL: {"all": 1.0}}
        columns[_ALL] = pd.Series("all", index=part.index)
    return targets, pd.DataFrame(columns, index=part.index), tuple(uses), frame.missing


def weight_poll(responses: pd.DataFrame, specialties: tuple[str, ...] | None = None) -> PollWeighting:
    """Rake each country's votes to its frame and pool countries by physician population share.

    Args:
        responses: checked votes (:func:`reports.inputs.check_responses`).
        specialties: the poll's targeted specialties (None for all).

    Returns:
        A :class:`PollWeighting`.

    Raises:
        ValueError: no votes.

    Example:
        >>> weight_poll(check_responses(meta, df)).pooled.design_effect  # doctest: +SKIP

    Reference: :func:`sampling.pooling.pool` (R ``survey``: stratified by country, each stratum raked).
    """
    if responses.empty:
        raise ValueError("the poll has no votes: a report needs at least one")
    # The questions of one survey share their respondents: weight each set of respondents once.
    demographics = responses[["country", "specialty", "sex", "age_band"]]
    key = (
        hashlib.sha256(pd.util.hash_pandas_object(demographics, index=True).to_numpy().tobytes()).hexdigest(),
        specialties,
    )
    cached = _CACHE.get(key)
    if cached is None:
        cached = _weight(responses, specialties)
        _CACHE.clear()  # keep one: a survey's questions come one after another
        _CACHE[key] = cached
    options = [c for c in responses.columns if c.startswith("option:")]
    sample = pd.concat(
        [
            cached.sample.drop(columns=[c for c in cached.sample.columns if str(c).startswith("option:")]),
            responses[options],
        ],
        axis=1,
    )
    return replace(cached, sample=sample)


_CACHE: dict[tuple[Any, ...], PollWeighting] = {}


def _weight(responses: pd.DataFrame, specialties: tuple[str, ...] | None) -> PollWeighting:
    withheld = responses["country"] == UNKNOWN_COUNTRY
    if withheld.any():
        return _with_withheld_countries(responses, specialties, withheld)
    present = list(dict.fromkeys(responses["country"]))
    frames: dict[str, dict[str, dict[str, float]]] = {}
    recoded_parts, plans = [], {}
    for code in present:
        part = responses[responses["country"] == code]
        targets, columns, uses, missing = plan_country(code, part, specialties)
        targets, columns, uses = _converging(targets, columns, uses)
        frames[code] = targets
        recoded_parts.append(columns)
        plans[code] = (uses, missing)
    margins = pd.concat(recoded_parts).reindex(responses.index).fillna("n/a")
    options = [c for c in responses.columns if c.startswith("option:")]
    sample = pd.concat([responses[["country"]], margins, responses[options]], axis=1)
    sample["group"] = responses["specialty"].map(stored_group)
    sample["specialty_code"] = responses["specialty"]
    totals = population.country_totals()
    pooled = pooling.pool(
        sample,
        frames,
        population={c: float(totals.to_dict()[c]) for c in frames},
        method="rake",
        tol=SETTINGS["tol"],
        max_iter=SETTINGS["max_iter"],
    )
    countries = []
    for code in present:
        result = pooled.by_country[code]
        uses, missing = plans[code]
        notes = (
            ("too few respondents to weight within the country: equal weights",)
            if _ALL in frames[code]
            else ()
        )
        countries.append(
            CountryWeighting(
                country=code,
                n=int((sample["country"] == code).sum()),
                margins=uses,
                missing=missing,
                population=float(totals[code]),
                population_share=pooled.population_shares[code],
                design_effect=result.design_effect,
                effective_n=result.effective_n,
                iterations=result.iterations,
                notes=notes,
            )
        )
    versions = {
        c.country: {
            u.variable: {"source": u.source, "year": u.year, "coding": u.coding, "levels": u.levels}
            for u in c.margins
        }
        | {"population": c.population}
        for c in countries
    }
    return PollWeighting(
        sample=sample,
        pooled=pooled,
        countries=tuple(countries),
        frames=versions,
        design=design_of(sample, pooled),
    )


def _with_withheld_countries(
    responses: pd.DataFrame, specialties: tuple[str, ...] | None, withheld: pd.Series
) -> PollWeighting:
    """Votes whose country is withheld for anonymity have no frame: the others are weighted as
    usual and these get the mean weight, 1, so they count at their share of the sample."""
    ones = pd.Series(1.0, index=responses.index[withheld])
    options = [c for c in responses.columns if c.startswith("option:")]
    rows = responses.loc[withheld, ["country", *options]].assign(
        group=responses.loc[withheld, "specialty"].map(stored_group),
        specialty_code=responses.loc[withheld, "specialty"],
    )
    note = CountryWeighting(
        country=UNKNOWN_COUNTRY,
        n=int(withheld.sum()),
        margins=(),
        missing=MARGINS,
        population=0.0,
        population_share=float(withheld.mean()),
        design_effect=1.0,
        effective_n=float(withheld.sum()),
        iterations=0,
        notes=("country withheld for anonymity (too few members could have voted): equal weights",),
    )
    if withheld.all():
        pooled = pooling.PooledResult(ones, {}, {}, "population_share", {"method": "rake"})
        return PollWeighting(rows, pooled, (note,), {}, design_of(rows, ones))
    known = _weight(responses[~withheld], specialties)
    weights = pd.concat([known.pooled.weights, ones]).reindex(responses.index)
    sample = pd.concat([known.sample, rows]).reindex(responses.index)
    for column in known.sample.columns.difference(rows.columns):
        sample[column] = sample[column].fillna("n/a")
    return PollWeighting(
        sample=sample,
        pooled=replace(known.pooled, weights=weights),
        countries=(*known.countries, note),
        frames=known.frames,
        design=design_of(sample, weights),
    )


def _converging(
    targets: dict[str, dict[str, float]], columns: pd.DataFrame, uses: tuple[MarginUse, ...]
) -> tuple[dict[str, dict[str, float]], pd.DataFrame, tuple[MarginUse, ...]]:
    """Drop the last margin until the country's raking converges; record why."""
    while True:
        try:
            rake(columns, targets, tol=SETTINGS["tol"], max_iter=SETTINGS["max_iter"])
            return targets, columns, uses
        except (ConvergenceError, InfeasibleTargetsError) as exc:
            dropped = list(targets)[-1]
            if dropped == _ALL:
                raise
            targets = {k: v for k, v in targets.items() if k != dropped}
            columns = columns.drop(columns=dropped)
            uses = tuple(
                MarginUse(
                    u.variable,
                    False,
                    {},
                    u.source,
                    u.year,
                    u.coding,
                    (*u.notes, f"not used: raking with it did not converge ({exc})"),
                )
                if u.variable == dropped
                else u
                for u in uses
            )
            if not targets:
                targets = {_ALL: {"all": 1.0}}
                columns = columns.assign(**{_ALL: "all"})
