"""Claims and verdicts (CONVENTIONS §5).

A claim is ``KEY=VALUE``: KEY a dotted path into the command's JSON result, VALUE what the
student wrote. The comparison follows the *expected* value's type — integers exactly, floats
within rtol/atol (or ``imprecise`` when the claim is the right value rounded too coarsely),
lists and matrices element by element, expressions symbolically — and every verdict names the
rule that decided it. A wrong claim is data (a :class:`Verdict`), not an exception.
"""

from __future__ import annotations

import importlib
import json
import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from hwcheck.core.arrays import parse_array, shape_of
from hwcheck.core.errors import HwcheckError, suggest
from hwcheck.core.numbers import normal_form, parse_bool, parse_int, parse_number
from hwcheck.core.numfmt import fmt, fmt_seq
from hwcheck.core.undecided import undecided_at

VERDICTS = ("correct", "imprecise", "inconclusive", "wrong", "error")
VERDICT_MARK = {"correct": "✓", "wrong": "✗", "imprecise": "≈", "inconclusive": "?", "error": "!"}
CLAIM_COLUMNS = ("claim", "claimed", "expected", "verdict", "rule")
CLAIM_MIN_WIDTHS = (0, 0, 0, 0, 30)  # the explaining rule column stays readable
_SEVERITY = {v: i for i, v in enumerate(VERDICTS)}

#: comparators for ``Result.claim_kind`` names, as "module:function" (imported on first use).
PLUGINS: dict[str, str] = {
    "expression": "hwcheck.families.symbolic.claims:compare_expression",
    "matrix_expression": "hwcheck.families.linalg.collapse:compare_matrix_expression",
}
_PLUGIN_CACHE: dict[tuple, Outcome] = {}


@dataclass(frozen=True)
class Verdict:
    key: str
    claimed: Any
    expected: Any
    verdict: str
    rule: str
    hint: str | None = None
    mistakes: tuple = ()  # hwcheck.claims.diagnose.Match: the named mistakes a wrong claim matches

    @property
    def ok(self) -> bool:
        return self.verdict == "correct"

    def to_json(self) -> dict[str, Any]:
        from hwcheck.core.jsonout import to_jsonable

        out = {
            "key": self.key,
            "claimed": to_jsonable(self.claimed),
            "expected": to_jsonable(self.expected),
            "verdict": self.verdict,
            "rule": self.rule,
        }
        if self.hint:
            out["hint"] = self.hint
        out["mistakes"] = [m.to_json() for m in self.mistakes]
        return out


@dataclass(frozen=True)
class Tolerance:
    rtol: float = 1e-3
    atol: float = 1e-9

    def describe(self) -> str:
        text = f"rtol {self.rtol:g}"
        return text if self.atol == 1e-9 else f"{text}, atol {self.atol:g}"


@dataclass(frozen=True)
class Outcome:
    """What a comparator decides: verdict, rule, optional hint."""

    verdict: str
    rule: str
    hint: str | None = None


def worst(outcomes: list[Outcome]) -> Outcome:
    return max(outcomes, key=lambda o: _SEVERITY[o.verdict])


# ------------------------------------------------------------------------------ entry


def verify(result, claims, *, rtol: float = 1e-3, atol: float = 1e-9) -> list[Verdict]:
    """Judge every claim against ``result`` (a :class:`hwcheck.core.result.Result`)."""
    data = result.to_json()
    tol = Tolerance(rtol, atol)
    items = list(claims.items() if isinstance(claims, dict) else claims)
    others = {str(key): raw for key, raw in items}
    return [judge(result, data, str(key), raw, tol, claims=others) for key, raw in items]


