"""Views of the optimizer family: the shared trace helpers and gd-quadratic's tables.

The optimizer traces (:mod:`hwcheck.families.optim.results`) and gd-quadratic
(:mod:`hwcheck.families.optim.quadratic`) both abridge long traces and print parameter vectors the same
way; those helpers live here so neither module imports the other.
"""

from __future__ import annotations

import math

from hwcheck.core.numfmt import fmt, fmt_seq
from hwcheck.core.views import Table, Text
from hwcheck.families.optim.optimizers import EXPLODED

SPARKS = "▁▂▃▄▅▆▇█"
MAX_ROWS, HEAD, TAIL = 20, 10, 5  # longer traces show the first HEAD and the last TAIL steps
MAX_CELL = 6  # entries of a parameter vector shown in one cell
MAX_NAMES = 8  # parameters shown per step in the trace table


def abridged(steps: list) -> tuple[list, list[str]]:
    """The steps a table shows (``None`` where it skips) and the note that says so."""
    if len(steps) <= MAX_ROWS:
        return steps, []
    note = f"steps {HEAD + 1}–{len(steps) - TAIL} are not shown; --json has every step"
    return steps[:HEAD] + [None] + steps[-TAIL:], [note]


def vec(values: list[float], digits: int) -> str:
    """One cell: a number, or ``(a, b, …)`` for a parameter vector."""
    if len(values) == 1:
        return fmt(values[0], digits)
    shown = [fmt(v, digits) for v in values[:MAX_CELL]]
    return "(" + ", ".join(shown) + (", …" if len(values) > MAX_CELL else "") + ")"


def sparkline(values: list[float], width: int = 60) -> str:
    """``▁▂▃▄▅▆▇█`` from the loss values (sampled evenly to at most ``width`` marks; a log
    scale when positive values span more than three orders of magnitude).

    >>> sparkline([4, 3, 2, 1, 0])
    '█▇▅▃▁'
    """
    if len(values) > width:
        values = [values[round(i * (len(values) - 1) / (width - 1))] for i in range(width)]
    if min(values) > 0 and max(values) > 1e3 * min(values):
        values = [math.log10(v) for v in values]  # many orders of magnitude: log scale
    lo, hi = min(values), max(values)
    if hi - lo <= 1e-15 * max(1.0, abs(hi)):
        return SPARKS[3] * len(values)
    return "".join(SPARKS[min(7, int((v - lo) / (hi - lo) * 8))] for v in values)


# ---------------------------------------------------------------------------------- view


def quadratic_view(result, digits: int) -> list:
    """The eigen-table, the bounds worked out, and the trace checked against the closed form."""
    f = lambda x: fmt(x, digits)
    lr = result.lr
    columns = ("i", "λᵢ", "eigenvector qᵢ") + (
        (f"|1 − ε·λᵢ|, ε = {f(lr)}",) if lr is not None and result.method == "gd" else ()
    )
    rows = []
    for i, (v, q) in enumerate(zip(result.eigenvalues, result.eigenvectors), start=1):
        factor = (f(abs(1 - lr * v)),) if lr is not None and result.method == "gd" else ()
        rows.append((str(i), f(v), fmt_seq(q, digits)) + factor)
    sections = [Table(columns=columns, rows=tuple(rows), title=f"H = QΛQᵀ: {result.definiteness}")]
    sections.append(
        Text(tuple(bounds_lines(result, f)), title="Learning-rate bounds", preformatted=True)
    )
    if result.steps is not None:
        sections.append(trace_table(result, f))
    return sections


