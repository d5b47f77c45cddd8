"""The comparators, chosen by the expected value's type (CONVENTIONS §5), each taking a
:class:`hwcheck.claims.read.Claimed`: integers exactly, floats within rtol/atol (or
``imprecise``), lists and matrices element by element, expressions symbolically (a plug-in),
objects key by key. A value the result could not decide (:class:`hwcheck.core.result.Undecided`)
is never compared: the claim is ``inconclusive``."""

from __future__ import annotations

import json
import math
import re
from fractions import Fraction
from typing import Any

from hwcheck.claims import fair
from hwcheck.claims.outcome import Outcome, Tolerance, worst
from hwcheck.claims.read import Claimed, _float, as_sequence, read_claim
from hwcheck.core.arrays import shape_of
from hwcheck.core.errors import HwcheckError
from hwcheck.core.numbers import parse_bool
from hwcheck.core.numfmt import fmt, fmt_seq
from hwcheck.core.undecided import Undecided, is_undecided

#: comparators for ``Result.claim_kind`` names, as "module:function" (imported on first use).
_PLUGIN_CACHE: dict[tuple, Outcome] = {}


def undecided(mark: Undecided) -> Outcome:
    """A value the result could not decide: nothing to compare against, never wrong."""
    rule = f"{mark.reason} ({mark.describe()})"
    if mark.budget is not None and mark.name:
        return Outcome("inconclusive", rule, f"a larger {mark.name} may decide it")
    return Outcome("inconclusive", rule)


class Comparer:
    """Chooses a comparison by the expected value's type (or the result's ``claim_kind``).

    ``claims`` (all claims of the exercise, as :class:`Claimed`) lets a claim be read with the
    others; ``marks`` names the result's undecided values by path."""

    def __init__(self, result, tol: Tolerance, data: dict | None = None, claims=None, marks=None):
        self.result = result
        self.tol = tol
        self.data = data if data is not None else {}
        self.claims = claims or {}  # raw: each read only when a reading needs it
        self.marks = marks or {}

    def compare(self, path: tuple, expected: Any, claimed: Any) -> Outcome:
        claimed = read_claim(claimed)
        if is_undecided(expected):
            return undecided(expected)
        if path in self.marks:
            return undecided(self.marks[path])
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
            return Outcome("correct" if claimed.value is None else "wrong", "null: exact")
        return self.no_tolerance(compare_text(str(expected), claimed))

    def no_tolerance(self, outcome: Outcome) -> Outcome:
        """A changed rtol/atol is never ignored silently: the rule says it does not apply."""
        if self.tol == Tolerance():
            return outcome
        return Outcome(outcome.verdict, f"{outcome.rule} (tolerances do not apply)", outcome.hint)

    def plugin(self, kind: str, expected: str, claimed: Claimed) -> Outcome:
        from hwcheck.core.registry import COMPARATORS

        function = COMPARATORS.get(kind)
        if function is None:
            outcome = compare_text(expected, claimed)
            return Outcome(outcome.verdict, f"{kind}: text (normalised)", outcome.hint)
        text = claimed.text
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

    def mapping(self, path: tuple, expected: dict, claimed: Claimed) -> Outcome:
        if claimed.fields is not None:
            outcomes = []
            for key, value in claimed.fields:
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
            if "value" in expected and claimed.is_number:
                return self.compare(path + ("value",), expected["value"], claimed)
            return self.compare(path + ("expr",), expected["expr"], claimed)
        return Outcome(
            "error",
            "object: key by key",
            f"claim a JSON object or one of its keys ({', '.join(list(expected)[:6])})",
        )

    def sequence(self, path: tuple, expected: list, claimed: Claimed) -> Outcome:
        if self.per_axis(path) and fair.is_scalar_claim(claimed):
            return self.equal_axes(path, expected, claimed)
        items = as_sequence(claimed, expected)
        note = None
        if fair.is_shape(expected) and fair.has_batch_axis(items, expected):
            items, note = items[1:], f"batch axis {fair.shown(items[0])} dropped"
        elif fair.unit_axes_only(items, expected):
            items, note = fair.reshaped(items, expected), "axes of length 1 read as absent"
        outcome = self.elements(path, expected, items)
        if outcome.verdict == "wrong" and fair.is_shape(expected) and self.tensor_shape(path):
            hint = fair.layout_hint(expected, items, self.data.get("layout") or "hwc")
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
        return bool(names) and (names[0] == "field_in_layer" or names[-1] in fair.PER_AXIS_KEYS)

    def tensor_shape(self, path: tuple) -> bool:
        """A tensor's shape in the result's layout (where channels-first/last can be mixed up)."""
        names = [p for p in path if isinstance(p, str)]
        return "layout" in self.data and bool(names) and names[-1] in fair.SHAPE_KEYS

    def equal_axes(self, path: tuple, expected: list, claimed: Claimed) -> Outcome:
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

    def invariant(self, reading: tuple, path: tuple, expected: list, claimed: Claimed) -> Outcome:
        """Quantities defined only up to scale or sign, judged by what is invariant."""
        kind = reading[0]
        if kind == "directions":
            items = as_sequence(claimed, expected)
            if shape_of(items) != shape_of(expected):
                return Outcome(
                    "wrong",
                    "vectors: up to sign and scale",
                    f"claimed shape {list(shape_of(items))}, expected {list(shape_of(expected))}",
                )
            outcomes = [fair.direction(e, c, self.tol) for e, c in zip(expected, items)]
            bad = [str(i) for i, o in enumerate(outcomes) if o.verdict != "correct"]
            if not bad:
                return Outcome("correct", "vectors: each up to sign and scale")
            return Outcome(
                "wrong", "vectors: each up to sign and scale", f"not parallel: {', '.join(bad)}"
            )
        if kind == "direction":
            return fair.direction(expected, as_sequence(claimed, expected), self.tol)
        if kind == "factor":
            return self.factor(reading, path, expected, claimed)
        raise HwcheckError("claim", f"unknown invariant reading '{kind}'")  # pragma: no cover

    def factor(self, reading: tuple, path: tuple, expected: list, claimed: Claimed) -> Outcome:
        """One factor of u·vᵀ: with its partner claimed too, the product is compared."""
        _, other_key, side = reading
        mine = as_sequence(claimed, expected)
        if shape_of(mine) != shape_of(expected):
            return Outcome(
                "wrong", "factor: length", f"claimed {len(mine)} entries, expected {len(expected)}"
            )
        other_expected = self.data.get(other_key)
        if other_key not in self.claims or not isinstance(other_expected, list):
            found = fair.direction(expected, mine, self.tol)
            return Outcome(
                found.verdict,
                f"factor: up to a non-zero factor (claim {other_key} too to check the product)",
                found.hint,
            )
        theirs = as_sequence(read_claim(self.claims[other_key]), other_expected)
        if shape_of(theirs) != shape_of(other_expected):
            return Outcome("wrong", "factor: u·vᵀ", f"{other_key} has the wrong length")
        u_e, v_e = (expected, other_expected) if side == "column" else (other_expected, expected)
        u_c, v_c = (mine, theirs) if side == "column" else (theirs, mine)
        found = self.elements(path, fair.outer(u_e, v_e), fair.outer(u_c, v_c))
        return Outcome(found.verdict, "u·vᵀ compared (factors up to scale)", found.hint)

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


