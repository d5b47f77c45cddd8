"""Claims and verdicts (CONVENTIONS §5): the names other modules import, re-exported.

The work is split along its seams: :mod:`hwcheck.claims.read` (a claim read once into a
:class:`~hwcheck.claims.read.Claimed`), :mod:`~hwcheck.claims.lookup` (claim keys),
:mod:`~hwcheck.claims.compare` (the comparators), :mod:`~hwcheck.claims.fair` (fair readings)
and :mod:`~hwcheck.claims.verdict` (verdicts, rules and hints).
"""

from __future__ import annotations

from typing import Any

from hwcheck.claims.compare import (
    PLUGINS,
    Comparer,
    compare_bool,
    compare_int,
    compare_number,
    compare_text,
)
from hwcheck.claims.fair import PER_AXIS_KEYS, SHAPE_KEYS, direction
from hwcheck.claims.lookup import canonical_key, lookup, parse_claim, trace_alias, valid_keys
from hwcheck.claims.outcome import VERDICTS, Outcome, Tolerance, worst
from hwcheck.claims.read import (
    Claimed,
    approximate,
    as_sequence,
    read_claim,
    significant_figures,
)
from hwcheck.claims.verdict import (
    CLAIM_COLUMNS,
    CLAIM_KEYS,
    CLAIM_MIN_WIDTHS,
    VERDICT_MARK,
    Verdict,
    claim_cells,
    describe_value,
    judge,
    verify,
)

__all__ = [
    "CLAIM_COLUMNS",
    "CLAIM_KEYS",
    "CLAIM_MIN_WIDTHS",
    "PER_AXIS_KEYS",
    "PLUGINS",
    "SHAPE_KEYS",
    "VERDICTS",
    "VERDICT_MARK",
    "Claimed",
    "Comparer",
    "Outcome",
    "Tolerance",
    "Verdict",
    "approximate",
    "canonical_key",
    "claim_cells",
    "compare_bool",
    "compare_int",
    "compare_number",
    "compare_text",
    "describe_value",
    "direction",
    "judge",
    "lookup",
    "parse_claim",
    "read_claim",
    "significant_figures",
    "trace_alias",
    "valid_keys",
    "verify",
    "worst",
]


def _as_number(claimed: Any):
    """A claim (raw or read) as a number, ``None`` when it is not one (the families'
    follows-from-earlier readings)."""
    read = read_claim(claimed)
    return read.value if read.is_number else None


def _as_sequence(claimed: Any, expected: list) -> list:
    """A claim (raw or read) as nested lists of plain values, read for a list-valued key."""
    return _values(as_sequence(read_claim(claimed), expected))


def _values(tree: Any) -> Any:
    if isinstance(tree, list):
        return [_values(x) for x in tree]
    return tree.value if isinstance(tree, Claimed) else tree
