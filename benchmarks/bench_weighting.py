"""Raking speed at 1,000,000 respondents × 4 margins, against a one-pass lower bound and peers.

Run: ``.venv/bin/python benchmarks/bench_weighting.py`` (``--rows`` to change the size).
Prints seconds and ratios measured in the same run; nothing here is a timed assertion.

Goals (issue): within 2× of the one-pass lower bound (one weighted ``np.bincount`` per margin)
for integer-coded columns; the whole call from pandas string columns under 60 ms at 1M rows, and
at least 6× faster than the fastest peer. Text columns are coded by string object first
(``sampling.weighting.coding``); the worst case for that, one string object per row, is timed too.
Then the survey-sized linearisation: residualising 2,000 influence columns after raking, against
the column-by-column backfitting it replaced. Peers (rimpy, weightipy, balance) are timed only if importable from /tmp/peers-venv.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sampling
from sampling.variance import RAKING_SWEEPS, Design, design_of, influence, linearized_se, residualize
from sampling.weighting.coding import column_codes

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


def distinct_objects(sample: pd.DataFrame) -> pd.DataFrame:
    """The same text, but every row holding its own string object (as text built row by row would)."""
    return pd.DataFrame(
        {
            c: np.array([v.encode().decode() for v in sample[c].to_numpy()], dtype=object)
            for c in sample.columns
        }
    ).astype("str")


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


def backfit_by_column(design: Design, x: np.ndarray) -> np.ndarray:
    """The baseline: R's raking backfitting as written, one bincount per column per margin per sweep."""
    psw = np.where(design.weights == 0, 1.0, design.weights)[:, None]
    x = x.copy()
    for _ in range(RAKING_SWEEPS):
        for codes in design.margins:
            counts = np.bincount(codes).astype(float)
            z = x / psw
            means = (
                np.stack(
                    [np.bincount(codes, weights=z[:, j], minlength=counts.size) for j in range(x.shape[1])],
                    axis=1,
                )
                / np.maximum(counts, 1.0)[:, None]
            )
            x = x - psw * means[codes]
    return x


def residualize_benchmark() -> None:
    """A survey's linearised SEs: 10,000 respondents, 40 questions × 5 options, overall and by 9 countries."""
    sample, targets = skewed_sample(10_000, seed=3)
    result = sampling.rake(sample, targets, tol=1e-10)
    design = design_of(sample, result)
    rng = np.random.default_rng(4)
    answers = rng.integers(0, 5, (len(sample), 40))
    values = np.concatenate([(answers == k).astype(float) for k in range(5)], axis=1)  # 200 columns
    country = sample["country"].to_numpy()
    domains = [np.ones(len(sample))] + [(country == c).astype(float) for c in np.unique(country)]
    domain = np.concatenate([np.repeat(d[:, None], values.shape[1], axis=1) for d in domains], axis=1)
    values = np.tile(values, len(domains))
    x = np.nan_to_num(influence(design, domain, values, "mean"))
    before = best_of(lambda: backfit_by_column(design, x), repeat=2)
    cold = best_of(lambda: residualize(replace(design), x), repeat=3)
    warm = best_of(lambda: residualize(design, x), repeat=3)
    diff = np.max(np.abs(residualize(design, x) - backfit_by_column(design, x))) / np.max(np.abs(x))
    print(
        f"residualize after raking, {x.shape[0]:,} respondents × {x.shape[1]:,} estimates: column by column "
        f"{before * 1e3:.0f} ms, vectorised {cold * 1e3:.1f} ms ({before / cold:.0f}×; {warm * 1e3:.1f} ms "
        f"with the design's indicators already built); largest difference {diff:.1e} of max |x|"
    )
    t_se = best_of(lambda: linearized_se(design, domain, values), repeat=3)
    print(
        f"linearized_se for the same {x.shape[1]:,} estimates (influence, residuals, variance): {t_se * 1e3:.1f} ms"
    )


