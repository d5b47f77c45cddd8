"""Request types: one frozen dataclass per command serves the CLI, answers files and the API.

A request field is declared with one of the helpers below (``flag``, ``integer``, ``number``,
``choice``, ``names``, ``text``, ``multi``), which records its kind and help text. The CLI
builds its options from these fields (``--weight-decay`` for ``weight_decay``, ``--H`` for
``H``), ``hwcheck check`` accepts the same names as keys, and :func:`build_request` converts
either form with the same parsers, so an option works everywhere the moment it is declared.

Kinds:
- ``flag``: a boolean switch (:func:`~hwcheck.core.numbers.parse_bool`: a boolean, or the text
  ``true``/``false``);
- ``integer`` / ``number``: parsed with the one number grammar of :mod:`hwcheck.core.numbers`
  (``number`` → a ``float`` within the float range);
- ``choice``: one of a fixed set of words;
- ``names``: a list of names, ``w,b`` on the command line, ``["w", "b"]`` in a file;
- ``text``: the raw value (a string on the command line, any TOML value in a file), parsed by
  the command itself (models, expressions), or, declared with ``parse=``, read here once;
- ``multi``: a repeatable option (``--data x=… --data t=…``); a tuple of raw values, or what
  its ``parse=`` reads from them.

Typed values are read at this boundary, once, with the place named as the road names it
(``--x`` on the command line, ``x`` in an answers file or the API): :func:`array`,
:func:`matrix`, :func:`vector` (nested lists of int/Fraction), :func:`shape` (a tuple of
ints), :func:`assignments` (``w=0.1,b=0`` → a dict), or ``text(..., parse=fn)`` for a
command's own grammar (``fn(raw, where)`` returns the value or raises HwcheckError). A command
receives these values and never parses its request again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import MISSING, field
from functools import partial
from typing import Any

from hwcheck.core.arrays import (
    MAX_ENTRIES,
    parse_array,
    parse_assignments,
    parse_matrix,
    parse_names,
    parse_shape,
    parse_vector,
)
from hwcheck.core.errors import HwcheckError, did_you_mean
from hwcheck.core.numbers import parse_bool, parse_float, parse_int, type_name

#: options every calculator command has; handled by the CLI and the verifier, not the request.
COMMON_OPTIONS = ("json", "format", "claim", "digits", "rtol", "atol")


def _opt(kind: str, default: Any, help: str, **meta: Any) -> Any:
    return field(default=default, metadata={"kind": kind, "help": help, **meta})


def flag(help: str, **meta: Any) -> Any:
    return _opt("flag", False, help, **meta)


def integer(
    default: int | None,
    help: str,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    **meta: Any,
) -> Any:
    return _opt("integer", default, help, minimum=minimum, maximum=maximum, **meta)


def number(default: float | None, help: str, **meta: Any) -> Any:
    return _opt("number", default, help, **meta)


def choice(default: str | None, choices: tuple[str, ...], help: str, **meta: Any) -> Any:
    return _opt("choice", default, help, choices=choices, **meta)


def names(help: str, **meta: Any) -> Any:
    return _opt("names", None, help, **meta)


#: ``parse(raw, where)``: one option's value read from what the user gave (text or a Python value)
Parser = Callable[[Any, str], Any]


def text(default: Any, help: str, *, parse: Parser | None = None, **meta: Any) -> Any:
    """Raw value parsed by the command, or by ``parse`` here. ``positional=True`` makes it an
    argument; ``also_option=True`` adds ``--name`` too; ``required=True`` demands it."""
    return _opt("text", default, help, parse=parse, **meta)


def multi(help: str, *, parse: Parser | None = None, **meta: Any) -> Any:
    """A repeatable option; ``parse`` reads the tuple of its values at once."""
    return _opt("multi", (), help, parse=parse, **meta)


def array(default: Any, help: str, *, max_entries: int = MAX_ENTRIES, **meta: Any) -> Any:
    """A numeric array of any rank (``"1 2; 3 4"``, ``[[1, 2], [3, 4]]``, ``@m.csv``): nested
    lists of int/Fraction (a scalar stays a number)."""
    return text(default, help, parse=partial(parse_array, max_entries=max_entries), **meta)


def matrix(default: Any, help: str, *, max_entries: int = MAX_ENTRIES, **meta: Any) -> Any:
    """A matrix: rows of int/Fraction (a row or a number is a 1×n or 1×1 matrix)."""
    return text(default, help, parse=partial(parse_matrix, max_entries=max_entries), **meta)


def vector(default: Any, help: str, *, max_entries: int = MAX_ENTRIES, **meta: Any) -> Any:
    """A vector: a list of int/Fraction (an n×1 or 1×n matrix is accepted)."""
    return text(default, help, parse=partial(parse_vector, max_entries=max_entries), **meta)


def shape(default: Any, help: str, *, maximum: int = 10**18, **meta: Any) -> Any:
    """Sizes ``3x3``, ``3,3``, ``[3, 3]`` or ``3``: a tuple of positive ints."""
    return text(default, help, parse=partial(parse_shape, maximum=maximum), **meta)


def assignments(default: Any, help: str, **meta: Any) -> Any:
    """``w=0.1,b=0`` (or a table): a dict of name → int/Fraction."""
    return text(default, help, parse=parse_assignments, **meta)


def flag_name(name: str) -> str:
    """``weight_decay`` → ``--weight-decay``; ``H`` → ``--H``."""
    return "--" + name.replace("_", "-")


def request_fields(request_type) -> list[dataclasses.Field]:
    return [f for f in dataclasses.fields(request_type) if "kind" in f.metadata]


def build_request(request_type, values: dict[str, Any], *, source: str = "file"):
    """Validate and convert ``values`` into ``request_type``.

    ``source`` is ``"cli"`` (errors name ``--option``), ``"file"`` (errors name ``key``; a
    field's ``file_maximum`` caps it, as an answers file may not raise a time bound) or
    ``"api"`` (as ``"file"``, without the cap).
    Unknown keys are errors with suggestions; ``None`` means "not given" (the default).
    """
    fields = {f.name: f for f in request_fields(request_type)}
    kwargs: dict[str, Any] = {}
    for key, raw in values.items():
        if key not in fields:
            label = flag_name(key) if source == "cli" else f"'{key}'"
            raise HwcheckError(
                "options" if source == "cli" else key,
                f"unknown option {label}{did_you_mean(key, fields)}",
            )
        if raw is None or (fields[key].metadata["kind"] == "multi" and raw in ((), [])):
            continue
        kwargs[key] = convert(fields[key], raw, _where(fields[key], source))
        ceiling = fields[key].metadata.get("file_maximum")
        if source == "file" and ceiling is not None and kwargs[key] > ceiling:
            raise HwcheckError(
                key,
                f"an answers file may lower {key} but not raise it above {ceiling:g} "
                f"(got {kwargs[key]:g}); a longer one is for the command line",
            )
    for name, f in fields.items():  # a default is read like a given value: typed, never text
        parse = f.metadata.get("parse")
        if name not in kwargs and parse is not None and f.default not in (None, MISSING, ()):
            kwargs[name] = parse(f.default, _where(f, source))
    for name, f in fields.items():
        given = kwargs.get(name)
        missing = given is None or (isinstance(given, tuple) and not given)
        if f.metadata.get("required") and missing and f.default in (None, MISSING, ()):
            where = (
                (f"<{name}>" if f.metadata.get("positional") else flag_name(name))
                if source == "cli"
                else name
            )
            raise HwcheckError(where, "is required", hint=f.metadata["help"])
    return request_type(**kwargs)


def _where(f: dataclasses.Field, source: str) -> str:
    """The place an option's errors name: ``--weight-decay`` on the command line,
    ``weight_decay`` in an answers file. On the API a plain kind names the key, a value read by
    ``parse=`` the option (``--x: row 2 has 3 entries, row 1 has 2``), as the commands named it
    when they read such values themselves."""
    if source == "cli" or (source == "api" and f.metadata.get("parse") is not None):
        return flag_name(f.name)
    return f.name


def convert(f: dataclasses.Field, raw: Any, where: str) -> Any:
    """One option value, by its declared kind."""
    meta = f.metadata
    kind = meta["kind"]
    if kind == "flag":
        return parse_bool(raw, where)
    if kind == "integer":
        return parse_int(raw, where, minimum=meta.get("minimum"), maximum=meta.get("maximum"))
    if kind == "number":  # the bounds a field declares: number(..., nonnegative=True)
        return parse_float(
            raw,
            where,
            positive=meta.get("positive", False),
            nonnegative=meta.get("nonnegative", False),
        )
    if kind == "choice":
        if not isinstance(raw, str) or raw not in meta["choices"]:
            options = ", ".join(meta["choices"])
            hint = did_you_mean(raw, meta["choices"]) if isinstance(raw, str) else ""
            got = repr(raw[:40]) if isinstance(raw, str) else type_name(raw)
            raise HwcheckError(where, f"expected one of {options}, got {got}{hint}")
        return raw
    if kind == "names":
        return parse_names(raw, where)
    if kind == "multi":
        raw = tuple(raw) if isinstance(raw, (list, tuple)) else (raw,)
    parse = meta.get("parse")
    return raw if parse is None else parse(raw, where)  # text: read here, or by the command
