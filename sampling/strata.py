"""The with-replacement variance of one-stage designs, summed over strata, and R's lonely-PSU rules.

Each respondent is a sampling unit (R's ``svydesign(ids=~1, ...)``); a pooled weighting's countries
are the strata. A stratum with a single respondent has no within-stratum variance: R's
``options(survey.lonely.psu=)`` decides what it contributes, and so does ``lonely_psu`` here.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

Array = np.ndarray[Any, Any]


class Design(Protocol):
    """What the variance needs of a design (``sampling.variance.Design`` has it)."""

    @property
    def strata(self) -> Array | None: ...

    @property
    def stratum_labels(self) -> tuple[str, ...]: ...

    @property
    def lonely_psu(self) -> str: ...

    def stratum_rows(self) -> list[Array]: ...


#: R's ``options(survey.lonely.psu=)``: what a stratum (country) with one respondent contributes.
LONELY_PSU = ("fail", "remove", "certainty", "adjust", "average")


class LonelyStratumError(ValueError):
    """A stratum (a country of a pooled weighting) has one respondent and ``lonely_psu="fail"``."""


def _lonely_error(design: Design, h: int) -> LonelyStratumError:
    label = design.stratum_labels[h] if h < len(design.stratum_labels) else str(h)
    return LonelyStratumError(
        f"stratum {label} has only one respondent, so its variance is undefined: pass "
        "lonely_psu='certainty' (it adds nothing), 'adjust' (distance from the overall mean), "
        "'average' (the other strata's average) or 'remove', or pool it with another country"
    )


def stratum_sums(design: Design, sums: Array, squares: Array, counts: Array) -> Array:
    """Variance from each stratum's totals: ``Σ_h n_h/(n_h−1)·(Σx² − (Σx)²/n_h)``, R's lonely-PSU rules applied.

    Args:
        design: gives the lonely-PSU rule and stratum labels.
        sums: per stratum, the sum of the residualised values (H × k).
        squares: per stratum, the sum of their squares (H × k).
        counts: respondents per stratum (H).

    Returns:
        The k variances. For a stratum of one respondent: "fail" raises, "certainty" and "remove"
        add nothing, "adjust" adds the value's square (its distance from the overall mean, zero for
        influence values), "average" scales the other strata's sum by H/(H − lonely), as R's
        ``onestage``.
    """
    var = np.zeros(sums.shape[1])
    lonely = 0
    if design.strata is None and counts.sum() < 2:
        return np.full(sums.shape[1], np.nan)  # one respondent, no strata: no variance to speak of
    for h, n in enumerate(counts):
        if n >= 2:
            # Σx² − (Σx)²/n can round below zero where the variance is zero (a raked margin's share).
            var += np.maximum(squares[h] - sums[h] ** 2 / n, 0.0) * (n / (n - 1))
        elif n == 1:
            if design.lonely_psu == "fail":
                raise _lonely_error(design, h)
            if design.lonely_psu == "adjust":
                var += np.maximum(squares[h], 0.0)
            elif design.lonely_psu == "average":
                lonely += 1
    if lonely:
        total = int((counts > 0).sum())
        var = var * total / (total - lonely) if total > lonely else np.full_like(var, np.nan)
    return var


def with_replacement_cov(x: Array, design: Design | None = None) -> Array:
    """Covariance of totals of ``x`` over n sampling units drawn with replacement.

    Args:
        x: influence values, n × k.
        design: gives the strata, if any (the sum of the formula over strata), and the lonely-PSU rule.

    Returns:
        k × k matrix ``n/(n−1)·Σ(x − x̄)(x − x̄)ᵀ`` (summed over strata, n and x̄ per stratum).

    Raises:
        LonelyStratumError: a stratum has one respondent and the rule is "fail".

    Example:
        >>> import numpy as np
        >>> float(with_replacement_cov(np.array([[1.0], [-1.0]]))[0, 0])
        4.0

    Reference: R survey ``onestage`` for ``svydesign(ids=~1, ...)``.
    """
    strata = [np.arange(x.shape[0])] if design is None else design.stratum_rows()
    k = x.shape[1]
    cov = np.zeros((k, k))
    lonely, total = 0, 0
    for h, rows in enumerate(strata):
        n = rows.size
        total += n > 0
        if n >= 2:
            xc = x[rows] - x[rows].mean(axis=0)
            cov += xc.T @ xc * (n / (n - 1))
        elif n == 1:
            rule = "fail" if design is None else design.lonely_psu
            if rule == "fail":
                if design is None:
                    return np.full((k, k), np.nan)
                raise _lonely_error(design, h)
            if rule == "adjust":
                cov += np.outer(x[rows[0]], x[rows[0]])
            elif rule == "average":
                lonely += 1
    if lonely:
        cov = cov * total / (total - lonely) if total > lonely else np.full_like(cov, np.nan)
    return cov


def with_replacement_var(x: Array, design: Design) -> Array:
    """Diagonal of :func:`with_replacement_cov`, without forming the k × k matrix."""
    strata = design.stratum_rows()
    sums = np.stack([x[rows].sum(axis=0) for rows in strata])
    # No n × k temporary for the squares.
    squares = np.stack([np.einsum("ij,ij->j", x[rows], x[rows]) for rows in strata])
    counts = np.array([rows.size for rows in strata])
    if design.strata is None:
        if counts[0] < 2:
            return np.full(x.shape[1], np.nan)
        centred = x - x.mean(axis=0)
        return np.asarray(np.einsum("ij,ij->j", centred, centred) * (counts[0] / (counts[0] - 1)))
    return stratum_sums(design, sums, squares, counts)
