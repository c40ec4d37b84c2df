"""The layout distributed engines hand `pol`: one row per group of households.

Spark's ``groupBy``/``collect_list`` and Ray's ``groupby`` gather, for each household id, the
rows of the three flat inputs that carry it. A *groups batch* has one row per id and the columns

- ``households``: ``list<struct<__line: int64, …household columns…>>``
- ``persons``: ``list<struct<__line: int64, …person columns…>>``
- ``cases`` (when the policy has cases): ``list<struct<__line: int64, …case columns…>>``

where ``__line`` is the row's line in its input file as ``pol run`` counts it (row position + 2).
A missing (null) list is an empty one: persons whose household does not exist come in a row with
no households, and are rejected as ``pol run`` rejects them. :func:`evaluate_groups` flattens the
lists back into flat tables and evaluates them with :meth:`pol.Policy.evaluate_grouped`, giving
rejects the input files' names and lines. All the rows of one id (and of ids that share a
duplicated person or case id) must be in the same batch, or duplicates cannot be seen.
"""

from __future__ import annotations

from typing import Optional, Sequence, Tuple

import pyarrow as pa
import pyarrow.compute as pc

from ._pol import Evaluation, Policy

LINE = "__line"
"""The column of each member struct that holds the row's line in its input file."""


def _flat(column: pa.Array) -> Tuple[pa.RecordBatch, pa.Array]:
    """The rows of a ``list<struct<__line, …>>`` column, as a batch without ``__line``, and the
    lines."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    members = pc.list_flatten(column)
    batch = pa.RecordBatch.from_struct_array(members)
    lines = batch.column(batch.schema.get_field_index(LINE))
    batch = batch.drop_columns([LINE])
    return batch, lines


def evaluate_groups(
    policy: Policy,
    groups: "pa.RecordBatch | pa.Table",
    file_names: Sequence[str] = ("households", "persons", "cases"),
) -> Evaluation:
    """Evaluates a groups batch (see the module's text) with ``policy``; rejects name the rows
    ``file_names`` and their ``__line``."""
    households, household_lines = _flat(groups.column("households"))
    persons, person_lines = _flat(groups.column("persons"))
    cases: Optional[pa.RecordBatch] = None
    case_lines = None
    if policy.has_cases and "cases" in groups.schema.names:
        cases, case_lines = _flat(groups.column("cases"))
    names = tuple(file_names)
    return policy.evaluate_grouped(
        households,
        persons,
        cases,
        file_names=(names[0], names[1], names[2]),
        lines=(household_lines, person_lines, case_lines),
    )


def group_keys(
    persons: Sequence[Tuple[Optional[str], Optional[str]]],
) -> dict:
    """The group of each household id that shares a duplicated member id with another household.

    ``persons`` are the ``(member id, household id)`` pairs of the member ids that occur more
    than once (persons and cases). Households linked by such ids, directly or through others,
    get one group key: the smallest of their ids. Returns ``{household id: group key}`` for the
    households in a group of two or more; every other household is its own group.
    """
    parent: dict = {}

    def find(key):
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def order(key):
        return (key is None, "" if key is None else key)

    first_of: dict = {}
    for member, household in persons:
        find(household)
        if member in first_of:
            a, b = find(first_of[member]), find(household)
            if a != b:
                low, high = sorted((a, b), key=order)
                parent[high] = low
        else:
            first_of[member] = household
    roots = {household: find(household) for household in list(parent)}
    sizes: dict = {}
    for root in roots.values():
        sizes[root] = sizes.get(root, 0) + 1
    return {household: root for household, root in roots.items() if sizes[root] > 1}


REJECTS = "rejects"
"""The name of the rejects table among the outputs of :func:`output_schema`."""


def table_schemas(policy: Policy) -> "dict[str, pa.Schema]":
    """The schema of each output table (as ``pol run --output-format parquet`` writes it) and of
    ``rejects``, in that order, found by evaluating no rows."""
    def empty(entity: str) -> pa.Table:
        return pa.table({name: pa.array([], pa.string()) for name in policy.columns(entity)})

    cases = empty("case") if policy.has_cases else None
    result = policy.evaluate_grouped(empty("household"), empty("person"), cases)
    schemas = {name: table.schema for name, table in result.tables.items()}
    schemas[REJECTS] = result.rejects.schema
    return schemas


def output_schema(policy: Policy) -> pa.Schema:
    """One schema for every output of an evaluation: a nullable struct column per table (and
    ``rejects``); each row of :func:`output_batches` fills exactly one of them. Engines whose
    map functions return one schema (Spark's ``mapInArrow``, Ray's ``map_batches``) carry all the
    tables through it; :func:`split_output` takes one table back out."""
    fields = []
    for name, schema in table_schemas(policy).items():
        members = [pa.field(field.name, field.type, nullable=True) for field in schema]
        fields.append(pa.field(name, pa.struct(members), nullable=True))
    return pa.schema(fields)


def output_batches(result: Evaluation, schema: pa.Schema):
    """The tables and rejects of ``result`` as record batches of ``schema`` (see
    :func:`output_schema`)."""
    tables = dict(result.tables)
    tables[REJECTS] = result.rejects
    for name, table in tables.items():
        # A table comes in its chunks' batches: each becomes one output batch, not joined.
        for chunk in table.to_batches():
            if chunk.num_rows == 0:
                continue
            columns = []
            for field in schema:
                if field.name == name:
                    arrays = [chunk.column(chunk.schema.get_field_index(member.name)) for member in field.type]
                    columns.append(pa.StructArray.from_arrays(arrays, fields=list(field.type)))
                else:
                    columns.append(pa.nulls(chunk.num_rows, field.type))
            yield pa.RecordBatch.from_arrays(columns, schema=schema)


def split_output(batch: "pa.RecordBatch | pa.Table", name: str) -> pa.Table:
    """The rows of table ``name`` in a batch of :func:`output_schema`, as that table."""
    table = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
    column = table.column(name)
    rows = table.filter(pc.is_valid(column))
    members = rows.column(name).combine_chunks()
    if isinstance(members, pa.ChunkedArray):
        members = members.combine_chunks()
    return pa.Table.from_batches([pa.RecordBatch.from_struct_array(members)]) if len(members) else pa.table(
        {field.name: pa.array([], field.type) for field in members.type}
    )


_POLICIES: "dict[tuple, Policy]" = {}


def cached_policy(path: str, as_of: str = "2019-07-01", engine: str = "jit", threads: int = 1) -> Policy:
    """The policy of these arguments, loaded once per process: a worker process of Spark or Ray
    compiles it for its first batch and keeps it for the next ones."""
    key = (path, as_of, engine, threads)
    policy = _POLICIES.get(key)
    if policy is None:
        policy = Policy(path, as_of=as_of, engine=engine, threads=threads)
        _POLICIES[key] = policy
    return policy
