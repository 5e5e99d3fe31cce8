"""k-anonymous demographics for stored answers: the rule, the ladder, the partition of a crowd.

Whom this holds against: someone who reads the whole database (an insider, a leaked backup) but
not the application's secrets; see "Whom anonymity must hold against" in DESIGN.md.

**The k rule.** What a vote (or a survey response) stores about its member is shared by at least
:data:`K` members of the *crowd*: everyone the database shows could have given it at the time it is
stored — for a poll, its eligible verified members who came in that day (a log-in session or an API
token created that day: votes keep their day, so the database narrows a vote to them); for a paid
survey, the members its invitations, dispositions and honoraria ledger name. :func:`generalise` partitions the crowd once: each member's
exact snapshot climbs :data:`sampling.generalisation.LEVELS` (practice bands widened, specialty →
group, practice unknown, age → under/over 55, specialty → GP/specialist, sex unknown, age unknown,
specialty unknown, country unknown) until the cell it lands in holds at least k members *who are
not already settled in a finer cell*. Counting only unsettled members defeats the minimality
attack (a coarse value otherwise says "from a rare fine cell"). A country whose leftovers are
fewer than k takes back its smallest settled cells; only a country with fewer than k members in
the crowd loses its country. The partition is a function of the crowd, which the database shows,
so an intruder can recompute it — and still finds at least k candidates behind every stored value.

What polls do with it (the crowd of a poll, results in steps of k votes) is in
:mod:`polling.polls.privacy`; how long member activity times are kept, in
:mod:`polling.accounts.activity`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from polling.respondents.demographics import Demographic, Snapshot, snapshot
from sampling.generalisation import (
    LEVELS,
    UNKNOWN_COUNTRY,
    generalise_age_band,
    generalise_country,
    generalise_practice_band,
    generalise_sex,
    generalise_specialty,
)

#: Fewest members of the crowd that must share a stored snapshot; also the step of live results.
K = 5
_COUNTRY_ONLY = len(LEVELS) - 2  # the level that keeps the country and nothing else


def at_level(exact: Snapshot, level: tuple[int, int, int, int, int]) -> Snapshot:
    """``exact`` coarsened to one level of :data:`sampling.generalisation.LEVELS`."""
    specialty, age, practice, sex, country = level
    return Snapshot(
        country=generalise_country(exact.country, country),
        specialty=generalise_specialty(exact.specialty, specialty),
        sex=generalise_sex(exact.sex, sex),
        age_band=generalise_age_band(exact.age_band, age),
        practice_band=generalise_practice_band(exact.practice_band, practice),
    )


@dataclass(frozen=True)
class Generalisation:
    """A crowd's partition: what each exact snapshot is stored as.

    Attributes:
        stored: exact snapshot → stored snapshot, for every snapshot of the crowd.
        level: exact snapshot → index in LEVELS of its stored snapshot.
        cells: stored snapshot → how many members of the crowd are stored as it.
        k: the k the partition was made for.
    """

    stored: Mapping[Snapshot, Snapshot]
    level: Mapping[Snapshot, int]
    cells: Mapping[Snapshot, int]
    k: int

    @property
    def holds(self) -> bool:
        """Whether every stored snapshot is shared by at least k members (False: crowd under k)."""
        return all(n >= self.k for n in self.cells.values())

    def __call__(self, exact: Snapshot) -> Snapshot:
        """The stored snapshot of a member of the crowd (KeyError for one outside it)."""
        return self.stored[exact]


def generalise(crowd: Mapping[Snapshot, int], k: int = K) -> Generalisation:
    """Partition a crowd (exact snapshot → members) into stored snapshots each shared by ≥ k.

    Args:
        crowd: how many members of the crowd have each exact snapshot.
        k: fewest members per stored snapshot.

    Returns:
        The :class:`Generalisation`; ``holds`` is False only when the whole crowd is under k.

    Example:
        >>> g = generalise({Snapshot("US", "cardiology", "male", "35-44", "5-9"): 7})
        >>> g(Snapshot("US", "cardiology", "male", "35-44", "5-9")).specialty
        'cardiology'
    """
    remaining = {s: n for s, n in crowd.items() if n > 0}
    settled: dict[Snapshot, tuple[int, Snapshot]] = {}
    for index, level in enumerate(LEVELS):
        cells: dict[Snapshot, list[Snapshot]] = defaultdict(list)
        for exact in remaining:
            cells[at_level(exact, level)].append(exact)
        if index == _COUNTRY_ONLY:
            _take_back_within_countries(cells, remaining, settled, crowd, k)
        last = index == len(LEVELS) - 1
        for stored, members in cells.items():
            if last or sum(crowd[m] for m in members) >= k:
                for exact in members:
                    settled[exact] = (index, stored)
                    del remaining[exact]
    _take_back_for_unknown_country(settled, crowd, k)
    sizes: dict[Snapshot, int] = defaultdict(int)
    for exact, (_, stored) in settled.items():
        sizes[stored] += crowd[exact]
    return Generalisation(
        stored={e: s for e, (_, s) in settled.items()},
        level={e: i for e, (i, _) in settled.items()},
        cells=dict(sizes),
        k=k,
    )


def _settled_cells(settled: Mapping[Snapshot, tuple[int, Snapshot]]) -> dict[Snapshot, list[Snapshot]]:
    cells: dict[Snapshot, list[Snapshot]] = defaultdict(list)
    for exact, (_, stored) in settled.items():
        cells[stored].append(exact)
    return cells


def _smallest_first(cells: dict[Snapshot, list[Snapshot]], crowd: Mapping[Snapshot, int]) -> list[Snapshot]:
    return sorted(cells, key=lambda s: (sum(crowd[m] for m in cells[s]), tuple(vars(s).values())))


def _take_back_within_countries(
    cells: dict[Snapshot, list[Snapshot]],
    remaining: dict[Snapshot, int],
    settled: dict[Snapshot, tuple[int, Snapshot]],
    crowd: Mapping[Snapshot, int],
    k: int,
) -> None:
    """Before a country's leftovers lose their country, move its smallest settled cells in with them."""
    for stored, members in cells.items():
        short = k - sum(crowd[m] for m in members)
        if short <= 0:
            continue
        own = {s: ms for s, ms in _settled_cells(settled).items() if s.country == stored.country}
        taken: list[Snapshot] = []
        for cell in _smallest_first(own, crowd):
            if short <= 0:
                break
            taken.extend(own[cell])
            short -= sum(crowd[m] for m in own[cell])
        if short <= 0:
            for exact in taken:
                del settled[exact]
                remaining[exact] = crowd[exact]
            members.extend(taken)


def _take_back_for_unknown_country(
    settled: dict[Snapshot, tuple[int, Snapshot]], crowd: Mapping[Snapshot, int], k: int
) -> None:
    """The unknown-country cell, when under k, takes the smallest other cells until it reaches k."""
    cells = _settled_cells(settled)
    unknown = [s for s in cells if s.country == UNKNOWN_COUNTRY]
    if not unknown:
        return
    target = unknown[0]
    short = k - sum(crowd[m] for m in cells[target])
    others = {s: ms for s, ms in cells.items() if s != target}
    for cell in _smallest_first(others, crowd):
        if short <= 0:
            break
        for exact in others[cell]:
            settled[exact] = (len(LEVELS) - 1, target)
        short -= sum(crowd[m] for m in others[cell])


# --- a crowd given member by member ---------------------------------------------------------


def crowd_of(members: Iterable[Demographic], on: date) -> dict[Snapshot, int]:
    """Exact snapshots on the day ``on`` of a crowd given member by member (surveys, tests)."""
    counts: dict[Snapshot, int] = defaultdict(int)
    for member in members:
        counts[snapshot(member, on)] += 1
    return dict(counts)
