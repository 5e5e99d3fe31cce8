"""What k-anonymous storage costs the weighting: each demo poll weighted on the demographics its votes
store (generalised) against the exact demographics of the same voters (the baseline, measured in
the same run).

Needs a seeded database and its respondent-key secret (the baseline looks the voters up, as only
the app can):

    PULSE_ENV=development DATABASE_URL=sqlite:///... RESPONDENT_KEY_SECRET=... \\
        .venv/bin/python benchmarks/anonymity_weighting_cost.py

Prints, per poll, n, the Kish design effect and effective n of the pooled weights with exact and
with stored demographics, their ratio, and the share of votes stored coarser than exact.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select

from polling import create_app
from polling.db import get_session
from polling.members.models import MemberProfile
from polling.polls import extract
from polling.polls.models import Poll, Vote
from polling.respondents.demographics import snapshot
from polling.respondents.keys import current_keys
from reports.inputs import check_responses
from reports.weighting import weight_poll

COLUMNS = ("country", "specialty", "sex", "age_band", "practice_band")


def main() -> None:
    app = create_app()
    with app.app_context():
        session = get_session()
        keys = current_keys()
        members = list(session.scalars(select(MemberProfile)))
        print(
            f"{'poll':28s} {'n':>6s} {'deff exact':>11s} {'deff stored':>12s} {'neff exact':>11s} "
            f"{'neff stored':>12s} {'neff ratio':>10s}  coarser (country/specialty/sex/age/practice)"
        )
        for poll in session.scalars(select(Poll).order_by(Poll.id)):
            by_key = {keys.key("poll", poll.id, m.id): m for m in members}
            votes = list(session.scalars(select(Vote).where(Vote.poll_id == poll.id)))
            if not votes:
                continue
            stored = pd.DataFrame(
                [{c: getattr(v, c) for c in COLUMNS} | {"mask": v.options_mask} for v in votes]
            )
            exact = pd.DataFrame(
                [
                    snapshot(by_key[v.respondent_key], v.cast_on).as_columns() | {"mask": v.options_mask}
                    for v in votes
                ]
            )
            meta = extract.poll_meta(poll)
            figures = []
            for table in (exact, stored):
                cells = table.groupby([*COLUMNS, "mask"]).size().rename("n").reset_index()
                weighting = weight_poll(
                    check_responses(meta, extract.responses(cells, poll)), meta.specialties
                )
                figures.append((weighting.pooled.design_effect, weighting.pooled.effective_n))
            coarser = "/".join(f"{(stored[c] != exact[c]).mean():.0%}" for c in COLUMNS)
            (deff_e, neff_e), (deff_s, neff_s) = figures
            print(
                f"{poll.topic:28s} {len(votes):6d} {deff_e:11.2f} {deff_s:12.2f} {neff_e:11.0f} {neff_s:12.0f} "
                f"{neff_s / neff_e:10.2f}  {coarser}"
            )


if __name__ == "__main__":
    main()
