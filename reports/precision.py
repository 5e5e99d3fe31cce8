"""The one precision figure Pulse publishes for a share: a 95% credibility interval.

Why this measure. Pulse's panel is opt-in: members choose whether to answer. AAPOR's statement
on opt-in samples calls a "margin of sampling error" for them misleading and accepts a Bayesian
credibility interval when its assumptions are disclosed (STATS.md, "Precision"). Ipsos publishes
±z·√(deff/n)·√(p(1−p)) with an *assumed* design effect of 1.3; Pulse uses the same normal
approximation of the posterior under a flat prior, but with the design effect *measured* on the
weights of each base (Kish: effective n = (Σw)²/Σw²), so a heavily weighted group is not
presented as more precise than it is:

    half-width h = 1.96 · √(p(1−p) / effective n)

At extreme shares (fewer than :data:`MIN_EXPECTED` effective respondents on either side, or an
interval that would leave 0–100%) the normal approximation fails — 0% would get "±0.0" — so the
figure is the equal-tailed Jeffreys interval (Beta(x + ½, n − x + ½) on the effective counts;
Brown, Cai & DasGupta 2001), published as a range with its bounds rounded outward to whole
percentages ("0–9%"). A figure is therefore either "±h points" (one decimal) or "a–b%", never both
and never ±0.0; sentences, tables, charts, CSV, JSON, the poll page and the API all print
:meth:`Precision.text` of the same :class:`Precision`.

The assumption to disclose: the interval is about the weighted estimate *if* the weighting removes
the self-selection bias; it does not measure that bias.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

from reports import numbers

LEVEL = 0.95
Z = 1.959963984540054
#: Fewest effective respondents on each side of a share for the ± form.
MIN_EXPECTED = 5.0
LABEL = {
    "en": "95% credibility interval (Bayesian, with the design effect measured on the weights)",
    "es": "intervalo de credibilidad del 95 % (bayesiano, con el efecto de diseño medido en los pesos)",
}
SHORT_LABEL = {"en": "95% credibility interval", "es": "intervalo de credibilidad del 95 %"}
METHOD = (
    "95% Bayesian credibility interval: ±1.96·√(p(1−p)/effective n), effective n = Kish (Σw)²/Σw² of "
    "the base; a Jeffreys interval on the effective counts, as a range rounded outward to whole "
    "percentages, where either side has fewer than 5 effective respondents"
)


@dataclass(frozen=True)
class Precision:
    """One share's published precision.

    Attributes:
        half_width: the ± half-width (0–1, published to 0.1 point), or None when the figure is a
            range.
        low: lower bound of a range (0–1, whole percentage), None for the ± form.
        high: upper bound of a range, None for the ± form.

    Only published values are kept: the ± form holds no bounds, which would give the unrounded
    share away as their midpoint.
    """

    half_width: float | None
    low: float | None = None
    high: float | None = None

    @property
    def kind(self) -> str:
        """ "plus_minus" or "range"."""
        return "range" if self.half_width is None else "plus_minus"

    def text(self, locale: str) -> str:
        """ "±4.2" or "0–9%" in ``locale``'s number format.

        Example:
            >>> share_precision(0.5, 400).text("es")
            '±4,9'
        """
        if self.half_width is None:
            return numbers.percent_range(self.low or 0.0, 1.0 if self.high is None else self.high, locale)
        return numbers.points(self.half_width, locale)

    def as_points(self, locale: str) -> str:
        """As :meth:`text`, with "points" after a half-width: "±4.2 points" / "±4,2 puntos"."""
        if self.half_width is None:
            return self.text(locale)
        return self.text(locale) + (" points" if locale == "en" else " puntos")


def share_precision(share: float, effective_n: float) -> Precision:
    """The credibility interval of a weighted share, as Pulse publishes it.

    Args:
        share: the weighted share (0–1), unrounded.
        effective_n: Kish's effective n of the base the share is of.

    Returns:
        A :class:`Precision`: ± form (half-width rounded half up to 0.1 point) or a range.

    Raises:
        ValueError: a share outside 0–1 or an effective n that is not positive.

    Example:
        >>> share_precision(0.8, 400).text("en")
        '±3.9'
        >>> share_precision(0.0, 11).text("en")
        '0–20%'

    Reference: AAPOR, "Opt-in surveys and margin of error" (credibility intervals); Ipsos
    credibility-interval formula; Jeffreys interval (Brown, Cai & DasGupta 2001, Stat. Sci. 16).
    """
    if not (0.0 <= share <= 1.0) or not math.isfinite(share):
        raise ValueError(f"share={share!r}: give a proportion between 0 and 1")
    if not (effective_n > 0) or not math.isfinite(effective_n):
        raise ValueError(f"effective_n={effective_n!r}: give a positive effective sample size")
    h = Z * math.sqrt(share * (1 - share) / effective_n)
    rounded_h = numbers.round_half_up(100 * h, 1) / 100
    symmetric = (
        min(share, 1 - share) * effective_n >= MIN_EXPECTED
        and share - h >= 0
        and share + h <= 1
        and rounded_h > 0
    )
    if symmetric:
        return Precision(half_width=round(rounded_h, 6))
    x = share * effective_n
    alpha = 1 - LEVEL
    low = 0.0 if share <= 0 else float(stats.beta.ppf(alpha / 2, x + 0.5, effective_n - x + 0.5))
    high = 1.0 if share >= 1 else float(stats.beta.ppf(1 - alpha / 2, x + 0.5, effective_n - x + 0.5))
    # Outward to whole percentages: the published range always contains the computed one.
    low_pct = math.floor(round(100 * low, 6)) / 100
    high_pct = math.ceil(round(100 * high, 6)) / 100
    return Precision(low=low_pct, high=high_pct, half_width=None)
