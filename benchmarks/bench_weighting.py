"""Raking speed at 1,000,000 respondents × 4 margins, against a one-pass lower bound and peers.

Run: ``.venv/bin/python benchmarks/bench_weighting.py`` (``--rows`` to change the size).
Prints seconds and ratios measured in the same run; nothing here is a timed assertion.

Goals (issue): within 2× of the one-pass lower bound (one weighted ``np.bincount`` per margin)
for integer-coded columns; the whole call from pandas string columns under 60 ms at 1M rows.
Peers (rimpy, weightipy, balance) are timed only if importable from /tmp/peers-venv.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sampling  # noqa: E402

PEERS_PYTHON = Path("/tmp/peers-venv/bin/python")


def skewed_sample(n: int, seed: int = 0) -> tuple[pd.DataFrame, dict[str, dict[str, float]]]:
    """Country 9 levels, specialty 40, sex 2, age band 5; the sample's shares are far from the targets."""
    rng = np.random.default_rng(seed)
    spec = {
        "country": [f"C{i}" for i in range(9)],
        "specialty": [f"S{i:02d}" for i in range(40)],
        "sex": ["female", "male"],
        "age_band": ["under 35", "35-44", "45-54", "55-64", "65 and over"],
    }
    columns, targets = {}, {}
    for var, levels in spec.items():
        k = len(levels)
        sample_p = rng.dirichlet(np.full(k, 2.0))
        sample_p = (sample_p + 0.002) / (sample_p + 0.002).sum()
        columns[var] = np.asarray(levels, dtype=object)[rng.choice(k, n, p=sample_p)]
        target_p = rng.dirichlet(np.full(k, 5.0))
        targets[var] = dict(zip(levels, target_p))
    return pd.DataFrame(columns).astype("str"), targets


def best_of(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def lower_bound(codes: list[np.ndarray], weights: np.ndarray) -> float:
    """One weighted bincount per margin: a single pass over the respondents, no iterating."""
    return best_of(lambda: [np.bincount(c, weights=weights) for c in codes])


def reweight_benchmark() -> float:
    sample, targets = skewed_sample(10_000, seed=1)
    result = sampling.rake(sample, targets)
    rng = np.random.default_rng(2)
    base = rng.uniform(0.5, 2.0, (200, len(sample)))
    start = time.perf_counter()
    for row in base:
        result.reweight(sample, row)
    return time.perf_counter() - start


def peers(n: int) -> None:
    if not PEERS_PYTHON.exists():
        print("peers: /tmp/peers-venv not found (pip install rimpy weightipy balance there to compare)")
        return
    script = Path(__file__).with_name("_bench_peers.py")
    if not script.exists():
        print("peers: benchmarks/_bench_peers.py missing")
        return
    out = subprocess.run([str(PEERS_PYTHON), str(script), str(n)], capture_output=True, text=True, timeout=1800)
    print(out.stdout.strip() or f"peers: failed: {out.stderr.strip()[-400:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--no-peers", action="store_true")
    args = parser.parse_args()
    n = args.rows
    sample, targets = skewed_sample(n)
    categorical = sample.astype("category")
    codes = [categorical[c].cat.codes.to_numpy().astype(np.intp) for c in sample.columns]
    base = np.ones(n)

    bound = lower_bound(codes, base)
    result = sampling.rake(categorical, targets, tol=1e-6)
    t_cat = best_of(lambda: sampling.rake(categorical, targets, tol=1e-6))
    t_str = best_of(lambda: sampling.rake(sample, targets, tol=1e-6), repeat=3)
    t_factorize = best_of(lambda: [pd.factorize(sample[c]) for c in sample.columns], repeat=3)
    print(f"rows: {n:,}; margins: country 9, specialty 40, sex 2, age band 5; tol 1e-6")
    print(f"raking: {result.iterations} sweeps, max margin error {result.error_history[-1]:.2e}, "
          f"deff {result.design_effect:.3f}")
    print(f"one-pass lower bound (4 weighted bincounts): {bound * 1e3:8.1f} ms")
    print(f"rake, categorical columns:                 {t_cat * 1e3:8.1f} ms  ratio {t_cat / bound:5.2f}× (goal ≤ 2×)")
    print(f"rake, pandas string columns:               {t_str * 1e3:8.1f} ms  ratio {t_str / bound:5.2f}× "
          f"(goal < 60 ms)")
    print(f"  of which pd.factorize of the 4 string columns alone: {t_factorize * 1e3:.1f} ms")
    t_rep = reweight_benchmark()
    print(f"200 re-rakes at 10,000 rows (result.reweight): {t_rep:.3f} s (goal < 1 s)")
    if not args.no_peers:
        peers(n)


if __name__ == "__main__":
    main()
