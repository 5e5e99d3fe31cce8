"""Database rows → what ``reports`` takes: a poll's :class:`~reports.inputs.PollMeta` and one row
per vote. The only place that turns votes into a DataFrame.

Votes are counted in SQL by demographic cell and chosen options (one GROUP BY over the votes
index), then expanded to one row per vote with ``Index.repeat`` — far cheaper than fetching every
vote.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from polling.polls.models import Poll, Vote
from reports.inputs import OPTION_PREFIX, PollMeta
from sampling.codes import COUNTRIES

DEMOGRAPHICS = ("country", "specialty", "sex", "age_band", "practice_band")


def statements(poll: Poll) -> dict[str, dict[str, str]]:
    """The options' press wording, keyed like :func:`poll_meta`'s options, for ``reports``."""
    return {
        str(o.id): {"en": o.statement_en, "es": o.statement_es}
        for o in poll.options
        if o.statement_en and o.statement_es
    }


def poll_meta(poll: Poll) -> PollMeta:
    """The poll as reports describe it; option keys are the options' ids as text."""
    return PollMeta(
        poll_id=poll.id,
        question={"en": poll.question_en, "es": poll.question_es},
        options=tuple((str(o.id), {"en": o.label_en, "es": o.label_es}) for o in poll.options),
        multiple=poll.multiple,
        countries=poll.country_codes or tuple(COUNTRIES),
        specialties=poll.specialty_codes or None,
        opens_at=poll.opens_at,
        closes_at=poll.closes_at,
        topic=poll.topic,
        exclusive=tuple(str(o.id) for o in poll.options if o.exclusive),
    )


def vote_cells(session: Session, poll: Poll) -> pd.DataFrame:
    """Votes counted by demographic cell and chosen options: columns DEMOGRAPHICS, mask, n."""
    grouped = [*(getattr(Vote, name) for name in DEMOGRAPHICS), Vote.options_mask]
    rows = session.execute(
        select(*grouped, func.count()).where(Vote.poll_id == poll.id).group_by(*grouped)
    ).all()
    return pd.DataFrame(rows, columns=[*DEMOGRAPHICS, "mask", "n"])


def responses(cells: pd.DataFrame, poll: Poll) -> pd.DataFrame:
    """One row per vote (the reports' contract), from :func:`vote_cells`."""
    expanded = cells.loc[cells.index.repeat(cells["n"])].reset_index(drop=True)
    masks = expanded["mask"].to_numpy(dtype=np.int64)
    table = expanded[list(DEMOGRAPHICS)].copy()
    for position, option in enumerate(poll.options):
        table[f"{OPTION_PREFIX}{option.id}"] = (masks >> position) & 1 == 1
    return table
