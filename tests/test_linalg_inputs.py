"""Every public linalg function rejects malformed input with a package error naming the
argument (issue 2, item 6)."""

import numpy as np
import pytest

from mvn_estimate import linalg as L
from mvn_estimate.exceptions import DtypeError, MVNEstimateError, NonFiniteError, ShapeError

SQUARE = np.eye(2)

# function, how to call it with the bad value in its first matrix argument, argument name
CALLS = {
    "hadamard": (lambda m: L.hadamard(m, SQUARE), "A"),
    "frobenius": (lambda m: L.frobenius(m, SQUARE), "A"),
    "kron": (lambda m: L.kron(m, SQUARE), "A"),
    "trace": (lambda m: L.trace(m), "A"),
    "trace_product": (lambda m: L.trace_product(m, SQUARE), "A"),
    "vec": (lambda m: L.vec(m), "A"),
    "vech": (lambda m: L.vech(m), "A"),
    "duplication_sandwich": (lambda m: L.duplication_sandwich(m, SQUARE), "A"),
    "duplication_pinv_sandwich": (lambda m: L.duplication_pinv_sandwich(m, SQUARE), "A"),
    "is_hermitian": (lambda m: L.is_hermitian(m), "A"),
    "eigh": (lambda m: L.eigh(m), "A"),
    "eigenvectors": (lambda m: L.eigenvectors(m, 1.0), "A"),
    "inverse_expand": (lambda m: L.inverse_expand(m), "A"),
    "quadratic_form": (lambda m: L.quadratic_form(m, np.ones(2)), "A"),
    "null_space_elimination": (lambda m: L.null_space_elimination(m), "M"),
    "gram_schmidt": (lambda m: L.gram_schmidt(m), "V"),
    "eigen_expand": (lambda m: L.eigen_expand(np.ones(2), m), "U"),
    "classify": (lambda m: L.classify(m), "M"),
    "principal_minors": (lambda m: L.principal_minors(m), "M"),
    "factor": (lambda m: L.factor(m), "M"),
    "PDFactor.of": (lambda m: L.PDFactor.of(m, name="M"), "M"),
    "sym_gradient": (lambda m: L.sym_gradient(m), "A"),
    "num_gradient_sym": (lambda m: L.num_gradient_sym(np.sum, m), "X"),
}
BAD = {
    "strings": (np.array([["a", "b"], ["c", "d"]]), DtypeError, "must hold"),
    "3-D": (np.ones((2, 2, 2)), ShapeError, "must be a 2-D matrix"),
    "empty": (np.ones((0, 0)), ShapeError, "must not be empty"),
    "NaN": (np.array([[1.0, np.nan], [np.nan, 1.0]]), NonFiniteError, "must hold only finite"),
}


@pytest.mark.parametrize("bad", list(BAD))
@pytest.mark.parametrize("name", list(CALLS))
def test_bad_matrix_input(name, bad):
    call, arg = CALLS[name]
    value, error, message = BAD[bad]
    with pytest.raises(error, match=f"'{arg}' argument {message}"):
        call(value)


@pytest.mark.parametrize(("call", "arg"), [
    (lambda v: L.inner(v, np.ones(2)), "a"),
    (lambda v: L.unvech(v), "v"),
])
@pytest.mark.parametrize("bad", [np.ones((2, 2)), np.array(["a", "b"]), np.array([np.inf, 1])])
def test_bad_vector_input(call, arg, bad):
    with pytest.raises(MVNEstimateError, match=f"'{arg}' argument"):
        call(bad)


def test_eigen_expand_shape_mismatch():
    with pytest.raises(ShapeError, match="'U' argument must be square with one column per"):
        L.eigen_expand(np.ones(3), np.eye(2))


def test_quadratic_form_length():
    with pytest.raises(ShapeError, match="'x' argument must have length 2"):
        L.quadratic_form(np.eye(2), np.ones(3))


@pytest.mark.parametrize("bad", [np.array(["a", "b"]), np.array([np.inf, 1.0]), np.ones((0,))])
def test_num_hessian_bad_point(bad):
    with pytest.raises(MVNEstimateError, match="'x' argument"):
        L.num_hessian(np.sum, bad)
