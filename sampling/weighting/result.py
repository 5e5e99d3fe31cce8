"""What every weighting method returns: :class:`WeightingResult` (also importable as ``sampling.result``).

Example:
    >>> import pandas as pd, sampling
    >>> sample = pd.DataFrame({"sex": ["female", "male", "male", "male"]})
    >>> result = sampling.rake(sample, {"sex": {"female": 0.5, "male": 0.5}})
    >>> result.weights.round(3).tolist()
    [2.0, 0.667, 0.667, 0.667]
    >>> round(result.design_effect, 4)
    1.3333
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sampling import diagnostics
from sampling.weighting.plan import margin_codes


@dataclass(frozen=True)
class WeightingResult:
    """Final weights with everything needed to check them and to re-run the method.

    Attributes:
        weights: final weights, aligned to ``sample.index``. They sum to n (the number of
            respondents) when targets are shares, and to the population total when targets are
            counts (as R's ``rake``/``calibrate`` do with population totals).
        base_weights: the base (design) weights used, 1 for everyone when none were given.
        method: registered name of the method ("rake", "poststratify", "calibrate", "trim").
        variables: column names of the calibration margins (each column once).
        targets: the targets used, normalised to shares, keyed like the input (a joint table
            of ``poststratify`` keeps its tuple key and tuple levels); levels merged by
            ``collapse`` or dropped by ``sparse="drop"`` are already applied.
        settings: every option the method ran with; ``reweight`` passes them back unchanged.
        converged: whether the stopping rule was met.
        iterations: passes over the margins (raking sweeps, Newton steps, trim rounds).
        error_history: largest absolute margin error in share units, before weighting
            (first entry) and after each iteration.
        population_total: the population total when targets were counts, else None.
        notes: human-readable remarks (dropped levels, collapsed levels, negative weights).
    """

    weights: pd.Series
    base_weights: pd.Series
    method: str
    variables: tuple[str, ...]
    targets: dict[Any, dict[Any, float]]
    settings: dict[str, Any]
    converged: bool
    iterations: int
    error_history: tuple[float, ...]
    population_total: float | None = None
    notes: tuple[str, ...] = ()
    margin_table: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    #: The weights calibration reached before a later change (R's trimWeights spread), else None.
    calibrated_weights: pd.Series | None = field(default=None, repr=False, compare=False)
    #: The method that made this result (``reweight`` calls it again); set by every method.
    rerun: Callable[..., WeightingResult] | None = field(default=None, repr=False, compare=False)
    # Replicate weights by (kind, replicates, seed), computed once (see sampling.replicates).
    _replicates: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def design_effect(self) -> float:
        """Kish's design effect from unequal weights, n·Σw²/(Σw)² (Kish 1965)."""
        return diagnostics.design_effect(self.weights)

    @property
    def effective_n(self) -> float:
        """Kish's effective sample size, n / deff."""
        return diagnostics.effective_n(self.weights)

    @property
    def efficiency(self) -> float:
        """Weighting efficiency, effective n / n = 1 / deff (between 0 and 1)."""
        return diagnostics.efficiency(self.weights)

    @property
    def n_negative(self) -> int:
        """Number of negative weights (possible only with unbounded linear calibration)."""
        return int((self.weights < 0).sum())

    @property
    def margins(self) -> pd.DataFrame:
        """Target, unweighted and weighted share for every level of every margin.

        Columns: variable, level, target, unweighted, weighted (base-weighted shares are the
        'unweighted' column when base weights were given, as they describe the sample before
        this adjustment).
        """
        if self.margin_table is None:
            raise ValueError("this result carries no margin table")
        return self.margin_table.copy()

    @property
    def max_margin_error(self) -> float:
        """Largest absolute difference between a weighted share and its target."""
        return float(self.error_history[-1]) if self.error_history else float("nan")

    def target_counts(self) -> dict[Hashable, dict[Any, float]]:
        """Targets in the units they were given: counts when a population total is known."""
        scale = 1.0 if self.population_total is None else self.population_total
        return {k: {lvl: v * scale for lvl, v in m.items()} for k, m in self.targets.items()}

    def reweight(
        self, sample: pd.DataFrame, base_weights: str | pd.Series | np.ndarray | None
    ) -> WeightingResult:
        """Re-run the same method, targets and settings with other base weights.

        This is what replicate variance estimation needs: each jackknife or bootstrap replicate
        re-rakes (or re-calibrates) its own replicate base weights to the same targets.

        Args:
            sample: the respondents (the same columns as the original call).
            base_weights: replicate base weights (column name, Series aligned to ``sample``,
                or array); zero deletes a respondent from the replicate.

        Returns:
            A new :class:`WeightingResult`.

        Raises:
            InfeasibleTargetsError: the replicate leaves a target level without respondents.

        Example:
            >>> import pandas as pd, sampling
            >>> s = pd.DataFrame({"sex": ["female", "female", "male", "male"]})
            >>> r = sampling.rake(s, {"sex": {"female": 0.6, "male": 0.4}})
            >>> r.reweight(s, pd.Series([1.0, 0.0, 1.0, 1.0])).weights.round(2).tolist()
            [2.4, 0.0, 0.8, 0.8]

        Reference: R survey's ``as.svrepdesign(..., compress=FALSE)`` followed by ``rake``
        re-rakes each replicate the same way.
        """
        if self.rerun is None:
            raise ValueError(
                f"this result does not know the method that made it ({self.method!r}): "
                "call that method again with the replicate base weights"
            )
        return self.rerun(sample, self.target_counts(), weights=base_weights, **self.settings)

    def design_matrix(self, sample: pd.DataFrame) -> pd.DataFrame:
        """Indicator columns, one per margin level, for linearised variance after calibration.

        Args:
            sample: the respondents, with the margin columns (recoded as for the weighting).

        Returns:
            A float DataFrame indexed like ``sample`` with a column ``"variable=level"`` per level.

        Reference: the model matrix that R's ``calibrate``/``rake`` regress estimating functions
        on (survey package, Lumley 2010 ch. 7).
        """
        collapse = self.settings.get("collapse") or {}
        columns: dict[str, np.ndarray] = {}
        rows = np.arange(len(sample))
        for key, levels in self.targets.items():
            cols = key if isinstance(key, tuple) else (key,)
            codes = margin_codes(sample, key, list(levels), collapse)
            block = np.zeros((len(sample), len(levels)))
            block[rows, codes] = 1.0
            for i, level in enumerate(levels):
                shown = "×".join(map(str, level)) if isinstance(level, tuple) else level
                columns[f"{'×'.join(map(str, cols))}={shown}"] = block[:, i]
        return pd.DataFrame(columns, index=sample.index)