def judge(
    result,
    data: dict,
    key: str,
    raw: Any,
    tol: Tolerance,
    *,
    claims: dict | None = None,
    diagnosis: bool = True,
) -> Verdict:
    """One claim's verdict. ``claims`` (all of the exercise's claims) lets a claim be read with
    the others: separable factors judged by u·vᵀ when both are claimed, a later count that
    follows from an earlier wrong one. A wrong claim is diagnosed (``diagnosis``): the named
    mistakes whose value it matches (hwcheck.claims.diagnose)."""
    try:
        path, expected = lookup(data, key)
    except HwcheckError as exc:
        return Verdict(key, raw, None, "error", "key: not in the result", exc.message)
    comparer = Comparer(result, tol, data, claims or {})
    try:
        outcome = comparer.compare(path, expected, raw)
        if outcome.verdict == "wrong":
            outcome = _step_before(comparer, data, path, raw, outcome)
    except HwcheckError as exc:
        hint = exc.message if not exc.hint or "\n" in exc.hint else f"{exc.message} ({exc.hint})"
        outcome = Outcome("error", "claim: cannot be read", hint)
    except (ArithmeticError, ValueError, TypeError, RecursionError) as exc:
        outcome = Outcome("error", "claim: cannot be read", f"{type(exc).__name__}: {exc}"[:120])
    alias = trace_alias(data, key)
    rule = outcome.rule if alias is None else f"{outcome.rule} ({key} = {alias})"
    mistakes: tuple = ()
    hint = outcome.hint
    if outcome.verdict == "wrong" and diagnosis:
        try:
            mistakes = _diagnose(comparer, data, path, expected, raw, claims)
        except Exception:  # noqa: BLE001 - a diagnosis that fails names nothing; the verdict stands
            mistakes = ()
        if mistakes:
            from hwcheck.claims.diagnose import describe

            named = describe(mistakes)
            hint = named if not hint else f"{named}; {hint}"
    return Verdict(key, raw, expected, outcome.verdict, rule, hint, mistakes)


def _diagnose(comparer: Comparer, data, path, expected, raw, claims) -> tuple:
    """The named mistakes a wrong claim matches (hwcheck.claims.diagnose; the catalogue loads lazily)."""
    from hwcheck.claims.diagnose import Case, diagnose

    case = Case(comparer.result, data, path, expected, dict(claims or {}))
    return diagnose(comparer, case, raw)


def _step_before(comparer: Comparer, data: dict, path: tuple, raw: Any, found: Outcome) -> Outcome:
    """A wrong trace claim that is the value one step earlier: the 0-based keys misled."""
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
        if comparer.compare(before_path, before, raw).verdict != "correct":
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


def parse_claim(text: str, where: str = "--claim") -> tuple[str, str]:
    """``"KEY=VALUE"`` → ``(KEY, VALUE)``."""
    key, eq, value = text.partition("=")
    key = key.strip()
    if not eq or not key:
        raise HwcheckError(where, f"expected KEY=VALUE, got '{text[:60]}'")
    return key, value.strip()


# ----------------------------------------------------------------------------- lookup

_META_KEYS = ("hwcheck", "command", "claims")


_TRACE_NOTATION = re.compile(
    r"\s*(?P<name>[^\W\d]\w*)(?P<inner>(?:\.\w+)*)\s*\(\s*(?P<t>\d{1,9})\s*\)(?P<rest>(?:\.\w+)*)\s*"
)


def trace_alias(data: dict, key: str) -> str | None:
    """``w(1)`` → ``steps.0.params.w``: a trace value in the table's notation, t counted from 1
    as the table and the course write it (``w(0)`` is the initial value). Any parameter or state
    name of the step records (``exp_avg.w(2)`` or ``exp_avg(2).w`` → ``steps.1.state.exp_avg.w``);
    ``None`` when ``key`` is not in that notation or the result has no trace."""
    m = _TRACE_NOTATION.fullmatch(key)
    steps = data.get("steps")
    if not m or not isinstance(steps, list):
        return None
    name, t, tail = m.group("name"), int(m.group("t")), m.group("inner") + m.group("rest")
    if t == 0:
        problem = data.get("problem")
        init = problem.get("init", {}) if isinstance(problem, dict) else {}
        if name in init and not tail:
            return f"problem.init.{name}"
        if name == "w" and "w0" in data:  # gd-quadratic's starting point
            return "w0" + tail
        raise HwcheckError(f"claim {key}", f"no initial value of '{name}{tail}' in this result")
    if t > len(steps):
        raise HwcheckError(
            f"claim {key}", f"the trace has {len(steps)} step(s): t = 1 … {len(steps)}"
        )
    step = steps[t - 1]
    for section in ("params", "state", "grad"):
        if isinstance(step.get(section), dict) and name in step[section]:
            return f"steps.{t - 1}.{section}.{name}{tail}"
    if name in step and name != "t":
        return f"steps.{t - 1}.{name}{tail}"
    names = [n for sec in ("params", "state") for n in (step.get(sec) or {})]
    raise HwcheckError(
        f"claim {key}",
        f"no '{name}' in step t = {t}; names: {', '.join(names) or ', '.join(step)}",
    )


