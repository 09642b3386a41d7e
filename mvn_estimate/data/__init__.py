"""Data in: the input normaliser, the alignment of labels, weights and sufficient statistics.

Everything that touches the caller's data passes through here first; the layers above work on
checked float64 arrays, aligned labels and :class:`SufficientStats`.
"""

from ._dataset import (
    FIT_ADVICE,
    POINT_ADVICE,
    ROW_ADVICE,
    Dataset,
    align_matrix,
    align_params,
    as_dataset,
    is_label,
    locate_nonfinite,
    select_columns,
    show_labels,
)
from ._groups import Groups, split_groups
from ._rows import Chunk, Chunked, Rows, add
from ._stats import CHUNK_ELEMENTS, SufficientStats
from ._tally import Tally
from ._weights import check_weights, normalise_weights, resolve_weights, used_rows

__all__ = [
    "CHUNK_ELEMENTS",
    "FIT_ADVICE",
    "POINT_ADVICE",
    "ROW_ADVICE",
    "Chunk",
    "Chunked",
    "Dataset",
    "Groups",
    "Rows",
    "SufficientStats",
    "Tally",
    "add",
    "align_matrix",
    "align_params",
    "as_dataset",
    "check_weights",
    "is_label",
    "locate_nonfinite",
    "normalise_weights",
    "resolve_weights",
    "select_columns",
    "show_labels",
    "split_groups",
    "used_rows",
]
