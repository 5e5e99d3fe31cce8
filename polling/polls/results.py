"""Live poll results: counts in SQL, weights from ``reports.weighting``, small cells withheld.

While a poll is open they count only the votes released so far, k at a time
(``polling.respondents.anonymity``), so no reading betrays the last voter. Results are cached per
process under (poll, audience, state, number of votes counted): a poll nobody is voting in is
weighted once.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from polling.accounts.models import User
from polling.errors import Forbidden
from polling.polls import extract, service
from polling.polls.models import Poll, Vote
from polling.press.models import Report
from polling.respondents import anonymity
from polling.respondents.keys import RespondentKeys
from reports.suppression import MIN_CELL, SMALL_BASE, suppression_plan
from reports.weighting import weight_poll
from sampling import diagnostics
from sampling.codes import COUNTRIES
from sampling.generalisation import stored_group
from sampling.intervals import margin_of_error
from sampling.taxonomy import GROUPS
from sampling.weighting import ConvergenceError, InfeasibleTargetsError

CACHE_SIZE = 64
MARGIN_NAMES = {"specialty": _l("specialty"), "sex": _l("sex"), "age_band": _l("age")}
NO_MARGIN = _l("none, too few votes")
MOE_LABEL = (
    "95% margin of error at p = 0.5, including the Kish design effect of the weights (Pew practice); "
    "members self-select, so it is a guide to precision, not a sampling error"
)

COUNTRY_NAMES = {code: (country.name("en"), country.name("es")) for code, country in COUNTRIES.items()}


@dataclass(frozen=True)
class OptionResult:
    option_id: int
    label_en: str
    label_es: str
    votes: int
    raw_share: float
    weighted_share: float | None

    def label(self, locale: str) -> str:
        return self.label_es if locale.startswith("es") else self.label_en


@dataclass(frozen=True)
class GroupRow:
    """One row of a breakdown; ``n`` and ``shares`` are None when the row is withheld."""

    group: str
    label_en: str
    label_es: str
    n: int | None
    suppressed: bool
    small_base: bool
    shares: dict[int, float | None]

    def label(self, locale: str) -> str:
        return self.label_es if locale.startswith("es") else self.label_en


@dataclass(frozen=True)
class PollResults:
    poll_id: int
    state: str
    n: int
    effective_n: float | None
    design_effect: float | None
    margin_of_error: float | None
    options: tuple[OptionResult, ...]
    by_country: tuple[GroupRow, ...]
    by_specialty_group: tuple[GroupRow, ...]
    margins: dict[str, tuple[str, ...]]
    weighting_problem: str | None = None
    withheld: bool = False

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
        def row(r: GroupRow) -> dict[str, Any]:
            return {
                "group": r.group,
                "label": r.label(locale),
                "n": r.n,
                "suppressed": r.suppressed,
                "small_base": r.small_base,
                "shares": {str(k): v for k, v in r.shares.items()},
            }

        return {
            "poll_id": self.poll_id,
            "state": self.state,
            "n": self.n,
            "effective_n": self.effective_n,
            "design_effect": self.design_effect,
            "margin_of_error": self.margin_of_error,
            "margin_of_error_label": MOE_LABEL,
            "weighting": self.margins_label(locale),
            "options": [
                {
                    "option_id": o.option_id,
                    "label": o.label(locale),
                    "votes": o.votes,
                    "raw_share": o.raw_share,
                    "weighted_share": o.weighted_share,
                }
                for o in self.options
            ],
            "by_country": [row(r) for r in self.by_country],
            "by_specialty_group": [row(r) for r in self.by_specialty_group],
        }


def may_see(session: Session, keys: RespondentKeys, user: User | None, poll: Poll) -> bool:
    """Staff always; a member once they have voted; anyone else only through a published report.

    A closed poll's results are public once staff publish its report (the press room's one
    release, with its disclosure control), and hidden again if the report is withdrawn.
    """
    if user is not None and user.role == "staff":
        return True
    member = user.member if user is not None else None
    if member is not None and service.has_voted(session, keys, member, poll.id):
        return True
    return service.state(poll) == "closed" and report_published(session, poll.id)


def report_published(session: Session, poll_id: int) -> bool:
    """Whether the poll's report is published in the press room now."""
    return bool(
        session.scalar(
            select(func.count())
            .select_from(Report)
            .where(Report.poll_id == poll_id, Report.status == "published")
        )
    )


def require_access(session: Session, keys: RespondentKeys, user: User | None, poll: Poll) -> None:
    if not may_see(session, keys, user, poll):
        raise Forbidden(
            _l("Vote first to see the results, or read the poll's report once Pulse publishes it.")
        )


def _cache() -> OrderedDict[tuple[Any, ...], PollResults]:
    return current_app.extensions.setdefault("pulse.results_cache", OrderedDict())


