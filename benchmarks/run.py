"""Run every benchmark case, print one table and write ``benchmarks/results/latest.json``.

Usage: ``make bench`` (or ``python -m benchmarks.run [--quick]``).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path

import numpy as np

from . import cases, regression, robust_t, streams
from . import groups as group_cases
from . import impute as impute_cases
from . import scale as scale_cases


def _table(rows) -> str:
    head = (f"{'case':<28} {'ours':>30}  {'reference':<34} {'reference time':>30}  "
            f"{'ratio':>8}  {'target':<34} {'met':<4} {'peak MB':>8} {'data MB':>8}")
    lines = [head, "-" * len(head)]
    for r in rows:
        ref = r.reference.text() if r.reference else ""
        ratio = f"{r.ratio:8.2f}" if r.ratio is not None else ""
        met = {True: "yes", False: "NO", None: ""}[r.met]
        data = f"{r.data_mb:8.1f}" if r.data_mb is not None else ""
        lines.append(f"{r.case:<28} {r.ours.text():>30}  {r.reference_name:<34} {ref:>30}  "
                     f"{ratio}  {r.target:<34} {met:<4} {r.ours_peak_mb:8.1f} {data}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (smoke run)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", help="comma-separated groups: fit, loglike, backend, nearest, "
                                       "em, robust, cores, file, dask, regress, groups, impute, "
                                       "robust2, streams")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(12345)
    scale = 10 if args.quick else 1
    rows = []
    rep = args.repeat
    groups = {
        "fit": [
            lambda: cases.fit_case(rng, 1_000_000 // scale, 50, rep, frame=False),
            lambda: cases.fit_case(rng, 100_000 // scale, 200, rep),
            lambda: cases.fit_case(rng, 100_000 // scale, 10, rep),
        ],
        "loglike": [lambda p=p: cases.loglike_obs_case(rng, 100_000 // scale, p, rep)
                    for p in (10, 50, 200)],
        "backend": [lambda: cases.glm_case(rng, rep), lambda: cases.std_errors_case(rng, rep),
                    lambda: cases.em_case(rng, rep),
                    lambda: cases.structures_case(rng, max(2, rep // 2)),
                    lambda: cases.mvnmodel_case(rng, rep)],
        "nearest": [lambda: cases.nearest_case(
            rng, (100, 500) if args.quick else (100, 500, 1000, 2000))],
        "em": [lambda: cases.em_scale_case(rng, rep, n=1_000_000 // scale)],
        "robust": [lambda: scale_cases.robust_case(rng, 1_000_000 // scale, 20, rep)],
        "cores": [lambda: scale_cases.cores_case(rng, 4_000_000 // scale, 50, rep)],
        "file": [lambda: scale_cases.file_case(rng, 1_000_000 // scale, 20, max(3, rep // 2))],
        "dask": [lambda: scale_cases.dask_case(10_000_000 // scale, 20, max(3, rep // 2)),
                 lambda: scale_cases.em_dask_case(rng, 1_000_000 // scale, 20, rep)],
        "regress": [lambda: regression.regress_case(rng, 100_000 // scale,
                                                     repeat=max(3, rep // 2))],
        "groups": [lambda: group_cases.equal_cov_case(rep)],
        "impute": [lambda method=method: impute_cases.impute_case(rng, rep, 100_000 // scale,
                                                                  method=method)
                   for method in ("bootstrap", "posterior")],
        "robust2": [lambda: robust_t.t_case(rng, 100_000 // scale, repeat=max(3, rep // 2)),
                    lambda: robust_t.mcd_case(rng, 100_000 // scale, repeat=max(3, rep // 2)),
                    lambda: robust_t.mcd_wide_case(rng)],
        "streams": [lambda: streams.em_robust_stream_case(rng, 1_000_000 // scale, 20,
                                                          max(3, rep // 2)),
                    lambda: streams.groups_stream_case(rng, 1_000_000 // scale, 10,
                                                       max(3, rep // 2))],
    }
    chosen = args.only.split(",") if args.only else list(groups)
    unknown = [c for c in chosen if c not in groups]
    if unknown:
        parser.error(f"unknown groups {unknown}; choose from {list(groups)}")
    steps = [step for group in chosen for step in groups[group]]
    for step in steps:
        rows.extend(step())
        print(f"  done: {rows[-1].case}", flush=True)
    print(_table(rows))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    meta = {"python": sys.version, "numpy": np.__version__, "machine": platform.machine()}
    (out / "latest.json").write_text(json.dumps(
        {"meta": meta, "rows": [r.to_json() for r in rows]}, indent=2))
    print(f"written {out / 'latest.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
