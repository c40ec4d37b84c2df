"""Runs a `pol` policy inside Ray Data: the flat Parquet files `pol run` reads in, Parquet tables out.

    python examples/ray/run.py --policy DIR --households H.parquet --persons P.parquet
        [--cases C.parquet] [--as-of 2019-07-01] [--engine jit] --out DIR [--address ADDR]

The three files' rows become one Ray dataset (each row under its household id, in a struct
column of its file); Ray's ``groupby(...).map_groups`` gathers the rows of each household id into
one row of lists; ``map_batches`` (on actors that each compile the policy once) hands those rows
to ``pol`` (``pol.evaluate_groups``) in Arrow batches; Ray writes ``OUT/<table>/`` for every output
table of the policy and ``OUT/rejects/`` as Parquet, with the columns and types of
``pol run --output-format parquet`` (rejects: file, line, household_id, field, reason, as in
``rejects.csv``). Rows are in no particular order.

Each row keeps its line in its file (row position + 2, as ``pol run`` counts), so rejects name
the same lines as ``pol run``'s. Households that share a duplicated person or case id are put in
one group, so the duplicate is seen as ``pol run`` sees it.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

import pol
from pol.groups import LINE, cached_policy, output_batches, output_schema, split_output

GROUP = "__group"
# Rows whose household id is missing share one group (they are rejected, and so are the members
# that name no household).
NO_ID = "\u0000no id"
MEMBERS = ("households", "persons", "cases")


def read(path: str, key: str) -> pa.Table:
    """A flat file with each row's line (`__line`) and its household id as text (`__group`)."""
    table = pq.read_table(path)
    lines = pa.array(range(2, table.num_rows + 2), pa.int64())
    group = pc.fill_null(pc.cast(table.column(key), pa.string()), NO_ID)
    return table.append_column(LINE, lines).append_column(GROUP, group)


def tagged(tables: dict) -> list:
    """The rows of every file in one schema: `__group`, then one struct column per file, set for
    that file's rows and null for the others'."""
    types = {}
    for name in MEMBERS:
        if name in tables:
            table = tables[name]
            columns = [LINE] + [column for column in table.column_names if column not in (LINE, GROUP)]
            types[name] = pa.struct([table.schema.field(column) for column in columns])
    blocks = []
    for name, table in tables.items():
        arrays = [table.column(GROUP).combine_chunks()]
        for member, struct_type in types.items():
            if member == name:
                combined = table.combine_chunks()
                arrays.append(pa.StructArray.from_arrays([combined.column(field.name).combine_chunks() for field in struct_type], fields=list(struct_type)))
            else:
                arrays.append(pa.nulls(table.num_rows, struct_type))
        blocks.append(pa.Table.from_arrays(arrays, names=[GROUP] + list(types)))
    return blocks


def regroup(ray_data, tables: dict, members: dict, partitions: int) -> dict:
    """Moves households that share a duplicated member id into one group (the smallest of their
    ids), so that one evaluation sees every row carrying the id. Ray counts the ids."""
    pairs = []
    for name, key in members.items():
        table = tables.get(name)
        if table is None or key is None:
            continue
        ids = ray_data.from_arrow(table.select([key]).filter(pc.is_valid(table.column(key))))
        counts = ids.groupby(key, num_partitions=partitions).count()
        repeated = counts.map_batches(
            lambda batch: batch.filter(pc.greater(batch.column(batch.num_columns - 1), 1)), batch_format="pyarrow"
        ).take_all()
        repeated_ids = pa.array([str(row[key]) for row in repeated], pa.string())
        if len(repeated_ids) == 0:
            continue
        rows = table.filter(pc.is_in(pc.cast(table.column(key), pa.string()), value_set=repeated_ids))
        pairs.extend((f"{name}:{member}", group) for member, group in zip(pc.cast(rows.column(key), pa.string()).to_pylist(), rows.column(GROUP).to_pylist()))
    groups = pol.group_keys(pairs)
    if not groups:
        return tables
    out = {}
    for name, table in tables.items():
        group = table.column(GROUP).to_pylist()
        table = table.drop_columns([GROUP]).append_column(GROUP, pa.array([groups.get(g, g) for g in group], pa.string()))
        out[name] = table
    return out


