"""Strict JSON: exactly one document, no NaN tokens, integers stay integers.

Non-finite floats become the strings ``"inf"``, ``"-inf"``, ``"nan"``; exact fractions become
``"5/4"`` (whole ones plain integers); numpy arrays and scalars become lists and Python numbers.
TOML's dates and times become their ISO 8601 text (``"1979-05-27"``), deliberately: they can
reach a document only as what a user wrote (a claimed value), never as a computed result.
Anything else that is not JSON is its ``str``.

Exact integers print in full at any size: :func:`exact_digits` lifts Python's 4,300-digit
int↔str limit while a result is written (``dumps`` here, and the CLI's ``emit`` for every
format). The limit stays in force everywhere else, so reading user text (TOML, JSON, claims)
is still protected from quadratic conversions; the number grammar refuses numbers of more than
:data:`hwcheck.core.numbers.MAX_DIGITS` digits anyway.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import math
import sys
from collections.abc import Iterator
from fractions import Fraction

#: bits beyond which an integer may pass Python's 4,300-digit str limit (2**14000 ≈ 10**4214)
_SAFE_BITS = 14_000


@contextlib.contextmanager
def exact_digits() -> Iterator[None]:
    """While active, ``str(n)`` works for integers of any size (Python ≥ 3.11 limits it to
    4,300 digits by default). Restores the previous limit afterwards."""
    get = getattr(sys, "get_int_max_str_digits", None)
    if get is None:  # Python without the limit
        yield
        return
    previous = get()
    sys.set_int_max_str_digits(0)
    try:
        yield
    finally:
        sys.set_int_max_str_digits(previous)


def to_jsonable(value):
    """Plain JSON values from results (recursively)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return int(value)
        if max(value.numerator.bit_length(), value.denominator.bit_length()) > _SAFE_BITS:
            with exact_digits():
                return str(value)
        return str(value)
    if isinstance(value, (datetime.date, datetime.time)):  # datetime is a date too
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "to_json"):
        return to_jsonable(value.to_json())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if hasattr(value, "tolist"):  # numpy arrays and scalars, without importing numpy
        return to_jsonable(value.tolist())
    if hasattr(value, "__float__"):  # sympy numbers and similar
        try:
            if getattr(value, "is_Integer", False):
                return int(value)
            if getattr(value, "is_Rational", False):
                return to_jsonable(Fraction(int(value.p), int(value.q)))
        except (TypeError, ValueError):
            pass
        return to_jsonable(float(value))
    return str(value)


def dumps(document, *, plain: bool = False, indent: int | None = None) -> str:
    """One strict JSON document (byte-identical for the same input).

    On one line by default, so that the C encoder writes it (a 10,000-step trace in
    milliseconds); pipe it through ``jq .`` to read it. ``plain=True`` skips the conversion for
    documents that are already plain JSON values (what ``Result.to_json`` returns).
    """
    import json  # only when a document is written: a table's start-up skips it

    with exact_digits():
        value = document if plain else to_jsonable(document)
        return json.dumps(value, ensure_ascii=False, allow_nan=False, indent=indent)


def document(result, verdicts=None) -> dict:
    """The JSON document of a command: result keys plus ``claims`` when any were given."""
    doc = result.to_json()
    if verdicts:
        doc["claims"] = [v.to_json() for v in verdicts]
    return doc


def json_text(result, verdicts=None) -> str:
    """``--json``: the one strict document, on one line."""
    return dumps(document(result, verdicts), plain=True) + "\n"
