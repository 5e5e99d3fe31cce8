"""The numbers of a poll report: topline and breakdowns, with precision, tests and suppression.

Every share is a weighted domain mean of the option's 0/1 column under the pooled weights
(:mod:`reports.weighting`) of the countries with at least 30 respondents
(:func:`reports.suppression.pooled_countries`). Each share's one published precision figure is the
credibility interval of :mod:`reports.precision`, on the base's measured (Kish) effective n.
Standard errors for the tests are Taylor-linearised and calibration-aware on the pooled design of
:func:`sampling.variance.design_of` (countries as strata, each raked to its own frame: R
``svymean`` on ``svydesign(ids=~1, strata=~country)`` after ``rake``), computed for every base and
option in one pass, exactly as :func:`sampling.estimate` computes them one at a time. Breakdown
rows are tested against the rest of the pool (linearised t test on the difference, as
:func:`sampling.significance.difference`, on n − countries − 1 degrees of freedom), two-sided at
5%, not adjusted for multiple comparisons; a mark needs an unflagged base. A country with a single
respondent adds no variance (R's ``survey.lonely.psu="certainty"``). Public figures go through
:func:`publish` (rounding and withholding of :mod:`reports.suppression`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from scipy import stats

from reports import numbers
from reports.inputs import PollMeta, option_column
from reports.precision import METHOD as PRECISION_METHOD
from reports.precision import Precision, share_precision
from reports.suppression import (
    FLAGGED,
    HEDGED,
    OK,
    SUPPRESSED,
    WITHHELD,
    base_status,
    share_step,
    suppression_plan,
)
from reports.weighting import PollWeighting
from sampling.codes import COUNTRIES
from sampling.taxonomy import GROUPS
from sampling.variance import Design, design_of, influence, point, residualize, with_replacement_var

SIGNIFICANCE_LEVEL = 0.05
INTERVAL_LABEL = PRECISION_METHOD
TEST_LABEL = (
    "each row against the rest of the respondents: linearised t test on the weighted difference, "
    "two-sided, 5% level, not adjusted for multiple comparisons; no mark on a base under 60 "
    "(respondents or effective respondents) or on a share of 0% or 100%"
)
DIMENSIONS = ("country", "specialty_group")


@dataclass(frozen=True)
class OptionEstimate:
    """One option's figures within one base (None where withheld or not published).

    Attributes:
        option: the option key.
        share: weighted share (0–1); in a public report, rounded as published.
        precision: the share's one precision figure (:mod:`reports.precision`).
        raw_share: unweighted share (staff only).
        se: Taylor-linearised standard error after raking (staff only; used by the tests).
        difference: share minus the rest of the sample (breakdown rows, staff only).
        p_value: p-value of that difference (staff only).
        mark: "higher" or "lower" where the test rejects at 5% on an unflagged base, else None.
    """

    option: str
    share: float | None
    precision: Precision | None
    raw_share: float | None = None
    se: float | None = None
    difference: float | None = None
    p_value: float | None = None
    mark: str | None = None


@dataclass(frozen=True)
class BaseFigures:
    """One base (the whole poll, a country or a specialty group) and its options.

    Attributes:
        key: "all", a country code or a taxonomy group.
        label: display name by locale.
        n: respondents (None when withheld).
        effective_n: Kish's effective n, (Σw)²/Σw².
        design_effect: Kish's design effect, n/effective n.
        status: :data:`reports.suppression.OK`, ``FLAGGED``, ``HEDGED`` or ``SUPPRESSED``.
        suppressed: why the base is withheld (staff outputs), or None.
        withheld: whether its numbers were removed (public audience and ``suppressed``).
        estimates: one :class:`OptionEstimate` per option, in display order.
        pooled: whether the base is part of the pooled figures (countries: at least 30 respondents).
        step: the step its shares are published to (:func:`reports.suppression.share_step`).
    """

    key: str
    label: dict[str, str]
    n: int | None
    effective_n: float | None
    design_effect: float | None
    status: str
    suppressed: str | None
    withheld: bool
    estimates: tuple[OptionEstimate, ...]
    pooled: bool = True
    step: float = 0.01

    @property
    def small(self) -> bool:
        """The base is flagged or too small for percentages."""
        return self.status in (FLAGGED, HEDGED)

    @property
    def shares_published(self) -> bool:
        """Whether the base's percentages may be shown (not withheld, not hedged)."""
        return self.status in (OK, FLAGGED) and not self.withheld


@dataclass(frozen=True)
class Breakdown:
    """Rows of one dimension ("country" or "specialty_group") with their tests."""

    dimension: str
    rows: tuple[BaseFigures, ...]
    test: str = TEST_LABEL


