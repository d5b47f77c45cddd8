"""The chain rule written out: ∂L/∂w = ∂L/∂y · ∂y/∂z · ∂z/∂w, each factor, then the product.

Without ``--define`` the first σ/tanh/softplus/relu of a compound argument is named
automatically (z = its argument, y = the activation), as the textbook does.
"""

from __future__ import annotations

import sympy

from hwcheck.core.errors import HwcheckError
from hwcheck.core.numfmt import fmt
from hwcheck.core.result import Undecided
from hwcheck.families.symbolic.build import display_name, symbol, tex_name, to_display, to_latex
from hwcheck.families.symbolic.derive import (
    Definitions,
    abbreviate,
    chain_paths,
    expand_definitions,
    value_at,
)


def _names(definitions: Definitions):
    def shorten(e):
        return abbreviate(abbreviate(e, definitions.full), definitions.local)

    return shorten


def _partial(top: str, bottom: str, direct: bool = False) -> tuple[str, str]:
    text = f"∂{display_name(top)}/∂{display_name(bottom)}" + (" (direct)" if direct else "")
    tex = rf"\frac{{\partial {tex_name(top)}}}{{\partial {tex_name(bottom)}}}" + (
        r"\Big|_{\text{direct}}" if direct else ""
    )
    return text, tex


def _number(expr, definitions: Definitions, point) -> str:
    return fmt(expr) if expr.is_Number else (_value(expr, definitions, point)[3:] or "?")


def _value(expr, definitions: Definitions, point) -> str:
    if point is None or expr.is_Number:
        return ""
    try:
        value = value_at(expand_definitions(expr, definitions.full), point)
    except HwcheckError:
        return ""
    return "" if isinstance(value, Undecided) else " = " + fmt(value)


def chain_rule(problem, variable: str, point=None) -> tuple[tuple[str, str], ...]:
    """Lines (text, latex) of the chain-rule breakdown of ∂L/∂variable."""
    definitions = (
        problem.definitions if problem.definitions.local else Definitions.automatic(problem.full)
    )
    top = abbreviate(problem.full, definitions.full)
    v = symbol(variable)
    paths = chain_paths("L", top, v, definitions.full, definitions.local)
    lines = [
        _definition_line(name, expr, definitions, point) for name, expr in definitions.local.items()
    ]
    lines.append((f"L = {to_display(top)}", f"L = {to_latex(top)}"))
    if not paths:
        return tuple(lines) + (
            (
                f"∂L/∂{display_name(variable)} = 0 (L does not depend on {display_name(variable)})",
                rf"\frac{{\partial L}}{{\partial {tex_name(variable)}}} = 0",
            ),
        )
    lines += _factor_lines(paths, definitions, point, several=len(paths) > 1)
    if len(paths) > 1 or len(paths[0]) > 1:
        lines += _product_lines(paths, variable, definitions, point)
    return tuple(lines)


def _definition_line(name, expr, definitions: Definitions, point) -> tuple[str, str]:
    value = _value(definitions.full[name], definitions, point)
    return f"{name} = {to_display(expr)}{value}", f"{to_latex(name)} = {to_latex(expr)}{value}"


def _factor_lines(paths, definitions: Definitions, point, several: bool) -> list[tuple[str, str]]:
    seen, lines = set(), []
    shorten = _names(definitions)
    for path in paths:
        for factor in path:
            key = (factor.top, factor.bottom)
            if key in seen:
                continue
            seen.add(key)
            text, tex = _partial(
                factor.top, factor.bottom, several and factor.top == "L" and len(path) == 1
            )
            local = shorten(factor.expr)
            value = _value(local, definitions, point)
            lines.append(
                (f"{text} = {to_display(local)}{value}", f"{tex} = {to_latex(local)}{value}")
            )
    return lines


def _factor_text(expr) -> str:
    text = to_display(expr)
    return text if expr.is_Atom or expr.is_Function else f"({text})"


def _product_lines(paths, variable: str, definitions: Definitions, point) -> list[tuple[str, str]]:
    shorten = _names(definitions)
    labels = [[_partial(f.top, f.bottom, len(path) == 1) for f in path] for path in paths]
    symbolic = " + ".join(" · ".join(text for text, _ in path) for path in labels)
    tex_symbolic = " + ".join(r" \cdot ".join(tex for _, tex in path) for path in labels)
    product = sympy.Add(*[sympy.Mul(*[shorten(f.expr) for f in path]) for path in paths])
    head, tex_head = _partial("L", variable)
    substituted = " + ".join(
        " · ".join(_factor_text(shorten(f.expr)) for f in path) for path in paths
    )
    lines = [
        (f"{head} = {symbolic}", f"{tex_head} = {tex_symbolic}"),
        (f"{head} = {substituted}", f"{tex_head} = {to_latex(product)}"),
    ]
    if point is not None:
        numbers = " + ".join(
            " · ".join(_number(shorten(f.expr), definitions, point) for f in path) for path in paths
        )
        value = _value(product, definitions, point)
        lines.append(
            (f"{head} = {numbers}{value}", f"{tex_head} = {numbers}{value}".replace("·", r"\cdot"))
        )
    return lines