def lookup(data: dict, key: str) -> tuple[tuple, Any]:
    """Follow a dotted path (``layers.2.output_shape``; list indices may be negative).

    A trace value may be named as the table writes it: ``w(1)`` is ``steps.0.params.w``."""
    key = trace_alias(data, key) or key
    node: Any = data
    path: list = []
    for part in key.split("."):
        if isinstance(node, dict) and part in node and not (not path and part in _META_KEYS):
            node = node[part]
            path.append(part)
        elif (
            isinstance(node, list)
            and re.fullmatch(r"-?\d+", part)
            and -len(node) <= int(part) < len(node)
        ):
            index = int(part) % len(node)  # a negative index counts from the end
            node = node[index]
            path.append(index)
        else:
            raise HwcheckError(f"claim {key}", _missing_message(data, key))
    return tuple(path), node


def _missing_message(data: dict, key: str) -> str:
    paths = list(valid_keys(data))
    near = suggest(key, paths, n=5)
    if not near:
        prefix = key.rsplit(".", 1)[0]
        near = [p for p in paths if p.startswith(prefix + ".")][:5] or [
            p for p in paths if "." not in p
        ][:8]
    return f"no key '{key}' in the result; nearest: {', '.join(near)}"


def valid_keys(data: Any, limit: int = 2000):
    """Every dotted path in a JSON result (bounded)."""
    count = 0
    stack = [("", data, 0)]
    while stack and count < limit:
        pre, node, d = stack.pop(0)
        if isinstance(node, dict):
            children = [(k, v) for k, v in node.items() if not (not pre and k in _META_KEYS)]
        elif isinstance(node, list) and d > 0:
            children = list(enumerate(node))[:50]
        else:
            continue
        for k, v in children:
            path = f"{pre}.{k}" if pre else str(k)
            count += 1
            yield path
            if d < 6:
                stack.append((path, v, d + 1))


# -------------------------------------------------------------------------- comparing


