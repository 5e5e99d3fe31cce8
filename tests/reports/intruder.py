"""The intruder of issue 11: solve for withheld counts from everything a public report publishes.

It reads one public ``report.json`` (the JSON carries every number the PDF, HTML, CSV, XLSX, page
and API show, at the precision they show it) and writes a mixed-integer linear program:

* one integer count per base (n) and per base × option, for the pooled topline, every country and
  every specialty group;
* the published bases fixed; withheld bases at least 1 (a listed row has respondents);
* the partitions: pooled countries and specialty groups each add up to the pooled topline, in
  bases and in option counts;
* each option count between 0 and its base; single choice: counts add up to the base; multiple
  choice: at least the base;
* where a base's published design effect is 1.00 (equal weights, so its weighted shares are its
  raw shares) each published share pins its count to the rounding interval
  ``(share ± step/2 + slack)·n`` — the "2 of 11 from 18%" attack;

then minimises and maximises every count (HiGHS through ``scipy.optimize.milp``). A count is
*pinned* when its minimum equals its maximum. Weighted shares of bases with unequal weights give
an intruder no linear equation in counts (the weights are not published).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

#: Tolerance for "equal weights": a published design effect of 1.00 (under 1.005 before rounding).
EQUAL_DEFF = 1.0
#: Extra room for weights that are equal only to two decimals of their design effect.
SLACK = 0.003


@dataclass(frozen=True)
class Finding:
    """A count the intruder pinned: base key, option (None for the base itself), value, withheld."""

    dimension: str
    row: str
    option: str | None
    value: int
    withheld: bool


def _rows(report: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    rows = [("topline", report["topline"])]
    for b in report["breakdowns"]:
        rows += [(b["dimension"], r) for r in b["rows"]]
    return rows


def attack(
    report: dict[str, Any],
) -> tuple[dict[tuple[str, str, str | None], tuple[int, int]], list[Finding]]:
    """Bounds on every count of ``report`` and the counts pinned to one value that matter: withheld
    ones (any value) and option cells of 1 to 9 respondents."""
    options = [key for key, _ in report["meta"]["options"]]
    multiple = bool(report["meta"]["multiple"])
    rows = _rows(report)
    index: dict[tuple[str, str, str | None], int] = {}
    for dim, row in rows:
        index[(dim, row["key"], None)] = len(index)
        for o in options:
            index[(dim, row["key"], o)] = len(index)
    size = len(index)
    top = report["topline"]
    total = top["n"]
    upper = float(total if total is not None else 10**6)
    lb, ub = np.zeros(size), np.full(size, upper)
    a_rows: list[np.ndarray] = []
    lo_list: list[float] = []
    hi_list: list[float] = []

    def add(coefs: dict[int, float], low: float, high: float) -> None:
        line = np.zeros(size)
        for i, c in coefs.items():
            line[i] += c
        a_rows.append(line)
        lo_list.append(low)
        hi_list.append(high)

    for dim, row in rows:
        base = index[(dim, row["key"], None)]
        if row["n"] is not None:
            lb[base] = ub[base] = row["n"]
        elif not (dim == "topline"):
            lb[base] = 1
        cells = [index[(dim, row["key"], o)] for o in options]
        for c in cells:
            add({c: 1.0, base: -1.0}, -np.inf, 0.0)
        if multiple:
            add({**dict.fromkeys(cells, 1.0), base: -1.0}, 0.0, np.inf)
        else:
            add({**dict.fromkeys(cells, 1.0), base: -1.0}, 0.0, 0.0)
        equal = row.get("design_effect") is not None and row["design_effect"] <= EQUAL_DEFF
        if equal and row["n"] is not None:
            step = float(row.get("step") or 0.01)
            for o, c in zip(options, cells):
                share = next(e["share"] for e in row["estimates"] if e["option"] == o)
                if share is None:
                    continue
                half = step / 2 + SLACK
                add({c: 1.0}, (share - half) * row["n"], (share + half) * row["n"])
    if total is not None:
        for b in report["breakdowns"]:
            members = [r for r in b["rows"] if r.get("pooled", True)]
            if not members:
                continue
            add(
                {
                    **{index[(b["dimension"], r["key"], None)]: 1.0 for r in members},
                    index[("topline", "all", None)]: -1.0,
                },
                0.0,
                0.0,
            )
            for o in options:
                add(
                    {
                        **{index[(b["dimension"], r["key"], o)]: 1.0 for r in members},
                        index[("topline", "all", o)]: -1.0,
                    },
                    0.0,
                    0.0,
                )
    constraints = LinearConstraint(np.array(a_rows), np.array(lo_list), np.array(hi_list))
    integrality = np.ones(size)
    bounds: dict[tuple[str, str, str | None], tuple[int, int]] = {}
    findings: list[Finding] = []
    for key, i in index.items():
        found = []
        for sign in (1.0, -1.0):
            objective = np.zeros(size)
            objective[i] = sign
            result = milp(objective, constraints=constraints, integrality=integrality, bounds=Bounds(lb, ub))
            if not result.success:
                raise AssertionError(f"the intruder's program has no solution at {key}: {result.message}")
            found.append(sign * result.fun)
        low, high = math.ceil(found[0] - 1e-6), math.floor(found[1] + 1e-6)
        bounds[key] = (low, high)
        dim, row_key, option = key
        row = next(r for d, r in rows if d == dim and r["key"] == row_key)
        withheld = bool(row["withheld"]) or (option is not None and row["n"] is None)
        if low == high and (withheld or (option is not None and 1 <= low <= 9)):
            findings.append(Finding(dim, row_key, option, low, withheld))
    return bounds, findings
