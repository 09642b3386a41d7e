"""Groups of rows read from a file or a Dask collection: one :class:`Source` per group.

Every pass over a group's source reads all the rows and keeps that group's (their last column
holds each row's group code, :class:`~mvn_estimate.data.GroupRows`), so memory stays flat in
the number of rows; a fit of ``k`` groups reads the data ``k`` times per pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..data import GroupRows, Rows, Source
from ..exceptions import Terms

__all__ = ["GroupSources"]


@dataclass(frozen=True)
class GroupSources:
    """The groups of ``by``: its name, the labels in order of first appearance and one source
    per group."""

    name: str
    labels: list[Any]
    sources: list[Source]

    @classmethod
    def of(cls, by: Any, labels: pd.Index, rows: Rows, columns: pd.Index, *, weighted: bool,
           terms: Terms, kind: str, load: str) -> GroupSources:
        """The groups of ``rows`` whose last column holds the group codes of ``labels``."""
        sources = [Source(columns, GroupRows(rows, g), weighted=weighted, terms=terms,
                          kind=kind, load=load) for g in range(len(labels))]
        return cls(str(by), list(labels), sources)
