"""What a report is built from: the poll's metadata, one row per vote, and the input hash.

The lead's ``polling`` package builds :class:`PollMeta` and the responses DataFrame from the
database; ``reports`` never sees the database. :func:`check_responses` refuses a DataFrame that
breaks the contract, naming the column and the fix; :func:`input_hash` fingerprints everything a
report's numbers depend on, so that the same inputs always give the same hash (row order does
not matter) and any change gives another.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd

from sampling.codes import COUNTRIES
from sampling.generalisation import STORED_VALUES, UNKNOWN_COUNTRY
from sampling.taxonomy import SPECIALTIES

#: Columns every responses DataFrame has, besides one ``option:{key}`` column per option.
RESPONSE_COLUMNS = ("country", "specialty", "sex", "age_band", "practice_band")
OPTION_PREFIX = "option:"


@dataclass(frozen=True)
class PollMeta:
    """A poll as the report describes it.

    Attributes:
        poll_id: the poll's id.
        question: the exact wording by locale, e.g. ``{"en": "...", "es": "..."}``.
        options: ``((option_key, {"en": ..., "es": ...}), ...)`` in display order.
        multiple: whether a member could choose several options.
        countries: targeted country codes (US UK CA AU IE NZ ZA MX ES).
        specialties: targeted canonical specialty codes, None for all.
        opens_at: fieldwork start (UTC).
        closes_at: fieldwork end (UTC).
        topic: e.g. "burnout".
        sponsor: who paid for it.
        conducted_by: who ran it.
        exclusive: keys of options that cannot be combined with others ("None of these").
    """

    poll_id: int
    question: dict[str, str]
    options: tuple[tuple[str, dict[str, str]], ...]
    multiple: bool
    countries: tuple[str, ...]
    specialties: tuple[str, ...] | None
    opens_at: datetime
    closes_at: datetime
    topic: str
    sponsor: str = "Pulse"
    conducted_by: str = "Pulse"
    exclusive: tuple[str, ...] = ()

    @property
    def option_keys(self) -> tuple[str, ...]:
        """Option keys in display order."""
        return tuple(key for key, _ in self.options)

    def option_text(self, key: str, locale: str) -> str:
        """An option's wording in ``locale`` (English when that locale is missing)."""
        texts = dict(self.options)[key]
        return texts.get(locale) or texts["en"]

    def question_text(self, locale: str) -> str:
        """The question's wording in ``locale`` (English when that locale is missing)."""
        return self.question.get(locale) or self.question["en"]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable copy (dates in ISO 8601)."""
        return {
            "poll_id": self.poll_id,
            "question": dict(sorted(self.question.items())),
            "options": [[k, dict(sorted(t.items()))] for k, t in self.options],
            "multiple": self.multiple,
            "countries": list(self.countries),
            "specialties": None if self.specialties is None else list(self.specialties),
            "opens_at": self.opens_at.isoformat(),
            "closes_at": self.closes_at.isoformat(),
            "topic": self.topic,
            "sponsor": self.sponsor,
            "conducted_by": self.conducted_by,
            "exclusive": list(self.exclusive),
        }


@dataclass(frozen=True)
class Release:
    """Where and when a report is published, for its title block and "How to cite" line.

    Attributes:
        url: the report's public address (built by the app from its configured public URL).
        published_on: the publication date (default: the day the document is built, UTC).
        press_contact: who journalists write to.
        publisher: the organisation cited.
    """

    url: str | None = None
    published_on: date = dataclasses.field(default_factory=lambda: datetime.now(UTC).date())
    press_contact: str = "press@pulse.invalid"
    publisher: str = "Pulse"


def option_column(key: str) -> str:
    """The responses column of an option: ``option:{key}``."""
    return f"{OPTION_PREFIX}{key}"


def check_meta(meta: PollMeta) -> None:
    """Refuse metadata a report cannot be built from.

    Raises:
        ValueError: no English wording, no options, duplicated option keys, an unknown country
            or specialty, or a poll that closes before it opens.
    """
    if "en" not in meta.question:
        raise ValueError(f"poll {meta.poll_id}: the question needs an English wording ('en')")
    if not meta.options:
        raise ValueError(f"poll {meta.poll_id}: a poll needs at least one option")
    keys = meta.option_keys
    if len(set(keys)) != len(keys):
        raise ValueError(f"poll {meta.poll_id}: option keys repeat ({', '.join(keys)}); make them unique")
    for key, texts in meta.options:
        if "en" not in texts:
            raise ValueError(f"poll {meta.poll_id}: option {key!r} needs an English wording ('en')")
    unknown = [c for c in meta.countries if c not in COUNTRIES]
    if unknown or not meta.countries:
        raise ValueError(
            f"poll {meta.poll_id}: countries {unknown or '()'} — use codes among {', '.join(COUNTRIES)}"
        )
    bad = [s for s in meta.specialties or () if s not in SPECIALTIES]
    if bad:
        raise ValueError(
            f"poll {meta.poll_id}: specialties {bad[:5]} are not canonical codes of sampling.taxonomy"
        )
    if meta.closes_at < meta.opens_at:
        raise ValueError(
            f"poll {meta.poll_id}: closes_at {meta.closes_at} is before opens_at {meta.opens_at}"
        )


def check_responses(meta: PollMeta, responses: pd.DataFrame) -> pd.DataFrame:
    """Check a responses DataFrame against the contract and return it in canonical order.

    Canonical order (columns as in the contract, rows sorted on every column) makes every
    floating-point sum run in the same order, so the numbers do not depend on row order.

    Args:
        meta: the poll.
        responses: one row per vote (see the module docstring of :mod:`reports`).

    Returns:
        A new DataFrame: contract columns then option columns, rows sorted, index 0..n−1.

    Raises:
        ValueError: a missing column, a value outside the coding, a vote from a country the poll
            did not target, or a single-choice vote without exactly one option.

    Example:
        >>> check_responses(meta, responses)  # doctest: +SKIP
    """
    check_meta(meta)
    if not isinstance(responses, pd.DataFrame):
        raise TypeError("responses must be a pandas DataFrame, one row per vote")
    options = [option_column(k) for k in meta.option_keys]
    missing = [c for c in (*RESPONSE_COLUMNS, *options) if c not in responses.columns]
    if missing:
        raise ValueError(
            f"responses lack column(s) {missing}: one row per vote with {', '.join(RESPONSE_COLUMNS)} "
            f"and one boolean column per option named 'option:<key>'"
        )
    frame = responses[[*RESPONSE_COLUMNS, *options]].copy()
    for column in RESPONSE_COLUMNS:
        if frame[column].isna().any():
            raise ValueError(
                f"{int(frame[column].isna().sum())} vote(s) have no {column!r}: the vote row must "
                "carry the member's weighting demographics"
            )
        frame[column] = frame[column].astype(str)
    checks = {  # demographics as stored: generalised for anonymity (sampling.generalisation)
        "country": {*meta.countries, UNKNOWN_COUNTRY},
        "specialty": STORED_VALUES["specialty"],
        "sex": STORED_VALUES["sex"],
        "age_band": STORED_VALUES["age_band"],
    }
    for column, allowed in checks.items():
        bad = sorted(set(frame[column].unique()) - allowed)
        if bad:
            raise ValueError(
                f"{column} has value(s) {bad[:5]} outside the poll's coding: expected one of "
                f"{sorted(allowed)[:12]}{' …' if len(allowed) > 12 else ''}"
            )
    for column in options:
        values = frame[column]
        if values.isna().any() or not set(values.unique()) <= {True, False}:
            raise ValueError(f"{column} must be boolean (True when the member chose that option)")
        frame[column] = values.astype(bool)
    chosen = frame[options].sum(axis=1)
    if not meta.multiple and (chosen != 1).any():
        raise ValueError(
            f"{int((chosen != 1).sum())} vote(s) of single-choice poll {meta.poll_id} do not have "
            "exactly one option True"
        )
    if meta.multiple and (chosen == 0).any():
        raise ValueError(f"{int((chosen == 0).sum())} vote(s) chose no option: drop them or record an option")
    # Sorting integer codes (categories in string order) gives sort_values' order, many times faster.
    keys = [pd.factorize(frame[c], sort=True)[0] for c in RESPONSE_COLUMNS] + [
        frame[c].to_numpy(dtype=np.int8) for c in options
    ]
    return frame.iloc[np.lexsort(keys[::-1])].reset_index(drop=True)


def input_hash(
    meta: PollMeta, responses: pd.DataFrame, *, frames: dict[str, Any], settings: dict[str, Any], version: str
) -> str:
    """SHA-256 over a canonical serialisation of everything the report's numbers depend on.

    Args:
        meta: the poll.
        responses: the votes, already in canonical order (:func:`check_responses`): the hash
            follows row order, and only that order makes it independent of how rows arrived.
        frames: the frame versions used: per country, each margin's source, year, levels and
            target shares as weighted.
        settings: the weighting settings (method, thresholds).
        version: the Pulse version (``reports.__version__`` or a passed-in string).

    Returns:
        A 64-character hexadecimal digest.

    Example:
        >>> len(input_hash(meta, check_responses(meta, df), frames={}, settings={}, version="1"))  # doctest: +SKIP
        64

    Reference: the reproducibility element of AAPOR's disclosure (data processing), made checkable.
    """
    digest = hashlib.sha256()
    header = {
        "meta": meta.to_dict(),
        "frames": frames,
        "settings": settings,
        "version": version,
        "columns": list(responses.columns),
    }
    digest.update(json.dumps(header, sort_keys=True, ensure_ascii=False, default=str).encode())
    digest.update(b"\n")
    # One 64-bit hash per row (pandas' fixed-key SipHash), in the canonical row order.
    digest.update(pd.util.hash_pandas_object(responses, index=False).to_numpy().tobytes())
    return digest.hexdigest()