def bounds_lines(result, f) -> list[str]:
    eig = result.eigenvalues
    lo, hi = eig[0], eig[-1]
    lines = [
        "GD: w(t) = (I − εH)ᵗw(0) = Q(I − εΛ)ᵗQᵀw(0); converges iff |1 − ε·λᵢ| < 1 for every i"
    ]
    if result.lr_max is not None:
        only = (
            " — bounds the positive-curvature directions only" if result.negative_curvature else ""
        )
        lines.append(
            f"lr_max = 2/λ_max = 2/{f(hi)} = {f(result.lr_max)}   (0 < ε < {f(result.lr_max)}){only}"
        )
    if result.lr_opt is not None:
        lines.append(
            f"lr_opt = 2/(λ_min + λ_max) = 2/({f(lo)} + {f(hi)}) = {f(result.lr_opt)}, "
            f"rate (κ − 1)/(κ + 1) = {f((hi - lo) / (hi + lo))} with κ = "
            f"{f(hi / lo) if lo > 0 else 'inf (λ_min underflows the float range)'}"
        )
    for item in result.negative_curvature:
        lines.append(
            f"negative curvature λ = {f(item['eigenvalue'])} along {fmt_seq(item['direction'], 6)}: "
            f"|1 − ε·λ| = 1 + ε·{f(-item['eigenvalue'])} > 1 for every ε > 0 — GD diverges along it"
        )
    if result.newton_lr_max is None:  # a zero eigenvalue (decided exactly for rational H)
        lines.append(
            "a zero eigenvalue: |1 − ε·0| = 1, GD neither converges nor diverges along its direction"
        )
    if result.hessian_inverse is not None:
        lines.append(
            "f = ½wᵀHw: ∇f = Hw and ∇²f = H (the ½ cancels against the 2 of the square), so "
            f"(∇²f)⁻¹ = H⁻¹ = {fmt_seq(result.hessian_inverse, 6)}"
        )
    if result.newton_lr_max is not None:
        lines.append(
            "Newton: w ← w − ε·H⁻¹∇f = (1 − ε)·w, so w(t) = (1 − ε)ᵗw(0); "
            f"converges iff |1 − ε| < 1: 0 < ε < {f(result.newton_lr_max)}"
        )
        if result.negative_curvature:
            kind = "saddle point" if result.definiteness == "indefinite" else "maximum"
            lines.append(
                f"(with negative curvature Newton's method is attracted to the {kind} w = 0 all the same)"
            )
    if result.rate is not None:
        lines.append(rate_line(result, f))
    return lines


def rate_line(result, f) -> str:
    lr = result.lr
    verdict = "converges" if result.converges else "does not converge"
    if result.method == "newton":
        return f"rate at ε = {f(lr)}: |1 − ε| = {f(result.rate)} — Newton {verdict}"
    terms = ", ".join(
        f"|1 − {f(lr)}·{f(v) if v >= 0 else '(' + f(v) + ')'}|" for v in result.eigenvalues[:6]
    )
    more = ", …" if len(result.eigenvalues) > 6 else ""
    return f"rate at ε = {f(lr)}: max({terms}{more}) = {f(result.rate)} — GD {verdict}"


def trace_table(result, f):
    name = "w(t) = (1 − ε)ᵗw(0)" if result.method == "newton" else "w(t) = (I − εH)ᵗw(0)"
    show = lambda w: (
        "(" + ", ".join(f(v) for v in w[:MAX_CELL]) + (", …" if len(w) > MAX_CELL else "") + ")"
    )
    rows = [("0", show(result.w0), "")]
    steps, skipped = abridged(result.steps)
    rows += [(str(s["t"]), show(s["w"]), f(s["loss"])) if s else ("…", "…", "…") for s in steps]
    notes = [
        f"plain iteration agrees with the closed form to {f(result.closed_form_max_error)} (relative)"
    ] + skipped
    if result.diverged:
        d = result.diverged
        notes.append(
            f"diverged at step {d['t']}: {d['quantity']} = {f(d['value'])}, beyond {f(EXPLODED)} — "
            "the trace stops there"
        )
    return Table(
        columns=("t", name, "f(w) = ½wᵀHw"), rows=tuple(rows), title="Trace", notes=tuple(notes)
    )
