"""Weighting methods: post-stratification, raking, linear and logit calibration, trimming.

Every method has one signature, ``method(sample, targets, *, weights=None, **options)``, returns
a :class:`sampling.result.WeightingResult`, and is registered by name in :data:`METHODS`.
"""

from __future__ import annotations

from sampling.weighting.calibrate import calibrate
from sampling.weighting.common import ConvergenceError, ConvergenceWarning
from sampling.weighting.plan import InfeasibleTargetsError
from sampling.weighting.poststratify import poststratify
from sampling.weighting.rake import rake
from sampling.weighting.registry import METHODS, get_method
from sampling.weighting.trim import trim

__all__ = [
    "METHODS",
    "ConvergenceError",
    "ConvergenceWarning",
    "InfeasibleTargetsError",
    "calibrate",
    "get_method",
    "poststratify",
    "rake",
    "trim",
]
