"""Small-cell rules for every output that leaves staff hands.

Primary suppression: a base of 1 to 9 respondents (:data:`MIN_CELL`) is withheld. Complementary
suppression: when the rows of a breakdown add up to a published total, one withheld row could be
recovered by subtraction, so further rows (the smallest first) are withheld until at least two
are and together they hold at least :data:`MIN_CELL` respondents. Bases under :data:`SMALL_BASE`
are published but flagged as small.
"""

from __future__ import annotations

from collections.abc import Mapping

#: Smallest number of respondents a published cell may hold (CMS cell-size rule, STATS.md).
MIN_CELL = 10
#: Bases under this are flagged as small (NCHS: under 30 unreliable).
SMALL_BASE = 30
PRIMARY = "fewer than 10 respondents"
COMPLEMENTARY = "withheld so that a smaller cell cannot be worked out from the total"


def suppression_plan(
    bases: Mapping[str, int], *, total_published: bool = True, min_cell: int = MIN_CELL
) -> dict[str, str | None]:
    """Which rows of one breakdown to withhold, and why.

    Args:
        bases: respondents per row; rows partition the published total.
        total_published: whether the rows' total appears elsewhere in the report.
        min_cell: the primary threshold.

    Returns:
        ``{row: reason or None}`` with reason :data:`PRIMARY` or :data:`COMPLEMENTARY`.

    Example:
        >>> suppression_plan({"US": 120, "UK": 40, "IE": 9})
        {'US': None, 'UK': 'withheld so that a smaller cell cannot be worked out from the total', 'IE': 'fewer than 10 respondents'}

    Reference: CMS cell-size suppression policy (cells 1–10 and cells that allow their recovery);
    STATS.md "Small bases and small cells".
    """
    plan: dict[str, str | None] = {k: (PRIMARY if 0 < n < min_cell else None) for k, n in bases.items()}
    withheld = [k for k, r in plan.items() if r]
    if not withheld or not total_published:
        return plan
    while True:
        total = sum(bases[k] for k in withheld)
        open_rows = sorted((bases[k], k) for k, r in plan.items() if r is None and bases[k] > 0)
        if (len(withheld) >= 2 and total >= min_cell) or not open_rows:
            return plan
        _, row = open_rows[0]
        plan[row] = COMPLEMENTARY
        withheld.append(row)
