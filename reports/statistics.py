"""The numbers of a poll report: topline and breakdowns, with precision, tests and suppression.

Every share is a weighted domain mean of the option's 0/1 column under the pooled weights
(:mod:`reports.weighting`). Standard errors are Taylor-linearised and calibration-aware on the
pooled design of :func:`sampling.variance.design_of` (countries as strata, each raked to its own
frame: R ``svymean`` on ``svydesign(ids=~1, strata=~country)`` after ``rake``), computed for every
base and option in one pass, exactly as :func:`sampling.estimate` computes them one at a time;
intervals are R's ``svyciprop`` logit intervals from :func:`sampling.intervals.proportion_interval`
on R's design degrees of freedom (respondents in the base less the countries they come from);
margins of error are Pew's ``1.96·√(deff·p(1−p)/n)`` with Kish's design effect from
:func:`sampling.intervals.margin_of_error`. Breakdown rows are tested against the rest of the
sample (linearised t test on the difference, as :func:`sampling.significance.difference`, on
n − countries − 1 degrees of freedom), two-sided at 5%, not adjusted for multiple comparisons.
A country with a single respondent adds no variance (R's ``survey.lonely.psu="certainty"``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from scipy import stats

from reports.inputs import PollMeta, option_column
from reports.suppression import MIN_CELL, SMALL_BASE, suppression_plan
from reports.weighting import PollWeighting
from sampling.intervals import margin_of_error, proportion_interval
from sampling.population import COUNTRIES
from sampling.taxonomy import GROUPS
from sampling.variance import Design, design_of, influence, point, residualize, with_replacement_var

SIGNIFICANCE_LEVEL = 0.05
INTERVAL_LABEL = (
    "95% logit interval on the Taylor-linearised standard error after raking "
    "(R survey svyciprop method='logit'; Korn-Graubard beta interval at 0% or 100%)"
)
MOE_LABEL = "Pew margin of error 1.96·√(deff·p(1−p)/n), deff = Kish design effect of the base's weights"
TEST_LABEL = (
    "each row against the rest of the respondents: linearised t test on the weighted difference, "
    "two-sided, 5% level, not adjusted for multiple comparisons"
)
DIMENSIONS = ("country", "specialty_group")


@dataclass(frozen=True)
class OptionEstimate:
    """One option's figures within one base (None where withheld).

    Attributes:
        option: the option key.
        share: weighted share (0–1).
        raw_share: unweighted share.
        ci_low: lower bound of the 95% interval (:data:`INTERVAL_LABEL`).
        ci_high: upper bound.
        se: linearised standard error.
        moe: Pew margin of error at this share (:data:`MOE_LABEL`), as a proportion.
        difference: share minus the rest of the sample (breakdown rows only).
        p_value: p-value of that difference.
        mark: "higher", "lower" or None (significant at 5%).
    """

    option: str
    share: float | None
    raw_share: float | None
    ci_low: float | None
    ci_high: float | None
    se: float | None
    moe: float | None
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
        moe: the base's margin of error at p = 0.5 (Pew), as a proportion.
        small: the base is under 30 respondents.
        suppressed: why the base is withheld from public outputs, or None.
        withheld: whether the figures were removed (public audience and ``suppressed``).
        estimates: one :class:`OptionEstimate` per option, in display order.
    """

    key: str
    label: dict[str, str]
    n: int | None
    effective_n: float | None
    design_effect: float | None
    moe: float | None
    small: bool
    suppressed: str | None
    withheld: bool
    estimates: tuple[OptionEstimate, ...]


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
    weighting: PollWeighting, meta: PollMeta, rows: list[tuple[str, dict[str, str], np.ndarray]], test: bool
) -> list[BaseFigures]:
    """Figures of several bases at once: one linearisation pass for all rows and options."""
    sample = weighting.sample
    design = weighting.design or design_of(sample, weighting.pooled)
    values = sample[[option_column(k) for k in meta.option_keys]].to_numpy(dtype=float)
    k = values.shape[1]
    members = np.column_stack([member for _, _, member in rows]).astype(float)
    domain = np.repeat(members, k, axis=1)
    tiled = np.tile(values, (1, len(rows)))
    shares = point(design.weights, domain, tiled, "mean")
    se = np.sqrt(
        _variance(design, residualize(design, np.nan_to_num(influence(design, domain, tiled, "mean"))))
    )
    wd = design.weights[:, None] * members
    with np.errstate(invalid="ignore", divide="ignore"):
        kish_n = np.repeat(wd.sum(axis=0) ** 2 / (wd**2).sum(axis=0), k)
    intervals = proportion_interval(
        shares,
        se,
        domain.sum(axis=0),
        method="logit",
        df=design.degrees_of_freedom(domain),
        fallback_n=kish_n,
    )
    differences, p_values = _against_rest(design, members, values) if test else (None, None)
    out = []
    for i, (key, label, member) in enumerate(rows):
        n = int(member.sum())
        if n == 0:
            out.append(BaseFigures(key, label, 0, None, None, None, True, None, False, ()))
            continue
        kish = float(kish_n[i * k])
        deff = n / kish
        raw = values[member.astype(bool)].mean(axis=0)
        estimates = []
        for j, option in enumerate(meta.option_keys):
            c = i * k + j
            p = float(shares[c])
            mark = p_value = difference = None
            if p_values is not None and math.isfinite(p_values[i, j]) and n < len(sample):
                difference, p_value = float(differences[i, j]), float(p_values[i, j])
                mark = ("higher" if difference > 0 else "lower") if p_value < SIGNIFICANCE_LEVEL else None
            estimates.append(
                OptionEstimate(
                    option=option,
                    share=p,
                    raw_share=float(raw[j]),
                    ci_low=_clean(intervals.ci_low.iloc[c]),
                    ci_high=_clean(intervals.ci_high.iloc[c]),
                    se=_clean(se[c]),
                    moe=margin_of_error(n, p=min(max(p, 0.0), 1.0), deff=deff).value,
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
                moe=margin_of_error(n, p=0.5, deff=deff).value,
                small=n < SMALL_BASE,
                suppressed=None,
                withheld=False,
                estimates=tuple(estimates),
            )
        )
    return out


