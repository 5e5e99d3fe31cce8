"""The intruder of :mod:`tests.anonymity.intruder`, turned on the paid-survey tables.

What the dump shows about a survey response: its survey, status, step, timings, start and end days,
its generalised snapshot, its answers and quality flags, and its place in storage (and in the
storage of its answers and flags). A response in progress keeps its answers and timings sealed
(``survey_responses.sealed``): without the respondent-key secret the intruder reads nothing in it,
and its length is padded to one size. What it shows about members: the honoraria ledger (a credit per
member and survey, a reversal for a complete removed after review, their days, ids, keys and
storage order), invitations with their dispositions and days (client studies), and the members'
activity (log-ins, tokens). Each attack narrows every response to the members it points at; hard
joins (facts that must hold) and soft alignments (orders and times, which may point at the wrong
member) are scored as in :func:`tests.anonymity.intruder.score`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from tests.anonymity.intruder import (
    Candidates,
    Dump,
    Row,
    Score,
    _activity,
    _day,
    compatible,
    score,
)

#: Response statuses the ledger names members for, and how.
PAID = ("complete", "removed")


@dataclass(frozen=True)
class Response:
    position: int  # in the dump of survey_responses
    id: Any
    survey_id: int
    respondent_key: str
    status: str
    values: tuple[Any, Any, Any, Any, Any]  # the stored snapshot (None before completion)
    started: date
    ended: date | None
    step: int
    timings: Mapping[str, float]


def responses(d: Dump) -> list[Response]:
    out = []
    for position, row in enumerate(d.rows("survey_responses")):
        out.append(
            Response(
                position,
                row["id"],
                row["survey_id"],
                row["respondent_key"],
                row["status"],
                (row["country"], row["specialty"], row["sex"], row["age_band"], row["practice_band"]),
                _day(row["started_on"]),
                _day(row["ended_on"]) if row.get("ended_on") is not None else None,
                row.get("step") or 0,
                _json(row.get("timings")),
            )
        )
    return out


def _json(value: Any) -> Mapping[str, float]:
    """A JSON column as a dump gives it (text on SQLite, parsed on PostgreSQL)."""
    if isinstance(value, str):
        value = json.loads(value)
    return value or {}


@dataclass(frozen=True)
class Ledger:
    """What the ledger says per survey: who was credited (and when, in which order), who reversed."""

    credited: dict[int, dict[int, date]]  # survey → member → day of the credit
    reversed: dict[int, set[int]]  # survey → members whose credit was reversed
    orders: dict[str, dict[int, list[int]]]  # order name → survey → members in that order


def ledger(d: Dump) -> Ledger:
    transactions = d.rows("ledger_transactions")
    by_id = {t["id"]: t for t in transactions}
    credited: dict[int, dict[int, date]] = defaultdict(dict)
    reversed_: dict[int, set[int]] = defaultdict(set)
    for t in transactions:
        survey, member = _survey_and_member(t)
        if survey is None or member is None:
            continue
        if t["kind"] == "honorarium":
            credited[survey][member] = _day(t["posted_on"])
        elif t["kind"] == "reversal":
            reversed_[survey].add(member)

    def per_survey(rows: Iterable[Row], kind: str = "honorarium") -> dict[int, list[int]]:
        out: dict[int, list[int]] = defaultdict(list)
        for t in rows:
            survey, member = _survey_and_member(t)
            if t["kind"] == kind and survey is not None and member is not None:
                out[survey].append(member)
        return out

    entries = [
        e for e in d.rows("ledger_entries") if e["account"] == "member" and e["transaction_id"] in by_id
    ]
    orders = {
        "credits storage": per_survey(transactions),
        "credits id": per_survey(sorted(transactions, key=lambda t: t["id"])),
        "credits key": per_survey(sorted(transactions, key=lambda t: str(t["key"]))),
        "credit entries storage": per_survey(by_id[e["transaction_id"]] for e in entries),
        "credit entries id": per_survey(
            by_id[e["transaction_id"]] for e in sorted(entries, key=lambda e: e["id"])
        ),
    }
    return Ledger(dict(credited), dict(reversed_), orders)


def _survey_and_member(transaction: Row) -> tuple[int | None, int | None]:
    """The survey and member a ledger posting names, from its columns or, failing them, its key."""
    survey, member = transaction.get("survey_id"), transaction.get("member_id")
    parts = str(transaction.get("key") or "").split(":")
    if survey is None and len(parts) == 3 and parts[0] in ("honorarium", "reversal"):
        survey = int(parts[1]) if parts[1].isdigit() else None
    if member is None and len(parts) == 3 and parts[2].isdigit():
        member = int(parts[2])
    return survey, member


def invitations(d: Dump) -> dict[int, list[Row]]:
    """Survey → its study's invitations (member, disposition, days), if client studies exist."""
    study_survey = {s["id"]: s.get("survey_id") for s in d.rows("studies")}
    out: dict[int, list[Row]] = defaultdict(list)
    for row in d.rows("invitations"):
        survey = study_survey.get(row["study_id"])
        if survey is not None:
            out[survey].append(row)
    return dict(out)