class Comparer:
    """Chooses a comparison by the expected value's type (or the result's ``claim_kind``)."""

    def __init__(self, result, tol: Tolerance, data: dict | None = None, claims=None):
        self.result = result
        self.tol = tol
        self.data = data if data is not None else {}
        self.claims = claims or {}

    def compare(self, path: tuple, expected: Any, claimed: Any) -> Outcome:
        if (undecided := undecided_at(self.result, path, expected)) is not None:
            return Outcome("inconclusive", f"timeout ({undecided.describe()})")  # never a value
        kind = self.result.claim_kind(path)
        if kind is not None and not isinstance(expected, (dict, list, bool)):
            return self.plugin(kind, str(expected), claimed)  # a symbolic matrix's 0 too
        if isinstance(expected, dict):
            return self.mapping(path, expected, claimed)
        if isinstance(expected, list):
            invariant = getattr(self.result, "claim_invariant", None)
            reading = invariant(path) if invariant is not None else None
            if reading is not None:
                return self.invariant(reading, path, expected, claimed)
            return self.sequence(path, expected, claimed)
        if isinstance(expected, bool):
            return self.no_tolerance(compare_bool(expected, claimed))
        if isinstance(expected, int):
            return compare_int(expected, claimed, self.tol)
        if isinstance(expected, float) or _is_number_text(expected):
            return compare_number(expected, claimed, self.tol)
        if expected is None:
            ok = claimed is None or (
                isinstance(claimed, str) and claimed.strip().lower() in {"null", "none"}
            )
            return Outcome("correct" if ok else "wrong", "null: exact")
        return self.no_tolerance(compare_text(str(expected), claimed))

    def no_tolerance(self, outcome: Outcome) -> Outcome:
        """A changed rtol/atol is never ignored silently: the rule says it does not apply."""
        if self.tol == Tolerance():
            return outcome
        return Outcome(outcome.verdict, f"{outcome.rule} (tolerances do not apply)", outcome.hint)

    def plugin(self, kind: str, expected: str, claimed: Any) -> Outcome:
        ref = PLUGINS.get(kind)
        try:
            module, _, name = (ref or "").partition(":")
            function = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError, ValueError):
            outcome = compare_text(expected, claimed)
            return Outcome(outcome.verdict, f"{kind}: text (normalised)", outcome.hint)
        text = claimed if isinstance(claimed, str) else json.dumps(claimed)
        context = self.result.claim_context()
        key = (kind, expected, text, json.dumps(context, sort_keys=True, default=str))
        if key not in _PLUGIN_CACHE:  # a class's answers repeat: decide each pair once
            verdict, rule, hint = function(expected, text, context=context)
            if verdict == "inconclusive":  # a time bound decided it: do not remember
                return Outcome(verdict, rule, hint)
            if len(_PLUGIN_CACHE) >= 4096:
                _PLUGIN_CACHE.clear()
            _PLUGIN_CACHE[key] = Outcome(verdict, rule, hint)
        return _PLUGIN_CACHE[key]

    def mapping(self, path: tuple, expected: dict, claimed: Any) -> Outcome:
        claimed = _maybe_json(claimed)
        if isinstance(claimed, dict):
            outcomes = []
            for key, value in claimed.items():
                if key not in expected:
                    return Outcome(
                        "error",
                        "object: key by key",
                        f"no key '{key}' here; keys: {', '.join(expected)}",
                    )
                outcomes.append(self.compare(path + (key,), expected[key], value))
            if not outcomes:
                return Outcome("error", "object: key by key", "the claimed object is empty")
            found = worst(outcomes)
            return Outcome(found.verdict, f"object: key by key ({found.rule})", found.hint)
        if "expr" in expected:
            if "value" in expected and _as_number(claimed) is not None:
                return self.compare(path + ("value",), expected["value"], claimed)
            return self.compare(path + ("expr",), expected["expr"], claimed)
        return Outcome(
            "error",
            "object: key by key",
            f"claim a JSON object or one of its keys ({', '.join(list(expected)[:6])})",
        )

    def sequence(self, path: tuple, expected: list, claimed: Any) -> Outcome:
        claimed = _maybe_json(claimed)
        if self.per_axis(path) and _is_scalar_claim(claimed):
            return self.equal_axes(path, expected, claimed)
        items = _as_sequence(claimed, expected)
        note = None
        if _is_shape(expected) and _has_batch_axis(items, expected):
            items, note = items[1:], f"batch axis {_shown(items[0])} dropped"
        outcome = self.elements(path, expected, items)
        if outcome.verdict == "wrong" and _is_shape(expected) and self.tensor_shape(path):
            hint = _layout_hint(expected, items, self.data.get("layout") or "hwc")
            if hint:
                outcome = Outcome(outcome.verdict, outcome.rule, hint)
        if note:
            outcome = Outcome(outcome.verdict, f"{outcome.rule} ({note})", outcome.hint)
        return outcome

    def per_axis(self, path: tuple) -> bool:
        """A quantity with one value per spatial axis (rf, jump, start, kernel, stride, …)."""
        if self.data.get("command") != "rf":
            return False
        names = [p for p in path if isinstance(p, str)]
        return bool(names) and (names[0] == "field_in_layer" or names[-1] in PER_AXIS_KEYS)

    def tensor_shape(self, path: tuple) -> bool:
        """A tensor's shape in the result's layout (where channels-first/last can be mixed up)."""
        names = [p for p in path if isinstance(p, str)]
        return "layout" in self.data and bool(names) and names[-1] in SHAPE_KEYS

    def equal_axes(self, path: tuple, expected: list, claimed: Any) -> Outcome:
        """``rf=195`` on a square network: one value stands for equal axes."""
        if not expected or len(expected) < 2:
            return self.elements(path, expected, [claimed])
        if any(x != expected[0] for x in expected[1:]):
            return Outcome(
                "wrong",
                "per axis: one value per axis",
                f"the axes differ ({fmt_seq(expected)}): give one value per axis",
            )
        inner = self.compare(path + (0,), expected[0], claimed)
        return Outcome(inner.verdict, f"one value for equal axes ({inner.rule})", inner.hint)

    def invariant(self, reading: tuple, path: tuple, expected: list, claimed: Any) -> Outcome:
        """Quantities defined only up to scale or sign, judged by what is invariant."""
        kind = reading[0]
        if kind == "directions":
            items = _as_sequence(claimed, expected)
            if shape_of(items) != shape_of(expected):
                return Outcome(
                    "wrong",
                    "vectors: up to sign and scale",
                    f"claimed shape {list(shape_of(items))}, expected {list(shape_of(expected))}",
                )
            outcomes = [direction(e, c, self.tol) for e, c in zip(expected, items)]
            bad = [str(i) for i, o in enumerate(outcomes) if o.verdict != "correct"]
            if not bad:
                return Outcome("correct", "vectors: each up to sign and scale")
            return Outcome(
                "wrong", "vectors: each up to sign and scale", f"not parallel: {', '.join(bad)}"
            )
        if kind == "direction":
            return direction(expected, _as_sequence(claimed, expected), self.tol)
        if kind == "factor":
            return self.factor(reading, path, expected, claimed)
        raise HwcheckError("claim", f"unknown invariant reading '{kind}'")  # pragma: no cover

    def factor(self, reading: tuple, path: tuple, expected: list, claimed: Any) -> Outcome:
        """One factor of u·vᵀ: with its partner claimed too, the product is compared."""
        _, other_key, side = reading
        mine = _as_sequence(claimed, expected)
        if shape_of(mine) != shape_of(expected):
            return Outcome(
                "wrong", "factor: length", f"claimed {len(mine)} entries, expected {len(expected)}"
            )
        other_expected = self.data.get(other_key)
        if other_key not in self.claims or not isinstance(other_expected, list):
            found = direction(expected, mine, self.tol)
            return Outcome(
                found.verdict,
                f"factor: up to a non-zero factor (claim {other_key} too to check the product)",
                found.hint,
            )
        theirs = _as_sequence(_maybe_json(self.claims[other_key]), other_expected)
        if shape_of(theirs) != shape_of(other_expected):
            return Outcome("wrong", "factor: u·vᵀ", f"{other_key} has the wrong length")
        u_e, v_e = (expected, other_expected) if side == "column" else (other_expected, expected)
        u_c, v_c = (mine, theirs) if side == "column" else (theirs, mine)
        product_e = _outer(u_e, v_e)
        product_c = _outer(u_c, v_c)
        found = self.elements(path, product_e, product_c)
        return Outcome(
            found.verdict,
            "u·vᵀ compared (factors up to scale)",
            found.hint,
        )

    def elements(self, path: tuple, expected: list, items: Any) -> Outcome:
        exp_shape, got_shape = shape_of(expected), shape_of(items)
        if exp_shape != got_shape:
            if len(exp_shape) > 1:
                return Outcome(
                    "wrong",
                    "matrix: shape",
                    f"claimed shape {list(got_shape)}, expected {list(exp_shape)}",
                )
            what = "shape" if _all_int(expected) else "list"
            got = f"{got_shape[0]} entries" if len(got_shape) == 1 else f"shape {list(got_shape)}"
            return Outcome("wrong", f"{what}: length", f"claimed {got}, expected {exp_shape[0]}")
        flat_e, flat_c, index = _flatten(expected), _flatten(items), _indices(exp_shape)
        outcomes, bad, worst_err = [], [], 0.0
        for idx, e, c in zip(index, flat_e, flat_c):
            outcome = self.compare(path + idx, e, c)
            outcomes.append(outcome)
            if outcome.verdict != "correct":
                bad.append(idx)
            err = _abs_error(e, c)
            if err is not None:
                worst_err = max(worst_err, err)
        what = "matrix" if len(exp_shape) > 1 else ("shape" if _all_int(flat_e) else "list")
        if not outcomes:
            return Outcome("correct", f"{what}: empty")
        found = worst(outcomes)
        if found.verdict == "correct":
            if what == "shape":
                return Outcome("correct", "shape: exact")
            return Outcome("correct", f"{what}: element-wise ({found.rule})")
        shown = ", ".join("[" + ",".join(map(str, i)) + "]" for i in bad[:6]) + (
            " …" if len(bad) > 6 else ""
        )
        hint = f"{len(bad)} of {len(flat_e)} entries differ at {shown}"
        if worst_err:
            hint += f"; worst |error| {fmt(worst_err)}"
        if found.hint and len(bad) == 1:
            hint += f" ({found.hint})"
        return Outcome(found.verdict, f"{what}: element-wise ({found.rule})", hint)


