"""AAPOR Standard Definitions outcome rates from final disposition counts.

Response rates RR1–RR6, cooperation rates COOP1–COOP4, refusal rates REF1–REF3 and contact rates
CON1–CON3, with the disposition codes of the Standard Definitions: I complete, P partial, R refusal
and break-off, NC non-contact, O other eligible non-interview, UH and UO unknown eligibility, NE
not eligible. ``e`` is the estimated share of the unknowns that are eligible; the rates that use
it (RR3, RR4, REF2, CON2) are undefined without it. A rate whose denominator is zero is ``None``.

For an opt-in panel (Pulse's members) AAPOR reserves "response rate" for probability samples: the
rate to report is the participation rate (usable responses / invitations), and the RR/COOP/REF/CON
family is computed within the panel, *conditional on panel membership* (:data:`CONDITIONAL_NOTE`).

Mapping a survey system's dispositions to these codes is the caller's business: this module only
does the arithmetic.

Reference: The American Association for Public Opinion Research (2023), *Standard Definitions:
Final Dispositions of Case Codes and Outcome Rates for Surveys*, 10th edition; AAPOR (2011),
*Online panels* task force on participation rates.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

#: The label every presentation of these rates carries for an opt-in panel.
CONDITIONAL_NOTE = (
    "Conditional on panel membership: Pulse's panel is opt-in (non-probability), so these are "
    "rates among invited panel members, not response rates of a probability sample."
)

#: How :func:`screener_eligibility` estimates e.
SCREENER_ESTIMATOR = (
    "e = (I + P + O) / (I + P + O + NE): the share found eligible among invitees whose eligibility "
    "the screener determined (completes, partials and other eligible cases against screen-outs)"
)

RATE_NAMES = (
    "RR1",
    "RR2",
    "RR3",
    "RR4",
    "RR5",
    "RR6",
    "COOP1",
    "COOP2",
    "COOP3",
    "COOP4",
    "REF1",
    "REF2",
    "REF3",
    "CON1",
    "CON2",
    "CON3",
)


@dataclass(frozen=True)
class DispositionCounts:
    """Final disposition counts in AAPOR's codes (all non-negative whole numbers).

    Attributes:
        I: complete interviews.
        P: partial interviews.
        R: refusals and break-offs.
        NC: non-contacts.
        O: other eligible non-interviews.
        UH: unknown eligibility, no contact (for a web panel, e.g. an invitation that bounced).
        UO: unknown eligibility, other.
        NE: not eligible.
    """

    I: int = 0  # noqa: E741 - AAPOR's own code for a complete interview
    P: int = 0
    R: int = 0
    NC: int = 0
    O: int = 0  # noqa: E741 - AAPOR's own code for "other"
    UH: int = 0
    UO: int = 0
    NE: int = 0

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{item.name}={value!r}: a disposition count is a whole number >= 0")

    @property
    def total(self) -> int:
        """Every case: the invitations, for an invited panel."""
        return sum(asdict(self).values())


@dataclass(frozen=True)
class OutcomeRates:
    """RR1–RR6, COOP1–4, REF1–3, CON1–3 as fractions in [0, 1]; ``None`` where undefined.

    ``e`` is the eligibility share used for RR3, RR4, REF2 and CON2 (``None``: not estimable, and
    those rates are ``None``).
    """

    RR1: float | None
    RR2: float | None
    RR3: float | None
    RR4: float | None
    RR5: float | None
    RR6: float | None
    COOP1: float | None
    COOP2: float | None
    COOP3: float | None
    COOP4: float | None
    REF1: float | None
    REF2: float | None
    REF3: float | None
    CON1: float | None
    CON2: float | None
    CON3: float | None
    e: float | None

    def as_dict(self) -> dict[str, float | None]:
        """The sixteen rates by name, in :data:`RATE_NAMES` order (``e`` left out)."""
        return {name: getattr(self, name) for name in RATE_NAMES}


def _ratio(numerator: float, denominator: float) -> float | None:
    return None if denominator == 0 else numerator / denominator


def _check_share(e: float | None) -> None:
    if e is not None and not (isinstance(e, (int, float)) and 0 <= e <= 1):
        raise ValueError(f"e={e!r}: the eligible share of unknowns is a fraction in [0, 1]")


def outcome_rates(counts: DispositionCounts, e: float | None) -> OutcomeRates:
    """AAPOR outcome rates from disposition counts and the eligible share ``e`` of unknowns.

    Args:
        counts: final disposition counts.
        e: estimated share of the unknown-eligibility cases (UH + UO) that are eligible, in [0, 1];
            ``None`` when it cannot be estimated (RR3, RR4, REF2, CON2 are then ``None``).

    Returns:
        OutcomeRates; any rate whose denominator is zero is ``None``.

    Raises:
        ValueError: ``e`` outside [0, 1].

    Example:
        >>> c = DispositionCounts(I=40, P=5, R=20, NC=100, O=3, UH=10, UO=12, NE=10)
        >>> round(outcome_rates(c, e=0.5).RR1, 4)  # 40 / 190
        0.2105

    Reference: AAPOR Standard Definitions (2023), "Response rates", "Cooperation rates",
    "Refusal rates", "Contact rates".
    """
    _check_share(e)
    interviews = counts.I + counts.P
    eligible_non_interviews = counts.R + counts.NC + counts.O
    unknown = counts.UH + counts.UO
    all_cases = interviews + eligible_non_interviews + unknown  # RR1, REF1, CON1
    known = interviews + eligible_non_interviews  # RR5, REF3, CON3
    estimated = None if e is None else known + e * unknown  # RR3, REF2, CON2
    contacted = interviews + counts.R + counts.O

    def over_estimated(numerator: int) -> float | None:
        return None if estimated is None else _ratio(numerator, estimated)

    return OutcomeRates(
        RR1=_ratio(counts.I, all_cases),
        RR2=_ratio(interviews, all_cases),
        RR3=over_estimated(counts.I),
        RR4=over_estimated(interviews),
        RR5=_ratio(counts.I, known),
        RR6=_ratio(interviews, known),
        COOP1=_ratio(counts.I, interviews + counts.R + counts.O),
        COOP2=_ratio(interviews, interviews + counts.R + counts.O),
        COOP3=_ratio(counts.I, interviews + counts.R),
        COOP4=_ratio(interviews, interviews + counts.R),
        REF1=_ratio(counts.R, all_cases),
        REF2=over_estimated(counts.R),
        REF3=_ratio(counts.R, known),
        CON1=_ratio(contacted, all_cases),
        CON2=over_estimated(contacted),
        CON3=_ratio(contacted, known),
        e=None if e is None else float(e),
    )


def screener_eligibility(counts: DispositionCounts) -> float | None:
    """Estimate e as the eligible share among cases whose eligibility the screener determined.

    Args:
        counts: final disposition counts.

    Returns:
        (I + P + O) / (I + P + O + NE), or ``None`` when no case's eligibility is known yet.

    Example:
        >>> screener_eligibility(DispositionCounts(I=40, P=5, O=3, NE=10))  # 48 / 58
        0.8275862068965517

    Reference: AAPOR Standard Definitions (2023), "Estimating e": e from the known-eligibility
    cases in the same sample (the proportional allocation, CASRO, method), restricted to the cases
    that reached the screener since an online invitation settles nobody's eligibility by itself.
    """
    eligible = counts.I + counts.P + counts.O
    return _ratio(eligible, eligible + counts.NE)


def participation_rate(usable: int, invitations: int) -> float | None:
    """The participation rate of an opt-in panel: usable responses over invitations.

    Args:
        usable: usable (complete, not removed for quality) responses.
        invitations: invitations sent.

    Returns:
        usable / invitations, or ``None`` when nobody was invited.

    Raises:
        ValueError: a negative count, or more usable responses than invitations.

    Example:
        >>> participation_rate(40, 200)
        0.2

    Reference: AAPOR Standard Definitions (2023), "Participation rates for opt-in panels";
    AAPOR report on online panels (2010).
    """
    if usable < 0 or invitations < 0 or usable > invitations:
        raise ValueError(
            f"usable={usable}, invitations={invitations}: usable responses are between 0 and invitations"
        )
    return _ratio(usable, invitations)


__all__ = [
    "CONDITIONAL_NOTE",
    "RATE_NAMES",
    "SCREENER_ESTIMATOR",
    "DispositionCounts",
    "OutcomeRates",
    "outcome_rates",
    "participation_rate",
    "screener_eligibility",
]
