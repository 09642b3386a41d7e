"""Every identity of DIGEST §2, checked against finite differences on random inputs.

Errata versions are used where the notes slip: the chain rule's ``∂yᵀ/∂x`` is ``n×m``; the
trace rule ``∂tr(AB)/∂A = Bᵀ`` has ``B`` of shape ``n×m`` for ``A`` of shape ``m×n``.
"""

import numpy as np
import pytest

from mvn_estimate import linalg as L
from mvn_estimate.exceptions import InvalidOptionError

N, M = 4, 3
RTOL, ATOL = 1e-7, 1e-8


@pytest.fixture
def v(rng):
    """Random vectors and matrices of the shapes the identities need."""
    def sym(k):
        s = rng.standard_normal((k, k))
        return s + s.T
    c = rng.standard_normal((M, N))
    return {
        "a": rng.standard_normal(N), "b": rng.standard_normal(N), "x": rng.standard_normal(N),
        "y": rng.standard_normal(N), "A": rng.standard_normal((N, N)), "B": sym(N),
        "Am": rng.standard_normal((M, N)), "am": rng.standard_normal(M),
        "Bm": sym(M), "C": c, "Amn": rng.standard_normal((M, N)),
        "Bnm": rng.standard_normal((N, M)),
        "X": rng.standard_normal((N, N)) + N * np.eye(N),
    }


def _check_gradient(f, x, analytic):
    np.testing.assert_allclose(L.num_gradient(f, x), analytic, rtol=RTOL, atol=ATOL)


# ---- vector variable --------------------------------------------------------------------
VECTOR_IDENTITIES = {
    "d(a'x)/dx = a": (lambda d: lambda x: d["a"] @ x, lambda d: d["a"]),
    "d(x'a)/dx = a": (lambda d: lambda x: x @ d["a"], lambda d: d["a"]),
    "d(x'Ay)/dx = Ay": (lambda d: lambda x: x @ d["A"] @ d["y"], lambda d: d["A"] @ d["y"]),
    "d(y'Ax)/dx = A'y": (lambda d: lambda x: d["y"] @ d["A"] @ x, lambda d: d["A"].T @ d["y"]),
    "d(x'Ax)/dx = (A+A')x": (lambda d: lambda x: x @ d["A"] @ x,
                             lambda d: (d["A"] + d["A"].T) @ d["x"]),
    "d(x'Bx)/dx = 2Bx (B symmetric)": (lambda d: lambda x: x @ d["B"] @ x,
                                       lambda d: 2 * d["B"] @ d["x"]),
    "d(x'x)/dx = 2x": (lambda d: lambda x: x @ x, lambda d: 2 * d["x"]),
    "d((a-Ax)'B(a-Ax))/dx = -2A'B(a-Ax)": (
        lambda d: lambda x: (d["am"] - d["Am"] @ x) @ d["Bm"] @ (d["am"] - d["Am"] @ x),
        lambda d: -2 * d["Am"].T @ d["Bm"] @ (d["am"] - d["Am"] @ d["x"])),
    "d(a'xx'b)/dx = ab'x + ba'x": (
        lambda d: lambda x: (d["a"] @ x) * (x @ d["b"]),
        lambda d: np.outer(d["a"], d["b"]) @ d["x"] + np.outer(d["b"], d["a"]) @ d["x"]),
    "d tr(xy')/dx = y": (lambda d: lambda x: np.trace(np.outer(x, d["y"])), lambda d: d["y"]),
}


@pytest.mark.parametrize("name", list(VECTOR_IDENTITIES))
def test_vector_gradient_identity(v, name):
    f, grad = VECTOR_IDENTITIES[name]
    _check_gradient(f(v), v["x"], grad(v))


def test_jacobian_of_x_transpose_is_identity(v):
    np.testing.assert_allclose(L.num_jacobian(lambda x: x, v["x"]), np.eye(N), atol=1e-10)


def _y_of_x(d):
    """A nonlinear y(x): R^N -> R^M and its denominator-layout derivative ∂yᵀ/∂x (N×M)."""
    def y(x):
        return np.sin(d["C"] @ x)
    def dyt(x):
        return (d["C"] * np.cos(d["C"] @ x)[:, None]).T
    return y, dyt


def test_quadratic_in_y_of_x(v):
    y, dyt = _y_of_x(v)
    a = v["Bm"] + np.triu(v["Bm"])  # not symmetric
    analytic = dyt(v["x"]) @ (a + a.T) @ y(v["x"])
    _check_gradient(lambda x: y(x) @ a @ y(x), v["x"], analytic)


