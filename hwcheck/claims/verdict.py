"""Verdicts: each claim read once (:func:`hwcheck.claims.read.read_claim`), compared
(:mod:`hwcheck.claims.compare`), a wrong one diagnosed (:mod:`hwcheck.claims.diagnose`), and
the verdict, rule and hint assembled. A wrong claim is data (a :class:`Verdict`), not an
exception. One JSON schema on every road (CONVENTIONS §3)."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

from hwcheck.claims.compare import Comparer
from hwcheck.claims.fair import step_before
from hwcheck.claims.lookup import lookup, trace_alias
from hwcheck.claims.outcome import VERDICTS, Outcome, Tolerance
from hwcheck.claims.read import Claimed, claimed_list, plain, read_claim
from hwcheck.core.errors import HwcheckError
from hwcheck.core.numfmt import fmt, fmt_seq
from hwcheck.core.undecided import Undecided, is_undecided

VERDICT_MARK = {"correct": "✓", "wrong": "✗", "imprecise": "≈", "inconclusive": "?", "error": "!"}
CLAIM_COLUMNS = ("claim", "claimed", "expected", "verdict", "rule")
CLAIM_MIN_WIDTHS = (0, 0, 0, 0, 30)  # the explaining rule column stays readable
CLAIM_KEYS = ("key", "claimed", "claimed_text", "expected", "verdict", "rule", "hint", "mistakes")
__all__ = ["VERDICTS", "Verdict", "judge", "verify"]


@dataclass(frozen=True)
class Verdict:
    """One judged claim. ``claimed`` is the value as read (a number, a list, an expression
    string: JSON-ready), ``claimed_text`` the text as written."""

    key: str
    claimed: Any
    expected: Any
    verdict: str
    rule: str
    hint: str | None = None
    mistakes: tuple = ()  # hwcheck.claims.diagnose.Match: the named mistakes a wrong claim matches
    claimed_text: str | None = None

    @property
    def ok(self) -> bool:
        return self.verdict == "correct"

    def to_json(self) -> dict[str, Any]:
        """Exactly :data:`CLAIM_KEYS`: ``hint`` null and ``mistakes`` [] when empty."""
        from hwcheck.core.jsonout import to_jsonable

        claimed, text = self.claimed, self.claimed_text
        if text is None:  # a verdict built from a raw value: read it as every road does
            read = read_claim(claimed)
            claimed, text = plain(read.value), read.text
        return {
            "key": self.key,
            "claimed": to_jsonable(claimed),
            "claimed_text": text,
            "expected": to_jsonable(self.expected),
            "verdict": self.verdict,
            "rule": self.rule,
            "hint": self.hint or None,
            "mistakes": [m.to_json() for m in self.mistakes],
        }


#: the rule of a claim on a key the result does not have (the CLI's --claim: exit 2)
MISSING_KEY_RULE = "key: not in the result"


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
    """One claim's verdict. ``raw`` is the claim as its road gives it; it is read once here.
    ``claims`` (all of the exercise's claims) lets a claim be read with the others: separable
    factors judged by u·vᵀ when both are claimed, a later count that follows from an earlier
    wrong one. A wrong claim is diagnosed (``diagnosis``): the named mistakes whose value it
    matches (hwcheck.claims.diagnose)."""
    claimed = read_claim(raw)

    def made(expected: Any, outcome: Outcome, hint: str | None, mistakes: tuple = ()) -> Verdict:
        value = plain(_as_read(claimed, expected))
        return Verdict(
            key, value, expected, outcome.verdict, outcome.rule, hint, mistakes, claimed.text
        )

    try:
        path, expected = lookup(data, key)
    except HwcheckError as exc:
        return made(None, Outcome("error", MISSING_KEY_RULE), exc.message)
    expected = undecided_marks(result).get(path, expected)
    comparer = Comparer(result, tol, data, claims or {}, undecided_marks(result))
    outcome = _compare(comparer, data, path, expected, claimed)
    alias = trace_alias(data, key)
    rule = outcome.rule if alias is None else f"{outcome.rule} ({key} = {alias})"
    outcome = Outcome(outcome.verdict, rule, outcome.hint)
    mistakes: tuple = ()
    hint = outcome.hint
    if outcome.verdict == "wrong" and diagnosis:
        try:
            mistakes = _diagnose(comparer, data, path, expected, claimed, claims)
        except Exception:  # noqa: BLE001 - a diagnosis that fails names nothing; the verdict stands
            mistakes = ()
        if mistakes:
            from hwcheck.claims.diagnose import describe

            named = describe(mistakes)
            hint = named if not hint else f"{named}; {hint}"
    return made(expected, outcome, hint, mistakes)


def _as_read(claimed: Claimed, expected: Any) -> Any:
    """The claimed value as the comparison read it: a list where the key's value is a list
    (``1 100`` or ``1,605,632`` are entries there, a number elsewhere)."""
    if isinstance(expected, list) and not isinstance(claimed.value, list):
        try:
            return claimed_list(claimed, expected)
        except (HwcheckError, ArithmeticError, ValueError, TypeError, RecursionError):
            pass
    return claimed.value


def _compare(
    comparer: Comparer, data: dict, path: tuple, expected: Any, claimed: Claimed
) -> Outcome:
    try:
        outcome = comparer.compare(path, expected, claimed)
        if outcome.verdict == "wrong":
            outcome = step_before(comparer, data, path, claimed, outcome)
        return outcome
    except HwcheckError as exc:
        hint = exc.message if not exc.hint or "\n" in exc.hint else f"{exc.message} ({exc.hint})"
        return Outcome("error", "claim: cannot be read", hint)
    except (ArithmeticError, ValueError, TypeError, RecursionError):
        return Outcome("error", "claim: cannot be read", "a value no number grammar reads")


def _diagnose(comparer: Comparer, data, path, expected, claimed: Claimed, claims) -> tuple:
    """The named mistakes a wrong claim matches (hwcheck.claims.diagnose; the catalogue loads lazily)."""
    from hwcheck.claims.diagnose import Case, diagnose

    case = Case(comparer.result, data, path, expected, dict(claims or {}))
    return diagnose(comparer, case, claimed)


# ---------------------------------------------------------------------- undecided values

_MARKS: dict[int, tuple[Any, dict]] = {}
_MAX_NODES = 200_000


def undecided_marks(result) -> dict[tuple, Undecided]:
    """Paths of the result's values that could not be decided (:class:`Undecided`), found in
    its fields (its JSON says only ``"inconclusive"``). Remembered per result object."""
    cached = _MARKS.get(id(result))
    if cached is not None and cached[0] is result:
        return cached[1]
    marks: dict[tuple, Undecided] = {}
    payload = getattr(result, "payload", None)
    if callable(payload):
        try:
            _walk(payload(), (), marks, [0])
        except (RecursionError, TypeError, ValueError):
            pass
    if len(_MARKS) >= 256:
        _MARKS.clear()
    _MARKS[id(result)] = (result, marks)
    return marks


def _walk(node: Any, path: tuple, marks: dict, count: list) -> None:
    count[0] += 1
    if count[0] > _MAX_NODES or len(path) > 12:
        return
    if is_undecided(node):
        marks[path] = node
    elif isinstance(node, dict):
        for k, v in node.items():
            _walk(v, path + (str(k),), marks, count)
    elif isinstance(node, (list, tuple)):
        for i, v in enumerate(node):
            _walk(v, path + (i,), marks, count)
    elif is_dataclass(node) and not isinstance(node, type) and not hasattr(node, "to_json"):
        for f in fields(node):
            _walk(getattr(node, f.name), path + (f.name,), marks, count)


# -------------------------------------------------------------------------- showing values


def claim_cells(claim: dict[str, Any], digits: int = 6) -> tuple[str, ...]:
    """One judged claim (its JSON) as the cells of ``CLAIM_COLUMNS``: the claim as written."""
    rule = claim["rule"] + (f" — {claim['hint']}" if claim.get("hint") else "")
    written = claim.get("claimed_text")
    return (
        claim["key"],
        written if written else describe_value(claim["claimed"], digits),
        describe_value(claim["expected"], digits),
        f"{VERDICT_MARK[claim['verdict']]} {claim['verdict']}",
        rule,
    )


def describe_value(value: Any, digits: int = 6) -> str:
    """A claimed or expected value, short, in notation (never a Python repr), for tables."""
    if isinstance(value, Claimed):
        return value.text
    if isinstance(value, dict) and "expr" in value:
        value = value["expr"]
    if isinstance(value, str):
        return value  # whole: the renderer moves a long value onto its own line, never cuts it
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, list):
        return fmt_seq(value, digits)
    if isinstance(value, dict):
        return json.dumps(plain(value), ensure_ascii=False, default=str)
    return fmt(value, digits)