def for_poll(session: Session, poll: Poll, *, audience: str) -> PollResults:
    """The poll's results for ``audience`` ("staff" sees small cells, "public" does not)."""
    # Live results count released votes only, so they move k votes at a time (respondents.anonymity).
    counted = anonymity.counted_votes(poll.id, service.state(poll))
    count = session.scalar(select(func.count()).select_from(Vote).where(counted))
    key = (poll.id, audience, service.state(poll), count)
    cache = _cache()
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    computed = compute(poll, extract.vote_cells(session, poll, where=counted), audience=audience)
    cache[key] = computed
    while len(cache) > CACHE_SIZE:
        cache.popitem(last=False)
    return computed


def compute(poll: Poll, cells: pd.DataFrame, *, audience: str) -> PollResults:
    """Raw and weighted shares, precision and breakdowns from :func:`extract.vote_cells`.

    Weights come per vote from ``reports.weighting``; every vote of a cell gets the same weight,
    so shares and breakdowns are computed over the cells (a few thousand rows at most).
    """
    counts = cells["n"].to_numpy(dtype=float)
    n = int(counts.sum())
    chosen = ((cells["mask"].to_numpy(dtype=np.int64)[:, None] >> np.arange(len(poll.options))) & 1).astype(
        float
    )
    public = audience != "staff"
    if public and 0 < n < MIN_CELL:  # too few votes to show anyone but staff without exposing voters
        options = tuple(OptionResult(o.id, o.label_en, o.label_es, 0, 0.0, None) for o in poll.options)
        return PollResults(poll.id, service.state(poll), n, None, None, None, options, (), (), {}, None, True)
    vote_weights, margins, problem = _weights(poll, cells)
    if vote_weights is None:
        cell_weights, deff, effective = counts, None, None
    else:
        starts = (np.cumsum(counts) - counts).astype(np.intp)
        cell_weights = np.add.reduceat(vote_weights, starts)
        deff, effective = diagnostics.design_effect(vote_weights), diagnostics.effective_n(vote_weights)
    moe = margin_of_error(n, deff=deff or 1.0).points if n else None
    votes = counts @ chosen if n else np.zeros(len(poll.options))
    weighted = cell_weights @ chosen / cell_weights.sum() if n and vote_weights is not None else None
    options = tuple(
        OptionResult(
            o.id,
            o.label_en,
            o.label_es,
            int(votes[j]),
            float(votes[j] / n) if n else 0.0,
            None if weighted is None else float(weighted[j]),
        )
        for j, o in enumerate(poll.options)
    )
    by_country = _breakdown(
        poll, chosen, counts, cell_weights, cells["country"].to_numpy(), COUNTRY_NAMES, public
    )
    groups = cells["specialty"].map(stored_group).to_numpy() if n else np.array([], dtype=object)
    by_group = _breakdown(poll, chosen, counts, cell_weights, groups, GROUPS, public)
    return PollResults(
        poll.id, service.state(poll), n, effective, deff, moe, options, by_country, by_group, margins, problem
    )


def _weights(
    poll: Poll, cells: pd.DataFrame
) -> tuple[np.ndarray | None, dict[str, tuple[str, ...]], str | None]:
    if cells.empty:
        return None, {}, None
    responses = extract.responses(cells, poll)
    try:
        weighting = weight_poll(responses, poll.specialty_codes or None)
    except (ConvergenceError, InfeasibleTargetsError) as exc:
        current_app.logger.warning("poll %s: weighting failed: %s", poll.id, exc)
        return None, {}, str(_l("Weighting was not possible for these votes; raw shares are shown."))
    margins = {c.country: tuple(m.variable for m in c.margins if m.used) for c in weighting.countries}
    return weighting.weights.reindex(responses.index).to_numpy(), margins, None


def _breakdown(
    poll: Poll,
    chosen: np.ndarray,
    counts: np.ndarray,
    cell_weights: np.ndarray,
    groups: np.ndarray,
    names: dict[str, tuple[str, str]],
    public: bool,
) -> tuple[GroupRow, ...]:
    bases = {code: int(counts[groups == code].sum()) for code in names}
    bases = {code: base for code, base in bases.items() if base}
    plan = suppression_plan(bases) if public else {}
    rows = []
    for code, base in bases.items():
        inside = groups == code
        withheld = plan.get(code) is not None
        w = cell_weights[inside]
        shares = w @ chosen[inside] / w.sum()
        rows.append(
            GroupRow(
                code,
                names[code][0],
                names[code][1],
                None if withheld else base,
                withheld,
                base < SMALL_BASE,
                {o.id: (None if withheld else float(shares[j])) for j, o in enumerate(poll.options)},
            )
        )
    return tuple(rows)
