"""Shared fixtures: seeded generators and random matrices of known structure."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="session")
def air_data() -> pd.DataFrame:
    """R's airquality, as exported (read-only: copy before changing it)."""
    return pd.read_csv("data/airquality.csv")


@pytest.fixture(scope="session")
def iris_data() -> pd.DataFrame:
    """R's iris, as exported (read-only: copy before changing it)."""
    return pd.read_csv("data/iris.csv")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261122)


def random_spd(rng: np.random.Generator, p: int, cond: float = 10.0) -> np.ndarray:
    """Random symmetric positive definite matrix with eigenvalues in [1, cond]."""
    q, _ = np.linalg.qr(rng.standard_normal((p, p)))
    w = np.geomspace(1.0, cond, p)
    m = (q * w) @ q.T
    return (m + m.T) / 2


def random_hermitian(rng: np.random.Generator, n: int, complex_: bool) -> np.ndarray:
    a = rng.standard_normal((n, n))
    if complex_:
        a = a + 1j * rng.standard_normal((n, n))
    return (a + a.conj().T) / 2


def as_frame(x: np.ndarray, prefix: str = "v") -> pd.DataFrame:
    return pd.DataFrame(x, columns=[f"{prefix}{i}" for i in range(x.shape[1])])


REFERENCE = Path(__file__).parent / "reference"


def reference(name: str) -> dict:
    """Values computed in R by ``tests/reference/<name>.R`` (see tests/reference/README.md)."""
    return json.loads((REFERENCE / f"{name}.json").read_text())


def reference_data(name: str) -> pd.DataFrame:
    """A data set exported from R beside the reference values."""
    return pd.read_csv(REFERENCE / "data" / name)


def lavaan_params(entry: dict, columns: list[str]) -> tuple[pd.Series, pd.Series]:
    """Estimates and standard errors of a lavaan parameter table, renamed ``mean[x]`` and
    ``cov[x,y]`` (earlier variable first, as this package names them)."""
    est, se = {}, {}
    order = {c: i for i, c in enumerate(columns)}
    for row in entry["params"]:
        if row["op"] == "~1":
            name = f"mean[{row['lhs']}]"
        elif row["op"] == "~~" and row["lhs"] in order and row["rhs"] in order:
            a, b = sorted((row["lhs"], row["rhs"]), key=order.__getitem__)
            name = f"cov[{a},{b}]"
        else:
            continue
        est[name], se[name] = row["est"], row["se"]
    return pd.Series(est), pd.Series(se)


def lavaan_table(entry: dict, columns: list[str]) -> pd.DataFrame:
    """A lavaan parameter table (means and (co)variances) as a DataFrame indexed
    ``mean[x]``/``cov[x,y]`` with the columns lavaan reported (est, se, z, pvalue, …)."""
    rows = {}
    order = {c: i for i, c in enumerate(columns)}
    for row in entry["params"]:
        if row["op"] == "~1" and row["lhs"] in order:
            name = f"mean[{row['lhs']}]"
        elif row["op"] == "~~" and row["lhs"] in order and row["rhs"] in order:
            a, b = sorted((row["lhs"], row["rhs"]), key=order.__getitem__)
            name = f"cov[{a},{b}]"
        else:
            continue
        rows[name] = {k: v for k, v in row.items() if k not in ("lhs", "op", "rhs", "label")}
    return pd.DataFrame.from_dict(rows, orient="index")
