"""Reading tables as people have them: CSV (from pandas or R, ``;``/tab separators, decimal
commas, a row-label column, standard input) and Parquet, each format a :class:`Reader` behind
one protocol, chosen by the registry :data:`READERS` (a new format: one module and one line).

:func:`open_table` opens a file for streaming (what :func:`mvn_estimate.fit_file` reads, and
what the command line opens to report what it detected); :func:`read_table` reads a whole
table into a DataFrame.

Examples
--------
>>> from mvn_estimate.io import open_table
>>> table, notes = open_table("data/iris.csv")
>>> table.columns[:2], table.nrows
(['Sepal.Length', 'Sepal.Width'], 150)
"""

from .data import READERS, Reader, Table, open_table, read_table, reader_for, spool_stdin

__all__ = ["READERS", "Reader", "Table", "open_table", "read_table", "reader_for", "spool_stdin"]