#: Country names for tables (the sentences use :mod:`reports.wording`).
COUNTRY_LABELS: dict[str, dict[str, str]] = {
    "US": {"en": "United States", "es": "Estados Unidos"},
    "UK": {"en": "United Kingdom", "es": "Reino Unido"},
    "CA": {"en": "Canada", "es": "Canadá"},
    "AU": {"en": "Australia", "es": "Australia"},
    "IE": {"en": "Ireland", "es": "Irlanda"},
    "NZ": {"en": "New Zealand", "es": "Nueva Zelanda"},
    "ZA": {"en": "South Africa", "es": "Sudáfrica"},
    "MX": {"en": "Mexico", "es": "México"},
    "ES": {"en": "Spain", "es": "España"},
}
assert set(COUNTRY_LABELS) == set(COUNTRIES)
ALL_LABEL = {"en": "All respondents", "es": "Todos los encuestados"}


def withhold(base: BaseFigures) -> BaseFigures:
    """The base with every number removed (its label and the reason kept)."""
    empty = tuple(OptionEstimate(e.option, None, None, None, None, None, None) for e in base.estimates)
    return replace(
        base, n=None, effective_n=None, design_effect=None, moe=None, withheld=True, estimates=empty
    )


def topline(weighting: PollWeighting, meta: PollMeta, *, audience: str = "public") -> BaseFigures:
    """The whole poll's figures per option.

    Args:
        weighting: the poll's weighting.
        meta: the poll.
        audience: "public" withholds a poll of fewer than 10 respondents; "staff" sees everything.

    Returns:
        A :class:`BaseFigures` with key "all".

    Example:
        >>> topline(weight_poll(votes), meta).estimates[0].share  # doctest: +SKIP

    Reference: Pew methods (margin of error with design effect); R survey ``svyciprop``.
    """
    member = np.ones(len(weighting.sample))
    base = _bases(weighting, meta, [("all", ALL_LABEL, member)], test=False)[0]
    if base.n is not None and base.n < MIN_CELL:
        base = replace(base, suppressed="fewer than 10 respondents")
        if audience == "public":
            base = withhold(base)
    return base


def breakdown(
    weighting: PollWeighting, meta: PollMeta, dimension: str, *, audience: str = "public"
) -> Breakdown:
    """Figures per country or per specialty group, tested against the rest, with suppression.

    Args:
        weighting: the poll's weighting.
        meta: the poll.
        dimension: "country" or "specialty_group".
        audience: "public" withholds small and complementary cells; "staff" keeps the numbers and
            the reasons.

    Returns:
        A :class:`Breakdown` (rows with respondents only; countries in the poll's order, groups in
        :data:`sampling.taxonomy.GROUPS` order).

    Raises:
        ValueError: an unknown dimension.

    Example:
        >>> [r.key for r in breakdown(w, meta, "country").rows]  # doctest: +SKIP
        ['US', 'UK']

    Reference: STATS.md (small bases, suppression); R survey ``svyby`` + ``svycontrast``.
    """
    if dimension not in DIMENSIONS:
        raise ValueError(f"dimension={dimension!r}: use one of {', '.join(DIMENSIONS)}")
    sample = weighting.sample
    if dimension == "country":
        column, keys, labels = "country", list(meta.countries), COUNTRY_LABELS
    else:
        column, keys = "group", list(GROUPS)
        labels = {g: {"en": en, "es": es} for g, (en, es) in GROUPS.items()}
    values = sample[column].to_numpy()
    present = [k for k in keys if (values == k).any()]
    test = len(present) > 1
    figures = _bases(weighting, meta, [(k, labels[k], (values == k).astype(float)) for k in present], test)
    rows = dict(zip(present, figures))
    plan = suppression_plan({k: r.n or 0 for k, r in rows.items()})
    out = []
    for key, row in rows.items():
        shown = row
        if plan[key]:
            shown = replace(row, suppressed=plan[key])
            if audience == "public":
                shown = withhold(shown)
        out.append(shown)
    return Breakdown(dimension=dimension, rows=tuple(out))