# ---------------------------------------------------------------------------- scalars


def compare_bool(expected: bool, claimed: Any) -> Outcome:
    claimed = read_claim(claimed)
    value = claimed.value if isinstance(claimed.value, bool) else claimed.text
    return Outcome(
        "correct" if parse_bool(value, "claim") == expected else "wrong", "boolean: exact"
    )


def compare_int(expected: int, claimed: Any, tol: Tolerance | None = None) -> Outcome:
    tol = tol or Tolerance()
    claimed = read_claim(claimed)
    if claimed.approximate is not None and claimed.is_number:
        return fair.approximate_integer(expected, claimed, tol, _within)
    value = claimed.number("an integer")
    if isinstance(value, float):
        ok = math.isfinite(value) and value == expected
    else:
        ok = Fraction(value) == expected
    rule = "integer: exact"
    if tol != Tolerance():  # a changed rtol/atol is named, never ignored without a word
        rule += f" ({tol.describe()} applies to approximate claims only, e.g. ~4.6k)"
    return Outcome("correct" if ok else "wrong", rule)


def compare_number(expected: Any, claimed: Any, tol: Tolerance) -> Outcome:
    claimed = read_claim(claimed)
    exact = _expected_exact(expected)
    value = claimed.number("a number")
    e = _float(exact if exact is not None else expected)
    c = _float(value)
    if exact is not None and not isinstance(value, float) and Fraction(value) == exact:
        return Outcome("correct", "fraction: exact")
    if not (math.isfinite(e) and math.isfinite(c)):
        same = (math.isnan(e) and math.isnan(c)) or c == e
        return Outcome("correct" if same else "wrong", "float: non-finite values match exactly")
    return _within(e, c, claimed.figures, tol)


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
    got = read_claim(claimed).text
    norm = lambda s: re.sub(r"\s+", "", s).casefold()
    ok = norm(got) == norm(expected)
    return Outcome(
        "correct" if ok else "wrong",
        "text: exact (ignoring case and spaces)",
        None if ok else f"expected '{expected}'",
    )


def _round_sig(x: float, figures: int) -> float:
    if x == 0:
        return 0.0
    return float(f"{x:.{figures}g}")


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
        if isinstance(e, bool):
            return None
        ev = _expected_exact(e) if isinstance(e, str) else e
        cv = c.value if isinstance(c, Claimed) and c.is_number else c
        if not isinstance(ev, (int, float, Fraction)) or isinstance(cv, (bool, Claimed)):
            return None
        if not isinstance(cv, (int, float, Fraction)):
            return None
        err = abs(_float(ev) - _float(cv))
        return err if math.isfinite(err) else None
    except (TypeError, ValueError, ArithmeticError):
        return None


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
