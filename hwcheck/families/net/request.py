"""Request of ``net`` (light: no numpy)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hwcheck.core.options import choice, integer, multi, number, text

MAX_INPUTS = 20  # {0,1}²⁰: about 10⁶ rows


@dataclass(frozen=True)
class NetRequest:
    net: Any = text(
        None,
        "Network file (TOML: [[layer]] tables with weights, bias, activation), '-' for standard "
        "input; in an answers file also an inline table.",
        positional=True,
    )
    layer: tuple = multi(
        "A layer as 'activation | W | b' (W is inputs × units, rows split by ';'), "
        "repeated in order: --layer 'relu | 1 -1; -1 1 | 0 0' --layer 'linear | 1; 1'"
    )
    build: str | None = choice(
        None,
        ("sop", "xor-sop", "xor-tree"),
        "Build a textbook construction: sop (from --target or --table), xor-sop, xor-tree.",
    )
    inputs: int | None = integer(
        None, "Number of inputs n (xor-sop, xor-tree; sop from --target).", minimum=1, maximum=64
    )
    domain: str | None = text(
        None, "binary ({0,1}ⁿ, default), bipolar ({−1,1}ⁿ) or integers:K ((−K…K)ⁿ)."
    )
    points: Any = text(None, "Evaluate on these input rows instead (a matrix, one row each).")
    table: Any = text(
        None,
        "A truth table: rows of inputs then outputs ('0 0 1; 1 1 0'), or bits:out "
        "('00110:1 11110:0'). Its rows are the domain, its outputs the target.",
    )
    target: Any = text(
        None,
        "What the outputs should be: a boolean expression ('xor(x1, x2)', 'x1 and not x2', "
        "'majority(x1, x2, x3)'), max (y = the largest input) or argmax (yᵢ > 0 exactly when xᵢ "
        "is a maximum).",
    )
    threshold: float | None = number(
        None, "A boolean output is true when y > threshold (default 0.5; 0 on bipolar)."
    )
