"""Multiple imputation under the multivariate normal model, and Rubin's rules.

:func:`impute` makes ``m`` completed data sets (:class:`Imputations`) by Amelia's
bootstrap EM or by data augmentation; :meth:`Imputations.pool` analyses each and pools the
estimates into a :class:`PooledResult`.
"""

from ._imputations import BootstrapDiagnostics, ChainDiagnostics, Imputations
from ._impute import impute
from ._pool import PooledResult

__all__ = ["BootstrapDiagnostics", "ChainDiagnostics", "Imputations", "PooledResult", "impute"]
