"""Design-based variances: Taylor linearisation after calibration.

Everything here works on numpy arrays. An *estimand* is a weighted domain mean (a ratio) or a
weighted domain total of some column: ``domain`` holds each respondent's membership (1 in the
domain with a non-missing value, else 0) and ``values`` the value (0 where missing), one column
per estimate. The design is one stage, each respondent its own sampling unit, as R's
``svydesign(ids=~1, weights=~w)``; calibration is then accounted for as R's ``svyrecvar`` does:

* ``rake``: ten sweeps of backfitting over the margins, ``x - w·ave(x/w, margin)`` (the unweighted
  mean within each margin level), exactly the code R's survey package runs for a ``rake()``d design;
* ``calibrate``, ``poststratify`` and ``trim``: the GREG residual, ``x/(g·√d)`` regressed on
  ``√d·X`` (``d`` the base weights, ``X`` the margin indicators) by least squares, times ``g·√d``,
  as survey does for ``calibrate()`` (its post-stratification formula gives the same residual).
  Written as ``w·(x/w − Xβ)`` with ``β`` from the weighting cells' sums, it needs no division by
  ``g`` and so keeps respondents whose weight is negative (R divides by ``g``, which is fine).

Respondents in one weighting cell share their row of ``X``, so both corrections are computed on
the cells (a few hundred rows), never on an n × p matrix. The variance of the residualised
influence values is then the with-replacement formula, ``n/(n−1)·Σ(x − x̄)²``. A pooled weighting
(``sampling.pooling.pool``) is a design stratified by country: each country's rows are
residualised on its own calibration and the formula is summed over countries
(``svydesign(ids=~1, strata=~country)``), with R's ``survey.lonely.psu`` rules for a country of
one respondent. Many estimates at once, from cell sums: :mod:`sampling.grouped`; replicate
variances: :mod:`sampling.replicates`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from sampling.strata import (
    LONELY_PSU,
    Array,
    LonelyStratumError,
    stratum_sums,
    with_replacement_cov,
    with_replacement_var,
)
from sampling.weighting.plan import margin_codes, observed_cells

__all__ = [
    "LONELY_PSU",
    "RAKING_SWEEPS",
    "VARIANCE_METHODS",
    "Array",
    "Design",
    "LonelyStratumError",
    "calibration_of",
    "design_of",
    "greg_fit",
    "influence",
    "linearized_cov",
    "linearized_se",
    "point",
    "raking_corrections",
    "residualize",
    "stratum_sums",
    "with_replacement_cov",
    "with_replacement_var",
]

#: Backfitting sweeps R's ``svyrecvar`` runs for a raked design (survey 4.x).
RAKING_SWEEPS = 10
VARIANCE_METHODS = {
    "linearization": "linearization",
    "linearisation": "linearization",
    "taylor": "linearization",
    "jackknife": "jackknife",
    "jk1": "jackknife",
    "bootstrap": "bootstrap",
}
#: Calibration methods whose variance is R's raking backfitting.
RAKED = ("rake",)


@dataclass(frozen=True)
class Design:
    """The numbers a variance needs: final and base weights and the calibration model.

    Attributes:
        weights: final weights (length n).
        base: base (design) weights before calibration.
        calibration: "none", "raking" (R's backfitting), "greg" (regression residuals) or
            "pooled" (each country's own calibration, countries as strata).
        margins: integer level codes per raking margin, one per respondent, in the order raked.
        model: a respondent-level calibration model (n × p) for "greg", when not given by cells.
        strata: stratum code per respondent (countries of a pooled weighting), or None.
        parts: for "pooled", each country's row positions and its own design.
        cell_of: weighting cell of each respondent ("raking" and "greg").
        cell_margins: level of every cell in each margin (the cells' rows of ``X``).
        stratum_labels: names of the strata, for messages.
        lonely_psu: R's ``survey.lonely.psu`` rule for a stratum with one respondent.
        calibrated: the weights the raking reached, when the final weights were changed after it
            (R's ``trimWeights``): the backfitting divides by these, as R's stored ``psw``.
    """

    weights: Array
    base: Array
    calibration: str
    margins: tuple[Array, ...] = ()
    model: Array | None = None
    strata: Array | None = None
    parts: tuple[tuple[Array, Design], ...] = ()
    cell_of: Array | None = None
    cell_margins: tuple[Array, ...] = ()
    stratum_labels: tuple[str, ...] = ()
    lonely_psu: str = "fail"
    calibrated: Array | None = None
    # What residualising needs from the margins or the model alone, built on first use.
    _calibration_basis: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def n(self) -> int:
        """Number of respondents (sampling units)."""
        return int(self.weights.shape[0])

    def stratum_rows(self) -> list[Array]:
        """Row positions of each stratum (one stratum, everyone, when unstratified)."""
        if self.strata is None:
            return [np.arange(self.n)]
        return [np.flatnonzero(self.strata == h) for h in np.unique(self.strata)]

    def degrees_of_freedom(self, domain: Array) -> Array:
        """Design df of each domain column: its respondents less its strata (R's ``degf``)."""
        members = domain != 0
        strata = self.stratum_rows()
        present = sum(members[rows].any(axis=0).astype(float) for rows in strata)
        return np.asarray(members.sum(axis=0) - present, dtype=float)

    def cells(self) -> tuple[Array, Array]:
        """(cell of each respondent, cells × p indicator model) of a "greg" or "raking" design."""
        basis = self._calibration_basis
        if "cell_model" not in basis:
            if self.cell_of is not None:
                blocks = []
                for levels in self.cell_margins:
                    block = np.zeros((levels.size, int(levels.max(initial=-1)) + 1))
                    block[np.arange(levels.size), levels] = 1.0
                    blocks.append(block)
                basis["cell_of"] = self.cell_of
                basis["cell_model"] = np.hstack(blocks) if blocks else np.ones((1, 1))
            else:  # a respondent-level model: every respondent is a cell
                basis["cell_of"] = np.arange(self.n)
                basis["cell_model"] = self.model if self.model is not None else np.ones((self.n, 1))
        return basis["cell_of"], basis["cell_model"]


def _aligned(series: pd.Series, sample: pd.DataFrame, what: str) -> Array:
    if not series.index.equals(sample.index):
        if len(series) != len(sample) or not series.index.sort_values().equals(sample.index.sort_values()):
            raise ValueError(
                f"{what} is not aligned to sample.index: pass the same respondents "
                "(same index) that were weighted"
            )
        series = series.reindex(sample.index)
    return np.asarray(series, dtype=float)


def _check_lonely(lonely_psu: str) -> None:
    if lonely_psu not in LONELY_PSU:
        raise ValueError(f"lonely_psu={lonely_psu!r}: use one of {', '.join(map(repr, LONELY_PSU))}")


def calibration_of(result: Any) -> str:
    """ "raking" when R's backfitting applies to ``result`` (rake, trimWeights on raked weights), else "greg"."""
    settings = getattr(result, "settings", {}) or {}
    if result.method in RAKED or (result.method == "trim" and settings.get("redistribute") == "even"):
        return "raking"
    return "greg"


def design_of(sample: pd.DataFrame, result: Any | None, *, lonely_psu: str = "fail") -> Design:
    """Build the variance design for ``sample`` weighted by ``result`` (None: equal weights).

    Args:
        sample: the respondents.
        result: a ``WeightingResult``; a ``PooledResult``; a Series of fixed (design) weights
            aligned to the sample, taken as not calibrated; or None for an unweighted sample.
        lonely_psu: for a pooled result, what a country with a single respondent contributes to
            a variance: "fail" (refuse, R's default), "remove" or "certainty" (nothing),
            "adjust" (its value's distance from the overall mean), "average" (the other countries'
            average); R's ``options(survey.lonely.psu=)``.

    Returns:
        A :class:`Design`.

    Raises:
        ValueError: the result's weights are not aligned to the sample, or an unknown ``lonely_psu``.
        TypeError: ``result`` is none of WeightingResult, PooledResult, Series or None.

    Example:
        >>> import pandas as pd
        >>> design_of(pd.DataFrame({"a": [1, 2]}), None).calibration
        'none'

    A ``PooledResult`` (countries weighted to their own frames, then pooled) gives a design
    stratified by country, each country calibrated as its own result was, as R's
    ``svydesign(ids=~1, strata=~country, weights=~w)`` raked to country-by-variable margins.

    Reference: the design R's survey builds with ``svydesign(ids=~1, weights=~w)`` then rake/calibrate.
    """
    _check_lonely(lonely_psu)
    n = len(sample)
    if result is not None and hasattr(result, "by_country"):
        return _pooled_design(sample, result, lonely_psu)
    if result is None:
        ones = np.ones(n)
        return Design(weights=ones, base=ones, calibration="none", lonely_psu=lonely_psu)
    if isinstance(result, pd.Series):
        weights = _aligned(result, sample, "weights")
        if not np.isfinite(weights).all() or (weights < 0).any():
            raise ValueError(
                "weights must be finite and non-negative: fix or drop the respondents without one"
            )
        return Design(weights=weights, base=weights, calibration="none", lonely_psu=lonely_psu)
    if not all(hasattr(result, a) for a in ("weights", "base_weights", "method", "targets", "settings")):
        raise TypeError(
            "result must be a sampling.WeightingResult (from rake, calibrate, poststratify or "
            f"trim), a Series of design weights, or None, not {type(result).__name__}"
        )
    weights = _aligned(result.weights, sample, "result.weights")
    base = _aligned(result.base_weights, sample, "result.base_weights")
    collapse = result.settings.get("collapse") or {}
    coded: dict[str, tuple[Array, list[Any]]] = {}
    codes = [
        np.asarray(margin_codes(sample, key, list(levels), collapse, coded), dtype=np.intp)
        for key, levels in result.targets.items()
    ]
    sizes = [len(levels) for levels in result.targets.values()]
    cell_of, cell_levels, _ = observed_cells(codes, sizes, n)
    reached = getattr(result, "calibrated_weights", None)
    return Design(
        weights=weights,
        base=base,
        calibration=calibration_of(result),
        margins=tuple(codes),
        cell_of=np.asarray(cell_of, dtype=np.intp),
        cell_margins=tuple(np.asarray(c, dtype=np.intp) for c in cell_levels),
        lonely_psu=lonely_psu,
        calibrated=None if reached is None else _aligned(reached, sample, "result.calibrated_weights"),
    )


def _pooled_design(sample: pd.DataFrame, result: Any, lonely_psu: str) -> Design:
    if not sample.index.is_unique:
        raise ValueError("sample.index has duplicate labels: give each respondent a unique index")
    weights = _aligned(result.weights, sample, "result.weights")
    base = np.ones(len(sample))
    strata = np.full(len(sample), -1)
    parts = []
    for h, country_result in enumerate(result.by_country.values()):
        rows = sample.index.get_indexer(country_result.weights.index)
        if (rows < 0).any():
            raise ValueError(
                "the pooled result covers respondents missing from the sample: pass the sample "
                "that was weighted"
            )
        part = design_of(sample.iloc[rows], country_result)
        base[rows] = part.base
        strata[rows] = h
        # The pooled weights are the country's weights times a constant: residuals are unchanged.
        parts.append((rows, replace(part, weights=weights[rows])))
    if (strata < 0).any():
        raise ValueError(
            "some respondents belong to no country of the pooled result: pass the sample that was weighted"
        )
    return Design(
        weights=weights,
        base=base,
        calibration="pooled",
        strata=strata,
        parts=tuple(parts),
        stratum_labels=tuple(str(code) for code in result.by_country),
        lonely_psu=lonely_psu,
    )


def residualize(design: Design, x: Array) -> Array:
    """Remove from influence values ``x`` (n × k) the part the calibration fixes.

    Args:
        design: the variance design.
        x: weighted influence values, one column per estimate.

    Returns:
        The calibration residuals, same shape as ``x``.

    Example:
        >>> import numpy as np
        >>> d = Design(np.ones(2), np.ones(2), "none")
        >>> residualize(d, np.array([[1.0], [-1.0]])).ravel().tolist()
        [1.0, -1.0]

    Reference: R survey ``svyrecvar`` (postStrata handling for "raking" and "greg_calibration").
    """
    if design.calibration == "none":
        return x
    if design.calibration == "pooled":
        out = np.array(x, dtype=float)
        for rows, part in design.parts:
            out[rows] = residualize(part, x[rows])
        return out
    w = design.weights
    if design.calibration == "raking":
        reached = w if design.calibrated is None else design.calibrated
        psw = np.where(reached == 0, 1.0, reached)[:, None]
        return _backfit(design, x / psw) * psw
    cell_of, _ = design.cells()
    a = np.divide(x, w[:, None], out=np.zeros_like(x), where=(w != 0)[:, None])
    one_hot = sparse.csr_array(
        (np.ones(design.n), cell_of, np.arange(design.n + 1)), shape=(design.n, int(cell_of.max()) + 1)
    )
    fitted = greg_fit(design, one_hot.T @ (design.base[:, None] * a))
    return np.asarray(x - w[:, None] * fitted[cell_of], dtype=float)


def greg_fit(design: Design, cell_sums: Array) -> Array:
    """Each cell's fitted value ``Xβ`` of the GREG regression, from the cells' sums of ``d·x/w``.

    ``β = (XᵀDX)⁺XᵀD(x/w)``: the least-squares fit of R's ``qr.resid(qr(√d·X), x/(g√d))``, whose
    normal equations need only the cells' base-weight totals and sums. The pseudo-inverse drops the
    intercepts the margins share (each margin's indicators sum to one), as R's pivoting QR does.
    """
    basis = design._calibration_basis
    cell_of, cell_model = design.cells()
    if "greg_inverse" not in basis:
        mass = np.bincount(cell_of, weights=design.base, minlength=cell_model.shape[0])
        gram = cell_model.T @ (cell_model * mass[:, None])
        values, vectors = np.linalg.eigh(gram)
        keep = values > values.max(initial=0.0) * 1e-12
        basis["greg_inverse"] = (vectors[:, keep] / values[keep]) @ vectors[:, keep].T
    beta = basis["greg_inverse"] @ (cell_model.T @ cell_sums)
    return np.asarray(cell_model @ beta, dtype=float)


def raking_corrections(design: Design, level_sums: Array) -> Array:
    """R's ten backfitting sweeps run on the margins' level corrections, given the levels' sums of ``x/w``.

    Every sweep subtracts level means, so the residual is ``z − Σⱼ Mⱼaⱼ`` (``Mⱼ`` the indicators of
    margin j, ``aⱼ`` a correction per level and column). Margin j's level sums are
    ``Mⱼᵀz − Σᵢ MⱼᵀMᵢaᵢ``, which needs only the level sums of ``z`` and the cross-counts of the
    margins' levels: the arithmetic is R's sweep for sweep, without visiting respondents.

    Returns:
        The stacked corrections (levels of all margins × columns).
    """
    basis = _raking_basis(design)
    cross, counts = basis["cross"], basis["counts"]
    corrections = np.zeros_like(level_sums)
    for _ in range(RAKING_SWEEPS):
        for lo, hi in basis["blocks"]:
            corrections[lo:hi] += (level_sums[lo:hi] - cross[lo:hi] @ corrections) / counts[lo:hi, None]
    return corrections


def _raking_basis(design: Design) -> dict[str, Any]:
    """Cross-counts of the margins' levels (from the cells when known) and each margin's block."""
    basis = design._calibration_basis
    if "cross" not in basis:
        if design.cell_of is not None and design.cell_margins:
            count = np.bincount(design.cell_of, minlength=design.cell_margins[0].size).astype(float)
            sizes = [block_size(levels) for levels in design.cell_margins]
            starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.intp)
            cross = np.zeros((int(starts[-1]), int(starts[-1])))
            # One bincount per pair of margins (a BLAS product here would wait on threads).
            for i, j in itertools.product(range(len(sizes)), repeat=2):
                pair = design.cell_margins[i] * sizes[j] + design.cell_margins[j]
                block = np.bincount(pair, weights=count, minlength=sizes[i] * sizes[j])
                cross[starts[i] : starts[i + 1], starts[j] : starts[j + 1]] = block.reshape(
                    sizes[i], sizes[j]
                )
        else:
            sizes = [block_size(codes) for codes in design.margins]
            cross = (_indicators(design).T @ _indicators(design)).toarray()
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.intp)
        basis.update(
            cross=cross,
            counts=np.maximum(np.diag(cross), 1.0),
            blocks=list(itertools.pairwise(offsets)),
        )
    return basis


def block_size(levels: Array) -> int:
    """Number of levels a margin's codes use (its largest code plus one)."""
    return int(levels.max(initial=-1)) + 1


def _indicators(design: Design) -> sparse.csr_array:
    """Respondents × margin levels indicators (sparse), built once."""
    basis = design._calibration_basis
    if "indicators" not in basis:
        sizes = [block_size(codes) for codes in design.margins]
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.intp)
        columns = np.stack([codes + offset for codes, offset in zip(design.margins, offsets)], axis=1)
        basis["indicators"] = sparse.csr_array(
            (np.ones(columns.size), columns.ravel(), np.arange(0, columns.size + 1, len(sizes))),
            shape=(design.n, int(offsets[-1])),
        )
    return basis["indicators"]


def _backfit(design: Design, z: Array) -> Array:
    """R's raking backfitting, ``z − ave(z, margin)`` margin after margin for ten sweeps, on all columns."""
    indicators = _indicators(design)
    return np.asarray(z - indicators @ raking_corrections(design, indicators.T @ z), dtype=float)


def point(weights: Array, domain: Array, values: Array, statistic: str) -> Array:
    """Weighted domain means or totals for one weight vector (n,) or several (n × R → R × k)."""
    totals = np.asarray(weights.T @ (domain * values), dtype=float)
    if statistic == "total":
        return totals
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(totals / (weights.T @ domain), dtype=float)


def influence(design: Design, domain: Array, values: Array, statistic: str) -> Array:
    """Weighted influence values of domain means (``w·1_d·(y − ȳ_d)/Σw1_d``) or totals (``w·1_d·y``)."""
    w = design.weights[:, None]
    if statistic == "total":
        return np.asarray(w * domain * values, dtype=float)
    denom = design.weights @ domain
    with np.errstate(invalid="ignore", divide="ignore"):
        estimate = (design.weights @ (domain * values)) / denom
        # In place: n × k arrays are a survey's whole answer matrix; one is allocated, not four.
        x = np.asarray(values - estimate, dtype=float)
        x *= domain
        x *= w
        x /= denom
    return x


def linearized_se(design: Design, domain: Array, values: Array, statistic: str = "mean") -> Array:
    """Linearised standard errors of many domain means or totals in one pass, calibration accounted for.

    All columns are residualised together (one backfitting or one projection for the lot), so a
    survey's every question, option and breakdown costs about as much as a few.

    Args:
        design: from :func:`design_of` (build it once per weighting and reuse it: the margins'
            indicators are kept on it after the first call).
        domain: n × k membership, 1 where the respondent is in the estimate's domain and answered.
        values: n × k values (0/1 for an option's share); 0 where missing.
        statistic: "mean" (shares and means) or "total".

    Returns:
        The k standard errors, as :func:`sampling.estimate` reports them one variable at a time.

    Example:
        >>> import numpy as np, pandas as pd
        >>> s = pd.DataFrame({"a": [1.0, 0.0, 1.0, 1.0], "b": [0.0, 0.0, 1.0, 1.0]})
        >>> se = linearized_se(design_of(s, None), np.ones((4, 2)), s.to_numpy())
        >>> se.round(4).tolist()  # sqrt(p(1−p)/(n−1)): sqrt(.1875/3), sqrt(.25/3)
        [0.25, 0.2887]

    Reference: R survey ``svymean``/``svytotal`` (``svyrecvar``) on a raked or calibrated design,
    for several variables in one call.
    """
    x = np.nan_to_num(influence(design, domain, values, statistic))
    return np.asarray(np.sqrt(with_replacement_var(residualize(design, x), design)), dtype=float)


def linearized_cov(design: Design, domain: Array, values: Array, statistic: str) -> Array:
    """Linearised covariance matrix of the estimates (k × k), calibration accounted for."""
    x = np.nan_to_num(influence(design, domain, values, statistic))
    return with_replacement_cov(residualize(design, x), design)
