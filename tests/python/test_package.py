"""The `pol` Python package: results equal `pol run`'s, errors carry their diagnostics, and one
policy is shared safely across threads with the GIL released while it evaluates."""

from __future__ import annotations

import csv
import os
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import pol
from conftest import POLICY, pol_run

OUTPUTS = ["household_results", "case_results", "publication"]


def expected_rejects(pol_out: str) -> list:
    with open(os.path.join(pol_out, "rejects.csv"), newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    return [(row[0], int(row[1]), row[2], row[3], row[4]) for row in rows[1:]]


def rows_of(table: pa.Table) -> list:
    return list(zip(*(table.column(name).to_pylist() for name in table.column_names)))


def assert_equals_pol_run(result: pol.Evaluation, pol_out: str) -> None:
    """Same tables, columns, types and rows in the same order as `pol run`'s files; same rejects."""
    assert list(result.tables) == OUTPUTS
    for name in OUTPUTS:
        expected = pq.read_table(os.path.join(pol_out, f"{name}.parquet"))
        actual = result[name]
        assert actual.schema.equals(expected.schema), name
        assert actual.equals(expected), name
    assert rows_of(result.rejects) == expected_rejects(pol_out)


@pytest.fixture(scope="module")
def policy() -> pol.Policy:
    return pol.Policy(POLICY, as_of="2019-07-01", engine="jit", threads=2)


def file_names(dataset) -> tuple:
    return tuple(os.path.basename(dataset.path(name)) for name in ("households", "persons", "cases"))


def test_grouped_tables_evaluate_as_pol_run(policy, dataset):
    result = policy.evaluate_grouped(
        dataset.table("households"), dataset.table("persons"), dataset.table("cases"), file_names=file_names(dataset)
    )
    assert_equals_pol_run(result, dataset.pol_out)
    counts = result.counts
    assert counts["households"]["read"] == dataset.table("households").num_rows
    assert counts["households"]["rejected"] == sum(1 for row in expected_rejects(dataset.pol_out) if row[0] == "households.parquet")


def test_record_batches_are_accepted_as_tables(policy, examples):
    batches = [examples.table(name).combine_chunks().to_batches()[0] for name in ("households", "persons", "cases")]
    result = policy.evaluate_grouped(*batches, file_names=file_names(examples))
    assert_equals_pol_run(result, examples.pol_out)


def nested_table(dataset) -> pa.Table:
    """The households with their persons and cases in list<struct> columns (members without a
    household left out; a duplicated id's households each get the members)."""
    households = dataset.table("households")
    members = {}
    for name in ("persons", "cases"):
        table = dataset.table(name)
        by_household = {}
        for row in table.to_pylist():
            by_household.setdefault(row["household_id"], []).append(row)
        struct = pa.struct([table.schema.field(column) for column in table.column_names])
        members[name] = pa.array(
            [by_household.get(household, []) for household in households.column("household_id").to_pylist()],
            pa.list_(struct),
        )
    return households.append_column("persons", members["persons"]).append_column("cases", members["cases"])


def test_nested_tables_evaluate_as_pol_run_on_the_nested_file(policy, dataset, tmp_path):
    nested = nested_table(dataset)
    pq.write_table(nested, tmp_path / "nested.parquet")
    pol_run(str(tmp_path), str(tmp_path / "out"), households="nested.parquet", persons=False)
    result = policy.evaluate(nested, file_names=("nested.parquet",) * 3)
    assert_equals_pol_run(result, str(tmp_path / "out"))


def test_the_interpreter_gives_the_jit_results(policy, generated):
    inputs = [generated.table(name) for name in ("households", "persons", "cases")]
    interp = pol.Policy(POLICY, engine="interp", threads=2).evaluate_grouped(*inputs)
    jit = policy.evaluate_grouped(*inputs)
    for name in OUTPUTS:
        assert interp[name].equals(jit[name]), name
    assert interp.rejects.equals(jit.rejects)


def test_lines_name_the_rows_in_their_files(policy, examples):
    households = examples.table("households")
    persons = examples.table("persons")
    cases = examples.table("cases")
    # The rows as if they came from line 100 on, counting in tens.
    lines = tuple(pa.array([100 + 10 * row for row in range(table.num_rows)], pa.int64()) for table in (households, persons, cases))
    plain = policy.evaluate_grouped(households, persons, cases)
    moved = policy.evaluate_grouped(households, persons, cases, lines=lines)
    assert plain.rejects.num_rows == moved.rejects.num_rows > 0
    for before, after in zip(rows_of(plain.rejects), rows_of(moved.rejects)):
        assert after[1] == 100 + 10 * (before[1] - 2)
        if "(lines " in before[4]:
            assert after[4] != before[4]
    with pytest.raises(ValueError, match="no line number"):
        policy.evaluate_grouped(households, persons, cases, lines=(pa.array([2], pa.int64()), None, None))


def test_a_scenario_and_a_reform_change_the_results(policy, examples, tmp_path):
    inputs = [examples.table(name) for name in ("households", "persons", "cases")]
    base = policy.evaluate_grouped(*inputs)["household_results"]
    scenario = tmp_path / "s.toml"
    scenario.write_text('[province."2018-01-01"]\n"topup.child" = "15%"\n', encoding="utf-8")
    with_scenario = pol.Policy(POLICY, scenario=str(scenario)).evaluate_grouped(*inputs)["household_results"]
    reform = pol.Policy(os.path.join(POLICY, "reforms", "child_topup_15"))
    with_reform = reform.evaluate_grouped(*inputs)["household_results"]
    assert with_scenario.schema.equals(base.schema) and with_reform.schema.equals(base.schema)
    assert not with_scenario.equals(base)
    assert not with_reform.equals(base)


def test_policy_errors_carry_the_diagnostic_text_and_code(tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(POLICY, broken)
    with open(broken / "2019" / "20_dibao.pol", "a", encoding="utf-8") as file:
        file.write("\nrule household.oops: money per month = 1 +\n")
    with pytest.raises(pol.PolicyError) as raised:
        pol.Policy(str(broken))
    error = raised.value
    assert isinstance(error, pol.Error)
    assert error.code is not None and error.code.startswith("pol::parse::")
    assert error.code in str(error)
    assert error.diagnostics[0]["code"] == error.code
    assert error.diagnostics[0]["file"] == "2019/20_dibao.pol"
    assert error.diagnostics[0]["labels"]
    with pytest.raises(pol.PolicyError) as raised:
        pol.Policy(str(tmp_path / "nowhere"))
    assert raised.value.code.startswith("pol::")


def test_errors_speak_chinese_when_asked(tmp_path):
    with pytest.raises(pol.PolicyError) as english:
        pol.Policy(str(tmp_path), lang="en")
    with pytest.raises(pol.PolicyError) as chinese:
        pol.Policy(str(tmp_path), lang="zh")
    assert english.value.code == chinese.value.code
    assert str(english.value) != str(chinese.value)
    assert any("\u4e00" <= character <= "\u9fff" for character in str(chinese.value))
    with pytest.raises(ValueError, match="language"):
        pol.Policy(POLICY, lang="fr")


def test_data_errors_carry_the_diagnostic_text_and_code(policy, examples):
    households = examples.table("households").drop_columns(["county_code"])
    with pytest.raises(pol.DataError) as raised:
        policy.evaluate_grouped(households, examples.table("persons"), examples.table("cases"))
    error = raised.value
    assert error.code is not None and error.code.startswith("pol::")
    assert "county_code" in str(error)
    assert error.diagnostics[0]["code"] == error.code


def test_bad_arguments_are_value_errors():
    with pytest.raises(ValueError, match="engine"):
        pol.Policy(POLICY, engine="fast")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        pol.Policy(POLICY, as_of="2019-13-01")
    with pytest.raises(ValueError, match="threads"):
        pol.Policy(POLICY, threads=0)


def test_one_policy_is_shared_by_threads(policy, generated):
    inputs = [generated.table(name) for name in ("households", "persons", "cases")]
    expected = policy.evaluate_grouped(*inputs)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: policy.evaluate_grouped(*inputs), range(8)))
    for result in results:
        for name in OUTPUTS:
            assert result[name].equals(expected[name])
        assert result.rejects.equals(expected.rejects)