# ----------------------------------------------------------------------- fair readings

#: rf keys with one value per spatial axis (a single value stands for equal axes)
PER_AXIS_KEYS = frozenset({"rf", "jump", "start", "kernel", "stride", "dilation"})
#: keys holding a tensor's shape in the result's layout
SHAPE_KEYS = frozenset({"output_shape", "input_shape"})
_BATCH_WORDS = {"none", "null", "?", "batch", "n", "b"}


def _is_scalar_claim(claimed: Any) -> bool:
    return not isinstance(claimed, (list, tuple, dict)) and _as_number(claimed) is not None


def _is_shape(expected: list) -> bool:
    return bool(expected) and _all_int(expected)


def _has_batch_axis(items: Any, expected: list) -> bool:
    """``(None, 35, 35, 32)``, ``[1, 35, 35, 32]``: Keras summary()'s batch axis in front."""
    if not isinstance(items, list) or len(items) != len(expected) + 1:
        return False
    first = items[0]
    if first is None or (isinstance(first, str) and first.strip().lower() in _BATCH_WORDS):
        return True
    return not isinstance(first, bool) and first in (1, -1)


def _shown(value: Any) -> str:
    return "None" if value is None else str(value)


def _layout_hint(expected: list, items: Any, layout: str) -> str | None:
    """A shape claimed in the other layout: channels moved to the other end."""
    if not isinstance(items, list) or len(expected) < 2 or len(items) != len(expected):
        return None
    if layout == "chw":
        other, word, mine = expected[1:] + expected[:1], "channels-last", "channels-first"
    else:
        other, word, mine = expected[-1:] + expected[:-1], "channels-first", "channels-last"
    if other == expected or [_as_number(x) for x in items] != other:
        return None
    return f"looks {word}; this result is {mine} (layout {layout}): {fmt_seq(expected)}"


