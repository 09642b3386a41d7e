"""The MCD's subset size and its correction factors, as robustbase 0.95 computes them.

* ``h = ⌊2n₂ − n + 2(n − n₂)α⌋`` with ``n₂ = ⌊(n + p + 1)/2⌋`` (``h.alpha.n``): ``n₂`` at
  ``α = ½`` (the highest breakdown point), ``n`` at ``α = 1``.
* Consistency at the normal (Croux & Haesbroeck, 1999): a covariance of the fraction ``a``
  of the data with the smallest distances is ``c(p, a) = a / P(χ²_{p+2} ≤ χ²_{p;a})`` times too
  small.
* Small-sample factors (Pison, Van Aelst & Willems, 2002): ``1/f_α(p, n)`` from fitted
  curves ``f = 1 − e^{b₀}/n^{b₁}`` at ``α = 0.5`` and ``0.875``, interpolated linearly in
  ``α``; for ``α = ½`` and the smallest ``n`` (``p ≤ 9``) robustbase's simulated table instead.
  One set of curves for the raw MCD, one for the reweighted.
"""

from __future__ import annotations

import numpy as np
from scipy import stats as sps

__all__ = ["consistency", "small_sample", "subset_size"]

# (b-curve coefficients) rows: a, b, the p-power weight; columns: the two fitted points.
_CURVES = {
    (False, 0.875): np.array([[-0.455179464070565, -0.294241208320834],
                              [1.11192541278794, 1.09649329149811], [2.0, 3.0]]),
    (False, 0.5): np.array([[-1.42764571687802, -1.06141115981725],
                            [1.26263336932151, 1.28907991440387], [2.0, 3.0]]),
    (True, 0.875): np.array([[-0.544482443573914, -0.343791072183285],
                             [1.25994483222292, 1.25159004257133], [2.0, 3.0]]),
    (True, 0.5): np.array([[-1.02842572724793, -0.26800273450853],
                           [1.67659883081926, 1.35968562893582], [2.0, 3.0]]),
}
# p = 1 and p = 2: (log-constant, power) of f = 1 − exp(c)/n^power, at α = 0.5 and 0.875.
_LOW_P = {
    (False, 1): ((0.262024211897096, 0.604756680630497), (-0.351584646688712, 1.01646567502486)),
    (False, 2): ((0.673292623522027, 0.691365864961895), (0.446537815635445, 1.06690782995919)),
    (True, 1): ((1.11098143415027, 1.5182890270453), (-0.66046776772861, 0.88939595831888)),
    (True, 2): ((3.11101712909049, 1.91401056721863), (0.79473550581058, 1.10081930350091)),
}
_SIM_NMIN = (1, 4, 6, 8, 10, 12, 14, 16, 18)
_SIM_NMAX = (2, 6, 10, 13, 16, 18, 20, 20, 20)
# robustbase:::MCDcnp2s (simulated 1/f at α = ½), rows n − n_min + 1 = 1..7, columns p = 1..9.
_SIM = {
    False: np.array([
        [1.000000, 3.153420, 2.127770, 2.950549, 2.229573, 2.580264, 2.165233, 2.340443, 2.093386],
        [3.075819, 1.799889, 2.718898, 2.145387, 2.494447, 2.109121, 2.320281, 2.048262, 2.185793],
        [1.515999, 2.258497, 1.993509, 2.382224, 2.016117, 2.240741, 2.007836, 2.161097, 1.948989],
        [2.156169, 1.688312, 2.220433, 1.927077, 2.190061, 1.944719, 2.086471, 1.926082, 2.028040],
        [1.480742, 1.906779, 1.820585, 2.032489, 1.877996, 2.043397, 1.884052, 1.995422, 1.867137],
        [1.765485, 1.548203, 1.977820, 1.837100, 1.978964, 1.821808, 1.950563, 1.814460, 1.907732],
        [1.460206, 1.724785, 1.672455, 1.877833, 1.767284, 1.897250, 1.769260, 1.853165,
         1.771923]]),
    True: np.array([
        [1.000000, 2.216302, 1.735110, 2.388892, 1.968153, 2.275891, 1.957710, 2.164121, 1.938822],
        [0.984724, 1.418526, 2.066810, 1.847626, 2.168931, 1.866587, 2.074066, 1.871024, 2.050409],
        [0.970109, 1.635601, 1.545905, 1.969980, 1.784373, 2.014249, 1.847385, 1.979485, 1.834863],
        [0.978037, 1.314020, 1.659655, 1.630723, 1.894409, 1.750567, 1.905408, 1.782417, 1.882536],
        [0.979202, 1.339750, 1.456835, 1.701272, 1.667912, 1.829363, 1.713930, 1.844890, 1.737494],
        [0.982933, 1.251798, 1.478090, 1.521008, 1.693007, 1.650019, 1.768425, 1.706023, 1.761608],
        [1.001461, 1.210917, 1.331966, 1.553057, 1.545176, 1.689043, 1.639080, 1.734857,
         1.657420]]),
}


