"""Pulse's survey-weighting library: population frames, weighting methods, diagnostics, pooling.

Pandas in, pandas out; results are frozen dataclasses. See ``sampling.weighting`` for the
methods, ``sampling.population`` for the reference frames, ``sampling.diagnostics`` for the
Kish design effect Pulse reports everywhere, ``sampling.estimation`` for weighted estimates with
design-based SEs, ``sampling.intervals`` for intervals and published precision figures, and
``sampling.significance`` for Rao-Scott tests and domain differences, ``sampling.replicates`` for
JK1/JKn/bootstrap replicate weights (computed once per weighting result) and ``sampling.grouped``
for estimates and linearised variances from group sums (a million respondents without an n × k
matrix). Every function says which R survey call it reproduces and where it differs on purpose.
"""

from __future__ import annotations

from sampling import diagnostics, pooling, population, weighting
from sampling.estimation import estimate
from sampling.intervals import PrecisionFigure, credibility_interval, margin_of_error, proportion_interval
from sampling.result import WeightingResult
from sampling.significance import DomainDifference, RaoScottTest, difference, rao_scott
from sampling.weighting import calibrate, poststratify, rake, trim

__all__ = [
    "DomainDifference",
    "PrecisionFigure",
    "RaoScottTest",
    "WeightingResult",
    "calibrate",
    "credibility_interval",
    "diagnostics",
    "difference",
    # estimates, intervals and tests
    "estimate",
    "margin_of_error",
    "pooling",
    # modules
    "population",
    "poststratify",
    "proportion_interval",
    # weighting
    "rake",
    "rao_scott",
    "trim",
    "weighting",
]