def direction(expected: list, claimed: Any, tol: Tolerance) -> Outcome:
    """A vector defined only up to sign and scale (an eigenvector, one factor of u·vᵀ): correct
    when the claim is a non-zero multiple s·e, i.e. ‖c − s·e‖ ≤ atol + rtol·‖c‖ with s = c·e/e·e."""
    rule = "vector: up to sign and scale"
    if not isinstance(claimed, list) or len(claimed) != len(expected):
        got = len(claimed) if isinstance(claimed, list) else 1
        return Outcome("wrong", rule, f"claimed {got} entries, expected {len(expected)}")
    c = [_float(_claim_number(x, "a number")) for x in claimed]
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


def _outer(u: list, v: list) -> list:
    nums = lambda xs: [_claim_number(x, "a number") for x in xs]
    return [[a * b for b in nums(v)] for a in nums(u)]


_APPROX_MARK = re.compile(
    r"\s*(?:~|∼|≈|≃|about\s|approx\.?\s?|approximately\s|ca\.\s?)\s*", re.IGNORECASE
)
_SCALE_WORDS = {
    "k": 10**3,
    "thousand": 10**3,
    "m": 10**6,
    "mn": 10**6,
    "million": 10**6,
    "millions": 10**6,
    "b": 10**9,
    "g": 10**9,
    "bn": 10**9,
    "billion": 10**9,
    "billions": 10**9,
    "t": 10**12,
    "trillion": 10**12,
}
_SCALE = re.compile(r"(?P<m>.*?\d\.?)\s*(?P<w>[A-Za-z]+)\s*")
_SCIENTIFIC = re.compile(r"\d\s*[eE]\s*[-+−]?\d|[·×*]\s*10\s*(?:\^|\*\*|[⁰¹²³⁴⁵⁶⁷⁸⁹⁻])")


def approximate(claimed: Any) -> tuple[Any, str] | None:
    """A number written approximately — ``~1.4M``, ``≈ 0.9M``, ``4.6k``, ``1.4e6``, ``1.37
    million`` — as ``(value, how)``; ``None`` for a plainly written number (``4,640``, ``4640.0``).

    >>> approximate("~1.4M"), approximate("4.6k"), approximate("4,640")
    ((Fraction(1400000, 1), '~, M'), (Fraction(4600, 1), 'k'), None)
    """
    if not isinstance(claimed, str) or len(claimed) > 200:
        return None
    text, how = claimed.strip(), []
    mark = _APPROX_MARK.match(text)
    if mark and mark.end():
        text, how = text[mark.end() :], [mark.group(0).strip()]
    scaled = _SCALE.fullmatch(text)
    factor = 1
    if scaled and scaled.group("w").lower() in _SCALE_WORDS:
        word = scaled.group("w")
        text, factor = scaled.group("m"), _SCALE_WORDS[word.lower()]
        how.append(word)
    elif _SCIENTIFIC.search(text):
        how.append("scientific notation")
    if not how:
        return None
    try:
        value = parse_number(text, "claim", allow_nonfinite=True)
    except HwcheckError:
        return None
    return value * factor, ", ".join(how)


# ---------------------------------------------------------------------------- scalars


def compare_bool(expected: bool, claimed: Any) -> Outcome:
    claimed = parse_bool(claimed, "claim")
    return Outcome("correct" if claimed == expected else "wrong", "boolean: exact")


