"""examples/spark/run.py and examples/ray/run.py write what `pol run --output-format parquet`
writes: the same tables, columns, types and rows (in any order), and the same rejects."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from compare import assert_same_outputs
from conftest import POLICY, ROOT

OUTPUTS = ["household_results", "case_results", "publication"]


def run_example(engine: str, dataset, out: str) -> None:
    command = [
        sys.executable,
        os.path.join(ROOT, "examples", engine, "run.py"),
        "--policy", POLICY,
        "--households", dataset.path("households"),
        "--persons", dataset.path("persons"),
        "--cases", dataset.path("cases"),
        "--as-of", "2019-07-01",
        "--out", out,
    ]
    if engine == "spark":
        command += ["--master", "local[2]"]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert finished.returncode == 0, finished.stderr[-4000:]


@pytest.mark.parametrize("engine", ["spark", "ray"])
def test_the_example_writes_what_pol_run_writes(engine, dataset, tmp_path):
    out = str(tmp_path / engine)
    run_example(engine, dataset, out)
    assert_same_outputs(dataset.pol_out, out, OUTPUTS)


@pytest.mark.parametrize("engine", ["spark", "ray"])
def test_a_person_of_no_household_sharing_an_id_is_grouped_with_that_id(engine, orphan_duplicate, tmp_path):
    """The person of no household whose id is another's is evaluated beside it: the same rejects
    as `pol run`'s (the duplicate found, its household rejected)."""
    out = str(tmp_path / engine)
    run_example(engine, orphan_duplicate, out)
    assert_same_outputs(orphan_duplicate.pol_out, out, OUTPUTS)