def _snapshot_year(r: Response) -> int:
    return (r.ended or r.started).year


def hard_joins(d: Dump, rs: list[Response]) -> dict[str, Candidates]:
    """Joins that must hold, each adding a constraint to the one before.

    1. the survey: members the ledger or the invitations name for it (all verified members when
       neither does), of the status's kind (credited and not reversed for a complete, reversed for a
       removed response, of the same disposition when invitations say so), whose facts generalise to
       the stored snapshot;
    2. and credited on the response's end day (a live complete is credited in its transaction);
    3. and invited no later than the response's start day.
    """
    book = ledger(d)
    invited = invitations(d)
    members = {m["id"]: m for m in d.rows("members") if m["status"] == "verified"}
    status_of_disposition = {"complete": "complete", "removed": "removed", "screened_out": "screened_out"}
    status_of_disposition |= {"over_quota": "over_quota", "started": "in_progress", "partial": "in_progress"}
    base: Candidates = {}
    by_day: Candidates = {}
    by_invitation: Candidates = {}
    for r in rs:
        credited = book.credited.get(r.survey_id, {})
        reversed_ = book.reversed.get(r.survey_id, set())
        rows = invited.get(r.survey_id, [])
        if r.status == "complete" and credited:
            pool = [m for m in credited if m not in reversed_]
        elif r.status == "removed" and reversed_:
            pool = sorted(reversed_)
        elif rows:
            pool = [i["member_id"] for i in rows if status_of_disposition.get(i["disposition"]) == r.status]
            pool = pool or [i["member_id"] for i in rows]
        else:
            pool = [m for m in members if m not in credited]
        if rows:  # invitation-only: nobody outside the sample took part
            sample = {i["member_id"] for i in rows}
            pool = [m for m in pool if m in sample]
        if r.values[0] is not None:
            year = _snapshot_year(r)
            pool = [m for m in pool if m in members and compatible(members[m], r.values, year)]
        base[r.position] = pool
        same_day = [m for m in pool if credited.get(m) == r.ended] if r.status in PAID and credited else pool
        by_day[r.position] = same_day
        days = {i["member_id"]: _day(i["invited_on"]) for i in rows}
        by_invitation[r.position] = [m for m in same_day if m not in days or days[m] <= r.started]
    return {
        "survey, status and stored snapshot": base,
        "… and credited on the end day": by_day,
        "… and invited by the start day": by_invitation,
    }


