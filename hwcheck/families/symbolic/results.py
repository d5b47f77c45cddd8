"""Runners of ``derive`` and ``equiv`` and their results (JSON keys of CONVENTIONS §3)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar

from hwcheck.core.errors import HwcheckError
from hwcheck.core.numfmt import DEFAULT_DIGITS
from hwcheck.core.result import Result, Undecided, view_only

# ---------------------------------------------------------------------------------- derive


@dataclass(frozen=True)
class DeriveResult(Result):
    command: ClassVar[str] = "derive"

    expr: str
    derivatives: dict  # variable → {expr, latex, value?}
    definitions: dict  # name → expression text (the abbreviations used in the results)
    at: dict | None = None  # the point, when --at was given
    value: Any = None  # the expression's value at the point
    notes: list = None
    assume: str = "real"
    hessian: dict | None = None  # {variables, matrix (expression texts), values?} with --hessian
    expectation: str | None = None  # E[L] with --expect
    explain: bool = view_only(False)
    steps: dict = view_only(None)  # variable → tuple of (text line, latex line)
    latex: str = view_only("")

    def payload(self) -> dict[str, Any]:
        out = super().payload()
        for key in ("at", "value", "hessian", "expectation"):
            if out[key] is None:
                del out[key]
        return out

    def claim_kind(self, path: tuple) -> str | None:
        if path in (("expr",), ("expectation",)) or (
            len(path) == 3 and path[0] == "derivatives" and path[2] == "expr"
        ):
            return "expression"
        if len(path) >= 2 and path[:2] == ("hessian", "matrix"):
            return "expression"
        if _is_big_number(self._at(path)):  # beyond the double range: judged by the comparator
            return "expression"
        return None

    def _at(self, path: tuple):
        node: Any = self.to_json()
        for key in path:
            try:
                node = node[int(key) if isinstance(node, list) else key]
            except (KeyError, IndexError, ValueError, TypeError):
                return None
        return node

    def claim_context(self) -> dict[str, Any]:
        return {"definitions": dict(self.definitions), "assume": self.assume}

    def view(self, digits: int = DEFAULT_DIGITS) -> list:
        from hwcheck.families.symbolic.views import derive_view

        return derive_view(self, digits)


def derive(request) -> DeriveResult:
    """∂expr/∂v for every v of ``--wrt``, in textbook form, with values and the chain rule."""
    from hwcheck.families.symbolic import derive as d
    from hwcheck.families.symbolic.build import symbol, to_latex, to_text

    problem = d.make_problem(
        request.expr,
        request.define,
        request.wrt,
        request.preset,
        request.assume,
        request.expect,
        request.covariance,
    )
    d.size_gate(problem.full, problem.wrt, request.hessian)  # before any work
    point = dict(request.at or {})  # read by the request (symbolic.request.parse_point)
    exact = {name: problem.full.diff(symbol(name, request.assume)) for name in problem.wrt}
    d.check_definitions_used(problem, exact.values())
    derivatives, notes = {}, list(problem.notes)
    for name, derivative in exact.items():
        chain = (
            problem.full,
            tuple(problem.definitions.local.items()),
            symbol(name, request.assume),
        )
        shown, stopped = d.textbook(derivative, tuple(problem.definitions.full.items()), chain)
        derivatives[name] = {"expr": to_text(shown), "latex": to_latex(shown)}
        if stopped is not None:
            notes.append(
                f"∂L/∂{name}: inconclusive (timeout) tidying the textbook form; shown factored "
                f"({stopped.describe()})"
            )
    value = None
    if request.at is not None:
        value, *values = d.values_at((problem.full, *exact.values()), point)
        for entry, number in zip(derivatives.values(), values):
            entry["value"] = number
        notes += _undecided_note("the values at the point", value)
    hessian = _hessian(problem, request, point) if request.hessian else None
    if hessian and "values" in hessian:
        notes += _undecided_note("the Hessian at the point", hessian["values"][0][0])
    steps = {}
    if request.explain:
        from hwcheck.families.symbolic.explain import chain_rule

        steps = {
            name: chain_rule(problem, name, point if request.at is not None else None)
            for name in exact
        }
    return DeriveResult(
        expr=to_text(problem.shown),
        derivatives=derivatives,
        definitions=dict(problem.definitions.texts),
        at={k: _plain(v) for k, v in point.items()} if request.at is not None else None,
        value=value,
        notes=notes,
        assume=request.assume,
        hessian=hessian,
        expectation=to_text(problem.expectation) if problem.expectation is not None else None,
        explain=request.explain,
        steps=steps,
        latex=to_latex(problem.shown),
    )


def _undecided_note(what: str, value) -> list[str]:
    """A note when a time bound stopped the values (they are then Undecided: a claim on one is
    inconclusive, never an error of the exercise), naming the bound that ran out."""
    if not isinstance(value, Undecided):
        return []
    return [f"{what}: inconclusive (timeout): {value.describe()}"]


def _is_big_number(value) -> bool:
    """A value given as decimal text because it is beyond the double range."""
    from hwcheck.families.symbolic.claims import is_big_number

    return is_big_number(value)


def _hessian(problem, request, point) -> dict:
    """∂²L/∂u∂v over --wrt (each entry factored and in defined names; x·δ(x) = 0), with the
    values at the point when --at is given (one bounded worker for all entries)."""

    from hwcheck.families.symbolic import derive as d
    from hwcheck.families.symbolic.build import symbol, to_text

    names = problem.wrt
    symbols = [symbol(n, request.assume) for n in names]
    exact = d.second_derivatives(problem.full, symbols)
    shown = d.hessian_texts(exact, problem.definitions.full, to_text)
    out = {"variables": list(names), "matrix": shown}
    if request.at is not None:
        flat = d.values_at(tuple(h for row in exact for h in row), point)
        n = len(names)
        out["values"] = [flat[i * n : (i + 1) * n] for i in range(n)]
    return out


def _plain(v):
    if isinstance(v, Fraction):
        return int(v) if v.denominator == 1 else float(v)
    return v


# ----------------------------------------------------------------------------------- equiv


@dataclass(frozen=True)
class EquivResult(Result):
    command: ClassVar[str] = "equiv"

    a: str
    b: str
    #: equivalent, not_equivalent; an Undecided (JSON "inconclusive") when the decision was not
    #: made (a time bound, or sides undefined at every probe): a claim on it is never compared
    verdict: Any
    method: str  # structural, simplify, equals, numeric
    seed: int
    probes: int  # probe points where both sides were defined (and agreed)
    counterexample: dict | None = None
    reason: str | None = None
    probed: str | None = None  # the probed range, when probes were made
    domain: str | None = None  # boolean, integers:K (enumeration); None for the reals

    def payload(self) -> dict[str, Any]:
        out = super().payload()
        for key in ("counterexample", "reason", "probed", "domain"):
            if out[key] is None:
                del out[key]
        return out

    def claim_kind(self, path: tuple) -> str | None:
        return "expression" if path in (("a",), ("b",)) else None

    def exit_code(self) -> int:
        return 0 if self.verdict == "equivalent" else 1

    def view(self, digits: int = DEFAULT_DIGITS) -> list:
        from hwcheck.families.symbolic.views import equiv_view

        return equiv_view(self, digits)


def equiv(request) -> EquivResult:
    """Is A = B?  structural → seeded probes → simplify → equals → numeric agreement."""
    from hwcheck.families.symbolic.build import to_text
    from hwcheck.families.symbolic.derive import Definitions, parse_definitions, unused_definitions
    from hwcheck.families.symbolic.equiv import equivalence
    from hwcheck.families.symbolic.parser import as_text

    if not 0 < request.timeout <= MAX_TIMEOUT:
        raise HwcheckError(
            "--timeout", f"must be between 0 and {MAX_TIMEOUT:g} seconds, got {request.timeout:g}"
        )
    texts = parse_definitions(request.define)
    definitions = Definitions.from_texts(texts, assume=request.assume)
    sides_text = [as_text(request.a, "<a>"), as_text(request.b, "<b>")]
    unused_definitions(sides_text, texts)
    sides = [
        definitions.expression(text, label, request.assume)
        for label, text in zip(("<a>", "<b>"), sides_text)
    ]
    domain = request.domain  # read by the request (symbolic.request.parse_domain); None: reals
    if domain is not None and domain.kind != "reals":
        return _enumerated(request, sides, domain)
    found = equivalence(
        *sides,
        seed=request.seed,
        probes=request.probes,
        timeout=request.timeout,
        positive=request.assume == "positive",
    )
    return EquivResult(
        a=to_text(sides[0]),
        b=to_text(sides[1]),
        verdict=_decided(found),
        method=found.method,
        seed=found.seed,
        probes=found.probes,
        counterexample=found.counterexample,
        reason=found.reason,
        probed=found.probed,
    )


def _decided(found) -> Any:
    """equiv's verdict, or the Undecided that stands for a decision not made (a time bound, or
    sides undefined at every probe): a claimed verdict is never compared with it."""
    if found.verdict != "inconclusive":
        return found.verdict
    if found.reason == "timeout" and found.stopped:
        return found.stopped
    return Undecided(found.reason or "undefined")


def _enumerated(request, sides, domain) -> EquivResult:
    """``--domain boolean|integers:K``: every row, in the bounded worker; exact and seedless."""
    from hwcheck.families.symbolic.build import to_text
    from hwcheck.families.symbolic.enumerate import check_rows, enumerate_rows, natural
    from hwcheck.families.symbolic.worker import bounded

    names = sorted({str(s) for side in sides for s in side.free_symbols}, key=natural)
    rows = check_rows(domain, len(names))
    import numpy  # noqa: F401 - imported once here, so the forked worker starts with it

    probed = (
        f"all {rows:,} rows of {domain.describe(len(names))} ({', '.join(names) or 'no variables'})"
    )
    outcome = bounded(enumerate_rows, (*sides, domain), request.timeout)
    common = {"a": to_text(sides[0]), "b": to_text(sides[1]), "method": "enumeration"}
    common.update(seed=request.seed, probed=probed, domain=domain.name)
    if outcome.timed_out:
        return EquivResult(verdict=outcome.stopped, probes=0, reason="timeout", **common)
    if not outcome.done:
        return EquivResult(verdict=Undecided("undefined"), probes=0, reason="undefined", **common)
    found = outcome.value
    if found.unsettled:  # no exact value for some rows: undecided, never equivalent
        return EquivResult(
            verdict=Undecided(found.unsettled), probes=0, reason=found.unsettled, **common
        )
    if found.counterexample is not None:
        return EquivResult(
            verdict="not_equivalent",
            probes=found.rows,
            counterexample=found.counterexample,
            **common,
        )
    return EquivResult(verdict="equivalent", probes=found.rows, **common)


MAX_TIMEOUT = 120.0  # seconds: the command line's ceiling (an answers file stays at the default)
