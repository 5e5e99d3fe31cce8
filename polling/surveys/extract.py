"""A survey's completes as a DataFrame: one row per complete, one column per answer item.

Columns are ``question`` for one-value answers and ``question.item`` for matrix rows, constant-sum
options and choices (a chosen option's rank or 1), plus the stored demographics and the quality
flags. Values stay text as stored; the codebook (the questionnaire) says how to read them.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from polling.surveys.models import QualityFlag, SurveyAnswer, SurveyResponse

DEMOGRAPHICS = ("country", "specialty", "sex", "age_band", "practice_band")


def completes_frame(session: Session, survey_id: int) -> pd.DataFrame:
    """Completes of ``survey_id`` (removed ones excluded), wide, indexed by response id."""
    kept = (SurveyResponse.survey_id == survey_id) & (SurveyResponse.status == "complete")
    answers = session.execute(
        select(SurveyAnswer.response_id, SurveyAnswer.question, SurveyAnswer.item, SurveyAnswer.value)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(kept)
    ).all()
    long = pd.DataFrame(answers, columns=["response_id", "question", "item", "value"])
    column = long["question"].where(long["item"] == "", long["question"] + "." + long["item"])
    wide = pd.DataFrame({"response_id": long["response_id"], "column": column, "value": long["value"]}).pivot(
        index="response_id", columns="column", values="value"
    )
    people = pd.DataFrame(
        session.execute(
            select(SurveyResponse.id, *(getattr(SurveyResponse, d) for d in DEMOGRAPHICS)).where(kept)
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
    flagged = (
        flags.groupby("response_id")["reason"].agg(lambda r: ",".join(sorted(r))).rename("quality_flags")
    )
    frame = people.join(wide).join(flagged)
    frame["quality_flags"] = frame["quality_flags"].fillna("")
    return frame.sort_index()
