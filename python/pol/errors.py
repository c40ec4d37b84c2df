"""The exceptions `pol` raises.

Every error found in a policy or in the data carries the diagnostic's text (as `pol check`
prints it), its stable code (``pol::<stage>::<kind>``) and every diagnostic as a dict with the
keys of ``pol --error-format json``: ``code``, ``severity``, ``message``, ``help``, ``file`` and
``labels`` (each with ``label``, ``line``, ``column``, ``start``, ``end``, ``primary``).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional


class Error(Exception):
    """A diagnostic from `pol`: ``str(error)`` is its text, ``.code`` its code."""

    code: Optional[str]
    diagnostics: List[Dict[str, Any]]

    def __init__(self, text: str, code: Optional[str] = None, diagnostics: Optional[List[Dict[str, Any]]] = None):
        super().__init__(text)
        self.code = code
        self.diagnostics = list(diagnostics or [])


class PolicyError(Error):
    """The policy could not be loaded or checked (a parse, type or parameter error, a file that
    cannot be read, a scenario that does not fit)."""


class DataError(Error):
    """The data cannot be evaluated as a whole (a missing column, a column of a type `pol` cannot
    read). Bad rows are not errors: they come back in ``Evaluation.rejects``."""
