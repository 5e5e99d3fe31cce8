"""Statistical disclosure control: what a public report may publish about a poll.

Everything published about one poll — toplines, breakdowns, bases, population shares, chart
values, every file, the poll page and the API — is one release, and these rules apply to it as a
whole (Hundepool et al., *Statistical Disclosure Control*, 2012; STATS.md "Small bases and small
cells"). The threat is an intruder who reads every published number at its published precision
and solves for what was withheld (``tests/reports/intruder.py`` plays that intruder with a
mixed-integer linear program, on every demo report and on randomised polls).

1. **Pooling needs a base.** A country enters the pooled figures (the topline and the specialty
   breakdown) only with at least :data:`MIN_POOL_BASE` respondents. Three respondents can no
   longer carry a country's whole population share, and a withheld country's respondents are in
   no published total, so no subtraction from the topline or the total base can recover them.
   The report names the countries left out.
2. **Primary suppression.** A row (country or specialty group) of 1 to 9 respondents
   (:data:`MIN_CELL`) is withheld: no n, no share, no design effect.
3. **Complementary suppression.** Where rows add up to a published base (specialty groups add up
   to the pooled n), further rows are withheld, smallest first, until at least two are and
   together they hold at least :data:`MIN_CELL` respondents. Withheld rows carry one neutral
   label ("withheld"), whichever rule withheld them, so the primary cell is not marked.
4. **No percentages on small bases.** A row under :data:`SMALL_BASE` respondents, or under
   :data:`SMALL_BASE` *effective* respondents (Kish), gets its n and no share anywhere: not in the
   sentence, the chart or the tables. Rows under :data:`FLAG_BASE` (n or effective n) are flagged
   and never carry a significance mark.
5. **Rounding.** Shares are published as whole percentages, effective n as a whole number,
   design effects to two decimals, precision to 0.1 point. Where a row's weights are (nearly)
   equal (design effect under :data:`EQUAL_WEIGHTS_DEFF`) its weighted shares are its raw shares,
   and a whole percentage of fewer than 250 respondents would give away every option count, so
   such shares are rounded to a coarser step (:func:`share_step`) that leaves each count at least
   two possible values.
6. **Nothing unweighted.** Public outputs carry no raw shares and no option counts: a raw share
   times n is a count (2 of 11 from "18%").
"""

from __future__ import annotations

from collections.abc import Mapping

#: Smallest number of respondents a published cell may hold (CMS cell-size rule, STATS.md).
MIN_CELL = 10
#: Under this many respondents (or effective respondents) a base gets no percentage (NCHS: under
#: 30 unreliable).
SMALL_BASE = 30
#: Under this many (or effective) a base is flagged and carries no significance marks (NCHS 30–59).
FLAG_BASE = 60
#: Fewest respondents for a country to enter a pooled figure.
MIN_POOL_BASE = 30
#: A row whose design effect is under this has (nearly) equal weights: its shares are raw shares.
EQUAL_WEIGHTS_DEFF = 1.05
#: Steps a published share may be rounded to, finest first.
SHARE_STEPS = (0.01, 0.02, 0.05, 0.10, 0.20)
#: Respondents the rounding interval of one share must span, in equal-weight rows.
MIN_SPAN = 2.5
PRIMARY = "fewer than 10 respondents"
COMPLEMENTARY = "withheld so that a smaller cell cannot be worked out from the total"
WITHHELD = "withheld"
NOT_POOLED = "fewer than 30 respondents: not included in the pooled figures"

#: Base statuses, from most to least published.
OK, FLAGGED, HEDGED, SUPPRESSED = "ok", "flagged", "hedged", "withheld"


def suppression_plan(
    bases: Mapping[str, int], *, total_published: bool = True, min_cell: int = MIN_CELL
) -> dict[str, str | None]:
    """Which rows of one breakdown to withhold, and why (for staff; the public sees one label).

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


def base_status(n: int, effective_n: float | None) -> str:
    """How much of a base may be published: "withheld" (under 10), "hedged" (n only: under 30
    respondents or effective respondents), "flagged" (under 60: read with caution, no marks), "ok".

    Example:
        >>> [base_status(n, e) for n, e in ((9, 9), (72, 4.4), (45, 40), (200, 150))]
        ['withheld', 'hedged', 'flagged', 'ok']
    """
    effective = float(n) if effective_n is None else float(effective_n)
    if n < MIN_CELL:
        return SUPPRESSED
    if n < SMALL_BASE or effective < SMALL_BASE:
        return HEDGED
    if n < FLAG_BASE or effective < FLAG_BASE:
        return FLAGGED
    return OK


def pooled_countries(bases: Mapping[str, int]) -> tuple[str, ...]:
    """Countries with enough respondents to enter a pooled figure, in the given order.

    Example:
        >>> pooled_countries({"US": 250, "MX": 3, "UK": 45})
        ('US', 'UK')
    """
    return tuple(c for c, n in bases.items() if n >= MIN_POOL_BASE)


def share_step(n: int, design_effect: float | None) -> float:
    """The step a row's shares are published to: 0.01 (whole percentages) unless the row's weights
    are nearly equal, then the finest step whose rounding interval spans :data:`MIN_SPAN`
    respondents, so that no option count can be read off the share.

    Example:
        >>> share_step(400, 1.8), share_step(50, 1.0), share_step(31, 1.01)
        (0.01, 0.05, 0.1)
    """
    if design_effect is not None and design_effect >= EQUAL_WEIGHTS_DEFF:
        return SHARE_STEPS[0]
    for step in SHARE_STEPS:
        if step * n >= MIN_SPAN:
            return step
    return SHARE_STEPS[-1]
