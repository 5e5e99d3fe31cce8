"""Synthetic polls in the input contract, for tests, benchmarks and demonstrations.

Respondents are drawn with skewed demographics (more young, more female, more family medicine
than the frames) so that weighting has work to do; answers depend on country and specialty
group so that breakdowns differ.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd

from reports.inputs import PollMeta, option_column
from sampling.codes import AGE_BANDS
from sampling.taxonomy import SPECIALTIES, group_of

PRACTICE_BANDS = ("under 5", "5-14", "15-24", "25 and over")
_OPTIONS = (
    ("valuable", {"en": "Yes, valuable", "es": "Sí, sería valiosa"}),
    ("not_valuable", {"en": "No, not valuable", "es": "No, no sería valiosa"}),
    ("unsure", {"en": "Not sure", "es": "No estoy seguro"}),
)


def synthetic_meta(
    poll_id: int = 1,
    countries: tuple[str, ...] = ("US",),
    *,
    multiple: bool = False,
    specialties: tuple[str, ...] | None = None,
) -> PollMeta:
    """A poll like the 2014 release: "Would an international medical social network be valuable?".

    Example:
        >>> synthetic_meta().options[0][0]
        'valuable'
    """
    return PollMeta(
        poll_id=poll_id,
        question={
            "en": "Would an international medical social network be valuable to you?",
            "es": "¿Le resultaría valiosa una red social médica internacional?",
        },
        options=_OPTIONS,
        multiple=multiple,
        countries=countries,
        specialties=specialties,
        opens_at=datetime(2014, 8, 4, tzinfo=UTC),
        closes_at=datetime(2014, 8, 25, tzinfo=UTC),
        topic="networking",
    )


def synthetic_responses(
    meta: PollMeta, n: int, *, seed: int = 0, country_n: dict[str, int] | None = None
) -> pd.DataFrame:
    """Votes for ``meta`` (``country_n`` fixes each country's count; else split evenly).

    Example:
        >>> len(synthetic_responses(synthetic_meta(), 50))
        50
    """
    rng = np.random.default_rng(seed)
    if country_n is None:
        base, extra = divmod(n, len(meta.countries))
        country_n = {c: base + (i < extra) for i, c in enumerate(meta.countries)}
    codes = list(meta.specialties or SPECIALTIES)
    popularity = np.array([1.0 / (1 + i) ** 0.7 for i in range(len(codes))])
    popularity[codes.index("family_medicine")] *= 3 if "family_medicine" in codes else 1
    popularity /= popularity.sum()
    rows = []
    for c_index, (country, count) in enumerate(country_n.items()):
        specialty = rng.choice(codes, size=count, p=popularity)
        sex = rng.choice(["female", "male"], size=count, p=[0.55, 0.45])
        age = rng.choice(AGE_BANDS, size=count, p=[0.3, 0.3, 0.2, 0.15, 0.05])
        practice = rng.choice(PRACTICE_BANDS, size=count)
        frame = pd.DataFrame(
            {
                "country": country,
                "specialty": specialty,
                "sex": sex,
                "age_band": age,
                "practice_band": practice,
            }
        )
        lean = (
            0.55 + 0.05 * (c_index % 4) + np.where(frame["specialty"].map(group_of) == "surgical", -0.15, 0.0)
        )
        lean = lean + np.where(frame["age_band"] == "under 35", 0.1, 0.0)
        draw = rng.random(count)
        keys = meta.option_keys
        choice = np.where(draw < lean, 0, np.where(draw < lean + (1 - lean) * 0.7, 1, 2)) % len(keys)
        for j, key in enumerate(keys):
            frame[option_column(key)] = choice == j
        if meta.multiple:
            for key in keys:
                frame[option_column(key)] |= rng.random(count) < 0.15
        rows.append(frame)
    return pd.concat(rows, ignore_index=True)
