"""Runs a `pol` policy inside Spark: the flat Parquet files `pol run` reads in, Parquet tables out.

    python examples/spark/run.py --policy DIR --households H.parquet --persons P.parquet
        [--cases C.parquet] [--as-of 2019-07-01] [--engine jit] --out DIR [--master local[2]]

Spark reads the three files and groups the rows of each household id with its own operators
(``groupBy``/``collect_list`` of a struct, then full outer joins); ``mapInArrow`` hands the
groups to ``pol`` (``pol.evaluate_groups``) in Arrow record batches; Spark writes
``OUT/<table>/`` for every output table of the policy and ``OUT/rejects/`` as Parquet, with the
columns and types of ``pol run --output-format parquet`` (rejects: file, line, household_id,
field, reason, as in ``rejects.csv``). Rows are in no particular order.

Each row keeps its line in its file (Parquet's row index + 2, as ``pol run`` counts), so rejects
name the same lines as ``pol run``'s. Households that share a duplicated person or case id are
put in one group, so the duplicate is seen as ``pol run`` sees it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import pyarrow as pa
from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

import pol
from pol.groups import LINE, cached_policy, output_batches, output_schema

GROUP = "__group"
# Rows whose household id is missing share one group (they are rejected, and so are the members
# that name no household); a member among them whose id is duplicated is moved, with that group,
# beside the other rows carrying the id, as `pol run` sees them all.
NO_ID = "\u0000no id"

def spark_type(arrow_type: pa.DataType) -> T.DataType:
    """The Spark type of an output column's Arrow type."""
    if pa.types.is_struct(arrow_type):
        return T.StructType([T.StructField(field.name, spark_type(field.type), True) for field in arrow_type])
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return T.StringType()
    if pa.types.is_int64(arrow_type):
        return T.LongType()
    if pa.types.is_boolean(arrow_type):
        return T.BooleanType()
    if pa.types.is_date32(arrow_type):
        return T.DateType()
    if pa.types.is_decimal(arrow_type):
        return T.DecimalType(arrow_type.precision, arrow_type.scale)
    raise TypeError(f"no Spark type for the output type {arrow_type}")


def read(spark: SparkSession, path: str, key: str) -> DataFrame:
    """A flat file with each row's line (`__line`) and its household id as text (`__group`, `NO_ID`
    when it is missing)."""
    frame = spark.read.parquet(path)
    group = F.coalesce(F.col(key).cast("string"), F.lit(NO_ID))
    return frame.select("*", (F.col("_metadata.row_index") + 2).alias(LINE), group.alias(GROUP))


def regroup(spark: SparkSession, frames: dict, members: dict) -> dict:
    """Moves households that share a duplicated member id into one group (the smallest of their
    ids), so that one evaluation sees every row carrying the id."""
    pairs = []
    for name, key in members.items():
        frame = frames.get(name)
        if frame is None or key is None:
            continue
        ids = frame.where(F.col(key).isNotNull()).groupBy(F.col(key).cast("string").alias("__id")).count()
        repeated = ids.where(F.col("count") > 1).select("__id")
        rows = (
            frame.join(repeated, frame[key].cast("string") == repeated["__id"])
            .select(F.concat(F.lit(name + ":"), F.col("__id")).alias("id"), F.col(GROUP))
            .collect()
        )
        pairs.extend((row["id"], row[GROUP]) for row in rows)
    groups = pol.group_keys(pairs)
    groups = {household: group for household, group in groups.items() if household is not None}
    if not groups:
        return frames
    mapping = spark.createDataFrame(list(groups.items()), "__household string, __merged string")
    out = {}
    for name, frame in frames.items():
        joined = frame.join(F.broadcast(mapping), frame[GROUP] == mapping["__household"], "left")
        out[name] = joined.withColumn(GROUP, F.coalesce(F.col("__merged"), F.col(GROUP))).drop("__household", "__merged")
    return out


def nest(frame: DataFrame, name: str) -> DataFrame:
    """One row per group: its rows as a list of structs in file order (`__line` first)."""
    columns = [LINE] + [column for column in frame.columns if column not in (LINE, GROUP)]
    return frame.groupBy(GROUP).agg(F.sort_array(F.collect_list(F.struct(*columns))).alias(name))


