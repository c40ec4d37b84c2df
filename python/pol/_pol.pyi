"""Type stubs of the native module `pol._pol` (built from python/src/lib.rs)."""

from os import PathLike
from typing import Dict, List, Optional, Sequence, Tuple, Union

import pyarrow as pa

__version__: str

_Lines = Union[pa.Array, Sequence[int], None]
_Data = Union[pa.RecordBatch, pa.Table, pa.RecordBatchReader]

class Policy:
    """A policy compiled for one as-of date, with an engine, ready to evaluate Arrow data.

    ``path`` is a policy directory or a reform (directory or ``.pol`` file), as ``pol run``
    takes it; ``scenario`` a parameter-only TOML file layered over its values. ``engine`` is
    ``"jit"`` or ``"interp"`` (same results). ``threads``: worker threads of one evaluation
    (default: the machine's cores). ``lang``: the language of error messages, ``"en"`` or
    ``"zh"`` (default: from ``LC_ALL``/``LC_MESSAGES``/``LANG``). Immutable, shareable across threads; evaluation releases the
    GIL. Raises ``pol.PolicyError`` for errors in the policy, ``ValueError`` for bad arguments.
    """

    def __init__(
        self,
        path: Union[str, "PathLike[str]"],
        *,
        as_of: str = "2019-07-01",
        engine: str = "jit",
        scenario: Union[str, "PathLike[str]", None] = None,
        threads: Optional[int] = None,
        lang: Optional[str] = None,
    ) -> None: ...
    @property
    def path(self) -> str:
        """The policy directory or reform, as given."""
    @property
    def as_of(self) -> str:
        """The as-of date, ``YYYY-MM-DD``."""
    @property
    def engine(self) -> str:
        """``"jit"`` or ``"interp"``."""
    @property
    def outputs(self) -> List[str]:
        """The output tables' names, in the policy's order."""
    @property
    def has_cases(self) -> bool:
        """Whether the policy declares cases."""
    def columns(self, entity: str) -> List[str]:
        """The input columns of ``"household"``, ``"person"`` or ``"case"``."""
    def key(self, entity: str) -> Optional[str]:
        """The key (id) column of ``entity``."""
    def household_ref(self, entity: str) -> Optional[str]:
        """The column of a person or case naming its household."""
    def evaluate(
        self,
        households: _Data,
        *,
        file_names: Optional[Tuple[str, str, str]] = None,
        lines: Optional[Tuple[_Lines, _Lines, _Lines]] = None,
    ) -> "Evaluation":
        """Evaluates households whose members are in ``persons`` (and ``cases``) columns of type
        ``list<struct<…>>``. ``file_names``: the names rejects give the three inputs' rows;
        ``lines``: the line each row has in rejects (default: position + 2). Raises
        ``pol.DataError`` when the data cannot be read as a whole (bad rows are rejects)."""
    def evaluate_grouped(
        self,
        households: _Data,
        persons: _Data,
        cases: Optional[_Data] = None,
        *,
        file_names: Optional[Tuple[str, str, str]] = None,
        lines: Optional[Tuple[_Lines, _Lines, _Lines]] = None,
    ) -> "Evaluation":
        """Evaluates flat tables; persons and cases name their household by its id."""

class Evaluation:
    """The results of one evaluation."""

    @property
    def tables(self) -> Dict[str, pa.Table]:
        """Each output table by name, with the columns and types ``pol run --output-format
        parquet`` writes."""
    def __getitem__(self, name: str) -> pa.Table:
        """The output table ``name``."""
    @property
    def rejects(self) -> pa.Table:
        """``file`` (string), ``line`` (int64), ``household_id``, ``field``, ``reason``
        (strings): the rows of ``rejects.csv``."""
    @property
    def counts(self) -> Dict[str, Dict[str, int]]:
        """``{"households": {"read", "accepted", "rejected"}, "persons": …, "cases": …}``."""
