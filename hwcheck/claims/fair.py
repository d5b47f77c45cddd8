"""Fair readings (CONVENTIONS §5): a scalar for equal axes, a batch axis dropped, quantities
defined only up to scale or sign judged by what is invariant, an integer written approximately
judged within rtol, and the trace notation's off-by-one named. Each says which rule applied."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from hwcheck.claims.outcome import Outcome, Tolerance
from hwcheck.claims.read import Claimed, _float
from hwcheck.core.errors import HwcheckError
from hwcheck.core.numfmt import fmt_seq

#: rf keys with one value per spatial axis (a single value stands for equal axes)
PER_AXIS_KEYS = frozenset({"rf", "jump", "start", "kernel", "stride", "dilation"})
#: keys holding a tensor's shape in the result's layout
SHAPE_KEYS = frozenset({"output_shape", "input_shape"})
_BATCH_WORDS = {"none", "null", "?", "batch", "n", "b"}


def is_scalar_claim(claimed: Claimed) -> bool:
    return claimed.items is None and claimed.fields is None and claimed.is_number


def is_shape(expected: list) -> bool:
    return bool(expected) and all(isinstance(v, int) and not isinstance(v, bool) for v in expected)


def has_batch_axis(items: Any, expected: list) -> bool:
    """``(None, 35, 35, 32)``, ``[1, 35, 35, 32]``: Keras summary()'s batch axis in front."""
    if not isinstance(items, list) or len(items) != len(expected) + 1:
        return False
    first = items[0]
    if not isinstance(first, Claimed):
        return False
    if first.value is None or (isinstance(first.value, str) and first.text.lower() in _BATCH_WORDS):
        return True
    return first.is_number and first.value in (1, -1)


def unit_axes_only(items: Any, expected: list) -> bool:
    """``0.5`` for ``[[0.5]]``, ``[1, 2]`` for ``[[1, 2]]`` (one sample's row of a batch): the
    shapes differ only by axes of length 1, and one of them has none. A row for a column
    (``[[6, 7]]`` for ``[[6], [7]]``) is a transpose, never this reading."""
    from hwcheck.core.arrays import shape_of

    have, want = shape_of(items), shape_of(expected)
    kept = [n for n in want if n != 1]
    one_side = 1 not in have or 1 not in want or not kept  # (a single entry: no transpose)
    return have != want and one_side and [n for n in have if n != 1] == kept


def reshaped(items: Any, expected: list) -> list:
    """The claim's entries, in order, nested as ``expected`` is."""
    flat = list(_leaves(items))
    position = iter(range(len(flat)))

    def build(like):
        if isinstance(like, list):
            return [build(x) for x in like]
        return flat[next(position)]

    return build(expected)


def _leaves(items: Any):
    if isinstance(items, list):
        for x in items:
            yield from _leaves(x)
    else:
        yield items


def shown(entry: Claimed) -> str:
    """A batch-axis entry in a rule: its value, never its spelling (``۱`` and ``1`` are one rule)."""
    value = entry.value
    if value is None:
        return "None"
    if isinstance(value, (int, Fraction)) and value == int(value):
        return str(int(value))
    return entry.text if isinstance(value, str) else format(float(value), "g")


def layout_hint(expected: list, items: Any, layout: str) -> str | None:
    """A shape claimed in the other layout: channels moved to the other end."""
    if not isinstance(items, list) or len(expected) < 2 or len(items) != len(expected):
        return None
    if layout == "chw":
        other, word, mine = expected[1:] + expected[:1], "channels-last", "channels-first"
    else:
        other, word, mine = expected[-1:] + expected[:-1], "channels-first", "channels-last"
    values = [x.value if isinstance(x, Claimed) and x.is_number else None for x in items]
    if other == expected or values != other:
        return None
    return f"looks {word}; this result is {mine} (layout {layout}): {fmt_seq(expected)}"


def direction(expected: list, claimed: Any, tol: Tolerance) -> Outcome:
    """A vector defined only up to sign and scale (an eigenvector, one factor of u·vᵀ): correct
    when the claim is a non-zero multiple s·e, i.e. ‖c − s·e‖ ≤ atol + rtol·‖c‖ with s = c·e/e·e."""
    rule = "vector: up to sign and scale"
    if not isinstance(claimed, list) or len(claimed) != len(expected):
        got = len(claimed) if isinstance(claimed, list) else 1
        return Outcome("wrong", rule, f"claimed {got} entries, expected {len(expected)}")
    c = [_float(number(x)) for x in claimed]
    e = [_float(x) for x in expected]
    ee = sum(x * x for x in e)
    s = sum(a * b for a, b in zip(c, e)) / ee if ee else 0.0
    norm_c = math.sqrt(sum(x * x for x in c))
    residual = math.sqrt(sum((a - s * b) ** 2 for a, b in zip(c, e)))
    if norm_c > 0 and s != 0 and residual <= tol.atol + tol.rtol * norm_c:
        return Outcome("correct", rule)
    return Outcome(
        "wrong", rule, f"not a multiple of {fmt_seq(expected)} (any non-zero multiple is right)"
    )


def number(x: Any):
    """An entry as a number: a claimed entry by its reading, a computed one as it is."""
    if isinstance(x, Claimed):
        return x.number("a number")
    if isinstance(x, bool) or not isinstance(x, (int, float)) and not hasattr(x, "denominator"):
        raise HwcheckError("claim", f"expected a number, got '{str(x)[:60]}'")
    return x


def outer(u: list, v: list) -> list:
    return [[number(a) * number(b) for b in v] for a in u]


def approximate_integer(expected: int, claimed: Claimed, tol: Tolerance, within) -> Outcome:
    """``~1.4M``, ``4.6k``, ``1.4e6`` for an integer: judged within rtol, never exactly."""
    found = within(float(expected), _float(claimed.value), claimed.figures, tol)
    rule = f"integer: approximate ({claimed.approximate}), within {tol.describe()}"
    return Outcome(found.verdict, rule, found.hint)


def step_before(comparer, data: dict, path: tuple, claimed: Claimed, found: Outcome) -> Outcome:
    """A wrong trace claim that is the value one step earlier: the 0-based keys misled."""
    from hwcheck.claims.lookup import lookup

    if len(path) < 3 or path[0] != "steps" or not isinstance(path[1], int):
        return found
    n, rest = path[1], path[2:]
    try:
        if n > 0:
            before_path = ("steps", n - 1) + rest
            _, before = lookup(data, ".".join(map(str, before_path)))
        elif rest[0] == "params" and len(rest) == 2:
            before_path = ("problem", "init", rest[1])
            _, before = lookup(data, f"problem.init.{rest[1]}")
        else:
            return found
        if comparer.compare(before_path, before, claimed).verdict != "correct":
            return found
    except HwcheckError:
        return found
    name = rest[-1]
    return Outcome(
        found.verdict,
        found.rule,
        f"this is t = {n + 1} (steps are numbered from 0 in keys); the claim is {name}({n}), "
        f"the value at t = {n}",
    )