def test_evaluation_releases_the_gil(generated):
    # One thread of the policy's own, so that the counting thread has a core to run on.
    policy = pol.Policy(POLICY, threads=1)
    inputs = [generated.table(name) for name in ("households", "persons", "cases")]
    counted = [0]
    done = threading.Event()

    def count():
        while not done.is_set():
            counted[0] += 1

    counter = threading.Thread(target=count)
    counter.start()
    try:
        time.sleep(0.05)
        before = counted[0]
        for _ in range(5):
            policy.evaluate_grouped(*inputs)
        during = counted[0] - before
    finally:
        done.set()
        counter.join()
    # Holding the GIL for the whole of 5 evaluations would leave the counter where it was.
    assert during > 1000


def test_the_package_describes_the_policy(policy):
    assert policy.outputs == OUTPUTS
    assert policy.has_cases
    assert policy.key("household") == "household_id"
    assert policy.household_ref("person") == "household_id"
    assert "county_code" in policy.columns("household")
    assert policy.as_of == "2019-07-01" and policy.engine == "jit"
    with pytest.raises(ValueError):
        policy.columns("village")


def test_a_person_of_no_household_sharing_an_id_is_rejected_as_pol_run_rejects_it(policy, orphan_duplicate):
    """A person whose household id is null and whose person id is another person's: rejected for
    its missing household id, and the other person (so its household) as a duplicate, by
    `evaluate_grouped` and by `pol.evaluate_groups` (the Spark and Ray layout) as by `pol run`."""
    rejects = expected_rejects(orphan_duplicate.pol_out)
    assert ("persons.parquet", 22, "", "household_id", "bad household_id: missing") in rejects
    assert ("persons.parquet", 11, "H0000005", "person_id", "duplicate person_id `P00000009` (lines 11, 22)") in rejects
    inputs = [orphan_duplicate.table(name) for name in ("households", "persons", "cases")]
    result = policy.evaluate_grouped(*inputs, file_names=file_names(orphan_duplicate))
    assert_equals_pol_run(result, orphan_duplicate.pol_out)