def test_bilinear_in_y_and_z_of_x(v):
    y, dyt = _y_of_x(v)
    def z(x):
        return np.exp(v["C"] @ x / 3)
    def dzt(x):
        return (v["C"] * (np.exp(v["C"] @ x / 3) / 3)[:, None]).T
    a = v["Bm"] + np.triu(v["Bm"])
    x = v["x"]
    analytic = dyt(x) @ a @ z(x) + dzt(x) @ a.T @ y(x)
    _check_gradient(lambda t: y(t) @ a @ z(t), x, analytic)


def test_chain_rule_with_n_by_m_jacobian(v):
    y, dyt = _y_of_x(v)
    def f(u):
        return float(np.sum(u**3))
    def df(u):
        return 3 * u**2
    x = v["x"]
    assert dyt(x).shape == (N, M)  # errata: n×m, not n×n
    _check_gradient(lambda t: f(y(t)), x, dyt(x) @ df(y(x)))


def test_product_and_quotient_rules(v):
    def f(x):
        return float(np.sum(np.sin(x)))
    def g(x):
        return float(2.0 + x @ x)
    x = v["x"]
    df, dg = L.num_gradient(f, x), L.num_gradient(g, x)
    _check_gradient(lambda t: f(t) * g(t), x, df * g(x) + f(x) * dg)
    _check_gradient(lambda t: f(t) / g(t), x, (g(x) * df - f(x) * dg) / g(x) ** 2)


def test_linearity(v):
    x = v["x"]
    def f(t):
        return float(t @ v["A"] @ t)
    def g(t):
        return float(np.sum(np.cos(t)))
    expected = 2 * L.num_gradient(f, x) - 3 * L.num_gradient(g, x)
    _check_gradient(lambda t: 2 * f(t) - 3 * g(t), x, expected)


def test_gradient_flow_decreases_f(v):
    def f(x):
        return float(x @ v["B"] @ x + v["a"] @ x)
    x = v["x"]
    step = -1e-3 * L.num_gradient(f, x)
    assert f(x + step) < f(x)


# ---- matrix variable --------------------------------------------------------------------
MATRIX_IDENTITIES = {
    "d(x'Ay)/dA = xy'": (lambda d: lambda a: d["x"] @ a @ d["y"],
                         lambda d: np.outer(d["x"], d["y"])),
    "d(x'A^-1 y)/dA = -A^-T xy' A^-T": (
        lambda d: lambda a: d["x"] @ np.linalg.solve(a, d["y"]),
        lambda d: -np.linalg.inv(d["X"]).T @ np.outer(d["x"], d["y"]) @ np.linalg.inv(d["X"]).T),
    "d(x'A'Ay)/dA = A(xy'+yx')": (
        lambda d: lambda a: d["x"] @ a.T @ a @ d["y"],
        lambda d: d["X"] @ (np.outer(d["x"], d["y"]) + np.outer(d["y"], d["x"]))),
    "d(x'AA'y)/dA = (xy'+yx')A": (
        lambda d: lambda a: d["x"] @ a @ a.T @ d["y"],
        lambda d: (np.outer(d["x"], d["y"]) + np.outer(d["y"], d["x"])) @ d["X"]),
    "d exp(x'Ay)/dA = xy' exp(x'Ay)": (
        lambda d: lambda a: np.exp(d["x"] @ a @ d["y"] / 10),
        lambda d: np.outer(d["x"], d["y"]) / 10 * np.exp(d["x"] @ d["X"] @ d["y"] / 10)),
    "d(a'Xb)/dX = ab'": (lambda d: lambda a: d["a"] @ a @ d["b"],
                         lambda d: np.outer(d["a"], d["b"])),
    "d(a'X'b)/dX = ba'": (lambda d: lambda a: d["a"] @ a.T @ d["b"],
                          lambda d: np.outer(d["b"], d["a"])),
    "d(a'XX'b)/dX = ab'X + ba'X": (
        lambda d: lambda a: d["a"] @ a @ a.T @ d["b"],
        lambda d: (np.outer(d["a"], d["b"]) + np.outer(d["b"], d["a"])) @ d["X"]),
    "d(a'X'Xb)/dX = Xab' + Xba'": (
        lambda d: lambda a: d["a"] @ a.T @ a @ d["b"],
        lambda d: d["X"] @ (np.outer(d["a"], d["b"]) + np.outer(d["b"], d["a"]))),
    "d tr(A)/dA = I": (lambda d: lambda a: np.trace(a), lambda d: np.eye(N)),
    "d|X|/dX^T = |X| X^-1 (so d|X|/dX = |X| X^-T)": (
        lambda d: lambda a: np.linalg.det(a),
        lambda d: np.linalg.det(d["X"]) * np.linalg.inv(d["X"]).T),
}