def _clean(value: float) -> float | None:
    return None if value is None or not math.isfinite(float(value)) else float(value)


def _variance(design: Design, x: np.ndarray) -> np.ndarray:
    """:func:`sampling.variance.with_replacement_var` of residualised influence values ``x``, a
    country with a single respondent adding nothing, as R's ``options(survey.lonely.psu="certainty")``.

    sampling gives NaN for every estimate then (R's default, "fail"); a poll with one vote from
    some country must still publish its other figures.
    """
    lonely = [rows for rows in design.stratum_rows() if rows.size < 2]
    if not lonely or design.strata is None:
        return with_replacement_var(x, design)
    keep = np.flatnonzero(~np.isin(np.arange(design.n), np.concatenate(lonely)))
    if keep.size == 0:
        return np.full(x.shape[1], np.nan)
    rest = replace(
        design, weights=design.weights[keep], base=design.base[keep], strata=design.strata[keep], parts=()
    )
    return with_replacement_var(x[keep], rest)


def _against_rest(design: Design, members: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each domain's mean minus the rest's, per option (m × k), and the two-sided p-values.

    The same linearisation as :func:`sampling.significance.difference` with ``by`` = in the domain
    or not, for all domains and options at once.
    """
    m, k = members.shape[1], values.shape[1]
    inside = np.repeat(members, k, axis=1)  # column j*k + o: domain j, option o
    both = np.concatenate([inside, 1.0 - inside], axis=1)
    tiled = np.tile(values, (1, 2 * m))
    means = point(design.weights, both, tiled, "mean")
    x = np.nan_to_num(influence(design, both, tiled, "mean"))
    se = np.sqrt(_variance(design, residualize(design, x[:, : m * k] - x[:, m * k :])))
    diff = means[: m * k] - means[m * k :]
    df = float(design.degrees_of_freedom(np.ones((design.n, 1)))[0]) - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(se > 0, diff / se, np.nan)
    p = 2 * stats.t.sf(np.abs(t), max(df, 1.0))
    return diff.reshape(m, k), p.reshape(m, k)


def _bases(
    weighting: PollWeighting,
    meta: PollMeta,
    rows: list[tuple[str, dict[str, str], np.ndarray]],
    test: bool,
    variance: bool = True,
) -> list[BaseFigures]:
    """Figures of several bases at once: one linearisation pass for all rows and options
    (``variance=False`` skips it: no standard errors and no tests, the same shares and precision)."""
    sample = weighting.sample
    design = weighting.design or design_of(sample, weighting.pooled)
    values = sample[[option_column(k) for k in meta.option_keys]].to_numpy(dtype=float)
    k = values.shape[1]
    members = np.column_stack([member for _, _, member in rows]).astype(float)
    domain = np.repeat(members, k, axis=1)
    tiled = np.tile(values, (1, len(rows)))
    shares = point(design.weights, domain, tiled, "mean")
    se = (
        np.sqrt(
            _variance(design, residualize(design, np.nan_to_num(influence(design, domain, tiled, "mean"))))
        )
        if variance
        else np.full(domain.shape[1], np.nan)
    )
    wd = design.weights[:, None] * members
    with np.errstate(invalid="ignore", divide="ignore"):
        kish_n = wd.sum(axis=0) ** 2 / (wd**2).sum(axis=0)
    differences, p_values = _against_rest(design, members, values) if test and variance else (None, None)
    out = []
    for i, (key, label, member) in enumerate(rows):
        n = int(member.sum())
        if n == 0:
            out.append(BaseFigures(key, label, 0, None, None, SUPPRESSED, None, False, ()))
            continue
        kish = float(kish_n[i])
        deff = n / kish
        status = base_status(n, kish)
        raw = values[member.astype(bool)].mean(axis=0)
        estimates = []
        for j, option in enumerate(meta.option_keys):
            c = i * k + j
            p = min(max(float(shares[c]), 0.0), 1.0)
            mark = p_value = difference = None
            if differences is not None and p_values is not None and math.isfinite(p_values[i, j]):
                difference, p_value = float(differences[i, j]), float(p_values[i, j])
                # A mark only where the test rejects on a base that is not flagged, and never on a
                # share of 0% or 100%, whose linearised variance is 0 (its interval is not).
                if p_value < SIGNIFICANCE_LEVEL and status == OK and 0.0 < p < 1.0 and n < len(sample):
                    mark = "higher" if difference > 0 else "lower"
            estimates.append(
                OptionEstimate(
                    option=option,
                    share=p,
                    precision=share_precision(p, kish),
                    raw_share=float(raw[j]),
                    se=_clean(se[c]),
                    difference=difference,
                    p_value=p_value,
                    mark=mark,
                )
            )
        out.append(
            BaseFigures(
                key=key,
                label=label,
                n=n,
                effective_n=kish,
                design_effect=deff,
                status=status,
                suppressed=None,
                withheld=False,
                estimates=tuple(estimates),
                step=share_step(n, deff),
            )
        )
    return out


#: Country names for tables (the sentences use :mod:`reports.wording`).
#: Country names per language, from the one country list (sampling.codes).
COUNTRY_LABELS: dict[str, dict[str, str]] = {
    code: {locale: country.name(locale) for locale in ("en", "es")} for code, country in COUNTRIES.items()
}
#: Respondents whose specialty was stored too coarsely for a group (generalised for anonymity).
UNKNOWN_GROUP = "unknown"
UNKNOWN_GROUP_LABEL = {"en": "Specialty group not recorded", "es": "Grupo de especialidad no registrado"}
#: Votes whose country was not stored (generalised for anonymity) are weighted and shown apart.
UNKNOWN_COUNTRY_LABEL = {"en": "Country not recorded", "es": "País no registrado"}


def country_label(code: str) -> dict[str, str]:
    """A country's display names; votes stored without their country get a label of their own."""
    return COUNTRY_LABELS.get(code, UNKNOWN_COUNTRY_LABEL)


ALL_LABEL = {"en": "All respondents", "es": "Todos los encuestados"}


def withhold(base: BaseFigures) -> BaseFigures:
    """The base with every number removed and a neutral label, whatever the reason."""
    empty = tuple(OptionEstimate(e.option, None, None) for e in base.estimates)
    return replace(
        base,
        n=None,
        effective_n=None,
        design_effect=None,
        withheld=True,
        estimates=empty,
        status=SUPPRESSED,
        suppressed=WITHHELD,
    )


def publish(base: BaseFigures) -> BaseFigures:
    """The base as a public report shows it: numbers rounded as published, nothing unweighted.

    Shares are rounded to the base's step (:func:`reports.suppression.share_step`), effective n to a
    whole number, the design effect to two decimals; raw shares, standard errors and p-values are
    dropped; a hedged base keeps its n and loses its shares. The precision figure was computed on
    the unrounded share and is published at its own rounding (:mod:`reports.precision`).

    Example:
        >>> publish(base).estimates[0].raw_share is None  # doctest: +SKIP
        True
    """
    if base.withheld or base.status == SUPPRESSED:
        return withhold(base)
    shown = base.status in (OK, FLAGGED)
    estimates = tuple(
        OptionEstimate(
            option=e.option,
            share=numbers.round_share(e.share, base.step) if shown and e.share is not None else None,
            precision=e.precision if shown else None,
            mark=e.mark if shown else None,
        )
        for e in base.estimates
    )
    return replace(
        base,
        effective_n=None if base.effective_n is None else numbers.round_half_up(base.effective_n),
        design_effect=None if base.design_effect is None else numbers.round_half_up(base.design_effect, 2),
        estimates=estimates,
    )


def topline(
    weighting: PollWeighting | None, meta: PollMeta, *, audience: str = "public", variance: bool = True
) -> BaseFigures:
    """The pooled figures per option: every country with at least 30 respondents.

    Args:
        weighting: the weighting of the pooled countries' votes (None when no country has 30).
        meta: the poll.
        audience: "public" rounds and withholds as :mod:`reports.suppression` says; "staff" sees
            everything.

    Returns:
        A :class:`BaseFigures` with key "all".

    Example:
        >>> topline(weight_poll(votes), meta).estimates[0].share  # doctest: +SKIP

    Reference: R survey ``svymean`` on the pooled design; :mod:`reports.precision`.
    """
    if weighting is None:
        empty = tuple(OptionEstimate(k, None, None) for k in meta.option_keys)
        return BaseFigures("all", ALL_LABEL, None, None, None, SUPPRESSED, NO_POOL, True, empty)
    member = np.ones(len(weighting.sample))
    base = _bases(weighting, meta, [("all", ALL_LABEL, member)], test=False, variance=variance)[0]
    if base.status == SUPPRESSED:
        base = replace(base, suppressed="fewer than 10 respondents")
        if audience == "public":
            base = withhold(base)
    return publish(base) if audience == "public" else base


NO_POOL = "no country had 30 respondents: no pooled figure"


def country_breakdown(
    pooled: PollWeighting | None,
    everyone: PollWeighting,
    meta: PollMeta,
    pool: tuple[str, ...],
    *,
    audience: str = "public",
    variance: bool = True,
) -> Breakdown:
    """Figures per country: pooled countries tested against the rest of the pool; countries under
    30 respondents shown with their n only (under 10: withheld), outside the pool.

    Args:
        pooled: the pooled countries' weighting (None when there are none).
        everyone: the weighting of every vote (figures of countries outside the pool, staff only).
        meta: the poll.
        pool: the pooled countries (:func:`reports.suppression.pooled_countries`).
        audience: "public" or "staff".

    Returns:
        A :class:`Breakdown` in the poll's country order.

    Reference: STATS.md (pooling rule, small bases); R survey ``svyby`` + ``svycontrast``.
    """
    rows: dict[str, BaseFigures] = {}
    if pooled is not None:
        values = pooled.sample["country"].to_numpy()
        keys = [c for c in meta.countries if c in pool]
        figures = _bases(
            pooled,
            meta,
            [(c, country_label(c), (values == c).astype(float)) for c in keys],
            len(keys) > 1,
            variance,
        )
        rows.update(zip(keys, figures))
    values = everyone.sample["country"].to_numpy()
    outside = [c for c in meta.countries if c not in pool and (values == c).any()]
    if outside:
        figures = _bases(
            everyone,
            meta,
            [(c, country_label(c), (values == c).astype(float)) for c in outside],
            False,
            variance,
        )
        for c, row in zip(outside, figures):
            hedged = HEDGED if row.status != SUPPRESSED else SUPPRESSED
            rows[c] = replace(row, pooled=False, status=hedged, estimates=_unmarked(row))
    out = []
    for c in meta.countries:
        if c not in rows:
            continue
        row = rows[c]
        if row.status == SUPPRESSED:
            row = replace(row, suppressed=PRIMARY_REASON)
            if audience == "public":
                row = withhold(row)
        out.append(publish(row) if audience == "public" else row)
    return Breakdown(dimension="country", rows=tuple(out))


PRIMARY_REASON = "fewer than 10 respondents"


def _unmarked(row: BaseFigures) -> tuple[OptionEstimate, ...]:
    return tuple(replace(e, mark=None, difference=None, p_value=None) for e in row.estimates)


def breakdown(
    weighting: PollWeighting | None,
    meta: PollMeta,
    dimension: str,
    *,
    audience: str = "public",
    variance: bool = True,
) -> Breakdown:
    """Figures per specialty group of the pooled respondents, tested against the rest, with suppression.

    Args:
        weighting: the pooled countries' weighting (None: no rows).
        meta: the poll.
        dimension: "specialty_group" ("country": use :func:`country_breakdown`).
        audience: "public" withholds small and complementary cells with one neutral label and
            rounds; "staff" keeps the numbers and the reasons.

    Returns:
        A :class:`Breakdown` (rows with respondents only, in :data:`sampling.taxonomy.GROUPS` order).

    Raises:
        ValueError: an unknown dimension.

    Example:
        >>> [r.key for r in breakdown(w, meta, "specialty_group").rows]  # doctest: +SKIP
        ['primary_care', 'medical']

    Reference: STATS.md (small bases, suppression); R survey ``svyby`` + ``svycontrast``.
    """
    if dimension not in DIMENSIONS:
        raise ValueError(f"dimension={dimension!r}: use one of {', '.join(DIMENSIONS)}")
    if weighting is None:
        return Breakdown(dimension=dimension, rows=())
    sample = weighting.sample
    if dimension == "country":
        column, keys, labels = "country", list(meta.countries), COUNTRY_LABELS
    else:
        column, keys = "group", [*GROUPS, UNKNOWN_GROUP]
        labels = {g: {"en": en, "es": es} for g, (en, es) in GROUPS.items()} | {
            UNKNOWN_GROUP: UNKNOWN_GROUP_LABEL
        }
    values = sample[column].to_numpy()
    if dimension == "specialty_group":  # every respondent in one row: the rows add up to the base
        values = np.where(np.isin(values, list(GROUPS)), values, UNKNOWN_GROUP)
    present = [k for k in keys if (values == k).any()]
    test = len(present) > 1
    figures = _bases(
        weighting, meta, [(k, labels[k], (values == k).astype(float)) for k in present], test, variance
    )
    rows = dict(zip(present, figures))
    plan = suppression_plan({k: r.n or 0 for k, r in rows.items()})
    out = []
    for key, row in rows.items():
        shown = row
        if plan[key]:
            shown = replace(row, suppressed=plan[key], status=SUPPRESSED)
            if audience == "public":
                shown = withhold(shown)
        out.append(publish(shown) if audience == "public" else shown)
    return Breakdown(dimension=dimension, rows=tuple(out))


__all__ = ["WITHHELD", "BaseFigures", "Breakdown", "OptionEstimate", "Precision"]
