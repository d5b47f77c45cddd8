"""Solution-sheet views of ``derive`` and ``equiv`` results (formatted strings only)."""

from __future__ import annotations

from hwcheck.core.numfmt import fmt as _fmt
from hwcheck.core.result import Table, Text, Undecided


def fmt(value, digits: int | None = None) -> str:
    """A number as the tables print it; a value a time bound stopped is ``inconclusive``."""
    if isinstance(value, Undecided):
        return str(value)
    return _fmt(value) if digits is None else _fmt(value, digits)


def _display(text: str) -> str:
    from hwcheck.families.symbolic.build import expression, to_display

    try:
        return to_display(expression(text))
    except Exception:  # noqa: BLE001 - a view never fails on its own strings
        return text


def derive_view(result, digits: int) -> list:
    sections = [_expression_text(result, digits)]
    columns = ("derivative", "textbook form") + (("value",) if result.at is not None else ())
    rows = []
    for name, entry in result.derivatives.items():
        row = (f"∂L/∂{_display(name)}", _display(entry["expr"]))
        rows.append(row + ((fmt(entry["value"], digits),) if "value" in entry else ()))
    notes = tuple(result.notes or ())
    sections.append(
        Table(columns, tuple(rows), title="Derivatives", notes=notes, align="llr"[: len(columns)])
    )
    if result.hessian:
        sections += _hessian_matrices(result.hessian, digits)
    if result.explain:
        sections += [
            Text(
                tuple(t for t, _ in lines),
                title=f"Chain rule for ∂L/∂{_display(name)}",
                preformatted=True,
                latex=tuple(x for _, x in lines),
            )
            for name, lines in (result.steps or {}).items()
        ]
    sections.append(Text(tuple(_latex_lines(result)), title="LaTeX", math=True))
    return sections


def _hessian_matrices(hessian: dict, digits: int) -> list:
    from hwcheck.core.result import Matrix

    labels = tuple(_display(n) for n in hessian["variables"])
    entries = tuple(tuple(_display(e) for e in row) for row in hessian["matrix"])
    matrices = [Matrix(entries, labels, labels, title="Hessian ∂²L/∂u∂v")]
    if "values" in hessian:
        values = tuple(tuple(fmt(v, digits) for v in row) for row in hessian["values"])
        matrices.append(Matrix(values, labels, labels, title="Hessian at the point"))
    return matrices


def _expression_text(result, digits: int) -> Text:
    lines = [f"L = {_display(result.expr)}"]
    lines += [f"{name} = {_display(text)}" for name, text in result.definitions.items()]
    if result.at is not None:
        lines.append(
            "at " + ", ".join(f"{_display(k)}={fmt(v, digits)}" for k, v in result.at.items())
        )
        if result.value is not None:
            lines.append(f"L = {fmt(result.value, digits)}")
    latex = [f"L = {result.latex}"] + [_math(line) for line in lines[1:]]
    return Text(tuple(lines), title="Expression", latex=tuple(latex))


def _math(line: str) -> str:
    """A line of this view as LaTeX math (definitions and values; the escape is the renderer's)."""
    from hwcheck.core.escape import latex_math

    head, _, rest = line.partition(" ")
    return r"\text{at } " + latex_math(rest) if head == "at" else latex_math(line)


def _latex_lines(result) -> list[str]:
    from hwcheck.families.symbolic.build import tex_name

    return [
        rf"\frac{{\partial L}}{{\partial {tex_name(name)}}} = {entry['latex']}"
        for name, entry in result.derivatives.items()
    ]


def equiv_view(result, digits: int) -> list:
    rows = [
        ("A", _display(result.a)),
        ("B", _display(result.b)),
        ("verdict", str(result.verdict).replace("_", " ")),
        ("method", _method(result)),
    ]
    if result.counterexample:
        point = result.counterexample["at"]
        rows.append(
            ("counterexample", ", ".join(f"{k}={fmt(v, digits)}" for k, v in point.items()))
        )
        rows.append(("A there", fmt(result.counterexample["a"], digits)))
        rows.append(("B there", fmt(result.counterexample["b"], digits)))
    notes = (f"reason: {result.reason}",) if result.reason else ()
    if hasattr(result.verdict, "describe"):  # stopped by a time bound: say which
        notes += (result.verdict.describe(),)
    return [Table(("", "value"), tuple(rows), title="Equivalence", notes=notes, align="ll")]


def _method(result) -> str:
    if result.method == "enumeration":
        return f"enumeration ({result.probed})"
    if result.method == "numeric" and result.verdict == "not_equivalent":
        where = " and breakpoints" if "breakpoints" in (result.probed or "") else ""
        return f"numeric (seeded probe points{where}, seed {result.seed}): they differ at the point below"
    if result.method == "numeric":
        return (
            f"numeric (agree at {result.probes} probe points: {result.probed}; seed {result.seed})"
        )
    return {
        "structural": "structural (same canonical form)",
        "simplify": "simplify(A − B) = 0",
        "equals": "sympy equals",
    }.get(result.method, result.method)