# Run inside /tmp/peers-venv (never Pulse's venv): builds the same sample and times each peer once.
PEER_SCRIPT = r"""
import sys, time, warnings
import numpy as np, pandas as pd
warnings.filterwarnings("ignore")
n, name = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(0)
spec = {"country": [f"C{i}" for i in range(9)], "specialty": [f"S{i:02d}" for i in range(40)],
        "sex": ["female", "male"], "age_band": ["under 35", "35-44", "45-54", "55-64", "65 and over"]}
cols, targets = {}, {}
for var, levels in spec.items():
    k = len(levels)
    p = rng.dirichlet(np.full(k, 2.0)); p = (p + 0.002) / (p + 0.002).sum()
    cols[var] = np.asarray(levels, dtype=object)[rng.choice(k, n, p=p)]
    targets[var] = dict(zip(levels, rng.dirichlet(np.full(k, 5.0))))
df = pd.DataFrame(cols)
if name == "weightipy":
    import weightipy as wp
    scheme = wp.scheme_from_dict({v: {l: 100 * s for l, s in m.items()} for v, m in targets.items()})
    start = time.perf_counter(); wp.weight_dataframe(df, scheme); took = time.perf_counter() - start
elif name == "balance":
    from balance.weighting_methods.rake import rake
    start = time.perf_counter()
    rake(df, pd.Series(np.ones(n)), None, None, variables=list(spec), transformations=None,
         target_margins=targets, max_iteration=1000)
    took = time.perf_counter() - start
elif name == "rimpy":
    import rimpy
    start = time.perf_counter(); rimpy.rake_to(df, targets); took = time.perf_counter() - start
print(took)
"""


def peers(n: int, ours: float) -> None:
    """Time rimpy, weightipy and balance on the same sample, each in /tmp/peers-venv."""
    if not PEERS_PYTHON.exists():
        print(
            "peers: /tmp/peers-venv not found (create it and pip install weightipy balance rimpy to compare)"
        )
        return
    for name in ("rimpy", "weightipy", "balance"):
        try:
            out = subprocess.run(
                [str(PEERS_PYTHON), "-c", PEER_SCRIPT, str(n), name],
                check=False,
                capture_output=True,
                text=True,
                timeout=900,
            )
        except subprocess.TimeoutExpired:
            print(f"peer {name}: no answer within 900 s")
            continue
        if out.returncode != 0:
            last = (out.stderr.strip().splitlines() or ["?"])[-1]
            print(f"peer {name}: could not run ({last[:160]})")
            continue
        took = float(out.stdout.strip().splitlines()[-1])
        print(
            f"peer {name:<10} (strings in): {took * 1e3:10.1f} ms  ratio to Pulse's rake from strings "
            f"{took / ours:7.1f}× (goal ≥ 6× for the fastest)"
        )


def peak_memory(rows: int) -> int:
    """Peak bytes Python allocates while raking ``rows`` respondents from categorical columns."""
    import tracemalloc

    sample, targets = skewed_sample(rows)
    categorical = sample.astype("category")
    tracemalloc.start()
    sampling.rake(categorical, targets, tol=1e-6)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


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
    t_coding = best_of(lambda: [column_codes(sample[c]) for c in sample.columns], repeat=3)
    unshared = distinct_objects(sample)
    t_unshared = best_of(lambda: sampling.rake(unshared, targets, tol=1e-6), repeat=3)
    print(f"rows: {n:,}; margins: country 9, specialty 40, sex 2, age band 5; tol 1e-6")
    print(
        f"raking: {result.iterations} sweeps, max margin error {result.error_history[-1]:.2e}, "
        f"deff {result.design_effect:.3f}"
    )
    print(f"one-pass lower bound (4 weighted bincounts): {bound * 1e3:8.1f} ms")
    print(
        f"rake, categorical columns:                 {t_cat * 1e3:8.1f} ms  ratio {t_cat / bound:5.2f}× (goal ≤ 2×)"
    )
    print(
        f"rake, pandas string columns:               {t_str * 1e3:8.1f} ms  ratio {t_str / bound:5.2f}× "
        f"(goal < 60 ms)"
    )
    print(
        f"  of which coding the 4 string columns: {t_coding * 1e3:.1f} ms "
        f"(pd.factorize of the same columns: {t_factorize * 1e3:.1f} ms, {t_factorize / t_coding:.1f}×)"
    )
    print(
        f"rake, string columns, one object per row:  {t_unshared * 1e3:8.1f} ms  (worst case for the coding)"
    )
    t_rep = reweight_benchmark()
    print(f"200 re-rakes at 10,000 rows (result.reweight): {t_rep:.3f} s (goal < 1 s)")
    peaks = {rows: peak_memory(rows) for rows in (n // 4, n)}
    print(
        f"peak memory of rake (tracemalloc): {peaks[n // 4] / 1e6:.1f} MB at {n // 4:,} rows, "
        f"{peaks[n] / 1e6:.1f} MB at {n:,} rows: ×{peaks[n] / peaks[n // 4]:.2f} for ×4 rows "
        "(linear in rows; rows squared would be ×16)"
    )
    residualize_benchmark()
    if not args.no_peers:
        peers(n, t_str)


if __name__ == "__main__":
    main()
