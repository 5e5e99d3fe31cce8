"""``sampling.estimate`` at a million respondents, next to ``rake`` on the same data; replicate variances.

Run: ``.venv/bin/python benchmarks/bench_estimate.py`` (``--rows`` to change the size).
Prints seconds and ratios measured in the same run; nothing here is a timed assertion.

Goals (issue 14):
* ``estimate`` of a proportion and of a mean over all 1,000,000 raked respondents within 5× the
  time of ``rake`` on the same data, and under 150 MB of peak memory (tracemalloc);
* the same by country (9 domains) within 10× the rake time;
* twelve statistics with JK1 variances (2,000 replicates at n = 2,000, each replicate re-raked)
  in under 5 s in total, replicate weights included; the bootstrap with 500 replicates beside it.
The baseline for the replicate figures is re-raking every replicate with ``WeightingResult.reweight``
(what every ``estimate`` call did before), timed on 100 replicates and scaled to 2,000.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_weighting import skewed_sample

import sampling
from sampling.estimation import estimate


def best_of(fn: Callable[[], Any], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def with_answers(sample: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The respondents' answers: a 0/1 question that depends on the margins, and a numeric score."""
    rng = np.random.default_rng(seed)
    n = len(sample)
    lean = (sample["sex"] == "female").to_numpy() * 0.4 + (sample["country"] == "C0").to_numpy() * 0.3
    agree = (rng.random(n) < 1 / (1 + np.exp(0.2 - lean))).astype(np.int8)
    score = np.round(5 + 2 * lean + rng.normal(0, 2, n), 1)
    return sample.assign(agree=agree, score=score)


def peak_mb(fn: Callable[[], Any]) -> float:
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def million(n: int) -> None:
    sample, targets = skewed_sample(n)
    sample = with_answers(sample, seed=1)
    t_rake = best_of(lambda: sampling.rake(sample, targets, tol=1e-6))
    result = sampling.rake(sample, targets, tol=1e-6)
    print(f"rows: {n:,}; raked to country 9, specialty 40, sex 2, age band 5 (pandas string columns)")
    print(f"rake (baseline):                          {t_rake * 1e3:8.1f} ms")
    rows = [
        ("proportion (agree, 0/1), overall", "agree", None, 5),
        ("mean (score), overall", "score", None, 5),
        ("proportion (agree), by country", "agree", "country", 10),
        ("mean (score), by country", "score", "country", 10),
    ]
    for label, variable, by, goal in rows:
        took = best_of(lambda v=variable, b=by: estimate(sample, result, v, by=b))
        print(f"estimate, {label:<33} {took * 1e3:8.1f} ms  {took / t_rake:5.2f}× rake (goal ≤ {goal}×)")
    for variable in ("agree", "score"):
        peak = peak_mb(lambda v=variable: estimate(sample, result, v))
        print(f"peak memory of estimate({variable!r}) overall (tracemalloc): {peak:6.1f} MB (goal < 150 MB)")
    dense = n * 8 * 2 * 9 / 1e6
    print(f"  (the dense n × k domain and value matrices for 9 domains alone would be {dense:.0f} MB)")


def replicated(n: int, jk_goal: float) -> None:
    sample, targets = skewed_sample(n, seed=5)
    sample = with_answers(sample, seed=6)
    sample["opinion"] = np.random.default_rng(7).choice(["support", "oppose", "unsure"], n)
    result = sampling.rake(sample, targets, tol=1e-10, max_iter=500)
    statistics = [
        (variable, by, statistic)
        for variable in ("agree", "score", "opinion")
        for by in (None, "country")
        for statistic in ("mean", "total")
    ]
    frame = sampling.replicates._margin_frame(sample, result)
    some = 100
    rng_base = result.base_weights.to_numpy()
    start = time.perf_counter()
    for r in range(some):
        factors = np.full(n, n / (n - 1))
        factors[r] = 0.0
        result.reweight(frame, rng_base * factors)
    per_stat_before = (time.perf_counter() - start) * n / some
    for method, replicates, label in (("jackknife", n, "JK1"), ("bootstrap", 500, "bootstrap")):
        fresh = sampling.rake(sample, targets, tol=1e-10, max_iter=500)
        start = time.perf_counter()
        estimate(sample, fresh, "agree", variance=method, replicates=replicates, seed=1)
        first = time.perf_counter() - start
        start = time.perf_counter()
        for variable, by, statistic in statistics:
            estimate(
                sample,
                fresh,
                variable,
                by=by,
                statistic=statistic,
                variance=method,
                replicates=replicates,
                seed=1,
            )
        rest = time.perf_counter() - start
        total = first + rest
        count = len(statistics)
        goal = f" (goal < {jk_goal:g} s)" if method == "jackknife" else ""
        print(
            f"{label}, {replicates:,} replicates at n = {n:,}: first statistic {first:.2f} s (replicate weights "
            f"built, then kept on the result); {count} statistics {total:.2f} s in total{goal}"
        )
        if method == "jackknife":
            print(
                f"  before (every estimate re-raked every replicate with reweight): {per_stat_before:.1f} s per "
                f"statistic, {per_stat_before * count:.0f} s for {count}: {per_stat_before * count / total:.0f}× slower"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--replicate-rows", type=int, default=2_000)
    args = parser.parse_args()
    million(args.rows)
    replicated(args.replicate_rows, jk_goal=5.0)


if __name__ == "__main__":
    main()
