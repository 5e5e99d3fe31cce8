"""The k rule on stored demographics: every stored snapshot is shared by at least k of the crowd."""

from __future__ import annotations

import itertools
import random
from collections import Counter

import pytest

from polling.respondents.anonymity import K, at_level, generalise
from polling.respondents.demographics import Snapshot
from sampling.codes import AGE_BANDS, PRACTICE_BANDS, SEXES
from sampling.generalisation import LEVELS, UNKNOWN, UNKNOWN_COUNTRY, generalise_specialty, stored_group
from sampling.taxonomy import SPECIALTIES


def crowd(*entries: tuple[Snapshot, int]) -> dict[Snapshot, int]:
    return dict(entries)


def snap(
    country: str = "US",
    specialty: str = "cardiology",
    sex: str = "male",
    age: str = "35-44",
    practice: str = "5-9",
):  # type: ignore[no-untyped-def]
    return Snapshot(country, specialty, sex, age, practice)


def members_behind(partition, population: dict[Snapshot, int]) -> Counter:  # type: ignore[no-untyped-def]
    """How many members of the population an intruder finds behind each stored snapshot."""
    behind: Counter = Counter()
    for exact, n in population.items():
        behind[partition(exact)] += n
    return behind


def test_a_common_snapshot_is_stored_exactly() -> None:
    partition = generalise(crowd((snap(), 5), (snap(sex="female"), 9)))
    assert partition(snap()) == snap()
    assert partition(snap(sex="female")) == snap(sex="female")
    assert partition.holds


def test_a_rare_snapshot_climbs_until_k_members_share_it() -> None:
    # Four cardiologists and one electrophysiologist: together they are "medical" with practice widened.
    population = crowd((snap(), 4), (snap(specialty="cardiac_electrophysiology"), 1))
    partition = generalise(population)
    stored = partition(snap(specialty="cardiac_electrophysiology"))
    assert stored.specialty == "medical"
    assert partition(snap()) == stored  # both land in the same cell of five
    assert members_behind(partition, population)[stored] == 5


def test_a_coarse_value_does_not_say_which_fine_cell_it_came_from() -> None:
    # Ten cardiologists settle exactly; two nephrologists and three gastroenterologists must share
    # a coarser cell, and it must not contain cardiologists already settled (minimality attack).
    population = crowd(
        (snap(), 10),
        (snap(specialty="nephrology"), 2),
        (snap(specialty="gastroenterology"), 3),
    )
    partition = generalise(population)
    assert partition(snap()) == snap()
    coarse = partition(snap(specialty="nephrology"))
    assert coarse == partition(snap(specialty="gastroenterology"))
    assert members_behind(partition, population)[coarse] == 5


def test_a_country_too_small_for_k_borrows_its_smallest_cell_before_losing_the_country() -> None:
    population = crowd(
        (snap(country="NZ"), 5),
        (
            snap(
                country="NZ", specialty="family_medicine", sex="female", age="55-64", practice="30 and over"
            ),
            2,
        ),
    )
    partition = generalise(population)
    lone = partition(
        snap(country="NZ", specialty="family_medicine", sex="female", age="55-64", practice="30 and over")
    )
    assert lone.country == "NZ"
    assert (lone.specialty, lone.sex, lone.age_band, lone.practice_band) == (UNKNOWN,) * 4
    assert members_behind(partition, population)[lone] == 7


def test_a_country_with_fewer_than_k_members_in_the_crowd_loses_its_country() -> None:
    population = crowd((snap(), 20), (snap(country="NZ"), 2))
    partition = generalise(population)
    assert partition(snap(country="NZ")).country == UNKNOWN_COUNTRY
    assert members_behind(partition, population)[partition(snap(country="NZ"))] >= K
    assert partition.holds


def test_a_crowd_under_k_cannot_be_protected_and_says_so() -> None:
    partition = generalise(crowd((snap(), 3)))
    assert not partition.holds
    assert partition(snap()).country == UNKNOWN_COUNTRY


@pytest.mark.parametrize("seed", range(6))
def test_every_stored_snapshot_of_a_random_crowd_is_shared_by_k(seed: int) -> None:
    rng = random.Random(seed)
    codes = list(SPECIALTIES)
    population: Counter = Counter(
        snap(
            rng.choice(["US", "UK", "NZ", "IE"]),
            rng.choice(codes[: rng.randint(3, len(codes))]),
            rng.choice(SEXES),
            rng.choice(AGE_BANDS),
            rng.choice(PRACTICE_BANDS),
        )
        for _ in range(rng.randint(30, 600))
    )
    partition = generalise(dict(population))
    behind = members_behind(partition, dict(population))
    assert min(behind.values()) >= K
    assert sum(behind.values()) == sum(population.values())
    # A stored value is one of the member's own generalisations: the weighting can use it.
    for exact in population:
        assert partition(exact) in {at_level(exact, level) for level in LEVELS}


def test_the_ladders_coarsen_as_documented() -> None:
    exact = snap(specialty="pediatric_cardiology", age="55-64", practice="20-29")
    steps = [at_level(exact, level) for level in LEVELS]
    assert steps[0] == exact
    assert steps[2].specialty == "paediatrics" and steps[2].practice_band == "10-29"
    assert steps[4].age_band == "55 and over"
    assert steps[5].specialty == "specialist"
    assert steps[6].sex == UNKNOWN
    assert steps[-2] == Snapshot("US", UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN)
    assert steps[-1].country == UNKNOWN_COUNTRY
    assert generalise_specialty("family_medicine", 2) == "general_practice"
    assert [stored_group(v) for v in ("cardiology", "surgical", "specialist", UNKNOWN)] == [
        "medical",
        "surgical",
        UNKNOWN,
        UNKNOWN,
    ]


def test_every_level_keeps_or_coarsens_every_variable() -> None:
    for finer, coarser in itertools.pairwise(LEVELS):
        assert all(a <= b for a, b in zip(finer, coarser)), (finer, coarser)