def _response_orders(d: Dump, rs: list[Response]) -> dict[str, list[Response]]:
    """Orders of responses an intruder can read: storage, ids, days, and the storage of answers and
    flags (each response at its first row)."""
    by_id = {r.id: r for r in rs}

    def first_seen(table: str) -> list[Response]:
        seen: dict[Any, Response] = {}
        for row in d.rows(table):
            r = by_id.get(row["response_id"])
            if r is not None and r.id not in seen:
                seen[r.id] = r
        return list(seen.values())

    orders = {
        "responses storage": list(rs),
        "response id": sorted(rs, key=lambda r: r.id),
        "end day": sorted(rs, key=lambda r: (r.ended or date.max, r.position)),
        "end day, then id": sorted(rs, key=lambda r: (r.ended or date.max, r.id)),
        "answers storage": first_seen("survey_answers"),
        "flags storage": first_seen("quality_flags"),
    }
    return {name: order for name, order in orders.items() if order}


def order_alignments(d: Dump, rs: list[Response], join: Candidates) -> dict[str, Candidates]:
    """Each survey's paid responses, in some order, lined up with its credits, in some order: the
    i-th response with the next credited member after the (i-1)-th's whose facts match it."""
    book = ledger(d)
    out: dict[str, Candidates] = {}
    for response_order, ordered in _response_orders(d, [r for r in rs if r.status in PAID]).items():
        for member_order, by_survey in book.orders.items():
            links: Candidates = {}
            per_survey: dict[int, list[Response]] = defaultdict(list)
            for r in ordered:
                per_survey[r.survey_id].append(r)
            for survey_id, survey_responses in per_survey.items():
                sequence = by_survey.get(survey_id, [])
                cursor = 0
                for r in survey_responses:
                    allowed = set(join[r.position])
                    links[r.position] = []
                    for step in range(len(sequence)):
                        member = sequence[(cursor + step) % len(sequence)]
                        if member in allowed:
                            links[r.position] = [member]
                            cursor = (cursor + step + 1) % len(sequence)
                            break
            out[f"{response_order} ~ {member_order}"] = links
    return out


def time_alignments(d: Dump, rs: list[Response], join: Candidates) -> dict[str, Candidates]:
    """Responses against members' activity: members matching the join who came in (log-in, token)
    on the response's start day, on its end day, or on both."""
    events = _activity(d)
    days = {m: {t.date() for t, _ in times} for m, times in events.items()}
    start: Candidates = {}
    end: Candidates = {}
    both: Candidates = {}
    for r in rs:
        allowed = join[r.position]
        start[r.position] = [m for m in allowed if r.started in days.get(m, ())]
        end[r.position] = [m for m in allowed if r.ended is not None and r.ended in days.get(m, ())]
        both[r.position] = [m for m in start[r.position] if m in end[r.position]]
    return {"active on the start day": start, "active on the end day": end, "active on both days": both}


def attack_all(
    d: Dump, truth_of: Callable[[Response], int], k: int, *, only: Iterable[int] | None = None
) -> list[Score]:
    """Every attack on the dump's survey responses (or those at positions ``only``), scored."""
    rs = responses(d)
    if only is not None:
        keep = set(only)
        rs = [r for r in rs if r.position in keep]
    # A response that keeps nothing from its member (a removed complete: no answers, flags, timings
    # or snapshot; a response in progress: its answers and timings sealed) links nothing when it is
    # found; the attacks still use it to narrow the others.
    keeps = {row["response_id"] for table in ("survey_answers", "quality_flags") for row in d.rows(table)}
    scored = {r.position for r in rs if r.id in keeps or r.timings or r.values[0] is not None}
    truth = {r.position: truth_of(r) for r in rs}
    scores: list[Score] = []
    joins = hard_joins(d, rs)

    def kept(candidates: Candidates) -> Candidates:
        return {p: c for p, c in candidates.items() if p in scored}

    for name, candidates in joins.items():
        scores.append(score(f"join: {name}", kept(candidates), truth, k, hard=True))
    tightest = joins["… and invited by the start day"]
    for name, links in order_alignments(d, rs, tightest).items():
        scores.append(score(f"order: {name}", kept(links), truth, k, hard=False))
    for name, links in time_alignments(d, rs, tightest).items():
        scores.append(score(f"time: {name}", kept(links), truth, k, hard=False))
    return scores
