"""Data for the Python tests: the example files and generated Shaanxi-shaped files (with bad
rows), each as the flat Parquet files `pol run` reads and with `pol run --output-format parquet`'s
outputs beside them. Run through tests/python/setup.sh, which builds the binaries and the package."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
POLICY = os.path.join(ROOT, "policies", "shaanxi")
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
POL = os.environ.get("POL_BIN", os.path.join(TARGET, "debug", "pol"))
GEN = os.environ.get("GEN_SHAANXI_BIN", os.path.join(TARGET, "debug", "gen-shaanxi"))
NAMES = ("households", "persons", "cases")

sys.path.insert(0, os.path.dirname(__file__))


@dataclass
class Dataset:
    """Flat Parquet inputs and `pol run`'s outputs for them."""

    name: str
    directory: str
    pol_out: str

    def path(self, name: str) -> str:
        return os.path.join(self.directory, f"{name}.parquet")

    def table(self, name: str) -> pa.Table:
        return pq.read_table(self.path(name))


def csv_to_parquet(csv_dir: str, out_dir: str) -> None:
    """Each CSV file as a Parquet file of string columns, every cell as written (bad cells too)."""
    os.makedirs(out_dir, exist_ok=True)
    for name in NAMES:
        path = os.path.join(csv_dir, f"{name}.csv")
        with open(path, encoding="utf-8") as file:
            header = file.readline().rstrip("\r\n").split(",")
        options = pcsv.ConvertOptions(
            column_types={column: pa.string() for column in header},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        )
        pq.write_table(pcsv.read_csv(path, convert_options=options), os.path.join(out_dir, f"{name}.parquet"))


def pol_run(dataset_dir: str, out: str, households: str = "households.parquet", persons: bool = True) -> None:
    command = [POL, "run", POLICY, "--households", os.path.join(dataset_dir, households)]
    if persons:
        command += ["--persons", os.path.join(dataset_dir, "persons.parquet")]
        command += ["--cases", os.path.join(dataset_dir, "cases.parquet")]
    command += ["--out", out, "--output-format", "parquet", "--threads", "2"]
    subprocess.run(command, check=True, capture_output=True)


def make(tmp_path_factory, name: str, csv_dir: str) -> Dataset:
    directory = str(tmp_path_factory.mktemp(name))
    csv_to_parquet(csv_dir, directory)
    pol_out = os.path.join(directory, "pol_run")
    pol_run(directory, pol_out)
    return Dataset(name, directory, pol_out)


@pytest.fixture(scope="session")
def examples(tmp_path_factory) -> Dataset:
    """The files in examples/ (1,000 households, a few bad rows)."""
    return make(tmp_path_factory, "examples", os.path.join(ROOT, "examples"))


@pytest.fixture(scope="session")
def generated(tmp_path_factory) -> Dataset:
    """3,000 generated households, 5% of them with a bad row of every kind (duplicated household
    and person ids, unknown households, bad cells, …)."""
    csv_dir = str(tmp_path_factory.mktemp("generated_csv"))
    subprocess.run(
        [GEN, POLICY, "--households", "3000", "--seed", "19", "--bad-rate", "0.05", "--out", csv_dir],
        check=True,
        capture_output=True,
    )
    return make(tmp_path_factory, "generated", csv_dir)


@pytest.fixture(scope="session")
def orphan_duplicate(tmp_path_factory) -> Dataset:
    """The example files with one more person (line 22 of persons.parquet): no household id (a
    null cell), and the person id of the person on line 11 (P00000009, of household H0000005).
    `pol run` rejects it for its missing household id, the other P00000009 as a duplicate
    `(lines 11, 22)`, and so H0000005 with its persons and cases."""
    directory = str(tmp_path_factory.mktemp("orphan_duplicate"))
    csv_to_parquet(os.path.join(ROOT, "examples"), directory)
    path = os.path.join(directory, "persons.parquet")
    persons = pq.read_table(path)
    rows = persons.to_pylist()
    orphan = dict(rows[9], household_id=None)
    rows.insert(20, orphan)
    pq.write_table(pa.Table.from_pylist(rows, schema=persons.schema), path)
    pol_out = os.path.join(directory, "pol_run")
    pol_run(directory, pol_out)
    return Dataset("orphan_duplicate", directory, pol_out)


@pytest.fixture(params=["examples", "generated"])
def dataset(request) -> Dataset:
    return request.getfixturevalue(request.param)
