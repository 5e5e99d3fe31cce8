"""Estimates and their linearised variances from group sums, without an n × k matrix.

A categorical question's share of a level within a domain is a function of each respondent's
(weighting cell, domain, level) only, and so are its influence value and its calibration
residual, up to the respondent's weight. So respondents are grouped by that triple, each group's
count and sums of ``w``, ``w²`` and the base weights are taken with one ``bincount`` each, and the
estimates, R's calibration residuals and the with-replacement variance are computed from the few
thousand groups. A numeric variable adds the sums of ``y``, ``w·y``, ``w²·y`` and ``w²·y²`` per
(cell, domain). The arithmetic is :mod:`sampling.variance`'s, rearranged:

* influence value of respondent i for column j: ``x = w·a`` with ``a = α·y + β`` constant within a
  group (categorical: ``α = 0``);
* residual ``e = w·(a − c)``, ``c`` the cell's calibration correction (raking backfitting or GREG
  fit), computed from the cells' sums of ``a`` (raking) or ``d·a`` (GREG);
* ``Σe`` and ``Σe²`` per stratum follow from the groups' sums of ``w``, ``w·y``, ``w²``, ``w²y``,
  ``w²y²``.

Memory is a few arrays of n integers and floats, whatever the number of levels and domains.

Reference: the same numbers as R survey's ``svymean``/``svytotal``/``svyby`` (``svyrecvar``) after
``rake``/``calibrate``/``postStratify``, to rounding; tested against R in
``tests/sampling/test_r_agreement.py`` and ``test_r_gaps.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from sampling.variance import Array, Design, greg_fit, raking_corrections, stratum_sums


@dataclass(frozen=True)
class Groups:
    """Respondents grouped by (weighting cell, domain, level).

    Attributes:
        of: group of each respondent.
        cell: global weighting cell of each group (cells of different strata never coincide).
        stratum: stratum of each group (0 when unstratified).
        domain: domain of each group, -1 outside every domain (or without an answer).
        level: level of each group (categorical variables), else -1.
        sums: per group: ``count``, ``nz`` (non-zero weights), ``w``, ``w2``, ``d``, and with a
            numeric variable ``y`` (over non-zero weights), ``dy``, ``wy``, ``wyy``, ``w2y``, ``w2yy``.
        strata_counts: respondents per stratum.
        units: each calibration unit (the design, or each country's): (its design, first global cell,
            row positions or None for all rows).
    """

    of: Array
    cell: Array
    stratum: Array
    domain: Array
    level: Array
    sums: dict[str, Array]
    strata_counts: Array
    units: tuple[tuple[Design, int, Array | None], ...]


def _units(design: Design) -> tuple[Array, Array, tuple[tuple[Design, int, Array | None], ...]]:
    """Global weighting cell of each respondent, the stratum of each cell, and the calibration units."""
    if design.calibration == "pooled":
        cell = np.empty(design.n, dtype=np.intp)
        strata: list[Array] = []
        units = []
        offset = 0
        for h, (rows, part) in enumerate(design.parts):
            local = _local_cells(part)
            size = int(local.max(initial=-1)) + 1
            cell[rows] = local + offset
            strata.append(np.full(size, h, dtype=np.intp))
            units.append((part, offset, rows))
            offset += size
        return cell, np.concatenate(strata), tuple(units)
    local = _local_cells(design)
    size = int(local.max(initial=-1)) + 1
    return local, np.zeros(size, dtype=np.intp), ((design, 0, None),)


def _local_cells(design: Design) -> Array:
    if design.calibration == "none":
        return np.zeros(design.n, dtype=np.intp)
    return np.asarray(design.cells()[0], dtype=np.intp)


def group(design: Design, domain: Array, level: Array | None, y: Array | None) -> Groups:
    """Group respondents by (cell, domain, level) and take each group's sums.

    Args:
        design: the variance design.
        domain: domain index of each respondent (-1: in no domain, or no answer).
        level: level index of each respondent (categorical), or None.
        y: the numeric values (0 where missing), or None for a categorical variable.

    Returns:
        A :class:`Groups`.
    """
    cell, cell_stratum, units = _units(design)
    n_domains = int(domain.max(initial=-1)) + 2
    n_levels = 1 if level is None else int(level.max(initial=-1)) + 2
    key = cell.astype(np.int64) * n_domains + (domain + 1)
    if level is not None:
        key = key * n_levels + (level + 1)
    space = (int(cell.max(initial=-1)) + 1) * n_domains * n_levels
    if space <= max(4 * design.n, 1 << 16):
        counts = np.bincount(key, minlength=space)
        observed = np.flatnonzero(counts)
        remap = np.zeros(space, dtype=np.intp)
        remap[observed] = np.arange(observed.size)
        of = remap[key]
    else:
        observed, of = np.unique(key, return_inverse=True)
    size = observed.size
    rest, lev = np.divmod(observed, n_levels)
    group_cell, dom = np.divmod(rest, n_domains)
    w, d = design.weights, design.base
    nonzero = (w != 0).astype(float)

    def total(values: Array | None = None) -> Array:
        return np.bincount(of, weights=values, minlength=size).astype(float)

    # Base weights only where the final weight is not zero: R's GREG residual divides x by w there.
    dz = d * nonzero
    sums = {"count": total(), "nz": total(nonzero), "w": total(w), "w2": total(w * w), "d": total(dz)}
    if y is not None:
        wy = w * y
        sums.update(
            y=total(nonzero * y), dy=total(dz * y), wy=total(wy), wyy=total(wy * y), w2y=total(wy * w)
        )
        sums["w2yy"] = total(wy * wy)
    strata_counts = np.bincount(cell_stratum[cell], minlength=int(cell_stratum.max(initial=0)) + 1)
    return Groups(
        of=of,
        cell=group_cell.astype(np.intp),
        stratum=cell_stratum[group_cell],
        domain=(dom - 1).astype(np.intp),
        level=(lev - 1).astype(np.intp) if level is not None else np.full(size, -1, dtype=np.intp),
        sums=sums,
        strata_counts=strata_counts,
        units=units,
    )


@dataclass(frozen=True)
class Columns:
    """The estimates' columns: domain and level of each (level -1 for a numeric variable)."""

    domain: Array
    level: Array