def nest(group: pa.Table) -> pa.Table:
    """The rows of one household id as one row: a list of structs per file, in file order."""
    columns = {}
    for name in group.column_names:
        if name == GROUP:
            continue
        members = group.column(name).combine_chunks()
        members = members.filter(pc.is_valid(members))
        if len(members):
            order = pc.sort_indices(pc.struct_field(members, [0]))
            members = members.take(order)
        columns[name] = pa.ListArray.from_arrays(pa.array([0, len(members)], pa.int32()), members)
    return pa.table(columns)


def evaluate(batch: pa.Table, path: str, as_of: str, engine: str, file_names: tuple, schema: pa.Schema) -> pa.Table:
    """One groups batch evaluated by the policy of this Ray worker process (compiled for its first
    batch, then kept: Ray reuses its worker processes)."""
    policy = cached_policy(path, as_of, engine)
    result = pol.evaluate_groups(policy, batch, file_names)
    return pa.Table.from_batches(list(output_batches(result, schema)), schema=schema)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--policy", required=True, help="the policy directory (or a reform)")
    parser.add_argument("--households", required=True, help="the households Parquet file")
    parser.add_argument("--persons", required=True, help="the persons Parquet file")
    parser.add_argument("--cases", help="the cases Parquet file")
    parser.add_argument("--as-of", default="2019-07-01", help="the evaluation date (YYYY-MM-DD)")
    parser.add_argument("--engine", default="jit", choices=["jit", "interp"])
    parser.add_argument("--out", required=True, help="the output directory")
    parser.add_argument("--address", help="a Ray cluster to join (default: start a local one)")
    parser.add_argument("--workers", type=int, default=2, help="CPUs of the local Ray (default 2)")
    args = parser.parse_args(argv)

    started = time.monotonic()
    try:
        policy = pol.Policy(args.policy, as_of=args.as_of, engine=args.engine, threads=1)
    except pol.Error as error:
        print(error, file=sys.stderr)
        return 1
    schema = output_schema(policy)

    import ray
    import ray.data

    if args.address:
        ray.init(address=args.address, log_to_driver=False)
    else:
        ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False)
    try:
        ray.data.DataContext.get_current().enable_progress_bars = False
        names = {"households": args.households, "persons": args.persons}
        if args.cases and policy.has_cases:
            names["cases"] = args.cases
        refs = {"households": policy.key("household"), "persons": policy.household_ref("person"), "cases": policy.household_ref("case")}
        tables = {name: read(path, refs[name]) for name, path in names.items()}
        tables = regroup(ray.data, tables, {"persons": policy.key("person"), "cases": policy.key("case")}, 2 * args.workers)
        rows = ray.data.from_arrow(tagged(tables))
        # Tasks, not an actor pool: actors would hold the CPUs the shuffle's tasks need.
        groups = rows.groupby(GROUP, num_partitions=2 * args.workers).map_groups(nest, batch_format="pyarrow")
        file_names = tuple(os.path.basename(names.get(name, name)) for name in MEMBERS)
        evaluated = groups.map_batches(
            evaluate,
            fn_args=(args.policy, args.as_of, args.engine, file_names, schema),
            batch_format="pyarrow",
            batch_size=8192,
        ).materialize()
        for field in schema:
            directory = os.path.join(args.out, field.name)
            table = evaluated.map_batches(functools.partial(split_output, name=field.name), batch_format="pyarrow")
            table.write_parquet(directory)
            if not os.path.isdir(directory) or not any(name.endswith(".parquet") for name in os.listdir(directory)):
                os.makedirs(directory, exist_ok=True)
                empty = pa.table({member.name: pa.array([], member.type) for member in field.type})
                pq.write_table(empty, os.path.join(directory, "empty.parquet"))
    finally:
        ray.shutdown()
    print(f"wrote {', '.join(field.name for field in schema)} to {args.out} in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