def subset_size(alpha: float, n: int, p: int) -> int:
    """robustbase's ``h.alpha.n``: the size of the MCD's subset.

    Examples
    --------
    >>> subset_size(0.5, 75, 3), subset_size(0.75, 75, 3)
    (39, 57)
    """
    n2 = (n + p + 1) // 2
    return int(np.floor(2 * n2 - n + 2 * (n - n2) * alpha))


def consistency(p: int, fraction: float) -> float:
    """``c(p, a) = a / P(χ²_{p+2} ≤ χ²_{p;a})``: the factor that makes the covariance of the
    fraction ``a`` of normal data nearest the centre consistent (1 at ``a = 1``).

    Examples
    --------
    >>> round(consistency(3, 39 / 75), 6)  # robustbase::.MCDcons(3, 39/75)
    2.367928
    """
    if fraction >= 1.0:
        return 1.0
    q = sps.chi2.ppf(fraction, p)
    return float(fraction / sps.gamma.cdf(q / 2.0, p / 2.0 + 1.0))


def _curve(p: int, n: int, reweighted: bool, at: float) -> float:
    if p > 2:
        cf = _CURVES[(reweighted, at)]
        y = np.log(-cf[0] / p ** cf[1])
        a = np.column_stack([np.ones(2), -np.log(cf[2] * p * p)])
        b = np.linalg.solve(a, y)
        return float(1.0 - np.exp(b[0]) / n ** b[1])
    const, power = _LOW_P[(reweighted, p)][0 if at == 0.5 else 1]
    return float(1.0 - np.exp(const) / n**power)


def small_sample(p: int, n: int, alpha: float, *, reweighted: bool) -> float:
    """Pison, Van Aelst & Willems' (2002) small-sample factor of the raw or reweighted MCD
    covariance, as robustbase's ``.MCDcnp2`` and ``.MCDcnp2.rew`` (``alpha`` is the
    requested fraction, 0.5 for the default).

    Examples
    --------
    >>> round(small_sample(3, 75, 0.5, reweighted=False), 6)  # robustbase:::.MCDcnp2(3, 75, .5)
    1.127921
    """
    f500 = _curve(p, n, reweighted, 0.5)
    f875 = _curve(p, n, reweighted, 0.875)
    if alpha == 0.5 and p <= 9 and _SIM_NMIN[p - 1] <= n <= _SIM_NMAX[p - 1]:
        f500 = 1.0 / float(_SIM[reweighted][n - _SIM_NMIN[p - 1], p - 1])
    if alpha <= 0.875:
        f = f500 + (f875 - f500) / 0.375 * (alpha - 0.5)
    else:
        f = f875 + (1.0 - f875) / 0.125 * (alpha - 0.875)
    return 1.0 / f
