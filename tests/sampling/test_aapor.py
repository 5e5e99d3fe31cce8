"""AAPOR outcome rates against a case worked out by hand, as fractions, from the Standard Definitions.

The case: I=40, P=5, R=20, NC=100, O=3, UH=10, UO=12, NE=10 (200 invitations).
  I + P = 45;  R + NC + O = 123;  UH + UO = 22;  contacted (I+P) + R + O = 68
  RR1/REF1/CON1 denominator: 45 + 123 + 22 = 190
  RR5/REF3/CON3 denominator: 45 + 123 = 168
  e (screener): (I+P+O)/(I+P+O+NE) = 48/58 = 24/29
  RR3/REF2/CON2 denominator: 168 + 22·24/29 = (4872 + 528)/29 = 5400/29
"""

from __future__ import annotations

import doctest
from fractions import Fraction as F

import pytest

from sampling import aapor
from sampling.aapor import DispositionCounts, outcome_rates, participation_rate, screener_eligibility

CASE = DispositionCounts(I=40, P=5, R=20, NC=100, O=3, UH=10, UO=12, NE=10)
E = F(24, 29)
ESTIMATED = F(5400, 29)

BY_HAND = {
    "RR1": F(40, 190),
    "RR2": F(45, 190),
    "RR3": 40 / ESTIMATED,  # 29/135
    "RR4": 45 / ESTIMATED,  # 29/120
    "RR5": F(40, 168),
    "RR6": F(45, 168),
    "COOP1": F(40, 68),
    "COOP2": F(45, 68),
    "COOP3": F(40, 65),
    "COOP4": F(45, 65),
    "REF1": F(20, 190),
    "REF2": 20 / ESTIMATED,  # 29/270
    "REF3": F(20, 168),
    "CON1": F(68, 190),
    "CON2": 68 / ESTIMATED,  # 493/1350
    "CON3": F(68, 168),
}


def test_the_estimated_denominator_reduces_as_worked_out():
    assert 40 / ESTIMATED == F(29, 135) and 45 / ESTIMATED == F(29, 120)
    assert 20 / ESTIMATED == F(29, 270) and 68 / ESTIMATED == F(493, 1350)


def test_e_is_the_eligible_share_among_screened_invitees():
    assert screener_eligibility(CASE) == pytest.approx(float(E))
    assert CASE.total == 200


@pytest.mark.parametrize("name", list(BY_HAND))
def test_every_rate_matches_the_hand_count(name):
    rates = outcome_rates(CASE, e=float(E))
    assert getattr(rates, name) == pytest.approx(float(BY_HAND[name]), rel=1e-12)


def test_rates_come_in_aapor_order_with_e_stated():
    rates = outcome_rates(CASE, e=float(E))
    assert list(rates.as_dict()) == list(aapor.RATE_NAMES)
    assert rates.e == pytest.approx(24 / 29)
    assert "panel membership" in aapor.CONDITIONAL_NOTE
    assert "(I + P + O) / (I + P + O + NE)" in aapor.SCREENER_ESTIMATOR


def test_participation_rate_is_usable_completes_over_invitations():
    assert participation_rate(40, 200) == pytest.approx(0.2)  # 40/200 = 1/5


def test_e_of_one_makes_rr3_rr1_and_e_of_zero_makes_rr3_rr5():
    assert outcome_rates(CASE, e=1.0).RR3 == pytest.approx(40 / 190)
    assert outcome_rates(CASE, e=0.0).RR3 == pytest.approx(40 / 168)


def test_without_e_the_rates_that_need_it_are_undefined_and_the_others_are_not():
    rates = outcome_rates(CASE, e=None)
    assert (rates.RR3, rates.RR4, rates.REF2, rates.CON2, rates.e) == (None, None, None, None, None)
    assert rates.RR1 == pytest.approx(40 / 190)


def test_nothing_to_divide_gives_none_not_a_crash():
    empty = DispositionCounts()
    rates = outcome_rates(empty, e=screener_eligibility(empty))
    assert set(rates.as_dict().values()) == {None}
    assert participation_rate(0, 0) is None
    only_screened_out = DispositionCounts(NE=4)
    assert screener_eligibility(only_screened_out) == 0.0
    assert outcome_rates(only_screened_out, e=0.0).RR1 is None


def test_refuses_impossible_input_with_the_field_named():
    with pytest.raises(ValueError, match=r"NC=-1: a disposition count is a whole number >= 0"):
        DispositionCounts(NC=-1)
    with pytest.raises(ValueError, match=r"e=1.5: the eligible share"):
        outcome_rates(CASE, e=1.5)
    with pytest.raises(ValueError, match=r"usable=5, invitations=4"):
        participation_rate(5, 4)


def test_docstring_examples():
    failures, _ = doctest.testmod(aapor, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert failures == 0
