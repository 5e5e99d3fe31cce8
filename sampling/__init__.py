"""Pulse's survey-weighting library: population frames, weighting methods, diagnostics, pooling.

Pandas in, pandas out; results are frozen dataclasses. See ``sampling.weighting`` for the
methods, ``sampling.population`` for the reference frames and ``sampling.diagnostics`` for the
Kish design effect Pulse reports everywhere.
"""
from __future__ import annotations

from sampling import diagnostics, population, pooling, weighting
from sampling.estimation import estimate
from sampling.result import WeightingResult
from sampling.weighting import calibrate, poststratify, rake, trim

__all__ = ["rake", "poststratify", "calibrate", "trim", "WeightingResult", "population", "weighting",
           "diagnostics", "pooling", "estimate"]
