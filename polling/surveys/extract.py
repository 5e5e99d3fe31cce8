"""A survey's completes as a DataFrame: one row per complete, one column per answer item.

Columns are ``question`` for one-value answers and ``question.item`` for matrix rows, constant-sum
options and choices (1 for a chosen option, the rank for a ranked one), after the stored
demographics, and ``quality_flags`` last. Values stay text as stored; the questionnaire is the
codebook. The long answers are read with one plain cursor and placed by integer codes, so that
10,000 completes x 100 questions take seconds, not minutes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from polling.surveys.models import QualityFlag, SurveyResponse

DEMOGRAPHICS = ("country", "specialty", "sex", "age_band", "practice_band")
_ANSWERS = (
    "SELECT a.response_id, a.question, a.item, a.value FROM survey_answers a "
    "JOIN survey_responses r ON r.id = a.response_id WHERE r.survey_id = {survey} AND r.status = 'complete'"
)


def _answers(session: Session, survey_id: int) -> pd.DataFrame:
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(_ANSWERS.format(survey=int(survey_id)))
        rows = cursor.fetchall()
    finally:
        cursor.close()
    return pd.DataFrame.from_records(rows, columns=["response_id", "question", "item", "value"])


def _wide(long: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """The long answers placed in a responses x items table, by integer codes (no string pivot)."""
    row = index.get_indexer(pd.Index(long["response_id"]))
    questions, question_codes = pd.factorize(long["question"], sort=True)
    items, item_codes = pd.factorize(long["item"], sort=True)
    question_names, item_names = [str(q) for q in question_codes], [str(i) for i in item_codes]
    width = max(1, len(item_names))
    pair, pairs = pd.factorize(questions * width + items, sort=True)
    names = [
        question_names[int(p) // width]
        + (f".{item_names[int(p) % width]}" if item_names[int(p) % width] else "")
        for p in pairs
    ]
    table = np.full((len(index), len(names)), None, dtype=object)
    kept = row >= 0
    table[row[kept], pair[kept]] = long["value"].to_numpy(dtype=object)[kept]
    return pd.DataFrame(table, index=index, columns=names)


def completes_frame(session: Session, survey_id: int) -> pd.DataFrame:
    """Completes of ``survey_id`` (removed ones excluded), wide, indexed by response id."""
    kept = (SurveyResponse.survey_id == survey_id) & (SurveyResponse.status == "complete")
    people = pd.DataFrame(
        session.execute(
            select(SurveyResponse.id, *(getattr(SurveyResponse, d) for d in DEMOGRAPHICS))
            .where(kept)
            .order_by(SurveyResponse.id)
        ).all(),
        columns=["response_id", *DEMOGRAPHICS],
    ).set_index("response_id")
    flags = pd.DataFrame(
        session.execute(
            select(QualityFlag.response_id, QualityFlag.reason)
            .join(SurveyResponse, SurveyResponse.id == QualityFlag.response_id)
            .where(kept)
        ).all(),
        columns=["response_id", "reason"],
    )
    flagged = flags.groupby("response_id")["reason"].agg(lambda r: ",".join(sorted(r)))
    frame = pd.concat([people, _wide(_answers(session, survey_id), people.index)], axis=1)
    frame["quality_flags"] = flagged.reindex(people.index).fillna("")
    return frame