def _indicator(groups: Groups, columns: Columns) -> Array:
    """G × k: whether a group is in the column's domain (and level, for a categorical variable)."""
    inside = groups.domain[:, None] == columns.domain[None, :]
    if (columns.level >= 0).any():
        return np.asarray(inside & (groups.level[:, None] == columns.level[None, :]), dtype=float)
    return np.asarray(inside, dtype=float)


def estimates(
    groups: Groups, columns: Columns, statistic: str, sums: dict[str, Array] | None = None
) -> Array:
    """Weighted means or totals of every column (``sums`` replaces the groups' own, e.g. a replicate's)."""
    s = groups.sums if sums is None else sums
    in_domain = np.asarray(groups.domain[:, None] == columns.domain[None, :], dtype=float)
    numerator_weights = s["wy"] if "wy" in s else s["w"]
    matched = _indicator(groups, columns) if "wy" not in s else in_domain
    # Sums are per group (G) or per group and replicate (G × R, giving R × k).
    totals = numerator_weights.T @ matched
    if statistic == "total":
        return np.asarray(totals, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(totals / (s["w"].T @ in_domain), dtype=float)


def linearized_variance(
    groups: Groups, columns: Columns, theta: Array, statistic: str, design: Design
) -> Array:
    """Linearised variance of every column, calibration and strata accounted for (see the module)."""
    s = groups.sums
    in_domain = np.asarray(groups.domain[:, None] == columns.domain[None, :], dtype=float)
    numeric = "wy" in s
    if statistic == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = in_domain / (s["w"] @ in_domain)[None, :]
        scale = np.nan_to_num(scale)
        if numeric:
            alpha, beta = scale, -scale * theta[None, :]
        else:
            alpha, beta = np.zeros_like(scale), scale * (_indicator(groups, columns) - theta[None, :])
    else:
        alpha, beta = (
            (in_domain, np.zeros_like(in_domain)) if numeric else (0 * in_domain, _indicator(groups, columns))
        )
    correction = _corrections(groups, alpha, beta)
    gamma = beta - correction
    e_sum = gamma * s["w"][:, None]
    e_square = gamma**2 * s["w2"][:, None]
    if numeric:
        e_sum += alpha * s["wy"][:, None]
        e_square += alpha**2 * s["w2yy"][:, None] + 2 * alpha * gamma * s["w2y"][:, None]
    n_strata = groups.strata_counts.size
    by_stratum = sparse.csr_array(
        (np.ones(groups.stratum.size), (groups.stratum, np.arange(groups.stratum.size))),
        shape=(n_strata, groups.stratum.size),
    )
    return stratum_sums(design, by_stratum @ e_sum, by_stratum @ e_square, groups.strata_counts)


def _corrections(groups: Groups, alpha: Array, beta: Array) -> Array:
    """Each group's calibration correction ``c`` (G × k): R's backfitting or the GREG fit of its cell."""
    s = groups.sums
    out = np.zeros_like(beta)
    numeric = "wy" in s
    for unit, offset, _rows in groups.units:
        if unit.calibration == "none":
            continue
        cells = unit.cells()[1].shape[0]
        mine = np.flatnonzero((groups.cell >= offset) & (groups.cell < offset + cells))
        local = groups.cell[mine] - offset
        to_cells = sparse.csr_array(
            (np.ones(mine.size), (local, np.arange(mine.size))), shape=(cells, mine.size)
        )
        if unit.calibration == "raking":
            # Backfitting works on z = x/w, summed over respondents with a weight (R's x/psw).
            z = beta[mine] * s["nz"][mine, None]
            if numeric:
                z += alpha[mine] * s["y"][mine, None]
            model = unit.cells()[1]
            fitted = model @ raking_corrections(unit, model.T @ (to_cells @ z))
        else:
            z = beta[mine] * s["d"][mine, None]
            if numeric:
                z += alpha[mine] * s["dy"][mine, None]
            fitted = greg_fit(unit, to_cells @ z)
        out[mine] = fitted[local]
    return out


def srs_variance(groups: Groups, columns: Columns, theta: Array, statistic: str, fpc: bool) -> Array:
    """Variance of each estimate under simple random sampling of the domain's respondents.

    ``s²_w/n`` (with replacement, R's ``deff="replace"``) or ``s²_w/n·(N − n)/N`` with N the domain's
    weight total (without replacement, R's ``deff=TRUE``); ``s²_w`` is the weighted variance of the
    variable ×n/(n−1), n the respondents with a non-zero weight; totals multiply by N².
    """
    s = groups.sums
    in_domain = np.asarray(groups.domain[:, None] == columns.domain[None, :], dtype=float)
    wsum = s["w"] @ in_domain
    nobs = s["nz"] @ in_domain
    with np.errstate(invalid="ignore", divide="ignore"):
        if "wy" in s:
            mean = (s["wy"] @ in_domain) / wsum
            s2 = ((s["wyy"] @ in_domain) / wsum - mean**2) * nobs / (nobs - 1)
        else:
            share = (s["w"] @ _indicator(groups, columns)) / wsum
            s2 = share * (1 - share) * nobs / (nobs - 1)
        srs = s2 / nobs
        if fpc:
            srs = srs * (wsum - nobs) / wsum
        return np.asarray(srs * wsum**2 if statistic == "total" else srs, dtype=float)


def domain_figures(groups: Groups, columns: Columns) -> dict[str, Array]:
    """Per column: respondents ``n``, Kish's effective n, weight total and degrees of freedom."""
    s = groups.sums
    in_domain = np.asarray(groups.domain[:, None] == columns.domain[None, :], dtype=float)
    n = s["count"] @ in_domain
    with np.errstate(invalid="ignore", divide="ignore"):
        kish = (s["w"] @ in_domain) ** 2 / (s["w2"] @ in_domain)
    n_strata = groups.strata_counts.size
    present = np.zeros((n_strata, columns.domain.size))
    np.add.at(present, groups.stratum, in_domain * s["count"][:, None])
    return {"n": n, "kish_n": kish, "df": n - (present > 0).sum(axis=0), "weight": s["w"] @ in_domain}


def replicate_sums(groups: Groups, replicate_weights: Array, y: Array | None) -> dict[str, Array]:
    """Groups' sums of each replicate's weights (G × R), and of weights times ``y`` for a numeric variable."""
    n = groups.of.size
    one_hot = sparse.csr_array((np.ones(n), (groups.of, np.arange(n))), shape=(groups.cell.size, n))
    sums: dict[str, Any] = {"w": np.asarray(one_hot @ replicate_weights)}
    if y is not None:
        sums["wy"] = np.asarray(one_hot @ (replicate_weights * y[:, None]))
    return sums
