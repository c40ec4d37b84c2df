"""Comparing a Spark or Ray run's Parquet output directory with `pol run --output-format parquet`'s."""

from __future__ import annotations

import csv
import os

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq


def read_dir(path: str) -> pa.Table:
    """Every Parquet part file below `path` as one table."""
    return ds.dataset(path, format="parquet").to_table()


def sort_rows(table: pa.Table) -> pa.Table:
    """The rows sorted by every column (ids first), so row order does not matter."""
    return table.sort_by([(name, "ascending") for name in table.column_names])


def assert_same_outputs(pol_out: str, engine_out: str, tables: list) -> None:
    """Each output table has the same columns, types and rows; rejects the same rows."""
    for name in tables:
        expected = pq.read_table(os.path.join(pol_out, f"{name}.parquet"))
        actual = read_dir(os.path.join(engine_out, name))
        expected_columns = [(field.name, field.type) for field in expected.schema]
        actual_columns = [(field.name, field.type) for field in actual.schema]
        assert actual_columns == expected_columns, name
        assert actual.num_rows == expected.num_rows, name
        actual, expected = sort_rows(actual), sort_rows(expected)
        for column in expected.column_names:
            assert actual.column(column).equals(expected.column(column)), f"{name}.{column}"
    with open(os.path.join(pol_out, "rejects.csv"), newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["file", "line", "household_id", "field", "reason"]
    expected = sorted((r[0], int(r[1]), r[2], r[3], r[4]) for r in rows[1:])
    rejects = read_dir(os.path.join(engine_out, "rejects"))
    assert [(field.name, field.type) for field in rejects.schema] == [
        ("file", pa.string()),
        ("line", pa.int64()),
        ("household_id", pa.string()),
        ("field", pa.string()),
        ("reason", pa.string()),
    ]
    actual = sorted(zip(*(rejects.column(name).to_pylist() for name in rejects.column_names)))
    assert actual == expected
