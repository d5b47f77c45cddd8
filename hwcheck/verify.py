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

from hwcheck.errors import HwcheckError, suggest
from hwcheck.numfmt import fmt, fmt_seq
from hwcheck.parse import parse_array, parse_number, shape_of

VERDICTS = ("correct", "imprecise", "inconclusive", "wrong", "error")
VERDICT_MARK = {"correct": "✓", "wrong": "✗", "imprecise": "≈", "inconclusive": "?", "error": "!"}
CLAIM_COLUMNS = ("claim", "claimed", "expected", "verdict", "rule")
CLAIM_MIN_WIDTHS = (0, 0, 0, 0, 30)  # the explaining rule column stays readable
_SEVERITY = {v: i for i, v in enumerate(VERDICTS)}

#: comparators for ``Result.claim_kind`` names, as "module:function" (imported on first use).
PLUGINS: dict[str, str] = {"expression": "hwcheck.symbolic.claims:compare_expression"}
_PLUGIN_CACHE: dict[tuple, Outcome] = {}


@dataclass(frozen=True)
class Verdict:
    key: str
    claimed: Any
    expected: Any
    verdict: str
    rule: str
    hint: str | None = None

    @property
    def ok(self) -> bool:
        return self.verdict == "correct"

    def to_json(self) -> dict[str, Any]:
        from hwcheck.jsonout import to_jsonable

        out = {
            "key": self.key,
            "claimed": to_jsonable(self.claimed),
            "expected": to_jsonable(self.expected),
            "verdict": self.verdict,
            "rule": self.rule,
        }
        if self.hint:
            out["hint"] = self.hint
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
    """Judge every claim against ``result`` (a :class:`hwcheck.result.Result`)."""
    data = result.to_json()
    tol = Tolerance(rtol, atol)
    items = claims.items() if isinstance(claims, dict) else claims
    return [judge(result, data, str(key), raw, tol) for key, raw in items]


def judge(result, data: dict, key: str, raw: Any, tol: Tolerance) -> Verdict:
    try:
        path, expected = lookup(data, key)
    except HwcheckError as exc:
        return Verdict(key, raw, None, "error", "key: not in the result", exc.message)
    comparer = Comparer(result, tol)
    try:
        outcome = comparer.compare(path, expected, raw)
    except HwcheckError as exc:
        outcome = Outcome("error", "claim: cannot be read", exc.message)
    return Verdict(key, raw, expected, outcome.verdict, outcome.rule, outcome.hint)


def parse_claim(text: str, where: str = "--claim") -> tuple[str, str]:
    """``"KEY=VALUE"`` → ``(KEY, VALUE)``."""
    key, eq, value = text.partition("=")
    key = key.strip()
    if not eq or not key:
        raise HwcheckError(where, f"expected KEY=VALUE, got '{text[:60]}'")
    return key, value.strip()


# ----------------------------------------------------------------------------- lookup

_META_KEYS = ("hwcheck", "command", "claims")


def lookup(data: dict, key: str) -> tuple[tuple, Any]:
    """Follow a dotted path (``layers.2.output_shape``; list indices may be negative)."""
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

    def __init__(self, result, tol: Tolerance):
        self.result = result
        self.tol = tol

    def compare(self, path: tuple, expected: Any, claimed: Any) -> Outcome:
        kind = self.result.claim_kind(path)
        if kind is not None and not isinstance(expected, (dict, list, bool)):
            return self.plugin(kind, str(expected), claimed)  # a symbolic matrix's 0 too
        if isinstance(expected, dict):
            return self.mapping(path, expected, claimed)
        if isinstance(expected, list):
            return self.sequence(path, expected, claimed)
        if isinstance(expected, bool):
            return compare_bool(expected, claimed)
        if isinstance(expected, int):
            return compare_int(expected, claimed)
        if isinstance(expected, float) or _is_number_text(expected):
            return compare_number(expected, claimed, self.tol)
        if expected is None:
            ok = claimed is None or (
                isinstance(claimed, str) and claimed.strip().lower() in {"null", "none"}
            )
            return Outcome("correct" if ok else "wrong", "null: exact")
        return compare_text(str(expected), claimed)

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
        items = _as_sequence(claimed, expected)
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
    if isinstance(claimed, str):
        low = claimed.strip().lower()
        if low not in {"true", "false", "yes", "no"}:
            raise HwcheckError("claim", f"expected true or false, got '{claimed[:40]}'")
        claimed = low in {"true", "yes"}
    if not isinstance(claimed, bool):
        raise HwcheckError("claim", f"expected true or false, got {claimed!r}")
    return Outcome("correct" if claimed == expected else "wrong", "boolean: exact")


def compare_int(expected: int, claimed: Any) -> Outcome:
    value = _claim_number(claimed, "an integer")
    if isinstance(value, float):
        ok = math.isfinite(value) and value == expected
    else:
        ok = Fraction(value) == expected
    return Outcome("correct" if ok else "wrong", "integer: exact")


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
    err = abs(c - e)
    bound = tol.atol + tol.rtol * abs(e)
    if err <= bound:
        return Outcome("correct", f"float: within {tol.describe()}")
    figures = significant_figures(claimed)
    if figures and _round_sig(e, figures) == _round_sig(c, figures) and c != 0:
        return Outcome(
            "imprecise",
            f"float: right to {figures} figure{'s' * (figures > 1)} only",
            f"the value is {fmt(e, 10)}: give more digits (|Δ| ≤ {fmt(bound, 3)} needed)",
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
            return None
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
        except (json.JSONDecodeError, RecursionError):
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
    if re.fullmatch(r"[\[(]?\s*\d+(\s*[x×X]\s*\d+)+\s*[\])]?", text):
        return [int(t) for t in re.findall(r"\d+", text)]
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
