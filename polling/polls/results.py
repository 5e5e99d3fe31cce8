"""Live poll results: counts in SQL, weights from ``reports.weighting``, small cells withheld.

While a poll is open they count only the votes released so far, k at a time
(``polling.polls.privacy``), so no reading betrays the last voter. Results are cached per
process under (poll, audience, state, number of votes counted): a poll nobody is voting in is
weighted once.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from polling import policies
from polling.accounts.models import User
from polling.errors import Forbidden
from polling.polls import extract, privacy, service
from polling.polls.models import Poll, Vote
from polling.respondents.keys import RespondentKeys
from reports.build import poll_figures
from reports.inputs import check_responses
from reports.precision import METHOD as PRECISION_METHOD
from reports.precision import Precision
from reports.statistics import BaseFigures
from sampling.weighting import ConvergenceError, InfeasibleTargetsError

CACHE_SIZE = 64
MARGIN_NAMES = {"specialty": _l("specialty"), "sex": _l("sex"), "age_band": _l("age")}
NO_MARGIN = _l("none, too few votes")
PRECISION_LABEL = PRECISION_METHOD + "; members self-select, so it assumes the weighting removes that bias"


@dataclass(frozen=True)
class OptionResult:
    """One option: the published weighted share and its precision; votes and raw share for staff only."""

    option_id: int
    label_en: str
    label_es: str
    votes: int | None
    raw_share: float | None
    weighted_share: float | None
    precision: Precision | None = None

    def label(self, locale: str) -> str:
        return self.label_es if locale.startswith("es") else self.label_en

    def precision_text(self, locale: str) -> str:
        return "" if self.precision is None else self.precision.text(locale)


@dataclass(frozen=True)
class GroupRow:
    """One row of a breakdown; ``n`` and ``shares`` are None when the row is withheld, ``shares``
    None per option when the base is too small for percentages."""

    group: str
    label_en: str
    label_es: str
    n: int | None
    suppressed: bool
    small_base: bool
    shares: dict[int, float | None]
    precision: dict[int, Precision | None]
    pooled: bool = True

    def label(self, locale: str) -> str:
        return self.label_es if locale.startswith("es") else self.label_en


@dataclass(frozen=True)
class PollResults:
    poll_id: int
    state: str
    n: int
    effective_n: float | None
    design_effect: float | None
    options: tuple[OptionResult, ...]
    by_country: tuple[GroupRow, ...]
    by_specialty_group: tuple[GroupRow, ...]
    margins: dict[str, tuple[str, ...]]
    weighting_problem: str | None = None
    withheld: bool = False
    multiple: bool = False
    pooled: tuple[str, ...] = ()
    shares_published: bool = True

    def margins_label(self, locale: str) -> str:
        """Which margins each country was weighted on, e.g. 'US: specialty, sex, age; NZ: none'.

        Rendered within a request, so the names follow the page's language; ``locale`` is kept
        for callers that format outside one.
        """
        if self.weighting_problem:
            return self.weighting_problem
        parts = []
        for code, names in self.margins.items():
            used = ", ".join(str(MARGIN_NAMES.get(name, name)) for name in names) or str(NO_MARGIN)
            parts.append(f"{code}: {used}")
        return "; ".join(parts)

    def as_api(self, locale: str) -> dict[str, Any]:
        def precision(p: Precision | None) -> dict[str, Any] | None:
            if p is None:
                return None
            return {"text": p.text(locale), "half_width": p.half_width, "low": p.low, "high": p.high}

        def row(r: GroupRow) -> dict[str, Any]:
            return {
                "group": r.group,
                "label": r.label(locale),
                "n": r.n,
                "suppressed": r.suppressed,
                "small_base": r.small_base,
                "pooled": r.pooled,
                "shares": {str(k): v for k, v in r.shares.items()},
                "precision": {str(k): precision(v) for k, v in r.precision.items()},
            }

        return {
            "poll_id": self.poll_id,
            "state": self.state,
            "n": self.n,
            "effective_n": self.effective_n,
            "design_effect": self.design_effect,
            "precision_label": PRECISION_LABEL,
            "multiple": self.multiple,
            "pooled_countries": list(self.pooled),
            "weighting": self.margins_label(locale),
            "options": [
                {
                    "option_id": o.option_id,
                    "label": o.label(locale),
                    "votes": o.votes,
                    "raw_share": o.raw_share,
                    "weighted_share": o.weighted_share,
                    "precision": precision(o.precision),
                }
                for o in self.options
            ],
            "by_country": [row(r) for r in self.by_country],
            "by_specialty_group": [row(r) for r in self.by_specialty_group],
        }


def audience(user: User | None) -> str:
    """'staff' (every cell, for fielding staff) or 'public' (small cells withheld)."""
    return "staff" if policies.can(user, "poll.manage") else "public"


def may_see(session: Session, keys: RespondentKeys, user: User | None, poll: Poll) -> bool:
    """Staff always; a member once they have voted; anyone else only through a published report.

    A closed poll's results are public once staff publish its report (the press room's one
    release, with its disclosure control), and hidden again if the report is withdrawn.
    """
    if policies.can(user, "poll.manage"):
        return True
    member = user.member if user is not None else None
    if member is not None and service.has_voted(session, keys, member, poll.id):
        return True
    return service.state(poll) == "closed" and report_published(session, poll.id)


#: Whether a closed poll's results are released to the public; the press room registers its
#: check (a published report), so that polls need not import the press room.
_RELEASE_CHECKS: list[Callable[[Session, int], bool]] = []


def release_check(check: Callable[[Session, int], bool]) -> Callable[[Session, int], bool]:
    """Register a function telling whether a closed poll's results are public (decorator)."""
    _RELEASE_CHECKS.append(check)
    return check