def compare_int(expected: int, claimed: Any, tol: Tolerance | None = None) -> Outcome:
    tol = tol or Tolerance()
    approx = approximate(claimed)
    if approx is not None:
        value, how = approx
        found = _within(float(expected), _float(value), significant_figures(claimed), tol)
        rule = f"integer: approximate ({how}), within {tol.describe()}"
        return Outcome(found.verdict, rule, found.hint)
    value = _claim_number(claimed, "an integer")
    if isinstance(value, float):
        ok = math.isfinite(value) and value == expected
    else:
        ok = Fraction(value) == expected
    rule = "integer: exact"
    if tol != Tolerance():  # a changed rtol/atol is named, never ignored without a word
        rule += f" ({tol.describe()} applies to approximate claims only, e.g. ~4.6k)"
    return Outcome("correct" if ok else "wrong", rule)


def compare_number(expected: Any, claimed: Any, tol: Tolerance) -> Outcome:
    exact = _expected_exact(expected)
    value = _claim_number(claimed, "a number")
    e = _float(exact if exact is not None else expected)
    c = _float(value)
    if exact is not None and not isinstance(value, float) and Fraction(value) == exact:
        return Outcome("correct", "fraction: exact")
    if not (math.isfinite(e) and math.isfinite(c)):
        same = (math.isnan(e) and math.isnan(c)) or c == e
        return Outcome("correct" if same else "wrong", "float: non-finite values match exactly")
    return _within(e, c, significant_figures(claimed), tol)


def _within(e: float, c: float, figures: int | None, tol: Tolerance) -> Outcome:
    """|c − e| ≤ atol + rtol·|e|; else ``imprecise`` when c is e rounded to c's figures (≥ 2)."""
    if not (math.isfinite(e) and math.isfinite(c)):
        return Outcome("correct" if c == e else "wrong", "float: non-finite values match exactly")
    err = abs(c - e)
    bound = tol.atol + tol.rtol * abs(e)
    if err <= bound:
        return Outcome("correct", f"float: within {tol.describe()}")
    rounded = figures and c != 0 and _round_sig(e, figures) == _round_sig(c, figures)
    if rounded and figures >= 2:
        return Outcome(
            "imprecise",
            f"float: right to {figures} figures only",
            f"the value is {fmt(e, 10)}: give more digits (|Δ| ≤ {fmt(bound, 3)} needed)",
        )
    if rounded:
        return Outcome(
            "wrong",
            f"float: within {tol.describe()}",
            f"|Δ| = {fmt(err, 3)}; agrees with {fmt(e, 10)} only to one figure, "
            "which does not tell it from nearby values",
        )
    return Outcome("wrong", f"float: within {tol.describe()}", f"|Δ| = {fmt(err, 3)}")


def compare_text(expected: str, claimed: Any) -> Outcome:
    got = claimed if isinstance(claimed, str) else json.dumps(claimed)
    norm = lambda s: re.sub(r"\s+", "", s).casefold()
    ok = norm(got) == norm(expected)
    return Outcome(
        "correct" if ok else "wrong",
        "text: exact (ignoring case and spaces)",
        None if ok else f"expected '{expected}'",
    )


def significant_figures(claimed: Any) -> int | None:
    """Significant figures a claim was written with (``0.0014`` → 2, ``-1.9·10⁻⁴`` → 2)."""
    if isinstance(claimed, bool) or not isinstance(claimed, (str, float)):
        return None
    text = claimed if isinstance(claimed, str) else repr(claimed)
    text = text.strip().replace("−", "-")
    try:  # ۰٫۲۵ counts as 0.25 does: figures of the ASCII normal form
        text = normal_form(text, "claim")
    except HwcheckError:
        pass
    mantissa = re.split(r"[eE·×*]|\\cdot|\\times", text)[0]
    if "/" in mantissa:
        return None
    digits = re.sub(r"[^0-9.]", "", mantissa)
    if "." in digits:
        digits = digits.replace(".", "").lstrip("0")
    else:
        digits = digits.lstrip("0").rstrip("0")
    return len(digits) or None


def _float(x) -> float:
    """A number as a float; beyond the float range (a claim of 1e400) it is ±inf."""
    try:
        return float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf


def _round_sig(x: float, figures: int) -> float:
    if x == 0:
        return 0.0
    return float(f"{x:.{figures}g}")


def _claim_number(claimed: Any, what: str):
    value = _as_number(claimed)
    if value is None:
        if isinstance(claimed, str) and approximate(claimed) is None:
            parse_number(claimed, "claim", allow_nonfinite=True)  # raises the grammar's reason
        shown = claimed if isinstance(claimed, str) else json.dumps(claimed)
        raise HwcheckError("claim", f"expected {what}, got '{str(shown)[:60]}'")
    return value


