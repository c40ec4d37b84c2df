"""`pol` on Arrow: evaluate a social-assistance policy over pyarrow record batches and tables.

>>> import pol, pyarrow.parquet as pq
>>> policy = pol.Policy("policies/shaanxi", as_of="2019-07-01", engine="jit")
>>> result = policy.evaluate_grouped(pq.read_table("households.parquet"),
...                                  pq.read_table("persons.parquet"))
>>> result["household_results"]    # a pyarrow.Table, as `pol run --output-format parquet` writes
>>> result.rejects                 # file, line, household_id, field, reason

See docs/python.md for the layouts and for running inside Spark and Ray.
"""

from ._pol import Evaluation, Policy, __version__
from .errors import DataError, Error, PolicyError
from .groups import evaluate_groups, group_keys

__all__ = [
    "DataError",
    "Error",
    "Evaluation",
    "Policy",
    "PolicyError",
    "__version__",
    "evaluate_groups",
    "group_keys",
]
