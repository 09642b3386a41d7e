"""Data in: the input normaliser, the alignment of labels, weights and sufficient statistics.

Everything that touches the caller's data passes through here first; the layers above work on
checked float64 arrays, aligned labels and :class:`SufficientStats`.
"""

from ._dask import DaskRows, dask_group_rows, dask_rows, is_dask
from ._dataset import (
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
from ._groups import (
    GroupRows,
    Groups,
    check_by,
    check_labels,
    group_labels,
    label_summary,
    split_groups,
)
from ._policy import FIT_ADVICE, DataPolicy
from ._rows import HEAD_ROWS, Chunk, Chunked, Rows, Together, add
from ._segments import one_blas_thread
from ._source import Source, dataset_source, memory_source
from ._stats import CHUNK_ELEMENTS, SufficientStats, stats_of
from ._tally import Tally
from ._units import needs_scale, powers_of_two, spread, unit_scale
from ._weights import check_weights, normalise_weights, resolve_weights, weights_column
from .io import READERS, Keys, Reader, Table, open_table, read_table, reader_for, spool_stdin

__all__ = [
    "CHUNK_ELEMENTS",
    "FIT_ADVICE",
    "HEAD_ROWS",
    "POINT_ADVICE",
    "READERS",
    "ROW_ADVICE",
    "Chunk",
    "Chunked",
    "DaskRows",
    "DataPolicy",
    "Dataset",
    "GroupRows",
    "Groups",
    "Keys",
    "Reader",
    "Rows",
    "Source",
    "SufficientStats",
    "Table",
    "Tally",
    "Together",
    "add",
    "align_matrix",
    "align_params",
    "as_dataset",
    "check_by",
    "check_labels",
    "check_weights",
    "dask_group_rows",
    "dask_rows",
    "dataset_source",
    "group_labels",
    "is_dask",
    "is_label",
    "label_summary",
    "locate_nonfinite",
    "memory_source",
    "needs_scale",
    "normalise_weights",
    "one_blas_thread",
    "open_table",
    "powers_of_two",
    "read_table",
    "reader_for",
    "resolve_weights",
    "select_columns",
    "show_labels",
    "split_groups",
    "spool_stdin",
    "spread",
    "stats_of",
    "unit_scale",
    "weights_column",
]
