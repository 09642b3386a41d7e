"""Shared fixtures: seeded generators and random matrices of known structure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


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