class Stages:
    """Prints the time of each stage when asked (`--timings`)."""

    def __init__(self, enabled: bool, started: float):
        self.enabled = enabled
        self.last = started

    def done(self, what: str) -> None:
        now = time.monotonic()
        if self.enabled:
            print(f"{now - self.last:8.1f} s  {what}", file=sys.stderr)
        self.last = now


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--policy", required=True, help="the policy directory (or a reform)")
    parser.add_argument("--households", required=True, help="the households Parquet file")
    parser.add_argument("--persons", required=True, help="the persons Parquet file")
    parser.add_argument("--cases", help="the cases Parquet file")
    parser.add_argument("--as-of", default="2019-07-01", help="the evaluation date (YYYY-MM-DD)")
    parser.add_argument("--engine", default="jit", choices=["jit", "interp"])
    parser.add_argument("--out", required=True, help="the output directory")
    parser.add_argument("--master", default="local[2]", help="the Spark master (default local[2])")
    parser.add_argument("--partitions", type=int, help="shuffle partitions (default: two per core)")
    parser.add_argument("--driver-memory", default="4g", help="the local JVM's heap (default 4g)")
    parser.add_argument(
        "--timings", action="store_true", help="materialise each stage on its own and print its time (slower)"
    )
    args = parser.parse_args(argv)

    started = time.monotonic()
    # The Python workers run this interpreter, which has `pol` installed.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    try:
        # On the driver: the policy is checked once (errors stop here, with their diagnostics),
        # and it tells the columns and the output tables.
        policy = pol.Policy(args.policy, as_of=args.as_of, engine=args.engine, threads=1)
    except pol.Error as error:
        print(error, file=sys.stderr)
        return 1
    schema = output_schema(policy)
    spark = (
        SparkSession.builder.master(args.master)
        .appName("pol")
        .config("spark.sql.execution.arrow.useLargeVarTypes", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", args.driver_memory)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    # Two shuffle partitions per core: each is one batch of many households for `pol`.
    partitions = args.partitions or 2 * spark.sparkContext.defaultParallelism
    spark.conf.set("spark.sql.shuffle.partitions", str(partitions))
    try:
        names = {"households": args.households, "persons": args.persons}
        if args.cases and policy.has_cases:
            names["cases"] = args.cases
        refs = {"households": policy.key("household"), "persons": policy.household_ref("person"), "cases": policy.household_ref("case")}
        stage = Stages(args.timings, started)
        frames = {name: read(spark, path, refs[name]) for name, path in names.items()}
        frames = regroup(spark, frames, {"persons": policy.key("person"), "cases": policy.key("case")})
        stage.done("start Spark, check the policy, find duplicated member ids")
        groups = nest(frames["households"], "households")
        for name in ("persons", "cases"):
            if name in frames:
                groups = groups.join(nest(frames[name], name), GROUP, "full_outer")
        if args.timings:
            groups = groups.persist(StorageLevel.MEMORY_AND_DISK)
            groups.count()
            stage.done("read and group the rows by household (groupBy, collect_list, joins)")
        file_names = tuple(os.path.basename(names.get(name, name)) for name in ("households", "persons", "cases"))
        path, as_of, engine = args.policy, args.as_of, args.engine

        def evaluate(batches):
            worker_policy = cached_policy(path, as_of, engine)
            for batch in batches:
                result = pol.evaluate_groups(worker_policy, batch, file_names)
                yield from output_batches(result, schema)

        spark_schema = T.StructType([T.StructField(field.name, spark_type(field.type), True) for field in schema])
        evaluated = groups.mapInArrow(evaluate, spark_schema).persist(StorageLevel.MEMORY_AND_DISK)
        if args.timings:
            evaluated.count()
            stage.done("evaluate (mapInArrow: Arrow to Python, pol, back)")
        for field in schema:
            table = evaluated.where(F.col(field.name).isNotNull()).select(f"{field.name}.*")
            table.write.mode("overwrite").parquet(os.path.join(args.out, field.name))
        stage.done("write the tables")
        evaluated.unpersist()
    finally:
        spark.stop()
    print(f"wrote {', '.join(field.name for field in schema)} to {args.out} in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
