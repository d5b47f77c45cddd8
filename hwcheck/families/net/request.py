"""Request of ``net`` (light: no numpy).

Every value is read here, once (:func:`~hwcheck.core.options.build_request`): the network (a
file, an inline table or ``--layer`` texts) into :class:`~hwcheck.families.net.network.NetLayer`
tuples, ``--points`` into rows, ``--table`` into a :class:`TruthTable`, ``--target`` into a
:class:`Target` (its expression tree checked) and ``--domain`` into a :class:`Domain`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hwcheck.core.arrays import parse_matrix
from hwcheck.core.errors import HwcheckError
from hwcheck.core.options import choice, integer, matrix, multi, number, text

MAX_INPUTS = 20  # {0,1}²⁰: about 10⁶ rows
MAX_ROWS = 2**MAX_INPUTS
MAX_FILE_BYTES = 4 * 1024 * 1024
_BITS = re.compile(r"^[01]+:[01]+$")


@dataclass(frozen=True)
class TruthTable:
    """A truth table's rows, inputs then outputs. ``bits:out`` rows state how many outputs
    (``outputs``); a numeric matrix leaves the split to ``--inputs`` (default: one output)."""

    rows: tuple[tuple, ...]
    outputs: int | None = None


@dataclass(frozen=True)
class Target:
    """``--target`` as written (``text``) and, for a boolean expression, its checked tree
    (``None`` for ``max`` and ``argmax``)."""

    text: str
    tree: tuple | None = None


@dataclass(frozen=True)
class Domain:
    """``binary`` ({0,1}ⁿ), ``bipolar`` ({−1,1}ⁿ) or ``integers`` ((−k…k)ⁿ)."""

    kind: str
    k: int = 0


def parse_net(value: Any, where: str) -> tuple:
    """A network file (``-`` for standard input) or inline table → its layers."""
    from hwcheck.families.net.network import layers_from_file

    return tuple(layers_from_file(value, MAX_FILE_BYTES))


def parse_layers(values: tuple, where: str) -> tuple:
    """``--layer 'act | W | b'`` texts, in order → layers (``--layer 2: …`` names the second)."""
    from hwcheck.families.net.network import parse_layer_text

    return tuple(parse_layer_text(t, f"{where} {i + 1}") for i, t in enumerate(values))


def parse_table(value: Any, where: str) -> TruthTable:
    """``'0 0 1; 1 1 0'`` (a matrix: inputs then outputs) or ``'00110:1 11110:0'`` (bits:out)."""
    if isinstance(value, str) and all(_BITS.match(t) for t in re.split(r"[\s,;]+", value.strip())):
        pairs = [t.split(":") for t in re.split(r"[\s,;]+", value.strip())]
        if len({len(a) for a, _ in pairs}) != 1:
            raise HwcheckError(where, "every row needs the same number of input bits")
        if len({len(b) for _, b in pairs}) != 1:
            raise HwcheckError(where, "every row needs the same number of output bits")
        rows = tuple(tuple(int(c) for c in a + b) for a, b in pairs)
        return TruthTable(rows, len(pairs[0][1]))
    rows = parse_matrix(value, where, max_entries=MAX_ROWS)
    if len(rows) > MAX_ROWS:
        raise HwcheckError(where, f"{len(rows):,} rows; at most {MAX_ROWS:,}")
    return TruthTable(tuple(tuple(r) for r in rows))


def parse_target(value: Any, where: str) -> Target:
    """``max``, ``argmax`` or a boolean expression (its syntax checked here)."""
    from hwcheck.families.net import logic

    if value in ("max", "argmax"):
        return Target(value)
    return Target(value, logic.parse_target(value, where))


def parse_domain(value: Any, where: str) -> Domain:
    name = value.strip().lower() if isinstance(value, str) else None
    if name in ("binary", "boolean", "{0,1}"):
        return Domain("binary")
    if name in ("bipolar", "{-1,1}"):
        return Domain("bipolar")
    found = re.fullmatch(r"integers:(\d{1,4})", name or "")
    if found:
        return Domain("integers", int(found.group(1)))
    raise HwcheckError(
        where,
        f"unknown domain {value!r}",
        hint="binary, bipolar or integers:K (e.g. integers:3)",
    )


@dataclass(frozen=True)
class NetRequest:
    net: tuple | None = text(
        None,
        "Network file (TOML: [[layer]] tables with weights, bias, activation), '-' for standard "
        "input; in an answers file also an inline table.",
        positional=True,
        parse=parse_net,
    )
    layer: tuple = multi(
        "A layer as 'activation | W | b' (W is inputs × units, rows split by ';'), "
        "repeated in order: --layer 'relu | 1 -1; -1 1 | 0 0' --layer 'linear | 1; 1'",
        parse=parse_layers,
    )
    build: str | None = choice(
        None,
        ("sop", "xor-sop", "xor-tree"),
        "Build a textbook construction: sop (from --target or --table), xor-sop, xor-tree.",
    )
    inputs: int | None = integer(
        None, "Number of inputs n (xor-sop, xor-tree; sop from --target).", minimum=1, maximum=64
    )
    domain: Domain | None = text(
        None,
        "binary ({0,1}ⁿ, default), bipolar ({−1,1}ⁿ) or integers:K ((−K…K)ⁿ).",
        parse=parse_domain,
    )
    points: list[list] | None = matrix(
        None, "Evaluate on these input rows instead (a matrix, one row each).", max_entries=MAX_ROWS
    )
    table: TruthTable | None = text(
        None,
        "A truth table: rows of inputs then outputs ('0 0 1; 1 1 0'), or bits:out "
        "('00110:1 11110:0'). Its rows are the domain, its outputs the target.",
        parse=parse_table,
    )
    target: Target | None = text(
        None,
        "What the outputs should be: a boolean expression ('xor(x1, x2)', 'x1 and not x2', "
        "'majority(x1, x2, x3)'), max (y = the largest input) or argmax (yᵢ > 0 exactly when xᵢ "
        "is a maximum).",
        parse=parse_target,
    )
    threshold: float | None = number(
        None, "A boolean output is true when y > threshold (default 0.5; 0 on bipolar)."
    )