@pytest.mark.parametrize("name", list(MATRIX_IDENTITIES))
def test_matrix_gradient_identity(v, name):
    f, grad = MATRIX_IDENTITIES[name]
    _check_gradient(f(v), v["X"], grad(v))


def test_trace_of_product_gradient_rectangular(v):
    a, b = v["Amn"], v["Bnm"]  # A m×n, B n×m (errata)
    _check_gradient(lambda t: np.trace(t @ b), a, b.T)
    _check_gradient(lambda t: np.trace(b @ t), a, b.T)


def test_quadratic_form_is_trace(v):
    assert np.isclose(v["x"] @ v["A"] @ v["x"], np.trace(v["A"] @ np.outer(v["x"], v["x"])))


def test_differential_of_inverse(v):
    x, dx = v["X"], 1e-6 * v["A"]
    inv = np.linalg.inv(x)
    np.testing.assert_allclose(np.linalg.inv(x + dx) - inv, -inv @ dx @ inv, rtol=0, atol=1e-10)


def test_differential_form_of_gradient(v):
    """df = tr((∂f/∂Xᵀ) dX) for f = x'Xy."""
    def f(a):
        return float(v["x"] @ a @ v["y"])
    dX = 1e-6 * v["A"]
    grad_t = np.outer(v["x"], v["y"]).T
    assert np.isclose(f(v["X"] + dX) - f(v["X"]), np.trace(grad_t @ dX), rtol=1e-8)


# ---- Hessians ---------------------------------------------------------------------------
def test_hessian_of_linear_is_zero(v):
    np.testing.assert_allclose(L.num_hessian(lambda x: v["a"] @ x, v["x"]), 0.0, atol=1e-6)


def test_hessian_of_quadratic_form(v):
    np.testing.assert_allclose(L.num_hessian(lambda x: x @ v["A"] @ x, v["x"]),
                               v["A"] + v["A"].T, rtol=1e-6, atol=1e-6)


def test_hessian_of_least_squares(v):
    def f(x):
        r = v["am"] - v["Am"] @ x
        return r @ v["Bm"] @ r
    np.testing.assert_allclose(L.num_hessian(f, v["x"]), 2 * v["Am"].T @ v["Bm"] @ v["Am"],
                               rtol=1e-6, atol=1e-6)


# ---- symmetric matrix variable ------------------------------------------------------------
SYMMETRIC_CASES = {
    "ln|X|": (lambda d: lambda s: np.linalg.slogdet(s)[1], lambda d, s: np.linalg.inv(s)),
    "a'Xb": (lambda d: lambda s: d["a"] @ s @ d["b"], lambda d, s: np.outer(d["a"], d["b"])),
    "tr(AX), A not symmetric": (lambda d: lambda s: np.trace(d["A"] @ s), lambda d, s: d["A"].T),
    "x'X^-1 x": (lambda d: lambda s: d["x"] @ np.linalg.solve(s, d["x"]),
                 lambda d, s: -np.linalg.inv(s) @ np.outer(d["x"], d["x"]) @ np.linalg.inv(s)),
}


@pytest.mark.parametrize("name", list(SYMMETRIC_CASES))
def test_symmetric_gradient_rule(v, name):
    s = v["B"] + 3 * N * np.eye(N)
    f, unconstrained = SYMMETRIC_CASES[name]
    a = unconstrained(v, s)
    _check_gradient(f(v), s, a)  # the unconstrained gradient really is A
    expected = L.sym_gradient(a)
    np.testing.assert_allclose(L.num_gradient_sym(f(v), s), expected, rtol=RTOL, atol=ATOL)
    # and plain A is visibly wrong off the diagonal
    assert not np.allclose(L.num_gradient_sym(f(v), s), a, rtol=1e-3)


def test_sym_gradient_formula_against_hadamard(rng):
    a = rng.standard_normal((5, 5))
    np.testing.assert_array_equal(L.sym_gradient(a), a + a.T - L.hadamard(a, np.eye(5)))


def test_num_functions_reject_non_callable():
    with pytest.raises(InvalidOptionError, match="'f' argument must be callable"):
        L.num_gradient_sym(3.0, np.eye(2))