def report_published(session: Session, poll_id: int) -> bool:
    """Whether some registered check releases the poll's results (its report is published)."""
    return any(check(session, poll_id) for check in _RELEASE_CHECKS)


def require_access(session: Session, keys: RespondentKeys, user: User | None, poll: Poll) -> None:
    if not may_see(session, keys, user, poll):
        raise Forbidden(
            _l("Vote first to see the results, or read the poll's report once Pulse publishes it.")
        )


def _cache() -> OrderedDict[tuple[Any, ...], PollResults]:
    return current_app.extensions.setdefault("pulse.results_cache", OrderedDict())


def for_poll(session: Session, poll: Poll, *, audience: str) -> PollResults:
    """The poll's results for ``audience`` ("staff" sees small cells, "public" does not)."""
    # Open polls show the counts released k votes at a time (respondents.anonymity); closed ones all.
    state = service.state(poll)
    cells = None if state == "closed" else privacy.live_cells(session, poll.id)
    if cells is None:
        count = session.scalar(select(func.count()).select_from(Vote).where(Vote.poll_id == poll.id))
    else:
        count = int(cells["n"].sum())
    key = (poll.id, audience, state, count)
    cache = _cache()
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    if cells is None:
        cells = extract.vote_cells(session, poll)
    computed = compute(poll, cells, audience=audience)
    cache[key] = computed
    while len(cache) > CACHE_SIZE:
        cache.popitem(last=False)
    return computed


def compute(poll: Poll, cells: pd.DataFrame, *, audience: str) -> PollResults:
    """Weighted shares, their precision and breakdowns from :func:`extract.vote_cells`.

    The numbers come from :func:`reports.build.poll_figures`, the function the published report
    uses: the same pooling, suppression, rounding and credibility interval, so the page, the API
    and the PDF agree to the last digit. Staff also see vote counts and raw shares; nobody else
    does (a raw share times n is a count).
    """
    state = service.state(poll)
    public = audience != "staff"
    counts = cells["n"].to_numpy(dtype=float)
    n = int(counts.sum())
    empty = tuple(
        OptionResult(o.id, o.label_en, o.label_es, None if public else 0, None, None) for o in poll.options
    )
    if n == 0:
        return PollResults(poll.id, state, 0, None, None, empty, (), (), {}, multiple=poll.multiple)
    responses = extract.responses(cells, poll)
    meta = extract.poll_meta(poll)
    try:
        figures = poll_figures(meta, check_responses(meta, responses), audience=audience, variance=False)
    except (ConvergenceError, InfeasibleTargetsError, ValueError) as exc:
        current_app.logger.warning("poll %s: results not computed: %s", poll.id, exc)
        problem = str(_l("Weighting was not possible for these votes; no shares are shown."))
        return PollResults(poll.id, state, n, None, None, empty, (), (), {}, problem, True, poll.multiple)
    top = figures.topline
    chosen = ((cells["mask"].to_numpy(dtype=np.int64)[:, None] >> np.arange(len(poll.options))) & 1).astype(
        float
    )
    votes = counts @ chosen
    options = tuple(
        OptionResult(
            o.id,
            o.label_en,
            o.label_es,
            None if public else int(votes[j]),
            None if public else float(votes[j] / n),
            e.share if top.shares_published else None,
            e.precision if top.shares_published else None,
        )
        for j, (o, e) in enumerate(zip(poll.options, top.estimates))
    )
    margins = {c.country: tuple(m.variable for m in c.margins if m.used) for c in figures.everyone.countries}
    ids = {str(o.id): o.id for o in poll.options}
    groups = next((b for b in figures.breakdowns if b.dimension == "specialty_group"), None)
    return PollResults(
        poll.id,
        state,
        int(top.n or 0),
        top.effective_n,
        top.design_effect,
        options,
        tuple(_row(r, ids) for r in figures.countries.rows),
        tuple(_row(r, ids) for r in (groups.rows if groups else ())),
        margins,
        None,
        top.withheld,
        poll.multiple,
        figures.pool,
        top.shares_published,
    )


def _row(base: BaseFigures, ids: dict[str, int]) -> GroupRow:
    shown = base.shares_published
    return GroupRow(
        base.key,
        base.label["en"],
        base.label["es"],
        base.n,
        base.withheld,
        base.small,
        {ids[e.option]: (e.share if shown else None) for e in base.estimates},
        {ids[e.option]: (e.precision if shown else None) for e in base.estimates},
        base.pooled,
    )