def _as_number(claimed: Any):
    if isinstance(claimed, bool):
        return None
    if isinstance(claimed, (int, float, Fraction)):
        return claimed
    if isinstance(claimed, str):
        try:
            return parse_number(claimed, "claim", allow_nonfinite=True)
        except HwcheckError:
            approx = approximate(claimed)
            return approx[0] if approx else None
    return None


def _expected_exact(expected: Any) -> Fraction | None:
    if isinstance(expected, str) and re.fullmatch(r"-?\d+(/\d+)?", expected.strip()):
        return Fraction(expected.strip())
    return None


def _is_number_text(expected: Any) -> bool:
    return isinstance(expected, str) and (
        _expected_exact(expected) is not None or expected in {"inf", "-inf", "nan"}
    )


def _abs_error(e: Any, c: Any) -> float | None:
    try:
        ev, cv = _as_number(e), _as_number(c)
        if ev is None or cv is None or isinstance(e, bool):
            return None
        err = abs(_float(ev) - _float(cv))
        return err if math.isfinite(err) else None
    except (TypeError, ValueError):
        return None


# ------------------------------------------------------------------------- sequences


def _maybe_json(claimed: Any) -> Any:
    if isinstance(claimed, str) and claimed.strip()[:1] in "[{":
        try:
            return json.loads(claimed)
        except (ValueError, RecursionError):  # JSONDecodeError, or past the int digit limit
            return claimed
    return claimed


def _as_sequence(claimed: Any, expected: list) -> Any:
    """A claimed list from JSON, matrix text (``1 2; 3 4``), shape text (``35x35x32``) or tokens."""
    claimed = _maybe_json(claimed)
    if isinstance(claimed, (list, tuple)):
        return list(claimed)
    if not isinstance(claimed, str):
        return [claimed]
    text = claimed.strip()
    symbolic = any(isinstance(x, str) for x in _flatten(expected))
    if symbolic:
        rows = text.split(";")
        tokens = [[t for t in re.split(r"[\s,]+", r.strip()) if t] for r in rows]
        return tokens if len(shape_of(expected)) > 1 and len(rows) > 1 else tokens[0]
    batch = re.fullmatch(r"[\[(]\s*(None|null|\?|batch)\s*,(.*?),?\s*[\])]", text, re.IGNORECASE)
    if batch:  # Keras summary()'s (None, 35, 35, 32)
        return [None] + _as_sequence("[" + batch.group(2) + "]", expected)
    if re.fullmatch(r"[\[(]?\s*[0-9]+(\s*[x×X]\s*[0-9]+)+\s*[\])]?", text):
        return [parse_int(t, "claim") for t in re.findall(r"[0-9]+", text)]
    text = text.strip("()")
    if shape_of(expected) == (1,) and _as_number(text) is not None:
        return [_as_number(text)]  # "1,605,632" for a one-axis shape is one number
    try:
        return parse_array(text, "claim")
    except HwcheckError as exc:
        raise HwcheckError(
            "claim", f"cannot read a list from '{text[:60]}': {exc.message}"
        ) from None


def _flatten(value: Any) -> list:
    if isinstance(value, list):
        return [x for item in value for x in _flatten(item)]
    return [value]


def _indices(shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    out: list[tuple[int, ...]] = [()]
    for n in shape:
        out = [idx + (i,) for idx in out for i in range(n)]
    return out


def _all_int(values: list) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) for v in values)


def claim_cells(claim: dict[str, Any], digits: int = 6) -> tuple[str, ...]:
    """One judged claim (its JSON) as the cells of ``CLAIM_COLUMNS``."""
    rule = claim["rule"] + (f" — {claim['hint']}" if claim.get("hint") else "")
    return (
        claim["key"],
        describe_value(claim["claimed"], digits),
        describe_value(claim["expected"], digits),
        f"{VERDICT_MARK[claim['verdict']]} {claim['verdict']}",
        rule,
    )


def describe_value(value: Any, digits: int = 6) -> str:
    """A claimed or expected value, short, for tables."""
    if isinstance(value, dict) and "expr" in value:
        value = value["expr"]
    if isinstance(value, str):
        text = value
    elif isinstance(value, (list, dict)):
        text = (
            fmt_seq(value, digits)
            if isinstance(value, list)
            else json.dumps(value, ensure_ascii=False)
        )
    else:
        text = fmt(value, digits)
    return text  # whole: the renderer moves a long value onto its own line, never cuts it
