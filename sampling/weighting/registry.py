"""Weighting methods by name: every method has one signature, ``method(sample, targets, *, weights=None, ...)``."""

from __future__ import annotations

from collections.abc import Callable

from sampling.weighting.calibrate import calibrate
from sampling.weighting.poststratify import poststratify
from sampling.weighting.rake import rake
from sampling.weighting.result import WeightingResult
from sampling.weighting.trim import trim

WeightingMethod = Callable[..., WeightingResult]

#: Registered weighting methods; ``WeightingResult.method`` is one of these keys.
METHODS: dict[str, WeightingMethod] = {
    "rake": rake,
    "poststratify": poststratify,
    "calibrate": calibrate,
    "trim": trim,
}


def get_method(name: str) -> WeightingMethod:
    """Look a weighting method up by its registered name.

    Args:
        name: "rake", "poststratify", "calibrate" or "trim".

    Returns:
        The method, callable as ``method(sample, targets, weights=..., **options)``.

    Raises:
        KeyError: no method of that name; the message lists the registered names.

    Example:
        >>> get_method("rake").__name__
        'rake'

    Reference: the registry pattern of Meta's ``balance`` (``balance.adjustment``).
    """
    try:
        return METHODS[name]
    except KeyError:
        raise KeyError(f"no weighting method {name!r}: use one of {', '.join(sorted(METHODS))}") from None
